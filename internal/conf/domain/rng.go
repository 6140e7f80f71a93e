package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// RNG is <rng>, a random number generator device.
type RNG struct {
	Model string

	Rate   uint64 // <rate bytes>, 0 when absent
	Period uint64 // <rate period>

	// Backend is <backend model>: random (a host file), egd (a chardev)
	// or builtin.
	Backend     string
	BackendFile string     // random: the element's text
	BackendChr  *ChrSource // egd

	Driver attrList // virtio options
}

func init() {
	kindParse["rng"] = parseRNG
}

// RNG returns the device's typed content, nil for other kinds.
func (g *Device) RNG() *RNG {
	r, _ := g.body.(*RNG)
	return r
}

func parseRNG(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	r := &RNG{Model: n.Prop("model")}
	if rate := n.Child("rate"); rate != nil {
		var err error
		if r.Rate, _, err = propUint(rate, "bytes", 32); err != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid RNG rate bytes value")
		}
		if r.Period, _, err = propUint(rate, "period", 32); err != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid RNG rate period value")
		}
	}
	backends := n.ChildrenNamed("backend")
	if len(backends) != 1 {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "only one RNG backend is supported")
	}
	be := backends[0]
	r.Backend = be.Prop("model")
	switch r.Backend {
	case "random":
		r.BackendFile = strings.TrimSpace(be.Text)
		if r.BackendFile == "" {
			r.BackendFile = "/dev/random"
		}
	case "egd":
		typ, ok := be.Attr("type")
		if !ok {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "missing EGD backend type")
		}
		chr, err := parseChrSource(typ, be, flags)
		if err != nil {
			return err
		}
		r.BackendChr = chr
	}
	if d := n.Child("driver"); d != nil {
		r.Driver = append(attrList(nil), d.Attrs...)
	}
	dev.body = r
	return nil
}

var virtioDriverOrder = []string{"iommu", "ats", "packed", "page_per_vq"}

func (r *RNG) formatAttrs(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Attr("model", r.Model)
}

func (r *RNG) formatChildren(b *xmlbuf.Buffer, flags FormatFlags) {
	if r.Rate != 0 {
		b.Add("<rate bytes='" + strconv.FormatUint(r.Rate, 10) + "'")
		if r.Period != 0 {
			b.Add(" period='" + strconv.FormatUint(r.Period, 10) + "'")
		}
		b.Add("/>\n")
	}
	attrs := b.Inherit()
	attrs.Attr("model", r.Backend)
	switch r.Backend {
	case "random":
		b.Add("<backend")
		b.AddBuffer(attrs)
		b.EscapeString(">%s</backend>\n", r.BackendFile)
	case "egd":
		attrs.Attr("type", r.BackendChr.Type)
		c := b.Child()
		r.BackendChr.format(c, flags)
		b.FormatElementAlways("backend", attrs, c)
	default:
		b.FormatElementAlways("backend", attrs, nil)
	}
	formatOrderedEmpty(b, "driver", r.Driver, virtioDriverOrder)
}

func (r *RNG) validate() error {
	if r.BackendChr != nil {
		return r.BackendChr.validate(false)
	}
	return nil
}
