package cpumap

import (
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Type tells a host CPU (what a machine has) from a guest CPU (what a
// domain asks for), as virCPUType does.
type Type int

const (
	Host Type = iota
	Guest
	// Auto lets Parse choose: a <cpu> with <arch> is a host CPU.
	Auto
)

// Policy is a feature's policy in a guest CPU; host CPU features have
// PolicyNone (libvirt's -1).
type Policy int

const (
	PolicyNone Policy = iota - 1
	Force
	Require
	Optional
	Disable
	Forbid
)

var policyNames = []string{"force", "require", "optional", "disable", "forbid"}

func (p Policy) String() string {
	if p < 0 || int(p) >= len(policyNames) {
		return ""
	}
	return policyNames[p]
}

// ParsePolicy is virCPUFeaturePolicyTypeFromString.
func ParsePolicy(s string) (Policy, bool) {
	i := slices.Index(policyNames, s)
	return Policy(i), i >= 0
}

// Feature is one <feature>.
type Feature struct {
	Name   string
	Policy Policy
}

// TSC is a host CPU's <counter name='tsc'>.
type TSC struct {
	Frequency uint64
	Scaling   string // yes, no or ""
}

// CPU is libvirt's virCPUDef, the CPU definition the CPU drivers work on.
type CPU struct {
	Type       Type
	Mode       string // guest: custom, host-model, host-passthrough, maximum
	Match      string // guest custom mode: minimum, exact, strict
	Check      string
	Migratable string
	Arch       string
	Model      string
	Fallback   string // allow (libvirt's default) or forbid
	VendorID   string
	Vendor     string

	Microcode                        uint
	SigFamily, SigModel, SigStepping uint
	TSC                              *TSC
	Sockets, Dies, Cores, Threads    uint
	CacheLevel                       int // -1 when absent
	CacheMode                        string
	AddrMode                         string
	AddrBits                         int // -1 when absent
	AddrLimit                        uint
	Features                         []Feature
}

// NewGuest is a guest CPU as virCPUDefNew leaves it: custom mode, the
// default fallback.
func NewGuest() *CPU {
	return &CPU{Type: Guest, Mode: "custom", Fallback: "allow", CacheLevel: -1, AddrBits: -1}
}

func cpuErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromCPU, code, format, args...)
}

// Copy is virCPUDefCopy.
func (c *CPU) Copy() *CPU {
	n := *c
	n.Features = slices.Clone(c.Features)
	if c.TSC != nil {
		t := *c.TSC
		n.TSC = &t
	}
	return &n
}

// FindFeature is virCPUDefFindFeature.
func (c *CPU) FindFeature(name string) *Feature {
	for i := range c.Features {
		if c.Features[i].Name == name {
			return &c.Features[i]
		}
	}
	return nil
}

// UpdateFeature is virCPUDefUpdateFeature: a listed feature gets the
// policy, another is appended.
func (c *CPU) UpdateFeature(name string, p Policy) {
	if c.Type == Host {
		p = PolicyNone
	}
	if f := c.FindFeature(name); f != nil {
		f.Policy = p
		return
	}
	c.Features = append(c.Features, Feature{name, p})
}

// AddFeatureIfMissing is virCPUDefAddFeatureIfMissing.
func (c *CPU) AddFeatureIfMissing(name string, p Policy) {
	if c.FindFeature(name) != nil {
		return
	}
	c.UpdateFeature(name, p)
}

// addFeature is virCPUDefAddFeature: a feature listed twice is an error.
func (c *CPU) addFeature(name string, p Policy) error {
	if c.FindFeature(name) != nil {
		return cpuErr(virterr.InternalError, "CPU feature '%s' specified more than once", name)
	}
	c.UpdateFeature(name, p)
	return nil
}

// Parse reads a <cpu> definition (virCPUDefParseXML); typ Auto decides
// between host and guest by the presence of <arch>.
func Parse(data []byte, typ Type) (*CPU, error) {
	root, err := xmltree.Parse(data, "(CPU_definition)")
	if err != nil {
		if e, ok := err.(*virterr.Error); ok {
			return nil, e.WithDomain(virterr.FromCPU)
		}
		return nil, err
	}
	return ParseNode(root, typ)
}

func uintProp(n *xmltree.Node, name string, required, nonzero bool) (uint, error) {
	v, ok := n.Attr(name)
	if !ok {
		if required {
			return 0, cpuErr(virterr.XMLError, "Missing required attribute '%s' in element '%s'", name, n.Name)
		}
		return 0, nil
	}
	u, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil || (nonzero && u == 0) {
		return 0, cpuErr(virterr.XMLError, "Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative integer value", name, n.Name, v)
	}
	return uint(u), nil
}

// ParseNode is Parse for an element already read.
func ParseNode(n *xmltree.Node, typ Type) (*CPU, error) {
	if n.Name != "cpu" {
		return nil, cpuErr(virterr.XMLError, "XML does not contain expected 'cpu' element")
	}
	c := &CPU{Type: typ, CacheLevel: -1, AddrBits: -1}
	if typ == Auto {
		c.Type = Guest
		if n.Child("arch") != nil {
			if _, ok := n.Attr("match"); ok {
				return nil, cpuErr(virterr.XMLError, "'arch' element cannot be used inside 'cpu' element with 'match' attribute'")
			}
			c.Type = Host
		}
	}
	if mode, ok := n.Attr("mode"); ok {
		if c.Type == Host {
			return nil, cpuErr(virterr.ConfigUnsupported, "Attribute mode is only allowed for guest CPU")
		}
		if !slices.Contains([]string{"custom", "host-model", "host-passthrough", "maximum"}, mode) {
			return nil, cpuErr(virterr.ConfigUnsupported, "Invalid mode attribute '%s'", mode)
		}
		c.Mode = mode
	} else if c.Type == Guest {
		c.Mode = "custom"
	}
	c.Migratable = n.Prop("migratable")
	if c.Type == Guest {
		c.Match = n.Prop("match")
		c.Check = n.Prop("check")
	}
	text := func(name string) (string, bool) {
		// virXPathString gives NULL for an empty string.
		ch := n.Child(name)
		if ch == nil || ch.Text == "" {
			return "", false
		}
		return ch.Text, true
	}
	if c.Type == Host {
		arch, ok := text("arch")
		if !ok {
			return nil, cpuErr(virterr.XMLError, "Missing CPU architecture")
		}
		c.Arch = arch
		if m := n.Child("microcode"); m != nil {
			if v, ok := m.Attr("version"); ok {
				u, err := strconv.ParseUint(v, 10, 32)
				if err != nil {
					return nil, cpuErr(virterr.ConfigUnsupported, "invalid microcode version")
				}
				c.Microcode = uint(u)
			}
		}
		if s := n.Child("signature"); s != nil {
			var err error
			if c.SigFamily, err = uintProp(s, "family", true, true); err != nil {
				return nil, err
			}
			if c.SigModel, err = uintProp(s, "model", true, false); err != nil {
				return nil, err
			}
			if c.SigStepping, err = uintProp(s, "stepping", true, false); err != nil {
				return nil, err
			}
		}
		for _, k := range n.ChildrenNamed("counter") {
			if k.Prop("name") != "tsc" {
				continue
			}
			f, err := strconv.ParseUint(k.Prop("frequency"), 10, 64)
			if err != nil {
				return nil, cpuErr(virterr.XMLError, "Invalid value for attribute 'frequency' in element 'counter': '%s'. Expected non-negative integer value", k.Prop("frequency"))
			}
			c.TSC = &TSC{Frequency: f, Scaling: k.Prop("scaling")}
			break
		}
	}
	model, hasModel := text("model")
	c.Model = model
	if !hasModel && c.Type == Host {
		return nil, cpuErr(virterr.XMLError, "Missing CPU model name")
	}
	if c.Type == Guest && c.Mode != "host-passthrough" && c.Mode != "maximum" {
		if m := n.Child("model"); m != nil {
			if fb, ok := m.Attr("fallback"); ok {
				if fb != "allow" && fb != "forbid" {
					return nil, cpuErr(virterr.ConfigUnsupported, "Invalid fallback attribute")
				}
				c.Fallback = fb
			}
			if id, ok := m.Attr("vendor_id"); ok {
				if len(id) != 12 {
					return nil, cpuErr(virterr.XMLError, "vendor_id must be exactly 12 characters long")
				}
				if strings.Contains(id, ",") {
					return nil, cpuErr(virterr.XMLError, "vendor id is invalid")
				}
				c.VendorID = id
			}
		}
	}
	if c.Type == Guest && c.Fallback == "" {
		c.Fallback = "allow"
	}
	if v, ok := text("vendor"); ok {
		c.Vendor = v
		if !hasModel {
			return nil, cpuErr(virterr.XMLError, "CPU vendor specified without CPU model")
		}
	}
	if t := n.Child("topology"); t != nil {
		var err error
		if c.Sockets, err = uintProp(t, "sockets", true, true); err != nil {
			return nil, err
		}
		c.Dies = 1
		if _, ok := t.Attr("dies"); ok {
			if c.Dies, err = uintProp(t, "dies", false, true); err != nil {
				return nil, err
			}
		}
		if c.Cores, err = uintProp(t, "cores", true, true); err != nil {
			return nil, err
		}
		if c.Threads, err = uintProp(t, "threads", true, true); err != nil {
			return nil, err
		}
	}
	feats := n.ChildrenNamed("feature")
	if len(feats) > 0 && !hasModel && c.Mode == "custom" {
		return nil, cpuErr(virterr.XMLError, "Non-empty feature list specified without CPU model")
	}
	for _, f := range feats {
		p := PolicyNone
		if c.Type == Guest {
			p = Require
			if s, ok := f.Attr("policy"); ok {
				var known bool
				if p, known = ParsePolicy(s); !known {
					return nil, cpuErr(virterr.ConfigUnsupported, "Invalid CPU feature policy")
				}
			}
		}
		name := f.Prop("name")
		if name == "" {
			return nil, cpuErr(virterr.XMLError, "Invalid CPU feature name")
		}
		if c.FindFeature(name) != nil {
			return nil, cpuErr(virterr.XMLError, "CPU feature '%s' specified more than once", name)
		}
		c.Features = append(c.Features, Feature{name, p})
	}
	if caches := n.ChildrenNamed("cache"); len(caches) > 0 {
		if len(caches) > 1 {
			return nil, cpuErr(virterr.XMLError, "at most one CPU cache element may be specified")
		}
		if l, ok := caches[0].Attr("level"); ok {
			v, err := strconv.ParseUint(l, 10, 31)
			if err != nil {
				return nil, cpuErr(virterr.XMLError, "Invalid value for attribute 'level' in element 'cache': '%s'. Expected non-negative integer value", l)
			}
			c.CacheLevel = int(v)
		}
		c.CacheMode = caches[0].Prop("mode")
		if c.CacheMode == "" {
			return nil, cpuErr(virterr.XMLError, "Missing required attribute 'mode' in element 'cache'")
		}
	}
	if a := n.Child("maxphysaddr"); a != nil {
		c.AddrMode = a.Prop("mode")
		if c.AddrMode == "" {
			return nil, cpuErr(virterr.XMLError, "Missing required attribute 'mode' in element 'maxphysaddr'")
		}
		if b, ok := a.Attr("bits"); ok {
			v, err := strconv.ParseUint(b, 10, 31)
			if err != nil {
				return nil, cpuErr(virterr.XMLError, "Invalid value for attribute 'bits' in element 'maxphysaddr': '%s'. Expected non-negative integer value", b)
			}
			c.AddrBits = int(v)
		}
		var err error
		if c.AddrLimit, err = uintProp(a, "limit", false, true); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Format writes the definition as virCPUDefFormat does.
func (c *CPU) Format() string {
	b := xmlbuf.New()
	c.FormatBuf(b)
	return b.String()
}

// FormatBuf is virCPUDefFormatBufFull (without NUMA).
func (c *CPU) FormatBuf(b *xmlbuf.Buffer) {
	attrs := xmlbuf.New()
	if c.Type == Guest && (c.Mode != "custom" || c.Model != "") {
		attrs.Attr("mode", c.Mode)
		if c.Mode == "custom" {
			attrs.Attr("match", c.Match)
		}
		attrs.AttrIf("check", c.Check)
		if c.Mode == "host-passthrough" || c.Mode == "maximum" {
			attrs.AttrIf("migratable", c.Migratable)
		}
	}
	ch := b.Child()
	if c.Type == Host && c.Arch != "" {
		ch.Asprintf("<arch>%s</arch>\n", c.Arch)
	}
	c.formatBody(ch)
	b.FormatElement("cpu", attrs, ch)
}

// formatBody is virCPUDefFormatBuf: the model, vendor, signature,
// topology and features.
func (c *CPU) formatBody(b *xmlbuf.Buffer) {
	formatModel := c.Mode == "custom" || c.Mode == "host-model" || c.Type == Host
	if formatModel && (c.Model != "" || c.VendorID != "") {
		b.AddLit("<model")
		if c.Type == Guest && c.Model != "" {
			b.Asprintf(" fallback='%s'", c.Fallback)
		}
		if c.Type == Guest && c.VendorID != "" {
			b.EscapeString(" vendor_id='%s'", c.VendorID)
		}
		if c.Model != "" {
			b.EscapeString(">%s</model>\n", c.Model)
		} else {
			b.AddLit("/>\n")
		}
	}
	if formatModel && c.Vendor != "" {
		b.EscapeString("<vendor>%s</vendor>\n", c.Vendor)
	}
	if c.Type == Host && c.Microcode != 0 {
		b.Asprintf("<microcode version='%d'/>\n", c.Microcode)
	}
	if c.Type == Host && c.SigFamily != 0 {
		b.Asprintf("<signature family='%d' model='%d' stepping='%d'/>\n", c.SigFamily, c.SigModel, c.SigStepping)
	}
	if c.Type == Host && c.TSC != nil {
		b.Asprintf("<counter name='tsc' frequency='%d'", c.TSC.Frequency)
		if c.TSC.Scaling != "" {
			b.Asprintf(" scaling='%s'", c.TSC.Scaling)
		}
		b.AddLit("/>\n")
	}
	if c.Sockets != 0 && c.Dies != 0 && c.Cores != 0 && c.Threads != 0 {
		b.Asprintf("<topology sockets='%d' dies='%d' cores='%d' threads='%d'/>\n", c.Sockets, c.Dies, c.Cores, c.Threads)
	}
	if c.CacheMode != "" {
		b.AddLit("<cache ")
		if c.CacheLevel != -1 {
			b.Asprintf("level='%d' ", c.CacheLevel)
		}
		b.Asprintf("mode='%s'/>\n", c.CacheMode)
	}
	if c.AddrMode != "" {
		b.Asprintf("<maxphysaddr mode='%s'", c.AddrMode)
		if c.AddrBits != -1 {
			b.Asprintf(" bits='%d'", c.AddrBits)
		}
		if c.AddrLimit > 0 {
			b.Asprintf(" limit='%d'", c.AddrLimit)
		}
		b.AddLit("/>\n")
	}
	for _, f := range c.Features {
		if c.Type == Guest {
			b.Asprintf("<feature policy='%s' name='%s'/>\n", f.Policy, f.Name)
		} else {
			b.Asprintf("<feature name='%s'/>\n", f.Name)
		}
	}
}
