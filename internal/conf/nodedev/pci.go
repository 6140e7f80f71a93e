package nodedev

import (
	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// PCIAddress is a PCI address as node device XML writes it.
type PCIAddress struct {
	Domain, Bus, Slot, Function uint32
	// Multifunction is "on", "off" or "" as read; node device XML never
	// writes it.
	Multifunction string
}

func parsePCIAddress(n *xmltree.Node) (PCIAddress, error) {
	var a PCIAddress
	var err error
	for _, f := range []struct {
		name string
		dst  *uint32
	}{{"domain", &a.Domain}, {"bus", &a.Bus}, {"slot", &a.Slot}, {"function", &a.Function}} {
		if *f.dst, _, err = propUInt(n, f.name, 0, false); err != nil {
			return a, err
		}
	}
	a.Multifunction = n.Prop("multifunction")
	return a, nil
}

func (a PCIAddress) format(b *xmlbuf.Buffer) {
	b.Asprintf("<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%d'/>\n", a.Domain, a.Bus, a.Slot, int32(a.Function))
}

// validate is libvirt's virPCIDeviceAddressIsValid, which its address
// parser applies to every address that is not all zeroes.
func (a PCIAddress) validate() error {
	if a.Multifunction != "" && a.Multifunction != "on" && a.Multifunction != "off" {
		return invalidEnumAttr("multifunction", "address", a.Multifunction)
	}
	if a.Domain == 0 && a.Bus == 0 && a.Slot == 0 && a.Function == 0 {
		return nil
	}
	switch {
	case a.Domain > 0xffff:
		return virterr.NewFrom(virterr.FromNone, virterr.XMLError, "Invalid PCI address domain='0x%x', must be <= 0xFFFF", a.Domain)
	case a.Bus > 0xff:
		return virterr.NewFrom(virterr.FromNone, virterr.XMLError, "Invalid PCI address bus='0x%x', must be <= 0xFF", a.Bus)
	case a.Slot > 0x1f:
		return virterr.NewFrom(virterr.FromNone, virterr.XMLError, "Invalid PCI address slot='0x%x', must be <= 0x1F", a.Slot)
	case a.Function > 7:
		return virterr.NewFrom(virterr.FromNone, virterr.XMLError, "Invalid PCI address function=0x%x, must be <= 7", a.Function)
	}
	return nil
}

// PCIELink is one <link> of a PCI Express device.
type PCIELink struct {
	// Port is -1 when absent.
	Port int
	// Speed is the link speed in GT/s as written ("2.5", "8"), "" if unknown.
	Speed string
	Width uint32
}

// pcieLinkSpeeds is libvirt's virPCIELinkSpeed.
var pcieLinkSpeeds = []string{"2.5", "5", "8", "16", "32", "64"}

func parsePCIELink(n *xmltree.Node) (*PCIELink, error) {
	l := &PCIELink{Port: -1}
	var err error
	if l.Width, _, err = propUInt(n, "width", 0, true); err != nil {
		return nil, err
	}
	l.Speed = n.Prop("speed")
	port, present, err := propInt(n, "port", 10, false)
	if err != nil {
		return nil, err
	}
	if present {
		l.Port = port
	}
	return l, nil
}

func (l *PCIELink) format(b *xmlbuf.Buffer, validity string) {
	b.Asprintf("<link validity='%s'", validity)
	if l.Port >= 0 {
		b.Asprintf(" port='%d'", l.Port)
	}
	if l.Speed != "" {
		b.Asprintf(" speed='%s'", xmlbuf.Escape(l.Speed))
	}
	b.Asprintf(" width='%d'", int32(l.Width))
	b.AddLit("/>\n")
}

// PCIExpress is a device's <pci-express> element.
type PCIExpress struct {
	Cap *PCIELink
	Sta *PCIELink
}

// MdevType is one mediated device type a parent device offers.
type MdevType struct {
	ID                 string
	Name               string
	DeviceAPI          string
	AvailableInstances uint32
}

func parseMdevTypes(n *xmltree.Node) ([]MdevType, error) {
	var out []MdevType
	for _, t := range n.ChildrenNamed("type") {
		mt := MdevType{ID: t.Prop("id")}
		if mt.ID == "" {
			return nil, nodedevErr(virterr.XMLError, "missing 'id' attribute for mediated device's <type> element")
		}
		var ok bool
		if mt.DeviceAPI, ok = xpathString(t, "deviceAPI"); !ok {
			return nil, nodedevErr(virterr.XMLError, "missing device API for mediated device type '%s'", mt.ID)
		}
		text, present := xpathString(t, "availableInstances")
		v, st := xpathUInt(text, present, 10)
		if st != numOK {
			return nil, nodedevErr(virterr.XMLError, "missing number of available instances for mediated device type '%s'", mt.ID)
		}
		mt.AvailableInstances = v
		mt.Name, _ = xpathString(t, "name")
		out = append(out, mt)
	}
	return out, nil
}

func formatMdevTypes(b *xmlbuf.Buffer, types []MdevType) {
	if len(types) == 0 {
		return
	}
	b.AddLit("<capability type='mdev_types'>\n")
	b.AdjustIndent(2)
	for _, t := range types {
		b.EscapeString("<type id='%s'>\n", t.ID)
		b.AdjustIndent(2)
		escIf(b, "name", t.Name)
		b.EscapeString("<deviceAPI>%s</deviceAPI>\n", t.DeviceAPI)
		b.Asprintf("<availableInstances>%d</availableInstances>\n", t.AvailableInstances)
		b.AdjustIndent(-2)
		b.AddLit("</type>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</capability>\n")
}

// PCICap is a PCI device (type='pci').
type PCICap struct {
	// Class is the 24-bit class code, -1 when unknown.
	Class                       int
	Domain, Bus, Slot, Function uint32
	Vendor, Product             uint32
	VendorName, ProductName     string

	// PhysFunction is the SR-IOV physical function of a virtual function.
	PhysFunction *PCIAddress
	// VirtFunctions is set for an SR-IOV physical function.
	VirtFunctions    bool
	VirtFunctionList []PCIAddress
	MaxVirtFunctions uint32

	// HeaderType is "pci-bridge" or "cardbus-bridge"; endpoints leave it "".
	HeaderType string
	HasMdev    bool
	MdevTypes  []MdevType
	VPD        *VPD

	IommuGroup        uint32
	IommuGroupDevices []PCIAddress
	// NUMANode is -1 when unknown.
	NUMANode   int
	PCIExpress *PCIExpress
}

func (*PCICap) CapType() string { return "pci" }

func parsePCI(n *xmltree.Node, def *Def) (*PCICap, error) {
	c := &PCICap{Class: -1, NUMANode: -1}
	if s, ok := xpathString(n, "class"); ok {
		v, ok := cnum.Int(s, 16)
		if !ok || v > 0xffffff {
			return nil, nodedevErr(virterr.InternalError, "invalid PCI class supplied for '%s'", def.Name)
		}
		c.Class = v
	}
	var err error
	if c.Domain, err = readULong(n, "domain", def, "no PCI domain ID supplied for '%s'", "invalid PCI domain ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Bus, err = readULong(n, "bus", def, "no PCI bus ID supplied for '%s'", "invalid PCI bus ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Slot, err = readULong(n, "slot", def, "no PCI slot ID supplied for '%s'", "invalid PCI slot ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Function, err = readULong(n, "function", def, "no PCI function ID supplied for '%s'", "invalid PCI function ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Vendor, err = readHexID(n, "vendor", def, "no PCI vendor ID supplied for '%s'", "invalid PCI vendor ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Product, err = readHexID(n, "product", def, "no PCI product ID supplied for '%s'", "invalid PCI product ID supplied for '%s'"); err != nil {
		return nil, err
	}
	c.VendorName, _ = xpathString(n, "vendor")
	c.ProductName, _ = xpathString(n, "product")

	for _, sc := range n.ChildrenNamed("capability") {
		if err := c.parseSubCap(sc); err != nil {
			return nil, err
		}
	}

	if g := n.Child("iommuGroup"); g != nil {
		if c.IommuGroup, _, err = propUInt(g, "number", 10, true); err != nil {
			return nil, err
		}
		for _, a := range g.ChildrenNamed("address") {
			addr, err := parsePCIAddress(a)
			if err != nil {
				return nil, err
			}
			c.IommuGroupDevices = append(c.IommuGroupDevices, addr)
		}
	}

	if numa := n.Child("numa"); numa != nil {
		if s, ok := numa.Attr("node"); ok {
			v, st := xpathInt(s, true)
			switch st {
			case numInvalid:
				return nil, nodedevErr(virterr.InternalError, "invalid NUMA node ID supplied for '%s'", def.Name)
			case numOK:
				c.NUMANode = v
			}
		}
	}

	if pe := n.Child("pci-express"); pe != nil {
		c.PCIExpress = &PCIExpress{}
		for _, validity := range []string{"cap", "sta"} {
			for _, l := range pe.ChildrenNamed("link") {
				if l.Prop("validity") != validity {
					continue
				}
				lnk, err := parsePCIELink(l)
				if err != nil {
					return nil, err
				}
				if validity == "cap" {
					c.PCIExpress.Cap = lnk
				} else {
					c.PCIExpress.Sta = lnk
				}
				break
			}
		}
	}
	return c, nil
}

// pciHeaderTypes maps the header types libvirt records; an endpoint is
// the default and never written.
var pciHeaderTypes = map[string]bool{"pci-bridge": true, "cardbus-bridge": true}

func (c *PCICap) parseSubCap(sc *xmltree.Node) error {
	t, ok := sc.Attr("type")
	if !ok {
		return nodedevErr(virterr.XMLError, "Missing capability type")
	}
	switch t {
	case "phys_function":
		a := sc.Child("address")
		if a == nil {
			return nodedevErr(virterr.XMLError, "Missing address in 'phys_function' capability")
		}
		addr, err := parsePCIAddress(a)
		if err != nil {
			return err
		}
		c.PhysFunction = &addr
	case "virt_functions":
		if s := sc.Prop("maxCount"); s != "" {
			v, ok := cnum.UIntP(s, 10)
			if !ok {
				return nodedevErr(virterr.XMLError, "Malformed 'maxCount' parameter")
			}
			c.MaxVirtFunctions = v
		}
		var list []PCIAddress
		for _, a := range sc.ChildrenNamed("address") {
			addr, err := parsePCIAddress(a)
			if err != nil {
				return err
			}
			list = append(list, addr)
		}
		// A repeated element replaces the list, as libvirt's parser does.
		c.VirtFunctionList = list
		c.VirtFunctions = true
	case "mdev_types":
		types, err := parseMdevTypes(sc)
		if err != nil {
			return err
		}
		c.MdevTypes = append(c.MdevTypes, types...)
		c.HasMdev = true
	case "vpd":
		v, err := parseVPD(sc)
		if err != nil {
			return err
		}
		c.VPD = v
	default:
		if pciHeaderTypes[t] && c.HeaderType == "" {
			c.HeaderType = t
		}
	}
	return nil
}

func (c *PCICap) format(b *xmlbuf.Buffer) {
	if c.Class >= 0 {
		b.Asprintf("<class>0x%06x</class>\n", c.Class)
	}
	b.Asprintf("<domain>%d</domain>\n", int32(c.Domain))
	b.Asprintf("<bus>%d</bus>\n", c.Bus)
	b.Asprintf("<slot>%d</slot>\n", c.Slot)
	b.Asprintf("<function>%d</function>\n", c.Function)
	b.Asprintf("<product id='0x%04x'", c.Product)
	if c.ProductName != "" {
		b.EscapeString(">%s</product>\n", c.ProductName)
	} else {
		b.AddLit("/>\n")
	}
	b.Asprintf("<vendor id='0x%04x'", c.Vendor)
	if c.VendorName != "" {
		b.EscapeString(">%s</vendor>\n", c.VendorName)
	} else {
		b.AddLit("/>\n")
	}
	if c.PhysFunction != nil {
		b.AddLit("<capability type='phys_function'>\n")
		b.AdjustIndent(2)
		c.PhysFunction.format(b)
		b.AdjustIndent(-2)
		b.AddLit("</capability>\n")
	}
	if c.VirtFunctions {
		b.AddLit("<capability type='virt_functions'")
		if c.MaxVirtFunctions != 0 {
			b.Asprintf(" maxCount='%d'", c.MaxVirtFunctions)
		}
		if len(c.VirtFunctionList) == 0 {
			b.AddLit("/>\n")
		} else {
			b.AddLit(">\n")
			b.AdjustIndent(2)
			for _, a := range c.VirtFunctionList {
				a.format(b)
			}
			b.AdjustIndent(-2)
			b.AddLit("</capability>\n")
		}
	}
	if c.HeaderType != "" {
		b.Asprintf("<capability type='%s'/>\n", c.HeaderType)
	}
	if c.HasMdev {
		formatMdevTypes(b, c.MdevTypes)
	}
	if c.VPD != nil {
		c.VPD.format(b)
	}
	if len(c.IommuGroupDevices) > 0 {
		b.Asprintf("<iommuGroup number='%d'>\n", int32(c.IommuGroup))
		b.AdjustIndent(2)
		for _, a := range c.IommuGroupDevices {
			a.format(b)
		}
		b.AdjustIndent(-2)
		b.AddLit("</iommuGroup>\n")
	}
	if c.NUMANode >= 0 {
		b.Asprintf("<numa node='%d'/>\n", c.NUMANode)
	}
	if c.PCIExpress != nil {
		if c.PCIExpress.Cap == nil && c.PCIExpress.Sta == nil {
			b.AddLit("<pci-express/>\n")
		} else {
			b.AddLit("<pci-express>\n")
			b.AdjustIndent(2)
			if c.PCIExpress.Cap != nil {
				c.PCIExpress.Cap.format(b, "cap")
			}
			if c.PCIExpress.Sta != nil {
				c.PCIExpress.Sta.format(b, "sta")
			}
			b.AdjustIndent(-2)
			b.AddLit("</pci-express>\n")
		}
	}
}

func (c *PCICap) validate(*Def) error {
	var addrs []PCIAddress
	if c.PhysFunction != nil {
		addrs = append(addrs, *c.PhysFunction)
	}
	addrs = append(addrs, c.VirtFunctionList...)
	addrs = append(addrs, c.IommuGroupDevices...)
	for _, a := range addrs {
		if err := a.validate(); err != nil {
			return err
		}
	}
	if c.PCIExpress != nil {
		for _, l := range []*PCIELink{c.PCIExpress.Cap, c.PCIExpress.Sta} {
			if l != nil && l.Speed != "" && !contains(pcieLinkSpeeds, l.Speed) {
				return invalidEnumAttr("speed", "link", l.Speed)
			}
		}
	}
	return nil
}
