package domain

import (
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// CPUTune is <cputune>: CFS shares and bandwidth, pinning, real-time
// schedulers and resctrl allocations.
type CPUTune struct {
	// Scalars holds shares, period, quota … by element name; nil entries
	// are absent.
	Scalars map[string]int64

	VCPUPins     map[uint]CPUSet // vcpu id → cpuset
	EmulatorPin  CPUSet
	IOThreadPins map[uint]CPUSet // iothread id → cpuset

	EmulatorSched *Sched
	VCPUSched     map[uint]Sched // vcpu id → scheduler
	IOThreadSched map[uint]Sched // iothread id → scheduler

	CacheTunes  []*CacheTune
	MemoryTunes []*MemoryTune
}

// Sched is one real-time scheduler setting.
type Sched struct {
	Scheduler string
	Priority  *int
}

// cputuneScalars are the numeric children, in libvirt's output order;
// shares is unsigned, the rest are periods (unsigned) and quotas (signed).
var cputuneScalars = []string{
	"shares", "period", "quota", "global_period", "global_quota",
	"emulator_period", "emulator_quota", "iothread_period", "iothread_quota",
}

func parseCPUTune(n *xmltree.Node, flags ParseFlags) (*CPUTune, error) {
	t := &CPUTune{
		Scalars:       map[string]int64{},
		VCPUPins:      map[uint]CPUSet{},
		IOThreadPins:  map[uint]CPUSet{},
		VCPUSched:     map[uint]Sched{},
		IOThreadSched: map[uint]Sched{},
	}
	for _, name := range cputuneScalars {
		c := n.Child(name)
		if c == nil {
			continue
		}
		var v int64
		var err error
		if strings.HasSuffix(name, "quota") {
			v, err = strconv.ParseInt(strings.TrimSpace(c.Text), 10, 64)
		} else {
			var u uint64
			u, err = strconv.ParseUint(strings.TrimSpace(c.Text), 10, 64)
			v = int64(u)
		}
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "can't parse cputune %s value", strings.ReplaceAll(name, "_", " "))
		}
		// libvirt treats a zero period or quota as unset, but keeps
		// shares='0' since it was specified.
		if v == 0 && name != "shares" {
			continue
		}
		t.Scalars[name] = v
	}
	for _, c := range n.Children {
		var err error
		switch c.Name {
		case "vcpupin":
			err = parsePin(c, "vcpu", t.VCPUPins)
		case "iothreadpin":
			err = parsePin(c, "iothread", t.IOThreadPins)
		case "emulatorpin":
			if t.EmulatorPin != nil {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "%s", "only one emulatorpin is supported")
			}
			cs, ok := c.Attr("cpuset")
			if !ok {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "%s", "missing cpuset for emulatorpin")
			}
			if t.EmulatorPin, err = parseNonEmptySet(cs, "cpuset"); err != nil {
				return nil, err
			}
		case "emulatorsched":
			s, err := parseSched(c)
			if err != nil {
				return nil, err
			}
			t.EmulatorSched = &s
		case "vcpusched":
			err = parseSchedGroup(c, "vcpus", t.VCPUSched)
		case "iothreadsched":
			err = parseSchedGroup(c, "iothreads", t.IOThreadSched)
		case "cachetune":
			var ct *CacheTune
			// a tune over no vcpus is dropped, as libvirt does
			if ct, err = parseCacheTune(c, flags); err == nil && len(ct.VCPUs) > 0 {
				t.CacheTunes = append(t.CacheTunes, ct)
			}
		case "memorytune":
			var mt *MemoryTune
			if mt, err = parseMemoryTune(c, flags); err == nil && len(mt.VCPUs) > 0 {
				t.MemoryTunes = append(t.MemoryTunes, mt)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (t *CPUTune) hasPins() bool {
	return t != nil && (len(t.VCPUPins) > 0 || t.EmulatorPin != nil || len(t.IOThreadPins) > 0)
}

func parsePin(c *xmltree.Node, idAttr string, into map[uint]CPUSet) error {
	id, ok := parseUintText(c.Prop(idAttr))
	if !ok {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "missing %s id in %spin", idAttr, idAttr)
	}
	cs, ok := c.Attr("cpuset")
	if !ok {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "missing cpuset for %s pin", idAttr)
	}
	set, err := parseNonEmptySet(cs, "cpuset")
	if err != nil {
		return err
	}
	if _, dup := into[id]; dup {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "duplicate %spin for same %s", idAttr, idAttr)
	}
	into[id] = set
	return nil
}

func parseSched(c *xmltree.Node) (Sched, error) {
	s := Sched{Scheduler: c.Prop("scheduler")}
	if s.Scheduler == "" {
		return s, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Missing scheduler attribute")
	}
	if p, ok := c.Attr("priority"); ok {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return s, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Invalid value for element priority")
		}
		s.Priority = &v
	}
	return s, nil
}

func parseSchedGroup(c *xmltree.Node, idsAttr string, into map[uint]Sched) error {
	set, err := ParseCPUSet(c.Prop(idsAttr))
	if err != nil {
		return err
	}
	if len(set) == 0 {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "'%s' scheduler bitmap '%s' is empty", idsAttr, c.Prop(idsAttr))
	}
	s, err := parseSched(c)
	if err != nil {
		return err
	}
	for _, id := range set {
		into[id] = s
	}
	return nil
}

func (t *CPUTune) postParse(maxVCPUs uint) {
	var keep []*CacheTune
	for _, ct := range t.CacheTunes {
		ct.VCPUs = ct.VCPUs.Below(maxVCPUs)
		if len(ct.VCPUs) > 0 {
			keep = append(keep, ct)
		}
	}
	t.CacheTunes = keep
	var keepM []*MemoryTune
	for _, mt := range t.MemoryTunes {
		mt.VCPUs = mt.VCPUs.Below(maxVCPUs)
		if len(mt.VCPUs) > 0 {
			keepM = append(keepM, mt)
		}
	}
	t.MemoryTunes = keepM
}

func (t *CPUTune) validate(maxVCPUs uint) error {
	return validateResctrl(t.CacheTunes, t.MemoryTunes)
}

func sortedIDs[V any](m map[uint]V) []uint {
	ids := make([]uint, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (t *CPUTune) format(b *xmlbuf.Buffer, flags FormatFlags) {
	c := b.Child()
	for _, name := range cputuneScalars {
		if v, ok := t.Scalars[name]; ok {
			c.Asprintf("<%s>%d</%s>\n", name, v, name)
		}
	}
	for _, id := range sortedIDs(t.VCPUPins) {
		c.Asprintf("<vcpupin vcpu='%d' cpuset='%s'/>\n", id, t.VCPUPins[id])
	}
	if t.EmulatorPin != nil {
		c.Asprintf("<emulatorpin cpuset='%s'/>\n", t.EmulatorPin)
	}
	for _, id := range sortedIDs(t.IOThreadPins) {
		c.Asprintf("<iothreadpin iothread='%d' cpuset='%s'/>\n", id, t.IOThreadPins[id])
	}
	if t.EmulatorSched != nil {
		c.AddLit("<emulatorsched")
		t.EmulatorSched.formatAttrs(c)
		c.AddLit("/>\n")
	}
	for _, id := range sortedIDs(t.VCPUSched) {
		s := t.VCPUSched[id]
		c.Asprintf("<vcpusched vcpus='%d'", id)
		s.formatAttrs(c)
		c.AddLit("/>\n")
	}
	for _, id := range sortedIDs(t.IOThreadSched) {
		s := t.IOThreadSched[id]
		c.Asprintf("<iothreadsched iothreads='%d'", id)
		s.formatAttrs(c)
		c.AddLit("/>\n")
	}
	for _, ct := range t.CacheTunes {
		ct.format(c, flags)
	}
	for _, mt := range t.MemoryTunes {
		mt.format(c, flags)
	}
	b.FormatElement("cputune", nil, c)
}

func (s Sched) formatAttrs(b *xmlbuf.Buffer) {
	b.Attr("scheduler", s.Scheduler)
	if s.Priority != nil && (s.Scheduler == "fifo" || s.Scheduler == "rr") {
		b.Attrf("priority", "%d", *s.Priority)
	}
}
