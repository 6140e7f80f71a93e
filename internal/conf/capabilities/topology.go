package capabilities

import (
	"github.com/govirt/govirt/internal/conf/units"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Topology is the host's NUMA <topology>.
type Topology struct {
	Cells         []*Cell
	Interconnects []Interconnect
}

// Cell is one NUMA node.
type Cell struct {
	ID        int64
	Memory    uint64 // KiB; 0 when unknown
	Pages     []CellPages
	Distances []Distance
	Caches    []MemoryCache
	CPUs      []CellCPU
}

// CellPages counts the free pages of one size.
type CellPages struct {
	Size  uint64 // KiB
	Count uint64
}

// Distance is the distance to another cell.
type Distance struct {
	ID    int64
	Value int64
}

// MemoryCache is a memory-side cache of a cell (HMAT).
type MemoryCache struct {
	Level         uint64
	Associativity string
	Policy        string
	Size          uint64 // bytes
	Line          uint64 // bytes
}

// CellCPU is one CPU of a cell; the socket, die, core and siblings are
// known only when Siblings is set. Cluster is nil unless reported (libvirt
// 9.0 does not; later versions do).
type CellCPU struct {
	ID       int64
	Socket   int64
	Die      int64
	Cluster  *int64
	Core     int64
	Siblings string
}

// Interconnect is one HMAT latency or bandwidth entry.
type Interconnect struct {
	Kind      string // latency or bandwidth
	Initiator uint64
	Target    uint64
	Cache     uint64
	Type      string
	Value     uint64 // bandwidth in KiB
}

func parseTopology(n *xmltree.Node) (*Topology, error) {
	t := &Topology{}
	if cells := n.Child("cells"); cells != nil {
		for _, cn := range cells.ChildrenNamed("cell") {
			c, err := parseCell(cn)
			if err != nil {
				return nil, err
			}
			t.Cells = append(t.Cells, c)
		}
	}
	if ic := n.Child("interconnects"); ic != nil {
		for _, e := range ic.Children {
			i := Interconnect{Kind: e.Name, Type: e.Prop("type")}
			var err error
			if i.Initiator, err = parseUint("initiator", e.Prop("initiator")); err != nil {
				return nil, err
			}
			if i.Target, err = parseUint("target", e.Prop("target")); err != nil {
				return nil, err
			}
			if s, ok := e.Attr("cache"); ok {
				if i.Cache, err = parseUint("cache", s); err != nil {
					return nil, err
				}
			}
			if i.Value, err = parseUint("value", e.Prop("value")); err != nil {
				return nil, err
			}
			if e.Name == "bandwidth" {
				if u := e.Prop("unit"); u != "" && u != "KiB" {
					v, err := units.Scale(i.Value, u, 1024, 0)
					if err != nil {
						return nil, err
					}
					i.Value = v / 1024
				}
			}
			t.Interconnects = append(t.Interconnects, i)
		}
	}
	return t, nil
}

func parseCell(n *xmltree.Node) (*Cell, error) {
	c := &Cell{}
	var err error
	if c.ID, err = parseInt("cell id", n.Prop("id")); err != nil {
		return nil, err
	}
	for _, ch := range n.Children {
		switch ch.Name {
		case "memory":
			v, err := units.ParseScaled(ch.Text, ch.Prop("unit"), 1024, 0)
			if err != nil {
				return nil, err
			}
			c.Memory = v / 1024
		case "pages":
			size, err := parseUint("page size", ch.Prop("size"))
			if err != nil {
				return nil, err
			}
			if u := ch.Prop("unit"); u != "" && u != "KiB" {
				v, err := units.Scale(size, u, 1024, 0)
				if err != nil {
					return nil, err
				}
				size = v / 1024
			}
			count, err := parseUint("page count", ch.Text)
			if err != nil {
				return nil, err
			}
			c.Pages = append(c.Pages, CellPages{Size: size, Count: count})
		case "distances":
			for _, s := range ch.ChildrenNamed("sibling") {
				id, err := parseInt("sibling id", s.Prop("id"))
				if err != nil {
					return nil, err
				}
				v, err := parseInt("sibling value", s.Prop("value"))
				if err != nil {
					return nil, err
				}
				c.Distances = append(c.Distances, Distance{ID: id, Value: v})
			}
		case "cache":
			mc := MemoryCache{Associativity: ch.Prop("associativity"), Policy: ch.Prop("policy")}
			if mc.Level, err = parseUint("cache level", ch.Prop("level")); err != nil {
				return nil, err
			}
			if s := ch.Child("size"); s != nil {
				if mc.Size, err = scaled("cache size", s.Prop("value"), s.Prop("unit")); err != nil {
					return nil, err
				}
			}
			if l := ch.Child("line"); l != nil {
				if mc.Line, err = scaled("cache line", l.Prop("value"), l.Prop("unit")); err != nil {
					return nil, err
				}
			}
			c.Caches = append(c.Caches, mc)
		case "cpus":
			for _, cc := range ch.ChildrenNamed("cpu") {
				cpu := CellCPU{Siblings: cc.Prop("siblings")}
				if cpu.ID, err = parseInt("cpu id", cc.Prop("id")); err != nil {
					return nil, err
				}
				if cpu.Siblings != "" {
					if cpu.Socket, err = parseInt("socket_id", cc.Prop("socket_id")); err != nil {
						return nil, err
					}
					if v, ok := cc.Attr("die_id"); ok {
						if cpu.Die, err = parseInt("die_id", v); err != nil {
							return nil, err
						}
					}
					if v, ok := cc.Attr("cluster_id"); ok {
						cl, err := parseInt("cluster_id", v)
						if err != nil {
							return nil, err
						}
						cpu.Cluster = &cl
					}
					if cpu.Core, err = parseInt("core_id", cc.Prop("core_id")); err != nil {
						return nil, err
					}
				}
				c.CPUs = append(c.CPUs, cpu)
			}
		}
	}
	return c, nil
}

// format writes <topology> (virCapabilitiesHostNUMAFormat).
func (t *Topology) format(b *xmlbuf.Buffer) {
	b.AddLit("<topology>\n")
	b.AdjustIndent(2)
	b.Asprintf("<cells num='%d'>\n", len(t.Cells))
	b.AdjustIndent(2)
	for _, c := range t.Cells {
		c.format(b)
	}
	b.AdjustIndent(-2)
	b.AddLit("</cells>\n")
	if len(t.Interconnects) > 0 {
		b.AddLit("<interconnects>\n")
		b.AdjustIndent(2)
		for _, i := range t.Interconnects {
			b.Asprintf("<%s initiator='%d' target='%d'", i.Kind, i.Initiator, i.Target)
			if i.Cache > 0 {
				b.Asprintf(" cache='%d'", i.Cache)
			}
			b.Asprintf(" type='%s' value='%d'", xmlbuf.Escape(i.Type), i.Value)
			if i.Kind == "bandwidth" {
				b.AddLit(" unit='KiB'")
			}
			b.AddLit("/>\n")
		}
		b.AdjustIndent(-2)
		b.AddLit("</interconnects>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</topology>\n")
}

func (c *Cell) format(b *xmlbuf.Buffer) {
	b.Asprintf("<cell id='%d'>\n", c.ID)
	b.AdjustIndent(2)
	if c.Memory != 0 {
		b.Asprintf("<memory unit='KiB'>%d</memory>\n", c.Memory)
	}
	for _, p := range c.Pages {
		b.Asprintf("<pages unit='KiB' size='%d'>%d</pages>\n", p.Size, p.Count)
	}
	if len(c.Distances) > 0 {
		b.AddLit("<distances>\n")
		b.AdjustIndent(2)
		for _, d := range c.Distances {
			b.Asprintf("<sibling id='%d' value='%d'/>\n", d.ID, d.Value)
		}
		b.AdjustIndent(-2)
		b.AddLit("</distances>\n")
	}
	for _, mc := range c.Caches {
		b.Asprintf("<cache level='%d'", mc.Level)
		b.AttrIf("associativity", mc.Associativity)
		b.AttrIf("policy", mc.Policy)
		b.AddLit(">\n")
		b.AdjustIndent(2)
		v, u := prettySize(mc.Size)
		b.Asprintf("<size value='%d' unit='%s'/>\n", v, u)
		b.Asprintf("<line value='%d' unit='B'/>\n", mc.Line)
		b.AdjustIndent(-2)
		b.AddLit("</cache>\n")
	}
	attrs := b.Inherit()
	attrs.Attrf("num", "%d", len(c.CPUs))
	children := b.Child()
	for _, cpu := range c.CPUs {
		children.Asprintf("<cpu id='%d'", cpu.ID)
		if cpu.Siblings != "" {
			children.Asprintf(" socket_id='%d' die_id='%d'", cpu.Socket, cpu.Die)
			if cpu.Cluster != nil {
				children.Asprintf(" cluster_id='%d'", *cpu.Cluster)
			}
			children.Asprintf(" core_id='%d' siblings='%s'", cpu.Core, xmlbuf.Escape(cpu.Siblings))
		}
		children.AddLit("/>\n")
	}
	b.FormatElement("cpus", attrs, children)
	b.AdjustIndent(-2)
	b.AddLit("</cell>\n")
}
