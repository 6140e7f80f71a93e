package domain

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// CacheTune is <cputune><cachetune>: CAT cache allocations for a set of
// vcpus and the monitors watching them.
type CacheTune struct {
	VCPUs    CPUSet
	ID       string // resctrl group name; live configs only
	Caches   []CacheAlloc
	Monitors []Monitor
}

// CacheAlloc is one <cache>; Size is in bytes.
type CacheAlloc struct {
	ID, Level uint
	Type      string // both | code | data
	Size      uint64
}

// Monitor is one <monitor>; Level is 0 for memory bandwidth monitors.
type Monitor struct {
	Level    uint
	hasLevel bool
	VCPUs    CPUSet
}

// MemoryTune is <cputune><memorytune>: MBA bandwidth per NUMA node.
type MemoryTune struct {
	VCPUs    CPUSet
	ID       string
	Nodes    map[uint]uint // node id → bandwidth percentage
	Monitors []Monitor
}

func parseTuneHeader(n *xmltree.Node, flags ParseFlags) (CPUSet, string, error) {
	v, ok := n.Attr("vcpus")
	if !ok {
		return nil, "", virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Missing %s attribute 'vcpus'", n.Name)
	}
	set, err := ParseCPUSet(v)
	if err != nil {
		return nil, "", virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Invalid %s attribute 'vcpus' value '%s'", n.Name, v)
	}
	id := ""
	if flags&ParseInactive == 0 {
		id = n.Prop("id")
	}
	return set, id, nil
}

func parseMonitor(n *xmltree.Node, withLevel bool) (Monitor, error) {
	var m Monitor
	v, ok := n.Attr("vcpus")
	if !ok {
		return m, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Missing monitor attribute 'vcpus'")
	}
	set, err := ParseCPUSet(v)
	if err != nil {
		return m, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Invalid monitor attribute 'vcpus' value '%s'", v)
	}
	m.VCPUs = set
	if withLevel {
		l, ok := parseUintText(n.Prop("level"))
		if !ok {
			return m, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Invalid monitor cache level")
		}
		m.Level, m.hasLevel = l, true
	}
	return m, nil
}

func parseCacheTune(n *xmltree.Node, flags ParseFlags) (*CacheTune, error) {
	set, id, err := parseTuneHeader(n, flags)
	if err != nil {
		return nil, err
	}
	ct := &CacheTune{VCPUs: set, ID: id}
	for _, c := range n.Children {
		switch c.Name {
		case "cache":
			a, err := parseCacheAlloc(c)
			if err != nil {
				return nil, err
			}
			ct.Caches = append(ct.Caches, a)
		case "monitor":
			m, err := parseMonitor(c, true)
			if err != nil {
				return nil, err
			}
			ct.Monitors = append(ct.Monitors, m)
		}
	}
	return ct, nil
}

func parseCacheAlloc(c *xmltree.Node) (CacheAlloc, error) {
	var a CacheAlloc
	id, err := requiredPropUint(c, "id", 32, false)
	if err != nil {
		return a, err
	}
	level, err := requiredPropUint(c, "level", 32, false)
	if err != nil {
		return a, err
	}
	a.ID, a.Level = uint(id), uint(level)
	a.Type = c.Prop("type")
	if a.Type == "" {
		return a, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Missing cachetune attribute 'type'")
	}
	size, present, err := parseScaledValue(c.Prop("size"), c.Prop("unit"), "./@size", 1024, math.MaxUint64)
	if err != nil {
		return a, err
	}
	if !present {
		return a, xmlHelperError("missing element or attribute '%s'", "./@size")
	}
	a.Size = size
	return a, nil
}

func parseMemoryTune(n *xmltree.Node, flags ParseFlags) (*MemoryTune, error) {
	set, id, err := parseTuneHeader(n, flags)
	if err != nil {
		return nil, err
	}
	mt := &MemoryTune{VCPUs: set, ID: id, Nodes: map[uint]uint{}}
	for _, c := range n.Children {
		switch c.Name {
		case "node":
			v, err := requiredPropUint(c, "id", 32, false)
			if err != nil {
				return nil, err
			}
			nid := uint(v)
			v, err = requiredPropUint(c, "bandwidth", 32, false)
			if err != nil {
				return nil, err
			}
			bw := uint(v)
			if _, dup := mt.Nodes[nid]; dup {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Memory Bandwidth already defined for node %d", nid)
			}
			mt.Nodes[nid] = bw
		case "monitor":
			m, err := parseMonitor(c, false)
			if err != nil {
				return nil, err
			}
			mt.Monitors = append(mt.Monitors, m)
		}
	}
	return mt, nil
}

// validateResctrl runs the checks libvirt's virDomainResctrl* parsers do:
// cachetunes may not share vcpus, allocations may not collide, monitors
// must watch vcpus of their own group.
func validateResctrl(cts []*CacheTune, mts []*MemoryTune) error {
	for i, ct := range cts {
		for _, o := range cts[:i] {
			if o.VCPUs.Equal(ct.VCPUs) {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Identical vcpus in cachetunes found")
			}
			if o.VCPUs.Overlaps(ct.VCPUs) {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Overlapping vcpus in cachetunes")
			}
		}
		seen := map[[3]string]bool{}
		for _, a := range ct.Caches {
			key := [3]string{strconv.Itoa(int(a.Level)), strconv.Itoa(int(a.ID)), a.Type}
			if seen[key] {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Colliding cache allocations for cache level '%d' id '%d', type '%s'", a.Level, a.ID, a.Type)
			}
			seen[key] = true
		}
		if err := validateMonitors(ct.VCPUs, ct.Monitors); err != nil {
			return err
		}
	}
	for i, mt := range mts {
		for _, o := range mts[:i] {
			if o.VCPUs.Overlaps(mt.VCPUs) {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Overlapping vcpus in memorytunes")
			}
		}
		for _, ct := range cts {
			if !ct.VCPUs.Equal(mt.VCPUs) && ct.VCPUs.Overlaps(mt.VCPUs) {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Overlapping vcpus in memorytunes")
			}
		}
		if err := validateMonitors(mt.VCPUs, mt.Monitors); err != nil {
			return err
		}
	}
	return nil
}

func validateMonitors(group CPUSet, mons []Monitor) error {
	for i, m := range mons {
		if len(m.VCPUs) == 0 {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Invalid monitor attribute 'vcpus'")
		}
		for _, v := range m.VCPUs {
			if !group.Has(v) {
				return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "%s", "Monitor vcpus conflicts with allocation")
			}
		}
		for _, o := range mons[:i] {
			if o.VCPUs.Equal(m.VCPUs) {
				return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "%s", "Identical vcpus found in same type monitors")
			}
		}
	}
	return nil
}

// prettySize writes a byte count in the largest unit that divides it, as
// virFormatIntPretty does.
func prettySize(v uint64) (uint64, string) {
	names := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for i+1 < len(names) && v != 0 && v%1024 == 0 {
		v /= 1024
		i++
	}
	return v, names[i]
}

var cacheTypeRank = map[string]int{"both": 0, "code": 1, "data": 2}

func (ct *CacheTune) format(b *xmlbuf.Buffer, flags FormatFlags) {
	attrs := b.Inherit()
	attrs.Attr("vcpus", ct.VCPUs.String())
	if flags&FormatInactive == 0 && ct.ID != "" {
		attrs.Attr("id", ct.ID)
	}
	caches := append([]CacheAlloc(nil), ct.Caches...)
	sort.SliceStable(caches, func(i, j int) bool {
		a, c := caches[i], caches[j]
		if a.Level != c.Level {
			return a.Level < c.Level
		}
		if cacheTypeRank[a.Type] != cacheTypeRank[c.Type] {
			return cacheTypeRank[a.Type] < cacheTypeRank[c.Type]
		}
		return a.ID < c.ID
	})
	child := b.Child()
	for _, a := range caches {
		size, unit := prettySize(a.Size)
		child.Asprintf("<cache id='%d' level='%d' type='%s' size='%d' unit='%s'/>\n", a.ID, a.Level, xmlbuf.Escape(a.Type), size, unit)
	}
	for _, m := range ct.Monitors {
		child.Asprintf("<monitor level='%d' vcpus='%s'/>\n", m.Level, m.VCPUs)
	}
	if child.Len() == 0 {
		return
	}
	b.FormatElement("cachetune", attrs, child)
}

func (mt *MemoryTune) format(b *xmlbuf.Buffer, flags FormatFlags) {
	attrs := b.Inherit()
	attrs.Attr("vcpus", mt.VCPUs.String())
	if flags&FormatInactive == 0 && mt.ID != "" {
		attrs.Attr("id", mt.ID)
	}
	child := b.Child()
	for _, id := range sortedIDs(mt.Nodes) {
		child.Asprintf("<node id='%d' bandwidth='%d'/>\n", id, mt.Nodes[id])
	}
	for _, m := range mt.Monitors {
		child.Asprintf("<monitor vcpus='%s'/>\n", m.VCPUs)
	}
	if child.Len() == 0 {
		return
	}
	b.FormatElement("memorytune", attrs, child)
}

var _ = strings.TrimSpace
