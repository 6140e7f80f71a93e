package cpumap

import (
	"encoding/binary"
	"os"
	"syscall"
	"unsafe"
)

// kvmGetMSRs is KVM_GET_MSRS: _IOWR(KVMIO, 0x88, struct kvm_msrs).
const kvmGetMSRs = 0xc008ae88

// hostMSR is virHostCPUGetMSR: the MSR of the first CPU from the msr
// driver's device, or, when that cannot be read (no msr module, no
// privilege), the value KVM reports for a feature MSR.
func hostMSR(index uint32) (uint64, bool) {
	if f, err := os.Open("/dev/cpu/0/msr"); err == nil {
		var buf [8]byte
		n, err := f.ReadAt(buf[:], int64(index))
		f.Close()
		if err == nil && n == len(buf) {
			return binary.LittleEndian.Uint64(buf[:]), true
		}
	}
	f, err := os.Open("/dev/kvm")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	// struct kvm_msrs with one struct kvm_msr_entry.
	var msrs struct {
		nmsrs, pad      uint32
		index, reserved uint32
		data            uint64
	}
	msrs.nmsrs, msrs.index = 1, index
	r, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), kvmGetMSRs, uintptr(unsafe.Pointer(&msrs)))
	if errno != 0 || r != 1 {
		return 0, false
	}
	return msrs.data, true
}
