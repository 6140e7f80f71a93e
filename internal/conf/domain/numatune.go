package domain

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// NumaTune is <numatune>: host NUMA policy for guest memory.
type NumaTune struct {
	// Memory is the domain-wide <memory>, nil when absent.
	Memory   *NumaMemory
	MemNodes []NumaMemNode
	// RawNodes keeps children libvirt 9.0 does not know.
	extra []*xmltree.Node
}

// NumaMemory is <numatune><memory>.
type NumaMemory struct {
	Mode      string // strict | preferred | interleave | restrictive
	Placement string // static | auto
	Nodeset   CPUSet
	// badNodeset is a nodeset that named no node ("0,^0"), kept for
	// Validate to reject as libvirt's parser does.
	badNodeset string
}

// NumaMemNode is one <memnode>.
type NumaMemNode struct {
	CellID  uint
	Mode    string
	Nodeset CPUSet
}

// parseNumaTune reads <numatune> (n may be nil). vcpuStatic says whether the
// vcpus are statically placed: libvirt lets memory follow the vcpus'
// placement when neither a nodeset nor a placement is given.
func parseNumaTune(n *xmltree.Node, vcpuStatic bool) (*NumaTune, error) {
	if n == nil {
		if vcpuStatic {
			return nil, nil
		}
		return &NumaTune{Memory: &NumaMemory{Mode: "strict", Placement: "auto"}}, nil
	}
	t := &NumaTune{}
	for _, c := range n.Children {
		switch c.Name {
		case "memory":
			if t.Memory != nil {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "only one memory element is allowed in numatune")
			}
			m := &NumaMemory{Mode: c.Prop("mode"), Placement: c.Prop("placement")}
			if m.Mode == "" {
				m.Mode = "strict"
			}
			if ns, ok := c.Attr("nodeset"); ok {
				set, err := ParseCPUSet(ns)
				if err != nil {
					return nil, err
				}
				if len(set) == 0 {
					m.badNodeset = ns
				} else {
					m.Nodeset = set
				}
				if m.Placement == "" {
					m.Placement = "static"
				}
			}
			if m.Placement == "" {
				if vcpuStatic {
					m.Placement = "static"
				} else {
					m.Placement = "auto"
				}
			}
			if m.Placement == "auto" && m.Nodeset != nil {
				m.Nodeset = nil
			}
			t.Memory = m
		case "memnode":
			id, ok := parseUintText(c.Prop("cellid"))
			if !ok {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Invalid cellid attribute in memnode element")
			}
			mn := NumaMemNode{CellID: id, Mode: c.Prop("mode")}
			if mn.Mode == "" {
				mn.Mode = "strict"
			}
			ns, ok := c.Attr("nodeset")
			if !ok {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Missing required nodeset attribute in memnode element")
			}
			set, err := parseNonEmptySet(ns, "nodeset")
			if err != nil {
				return nil, err
			}
			mn.Nodeset = set
			for _, o := range t.MemNodes {
				if o.CellID == id {
					return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Multiple memnode elements with cellid %d", id)
				}
			}
			t.MemNodes = append(t.MemNodes, mn)
		default:
			t.extra = append(t.extra, c)
		}
	}
	return t, nil
}

func (t *NumaTune) placementAuto() bool {
	return t != nil && t.Memory != nil && t.Memory.Placement == "auto"
}

func (t *NumaTune) validate() error {
	if t.Memory != nil && t.Memory.badNodeset != "" {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "Invalid value of 'nodeset': %s", t.Memory.badNodeset)
	}
	if t.Memory != nil && t.Memory.Mode == "restrictive" {
		for _, n := range t.MemNodes {
			if n.Mode != "restrictive" {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "'restrictive' mode is required in memnode element when mode is 'restrictive' in memory element")
			}
		}
	}
	if t.placementAuto() && len(t.MemNodes) > 0 {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "%s", "Per-node binding is not compatible with automatic NUMA placement.")
	}
	if t.Memory != nil && t.Memory.Placement == "static" && t.Memory.Nodeset == nil {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "%s", "nodeset for NUMA memory tuning must be set if 'placement' is 'static'")
	}
	return nil
}

func (t *NumaTune) format(b *xmlbuf.Buffer) {
	c := b.Child()
	if m := t.Memory; m != nil {
		c.Asprintf("<memory mode='%s' ", xmlbuf.Escape(m.Mode))
		if m.Placement == "static" && m.Nodeset != nil {
			c.Asprintf("nodeset='%s'/>\n", m.Nodeset)
		} else {
			c.Asprintf("placement='%s'/>\n", xmlbuf.Escape(m.Placement))
		}
	}
	nodes := append([]NumaMemNode(nil), t.MemNodes...)
	for i := 1; i < len(nodes); i++ {
		for j := i; j > 0 && nodes[j].CellID < nodes[j-1].CellID; j-- {
			nodes[j], nodes[j-1] = nodes[j-1], nodes[j]
		}
	}
	for _, n := range nodes {
		c.Asprintf("<memnode cellid='%d' mode='%s' nodeset='%s'/>\n", n.CellID, xmlbuf.Escape(n.Mode), n.Nodeset)
	}
	for _, n := range t.extra {
		c.FormatNode(n)
	}
	b.FormatElement("numatune", nil, c)
}
