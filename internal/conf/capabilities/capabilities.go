// Package capabilities is libvirt's host capabilities XML (<capabilities>,
// src/conf/capabilities.c): what a hypervisor connection reports about the
// host (CPU, power management, NUMA topology, caches, memory bandwidth,
// security models) and the guests it can run. libvirt only writes this
// document; Parse reads it back (for clients, and for the test driver's
// node files), and Format reproduces libvirt's output byte for byte.
package capabilities

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Caps is one capabilities document.
type Caps struct {
	Host   *Host // nil when libvirt had nothing to say about the host
	Guests []*Guest
	// PoolTypes are the storage pool types of <pool><enum name='type'>.
	PoolTypes []string
}

func errf(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromCapabilities, code, format, args...)
}

// Parse reads a <capabilities> document.
func Parse(data []byte) (*Caps, error) {
	root, err := xmltree.ParseRootFrom(data, "(capabilities)", "capabilities", virterr.FromCapabilities)
	if err != nil {
		return nil, err
	}
	return ParseNode(root)
}

// ParseNode reads a <capabilities> element.
func ParseNode(n *xmltree.Node) (*Caps, error) {
	c := &Caps{}
	for _, ch := range n.Children {
		switch ch.Name {
		case "host":
			h, err := parseHost(ch)
			if err != nil {
				return nil, err
			}
			c.Host = h
		case "guest":
			g, err := parseGuest(ch)
			if err != nil {
				return nil, err
			}
			c.Guests = append(c.Guests, g)
		case "pool":
			for _, e := range ch.ChildrenNamed("enum") {
				if e.Prop("name") != "type" {
					continue
				}
				for _, v := range e.ChildrenNamed("value") {
					c.PoolTypes = append(c.PoolTypes, v.Text)
				}
			}
		}
	}
	return c, nil
}

// Format writes the document as libvirt does (virCapabilitiesFormatXML).
func (c *Caps) Format() string {
	b := xmlbuf.New()
	b.AddLit("<capabilities>\n\n")
	b.AdjustIndent(2)
	if c.Host != nil {
		c.Host.format(b)
	}
	for _, g := range c.Guests {
		g.format(b)
	}
	if len(c.PoolTypes) > 0 {
		b.AddLit("<pool>\n")
		b.AdjustIndent(2)
		b.AddLit("<enum name='type'>\n")
		b.AdjustIndent(2)
		for _, t := range c.PoolTypes {
			b.EscapeString("<value>%s</value>\n", t)
		}
		b.AdjustIndent(-2)
		b.AddLit("</enum>\n")
		b.AdjustIndent(-2)
		b.AddLit("</pool>\n\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</capabilities>\n")
	return b.String()
}

// parseUint reads a decimal attribute or element value; what libvirt
// wrote as a number must read back as one.
func parseUint(what, s string) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, errf(virterr.XMLError, "invalid %s '%s'", what, s)
	}
	return v, nil
}

func parseInt(what, s string) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, errf(virterr.XMLError, "invalid %s '%s'", what, s)
	}
	return v, nil
}

// optUint reads an optional numeric attribute.
func optUint(n *xmltree.Node, attr string) (*uint64, error) {
	s, ok := n.Attr(attr)
	if !ok {
		return nil, nil
	}
	v, err := parseUint(n.Name+" "+attr, s)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// sizeUnits are the units virFormatIntPretty picks from, smallest first.
var sizeUnits = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// unitScale turns a unit libvirt wrote back into bytes per unit.
func unitScale(unit string) (uint64, bool) {
	for i, u := range sizeUnits {
		if u == unit {
			s := uint64(1)
			for j := 0; j < i; j++ {
				s *= 1024
			}
			return s, true
		}
	}
	return 0, false
}

// prettySize splits bytes into the largest unit dividing it exactly
// (virFormatIntPretty).
func prettySize(v uint64) (uint64, string) {
	i := 0
	for v != 0 && v%1024 == 0 && i < len(sizeUnits)-1 {
		v /= 1024
		i++
	}
	return v, sizeUnits[i]
}

// scaled reads value+unit into bytes.
func scaled(what, value, unit string) (uint64, error) {
	v, err := parseUint(what, value)
	if err != nil {
		return 0, err
	}
	s, ok := unitScale(unit)
	if !ok {
		return 0, errf(virterr.XMLError, "unknown unit '%s' for %s", unit, what)
	}
	return v * s, nil
}
