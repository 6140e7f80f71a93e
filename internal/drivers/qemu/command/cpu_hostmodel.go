package command

import (
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/cpumap"
)

// hostModelCPU is what qemuProcessUpdateGuestCPU makes of a host-model
// x86 CPU before the command line is built: the migratable host-model
// CPU of the capabilities (virQEMUCapsGetHostModel) with the domain's
// own features on top (virCPUUpdate), as a custom CPU.
func (b *Builder) hostModelCPU(cpu *domain.CPU) (*cpumap.CPU, error) {
	var host *cpumap.CPU
	if b.Caps != nil {
		var err error
		if host, err = b.Caps.HostCPUModel(b.virtType(), true); err != nil {
			return nil, err
		}
	}
	if host == nil {
		return nil, Unsupported("CPU mode 'host-model' for %s %s domain on %s host is not supported by hypervisor",
			b.arch(), b.Def.Type, b.hostArch())
	}
	guest := domainToCPUDef(cpu)
	if err := cpumap.Update(b.arch(), guest, host); err != nil {
		return nil, err
	}
	return guest, nil
}

func (b *Builder) hostArch() string {
	if b.Ctx != nil && b.Ctx.HostArch != "" {
		return b.Ctx.HostArch
	}
	return "x86_64"
}

// domainToCPUDef is the domain's <cpu> as the CPU driver sees it.
func domainToCPUDef(c *domain.CPU) *cpumap.CPU {
	out := cpumap.NewGuest()
	out.Mode = c.Mode
	out.Match = c.Match
	out.Check = c.Check
	out.Model = c.Model
	if c.Fallback != "" {
		out.Fallback = c.Fallback
	}
	out.VendorID = c.VendorID
	out.Vendor = c.Vendor
	for _, f := range c.Features {
		p, ok := cpumap.ParsePolicy(f.Policy)
		if !ok {
			p = cpumap.Require
		}
		out.Features = append(out.Features, cpumap.Feature{Name: f.Name, Policy: p})
	}
	return out
}
