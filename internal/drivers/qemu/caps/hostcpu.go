package caps

import (
	"strings"
	"sync"

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
	key := hostModelKey{t, migratable}
	hostModelsMu.Lock()
	r, ok := c.hostModels[key]
	hostModelsMu.Unlock()
	if !ok {
		r.cpu, r.err = c.computeHostCPUModel(t, migratable)
		hostModelsMu.Lock()
		if c.hostModels == nil {
			c.hostModels = map[hostModelKey]hostModelResult{}
		}
		c.hostModels[key] = r
		hostModelsMu.Unlock()
	}
	if r.cpu == nil {
		return nil, r.err
	}
	return r.cpu.Copy(), r.err
}

type hostModelKey struct {
	virt       VirtType
	migratable bool
}

type hostModelResult struct {
	cpu *cpumap.CPU
	err error
}

// hostModelsMu guards every Caps' hostModels: capabilities are shared
// by the domains starting at the same time.
var hostModelsMu sync.Mutex

func (c *Caps) computeHostCPUModel(t VirtType, migratable bool) (*cpumap.CPU, error) {
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

// GuestIsNative is virQEMUCapsGuestIsNative: whether guests of arch
// run natively (accelerated, or with the host's CPU) on hostArch.
func GuestIsNative(hostArch, arch string) bool {
	ppc64 := func(a string) bool { return a == "ppc64" || a == "ppc64le" }
	return hostArch == arch ||
		(hostArch == "x86_64" && arch == "i686") ||
		(hostArch == "aarch64" && arch == "armv7l") ||
		(ppc64(hostArch) && ppc64(arch))
}

// IsCPUModeSupported is virQEMUCapsIsCPUModeSupported: whether a guest
// CPU of mode can run with the accelerator. host is the host's CPU as
// the driver knows it (may be nil); only architectures whose host-model
// CPU libvirt takes from the host rather than from QEMU need it.
func (c *Caps) IsCPUModeSupported(hostArch string, t VirtType, mode, machine string, host *cpumap.CPU) (bool, error) {
	// QEMU does not offer CPU models to KVM guests of old s390 machines.
	if isS390(c.Arch) && t == VirtKVM && mode != "host-passthrough" && strings.HasPrefix(machine, "s390-virtio") {
		return false, nil
	}
	switch mode {
	case "host-passthrough":
		return (t == VirtKVM || t == VirtHVF) && GuestIsNative(hostArch, c.Arch), nil
	case "host-model":
		switch {
		case isX86(c.Arch):
			cpu, err := c.HostCPUModel(t, false)
			return cpu != nil, err
		case isS390(c.Arch):
			a := c.Accel(t)
			return a != nil && a.HostCPU != nil, nil
		}
		return GuestIsNative(hostArch, c.Arch) && host != nil && host.Model != "", nil
	case "custom":
		a := c.Accel(t)
		return a != nil && len(a.CPUModels) > 0, nil
	case "maximum":
		return c.Has(CPUMax), nil
	}
	return false, nil
}

// CPUFeatures is virQEMUCapsGetCPUFeatures: the names, in libvirt's
// spelling, of every property of QEMU's host CPU expansion with the
// accelerator (without those blocking migration when migratable). nil
// when QEMU did not expand its host CPU.
func (c *Caps) CPUFeatures(t VirtType, migratable bool) []string {
	a := c.Accel(t)
	if a == nil || a.HostCPU == nil {
		return nil
	}
	out := make([]string, 0, len(a.HostCPU.Props))
	for _, p := range a.HostCPU.Props {
		if migratable && p.Migratable == "no" {
			continue
		}
		out = append(out, FeatureFromQEMU(c.Arch, p.Name))
	}
	return out
}

// CPUFeatureAllowed is virQEMUCapsCPUFilterFeatures: false for the x86
// features that are never given to QEMU, because QEMU never had them
// or dropped them as they did nothing.
func CPUFeatureAllowed(arch, name string) bool {
	if !isX86(arch) {
		return true
	}
	switch name {
	case "cmt", "mbm_total", "mbm_local", "osxsave", "ospke":
		return false
	}
	return true
}

// HostCPUModelFull is the host-model CPU libvirt checks guest CPUs
// against (VIR_QEMU_CAPS_HOST_CPU_FULL): with KVM the host's own CPU
// (host, as cpumap.GetHost decodes it) with every feature QEMU's
// host-model expansion requires; otherwise, or when the host CPU is not
// known, the reported host-model CPU.
func (c *Caps) HostCPUModelFull(t VirtType, host *cpumap.CPU) (*cpumap.CPU, error) {
	cpu, err := c.HostCPUModel(t, false)
	if err != nil || cpu == nil || t != VirtKVM || host == nil || !isX86(c.Arch) {
		return cpu, err
	}
	expanded := cpu.Copy()
	if err := cpumap.ExpandFeatures(c.Arch, expanded); err != nil {
		return nil, err
	}
	full := host.Copy()
	for _, f := range expanded.Features {
		if f.Policy == cpumap.Require {
			full.UpdateFeature(f.Name, cpumap.Require)
		}
	}
	return full, nil
}
