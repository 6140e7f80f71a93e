//go:build !linux

package cpumap

func hostMSR(index uint32) (uint64, bool) { return 0, false }
