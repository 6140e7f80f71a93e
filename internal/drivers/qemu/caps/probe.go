package caps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"
)

// Monitor is the part of a QMP connection the prober uses; *qmp.Conn
// satisfies it.
type Monitor interface {
	Execute(ctx context.Context, cmd string, args any) (json.RawMessage, error)
}

// Minimum QEMU libvirt 9.0 drives.
const (
	minMajor = 4
	minMinor = 2
	minMicro = 0
)

// ProbeMonitor runs libvirt 9.0's capability conversation on a QEMU
// started with the best accelerator available (virQEMUCapsInitQMPMonitor):
// version, target, QMP schema, commands, KVM state, QOM types, device
// and object properties, machines, CPU models, TPM, command-line options,
// migration capabilities, GIC/SEV/SGX, and last the host CPU expansion.
func ProbeMonitor(ctx context.Context, c *Caps, mon Monitor) error {
	p := prober{ctx: ctx, c: c, mon: mon}
	return p.run()
}

// ProbeMonitorTCG runs the second conversation, on a QEMU started with
// TCG, filling the TCG accelerator data (virQEMUCapsInitQMPMonitorTCG).
func ProbeMonitorTCG(ctx context.Context, c *Caps, mon Monitor) error {
	p := prober{ctx: ctx, c: c, mon: mon}
	if err := p.cpuDefinitions(&c.TCG); err != nil {
		return err
	}
	if err := p.hostCPU(&c.TCG, VirtTCG); err != nil {
		return err
	}
	return p.machineTypes(VirtTCG)
}

type prober struct {
	ctx context.Context
	c   *Caps
	mon Monitor
}

func (p *prober) exec(cmd string, args any, out any) error {
	raw, err := p.mon.Execute(p.ctx, cmd, args)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "%s reply data was not in expected format", cmd)
	}
	return nil
}

func (p *prober) run() error {
	c := p.c
	var ver struct {
		QEMU struct {
			Major, Minor, Micro uint
		} `json:"qemu"`
		Package *string `json:"package"`
	}
	if err := p.exec("query-version", nil, &ver); err != nil {
		return err
	}
	v := ver.QEMU
	if v.Major < minMajor || (v.Major == minMajor && v.Minor < minMinor) {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported,
			"QEMU version >= %d.%d.%d is required, but %d.%d.%d found",
			minMajor, minMinor, minMicro, v.Major, v.Minor, v.Micro)
	}
	c.Version = v.Major*1000000 + v.Minor*1000 + v.Micro
	if ver.Package != nil {
		c.Package, c.HasPackage = strings.TrimSpace(*ver.Package), true
	}
	var target struct {
		Arch string `json:"arch"`
	}
	if err := p.exec("query-target", nil, &target); err != nil {
		return err
	}
	arch := archFromQEMU(target.Arch)
	if arch == "" {
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Unknown QEMU arch %s", target.Arch)
	}
	c.Arch = arch
	basicArch(c)

	// -enable-fips lost its meaning in QEMU 5.2.
	if c.Version < 5002000 {
		c.Set(EnableFIPS)
	}
	if err := p.schema(); err != nil {
		return err
	}
	if err := p.commands(); err != nil {
		return err
	}
	var kvm struct {
		Enabled, Present bool
	}
	if err := p.exec("query-kvm", nil, &kvm); err != nil {
		return err
	}
	if kvm.Enabled && kvm.Present {
		c.Set(KVM)
	}
	virt := VirtTCG
	if c.Has(KVM) {
		virt = VirtKVM
	}
	accel := c.Accel(virt)
	steps := []func() error{
		p.objectTypes,
		p.deviceProperties,
		p.objectProperties,
		func() error { return p.machineTypes(virt) },
		func() error { return p.machineProps(virt) },
		func() error { return p.cpuDefinitions(accel) },
		p.tpm,
		p.commandLine,
		p.migrationCapabilities,
		p.gic,
		p.sev,
		p.sgx,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	processCaps(c)
	return p.hostCPU(accel, virt)
}

// basicArch sets what every QEMU libvirt 9.0 supports and what QMP
// cannot tell, per architecture (virQEMUCapsInitQMPBasicArch).
func basicArch(c *Caps) {
	c.Set(ObjectIothread, IothreadPolling, QueryHotpluggableCPUs)
	switch c.Arch {
	case "i686", "x86_64":
		// ACPI only works on x86 and aarch64; HPET is x86 specific.
		c.Set(NoACPI, NoHPET)
	case "aarch64":
		// -cpu ...,aarch64=off is not detectable via QMP.
		c.Set(NoACPI, CPUAarch64Off, MachVirtGicVersion)
	case "ppc64", "ppc64le":
		c.Set(MachinePseriesCapHPTMaxPageSize, MachinePseriesCapHTM, MachinePseriesCapNestedHV,
			MachinePseriesCapCcfAssist, MachinePseriesCapCFPC, MachinePseriesCapSBBC,
			MachinePseriesCapIBS)
	case "s390", "s390x":
		c.Set(AESKeyWrap, DEAKeyWrap, Loadparm)
	}
}

// processCaps derives flags from other flags (virQEMUCapsInitProcessCaps).
func processCaps(c *Caps) {
	if isX86(c.Arch) && c.Has(QueryCPUModelExpansion) {
		c.Set(CPUCache)
	}
	// -machine hpet= supersedes -no-hpet.
	if c.Has(MachineHPET) {
		c.Clear(NoHPET)
	}
	if c.Has(CPUUnavailableFeatures) {
		c.Set(CanonicalCPUFeatures)
	}
	// "esp" is only ever built into these machines, never probed.
	switch c.Arch {
	case "sparc", "m68k", "mips":
		c.Set(SCSINcr53c90)
	}
	if c.Has(BlockdevReopen) && c.Has(MigrationParamBlockBitmapMapping) {
		c.Set(IncrementalBackup)
	}
	// -compat is implemented in a way query-command-line-options does not
	// show; libvirt takes QAPIfied -object as the witness.
	if c.Has(ObjectJSON) {
		c.Set(CompatDeprecated)
	}
}

// archFromQEMU maps QEMU's target names to libvirt's architectures.
func archFromQEMU(a string) string {
	switch a {
	case "i386":
		return "i686"
	case "arm":
		return "armv7l"
	case "or32":
		return "or32"
	case "":
		return ""
	}
	return a
}

// ArchToQEMU is the QEMU target name of a libvirt architecture (the
// suffix of qemu-system-<target>).
func ArchToQEMU(arch string) string {
	switch arch {
	case "i686":
		return "i386"
	case "armv6l", "armv7l":
		return "arm"
	}
	return arch
}

func (p *prober) schema() error {
	raw, err := p.mon.Execute(p.ctx, "query-qmp-schema", nil)
	if err != nil {
		return err
	}
	s, err := ParseSchema(raw)
	if err != nil {
		return err
	}
	for _, q := range schemaQueries {
		if s.PathExists(q.path) {
			p.c.Set(q.flag)
		}
	}
	return nil
}

func (p *prober) commands() error {
	var list []struct {
		Name string `json:"name"`
	}
	if err := p.exec("query-commands", nil, &list); err != nil {
		return err
	}
	names := make(map[string]bool, len(list))
	for _, e := range list {
		names[e.Name] = true
	}
	for _, sf := range commandFlags {
		if names[sf.name] {
			p.c.Set(sf.flag)
		}
	}
	return nil
}

func (p *prober) objectTypes() error {
	var list []struct {
		Name string `json:"name"`
	}
	if err := p.exec("qom-list-types", nil, &list); err != nil {
		return err
	}
	names := make(map[string]bool, len(list))
	for _, e := range list {
		names[e.Name] = true
	}
	for _, sf := range objectTypeFlags {
		if names[sf.name] {
			p.c.Set(sf.flag)
		}
	}
	return nil
}

func (p *prober) deviceProperties() error {
	for _, d := range deviceProps {
		if d.cond != noFlag && !p.c.Has(d.cond) {
			continue
		}
		var list []json.RawMessage
		if err := p.exec("device-list-properties", map[string]string{"typename": d.typ}, &list); err != nil {
			// A device QEMU does not know is not an error for probing.
			if qmp.IsClass(err, "DeviceNotFound") {
				continue
			}
			return err
		}
		props := map[string]json.RawMessage{}
		for _, raw := range list {
			var e struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(raw, &e) == nil && e.Name != "" {
				props[e.Name] = raw
			}
		}
		for _, pf := range d.props {
			entry, ok := props[pf.name]
			if !ok {
				continue
			}
			p.c.Set(pf.flag)
			if pf.name == "scsi" && pf.flag == VirtioBlkSCSI {
				var e struct {
					Default *bool `json:"default-value"`
				}
				if json.Unmarshal(entry, &e) == nil && e.Default != nil && !*e.Default {
					p.c.Set(VirtioBlkSCSIDefaultDisabled)
				}
			}
		}
	}
	return nil
}

func (p *prober) objectPropNames(typ string) (map[string]bool, error) {
	var list []struct {
		Name string `json:"name"`
	}
	if err := p.exec("qom-list-properties", map[string]string{"typename": typ}, &list); err != nil {
		if qmp.IsClass(err, "DeviceNotFound") {
			return nil, nil
		}
		return nil, err
	}
	names := make(map[string]bool, len(list))
	for _, e := range list {
		names[e.Name] = true
	}
	return names, nil
}

func (p *prober) objectProperties() error {
	for _, o := range objectProps {
		if o.cond != noFlag && !p.c.Has(o.cond) {
			continue
		}
		names, err := p.objectPropNames(o.typ)
		if err != nil {
			return err
		}
		for _, sf := range o.props {
			if names[sf.name] {
				p.c.Set(sf.flag)
			}
		}
	}
	return nil
}

// preferredMachines are libvirt's default machine types per architecture,
// kept whatever QEMU's own default is.
var preferredMachines = map[string]string{
	"alpha": "clipper", "armv6l": "versatilepb", "armv7l": "integratorcp", "armv7b": "integratorcp",
	"aarch64": "integratorcp", "cris": "axis-dev88", "i686": "pc", "lm32": "lm32-evr",
	"m68k": "mcf5208evb", "microblaze": "petalogix-s3adsp1800", "microblazeel": "petalogix-s3adsp1800",
	"mips": "malta", "mipsel": "malta", "mips64": "malta", "mips64el": "malta",
	"or32": "or1k-sim", "ppc": "g3beige", "ppcle": "g3beige", "ppc64": "pseries",
	"ppc64le": "pseries", "ppcemb": "bamboo", "riscv32": "spike_v1.10", "riscv64": "spike_v1.10",
	"s390x": "s390-ccw-virtio", "sh4": "shix", "sh4eb": "shix", "sparc": "SS-5",
	"sparc64": "sun4u", "unicore32": "puv3", "x86_64": "pc", "xtensa": "sim", "xtensaeb": "sim",
}

func (p *prober) machineTypes(t VirtType) error {
	var list []struct {
		Name             string  `json:"name"`
		Alias            string  `json:"alias"`
		IsDefault        bool    `json:"is-default"`
		CPUMax           uint    `json:"cpu-max"`
		HotpluggableCPUs bool    `json:"hotpluggable-cpus"`
		DefaultCPUType   string  `json:"default-cpu-type"`
		NumaMemSupported bool    `json:"numa-mem-supported"`
		DefaultRAMID     string  `json:"default-ram-id"`
		Deprecated       bool    `json:"deprecated"`
		ACPI             *string `json:"acpi"`
	}
	if err := p.exec("query-machines", nil, &list); err != nil {
		return err
	}
	a := p.c.Accel(t)
	a.Machines = nil
	preferred := preferredMachines[p.c.Arch]
	prefIdx, defIdx := -1, -1
	for _, m := range list {
		if m.Name == "none" {
			continue
		}
		mt := Machine{
			Name: m.Name, Alias: m.Alias, MaxCpus: m.CPUMax, HotplugCpus: m.HotpluggableCPUs,
			Default: m.IsDefault, DefaultCPU: m.DefaultCPUType, NumaMemSupported: m.NumaMemSupported,
			DefaultRAMid: m.DefaultRAMID, Deprecated: m.Deprecated,
		}
		a.Machines = append(a.Machines, mt)
		if preferred != "" && (m.Alias == preferred || m.Name == preferred) {
			prefIdx = len(a.Machines) - 1
		}
		if m.IsDefault {
			defIdx = len(a.Machines) - 1
		}
	}
	if prefIdx == -1 {
		prefIdx = defIdx
	}
	if prefIdx > 0 {
		m := a.Machines[prefIdx]
		copy(a.Machines[1:prefIdx+1], a.Machines[:prefIdx])
		a.Machines[0] = m
	}
	return nil
}

func (p *prober) machineProps(t VirtType) error {
	for _, mp := range machineProps {
		canon := p.c.CanonicalMachine(t, mp.typ)
		if canon != "none" && !p.c.IsMachineSupported(t, canon) {
			continue
		}
		names, err := p.objectPropNames(canon + "-machine")
		if err != nil {
			return err
		}
		for _, sf := range mp.props {
			if names[sf.name] {
				p.c.Set(sf.flag)
			}
		}
	}
	return nil
}

// ppc64Models are libvirt's POWER CPU model names; QEMU 2.11 lowercased
// its own, and libvirt reports them in its spelling.
var ppc64Models = []string{
	"POWER6", "POWER7", "POWER8", "POWER9", "POWER10", "POWERPC_e5500", "POWERPC_e6500",
}

func (p *prober) cpuDefinitions(a *Accel) error {
	if !p.c.Has(QueryCPUDefinitions) {
		return nil
	}
	var list []struct {
		Name                string    `json:"name"`
		Typename            string    `json:"typename"`
		UnavailableFeatures *[]string `json:"unavailable-features"`
		Deprecated          bool      `json:"deprecated"`
	}
	if err := p.exec("query-cpu-definitions", nil, &list); err != nil {
		return err
	}
	a.CPUModels = make([]CPUModel, 0, len(list))
	for _, d := range list {
		m := CPUModel{Name: d.Name, Type: d.Typename, Deprecated: d.Deprecated}
		if d.UnavailableFeatures != nil {
			if len(*d.UnavailableFeatures) == 0 {
				m.Usable = "yes"
			} else {
				m.Usable = "no"
				for _, f := range *d.UnavailableFeatures {
					m.Blockers = append(m.Blockers, FeatureFromQEMU(p.c.Arch, f))
				}
			}
		}
		if p.c.Arch == "ppc64" || p.c.Arch == "ppc64le" {
			for _, lv := range ppc64Models {
				if strings.EqualFold(lv, m.Name) {
					m.Name = lv
				}
			}
		}
		a.CPUModels = append(a.CPUModels, m)
		if m.Name == "max" {
			p.c.Set(CPUMax)
		}
	}
	return nil
}

func (p *prober) tpm() error {
	var models []string
	if err := p.exec("query-tpm-models", nil, &models); err != nil {
		return err
	}
	has := func(list []string, s string) bool {
		for _, e := range list {
			if e == s {
				return true
			}
		}
		return false
	}
	for _, m := range []struct {
		name string
		flag Flag
	}{{"tpm-tis", DeviceTPMTIS}, {"tpm-crb", DeviceTPMCRB}, {"tpm-spapr", DeviceTPMSPAPR}} {
		if has(models, m.name) {
			p.c.Set(m.flag)
		}
	}
	var types []string
	if err := p.exec("query-tpm-types", nil, &types); err != nil {
		return err
	}
	if has(types, "passthrough") {
		p.c.Set(DeviceTPMPassthrough)
	}
	if has(types, "emulator") {
		p.c.Set(DeviceTPMEmulator)
	}
	return nil
}

func (p *prober) commandLine() error {
	var list []struct {
		Option     string `json:"option"`
		Parameters []struct {
			Name string `json:"name"`
		} `json:"parameters"`
	}
	if err := p.exec("query-command-line-options", nil, &list); err != nil {
		return err
	}
	for _, cl := range commandLineFlags {
		for _, o := range list {
			if o.Option != cl.option {
				continue
			}
			if cl.param == "" {
				p.c.Set(cl.flag)
				continue
			}
			for _, prm := range o.Parameters {
				if prm.Name == cl.param {
					p.c.Set(cl.flag)
				}
			}
		}
	}
	return nil
}

func (p *prober) migrationCapabilities() error {
	var list []struct {
		Capability string `json:"capability"`
	}
	if err := p.exec("query-migrate-capabilities", nil, &list); err != nil {
		return err
	}
	for _, e := range list {
		if e.Capability == "rdma-pin-all" {
			p.c.Set(MigrateRDMA)
		}
	}
	return nil
}

func (p *prober) gic() error {
	switch p.c.Arch {
	case "aarch64", "armv6l", "armv7l":
	default:
		return nil
	}
	var list []struct {
		Version  uint `json:"version"`
		Kernel   bool `json:"kernel"`
		Emulated bool `json:"emulated"`
	}
	if err := p.exec("query-gic-capabilities", nil, &list); err != nil {
		if qmp.IsClass(err, "CommandNotFound") {
			return nil
		}
		return err
	}
	p.c.GIC = nil
	for _, g := range list {
		p.c.GIC = append(p.c.GIC, GIC{Version: g.Version, Kernel: g.Kernel, Emulated: g.Emulated})
	}
	return nil
}

func (p *prober) sev() error {
	if !p.c.Has(SEVGuest) {
		return nil
	}
	var r struct {
		CBitPos         uint   `json:"cbitpos"`
		ReducedPhysBits uint   `json:"reduced-phys-bits"`
		PDH             string `json:"pdh"`
		CertChain       string `json:"cert-chain"`
		CPU0ID          string `json:"cpu0-id"`
	}
	if err := p.exec("query-sev-capabilities", nil, &r); err != nil {
		// QEMU reports a host without SEV as a GenericError.
		if qmp.IsClass(err, "GenericError") {
			p.c.Clear(SEVGuest)
			return nil
		}
		return err
	}
	p.c.SEV = &SEV{CBitPos: r.CBitPos, ReducedPhysBits: r.ReducedPhysBits, PDH: r.PDH, CertChain: r.CertChain}
	return nil
}

func (p *prober) sgx() error {
	if !p.c.Has(SGXEpc) {
		return nil
	}
	var r struct {
		FLC         bool   `json:"flc"`
		SGX1        bool   `json:"sgx1"`
		SGX2        bool   `json:"sgx2"`
		SectionSize uint64 `json:"section-size"`
		Sections    []struct {
			Node uint   `json:"node"`
			Size uint64 `json:"size"`
		} `json:"sections"`
	}
	if err := p.exec("query-sgx-capabilities", nil, &r); err != nil {
		if qmp.IsClass(err, "GenericError") {
			p.c.Clear(SGXEpc)
			return nil
		}
		return err
	}
	s := &SGX{FLC: r.FLC, SGX1: r.SGX1, SGX2: r.SGX2, SectionSize: r.SectionSize / 1024}
	for _, sec := range r.Sections {
		s.Sections = append(s.Sections, SGXSection{Node: sec.Node, Size: sec.Size / 1024})
	}
	p.c.SGX = s
	return nil
}

// expansion is query-cpu-model-expansion's answer with its properties in
// QEMU's order.
type expansion struct {
	name  string
	props []CPUProp
}

func (p *prober) expand(typ, model string, props [][2]any) (*expansion, error) {
	m := map[string]any{"name": model}
	if len(props) > 0 {
		// Keep libvirt's property order in the request.
		var b bytes.Buffer
		b.WriteByte('{')
		for i, kv := range props {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(kv[0])
			v, _ := json.Marshal(kv[1])
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteByte('}')
		m["props"] = json.RawMessage(b.Bytes())
	}
	raw, err := p.mon.Execute(p.ctx, "query-cpu-model-expansion", map[string]any{"type": typ, "model": m})
	if err != nil {
		// QEMU answers GenericError for models or types it cannot expand.
		if qmp.IsClass(err, "GenericError") {
			return nil, nil
		}
		return nil, err
	}
	var r struct {
		Model struct {
			Name  string          `json:"name"`
			Props json.RawMessage `json:"props"`
		} `json:"model"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "query-cpu-model-expansion reply data was not in expected format")
	}
	e := &expansion{name: r.Model.Name}
	if len(r.Model.Props) > 0 {
		kvs, err := orderedObject(r.Model.Props)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "query-cpu-model-expansion reply data was not in expected format")
		}
		for _, kv := range kvs {
			prop := CPUProp{Name: kv.key}
			var bv bool
			var sv string
			var nv json.Number
			switch {
			case json.Unmarshal(kv.value, &bv) == nil:
				prop.Type, prop.Bool = CPUPropBoolean, bv
			case json.Unmarshal(kv.value, &sv) == nil:
				prop.Type, prop.String = CPUPropString, sv
			case json.Unmarshal(kv.value, &nv) == nil:
				n, err := nv.Int64()
				if err != nil {
					f, _ := nv.Float64()
					n = int64(f)
				}
				prop.Type, prop.Number = CPUPropNumber, n
			default:
				continue
			}
			e.props = append(e.props, prop)
		}
	}
	return e, nil
}

// expandAll does libvirt's STATIC_FULL expansion: a static expansion,
// then a full one of its result.
func (p *prober) expandType(kind, model string, props [][2]any) (*expansion, error) {
	if kind != "static-full" {
		return p.expand(kind, model, props)
	}
	e, err := p.expand("static", model, props)
	if err != nil || e == nil {
		return e, err
	}
	var fullProps [][2]any
	for _, pr := range e.props {
		switch pr.Type {
		case CPUPropBoolean:
			fullProps = append(fullProps, [2]any{pr.Name, pr.Bool})
		case CPUPropString:
			fullProps = append(fullProps, [2]any{pr.Name, pr.String})
		case CPUPropNumber:
			fullProps = append(fullProps, [2]any{pr.Name, pr.Number})
		}
	}
	return p.expand("full", e.name, fullProps)
}

func isARM(arch string) bool  { return arch == "aarch64" || arch == "armv6l" || arch == "armv7l" }
func isS390(arch string) bool { return arch == "s390" || arch == "s390x" }

// hostCPU expands the host CPU ("host" with an accelerator, "max" with
// TCG) once for its features and once more without migratability
// filtering; it never asks about features one by one.
func (p *prober) hostCPU(a *Accel, t VirtType) error {
	c := p.c
	if !c.Has(QueryCPUModelExpansion) {
		return nil
	}
	model := "max"
	if t != VirtTCG {
		model = "host"
	}
	kind := "static"
	switch {
	case isX86(c.Arch) && !c.Has(CanonicalCPUFeatures):
		kind = "static-full"
	case isARM(c.Arch):
		kind = "full"
	}
	info, err := p.expandType(kind, model, nil)
	if err != nil {
		return err
	}
	if info != nil && len(info.props) == 0 && !isS390(c.Arch) {
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "query-cpu-model-expansion reply data was missing 'props'")
	}
	if info != nil && isX86(c.Arch) {
		nm, err := p.expandType(kind, model, [][2]any{{"migratable", false}})
		if err != nil {
			return err
		}
		if nm != nil {
			idx := make(map[string]int, len(info.props))
			for i, pr := range info.props {
				idx[pr.Name] = i
			}
			for _, np := range nm.props {
				i, ok := idx[np.Name]
				if !ok || info.props[i].Type != CPUPropBoolean || np.Type != CPUPropBoolean {
					continue
				}
				if info.props[i].Bool {
					info.props[i].Migratable = "yes"
				} else if np.Bool {
					info.props[i].Bool = true
					info.props[i].Migratable = "no"
				}
			}
			a.HostCPU = &HostCPU{Model: info.name, Migratability: true, Props: info.props}
		}
	}
	if t != VirtTCG && (isX86(c.Arch) || isARM(c.Arch)) {
		full, err := p.expand("full", model, [][2]any{{"migratable", false}, {"hv-passthrough", true}})
		if err != nil {
			return err
		}
		c.Hyperv = hypervFromExpansion(full)
	}
	if info != nil && a.HostCPU == nil {
		a.HostCPU = &HostCPU{Model: info.name, Props: info.props}
	}
	return nil
}

func hypervFromExpansion(e *expansion) *Hyperv {
	if e == nil {
		return nil
	}
	seen := make([]bool, len(hypervFeatures))
	any := false
	for _, pr := range e.props {
		name, ok := strings.CutPrefix(pr.Name, "hv-")
		if !ok {
			continue
		}
		i := hypervIndex(name)
		if i < 0 {
			i = hypervIndex(strings.ReplaceAll(name, "-", "_"))
		}
		if i < 0 {
			continue
		}
		if (pr.Type == CPUPropBoolean && pr.Bool) || (pr.Type == CPUPropNumber && pr.Number > 0) || pr.Type == CPUPropString {
			seen[i] = true
			any = true
		}
	}
	if !any {
		return nil
	}
	h := &Hyperv{Supported: "yes"}
	for i, s := range seen {
		if s {
			h.Features = append(h.Features, hypervFeatures[i])
		}
	}
	return h
}

type keyValue struct {
	key   string
	value json.RawMessage
}

// orderedObject splits a JSON object into its members in document order,
// which encoding/json's maps lose.
func orderedObject(raw json.RawMessage) ([]keyValue, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object")
	}
	var out []keyValue
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("bad key")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, keyValue{key, v})
	}
	return out, nil
}
