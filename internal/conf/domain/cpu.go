package domain

import (
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// CPU is the guest CPU, <cpu> (libvirt's virCPUDef of type guest), with
// the guest NUMA topology it carries.
type CPU struct {
	Mode       string // custom | host-model | host-passthrough | maximum
	Match      string // minimum | exact | strict; "" when not applicable
	Check      string // none | partial | full; "" when unset
	Migratable string // on | off; "" when unset

	Model    string
	Fallback string // allow | forbid
	VendorID string // <model vendor_id>
	Vendor   string

	// Topology is nil when <topology> is absent.
	Topology *CPUTopology
	Cache    *CPUCache
	// MaxPhysAddr is <maxphysaddr>; nil when absent.
	MaxPhysAddr *CPUMaxPhysAddr

	Features []CPUFeature

	NUMA *NUMA
}

// CPUTopology is <cpu><topology>.
type CPUTopology struct {
	Sockets, Dies, Cores, Threads uint
}

// CPUCache is <cpu><cache>.
type CPUCache struct {
	Level int // -1 when absent
	Mode  string
}

// CPUMaxPhysAddr is <cpu><maxphysaddr>.
type CPUMaxPhysAddr struct {
	Mode string
	Bits int // -1 when absent
}

// CPUFeature is one <cpu><feature>.
type CPUFeature struct {
	Policy string // force | require | optional | disable | forbid
	Name   string
}

func parseUintAttr(n *xmltree.Node, name string, required bool, def uint) (uint, error) {
	v, ok := n.Attr(name)
	if !ok {
		if required {
			return 0, errMissingProp(n.Name, name)
		}
		return def, nil
	}
	u, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, errInvalidNumberProp(n.Name, name, v, expectNonNegativeInt)
	}
	return uint(u), nil
}

func parseCPU(n *xmltree.Node) (*CPU, error) {
	c := &CPU{Mode: "custom"}
	if v, ok := n.Attr("mode"); ok {
		c.Mode = v
	}
	if c.Mode == "custom" {
		c.Match = n.Prop("match")
	}
	c.Check = n.Prop("check")
	if c.Mode == "host-passthrough" || c.Mode == "maximum" {
		c.Migratable = n.Prop("migratable")
	}
	formatsModel := c.Mode == "custom" || c.Mode == "host-model"
	if m := n.Child("model"); m != nil && formatsModel {
		c.Model = strings.TrimSpace(m.Text)
		c.Fallback = m.Prop("fallback")
		c.VendorID = m.Prop("vendor_id")
	}
	if v := n.Child("vendor"); v != nil && formatsModel {
		c.Vendor = strings.TrimSpace(v.Text)
	}
	if t := n.Child("topology"); t != nil {
		top := &CPUTopology{}
		var err error
		if top.Sockets, err = parseUintAttr(t, "sockets", true, 0); err != nil {
			return nil, err
		}
		if top.Dies, err = parseUintAttr(t, "dies", false, 1); err != nil {
			return nil, err
		}
		if top.Cores, err = parseUintAttr(t, "cores", true, 0); err != nil {
			return nil, err
		}
		if top.Threads, err = parseUintAttr(t, "threads", true, 0); err != nil {
			return nil, err
		}
		c.Topology = top
	}
	if k := n.Child("cache"); k != nil {
		cache := &CPUCache{Level: -1}
		if l, ok := k.Attr("level"); ok {
			v, err := strconv.ParseUint(strings.TrimSpace(l), 10, 31)
			if err != nil {
				return nil, errInvalidNumberProp("cache", "level", l, expectInt)
			}
			cache.Level = int(v)
		}
		mode, err := requiredProp(k, "mode")
		if err != nil {
			return nil, err
		}
		cache.Mode = mode
		c.Cache = cache
	}
	if a := n.Child("maxphysaddr"); a != nil {
		addr := &CPUMaxPhysAddr{Bits: -1}
		mode, err := requiredProp(a, "mode")
		if err != nil {
			return nil, err
		}
		addr.Mode = mode
		if b, ok := a.Attr("bits"); ok {
			v, err := strconv.ParseUint(strings.TrimSpace(b), 10, 31)
			if err != nil {
				return nil, errInvalidNumberProp("maxphysaddr", "bits", b, expectInt)
			}
			addr.Bits = int(v)
		}
		c.MaxPhysAddr = addr
	}
	seen := map[string]bool{}
	for _, f := range n.ChildrenNamed("feature") {
		name, ok := f.Attr("name")
		if !ok {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Invalid CPU feature name")
		}
		if seen[name] {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "CPU feature '%s' specified more than once", name)
		}
		seen[name] = true
		policy := f.Prop("policy")
		if policy == "" {
			policy = "require"
		}
		c.Features = append(c.Features, CPUFeature{Policy: policy, Name: name})
	}
	if len(c.Features) > 0 && c.Model == "" && c.Mode == "custom" {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Non-empty feature list specified without CPU model")
	}
	c.parserDefaults()
	if num := n.Child("numa"); num != nil {
		nu, err := parseNUMA(num)
		if err != nil {
			return nil, err
		}
		c.NUMA = nu
	}
	return c, nil
}

func (c *CPU) validate() error {
	// virCPUDefParseXML's own words, in the CPU error domain.
	if !slices.Contains([]string{"custom", "host-model", "host-passthrough", "maximum"}, c.Mode) {
		return virterr.NewFrom(virterr.FromCPU, virterr.ConfigUnsupported, "Invalid mode attribute '%s'", c.Mode)
	}
	if err := checkEnum("cpu", "match", c.Match, "minimum", "exact", "strict"); err != nil {
		return err
	}
	if err := checkEnum("cpu", "check", c.Check, "none", "partial", "full"); err != nil {
		return err
	}
	if err := checkEnum("cpu", "migratable", c.Migratable, tristateSwitch...); err != nil {
		return err
	}
	if err := checkEnum("model", "fallback", c.Fallback, "allow", "forbid"); err != nil {
		return err
	}
	if c.VendorID != "" && len(c.VendorID) != 12 {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "vendor_id must be exactly 12 characters long")
	}
	if t := c.Topology; t != nil && (t.Sockets == 0 || t.Dies == 0 || t.Cores == 0 || t.Threads == 0) {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Invalid CPU topology")
	}
	if c.Cache != nil {
		if err := checkEnum("cache", "mode", c.Cache.Mode, "emulate", "passthrough", "disable"); err != nil {
			return err
		}
	}
	if c.MaxPhysAddr != nil {
		if err := checkEnum("maxphysaddr", "mode", c.MaxPhysAddr.Mode, "emulate", "passthrough"); err != nil {
			return err
		}
	}
	for _, f := range c.Features {
		if err := checkEnum("feature", "policy", f.Policy, "force", "require", "optional", "disable", "forbid"); err != nil {
			return err
		}
	}
	if c.NUMA != nil {
		return c.NUMA.validate()
	}
	return nil
}

// parserDefaults are the values libvirt's CPU parser itself fills in: the
// match of a custom model and the model's fallback.
func (c *CPU) parserDefaults() {
	if c.Mode == "custom" && c.Model != "" && c.Match == "" {
		c.Match = "exact"
	}
	if c.Model != "" && c.Fallback == "" {
		c.Fallback = "allow"
	}
}

func (c *CPU) format(b *xmlbuf.Buffer) {
	attrs := xmlbuf.New()
	if c.Mode != "custom" || c.Model != "" {
		attrs.Attr("mode", c.Mode)
		if c.Mode == "custom" && c.Match != "" {
			attrs.Attr("match", c.Match)
		}
		attrs.AttrIf("check", c.Check)
		if c.Mode == "host-passthrough" || c.Mode == "maximum" {
			attrs.AttrIf("migratable", c.Migratable)
		}
	}
	ch := b.Child()
	if c.Model != "" || c.VendorID != "" {
		ch.AddLit("<model")
		if c.Model != "" {
			ch.AttrIf("fallback", c.Fallback)
		}
		ch.AttrIf("vendor_id", c.VendorID)
		if c.Model != "" {
			ch.Asprintf(">%s</model>\n", xmlbuf.Escape(c.Model))
		} else {
			ch.AddLit("/>\n")
		}
	}
	if c.Vendor != "" {
		ch.Asprintf("<vendor>%s</vendor>\n", xmlbuf.Escape(c.Vendor))
	}
	if t := c.Topology; t != nil {
		ch.Asprintf("<topology sockets='%d' dies='%d' cores='%d' threads='%d'/>\n", t.Sockets, t.Dies, t.Cores, t.Threads)
	}
	if k := c.Cache; k != nil {
		ch.AddLit("<cache ")
		if k.Level >= 0 {
			ch.Asprintf("level='%d' ", k.Level)
		}
		ch.Asprintf("mode='%s'/>\n", xmlbuf.Escape(k.Mode))
	}
	if a := c.MaxPhysAddr; a != nil {
		ch.Asprintf("<maxphysaddr mode='%s'", xmlbuf.Escape(a.Mode))
		if a.Bits >= 0 {
			ch.Attrf("bits", "%d", a.Bits)
		}
		ch.AddLit("/>\n")
	}
	for _, f := range c.Features {
		ch.Asprintf("<feature policy='%s' name='%s'/>\n", xmlbuf.Escape(f.Policy), xmlbuf.Escape(f.Name))
	}
	if c.NUMA != nil {
		c.NUMA.format(ch)
	}
	b.FormatElement("cpu", attrs, ch)
}
