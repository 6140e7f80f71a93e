package capabilities

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Cache is the host's <cache>: its CPU cache banks with what resctrl can
// allocate in each, and the cache monitor.
type Cache struct {
	Banks   []CacheBank
	Monitor *Monitor
}

// CacheBank is one cache bank.
type CacheBank struct {
	ID       uint64
	Level    uint64
	Type     string
	Size     uint64 // bytes
	CPUs     string
	Controls []CacheControl
}

// CacheControl is what resctrl can allocate in a bank.
type CacheControl struct {
	Granularity uint64 // bytes
	Min         uint64 // bytes; 0 when not reported
	Type        string
	MaxAllocs   uint64
}

// Monitor is a resctrl monitor (<monitor>); Level is set for cache
// monitors only.
type Monitor struct {
	Level          *uint64
	ReuseThreshold uint64
	MaxMonitors    uint64
	Features       []string
}

// MemoryBandwidth is the host's <memory_bandwidth>.
type MemoryBandwidth struct {
	Nodes   []MemoryBandwidthNode
	Monitor *Monitor
}

// MemoryBandwidthNode is the bandwidth control of one node.
type MemoryBandwidthNode struct {
	ID          uint64
	CPUs        string
	Granularity uint64
	Min         uint64
	MaxAllocs   uint64
}

func parseMonitor(n *xmltree.Node) (*Monitor, error) {
	m := &Monitor{}
	var err error
	if m.Level, err = optUint(n, "level"); err != nil {
		return nil, err
	}
	if s, ok := n.Attr("reuseThreshold"); ok {
		if m.ReuseThreshold, err = parseUint("reuseThreshold", s); err != nil {
			return nil, err
		}
	}
	if m.MaxMonitors, err = parseUint("maxMonitors", n.Prop("maxMonitors")); err != nil {
		return nil, err
	}
	for _, f := range n.ChildrenNamed("feature") {
		m.Features = append(m.Features, f.Prop("name"))
	}
	return m, nil
}

// format writes a monitor (virCapabilitiesFormatResctrlMonitor): nothing
// without features.
func (m *Monitor) format(b *xmlbuf.Buffer) {
	if m == nil || len(m.Features) == 0 {
		return
	}
	b.AddLit("<monitor ")
	if m.Level != nil {
		b.Asprintf("level='%d' reuseThreshold='%d' ", *m.Level, m.ReuseThreshold)
	}
	b.Asprintf("maxMonitors='%d'>\n", m.MaxMonitors)
	b.AdjustIndent(2)
	for _, f := range m.Features {
		b.EscapeString("<feature name='%s'/>\n", f)
	}
	b.AdjustIndent(-2)
	b.AddLit("</monitor>\n")
}

func parseCache(n *xmltree.Node) (*Cache, error) {
	c := &Cache{}
	for _, ch := range n.Children {
		switch ch.Name {
		case "bank":
			bank := CacheBank{Type: ch.Prop("type"), CPUs: ch.Prop("cpus")}
			var err error
			if bank.ID, err = parseUint("bank id", ch.Prop("id")); err != nil {
				return nil, err
			}
			if bank.Level, err = parseUint("bank level", ch.Prop("level")); err != nil {
				return nil, err
			}
			if bank.Size, err = scaled("bank size", ch.Prop("size"), ch.Prop("unit")); err != nil {
				return nil, err
			}
			for _, cn := range ch.ChildrenNamed("control") {
				ctl := CacheControl{Type: cn.Prop("type")}
				if ctl.Granularity, err = scaled("control granularity", cn.Prop("granularity"), cn.Prop("unit")); err != nil {
					return nil, err
				}
				if s, ok := cn.Attr("min"); ok {
					if ctl.Min, err = scaled("control min", s, cn.Prop("unit")); err != nil {
						return nil, err
					}
				}
				if ctl.MaxAllocs, err = parseUint("maxAllocs", cn.Prop("maxAllocs")); err != nil {
					return nil, err
				}
				bank.Controls = append(bank.Controls, ctl)
			}
			c.Banks = append(c.Banks, bank)
		case "monitor":
			m, err := parseMonitor(ch)
			if err != nil {
				return nil, err
			}
			c.Monitor = m
		}
	}
	return c, nil
}

// format writes <cache> (virCapabilitiesFormatCaches).
func (c *Cache) format(b *xmlbuf.Buffer) {
	if len(c.Banks) == 0 && c.Monitor == nil {
		return
	}
	b.AddLit("<cache>\n")
	b.AdjustIndent(2)
	for _, bank := range c.Banks {
		attrs := b.Inherit()
		children := b.Child()
		size, unit := prettySize(bank.Size)
		attrs.Attrf("id", "%d", bank.ID)
		attrs.Attrf("level", "%d", bank.Level)
		attrs.Attr("type", bank.Type)
		attrs.Attrf("size", "%d", size)
		attrs.Attr("unit", unit)
		attrs.Attr("cpus", bank.CPUs)
		for _, ctl := range bank.Controls {
			gran, unit := prettySize(ctl.Granularity)
			min, minUnit := prettySize(ctl.Min)
			// Both values share one unit: the smaller of the two.
			if min != 0 {
				granDiv := ctl.Granularity / gran
				minDiv := ctl.Min / min
				if minDiv > granDiv {
					min *= minDiv / granDiv
				} else if minDiv < granDiv {
					unit = minUnit
					gran *= granDiv / minDiv
				}
			}
			children.Asprintf("<control granularity='%d'", gran)
			if min != 0 {
				children.Asprintf(" min='%d'", min)
			}
			children.Asprintf(" unit='%s' type='%s' maxAllocs='%d'/>\n", unit, xmlbuf.Escape(ctl.Type), ctl.MaxAllocs)
		}
		b.FormatElement("bank", attrs, children)
	}
	c.Monitor.format(b)
	b.AdjustIndent(-2)
	b.AddLit("</cache>\n")
}

func parseMemoryBandwidth(n *xmltree.Node) (*MemoryBandwidth, error) {
	mb := &MemoryBandwidth{}
	for _, ch := range n.Children {
		switch ch.Name {
		case "node":
			node := MemoryBandwidthNode{CPUs: ch.Prop("cpus")}
			var err error
			if node.ID, err = parseUint("node id", ch.Prop("id")); err != nil {
				return nil, err
			}
			if ctl := ch.Child("control"); ctl != nil {
				if node.Granularity, err = parseUint("granularity", ctl.Prop("granularity")); err != nil {
					return nil, err
				}
				if node.Min, err = parseUint("min", ctl.Prop("min")); err != nil {
					return nil, err
				}
				if node.MaxAllocs, err = parseUint("maxAllocs", ctl.Prop("maxAllocs")); err != nil {
					return nil, err
				}
			}
			mb.Nodes = append(mb.Nodes, node)
		case "monitor":
			m, err := parseMonitor(ch)
			if err != nil {
				return nil, err
			}
			mb.Monitor = m
		}
	}
	return mb, nil
}

// format writes <memory_bandwidth> (virCapabilitiesFormatMemoryBandwidth).
func (mb *MemoryBandwidth) format(b *xmlbuf.Buffer) {
	if len(mb.Nodes) == 0 && mb.Monitor == nil {
		return
	}
	b.AddLit("<memory_bandwidth>\n")
	b.AdjustIndent(2)
	for _, n := range mb.Nodes {
		b.Asprintf("<node id='%d' cpus='%s'>\n", n.ID, xmlbuf.Escape(n.CPUs))
		b.AdjustIndent(2)
		b.Asprintf("<control granularity='%d' min='%d' maxAllocs='%d'/>\n", n.Granularity, n.Min, n.MaxAllocs)
		b.AdjustIndent(-2)
		b.AddLit("</node>\n")
	}
	mb.Monitor.format(b)
	b.AdjustIndent(-2)
	b.AddLit("</memory_bandwidth>\n")
}
