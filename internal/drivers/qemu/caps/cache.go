package caps

import (
	"os"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// hypervFeatures is libvirt 9.0's virDomainHyperv enum, the order
// <hypervCapabilities> lists its caps in.
var hypervFeatures = []string{
	"relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
	"reset", "vendor_id", "frequencies", "reenlightenment", "tlbflush", "ipi",
	"evmcs", "avic",
}

func hypervIndex(name string) int {
	for i, n := range hypervFeatures {
		if n == name {
			return i
		}
	}
	return -1
}

// x86FeatureNames maps libvirt's spelling of x86 CPU features to QEMU's
// where they differ (virQEMUCapsCPUFeaturesX86).
var x86FeatureNames = [][2]string{
	{"cmp_legacy", "cmp-legacy"},
	{"ds_cpl", "ds-cpl"},
	{"fxsr_opt", "fxsr-opt"},
	{"kvm_pv_eoi", "kvm-pv-eoi"},
	{"kvm_pv_unhalt", "kvm-pv-unhalt"},
	{"lahf_lm", "lahf-lm"},
	{"nodeid_msr", "nodeid-msr"},
	{"pclmuldq", "pclmulqdq"},
	{"perfctr_core", "perfctr-core"},
	{"perfctr_nb", "perfctr-nb"},
	{"tsc_adjust", "tsc-adjust"},
}

func isX86(arch string) bool { return arch == "x86_64" || arch == "i686" }

// FeatureToQEMU spells a libvirt CPU feature name the way QEMU does.
func FeatureToQEMU(arch, name string) string {
	if isX86(arch) {
		for _, p := range x86FeatureNames {
			if p[0] == name {
				return p[1]
			}
		}
	}
	return name
}

// FeatureFromQEMU spells a QEMU CPU feature name the way libvirt does.
func FeatureFromQEMU(arch, name string) string {
	if isX86(arch) {
		for _, p := range x86FeatureNames {
			if p[1] == name {
				return p[0]
			}
		}
	}
	return name
}

func cacheErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromQemu, code, format, args...)
}

// LoadFile reads a capabilities cache document (libvirt's
// qemucapabilitiesdata/caps_<ver>.<arch>.xml has the same form).
func LoadFile(path string) (*Caps, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse reads a <qemuCaps> document as virQEMUCapsLoadCache does, without
// the invalidation checks (the file cache does those). Unknown flags are
// an error, as in libvirt: a cache from a newer daemon is probed again.
func Parse(data []byte) (*Caps, error) {
	root, err := xmltree.ParseRoot(data, "qemuCaps", "qemuCaps")
	if err != nil {
		return nil, err
	}
	c := &Caps{}
	text := func(name string) (string, bool) {
		n := root.Child(name)
		if n == nil {
			return "", false
		}
		return strings.TrimSpace(n.Text), true
	}
	getInt := func(name string, required bool, dst *int64) error {
		s, ok := text(name)
		if !ok {
			if required {
				return cacheErr(virterr.XMLError, "missing %s in QEMU capabilities XML", name)
			}
			return nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return cacheErr(virterr.XMLError, "missing %s in QEMU capabilities XML", name)
		}
		*dst = v
		return nil
	}
	getUint := func(name string, required bool, dst *uint) error {
		s, ok := text(name)
		if !ok {
			if required {
				return cacheErr(virterr.InternalError, "missing %s in QEMU capabilities cache", name)
			}
			return nil
		}
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return cacheErr(virterr.InternalError, "missing %s in QEMU capabilities cache", name)
		}
		*dst = uint(v)
		return nil
	}
	if err := getInt("selfctime", true, &c.SelfCtime); err != nil {
		return nil, err
	}
	if err := getUint("selfvers", false, &c.SelfVersion); err != nil {
		return nil, err
	}
	emu, ok := text("emulator")
	if !ok || emu == "" {
		return nil, cacheErr(virterr.InternalError, "missing emulator in QEMU capabilities cache")
	}
	c.Binary = emu
	if err := getInt("qemuctime", true, &c.Ctime); err != nil {
		return nil, err
	}
	if err := getInt("qemumoddirmtime", false, &c.ModDirMtime); err != nil {
		return nil, err
	}
	for _, n := range root.ChildrenNamed("flag") {
		name, ok := n.Attr("name")
		if !ok {
			return nil, cacheErr(virterr.InternalError, "missing flag name in QEMU capabilities cache")
		}
		f, ok := FlagFromString(name)
		if !ok {
			return nil, cacheErr(virterr.InternalError, "Unknown qemu capabilities flag %s", name)
		}
		c.Set(f)
	}
	if err := getUint("version", true, &c.Version); err != nil {
		return nil, err
	}
	if err := getUint("kvmVersion", false, &c.KVMVersion); err != nil {
		return nil, err
	}
	if err := getUint("microcodeVersion", true, &c.MicrocodeVersion); err != nil {
		return nil, err
	}
	c.HostCPUSignature, _ = text("hostCPUSignature")
	if n := root.Child("package"); n != nil {
		c.Package, c.HasPackage = n.Text, true
	}
	c.KernelVersion, _ = text("kernelVersion")
	arch, ok := text("arch")
	if !ok || arch == "" {
		return nil, cacheErr(virterr.InternalError, "missing arch in QEMU capabilities cache")
	}
	c.Arch = arch

	if c.Has(KVM) {
		if err := c.loadAccel(root, VirtKVM); err != nil {
			return nil, err
		}
	}
	if c.Has(HVF) {
		if err := c.loadAccel(root, VirtHVF); err != nil {
			return nil, err
		}
	}
	if err := c.loadAccel(root, VirtTCG); err != nil {
		return nil, err
	}
	if err := c.loadGIC(root); err != nil {
		return nil, err
	}
	if err := c.loadSEV(root); err != nil {
		return nil, err
	}
	if err := c.loadSGX(root); err != nil {
		return nil, err
	}
	if err := c.loadHyperv(root); err != nil {
		return nil, err
	}
	c.KVMSupportsNesting = root.Child("kvmSupportsNesting") != nil
	c.KVMSupportsSecureGuest = root.Child("kvmSupportsSecureGuest") != nil
	return c, nil
}

func tristate(n *xmltree.Node, name string) (string, error) {
	v, ok := n.Attr(name)
	if !ok {
		return "", nil
	}
	if v != "yes" && v != "no" {
		return "", cacheErr(virterr.XMLError, "Invalid value for attribute '%s' in element '%s': '%s'. Expected 'yes' or 'no'", name, n.Name, v)
	}
	return v, nil
}

func (c *Caps) loadAccel(root *xmltree.Node, t VirtType) error {
	a := c.Accel(t)
	typ := string(t)
	for _, n := range root.ChildrenNamed("hostCPU") {
		if n.Prop("type") != typ {
			continue
		}
		h := &HostCPU{}
		model, ok := n.Attr("model")
		if !ok {
			return cacheErr(virterr.InternalError, "missing host CPU model name in QEMU capabilities cache")
		}
		h.Model = model
		mig, ok := n.Attr("migratability")
		if !ok {
			return cacheErr(virterr.XMLError, "Missing required attribute 'migratability' in element 'hostCPU'")
		}
		if mig != "yes" && mig != "no" {
			return cacheErr(virterr.XMLError, "Invalid value for attribute 'migratability' in element 'hostCPU': '%s'. Expected 'yes' or 'no'", mig)
		}
		h.Migratability = mig == "yes"
		for _, p := range n.ChildrenNamed("property") {
			prop := CPUProp{}
			name, ok := p.Attr("name")
			if !ok {
				return cacheErr(virterr.InternalError, "missing 'name' attribute for a host CPU model property in QEMU capabilities cache")
			}
			prop.Name = name
			prop.Type = CPUPropType(p.Prop("type"))
			switch prop.Type {
			case CPUPropBoolean:
				prop.Bool = p.Prop("value") == "true"
			case CPUPropString:
				v, ok := p.Attr("value")
				if !ok {
					return cacheErr(virterr.InternalError, "invalid string value for '%s' host CPU model property in QEMU capabilities cache", name)
				}
				prop.String = v
			case CPUPropNumber:
				v, err := strconv.ParseInt(p.Prop("value"), 10, 64)
				if err != nil {
					return cacheErr(virterr.InternalError, "invalid number value for '%s' host CPU model property in QEMU capabilities cache", name)
				}
				prop.Number = v
			default:
				return cacheErr(virterr.InternalError, "missing or invalid CPU model property type in QEMU capabilities cache")
			}
			m, err := tristate(p, "migratable")
			if err != nil {
				return err
			}
			prop.Migratable = m
			h.Props = append(h.Props, prop)
		}
		a.HostCPU = h
		break
	}
	for _, n := range root.ChildrenNamed("cpu") {
		if n.Prop("type") != typ {
			continue
		}
		m := CPUModel{}
		if u, ok := n.Attr("usable"); ok {
			if u != "yes" && u != "no" && u != "unknown" {
				return cacheErr(virterr.InternalError, "unknown value '%s' in attribute 'usable'", u)
			}
			if u != "unknown" {
				m.Usable = u
			}
		}
		name, ok := n.Attr("name")
		if !ok {
			return cacheErr(virterr.InternalError, "missing cpu name in QEMU capabilities cache")
		}
		m.Name = name
		m.Type = n.Prop("typename")
		for _, b := range n.ChildrenNamed("blocker") {
			bn, ok := b.Attr("name")
			if !ok {
				return cacheErr(virterr.InternalError, "missing blocker name in QEMU capabilities cache")
			}
			m.Blockers = append(m.Blockers, FeatureFromQEMU(c.Arch, bn))
		}
		m.Deprecated = n.Prop("deprecated") == "yes"
		a.CPUModels = append(a.CPUModels, m)
	}
	for _, n := range root.ChildrenNamed("machine") {
		if n.Prop("type") != typ {
			continue
		}
		m := Machine{}
		name, ok := n.Attr("name")
		if !ok {
			return cacheErr(virterr.XMLError, "Missing required attribute 'name' in element 'machine'")
		}
		m.Name = name
		m.Alias = n.Prop("alias")
		if s, ok := n.Attr("maxCpus"); ok {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return cacheErr(virterr.XMLError, "Invalid value for attribute 'maxCpus' in element 'machine': '%s'. Expected non-negative integer value", s)
			}
			m.MaxCpus = uint(v)
		}
		for _, b := range []struct {
			attr string
			dst  *bool
		}{
			{"hotplugCpus", &m.HotplugCpus}, {"default", &m.Default},
			{"numaMemSupported", &m.NumaMemSupported}, {"deprecated", &m.Deprecated},
		} {
			v, err := tristate(n, b.attr)
			if err != nil {
				return err
			}
			*b.dst = v == "yes"
		}
		m.DefaultCPU = n.Prop("defaultCPU")
		m.DefaultRAMid = n.Prop("defaultRAMid")
		acpi, err := tristate(n, "acpi")
		if err != nil {
			return err
		}
		m.ACPI = acpi
		a.Machines = append(a.Machines, m)
	}
	return nil
}

func (c *Caps) loadGIC(root *xmltree.Node) error {
	for _, n := range root.ChildrenNamed("gic") {
		g := GIC{}
		v, ok := n.Attr("version")
		if !ok {
			return cacheErr(virterr.InternalError, "missing GIC version in QEMU capabilities cache")
		}
		u, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return cacheErr(virterr.InternalError, "malformed GIC version in QEMU capabilities cache")
		}
		g.Version = uint(u)
		k, ok := n.Attr("kernel")
		if !ok {
			return cacheErr(virterr.InternalError, "missing in-kernel GIC information in QEMU capabilities cache")
		}
		if k != "yes" && k != "no" {
			return cacheErr(virterr.InternalError, "malformed in-kernel GIC information in QEMU capabilities cache")
		}
		g.Kernel = k == "yes"
		e, ok := n.Attr("emulated")
		if !ok {
			return cacheErr(virterr.InternalError, "missing emulated GIC information in QEMU capabilities cache")
		}
		if e != "yes" && e != "no" {
			return cacheErr(virterr.InternalError, "malformed emulated GIC information in QEMU capabilities cache")
		}
		g.Emulated = e == "yes"
		c.GIC = append(c.GIC, g)
	}
	return nil
}

func (c *Caps) loadSEV(root *xmltree.Node) error {
	if !c.Has(SEVGuest) {
		return nil
	}
	n := root.Child("sev")
	if n == nil {
		return cacheErr(virterr.XMLError, "missing SEV platform data in QEMU capabilities cache")
	}
	s := &SEV{}
	num := func(name string, dst *uint) error {
		t, _ := n.ChildText(name)
		v, err := strconv.ParseUint(strings.TrimSpace(t), 10, 32)
		if err != nil {
			return cacheErr(virterr.XMLError, "missing or malformed SEV %s information in QEMU capabilities cache", name)
		}
		*dst = uint(v)
		return nil
	}
	if err := num("cbitpos", &s.CBitPos); err != nil {
		return err
	}
	if err := num("reducedPhysBits", &s.ReducedPhysBits); err != nil {
		return err
	}
	var ok bool
	if s.PDH, ok = n.ChildText("pdh"); !ok {
		return cacheErr(virterr.XMLError, "missing SEV pdh information in QEMU capabilities cache")
	}
	if s.CertChain, ok = n.ChildText("certChain"); !ok {
		return cacheErr(virterr.XMLError, "missing SEV certChain information in QEMU capabilities cache")
	}
	s.CPU0ID, _ = n.ChildText("cpu0Id")
	c.SEV = s
	return nil
}

func (c *Caps) loadSGX(root *xmltree.Node) error {
	if !c.Has(SGXEpc) {
		return nil
	}
	n := root.Child("sgx")
	if n == nil {
		return cacheErr(virterr.XMLError, "missing SGX platform data in QEMU capabilities cache")
	}
	s := &SGX{}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"flc", &s.FLC}, {"sgx1", &s.SGX1}, {"sgx2", &s.SGX2}} {
		t, _ := n.ChildText(b.name)
		if t != "yes" && t != "no" {
			return cacheErr(virterr.XMLError, "missing or invalid SGX platform %s in QEMU capabilities cache", b.name)
		}
		*b.dst = t == "yes"
	}
	t, _ := n.ChildText("section_size")
	v, err := strconv.ParseUint(strings.TrimSpace(t), 10, 64)
	if err != nil {
		return cacheErr(virterr.XMLError, "missing or malformed SGX platform section_size in QEMU capabilities cache")
	}
	s.SectionSize = v
	if secs := n.Child("sections"); secs != nil {
		for _, sec := range secs.ChildrenNamed("section") {
			node, err1 := strconv.ParseUint(sec.Prop("node"), 10, 32)
			size, err2 := strconv.ParseUint(sec.Prop("size"), 10, 64)
			if err1 != nil || err2 != nil {
				return cacheErr(virterr.InternalError, "missing node name in QEMU capabilities cache")
			}
			s.Sections = append(s.Sections, SGXSection{Node: uint(node), Size: size})
		}
	}
	c.SGX = s
	return nil
}

func (c *Caps) loadHyperv(root *xmltree.Node) error {
	n := root.Child("hypervCapabilities")
	if n == nil {
		return nil
	}
	h := &Hyperv{}
	sup, ok := n.Attr("supported")
	if !ok {
		return cacheErr(virterr.XMLError, "Missing required attribute 'supported' in element 'hypervCapabilities'")
	}
	if sup != "yes" && sup != "no" {
		return cacheErr(virterr.XMLError, "Invalid value for attribute 'supported' in element 'hypervCapabilities': '%s'. Expected 'yes' or 'no'", sup)
	}
	h.Supported = sup
	seen := make([]bool, len(hypervFeatures))
	for _, cp := range n.ChildrenNamed("cap") {
		name, ok := cp.Attr("name")
		if !ok {
			return cacheErr(virterr.XMLError, "Missing required attribute 'name' in element 'cap'")
		}
		i := hypervIndex(name)
		if i < 0 {
			return cacheErr(virterr.ConfigUnsupported, "unsupported HyperV Enlightenment feature: %s", name)
		}
		seen[i] = true
	}
	for i, s := range seen {
		if s {
			h.Features = append(h.Features, hypervFeatures[i])
		}
	}
	c.Hyperv = h
	return nil
}

// Format writes the <qemuCaps> cache document (virQEMUCapsFormatCache as
// libvirt 9.0 writes it).
func (c *Caps) Format() string {
	b := xmlbuf.New()
	b.AddLit("<qemuCaps>\n")
	b.AdjustIndent(2)
	b.EscapeString("<emulator>%s</emulator>\n", c.Binary)
	b.Asprintf("<qemuctime>%d</qemuctime>\n", c.Ctime)
	if c.ModDirMtime > 0 {
		b.Asprintf("<qemumoddirmtime>%d</qemumoddirmtime>\n", c.ModDirMtime)
	}
	b.Asprintf("<selfctime>%d</selfctime>\n", c.SelfCtime)
	b.Asprintf("<selfvers>%d</selfvers>\n", c.SelfVersion)
	for _, f := range c.Flags() {
		b.Asprintf("<flag name='%s'/>\n", f.String())
	}
	b.Asprintf("<version>%d</version>\n", c.Version)
	b.Asprintf("<kvmVersion>%d</kvmVersion>\n", c.KVMVersion)
	b.Asprintf("<microcodeVersion>%d</microcodeVersion>\n", c.MicrocodeVersion)
	if c.HostCPUSignature != "" {
		b.EscapeString("<hostCPUSignature>%s</hostCPUSignature>\n", c.HostCPUSignature)
	}
	if c.HasPackage {
		b.Asprintf("<package>%s</package>\n", c.Package)
	}
	if c.KernelVersion != "" {
		b.Asprintf("<kernelVersion>%s</kernelVersion>\n", c.KernelVersion)
	}
	b.Asprintf("<arch>%s</arch>\n", c.Arch)
	if c.Has(KVM) {
		c.formatAccel(b, VirtKVM)
	}
	if c.Has(HVF) {
		c.formatAccel(b, VirtHVF)
	}
	c.formatAccel(b, VirtTCG)
	for _, g := range c.GIC {
		b.Asprintf("<gic version='%d' kernel='%s' emulated='%s'/>\n", g.Version, yesNo(g.Kernel), yesNo(g.Emulated))
	}
	if s := c.SEV; s != nil {
		b.AddLit("<sev>\n")
		b.AdjustIndent(2)
		b.Asprintf("<cbitpos>%d</cbitpos>\n", s.CBitPos)
		b.Asprintf("<reducedPhysBits>%d</reducedPhysBits>\n", s.ReducedPhysBits)
		b.EscapeString("<pdh>%s</pdh>\n", s.PDH)
		b.EscapeString("<certChain>%s</certChain>\n", s.CertChain)
		if s.CPU0ID != "" {
			b.EscapeString("<cpu0Id>%s</cpu0Id>\n", s.CPU0ID)
		}
		b.AdjustIndent(-2)
		b.AddLit("</sev>\n")
	}
	if s := c.SGX; s != nil {
		b.AddLit("<sgx supported='yes'>\n")
		b.AdjustIndent(2)
		b.Asprintf("<flc>%s</flc>\n", yesNo(s.FLC))
		b.Asprintf("<sgx1>%s</sgx1>\n", yesNo(s.SGX1))
		b.Asprintf("<sgx2>%s</sgx2>\n", yesNo(s.SGX2))
		b.Asprintf("<section_size unit='KiB'>%d</section_size>\n", s.SectionSize)
		if len(s.Sections) > 0 {
			b.AddLit("<sections>\n")
			for _, sec := range s.Sections {
				b.AdjustIndent(2)
				b.Asprintf("<section node='%d' size='%d' unit='KiB'/>\n", sec.Node, sec.Size)
				b.AdjustIndent(-2)
			}
			b.AddLit("</sections>\n")
		}
		b.AdjustIndent(-2)
		b.AddLit("</sgx>\n")
	}
	if h := c.Hyperv; h != nil {
		attrs := xmlbuf.New()
		attrs.Attr("supported", h.Supported)
		child := b.Child()
		if h.Supported == "yes" {
			for _, f := range h.Features {
				child.Asprintf("<cap name='%s'/>\n", f)
			}
		}
		b.FormatElement("hypervCapabilities", attrs, child)
	}
	if c.KVMSupportsNesting {
		b.AddLit("<kvmSupportsNesting/>\n")
	}
	if c.KVMSupportsSecureGuest {
		b.AddLit("<kvmSupportsSecureGuest/>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</qemuCaps>\n")
	return b.String()
}

func (c *Caps) formatAccel(b *xmlbuf.Buffer, t VirtType) {
	a := c.Accel(t)
	typ := string(t)
	if h := a.HostCPU; h != nil {
		b.Asprintf("<hostCPU type='%s' model='%s' migratability='%s'>\n", typ, h.Model, yesNo(h.Migratability))
		b.AdjustIndent(2)
		for _, p := range h.Props {
			b.Asprintf("<property name='%s' type='%s' ", p.Name, p.Type)
			switch p.Type {
			case CPUPropBoolean:
				if p.Bool {
					b.AddLit("value='true'")
				} else {
					b.AddLit("value='false'")
				}
			case CPUPropString:
				b.EscapeString("value='%s'", p.String)
			case CPUPropNumber:
				b.Asprintf("value='%d'", p.Number)
			}
			if p.Migratable != "" {
				b.Asprintf(" migratable='%s'", p.Migratable)
			}
			b.AddLit("/>\n")
		}
		b.AdjustIndent(-2)
		b.AddLit("</hostCPU>\n")
	}
	for _, m := range a.CPUModels {
		b.Asprintf("<cpu type='%s' ", typ)
		b.EscapeString("name='%s'", m.Name)
		if m.Type != "" {
			b.EscapeString(" typename='%s'", m.Type)
		}
		if m.Usable != "" {
			b.Asprintf(" usable='%s'", m.Usable)
		}
		if m.Deprecated {
			b.AddLit(" deprecated='yes'")
		}
		if len(m.Blockers) > 0 {
			b.AddLit(">\n")
			b.AdjustIndent(2)
			for _, bl := range m.Blockers {
				b.Asprintf("<blocker name='%s'/>\n", FeatureToQEMU(c.Arch, bl))
			}
			b.AdjustIndent(-2)
			b.AddLit("</cpu>\n")
		} else {
			b.AddLit("/>\n")
		}
	}
	for _, m := range a.Machines {
		b.Asprintf("<machine type='%s'", typ)
		b.EscapeString(" name='%s'", m.Name)
		if m.Alias != "" {
			b.EscapeString(" alias='%s'", m.Alias)
		}
		if m.HotplugCpus {
			b.AddLit(" hotplugCpus='yes'")
		}
		b.Asprintf(" maxCpus='%d'", m.MaxCpus)
		if m.Default {
			b.AddLit(" default='yes'")
		}
		if m.DefaultCPU != "" {
			b.EscapeString(" defaultCPU='%s'", m.DefaultCPU)
		}
		if m.NumaMemSupported {
			b.AddLit(" numaMemSupported='yes'")
		}
		if m.DefaultRAMid != "" {
			b.EscapeString(" defaultRAMid='%s'", m.DefaultRAMid)
		}
		if m.Deprecated {
			b.AddLit(" deprecated='yes'")
		}
		if m.ACPI != "" {
			b.Asprintf(" acpi='%s'", m.ACPI)
		}
		b.AddLit("/>\n")
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
