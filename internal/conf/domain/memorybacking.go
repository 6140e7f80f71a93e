package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// MemoryBacking is <memoryBacking>.
type MemoryBacking struct {
	// HugePages is nil without <hugepages>; a single page of size 0 is
	// a bare <hugepages/>.
	HugePages    []HugePage
	hugepages    bool
	NoSharePages bool
	Locked       bool
	Source       string // anonymous | file | memfd
	Access       string // shared | private
	Allocation   string // immediate | ondemand
	// Threads is <allocation threads>; 0 when unset.
	Threads uint
	Discard bool
}

// HugePage is one <hugepages><page>.
type HugePage struct {
	Size    uint64 // KiB; 0 for the bare <hugepages/>
	NodeSet CPUSet // nil when not restricted to guest nodes
}

func parseMemoryBacking(n *xmltree.Node) (*MemoryBacking, error) {
	m := &MemoryBacking{}
	if h := n.Child("hugepages"); h != nil {
		m.hugepages = true
		pages := h.ChildrenNamed("page")
		for _, p := range pages {
			kib, _, err := parseMemoryValue(p.Prop("size"), p.Prop("unit"), "./@size", true)
			if err != nil {
				return nil, err
			}
			hp := HugePage{Size: kib}
			if ns, ok := p.Attr("nodeset"); ok {
				set, err := parseNonEmptySet(ns, "nodeset")
				if err != nil {
					return nil, err
				}
				hp.NodeSet = set
			}
			m.HugePages = append(m.HugePages, hp)
		}
		if len(pages) == 0 {
			m.HugePages = []HugePage{{}}
		}
	}
	m.NoSharePages = n.Child("nosharepages") != nil
	m.Locked = n.Child("locked") != nil
	if s := n.Child("source"); s != nil {
		m.Source = s.Prop("type")
	}
	if a := n.Child("access"); a != nil {
		m.Access = a.Prop("mode")
	}
	if a := n.Child("allocation"); a != nil {
		m.Allocation = a.Prop("mode")
		if t, ok := a.Attr("threads"); ok {
			v, err := strconv.ParseUint(strings.TrimSpace(t), 10, 32)
			if err != nil {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Failed to parse memory allocation threads")
			}
			m.Threads = uint(v)
		}
	}
	m.Discard = n.Child("discard") != nil
	return m, nil
}

// postParse is virDomainDefPostParseMemtune: without guest NUMA nodes a
// page pinned to node 0 is simply the guest's page size.
func (m *MemoryBacking) postParse(numaCells int) error {
	if numaCells > 0 {
		return nil
	}
	for i := range m.HugePages {
		ns := m.HugePages[i].NodeSet
		if ns == nil {
			continue
		}
		if len(ns) == 1 && ns[0] == 0 {
			m.HugePages[i].NodeSet = nil
			continue
		}
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "hugepages: node %d not found", ns[0])
	}
	return nil
}

func (m *MemoryBacking) validate(numaCells int) error {
	if m.Source != "" {
		if err := checkEnum("source", "type", m.Source, "anonymous", "file", "memfd"); err != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown memoryBacking/source/type '%s'", m.Source)
		}
	}
	if m.Access != "" {
		if err := checkEnum("access", "mode", m.Access, "shared", "private"); err != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown memoryBacking/access/mode '%s'", m.Access)
		}
	}
	if m.Allocation != "" {
		if err := checkEnum("allocation", "mode", m.Allocation, "immediate", "ondemand"); err != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown memoryBacking/allocation/mode '%s'", m.Allocation)
		}
	}
	for i, p := range m.HugePages {
		for _, node := range p.NodeSet {
			if int(node) >= numaCells {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "hugepages: node %d not found", node)
			}
		}
		for j := 0; j < i; j++ {
			q := m.HugePages[j]
			switch {
			case p.NodeSet == nil && q.NodeSet == nil:
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "two master hugepages detected: %d and %d", p.Size, q.Size)
			case p.NodeSet != nil && q.NodeSet != nil && p.NodeSet.Overlaps(q.NodeSet):
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "nodeset attribute of hugepages of sizes %d and %d intersect", p.Size, q.Size)
			}
		}
	}
	return nil
}

func (m *MemoryBacking) format(b *xmlbuf.Buffer) {
	c := b.Child()
	if m.hugepages {
		if len(m.HugePages) == 1 && m.HugePages[0].Size == 0 && m.HugePages[0].NodeSet == nil {
			c.AddLit("<hugepages/>\n")
		} else {
			c.AddLit("<hugepages>\n")
			c.AdjustIndent(2)
			for _, p := range m.HugePages {
				c.Asprintf("<page size='%d' unit='KiB'", p.Size)
				if p.NodeSet != nil {
					c.Attr("nodeset", p.NodeSet.String())
				}
				c.AddLit("/>\n")
			}
			c.AdjustIndent(-2)
			c.AddLit("</hugepages>\n")
		}
	}
	if m.NoSharePages {
		c.AddLit("<nosharepages/>\n")
	}
	if m.Locked {
		c.AddLit("<locked/>\n")
	}
	if m.Source != "" {
		c.Asprintf("<source type='%s'/>\n", xmlbuf.Escape(m.Source))
	}
	if m.Access != "" {
		c.Asprintf("<access mode='%s'/>\n", xmlbuf.Escape(m.Access))
	}
	if m.Allocation != "" || m.Threads > 0 {
		c.AddLit("<allocation")
		c.AttrIf("mode", m.Allocation)
		if m.Threads > 0 {
			c.Attrf("threads", "%d", m.Threads)
		}
		c.AddLit("/>\n")
	}
	if m.Discard {
		c.AddLit("<discard/>\n")
	}
	b.FormatElement("memoryBacking", nil, c)
}
