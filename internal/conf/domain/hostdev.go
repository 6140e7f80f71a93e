package domain

import (
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Hostdev is <hostdev>: a host device given to the guest
// (virDomainHostdevDef). Mode subsystem passes a bus device (Subsys);
// mode capabilities (containers) a block, char or network device (Caps*).
type Hostdev struct {
	Mode string // subsystem when not given
	Type string // usb, pci, scsi, scsi_host, mdev; storage, misc, net

	Subsys HostdevSubsys

	// Caps mode: the block device, char device or interface name, and
	// a net device's IP settings.
	CapsPath string
	CapsIPs  []*xmltree.Node
	CapsRts  []*xmltree.Node

	ReadOnly  bool
	Shareable bool
	// Teaming is the <teaming> of a hostdev backing a failover pair.
	TeamingType       string
	TeamingPersistent string
	hasTeaming        bool
}

// HostdevSubsys is the subsystem part a <hostdev> shares with an
// <interface type='hostdev'> (virDomainHostdevSubsys).
type HostdevSubsys struct {
	Managed bool
	Driver  string // PCI backend: kvm, vfio, xen

	// USB
	StartupPolicy string
	GuestReset    string
	Vendor        *uint64
	Product       *uint64
	USBBus        uint64
	USBDevice     uint64

	// PCI
	PCIDomain, PCIBus, PCISlot, PCIFunction uint64
	WriteFiltering                          string
	origStates                              *xmltree.Node

	// SCSI: an adapter and address, or an iSCSI target.
	SGIO        string
	RawIO       string
	Protocol    string
	Name        string // iSCSI IQN
	Adapter     string
	SCSIBus     uint64
	SCSITarget  uint64
	SCSIUnit    uint64
	iscsiHosts  []*xmltree.Node
	iscsiAuth   *xmltree.Node
	iscsiInitor *xmltree.Node

	// scsi_host (vhost-scsi)
	WWPN      string
	HostModel string

	// mdev
	Model   string
	Display string
	RAMFB   string
	UUID    string
}

func init() {
	typedKinds["hostdev"] = func(n *xmltree.Node, flags ParseFlags) (deviceBody, error) {
		return parseHostdev(n, flags)
	}
}

// Hostdev returns the device's typed content, nil for other kinds.
func (g *Device) Hostdev() *Hostdev {
	x, _ := g.typed().(*Hostdev)
	return x
}

// parseHostdev is virDomainHostdevDefParseXML.
func parseHostdev(n *xmltree.Node, flags ParseFlags) (*Hostdev, error) {
	h := &Hostdev{Mode: "subsystem"}
	if m, ok := n.Attr("mode"); ok {
		h.Mode = m
	}
	h.Type = n.Prop("type")
	switch h.Mode {
	case "subsystem":
		if err := h.Subsys.parse(n, h.Type, flags); err != nil {
			return nil, err
		}
	case "capabilities":
		if err := h.parseCaps(n); err != nil {
			return nil, err
		}
	default:
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown hostdev mode '%s'", h.Mode)
	}
	h.ReadOnly = n.Child("readonly") != nil
	h.Shareable = n.Child("shareable") != nil
	if t := n.Child("teaming"); t != nil {
		h.hasTeaming = true
		h.TeamingType = t.Prop("type")
		h.TeamingPersistent = t.Prop("persistent")
	}
	return h, nil
}

// parse is virDomainHostdevDefParseXMLSubsys; n is the <hostdev> or
// <interface> element.
func (s *HostdevSubsys) parse(n *xmltree.Node, typ string, flags ParseFlags) error {
	if typ == "" {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "missing source address type")
	}
	s.Managed = n.Prop("managed") == "yes"
	src := n.Child("source")
	if typ != "scsi_host" && src == nil {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Missing <source> element in hostdev device")
	}
	switch typ {
	case "pci":
		if d := n.Child("driver"); d != nil {
			s.Driver = d.Prop("name")
		}
		s.WriteFiltering = src.Prop("writeFiltering")
		if a := src.Child("address"); a != nil {
			for _, f := range []struct {
				name string
				dst  *uint64
				bits int
			}{{"domain", &s.PCIDomain, 32}, {"bus", &s.PCIBus, 32}, {"slot", &s.PCISlot, 32}, {"function", &s.PCIFunction, 32}} {
				v, _, err := propUint(a, f.name, f.bits)
				if err != nil {
					return err
				}
				*f.dst = v
			}
		}
		if flags&ParseStatus != 0 {
			s.origStates = src.Child("origstates")
		}
	case "usb":
		s.StartupPolicy = src.Prop("startupPolicy")
		s.GuestReset = src.Prop("guestReset")
		if v := src.Child("vendor"); v != nil {
			id, ok := v.Attr("id")
			if !ok {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "usb vendor needs id")
			}
			x, err := parseUintC(id, 32)
			if err != nil {
				return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "cannot parse vendor id %s", id)
			}
			s.Vendor = &x
		}
		if p := src.Child("product"); p != nil {
			id, ok := p.Attr("id")
			if !ok {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "usb product needs id")
			}
			x, err := parseUintC(id, 32)
			if err != nil {
				return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "cannot parse product %s", id)
			}
			s.Product = &x
		}
		if a := src.Child("address"); a != nil {
			bus, ok := a.Attr("bus")
			if !ok {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "usb address needs bus id")
			}
			v, err := parseUintC(bus, 32)
			if err != nil {
				return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "cannot parse bus %s", bus)
			}
			s.USBBus = v
			dev, ok := a.Attr("device")
			if !ok {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "usb address needs device id")
			}
			if v, err = parseUintC(dev, 32); err != nil {
				return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "cannot parse device %s", dev)
			}
			s.USBDevice = v
		}
		if s.Vendor != nil && s.Product == nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "missing product")
		}
		if s.Vendor == nil && s.Product != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "missing vendor")
		}
	case "scsi":
		s.SGIO = n.Prop("sgio")
		s.RawIO = n.Prop("rawio")
		s.Protocol = src.Prop("protocol")
		if s.Protocol == "iscsi" {
			s.Name = src.Prop("name")
			for _, c := range src.Children {
				switch c.Name {
				case "host":
					s.iscsiHosts = append(s.iscsiHosts, c)
				case "auth":
					if s.iscsiAuth == nil {
						s.iscsiAuth = canonicalAuth(c)
					}
				case "initiator":
					if s.iscsiInitor == nil {
						s.iscsiInitor = c
					}
				}
			}
			break
		}
		a := src.Child("adapter")
		if a == nil || a.Prop("name") == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "missing 'name' attribute for <adapter> element")
		}
		s.Adapter = a.Prop("name")
		addr := src.Child("address")
		if addr == nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "'address' must be specified for scsi hostdev source")
		}
		for _, f := range []struct {
			name string
			dst  *uint64
			bits int
		}{{"bus", &s.SCSIBus, 32}, {"target", &s.SCSITarget, 32}, {"unit", &s.SCSIUnit, 64}} {
			v, ok, err := propUint(addr, f.name, f.bits)
			if err != nil {
				return err
			}
			if !ok {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "missing %s in scsi hostdev source address", f.name)
			}
			*f.dst = v
		}
	case "scsi_host":
		s.HostModel = n.Prop("model")
		if src == nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Missing <source> element in hostdev device")
		}
		s.Protocol = src.Prop("protocol")
		if s.Protocol == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Missing scsi_host subsystem protocol")
		}
		s.WWPN = src.Prop("wwpn")
		if s.WWPN == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "missing vhost-scsi hostdev source wwpn")
		}
	case "mdev":
		s.Model = n.Prop("model")
		if s.Model == "" {
			return errMissingProp("hostdev", "model")
		}
		s.Display = n.Prop("display")
		s.RAMFB = n.Prop("ramfb")
		if a := src.Child("address"); a != nil {
			s.UUID = a.Prop("uuid")
		}
	}
	return nil
}

// parseCaps is virDomainHostdevDefParseXMLCaps.
func (h *Hostdev) parseCaps(n *xmltree.Node) error {
	if h.Type == "" {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "missing capability type")
	}
	src := n.Child("source")
	elem := map[string]string{"storage": "block", "misc": "char", "net": "interface"}[h.Type]
	if elem == "" {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "address type='%s' not supported in hostdev interfaces", h.Type)
	}
	if src == nil || src.Child(elem) == nil {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Missing <%s> element in hostdev %s device", elem, h.Type)
	}
	h.CapsPath = strings.TrimSpace(src.Child(elem).Text)
	if h.Type == "net" {
		h.CapsIPs = n.ChildrenNamed("ip")
		h.CapsRts = n.ChildrenNamed("route")
	}
	return nil
}

// postParse is virDomainHostdevDefPostParse for what this package
// decides: an iSCSI target's LUN 0, and a SCSI hostdev's drive address.
func (h *Hostdev) postParse(d *Devices, info *DeviceInfo) {
	if h.Mode != "subsystem" || h.Type != "scsi" {
		return
	}
	if h.Subsys.Protocol == "iscsi" {
		h.Subsys.Name = addISCSILUN(h.Subsys.Name)
	}
	if info.Address == nil || info.Address.Type == "" {
		ctrl := uint64(0)
		for {
			if unit, ok := d.nextSCSIUnit(ctrl, 7); ok {
				info.Address = &Address{Type: "drive", Controller: ctrl, Unit: unit}
				break
			}
			ctrl++
		}
	}
	if info.Address.Type == "drive" {
		// virDomainDefMaybeAddHostdevSCSIcontroller
		for i := 0; i <= int(info.Address.Controller); i++ {
			d.maybeAddController("scsi", i, "")
		}
	}
}

// nextSCSIUnit is virDomainControllerSCSINextUnit: the first unit of
// controller (bus 0, target 0) no disk or hostdev uses.
func (d *Devices) nextSCSIUnit(ctrl, maxUnit uint64) (uint64, bool) {
	for unit := uint64(0); unit < maxUnit; unit++ {
		if !d.scsiDriveAddressUsed(ctrl, unit) {
			return unit, true
		}
	}
	return 0, false
}

func (d *Devices) scsiDriveAddressUsed(ctrl, unit uint64) bool {
	used := func(a *Address) bool {
		return a != nil && a.Type == "drive" && a.Controller == ctrl && a.Bus == 0 && a.Target == 0 && a.Unit == unit
	}
	for _, disk := range d.Disks {
		if disk.Bus() == "scsi" && used(disk.Info.Address) {
			return true
		}
	}
	for _, h := range d.ByKind["hostdev"] {
		if hd := h.Hostdev(); hd != nil && hd.Type == "scsi" && used(h.Info.Address) {
			return true
		}
	}
	return false
}

func (h *Hostdev) formatAttrs(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Attr("mode", h.Mode)
	b.Attr("type", h.Type)
	if h.Mode != "subsystem" {
		return
	}
	s := &h.Subsys
	if s.Managed {
		b.Attr("managed", "yes")
	} else {
		b.Attr("managed", "no")
	}
	switch h.Type {
	case "scsi":
		if s.SGIO != "default" {
			b.AttrIf("sgio", s.SGIO)
		}
		if s.RawIO != "default" {
			b.AttrIf("rawio", s.RawIO)
		}
	case "mdev":
		b.Attr("model", s.Model)
		b.AttrIf("display", s.Display)
		b.AttrIf("ramfb", s.RAMFB)
	case "scsi_host":
		b.AttrIf("model", s.HostModel)
	}
}

func (h *Hostdev) formatChildren(b *xmlbuf.Buffer, flags FormatFlags) {
	if h.Mode == "subsystem" {
		h.Subsys.format(b, h.Type, flags, false)
	} else {
		elem := map[string]string{"storage": "block", "misc": "char", "net": "interface"}[h.Type]
		b.Add("<source>\n")
		b.EscapeString("  <"+elem+">%s</"+elem+">\n", h.CapsPath)
		b.Add("</source>\n")
		keptNodes(b, h.CapsIPs)
		keptNodes(b, h.CapsRts)
	}
	if h.ReadOnly {
		b.Add("<readonly/>\n")
	}
	if h.Shareable {
		b.Add("<shareable/>\n")
	}
	if h.hasTeaming {
		b.Add("<teaming")
		b.AttrIf("type", h.TeamingType)
		b.AttrIf("persistent", h.TeamingPersistent)
		b.Add("/>\n")
	}
}

// format is virDomainHostdevDefFormatSubsys: the PCI driver and the
// source; withType adds the address type an interface's source carries.
func (s *HostdevSubsys) format(b *xmlbuf.Buffer, typ string, flags FormatFlags, withType bool) {
	if typ == "pci" {
		drv := b.Inherit()
		if s.Driver != "default" {
			drv.AttrIf("name", s.Driver)
		}
		b.FormatElement("driver", drv, nil)
	}
	attrs := b.Inherit()
	c := b.Child()
	switch typ {
	case "usb":
		attrs.AttrIf("startupPolicy", s.StartupPolicy)
		attrs.AttrIf("guestReset", s.GuestReset)
		if s.Vendor != nil {
			c.Asprintf("<vendor id='0x%04x'/>\n", *s.Vendor)
			if s.Product != nil {
				c.Asprintf("<product id='0x%04x'/>\n", *s.Product)
			}
		}
		if s.USBBus != 0 || s.USBDevice != 0 {
			c.Asprintf("<address bus='%d' device='%d'/>\n", s.USBBus, s.USBDevice)
		}
	case "pci":
		attrs.AttrIf("writeFiltering", s.WriteFiltering)
		typeAttr := ""
		if withType {
			typeAttr = "type='pci' "
		}
		c.Add(fmt.Sprintf("<address %sdomain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n",
			typeAttr, s.PCIDomain, s.PCIBus, s.PCISlot, s.PCIFunction))
		if s.origStates != nil && flags&FormatStatus != 0 {
			c.FormatNode(s.origStates)
		}
	case "scsi":
		if s.Protocol == "iscsi" {
			attrs.Attr("protocol", "iscsi")
			attrs.AttrIf("name", s.Name)
			for _, h := range s.iscsiHosts {
				c.Add("<host")
				c.AttrIf("name", h.Prop("name"))
				c.AttrIf("port", h.Prop("port"))
				c.Add("/>\n")
			}
			if s.iscsiAuth != nil {
				c.FormatNode(s.iscsiAuth)
			}
			if s.iscsiInitor != nil {
				c.FormatNode(s.iscsiInitor)
			}
			break
		}
		c.EscapeString("<adapter name='%s'/>\n", s.Adapter)
		typeAttr := ""
		if withType {
			typeAttr = "type='scsi' "
		}
		c.Add(fmt.Sprintf("<address %sbus='%d' target='%d' unit='%d'/>\n", typeAttr, s.SCSIBus, s.SCSITarget, s.SCSIUnit))
	case "scsi_host":
		attrs.AttrIf("protocol", s.Protocol)
		attrs.AttrIf("wwpn", s.WWPN)
	case "mdev":
		if s.UUID != "" {
			c.EscapeString("<address uuid='%s'/>\n", s.UUID)
		}
	}
	b.FormatElementAlways("source", attrs, c)
}

// validate refuses values libvirt's parser refuses (kept so that saved
// configs still load).
func (h *Hostdev) validate(info *DeviceInfo) error {
	if h.Mode == "capabilities" {
		return nil
	}
	s := &h.Subsys
	switch h.Type {
	case "usb", "pci", "scsi", "scsi_host", "mdev":
	default:
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown host device source address type '%s'", h.Type)
	}
	checks := []struct{ elem, attr, value string }{
		{"driver", "name", s.Driver}, {"hostdev", "sgio", s.SGIO}, {"hostdev", "rawio", s.RawIO},
		{"source", "startupPolicy", s.StartupPolicy}, {"source", "writeFiltering", s.WriteFiltering},
		{"hostdev", "display", s.Display}, {"hostdev", "ramfb", s.RAMFB},
	}
	allowed := map[string][]string{
		"driver/name": {"default", "kvm", "vfio", "xen"}, "hostdev/sgio": {"default", "filtered", "unfiltered"},
		"hostdev/rawio": {"default", "yes", "no"}, "source/startupPolicy": {"default", "mandatory", "requisite", "optional"},
		"source/writeFiltering": {"default", "yes", "no"}, "hostdev/display": tristateSwitch, "hostdev/ramfb": tristateSwitch,
	}
	for _, c := range checks {
		if err := checkEnum(c.elem, c.attr, c.value, allowed[c.elem+"/"+c.attr]...); err != nil {
			return err
		}
	}
	if h.Type == "mdev" {
		if s.UUID == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "Missing 'uuid' attribute for element <address>")
		}
		switch s.Model {
		case "vfio-pci", "vfio-ccw", "vfio-ap":
		default:
			return errInvalidProp("hostdev", "model", s.Model)
		}
		if info != nil && info.Address != nil {
			t := info.Address.Type
			if (s.Model == "vfio-pci" && t != "pci" && t != "") || (s.Model == "vfio-ccw" && t != "ccw" && t != "") {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Unsupported address type '%s' with mediated device model '%s'", t, s.Model)
			}
		}
	}
	if h.Type == "scsi" && s.SGIO == "unfiltered" {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unfiltered sgio is no longer supported")
	}
	if s.StartupPolicy != "" && h.Type != "usb" {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Setting startupPolicy is only allowed for USB devices")
	}
	return nil
}

// validateHostdevs checks each hostdev.
func (d *Devices) validateHostdevs() error {
	for _, dev := range d.ByKind["hostdev"] {
		if h := dev.Hostdev(); h != nil {
			if err := h.validate(&dev.Info); err != nil {
				return err
			}
		}
	}
	return nil
}
