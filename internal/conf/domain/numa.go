package domain

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// NUMA is the guest NUMA topology, <cpu><numa>.
type NUMA struct {
	// Cells are indexed by cell id.
	Cells        []*NUMACell
	Interconnect []NUMAInterconnect

	// cellsErr is why the cells could not be laid out by id; libvirt's
	// parser rejects such a topology, we keep it as written (raw) and
	// let Validate reject it, so a document once accepted still loads.
	cellsErr error
	raw      *xmltree.Node
}

// NUMACell is one <cell>.
type NUMACell struct {
	CPUs      CPUSet // nil when cpus is absent
	Memory    uint64 // KiB
	MemAccess string // shared | private
	Discard   string // yes | no
	// Distances are indexed by sibling cell id; 0 means unset.
	Distances []uint
	Caches    []NUMACache
}

// NUMACache is a memory-side cache of a cell.
type NUMACache struct {
	Level         uint
	Associativity string // none | direct | full
	Policy        string // none | writeback | writethrough
	// Size and Line are kept as given: libvirt ignores their units and
	// prints them as KiB and bytes.
	Size, Line uint64
}

// NUMAInterconnect is one <latency> or <bandwidth> under <interconnects>.
type NUMAInterconnect struct {
	Kind      string // latency | bandwidth
	Initiator uint
	Target    uint
	Cache     uint // 0 when absent
	Type      string
	Value     uint64 // bandwidth in KiB/s
}

const (
	numaLocalDistance       = 10
	numaUnreachableDistance = 255
)

func numaError(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, format, args...)
}

func parseNUMA(n *xmltree.Node) (*NUMA, error) {
	cells := n.ChildrenNamed("cell")
	nu := &NUMA{Cells: make([]*NUMACell, len(cells))}
	for i, c := range cells {
		id := uint(i)
		if v, ok := c.Attr("id"); ok {
			u, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			if err != nil {
				return nil, errInvalidNumberProp("cell", "id", v, expectNonNegativeInt)
			}
			id = uint(u)
		}
		if id >= uint(len(cells)) {
			return &NUMA{raw: n, cellsErr: numaError("%s", "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed")}, nil
		}
		if nu.Cells[id] != nil {
			return &NUMA{raw: n, cellsErr: numaError("Duplicate NUMA cell info for cell id '%d'", id)}, nil
		}
		cell := &NUMACell{}
		nu.Cells[id] = cell
		if v, ok := c.Attr("cpus"); ok {
			set, err := ParseCPUSet(v)
			if err != nil {
				return nil, err
			}
			if len(set) > 0 {
				cell.CPUs = set
			}
		}
		kib, _, err := parseMemoryValue(c.Prop("memory"), c.Prop("unit"), "./@memory", true)
		if err != nil {
			return nil, err
		}
		cell.Memory = kib
		cell.MemAccess = c.Prop("memAccess")
		cell.Discard = c.Prop("discard")
		for _, k := range c.ChildrenNamed("cache") {
			cache, err := parseNUMACache(k, id)
			if err != nil {
				return nil, err
			}
			cell.Caches = append(cell.Caches, cache)
		}
	}
	// Distances come after every cell exists: a sibling's row is filled in
	// symmetrically when it has none of its own.
	for i, c := range cells {
		id := uint(i)
		if v, ok := c.Attr("id"); ok {
			u, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			id = uint(u)
		}
		if err := nu.parseDistances(c, id); err != nil {
			return nil, err
		}
	}
	if ic := n.Child("interconnects"); ic != nil {
		for _, e := range ic.Children {
			if e.Name != "latency" && e.Name != "bandwidth" {
				continue
			}
			x, err := parseInterconnect(e)
			if err != nil {
				return nil, err
			}
			nu.Interconnect = append(nu.Interconnect, x)
		}
	}
	return nu, nil
}

func (nu *NUMA) parseDistances(c *xmltree.Node, cur uint) error {
	d := c.Child("distances")
	if d == nil {
		return nil
	}
	sibs := d.ChildrenNamed("sibling")
	if len(sibs) == 0 {
		return numaError("NUMA distances defined without siblings")
	}
	n := len(nu.Cells)
	for _, s := range sibs {
		idText, ok := s.Attr("id")
		if !ok {
			return numaError("Missing 'id' attribute in NUMA distances under 'cell id %d'", cur)
		}
		sid, err := strconv.ParseUint(strings.TrimSpace(idText), 10, 32)
		if err != nil || sid >= uint64(n) {
			return numaError("'sibling_id %s' does not refer to a valid cell within NUMA 'cell id %d'", idText, cur)
		}
		valText, ok := s.Attr("value")
		if !ok {
			return numaError("Missing 'value' attribute in NUMA distances under 'cell id %d'", cur)
		}
		val, err := strconv.ParseUint(strings.TrimSpace(valText), 10, 32)
		if err != nil || val < numaLocalDistance || val > numaUnreachableDistance {
			return numaError("'value %s' is invalid for 'sibling id %d' under NUMA 'cell id %d'", valText, sid, cur)
		}
		if uint(sid) == cur && val != numaLocalDistance {
			return numaError("Invalid value for local 'cell id %d'", cur)
		}
		if uint(sid) != cur && val == numaLocalDistance {
			return numaError("'value %d' is invalid for 'sibling id %d' under NUMA 'cell id %d'", val, sid, cur)
		}
		local := nu.Cells[cur]
		if local.Distances == nil {
			local.Distances = make([]uint, n)
			local.Distances[cur] = numaLocalDistance
		}
		local.Distances[sid] = uint(val)
		remote := nu.Cells[sid]
		if remote.Distances == nil {
			remote.Distances = make([]uint, n)
			remote.Distances[sid] = numaLocalDistance
		}
		if remote.Distances[cur] == 0 {
			remote.Distances[cur] = uint(val)
		}
	}
	return nil
}

func parseNUMACache(k *xmltree.Node, cell uint) (NUMACache, error) {
	var c NUMACache
	lv, ok := k.Attr("level")
	if !ok {
		return c, numaError("Missing 'level' attribute in cache element for NUMA node %d", cell)
	}
	l, ok := parseULongLongPositive(lv)
	if !ok || l == 0 || l > math.MaxUint32 {
		return c, numaError("Invalid 'level' attribute in cache element for NUMA node %d", cell)
	}
	c.Level = uint(l)
	// libvirt requires both but omits the value "none" when writing, so
	// its own output would not read back; absent means "none" here.
	c.Associativity, c.Policy = k.Prop("associativity"), k.Prop("policy")
	if c.Associativity == "" {
		c.Associativity = "none"
	}
	if c.Policy == "" {
		c.Policy = "none"
	}
	for _, part := range []struct {
		name string
		dst  *uint64
	}{{"size", &c.Size}, {"line", &c.Line}} {
		// libvirt looks the unit up at "./size/unit", which never
		// matches: the value is taken unscaled.
		var v string
		if e := k.Child(part.name); e != nil {
			v = e.Prop("value")
		}
		xpath := "./" + part.name + "/@value"
		u, present, err := parseScaledValue(v, "", xpath, 1, math.MaxUint64)
		if err != nil {
			return c, err
		}
		if !present {
			return c, xmlHelperError("missing element or attribute '%s'", xpath)
		}
		*part.dst = u
	}
	return c, nil
}

func parseInterconnect(e *xmltree.Node) (NUMAInterconnect, error) {
	x := NUMAInterconnect{Kind: e.Name}
	var err error
	if x.Initiator, err = parseUintAttr(e, "initiator", true, 0); err != nil {
		return x, err
	}
	if x.Target, err = parseUintAttr(e, "target", true, 0); err != nil {
		return x, err
	}
	if x.Cache, err = parseUintAttr(e, "cache", false, 0); err != nil {
		return x, err
	}
	if x.Type, err = requiredProp(e, "type"); err != nil {
		return x, err
	}
	if e.Name == "bandwidth" {
		if x.Value, _, err = parseMemoryValue(e.Prop("value"), e.Prop("unit"), "./@value", true); err != nil {
			return x, err
		}
	} else {
		v, err := requiredProp(e, "value")
		if err != nil {
			return x, err
		}
		u, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return x, errInvalidNumberProp(e.Name, "value", v, expectNonNegativeInt)
		}
		x.Value = u
	}
	return x, nil
}

// TotalMemory is the memory of all cells, in KiB.
func (nu *NUMA) TotalMemory() uint64 {
	if nu == nil {
		return 0
	}
	var t uint64
	for _, c := range nu.Cells {
		t += c.Memory
	}
	return t
}

func (nu *NUMA) validate() error {
	if nu.cellsErr != nil {
		return nu.cellsErr
	}
	for _, c := range nu.Cells {
		if err := checkEnum("cell", "memAccess", c.MemAccess, "shared", "private"); err != nil {
			return err
		}
		if err := checkEnum("cell", "discard", c.Discard, "yes", "no"); err != nil {
			return err
		}
		for _, k := range c.Caches {
			if !slices.Contains([]string{"none", "direct", "full"}, k.Associativity) {
				return numaError("Invalid cache associativity '%s'", k.Associativity)
			}
			if !slices.Contains([]string{"none", "writeback", "writethrough"}, k.Policy) {
				return numaError("Invalid cache policy '%s'", k.Policy)
			}
		}
	}
	for i, x := range nu.Interconnect {
		if err := checkEnum(x.Kind, "type", x.Type, "access", "read", "write"); err != nil {
			return err
		}
		if x.Initiator >= uint(len(nu.Cells)) {
			return numaError("'initiator' refers to a non-existent NUMA node")
		}
		if x.Target >= uint(len(nu.Cells)) {
			return numaError("'target' refers to a non-existent NUMA node")
		}
		if nu.Cells[x.Initiator].CPUs == nil {
			return numaError("NUMA nodes without CPUs can't be initiator. NUMA node %d has no CPUs", x.Initiator)
		}
		if x.Cache > 0 {
			found := false
			for _, k := range nu.Cells[x.Target].Caches {
				found = found || k.Level == x.Cache
			}
			if !found {
				return numaError("'cache' refers to a non-existent NUMA node cache")
			}
		}
		for _, y := range nu.Interconnect[:i] {
			if x.Kind == y.Kind && x.Initiator == y.Initiator && x.Target == y.Target && x.Cache == y.Cache && x.Type == y.Type {
				return numaError("Duplicate info for NUMA latencies")
			}
			if x.Initiator != x.Target && x.Initiator == y.Target && x.Target == y.Initiator {
				return numaError("Link already defined")
			}
		}
	}
	return nil
}

func (nu *NUMA) format(b *xmlbuf.Buffer) {
	if nu.raw != nil {
		b.FormatNode(nu.raw)
		return
	}
	if len(nu.Cells) == 0 {
		return
	}
	b.AddLit("<numa>\n")
	b.AdjustIndent(2)
	for i, c := range nu.Cells {
		if c == nil {
			continue
		}
		attrs := xmlbuf.New()
		attrs.Attrf("id", "%d", i)
		if c.CPUs != nil {
			attrs.Attr("cpus", c.CPUs.String())
		}
		attrs.Attrf("memory", "%d", c.Memory)
		attrs.Attr("unit", "KiB")
		attrs.AttrIf("memAccess", c.MemAccess)
		attrs.AttrIf("discard", c.Discard)
		ch := b.Child()
		if c.Distances != nil {
			ch.AddLit("<distances>\n")
			ch.AdjustIndent(2)
			for j, v := range c.Distances {
				if v != 0 {
					ch.Asprintf("<sibling id='%d' value='%d'/>\n", j, v)
				}
			}
			ch.AdjustIndent(-2)
			ch.AddLit("</distances>\n")
		}
		for _, k := range c.Caches {
			ch.Asprintf("<cache level='%d'", k.Level)
			if k.Associativity != "none" {
				ch.Attr("associativity", k.Associativity)
			}
			if k.Policy != "none" {
				ch.Attr("policy", k.Policy)
			}
			ch.AddLit(">\n")
			ch.AdjustIndent(2)
			ch.Asprintf("<size value='%d' unit='KiB'/>\n", k.Size)
			ch.Asprintf("<line value='%d' unit='B'/>\n", k.Line)
			ch.AdjustIndent(-2)
			ch.AddLit("</cache>\n")
		}
		b.FormatElementAlways("cell", attrs, ch)
	}
	if len(nu.Interconnect) > 0 {
		b.AddLit("<interconnects>\n")
		b.AdjustIndent(2)
		for _, x := range nu.Interconnect {
			b.Asprintf("<%s initiator='%d' target='%d'", x.Kind, x.Initiator, x.Target)
			if x.Cache > 0 {
				b.Attrf("cache", "%d", x.Cache)
			}
			b.Asprintf(" type='%s' value='%d'", xmlbuf.Escape(x.Type), x.Value)
			if x.Kind == "bandwidth" {
				b.AddLit(" unit='KiB'")
			}
			b.AddLit("/>\n")
		}
		b.AdjustIndent(-2)
		b.AddLit("</interconnects>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</numa>\n")
}
