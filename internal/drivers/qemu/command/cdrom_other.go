//go:build !linux

package command

import "strings"

// hostIsCDROM is virFileIsCDROM, which only Linux answers; elsewhere the
// name decides as in libvirt's test mock.
func hostIsCDROM(path string) bool { return strings.HasPrefix(path, "/dev/cd") }
