package command

import "syscall"

// hostIsCDROM is virFileIsCDROM: the path opens as a block device that
// answers the CD-ROM capability ioctl.
func hostIsCDROM(path string) bool {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFBLK {
		return false
	}
	const cdromGetCapability = 0x5331
	r, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), cdromGetCapability, 0)
	return errno == 0 && int(r) >= 0
}
