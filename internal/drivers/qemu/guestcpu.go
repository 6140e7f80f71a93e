package qemu

import (
	"encoding/json"
	"slices"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

// updateGuestCPU is qemuProcessUpdateGuestCPU: before QEMU is started
// the guest CPU of the live definition is made concrete. A host-model
// CPU becomes the custom CPU QEMU's host-model expansion decodes to (the
// migratable variant: mode='custom' match='exact', the model with
// fallback='forbid', the vendor, the added and removed features, the
// domain's own features on top); a custom model QEMU does not offer is
// translated to the closest one it does; features QEMU never accepts are
// dropped. startNew is a fresh start, not an incoming migration or a
// restore, whose CPU was already updated where it first started.
//
// hostCPU is the host's CPU (cpumap.GetHost(hostArch, nil), probed once
// by the driver; nil when unknown): KVM guests' CPUs are checked against
// it, and POWER and ARM host-model CPUs are made of it.
func updateGuestCPU(def *domain.Def, qc *caps.Caps, hostArch string, hostCPU *cpumap.CPU, startNew bool) error {
	dc := def.CPU
	if dc == nil || (dc.Mode == "custom" && dc.Model == "") {
		return nil
	}
	arch := ""
	if def.OS != nil {
		arch = def.OS.Arch
	}
	machine := ""
	if def.OS != nil {
		machine = def.OS.Machine
	}
	x86 := arch == "x86_64" || arch == "i686"
	// Old libvirt kept the host's model in host-model CPUs it sent with
	// migrations; such a CPU is taken as the custom CPU it is, so that
	// the update below does not replace its model.
	if !startNew && x86 && dc.Mode == "host-model" && dc.Model != "" {
		dc.Mode = "custom"
	}
	accel := caps.AccelFor(def.Type)
	ok, err := qc.IsCPUModeSupported(hostArch, accel, dc.Mode, machine, hostCPU)
	if err != nil {
		return err
	}
	if !ok {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported,
			"CPU mode '%s' for %s %s domain on %s host is not supported by hypervisor", dc.Mode, arch, def.Type, hostArch)
	}
	cpu := toCPUDef(dc)
	cpumap.ConvertLegacy(hostArch, cpu)
	if cpu.Mode != "host-passthrough" && cpu.Mode != "maximum" {
		full, err := hostModel(qc, accel, arch, hostCPU, false)
		if err != nil {
			return err
		}
		if cpu.Check == "partial" {
			if _, err := cpumap.Compare(hostArch, full, cpu, true); err != nil {
				return err
			}
		}
		migratable, err := hostModel(qc, accel, arch, hostCPU, true)
		if err != nil {
			return err
		}
		if err := cpumap.Update(arch, cpu, migratable); err != nil {
			return err
		}
		if err := cpumap.Translate(arch, cpu, qc.HVModels(accel)); err != nil {
			return err
		}
		cpu.Fallback = "forbid"
	}
	cpu.Features = slices.DeleteFunc(cpu.Features, func(f cpumap.Feature) bool {
		return !caps.CPUFeatureAllowed(arch, f.Name)
	})
	if x86 {
		// Features QEMU does not know are off anyway: disabling them
		// would only make QEMU refuse the command line.
		if known := qc.CPUFeatures(accel, false); known != nil {
			cpu.Features = slices.DeleteFunc(cpu.Features, func(f cpumap.Feature) bool {
				return (f.Policy == cpumap.Disable || f.Policy == cpumap.Forbid) && !slices.Contains(known, f.Name)
			})
		}
	}
	fromCPUDef(dc, cpu)
	return nil
}

// hostModel is virQEMUCapsGetHostModel: the host-model CPU of the
// capabilities, the one guest CPUs are checked against (migratable
// false; on x86 the "full" one) or the one without the features that
// block migration. On POWER and ARM, where QEMU does not describe the
// host CPU, it is the host's own CPU.
func hostModel(qc *caps.Caps, accel caps.VirtType, arch string, hostCPU *cpumap.CPU, migratable bool) (*cpumap.CPU, error) {
	switch arch {
	case "x86_64", "i686":
		if !migratable {
			return qc.HostCPUModelFull(accel, hostCPU)
		}
		return qc.HostCPUModel(accel, true)
	case "s390", "s390x":
		a := qc.Accel(accel)
		if a == nil || a.HostCPU == nil {
			return nil, nil
		}
		cpu := cpumap.NewGuest()
		cpu.Match, cpu.Fallback, cpu.Model = "exact", "forbid", a.HostCPU.Model
		for _, p := range a.HostCPU.Props {
			if p.Type != caps.CPUPropBoolean || (migratable && p.Migratable == "no") {
				continue
			}
			policy := cpumap.Disable
			if p.Bool {
				policy = cpumap.Require
			}
			cpu.Features = append(cpu.Features, cpumap.Feature{Name: caps.FeatureFromQEMU(arch, p.Name), Policy: policy})
		}
		return cpu, nil
	}
	if hostCPU == nil {
		return nil, nil
	}
	return hostCPU.Copy(), nil
}

// updateLiveGuestCPU is qemuProcessUpdateLiveGuestCPU: once QEMU runs,
// the live CPU gets the features QEMU really enabled and filtered out
// (enabled nil: QEMU could not tell, nothing changes), and check='full'.
// orig is the CPU as it was before, for the status file's <cpu> (the
// driver's origCPU), when QEMU changed it; nil otherwise.
func updateLiveGuestCPU(def *domain.Def, enabled, disabled cpumap.X86Data) (orig *domain.CPU, err error) {
	dc := def.CPU
	if enabled == nil || dc == nil || (dc.Mode == "custom" && dc.Model == "") {
		return nil, nil
	}
	arch := ""
	if def.OS != nil {
		arch = def.OS.Arch
	}
	before := toCPUDef(dc)
	cpu := before.Copy()
	updated, err := cpumap.UpdateLive(arch, cpu, enabled, disabled)
	if err != nil || !updated {
		return nil, err
	}
	if !cpu.Equal(before) {
		o := *dc
		o.Features = slices.Clone(dc.Features)
		orig = &o
	}
	fromCPUDef(dc, cpu)
	dc.Check = "full"
	return orig, nil
}

// x86CPUDataFromFeatureWords reads QEMU's "feature-words" or
// "filtered-features" property of an x86 vCPU (qom-get's return value)
// into CPUID data, as qemuMonitorJSONParseCPUx86Features does.
func x86CPUDataFromFeatureWords(raw []byte) (cpumap.X86Data, error) {
	var words []struct {
		Register *string `json:"cpuid-register"`
		EAX      *uint64 `json:"cpuid-input-eax"`
		ECX      uint64  `json:"cpuid-input-ecx"`
		Features *uint64 `json:"features"`
	}
	if err := json.Unmarshal(raw, &words); err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "malformed CPU feature words: %v", err)
	}
	data := cpumap.X86Data{}
	for _, w := range words {
		switch {
		case w.Register == nil:
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "missing cpuid-register in CPU data")
		case w.EAX == nil:
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "missing or invalid cpuid-input-eax in CPU data")
		case w.Features == nil:
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "missing or invalid features in CPU data")
		}
		it := cpumap.X86Item{In: uint32(*w.EAX), Sub: uint32(w.ECX)}
		f := uint32(*w.Features)
		switch *w.Register {
		case "EAX":
			it.Eax = f
		case "EBX":
			it.Ebx = f
		case "ECX":
			it.Ecx = f
		case "EDX":
			it.Edx = f
		default:
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "unknown CPU register '%s'", *w.Register)
		}
		data.Add(it)
	}
	return data, nil
}

// x86CPUDataFromFeatures is the CPUID data of features named in QEMU's
// spelling (a vCPU's boolean properties that are on, or its
// "unavailable-features"), as virCPUDataAddFeature builds it; names the
// CPU map does not know are ignored.
func x86CPUDataFromFeatures(arch string, names []string) cpumap.X86Data {
	data := cpumap.X86Data{}
	for _, n := range names {
		cpumap.X86AddFeature(data, caps.FeatureFromQEMU(arch, n))
	}
	return data
}

// toCPUDef is the domain's <cpu> as the CPU driver sees it.
func toCPUDef(c *domain.CPU) *cpumap.CPU {
	out := cpumap.NewGuest()
	out.Mode, out.Match, out.Check, out.Migratable = c.Mode, c.Match, c.Check, c.Migratable
	out.Model, out.VendorID, out.Vendor = c.Model, c.VendorID, c.Vendor
	if c.Fallback != "" {
		out.Fallback = c.Fallback
	}
	for _, f := range c.Features {
		p, ok := cpumap.ParsePolicy(f.Policy)
		if !ok {
			p = cpumap.Require
		}
		out.Features = append(out.Features, cpumap.Feature{Name: f.Name, Policy: p})
	}
	return out
}

// fromCPUDef writes what the CPU driver changed back into the domain's
// <cpu>; topology, cache, NUMA and the rest stay as they are.
func fromCPUDef(c *domain.CPU, cpu *cpumap.CPU) {
	c.Mode, c.Match, c.Check = cpu.Mode, cpu.Match, cpu.Check
	c.Model, c.VendorID, c.Vendor = cpu.Model, cpu.VendorID, cpu.Vendor
	c.Fallback = ""
	if cpu.Model != "" {
		c.Fallback = cpu.Fallback
	}
	c.Features = make([]domain.CPUFeature, 0, len(cpu.Features))
	for _, f := range cpu.Features {
		c.Features = append(c.Features, domain.CPUFeature{Policy: f.Policy.String(), Name: f.Name})
	}
	if len(c.Features) == 0 {
		c.Features = nil
	}
}
