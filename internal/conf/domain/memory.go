package domain

import (
	"math"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/units"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Memory is the guest's memory sizing: <maxMemory>, <memory>,
// <currentMemory>, all held in KiB as libvirt holds them.
type Memory struct {
	Total    uint64 // <memory>
	Current  uint64 // <currentMemory>; 0 until defaults fill it
	Max      uint64 // <maxMemory>, 0 when absent
	Slots    uint   // <maxMemory slots='…'>
	DumpCore string // <memory dumpCore='on|off'>
}

// parseMemorySize reads a size element as virDomainParseMemory does: the
// value is scaled by its unit (KiB by default) and rounded up to KiB.
func parseMemorySize(n *xmltree.Node) (uint64, error) {
	bytes, err := units.ParseScaled(n.Text, n.Prop("unit"), 1024, math.MaxInt64)
	if err != nil {
		if virterr.CodeOf(err) == virterr.Overflow {
			return 0, virterr.NewFrom(virterr.FromDomain, virterr.Overflow, "memory size must be less than or equal to %d", uint64(math.MaxInt64))
		}
		return 0, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "could not parse memory element ./%s[1]", n.Name)
	}
	return (bytes + 1023) / 1024, nil
}

func parseMemory(dom *xmltree.Node) (Memory, error) {
	var m Memory
	var err error
	if n := dom.Child("memory"); n != nil {
		if m.Total, err = parseMemorySize(n); err != nil {
			return m, err
		}
		m.DumpCore = n.Prop("dumpCore")
	}
	if n := dom.Child("currentMemory"); n != nil {
		if m.Current, err = parseMemorySize(n); err != nil {
			return m, err
		}
	}
	if n := dom.Child("maxMemory"); n != nil {
		if m.Max, err = parseMemorySize(n); err != nil {
			return m, err
		}
		if s, ok := n.Attr("slots"); ok {
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
			if err != nil {
				return m, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Failed to parse memory slot count")
			}
			m.Slots = uint(v)
		}
	}
	return m, nil
}

func (m *Memory) postParse() {
	if m.Current == 0 || m.Current > m.Total {
		m.Current = m.Total
	}
}

func (m *Memory) validate() error {
	if m.Max != 0 && m.Total > m.Max {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "maximum memory size must be equal or greater than the actual memory size")
	}
	return nil
}

// format writes one of the three memory elements.
func (m *Memory) format(b *xmlbuf.Buffer, name string) {
	switch name {
	case "maxMemory":
		if m.Max > 0 || m.Slots > 0 {
			b.Asprintf("<maxMemory slots='%d' unit='KiB'>%d</maxMemory>\n", m.Slots, m.Max)
		}
	case "memory":
		b.AddLit("<memory")
		b.AttrIf("dumpCore", m.DumpCore)
		b.Asprintf(" unit='KiB'>%d</memory>\n", m.Total)
	case "currentMemory":
		// Zero means not given and not yet defaulted (libvirt's
		// post-parse sets it to <memory>).
		if m.Current == 0 {
			return
		}
		b.Asprintf("<currentMemory unit='KiB'>%d</currentMemory>\n", m.Current)
	}
}

// memoryDevicesSize sums the target sizes of the <memory> devices (DIMMs,
// NVDIMMs …), in KiB, as virDomainDefPostParseMemory counts them.
func memoryDevicesSize(devices *xmltree.Node) uint64 {
	if devices == nil {
		return 0
	}
	var total uint64
	for _, m := range devices.ChildrenNamed("memory") {
		if size := m.Find("target/size"); size != nil {
			if v, err := parseMemorySize(size); err == nil {
				total += v
			}
		}
	}
	return total
}
