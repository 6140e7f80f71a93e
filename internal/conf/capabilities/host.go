package capabilities

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Host is <host>.
type Host struct {
	UUID string
	CPU  HostCPU
	// PowerManagement lists the suspend targets the host supports;
	// PowerManagementKnown says whether the element was there at all
	// (libvirt always writes it, empty when nothing is supported).
	PowerManagement      []string
	PowerManagementKnown bool
	IOMMU                string // "yes", "no", or "" when not reported
	Migration            *Migration
	NetPrefix            string
	Topology             *Topology
	Cache                *Cache
	MemoryBandwidth      *MemoryBandwidth
	SecModels            []SecModel
}

// Migration is <migration_features>.
type Migration struct {
	Live          bool
	URITransports []string
}

// SecModel is one <secmodel>.
type SecModel struct {
	Model      string
	DOI        string
	BaseLabels []BaseLabel
}

// BaseLabel is a security model's default label for one domain type.
type BaseLabel struct {
	Type  string
	Label string
}

func parseHost(n *xmltree.Node) (*Host, error) {
	h := &Host{}
	for _, c := range n.Children {
		switch c.Name {
		case "uuid":
			h.UUID = c.Text
		case "cpu":
			if err := h.CPU.parse(c); err != nil {
				return nil, err
			}
		case "power_management":
			h.PowerManagementKnown = true
			for _, t := range c.Children {
				h.PowerManagement = append(h.PowerManagement, t.Name)
			}
		case "iommu":
			h.IOMMU = c.Prop("support")
		case "migration_features":
			m := &Migration{}
			m.Live = c.Child("live") != nil
			if ts := c.Child("uri_transports"); ts != nil {
				for _, t := range ts.ChildrenNamed("uri_transport") {
					m.URITransports = append(m.URITransports, t.Text)
				}
			}
			h.Migration = m
		case "netprefix":
			h.NetPrefix = c.Text
		case "topology":
			t, err := parseTopology(c)
			if err != nil {
				return nil, err
			}
			h.Topology = t
		case "cache":
			ca, err := parseCache(c)
			if err != nil {
				return nil, err
			}
			h.Cache = ca
		case "memory_bandwidth":
			mb, err := parseMemoryBandwidth(c)
			if err != nil {
				return nil, err
			}
			h.MemoryBandwidth = mb
		case "secmodel":
			s := SecModel{}
			s.Model, _ = c.ChildText("model")
			s.DOI, _ = c.ChildText("doi")
			for _, l := range c.ChildrenNamed("baselabel") {
				s.BaseLabels = append(s.BaseLabels, BaseLabel{Type: l.Prop("type"), Label: l.Text})
			}
			h.SecModels = append(h.SecModels, s)
		}
	}
	return h, nil
}

// format writes <host> (virCapabilitiesFormatHostXML).
func (h *Host) format(b *xmlbuf.Buffer) {
	b.AddLit("<host>\n")
	b.AdjustIndent(2)
	if h.UUID != "" {
		b.EscapeString("<uuid>%s</uuid>\n", h.UUID)
	}
	h.CPU.format(b)
	if h.PowerManagementKnown {
		if len(h.PowerManagement) > 0 {
			b.AddLit("<power_management>\n")
			b.AdjustIndent(2)
			for _, t := range h.PowerManagement {
				b.Add("<" + t + "/>\n")
			}
			b.AdjustIndent(-2)
			b.AddLit("</power_management>\n")
		} else {
			b.AddLit("<power_management/>\n")
		}
	}
	if h.IOMMU != "" {
		b.EscapeString("<iommu support='%s'/>\n", h.IOMMU)
	}
	if m := h.Migration; m != nil {
		b.AddLit("<migration_features>\n")
		b.AdjustIndent(2)
		if m.Live {
			b.AddLit("<live/>\n")
		}
		if len(m.URITransports) > 0 {
			b.AddLit("<uri_transports>\n")
			b.AdjustIndent(2)
			for _, t := range m.URITransports {
				b.EscapeString("<uri_transport>%s</uri_transport>\n", t)
			}
			b.AdjustIndent(-2)
			b.AddLit("</uri_transports>\n")
		}
		b.AdjustIndent(-2)
		b.AddLit("</migration_features>\n")
	}
	if h.NetPrefix != "" {
		b.EscapeString("<netprefix>%s</netprefix>\n", h.NetPrefix)
	}
	if h.Topology != nil {
		h.Topology.format(b)
	}
	if h.Cache != nil {
		h.Cache.format(b)
	}
	if h.MemoryBandwidth != nil {
		h.MemoryBandwidth.format(b)
	}
	for _, s := range h.SecModels {
		b.AddLit("<secmodel>\n")
		b.AdjustIndent(2)
		b.EscapeString("<model>%s</model>\n", s.Model)
		b.EscapeString("<doi>%s</doi>\n", s.DOI)
		for _, l := range s.BaseLabels {
			b.Asprintf("<baselabel type='%s'>%s</baselabel>\n", xmlbuf.Escape(l.Type), xmlbuf.Escape(l.Label))
		}
		b.AdjustIndent(-2)
		b.AddLit("</secmodel>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</host>\n\n")
}

// HostCPU is the host's <cpu>: its architecture, the old-style feature
// flags, the CPU model libvirt detected (virCPUDef of type host) and the
// memory page sizes.
type HostCPU struct {
	Arch string
	// Flags are the old-style <features><pae/>… flags.
	Flags     []string
	Model     *xmltree.Node // <model>, with whatever attributes it carries
	Vendor    string
	Microcode *uint64
	Signature *Signature
	Counter   *Counter
	Topology  *CPUTopology
	// MaxPhysAddr and Cache are kept as libvirt wrote them.
	MaxPhysAddr *xmltree.Node
	Cache       *xmltree.Node
	Features    []CPUFeature
	Pages       []uint64 // page sizes in KiB
	// Other are child elements this package does not know, kept in order.
	Other []*xmltree.Node
	// order is the order of the child elements in a parsed document, so
	// that hand-written documents keep their layout; nil writes libvirt's.
	order []string
}

// cpuOrder is the order libvirt writes a host <cpu>'s children in.
var cpuOrder = []string{"arch", "features", "model", "vendor", "microcode", "signature", "counter", "topology", "maxphysaddr", "cache", "feature", "other", "pages"}

// Signature is the CPU's family/model/stepping.
type Signature struct {
	Family, Model, Stepping string
}

// Counter is the host's TSC.
type Counter struct {
	Name      string
	Frequency string
	Scaling   string
}

// CPUTopology is <topology sockets dies clusters cores threads>; Dies
// and Clusters are "" when the document had none (libvirt 9.0 writes no
// clusters; later versions do).
type CPUTopology struct {
	Sockets, Dies, Clusters, Cores, Threads string
}

// CPUFeature is one <feature name policy>.
type CPUFeature struct {
	Name   string
	Policy string
}

func (c *HostCPU) parse(n *xmltree.Node) error {
	known := map[string]bool{}
	for _, k := range cpuOrder {
		known[k] = true
	}
	seen := map[string]bool{}
	for _, ch := range n.Children {
		key := ch.Name
		if !known[key] || key == "other" {
			key = "other"
		}
		if !seen[key] {
			seen[key] = true
			c.order = append(c.order, key)
		}
		switch ch.Name {
		case "arch":
			c.Arch = ch.Text
		case "features":
			for _, f := range ch.Children {
				c.Flags = append(c.Flags, f.Name)
			}
		case "model":
			c.Model = ch
		case "vendor":
			c.Vendor = ch.Text
		case "microcode":
			v, err := parseUint("microcode version", ch.Prop("version"))
			if err != nil {
				return err
			}
			c.Microcode = &v
		case "signature":
			c.Signature = &Signature{Family: ch.Prop("family"), Model: ch.Prop("model"), Stepping: ch.Prop("stepping")}
		case "counter":
			c.Counter = &Counter{Name: ch.Prop("name"), Frequency: ch.Prop("frequency"), Scaling: ch.Prop("scaling")}
		case "topology":
			c.Topology = &CPUTopology{Sockets: ch.Prop("sockets"), Dies: ch.Prop("dies"),
				Clusters: ch.Prop("clusters"), Cores: ch.Prop("cores"), Threads: ch.Prop("threads")}
		case "maxphysaddr":
			c.MaxPhysAddr = ch
		case "cache":
			c.Cache = ch
		case "feature":
			c.Features = append(c.Features, CPUFeature{Name: ch.Prop("name"), Policy: ch.Prop("policy")})
		case "pages":
			v, err := parseUint("page size", ch.Prop("size"))
			if err != nil {
				return err
			}
			if s, ok := unitScale(ch.Prop("unit")); ok && ch.Prop("unit") != "" {
				v = v * s / 1024
			}
			c.Pages = append(c.Pages, v)
		default:
			c.Other = append(c.Other, ch)
		}
	}
	return nil
}

// format writes the host <cpu>: arch and flags, then what libvirt's
// virCPUDefFormatBuf writes for a host CPU, then page sizes.
func (c *HostCPU) format(b *xmlbuf.Buffer) {
	b.AddLit("<cpu>\n")
	b.AdjustIndent(2)
	order := c.order
	if order == nil {
		order = cpuOrder
	}
	done := map[string]bool{}
	for _, k := range append(append([]string(nil), order...), cpuOrder...) {
		if done[k] {
			continue
		}
		done[k] = true
		switch k {
		case "arch":
			if c.Arch != "" {
				b.EscapeString("<arch>%s</arch>\n", c.Arch)
			}
		case "features":
			if len(c.Flags) > 0 {
				b.AddLit("<features>\n")
				b.AdjustIndent(2)
				for _, f := range c.Flags {
					b.Add("<" + f + "/>\n")
				}
				b.AdjustIndent(-2)
				b.AddLit("</features>\n")
			}
		case "model":
			if c.Model != nil {
				b.FormatNode(c.Model)
			}
		case "vendor":
			if c.Vendor != "" {
				b.EscapeString("<vendor>%s</vendor>\n", c.Vendor)
			}
		case "microcode":
			if c.Microcode != nil {
				b.Asprintf("<microcode version='%d'/>\n", *c.Microcode)
			}
		case "signature":
			if s := c.Signature; s != nil {
				b.Add("<signature")
				b.AttrIf("family", s.Family)
				b.AttrIf("model", s.Model)
				b.AttrIf("stepping", s.Stepping)
				b.AddLit("/>\n")
			}
		case "counter":
			if t := c.Counter; t != nil {
				b.Add("<counter")
				b.AttrIf("name", t.Name)
				b.AttrIf("frequency", t.Frequency)
				b.AttrIf("scaling", t.Scaling)
				b.AddLit("/>\n")
			}
		case "topology":
			if t := c.Topology; t != nil {
				b.Add("<topology")
				b.AttrIf("sockets", t.Sockets)
				b.AttrIf("dies", t.Dies)
				b.AttrIf("clusters", t.Clusters)
				b.AttrIf("cores", t.Cores)
				b.AttrIf("threads", t.Threads)
				b.AddLit("/>\n")
			}
		case "maxphysaddr":
			if c.MaxPhysAddr != nil {
				b.FormatNode(c.MaxPhysAddr)
			}
		case "cache":
			if c.Cache != nil {
				b.FormatNode(c.Cache)
			}
		case "feature":
			for _, f := range c.Features {
				b.Add("<feature")
				b.AttrIf("policy", f.Policy)
				b.Attr("name", f.Name)
				b.AddLit("/>\n")
			}
		case "other":
			for _, o := range c.Other {
				b.FormatNode(o)
			}
		case "pages":
			for _, p := range c.Pages {
				b.Asprintf("<pages unit='KiB' size='%d'/>\n", p)
			}
		}
	}
	b.AdjustIndent(-2)
	b.AddLit("</cpu>\n")
}
