package cpumap

const haveCPUID = true

// cpuid runs the CPUID instruction for leaf eaxIn, sub-leaf ecxIn.
func cpuid(eaxIn, ecxIn uint32) (eax, ebx, ecx, edx uint32)
