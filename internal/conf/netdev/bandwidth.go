package netdev

import (
	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Rate is one direction of a <bandwidth>: kilobytes per second for
// average, peak and floor, kilobytes for burst. Zero means unset, as in
// libvirt, which never writes a zero rate.
type Rate struct {
	Average uint64
	Peak    uint64
	Burst   uint64
	Floor   uint64
}

// Bandwidth is <bandwidth>: traffic shaping for guest-bound (In) and
// guest-sent (Out) traffic.
type Bandwidth struct {
	In  *Rate
	Out *Rate
}

// BandwidthOptions says what the context of a <bandwidth> allows.
type BandwidthOptions struct {
	// AllowFloor permits inbound floor (interfaces of type network and
	// networks whose forward mode can guarantee a floor).
	AllowFloor bool
	// ClassID receives the classID attribute, which only a network's
	// status XML carries; nil rejects the attribute.
	ClassID *uint
}

// ParseBandwidth reads a <bandwidth> element (virNetDevBandwidthParse). It
// returns nil without error when the element has neither <inbound> nor
// <outbound>, as libvirt drops such an element.
func ParseBandwidth(n *xmltree.Node, opts BandwidthOptions) (*Bandwidth, error) {
	if n == nil || n.Name != "bandwidth" {
		return nil, virterr.New(virterr.InvalidArg, "invalid argument supplied")
	}
	if v, ok := n.Attr("classID"); ok {
		if opts.ClassID == nil {
			return nil, virterr.New(virterr.XMLDetail, "classID attribute not supported on <bandwidth> in this usage context")
		}
		id, ok := cnum.Unsigned(v, 10, 32, false)
		if !ok {
			return nil, virterr.New(virterr.InternalError, "Unable to parse class id '%s'", v)
		}
		*opts.ClassID = uint(id)
	}
	var in, out *xmltree.Node
	for _, c := range n.Children {
		switch c.Name {
		case "inbound":
			if in != nil {
				return nil, virterr.New(virterr.XMLDetail, "Only one child <inbound> element allowed")
			}
			in = c
		case "outbound":
			if out != nil {
				return nil, virterr.New(virterr.XMLDetail, "Only one child <outbound> element allowed")
			}
			out = c
		}
	}
	def := &Bandwidth{}
	if in != nil {
		r, err := parseRate(in)
		if err != nil {
			return nil, err
		}
		if r.Floor != 0 && !opts.AllowFloor {
			return nil, virterr.New(virterr.ConfigUnsupported, "floor attribute is not supported for this config")
		}
		def.In = r
	}
	if out != nil {
		r, err := parseRate(out)
		if err != nil {
			return nil, err
		}
		if r.Floor != 0 {
			return nil, virterr.New(virterr.ConfigUnsupported, "'floor' attribute allowed only in <inbound> element")
		}
		def.Out = r
	}
	if def.In == nil && def.Out == nil {
		return nil, nil
	}
	return def, nil
}

func parseRate(n *xmltree.Node) (*Rate, error) {
	r := &Rate{}
	average, hasAverage := n.Attr("average")
	peak, hasPeak := n.Attr("peak")
	burst, hasBurst := n.Attr("burst")
	floor, hasFloor := n.Attr("floor")
	if hasAverage {
		v, ok := cnum.Unsigned(average, 10, 64, true)
		if !ok {
			return nil, virterr.New(virterr.ConfigUnsupported, "could not convert bandwidth average value '%s'", average)
		}
		r.Average = v
	} else if !hasFloor {
		return nil, virterr.New(virterr.XMLDetail, "Missing mandatory average or floor attributes")
	}
	if (hasPeak || hasBurst) && !hasAverage {
		return nil, virterr.New(virterr.ConfigUnsupported, "'peak' and 'burst' require 'average' attribute")
	}
	for _, f := range []struct {
		name, text string
		has        bool
		dst        *uint64
	}{{"peak", peak, hasPeak, &r.Peak}, {"burst", burst, hasBurst, &r.Burst}, {"floor", floor, hasFloor, &r.Floor}} {
		if !f.has {
			continue
		}
		v, ok := cnum.Unsigned(f.text, 10, 64, true)
		if !ok {
			return nil, virterr.New(virterr.ConfigUnsupported, "could not convert bandwidth %s value '%s'", f.name, f.text)
		}
		*f.dst = v
	}
	return r, nil
}

// HasFloor reports whether an inbound floor is set.
func (b *Bandwidth) HasFloor() bool { return b != nil && b.In != nil && b.In.Floor != 0 }

// Format writes the element (virNetDevBandwidthFormat); classID 0 omits
// the attribute. A nil Bandwidth writes nothing.
func (b *Bandwidth) Format(buf *xmlbuf.Buffer, classID uint) {
	if b == nil {
		return
	}
	buf.AddLit("<bandwidth")
	if classID != 0 {
		buf.Asprintf(" classID='%d'", classID)
	}
	buf.AddLit(">\n")
	buf.AdjustIndent(2)
	b.In.format(buf, "inbound")
	b.Out.format(buf, "outbound")
	buf.AdjustIndent(-2)
	buf.AddLit("</bandwidth>\n")
}

func (r *Rate) format(buf *xmlbuf.Buffer, name string) {
	if r == nil || (r.Average == 0 && r.Floor == 0) {
		return
	}
	buf.Asprintf("<%s", name)
	if r.Average != 0 {
		buf.Asprintf(" average='%d'", r.Average)
	}
	if r.Peak != 0 {
		buf.Asprintf(" peak='%d'", r.Peak)
	}
	if r.Floor != 0 {
		buf.Asprintf(" floor='%d'", r.Floor)
	}
	if r.Burst != 0 {
		buf.Asprintf(" burst='%d'", r.Burst)
	}
	buf.AddLit("/>\n")
}

// Clone returns a deep copy.
func (b *Bandwidth) Clone() *Bandwidth {
	if b == nil {
		return nil
	}
	c := &Bandwidth{}
	if b.In != nil {
		in := *b.In
		c.In = &in
	}
	if b.Out != nil {
		out := *b.Out
		c.Out = &out
	}
	return c
}
