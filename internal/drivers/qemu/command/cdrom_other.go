//go:build !linux

package command

// hostIsCDROM is virFileIsCDROM, which only Linux answers.
func hostIsCDROM(string) bool { return false }
