package caps

import (
	"github.com/govirt/govirt/internal/cpumap"
)

// cpuModelX86Data is virQEMUCapsGetCPUModelX86Data: the CPUID bits of
// QEMU's expansion of the host CPU model (its enabled boolean
// properties, the vendor and the family/model/stepping), without the
// features that block migration when migratable is set.
func cpuModelX86Data(h *HostCPU, migratable bool) cpumap.X86Data {
	data := cpumap.X86Data{}
	var family, model, stepping uint32
	for _, p := range h.Props {
		name := FeatureFromQEMU("x86_64", p.Name)
		switch p.Type {
		case CPUPropBoolean:
			if !p.Bool || (migratable && p.Migratable == "no") {
				continue
			}
			cpumap.X86AddFeature(data, name)
		case CPUPropString:
			if name == "vendor" {
				_ = data.SetVendor(p.String)
			}
		case CPUPropNumber:
			switch name {
			case "family":
				family = uint32(p.Number)
			case "model":
				model = uint32(p.Number)
			case "stepping":
				stepping = uint32(p.Number)
			}
		}
	}
	data.SetSignature(family, model, stepping)
	return data
}

// HVModels lists the CPU models QEMU offers with the accelerator and the
// features blocking each (virQEMUCapsGetCPUModels).
func (c *Caps) HVModels(t VirtType) []cpumap.HVModel {
	a := c.Accel(t)
	if a == nil || a.CPUModels == nil {
		return nil
	}
	out := make([]cpumap.HVModel, 0, len(a.CPUModels))
	for _, m := range a.CPUModels {
		out = append(out, cpumap.HVModel{Name: m.Name, Blockers: m.Blockers})
	}
	return out
}

// newHostCPUModel is virQEMUCapsNewHostCPUModel.
func newHostCPUModel() *cpumap.CPU {
	cpu := cpumap.NewGuest()
	cpu.Match = "exact"
	return cpu
}

// initCPUModel is virQEMUCapsInitCPUModel: false when QEMU told nothing
// usable about the host CPU (libvirt's 1).
func (c *Caps) initCPUModel(t VirtType, cpu *cpumap.CPU, migratable bool) (bool, error) {
	a := c.Accel(t)
	if a == nil || a.HostCPU == nil {
		return false, nil
	}
	info := a.HostCPU
	if migratable && !info.Migratability {
		return false, nil
	}
	if !isX86(c.Arch) {
		return false, nil
	}
	data := cpuModelX86Data(info, migratable)
	if err := cpumap.X86Decode(cpu, data, c.HVModels(t), ""); err != nil {
		return false, err
	}
	cpu.SigFamily, cpu.SigModel, cpu.SigStepping = 0, 0, 0
	cpu.Fallback = "forbid"
	return true, nil
}

// HostCPUModel is the guest CPU a host-model domain gets with the
// accelerator (virQEMUCapsInitHostCPUModel): QEMU's expansion of its
// host CPU decoded into libvirt's closest model and extra features. With
// migratable, features that block migration are left out. nil when QEMU
// did not describe the host CPU.
func (c *Caps) HostCPUModel(t VirtType, migratable bool) (*cpumap.CPU, error) {
	cpu := newHostCPUModel()
	ok, err := c.initCPUModel(t, cpu, false)
	if err != nil || !ok {
		return nil, err
	}
	if !migratable {
		return cpu, nil
	}
	mig := newHostCPUModel()
	ok, err = c.initCPUModel(t, mig, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return cpumap.CopyMigratable(c.Arch, cpu)
	}
	return mig, nil
}
