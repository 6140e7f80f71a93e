package cpumap

import "github.com/govirt/govirt/virt/virterr"

// X86HostData is the CPUID data of the CPU this program runs on, read
// leaf by leaf as libvirt's cpuidSet does (the sub-leaves of leaves 4,
// 7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14 and 0x17 followed as the CPU says
// they exist), with IA32_ARCH_CAPABILITIES when the CPU has it and it
// can be read.
func X86HostData() (X86Data, error) {
	if !haveCPUID {
		return nil, cpuErr(virterr.NoSupport, "cannot probe the host CPU on this architecture")
	}
	data := X86Data{}
	cpuidSet(0, data)
	cpuidSet(0x80000000, data)
	if X86DataHasFeature(data, "arch-capabilities") {
		if v, ok := hostMSR(0x10a); ok {
			data.Add(X86Item{MSR: true, In: 0x10a, Eax: uint32(v), Edx: uint32(v >> 32)})
		}
	}
	return data, nil
}

func cpuidItem(in, sub uint32) X86Item {
	eax, ebx, ecx, edx := cpuid(in, sub)
	return X86Item{In: in, Sub: sub, Eax: eax, Ebx: ebx, Ecx: ecx, Edx: edx}
}

// cpuidSet is libvirt's cpuidSet: every leaf from base to the maximum
// base reports.
func cpuidSet(base uint32, data X86Data) {
	max, _, _, _ := cpuid(base, 0)
	for leaf := base; leaf <= max; leaf++ {
		it := cpuidItem(leaf, 0)
		switch leaf {
		case 0x4:
			// Sub-leaf n+1 exists while eax[4:0] of sub-leaf n is not 0.
			data.Add(it)
			for sub := uint32(1); it.Eax&0x1f != 0; sub++ {
				it = cpuidItem(leaf, sub)
				data.Add(it)
			}
		case 0x7, 0x14:
			// Sub-leaf 0 tells the last sub-leaf.
			data.Add(it)
			for sub := uint32(1); sub <= it.Eax; sub++ {
				data.Add(cpuidItem(leaf, sub))
			}
		case 0xb:
			// Sub-leaves are valid while ecx[15:8] is not 0.
			for sub := uint32(1); it.Ecx&0xff00 != 0; sub++ {
				data.Add(it)
				it = cpuidItem(leaf, sub)
			}
		case 0xd:
			data.Add(it)
			sub1 := cpuidItem(leaf, 1)
			data.Add(sub1)
			for sub := uint32(2); sub < 64; sub++ {
				if sub < 32 && it.Eax&(1<<sub) == 0 && sub1.Ecx&(1<<sub) == 0 {
					continue
				}
				if sub >= 32 && it.Edx&(1<<(sub-32)) == 0 && sub1.Edx&(1<<(sub-32)) == 0 {
					continue
				}
				data.Add(cpuidItem(leaf, sub))
			}
		case 0xf, 0x10:
			res := it.Edx
			if leaf == 0x10 {
				res = it.Ebx
			}
			data.Add(it)
			for sub := uint32(1); sub < 32; sub++ {
				if res&(1<<sub) != 0 {
					data.Add(cpuidItem(leaf, sub))
				}
			}
		case 0x12:
			// SGX leaves exist only with SGX (leaf 7 ebx bit 2).
			if data[x86Key{in: 7}][1]&(1<<2) == 0 {
				continue
			}
			data.Add(it)
			data.Add(cpuidItem(leaf, 1))
			for sub := uint32(2); ; sub++ {
				s := cpuidItem(leaf, sub)
				if s.Eax&0xf == 0 {
					break
				}
				data.Add(s)
			}
		case 0x17:
			if it.Eax < 3 {
				continue
			}
			data.Add(it)
			for sub := uint32(1); sub <= it.Eax; sub++ {
				data.Add(cpuidItem(leaf, sub))
			}
		default:
			data.Add(it)
		}
	}
}

// X86DataHasFeature is virCPUx86DataCheckFeature.
func X86DataHasFeature(data X86Data, name string) bool {
	m, err := getX86Map()
	if err != nil {
		return false
	}
	f := m.feature(name)
	return f != nil && data.isSubset(f.data)
}

// GetHost is virCPUGetHost for a guest CPU (virQEMUCapsProbeHostCPU):
// the host's CPU as the closest model of arch's CPU map and the
// features added and removed, limited to models (nil for any) the
// hypervisor offers.
func GetHost(arch string, models []HVModel) (*CPU, error) {
	fam, err := family(arch)
	if err != nil {
		return nil, err
	}
	if fam != "x86" {
		return nil, cpuErr(virterr.NoSupport, "cannot detect host CPU model for %s architecture", arch)
	}
	data, err := X86HostData()
	if err != nil {
		return nil, err
	}
	cpu := NewGuest()
	if err := X86Decode(cpu, data, models, ""); err != nil {
		return nil, err
	}
	return cpu, nil
}
