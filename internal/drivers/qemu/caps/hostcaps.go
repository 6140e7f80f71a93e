package caps

import (
	"github.com/govirt/govirt/internal/conf/capabilities"
)

// archWordSize is the word size libvirt reports per architecture.
func archWordSize(arch string) string {
	switch arch {
	case "i686", "armv6l", "armv7l", "armv7b", "cris", "lm32", "m68k", "microblaze",
		"microblazeel", "mips", "mipsel", "or32", "parisc", "ppc", "ppcle", "ppcemb",
		"riscv32", "s390", "sh4", "sh4eb", "sparc", "unicore32", "xtensa", "xtensaeb":
		return "32"
	}
	return "64"
}

// NewHostCapabilities is the skeleton of the host capabilities document
// (virCapabilitiesNew without host probing): the host CPU architecture,
// empty power management and no IOMMU.
func NewHostCapabilities(hostArch string) *capabilities.Caps {
	return &capabilities.Caps{Host: &capabilities.Host{
		CPU:                  capabilities.HostCPU{Arch: hostArch},
		PowerManagementKnown: true,
		IOMMU:                "no",
	}}
}

// machineTypes lists the machine types for <guest>: the accelerated ones
// when there is an accelerator, aliases first with their canonical names,
// and every canonical name also on its own (virQEMUCapsGetMachineTypesCaps).
func (c *Caps) machineTypes() []capabilities.Machine {
	a := &c.TCG
	if c.Has(KVM) {
		a = &c.KVM
	} else if c.Has(HVF) {
		a = &c.HVF
	}
	var out []capabilities.Machine
	for _, m := range a.Machines {
		cm := capabilities.Machine{Name: m.Name, MaxCPUs: int64(m.MaxCpus), Deprecated: m.Deprecated}
		if m.Alias != "" {
			cm.Name, cm.Canonical = m.Alias, m.Name
		}
		out = append(out, cm)
	}
	for i := 0; i < len(out); i++ {
		m := out[i]
		if m.Canonical == "" {
			continue
		}
		found := false
		for _, o := range out {
			if o.Name == m.Canonical {
				found = true
				break
			}
		}
		if !found {
			entry := capabilities.Machine{Name: m.Canonical, MaxCPUs: m.MaxCPUs, Deprecated: m.Deprecated}
			out = append(out[:i], append([]capabilities.Machine{entry}, out[i:]...)...)
			i++
		}
	}
	return out
}

// Guest is the <guest> entry this binary adds to the host capabilities
// for guestArch (virQEMUCapsInitGuestFromBinary).
func (c *Caps) Guest(guestArch string) *capabilities.Guest {
	g := &capabilities.Guest{
		OSType:   "hvm",
		Arch:     guestArch,
		WordSize: archWordSize(guestArch),
		Info:     capabilities.GuestInfo{Emulator: c.Binary, Machines: c.machineTypes()},
	}
	if c.Has(TCG) {
		g.Domains = append(g.Domains, capabilities.GuestDomain{Type: "qemu"})
	}
	if c.Has(KVM) {
		g.Domains = append(g.Domains, capabilities.GuestDomain{Type: "kvm"})
	}
	if c.Has(HVF) {
		g.Domains = append(g.Domains, capabilities.GuestDomain{Type: "hvf"})
	}
	// libvirt's feature order: pae, nonpae, acpi, apic, cpuselection,
	// deviceboot, disksnapshot.
	if guestArch == "i686" {
		g.Features = append(g.Features, capabilities.GuestFeature{Name: "pae"}, capabilities.GuestFeature{Name: "nonpae"})
	}
	if isX86(guestArch) || guestArch == "aarch64" {
		g.Features = append(g.Features, capabilities.GuestFeature{Name: "acpi", Default: "on", Toggle: "yes"})
	}
	if isX86(guestArch) {
		g.Features = append(g.Features, capabilities.GuestFeature{Name: "apic", Default: "on", Toggle: "no"})
	}
	g.Features = append(g.Features,
		capabilities.GuestFeature{Name: "cpuselection"},
		capabilities.GuestFeature{Name: "deviceboot"},
		capabilities.GuestFeature{Name: "disksnapshot", Default: "on", Toggle: "no"})
	g.FeaturesKnown = true
	return g
}
