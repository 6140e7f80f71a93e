//go:build !amd64

package cpumap

const haveCPUID = false

func cpuid(eaxIn, ecxIn uint32) (eax, ebx, ecx, edx uint32) { return 0, 0, 0, 0 }
