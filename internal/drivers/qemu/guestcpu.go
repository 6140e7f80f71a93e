package qemu

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/qmp"
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

// useUpdatedCPU is qemuDomainUpdateCPU: a restored (or incoming) guest
// runs with updated, the CPU QEMU gave it where it ran before (the save
// cookie's), when QEMU can say what it enables. It returns the CPU the
// definition asked for, nil when nothing changed; that is the guest's
// original CPU from then on (priv->origCPU), which updateLiveGuestCPU
// must not replace.
func useUpdatedCPU(def *domain.Def, updated *cpumap.CPU, qc *caps.Caps) (orig *cpumap.CPU) {
	if updated == nil || def.CPU == nil || qc == nil || !qc.Has(caps.QueryCPUModelExpansion) {
		return nil
	}
	before := toCPUDef(def.CPU)
	if before.Equal(updated) {
		return nil
	}
	fromCPUDef(def.CPU, updated)
	return before
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
		// virQEMUCapsInitCPUModelS390: QEMU's expansion as it is, the
		// features blocking migration disabled in the migratable CPU
		// (when QEMU tells which they are).
		migratable = migratable && a.HostCPU.Migratability
		cpu := cpumap.NewGuest()
		cpu.Match, cpu.Fallback, cpu.Model = "exact", "forbid", a.HostCPU.Model
		for _, p := range a.HostCPU.Props {
			if p.Type != caps.CPUPropBoolean {
				continue
			}
			policy := cpumap.Require
			if !p.Bool || (migratable && p.Migratable == "no") {
				policy = cpumap.Disable
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
// orig is the CPU as it was before when QEMU changed it, nil otherwise:
// libvirt keeps it (priv->origCPU) to give migrations and saved images
// the CPU the guest asked for, and writes it into the status file as
// <cpu> after <channelTargetDir> (orig.FormatBuf).
func updateLiveGuestCPU(def *domain.Def, enabled, disabled cpumap.X86Data) (orig *cpumap.CPU, err error) {
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
		orig = before
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
		if n == "kvm-pv-unhalt" || n == "kvm_pv_unhalt" {
			data.Add(kvmPVUnhalt)
			continue
		}
		cpumap.X86AddFeature(data, caps.FeatureFromQEMU(arch, n))
	}
	return data
}

// toCPUDef is the domain's <cpu> as the CPU driver sees it (NUMA
// aside).
func toCPUDef(c *domain.CPU) *cpumap.CPU {
	out := cpumap.NewGuest()
	out.Mode, out.Match, out.Check, out.Migratable = c.Mode, c.Match, c.Check, c.Migratable
	out.Model, out.VendorID, out.Vendor = c.Model, c.VendorID, c.Vendor
	if c.Fallback != "" {
		out.Fallback = c.Fallback
	}
	if t := c.Topology; t != nil {
		out.Sockets, out.Dies, out.Cores, out.Threads = t.Sockets, t.Dies, t.Cores, t.Threads
	}
	if k := c.Cache; k != nil {
		out.CacheLevel, out.CacheMode = k.Level, k.Mode
	}
	if a := c.MaxPhysAddr; a != nil {
		out.AddrMode, out.AddrBits = a.Mode, a.Bits
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

// kvmPVUnhalt is libvirt's internal kvm_pv_unhalt feature: eax bit 7 of
// KVM's CPUID leaf 0x40000001.
var kvmPVUnhalt = cpumap.X86Item{In: 0x40000001, Eax: 1 << 7}

// hypervCPUID is libvirt's internal table of Hyper-V enlightenments
// (cpu_x86.c's x86_kvm_features): the CPUID bits of KVM's Hyper-V leaves
// that tell QEMU gave the guest <hyperv><name state='on'/>.
var hypervCPUID = map[string]cpumap.X86Item{
	"runtime":         {In: 0x40000003, Eax: 0x00000001},
	"synic":           {In: 0x40000003, Eax: 0x00000004},
	"stimer":          {In: 0x40000003, Eax: 0x00000008},
	"relaxed":         {In: 0x40000003, Eax: 0x00000020},
	"vapic":           {In: 0x40000003, Eax: 0x00000030},
	"vpindex":         {In: 0x40000003, Eax: 0x00000040},
	"reset":           {In: 0x40000003, Eax: 0x00000080},
	"frequencies":     {In: 0x40000003, Eax: 0x00000800},
	"reenlightenment": {In: 0x40000003, Eax: 0x00002000},
	"tlbflush":        {In: 0x40000004, Eax: 0x00000004},
	"avic":            {In: 0x40000004, Eax: 0x00000200},
	"ipi":             {In: 0x40000004, Eax: 0x00000400},
	"evmcs":           {In: 0x40000004, Eax: 0x00004000},
}

// hvSTimerDirect is the internal hv-stimer-direct feature.
var hvSTimerDirect = cpumap.X86Item{In: 0x40000003, Edx: 0x00080000}

// verifyHyperv is qemuProcessVerifyHypervFeatures: every enlightenment
// the domain turns on must be in what QEMU gave the guest; libvirt only
// warns about relaxed and vapic. Passthrough mode takes what the host has.
//
// libvirt learns the hv-* bits from one qom-get per CPU property, the
// per-feature round trips govirt avoids; QEMU's feature-words (what
// fetchGuestCPU reads) do not cover KVM's Hyper-V leaves. So the check
// runs only when the data has those leaves. Without them nothing is
// lost: QEMU 7.2 itself refuses to start a guest with an enlightenment
// the kernel lacks ("kernel doesn't allow setting HyperV VP_INDEX").
func verifyHyperv(def *domain.Def, enabled cpumap.X86Data) error {
	if def.Features == nil || def.Features.HyperV == nil || def.Features.HyperV.Mode == "passthrough" {
		return nil
	}
	reported := false
	for _, it := range enabled.Items() {
		reported = reported || !it.MSR && (it.In == 0x40000003 || it.In == 0x40000004)
	}
	if !reported {
		return nil
	}
	h := def.Features.HyperV
	has := func(it cpumap.X86Item) bool {
		want := cpumap.X86Data{}
		want.Add(it)
		return containsX86(enabled, want)
	}
	// virDomainHyperv's order: the first missing one is reported.
	for _, name := range []string{"relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
		"reset", "vendor_id", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs", "avic"} {
		it, known := hypervCPUID[name]
		if !known || h.States[name] != "on" {
			continue // vendor_id and spinlocks are plain properties
		}
		if has(it) {
			if name == "stimer" && h.STimerDirect == "on" && !has(hvSTimerDirect) {
				return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "host doesn't support hyperv stimer '%s' feature", "direct")
			}
			continue
		}
		if name == "relaxed" || name == "vapic" {
			continue // VIR_WARN only
		}
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "host doesn't support hyperv '%s' feature", name)
	}
	return nil
}

// verifyGuestCPU is qemuProcessVerifyCPU: with the CPUID data QEMU
// reports for the running guest (nil: QEMU could not tell), paravirtual
// spinlocks, the Hyper-V enlightenments and an invariant TSC the domain
// asks for must really be there.
func verifyGuestCPU(def *domain.Def, enabled cpumap.X86Data) error {
	if enabled == nil {
		return nil
	}
	if def.Features != nil && def.Features.PVSpinlock == "on" {
		want := cpumap.X86Data{}
		want.Add(kvmPVUnhalt)
		if !containsX86(enabled, want) {
			return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "host doesn't support paravirtual spinlocks")
		}
	}
	if err := verifyHyperv(def, enabled); err != nil {
		return err
	}
	dc := def.CPU
	if dc == nil || (dc.Mode == "custom" && dc.Model == "") {
		return nil
	}
	arch := ""
	if def.OS != nil {
		arch = def.OS.Arch
	}
	wantsInvTSC, err := cpumap.CheckFeature(arch, toCPUDef(dc), "invtsc")
	if err != nil {
		return err
	}
	if wantsInvTSC && !cpumap.X86DataHasFeature(enabled, "invtsc") {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "host doesn't support invariant TSC")
	}
	return nil
}

// containsX86 says whether every bit of want is set in data.
func containsX86(data, want cpumap.X86Data) bool {
	have := map[[2]uint32]cpumap.X86Item{}
	for _, it := range data.Items() {
		if !it.MSR {
			have[[2]uint32{it.In, it.Sub}] = it
		}
	}
	for _, w := range want.Items() {
		h := have[[2]uint32{w.In, w.Sub}]
		if h.Eax&w.Eax != w.Eax || h.Ebx&w.Ebx != w.Ebx || h.Ecx&w.Ecx != w.Ecx || h.Edx&w.Edx != w.Edx {
			return false
		}
	}
	return true
}

// vcpuQOMPath is the first vCPU's QOM path (qemuProcessGetVCPUQOMPath).
const vcpuQOMPath = "/machine/unattached/device[0]"

// fetchGuestCPU is qemuProcessFetchGuestCPU for x86: the CPUID bits QEMU
// gave the guest's vCPUs and those it had to filter out, from the first
// vCPU's feature-words and filtered-features (qemuMonitorGetGuestCPUx86;
// the two reads are sent together). Both are nil on other architectures
// and when QEMU has no such properties.
func fetchGuestCPU(ctx context.Context, mon *qmp.Conn, arch string) (enabled, disabled cpumap.X86Data, err error) {
	return sendGuestCPUQuery(ctx, mon, arch).wait(ctx)
}

// guestCPUQuery is a fetchGuestCPU in flight, so that its reads share a
// round trip with the other queries of a start.
type guestCPUQuery struct {
	enabled, disabled *qmp.Call
}

// sendGuestCPUQuery sends fetchGuestCPU's reads; nil on architectures
// without them (wait then answers nil, nil, nil).
func sendGuestCPUQuery(ctx context.Context, mon *qmp.Conn, arch string) *guestCPUQuery {
	if arch != "x86_64" && arch != "i686" {
		return nil
	}
	get := func(prop string) *qmp.Call {
		return mon.Send(ctx, "qom-get", map[string]string{"path": vcpuQOMPath, "property": prop})
	}
	return &guestCPUQuery{enabled: get("feature-words"), disabled: get("filtered-features")}
}

// guestCPUNeedsQuery says whether updating and verifying def's live CPU
// has anything to read from QEMU: a CPU model to update, or paravirtual
// spinlocks to check (Hyper-V: verifyHyperv). A domain with neither skips the reads.
func guestCPUNeedsQuery(def *domain.Def) bool {
	if def.Features != nil && def.Features.PVSpinlock == "on" {
		return true
	}
	dc := def.CPU
	return dc != nil && !(dc.Mode == "custom" && dc.Model == "")
}

func (q *guestCPUQuery) wait(ctx context.Context) (enabled, disabled cpumap.X86Data, err error) {
	if q == nil {
		return nil, nil, nil
	}
	enabledRaw, enabledErr := q.enabled.Wait(ctx)
	disabledRaw, disabledErr := q.disabled.Wait(ctx)
	var ce *qmp.CommandError
	if errors.As(enabledErr, &ce) {
		// Not an x86 vCPU QEMU describes this way.
		return nil, nil, nil
	}
	if enabledErr != nil {
		return nil, nil, enabledErr
	}
	if disabledErr != nil {
		return nil, nil, disabledErr
	}
	if enabled, err = x86CPUDataFromFeatureWords(enabledRaw); err != nil {
		return nil, nil, err
	}
	if disabled, err = x86CPUDataFromFeatureWords(disabledRaw); err != nil {
		return nil, nil, err
	}
	return enabled, disabled, nil
}

var hostCPUProbe struct {
	sync.Once
	cpu *cpumap.CPU
}

// probedHostCPU is the host's CPU as libvirt's QEMU driver probes it
// (virQEMUCapsProbeHostCPU, once per daemon): CPUID decoded into a
// model of the CPU map. nil where the host CPU cannot be probed; guest
// CPUs are then checked against QEMU's host-model CPU alone.
func probedHostCPU() *cpumap.CPU {
	hostCPUProbe.Do(func() {
		if cpu, err := cpumap.GetHost(hostArch(), nil); err == nil {
			hostCPUProbe.cpu = cpu
		}
	})
	return hostCPUProbe.cpu
}
