package nodedev

import (
	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// CCWAddress is an s390 channel device address.
type CCWAddress struct {
	CSSID uint32
	SSID  uint32
	Devno uint32
}

// The architectural limits libvirt's virCCWDeviceAddressIsValid checks.
const (
	ccwMaxCSSID = 0xfe
	ccwMaxSSID  = 3
	ccwMaxDevno = 0xffff
)

// Valid reports whether the address is within the channel subsystem's
// limits.
func (a CCWAddress) Valid() bool {
	return a.CSSID <= ccwMaxCSSID && a.SSID <= ccwMaxSSID && a.Devno <= ccwMaxDevno
}

func parseCCWAddress(n *xmltree.Node, devName string) (CCWAddress, error) {
	var a CCWAddress
	fields := []struct {
		name string
		base int
		dst  *uint32
	}{{"cssid", 0, &a.CSSID}, {"ssid", 0, &a.SSID}, {"devno", 16, &a.Devno}}
	for _, f := range fields {
		s, ok := xpathString(n, f.name)
		if !ok {
			return a, nodedevErr(virterr.ConfigUnsupported, "missing %s value for '%s'", f.name, devName)
		}
		v, ok := cnum.UIntP(s, f.base)
		if !ok {
			return a, nodedevErr(virterr.ConfigUnsupported, "invalid %s value '%s' for '%s'", f.name, s, devName)
		}
		*f.dst = v
	}
	return a, nil
}

func (a CCWAddress) format(b *xmlbuf.Buffer) {
	b.Asprintf("<cssid>0x%x</cssid>\n", a.CSSID)
	b.Asprintf("<ssid>0x%x</ssid>\n", a.SSID)
	b.Asprintf("<devno>0x%04x</devno>\n", a.Devno)
}

func (a CCWAddress) validate(def *Def) error {
	if !a.Valid() {
		return nodedevErr(virterr.ConfigUnsupported, "invalid CCW address 0x%x.0x%x.0x%04x for '%s'", a.CSSID, a.SSID, a.Devno, def.Name)
	}
	return nil
}

// CCWCap is an s390 CCW device (type='ccw').
type CCWCap struct {
	Address CCWAddress
}

func (*CCWCap) CapType() string { return "ccw" }

func (c *CCWCap) format(b *xmlbuf.Buffer) { c.Address.format(b) }

func (c *CCWCap) validate(def *Def) error { return c.Address.validate(def) }

// CSSCap is an s390 subchannel (type='css').
type CSSCap struct {
	Address CCWAddress
	// ChannelDevAddr is the address of the device on the subchannel.
	ChannelDevAddr *CCWAddress
	// MdevTypes is set when the subchannel offers mediated devices.
	MdevTypes []MdevType
	HasMdev   bool
}

func (*CSSCap) CapType() string { return "css" }

func parseCSS(n *xmltree.Node, def *Def) (*CSSCap, error) {
	a, err := parseCCWAddress(n, def.Name)
	if err != nil {
		return nil, err
	}
	c := &CSSCap{Address: a}
	for _, sc := range n.ChildrenNamed("capability") {
		t, ok := sc.Attr("type")
		if !ok {
			return nil, nodedevErr(virterr.XMLError, "Missing capability type")
		}
		if t == "mdev_types" {
			types, err := parseMdevTypes(sc)
			if err != nil {
				return nil, err
			}
			c.MdevTypes = append(c.MdevTypes, types...)
			c.HasMdev = true
		}
	}
	if cd := n.Child("channel_dev_addr"); cd != nil {
		ca, err := parseCCWAddress(cd, def.Name)
		if err != nil {
			return nil, err
		}
		c.ChannelDevAddr = &ca
	}
	return c, nil
}

func (c *CSSCap) format(b *xmlbuf.Buffer) {
	c.Address.format(b)
	if c.ChannelDevAddr != nil {
		b.AddLit("<channel_dev_addr>\n")
		b.AdjustIndent(2)
		c.ChannelDevAddr.format(b)
		b.AdjustIndent(-2)
		b.AddLit("</channel_dev_addr>\n")
	}
	if c.HasMdev {
		formatMdevTypes(b, c.MdevTypes)
	}
}

func (c *CSSCap) validate(def *Def) error {
	if err := c.Address.validate(def); err != nil {
		return err
	}
	if c.ChannelDevAddr != nil {
		return c.ChannelDevAddr.validate(def)
	}
	return nil
}

func parseAPAdapter(n *xmltree.Node, def *Def) (uint32, error) {
	s, ok := xpathString(n, "ap-adapter")
	if !ok {
		return 0, nodedevErr(virterr.ConfigUnsupported, "missing ap-adapter value for '%s'", def.Name)
	}
	v, ok := cnum.UIntP(s, 0)
	if !ok {
		return 0, nodedevErr(virterr.ConfigUnsupported, "invalid ap-adapter value '%s' for '%s'", s, def.Name)
	}
	return v, nil
}

// APCardCap is an s390 crypto adapter (type='ap_card').
type APCardCap struct{ Adapter uint32 }

func (*APCardCap) CapType() string { return "ap_card" }

func (c *APCardCap) format(b *xmlbuf.Buffer) {
	b.Asprintf("<ap-adapter>0x%02x</ap-adapter>\n", c.Adapter)
}

func (*APCardCap) validate(*Def) error { return nil }

// APQueueCap is one queue of an s390 crypto adapter (type='ap_queue').
type APQueueCap struct {
	Adapter uint32
	Domain  uint32
}

func (*APQueueCap) CapType() string { return "ap_queue" }

func parseAPQueue(n *xmltree.Node, def *Def) (*APQueueCap, error) {
	a, err := parseAPAdapter(n, def)
	if err != nil {
		return nil, err
	}
	c := &APQueueCap{Adapter: a}
	s, ok := xpathString(n, "ap-domain")
	if !ok {
		return nil, nodedevErr(virterr.ConfigUnsupported, "missing ap-domain value for '%s'", def.Name)
	}
	v, ok := cnum.UIntP(s, 0)
	if !ok {
		return nil, nodedevErr(virterr.ConfigUnsupported, "invalid ap-domain value '%s' for '%s'", s, def.Name)
	}
	if v > 255 {
		return nil, nodedevErr(virterr.ConfigUnsupported, "ap-domain value '%s' is out of range for '%s'", s, def.Name)
	}
	c.Domain = v
	return c, nil
}

func (c *APQueueCap) format(b *xmlbuf.Buffer) {
	b.Asprintf("<ap-adapter>0x%02x</ap-adapter>\n", c.Adapter)
	b.Asprintf("<ap-domain>0x%04x</ap-domain>\n", c.Domain)
}

func (*APQueueCap) validate(*Def) error { return nil }

// APMatrixCap is the s390 crypto matrix device (type='ap_matrix').
type APMatrixCap struct {
	MdevTypes []MdevType
	HasMdev   bool
}

func (*APMatrixCap) CapType() string { return "ap_matrix" }

func parseAPMatrix(n *xmltree.Node) (*APMatrixCap, error) {
	c := &APMatrixCap{}
	for _, sc := range n.ChildrenNamed("capability") {
		t, ok := sc.Attr("type")
		if !ok {
			return nil, nodedevErr(virterr.XMLError, "Missing capability type")
		}
		if t == "mdev_types" {
			types, err := parseMdevTypes(sc)
			if err != nil {
				return nil, err
			}
			c.MdevTypes = append(c.MdevTypes, types...)
			c.HasMdev = true
		}
	}
	return c, nil
}

func (c *APMatrixCap) format(b *xmlbuf.Buffer) {
	if c.HasMdev {
		formatMdevTypes(b, c.MdevTypes)
	}
}

func (*APMatrixCap) validate(*Def) error { return nil }
