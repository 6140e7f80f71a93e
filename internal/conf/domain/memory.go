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
// value is scaled by its unit (KiB by default) and rounded up to KiB. An
// empty element is 0.
func parseMemorySize(n *xmltree.Node) (uint64, error) {
	kib, _, err := parseMemoryValue(n.Text, n.Prop("unit"), "./"+n.Name+"[1]", false)
	return kib, err
}

// parseMemoryValue is virDomainParseMemory on a value already looked up:
// xpath names it in errors; a required value that is absent or empty is
// an error, as virParseScaledValue reports it.
func parseMemoryValue(text, unit, xpath string, required bool) (kib uint64, present bool, err error) {
	const max = math.MaxInt64 // virMemoryMaxValue
	bytes, present, err := parseScaledValue(text, unit, xpath, 1024, max)
	if err != nil {
		return 0, false, err
	}
	if !present {
		if required {
			return 0, false, xmlHelperError("missing element or attribute '%s'", xpath)
		}
		return 0, false, nil
	}
	kib = bytes/1024 + min(bytes%1024, 1)
	if kib >= max/1024+1 {
		return 0, false, virterr.NewFrom(virterr.FromDomain, virterr.Overflow, "size value too large")
	}
	return kib, true, nil
}

// parseScaledValue is virParseScaledValue for an element that is not
// required: text is the element's string value, xpath how libvirt names
// it. present is false for an empty value (libvirt's virXPathString gives
// NULL for it). A value that is not a plain decimal number is an XML
// error; a bad unit or an overflow is reported by virScaleInteger.
func parseScaledValue(text, unit, xpath string, scale, max uint64) (bytes uint64, present bool, err error) {
	if text == "" {
		return 0, false, nil
	}
	v, ok := parseULongLongPositive(text)
	if !ok {
		return 0, false, errInvalidScaledValue(text, xpath)
	}
	bytes, err = units.Scale(v, unit, scale, max)
	return bytes, true, err
}

// parseULongLongPositive is virStrToLong_ullp with base 10 and the whole
// string consumed: leading white space and a '+' are allowed, a '-' is not.
func parseULongLongPositive(s string) (uint64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	t = strings.TrimPrefix(t, "+")
	if t == "" || t[0] < '0' || t[0] > '9' {
		return 0, false
	}
	v, err := strconv.ParseUint(t, 10, 64)
	return v, err == nil
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
