package nodedev

import (
	"fmt"

	"github.com/govirt/govirt/internal/conf/iface"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// readULong reads a required "number(./name[1])" field, wording the
// missing/invalid errors with the device name as libvirt does.
func readULong(n *xmltree.Node, name string, def *Def, missing, invalid string) (uint32, error) {
	text, ok := xpathString(n, name)
	v, st := xpathUInt(text, ok, 10)
	switch st {
	case numMissing:
		return 0, nodedevErr(virterr.InternalError, missing, def.Name)
	case numInvalid:
		return 0, nodedevErr(virterr.InternalError, invalid, def.Name)
	}
	return v, nil
}

func readULongLong(n *xmltree.Node, name string, def *Def, missing, invalid string) (uint64, error) {
	text, ok := xpathString(n, name)
	v, st := xpathULongLong(text, ok)
	switch st {
	case numMissing:
		return 0, nodedevErr(virterr.InternalError, missing, def.Name)
	case numInvalid:
		return 0, nodedevErr(virterr.InternalError, invalid, def.Name)
	}
	return v, nil
}

// readHexID reads an id attribute such as <vendor id='0x8086'>
// (virXPathULongHex on "string(./vendor[1]/@id)").
func readHexID(n *xmltree.Node, elem string, def *Def, missing, invalid string) (uint32, error) {
	var s string
	if c := n.Child(elem); c != nil {
		s = c.Prop("id")
	}
	v, st := xpathUInt(s, true, 16)
	switch st {
	case numMissing:
		return 0, nodedevErr(virterr.InternalError, missing, def.Name)
	case numInvalid:
		return 0, nodedevErr(virterr.InternalError, invalid, def.Name)
	}
	return v, nil
}

// SystemCap describes the host itself (type='system').
type SystemCap struct {
	Product         string
	HardwareVendor  string
	HardwareVersion string
	HardwareSerial  string
	HardwareUUID    uuid.UUID
	FirmwareVendor  string
	FirmwareVersion string
	FirmwareRelease string
}

func (*SystemCap) CapType() string { return "system" }

func parseSystem(n *xmltree.Node, def *Def) (*SystemCap, error) {
	c := &SystemCap{}
	c.Product, _ = xpathString(n, "product")
	hw := n.Child("hardware")
	fw := n.Child("firmware")
	if hw != nil {
		c.HardwareVendor, _ = xpathString(hw, "vendor")
		c.HardwareVersion, _ = xpathString(hw, "version")
		c.HardwareSerial, _ = xpathString(hw, "serial")
	}
	var u string
	if hw != nil {
		u, _ = xpathString(hw, "uuid")
	}
	if u == "" {
		return nil, nodedevErr(virterr.InternalError, "no system UUID supplied for '%s'", def.Name)
	}
	id, err := uuid.Parse(u)
	if err != nil {
		return nil, nodedevErr(virterr.InternalError, "malformed uuid element for '%s'", def.Name)
	}
	c.HardwareUUID = id
	if fw != nil {
		c.FirmwareVendor, _ = xpathString(fw, "vendor")
		c.FirmwareVersion, _ = xpathString(fw, "version")
		c.FirmwareRelease, _ = xpathString(fw, "release_date")
	}
	return c, nil
}

func (c *SystemCap) format(b *xmlbuf.Buffer) {
	if c.Product != "" {
		b.EscapeString("<product>%s</product>\n", c.Product)
	}
	b.AddLit("<hardware>\n")
	b.AdjustIndent(2)
	escIf(b, "vendor", c.HardwareVendor)
	escIf(b, "version", c.HardwareVersion)
	escIf(b, "serial", c.HardwareSerial)
	b.Asprintf("<uuid>%s</uuid>\n", c.HardwareUUID)
	b.AdjustIndent(-2)
	b.AddLit("</hardware>\n")
	b.AddLit("<firmware>\n")
	b.AdjustIndent(2)
	escIf(b, "vendor", c.FirmwareVendor)
	escIf(b, "version", c.FirmwareVersion)
	escIf(b, "release_date", c.FirmwareRelease)
	b.AdjustIndent(-2)
	b.AddLit("</firmware>\n")
}

func (*SystemCap) validate(*Def) error { return nil }

// escIf writes <name>value</name> when value is set.
func escIf(b *xmlbuf.Buffer, name, value string) {
	if value != "" {
		b.EscapeString("<"+name+">%s</"+name+">\n", value)
	}
}

// USBDeviceCap is a USB device (type='usb_device').
type USBDeviceCap struct {
	Bus, Device     uint32
	Vendor, Product uint32
	VendorName      string
	ProductName     string
}

func (*USBDeviceCap) CapType() string { return "usb_device" }

func parseUSBDevice(n *xmltree.Node, def *Def) (*USBDeviceCap, error) {
	c := &USBDeviceCap{}
	var err error
	if c.Bus, err = readULong(n, "bus", def, "no USB bus number supplied for '%s'", "invalid USB bus number supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Device, err = readULong(n, "device", def, "no USB device number supplied for '%s'", "invalid USB device number supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Vendor, err = readHexID(n, "vendor", def, "no USB vendor ID supplied for '%s'", "invalid USB vendor ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Product, err = readHexID(n, "product", def, "no USB product ID supplied for '%s'", "invalid USB product ID supplied for '%s'"); err != nil {
		return nil, err
	}
	c.VendorName, _ = xpathString(n, "vendor")
	c.ProductName, _ = xpathString(n, "product")
	return c, nil
}

func (c *USBDeviceCap) format(b *xmlbuf.Buffer) {
	b.Asprintf("<bus>%d</bus>\n", int32(c.Bus))
	b.Asprintf("<device>%d</device>\n", int32(c.Device))
	b.Asprintf("<product id='0x%04x'", c.Product)
	if c.ProductName != "" {
		b.EscapeString(">%s</product>\n", c.ProductName)
	} else {
		b.AddLit(" />\n")
	}
	b.Asprintf("<vendor id='0x%04x'", c.Vendor)
	if c.VendorName != "" {
		b.EscapeString(">%s</vendor>\n", c.VendorName)
	} else {
		b.AddLit(" />\n")
	}
}

func (*USBDeviceCap) validate(*Def) error { return nil }

// USBInterfaceCap is one interface of a USB device (type='usb').
type USBInterfaceCap struct {
	Number, Class, Subclass, Protocol uint32
	Description                       string
}

func (*USBInterfaceCap) CapType() string { return "usb" }

func parseUSBInterface(n *xmltree.Node, def *Def) (*USBInterfaceCap, error) {
	c := &USBInterfaceCap{}
	var err error
	if c.Number, err = readULong(n, "number", def, "no USB interface number supplied for '%s'", "invalid USB interface number supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Class, err = readULong(n, "class", def, "no USB interface class supplied for '%s'", "invalid USB interface class supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Subclass, err = readULong(n, "subclass", def, "no USB interface subclass supplied for '%s'", "invalid USB interface subclass supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Protocol, err = readULong(n, "protocol", def, "no USB interface protocol supplied for '%s'", "invalid USB interface protocol supplied for '%s'"); err != nil {
		return nil, err
	}
	c.Description, _ = xpathString(n, "description")
	return c, nil
}

func (c *USBInterfaceCap) format(b *xmlbuf.Buffer) {
	b.Asprintf("<number>%d</number>\n", int32(c.Number))
	b.Asprintf("<class>%d</class>\n", int32(c.Class))
	b.Asprintf("<subclass>%d</subclass>\n", int32(c.Subclass))
	b.Asprintf("<protocol>%d</protocol>\n", int32(c.Protocol))
	escIf(b, "description", c.Description)
}

func (*USBInterfaceCap) validate(*Def) error { return nil }

// netFeatures is libvirt's virNetDevFeature, in the order features are
// written.
var netFeatures = []string{"rx", "tx", "sg", "tso", "gso", "gro", "lro", "rxvlan", "txvlan", "ntuple", "rxhash", "rdma", "txudptnl", "switchdev"}

// NetCap is a network interface (type='net').
type NetCap struct {
	Interface string
	Address   string
	Link      iface.Link
	// Features are offload feature names as read; Format writes the known
	// ones once each in libvirt's order.
	Features []string
	// Subtype is the nested capability's type ("80203", "80211"), "" if none.
	Subtype string
}

func (*NetCap) CapType() string { return "net" }

func parseNet(n *xmltree.Node, def *Def) (*NetCap, error) {
	c := &NetCap{}
	var ok bool
	if c.Interface, ok = xpathString(n, "interface"); !ok {
		return nil, nodedevErr(virterr.InternalError, "no network interface supplied for '%s'", def.Name)
	}
	c.Address, _ = xpathString(n, "address")
	for _, f := range n.ChildrenNamed("feature") {
		name, ok := f.Attr("name")
		if !ok {
			return nil, nodedevErr(virterr.XMLError, "missing network device feature name")
		}
		c.Features = append(c.Features, name)
	}
	if sc := n.Child("capability"); sc != nil {
		if t, ok := sc.Attr("type"); ok && t != "" {
			c.Subtype = t
		}
	}
	if l := n.Child("link"); l != nil {
		lnk, err := iface.ParseLink(l)
		if err != nil {
			return nil, err
		}
		c.Link = lnk
	}
	return c, nil
}

func (c *NetCap) format(b *xmlbuf.Buffer) {
	b.EscapeString("<interface>%s</interface>\n", c.Interface)
	escIf(b, "address", c.Address)
	c.Link.Format(b)
	for _, known := range netFeatures {
		for _, f := range c.Features {
			if f == known {
				b.Asprintf("<feature name='%s'/>\n", known)
				break
			}
		}
	}
	if c.Subtype != "" {
		b.EscapeString("<capability type='%s'/>\n", c.Subtype)
	}
}

func (c *NetCap) validate(def *Def) error {
	for _, f := range c.Features {
		if !contains(netFeatures, f) {
			return nodedevErr(virterr.XMLError, "unknown network device feature '%s'", f)
		}
	}
	if c.Subtype != "" && c.Subtype != "80203" && c.Subtype != "80211" {
		return nodedevErr(virterr.ConfigUnsupported, "invalid network type supplied for '%s'", def.Name)
	}
	return c.Link.Validate()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SCSIHostCap is a SCSI host adapter (type='scsi_host'), possibly a fibre
// channel HBA that can create virtual ports.
type SCSIHostCap struct {
	Host uint32
	// UniqueID is -1 when absent.
	UniqueID  int
	FCHost    bool
	WWNN      string
	WWPN      string
	FabricWWN string
	VportOps  bool
	// MaxVports and Vports come from sysfs; libvirt does not read them.
	MaxVports int
	Vports    int
}

func (*SCSIHostCap) CapType() string { return "scsi_host" }

func parseSCSIHost(n *xmltree.Node, def *Def, mode Mode) (*SCSIHostCap, error) {
	c := &SCSIHostCap{UniqueID: -1}
	if mode == Existing {
		var err error
		if c.Host, err = readULong(n, "host", def, "no SCSI host ID supplied for '%s'", "invalid SCSI host ID supplied for '%s'"); err != nil {
			return nil, err
		}
		text, ok := xpathString(n, "unique_id")
		v, st := xpathInt(text, ok)
		switch st {
		case numInvalid:
			return nil, nodedevErr(virterr.InternalError, "invalid unique_id supplied for '%s'", def.Name)
		case numOK:
			c.UniqueID = v
		}
	}
	for _, sc := range n.ChildrenNamed("capability") {
		t, ok := sc.Attr("type")
		if !ok {
			return nil, nodedevErr(virterr.InternalError, "missing SCSI host capability type for '%s'", def.Name)
		}
		switch t {
		case "vport_ops":
			c.VportOps = true
		case "fc_host":
			c.FCHost = true
			c.WWNN, _ = xpathString(sc, "wwnn")
			c.WWPN, _ = xpathString(sc, "wwpn")
			c.FabricWWN, _ = xpathString(sc, "fabric_wwn")
			// A vHBA to create gets generated names (Defaults); an
			// existing host must name itself.
			if mode == Existing && c.WWNN == "" {
				return nil, nodedevErr(virterr.InternalError, "no WWNN supplied for '%s', and auto-generation failed", def.Name)
			}
			if mode == Existing && c.WWPN == "" {
				return nil, nodedevErr(virterr.InternalError, "no WWPN supplied for '%s', and auto-generation failed", def.Name)
			}
		default:
			return nil, nodedevErr(virterr.InternalError, "unknown SCSI host capability type '%s' for '%s'", t, def.Name)
		}
	}
	return c, nil
}

func (c *SCSIHostCap) format(b *xmlbuf.Buffer) {
	b.Asprintf("<host>%d</host>\n", int32(c.Host))
	if c.UniqueID != -1 {
		b.Asprintf("<unique_id>%d</unique_id>\n", c.UniqueID)
	}
	if c.FCHost {
		b.AddLit("<capability type='fc_host'>\n")
		b.AdjustIndent(2)
		escIf(b, "wwnn", c.WWNN)
		escIf(b, "wwpn", c.WWPN)
		escIf(b, "fabric_wwn", c.FabricWWN)
		b.AdjustIndent(-2)
		b.AddLit("</capability>\n")
	}
	if c.VportOps {
		b.AddLit("<capability type='vport_ops'>\n")
		b.AdjustIndent(2)
		b.Asprintf("<max_vports>%d</max_vports>\n", c.MaxVports)
		b.Asprintf("<vports>%d</vports>\n", c.Vports)
		b.AdjustIndent(-2)
		b.AddLit("</capability>\n")
	}
}

func (*SCSIHostCap) validate(*Def) error { return nil }

// SCSITargetCap is a SCSI target (type='scsi_target').
type SCSITargetCap struct {
	Target       string
	FCRemotePort bool
	RPort        string
	WWPN         string
}

func (*SCSITargetCap) CapType() string { return "scsi_target" }

func parseSCSITarget(n *xmltree.Node, def *Def) (*SCSITargetCap, error) {
	c := &SCSITargetCap{}
	var ok bool
	if c.Target, ok = xpathString(n, "target"); !ok {
		return nil, nodedevErr(virterr.InternalError, "no target name supplied for '%s'", def.Name)
	}
	for _, sc := range n.ChildrenNamed("capability") {
		t, ok := sc.Attr("type")
		if !ok {
			return nil, nodedevErr(virterr.InternalError, "missing type for SCSI target capability for '%s'", def.Name)
		}
		if t != "fc_remote_port" {
			return nil, nodedevErr(virterr.InternalError, "unknown SCSI target capability type '%s' for '%s'", t, def.Name)
		}
		c.FCRemotePort = true
		if c.RPort, ok = xpathString(sc, "rport"); !ok {
			return nil, nodedevErr(virterr.InternalError, "missing rport name for '%s'", def.Name)
		}
		if c.WWPN, ok = xpathString(sc, "wwpn"); !ok {
			return nil, nodedevErr(virterr.InternalError, "missing wwpn identifier for '%s'", def.Name)
		}
	}
	return c, nil
}

func (c *SCSITargetCap) format(b *xmlbuf.Buffer) {
	b.EscapeString("<target>%s</target>\n", c.Target)
	if c.FCRemotePort {
		b.AddLit("<capability type='fc_remote_port'>\n")
		b.AdjustIndent(2)
		b.EscapeString("<rport>%s</rport>\n", c.RPort)
		b.EscapeString("<wwpn>%s</wwpn>\n", c.WWPN)
		b.AdjustIndent(-2)
		b.AddLit("</capability>\n")
	}
}

func (*SCSITargetCap) validate(*Def) error { return nil }

// SCSICap is a SCSI device (type='scsi').
type SCSICap struct {
	Host, Bus, Target, Lun uint32
	Type                   string
}

func (*SCSICap) CapType() string { return "scsi" }

func parseSCSI(n *xmltree.Node, def *Def) (*SCSICap, error) {
	c := &SCSICap{}
	var err error
	if c.Host, err = readULong(n, "host", def, "no SCSI host ID supplied for '%s'", "invalid SCSI host ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Bus, err = readULong(n, "bus", def, "no SCSI bus ID supplied for '%s'", "invalid SCSI bus ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Target, err = readULong(n, "target", def, "no SCSI target ID supplied for '%s'", "invalid SCSI target ID supplied for '%s'"); err != nil {
		return nil, err
	}
	if c.Lun, err = readULong(n, "lun", def, "no SCSI LUN ID supplied for '%s'", "invalid SCSI LUN ID supplied for '%s'"); err != nil {
		return nil, err
	}
	c.Type, _ = xpathString(n, "type")
	return c, nil
}

func (c *SCSICap) format(b *xmlbuf.Buffer) {
	b.Asprintf("<host>%d</host>\n", int32(c.Host))
	b.Asprintf("<bus>%d</bus>\n", int32(c.Bus))
	b.Asprintf("<target>%d</target>\n", int32(c.Target))
	b.Asprintf("<lun>%d</lun>\n", int32(c.Lun))
	escIf(b, "type", c.Type)
}

func (*SCSICap) validate(*Def) error { return nil }

// StorageCap is a block device (type='storage').
type StorageCap struct {
	Block     string
	Bus       string
	DriveType string
	Model     string
	Vendor    string
	Serial    string
	Size      uint64
	Removable bool
	// MediaAvailable, MediaSize and MediaLabel describe removable media.
	MediaAvailable bool
	MediaSize      uint64
	MediaLabel     string
	Hotpluggable   bool
	// LogicalBlockSize and NumBlocks come from the host; libvirt does not
	// read them from XML.
	LogicalBlockSize uint64
	NumBlocks        uint64
}

func (*StorageCap) CapType() string { return "storage" }

func parseStorage(n *xmltree.Node, def *Def) (*StorageCap, error) {
	c := &StorageCap{}
	var ok bool
	if c.Block, ok = xpathString(n, "block"); !ok {
		return nil, nodedevErr(virterr.InternalError, "no block device path supplied for '%s'", def.Name)
	}
	c.Bus, _ = xpathString(n, "bus")
	c.DriveType, _ = xpathString(n, "drive_type")
	c.Model, _ = xpathString(n, "model")
	c.Vendor, _ = xpathString(n, "vendor")
	c.Serial, _ = xpathString(n, "serial")
	for _, sc := range n.ChildrenNamed("capability") {
		t, ok := sc.Attr("type")
		if !ok {
			return nil, nodedevErr(virterr.InternalError, "missing storage capability type for '%s'", def.Name)
		}
		switch t {
		case "hotpluggable":
			c.Hotpluggable = true
		case "removable":
			c.Removable = true
			for _, m := range sc.ChildrenNamed("media_available") {
				if m.Text == "1" {
					c.MediaAvailable = true
				}
			}
			c.MediaLabel, _ = xpathString(sc, "media_label")
			v, err := readULongLong(sc, "media_size", def, "no removable media size supplied for '%s'", "invalid removable media size supplied for '%s'")
			if err != nil {
				return nil, err
			}
			c.MediaSize = v
		default:
			return nil, nodedevErr(virterr.InternalError, "unknown storage capability type '%s' for '%s'", t, def.Name)
		}
	}
	if !c.Removable {
		v, err := readULongLong(n, "size", def, "no size supplied for '%s'", "invalid size supplied for '%s'")
		if err != nil {
			return nil, err
		}
		c.Size = v
	}
	return c, nil
}

func (c *StorageCap) format(b *xmlbuf.Buffer) {
	b.EscapeString("<block>%s</block>\n", c.Block)
	escIf(b, "bus", c.Bus)
	escIf(b, "drive_type", c.DriveType)
	escIf(b, "model", c.Model)
	escIf(b, "vendor", c.Vendor)
	escIf(b, "serial", c.Serial)
	if c.Removable {
		b.AddLit("<capability type='removable'>\n")
		b.AdjustIndent(2)
		avail := 0
		if c.MediaAvailable {
			avail = 1
		}
		b.Asprintf("<media_available>%d</media_available>\n", avail)
		b.Asprintf("<media_size>%d</media_size>\n", c.MediaSize)
		escIf(b, "media_label", c.MediaLabel)
		c.formatGeometry(b)
		b.AdjustIndent(-2)
		b.AddLit("</capability>\n")
	} else {
		b.Asprintf("<size>%d</size>\n", c.Size)
		c.formatGeometry(b)
	}
	if c.Hotpluggable {
		b.AddLit("<capability type='hotpluggable'/>\n")
	}
}

func (c *StorageCap) formatGeometry(b *xmlbuf.Buffer) {
	if c.LogicalBlockSize > 0 {
		b.Asprintf("<logical_block_size>%d</logical_block_size>\n", c.LogicalBlockSize)
	}
	if c.NumBlocks > 0 {
		b.Asprintf("<num_blocks>%d</num_blocks>\n", c.NumBlocks)
	}
}

func (*StorageCap) validate(*Def) error { return nil }

// SCSIGenericCap is a SCSI generic device (type='scsi_generic').
type SCSIGenericCap struct{ Char string }

func (*SCSIGenericCap) CapType() string { return "scsi_generic" }

func (c *SCSIGenericCap) format(b *xmlbuf.Buffer) { escIf(b, "char", c.Char) }

func (*SCSIGenericCap) validate(def *Def) error { return unreadableCap("scsi_generic", def) }

// VDPACap is a vDPA device (type='vdpa').
type VDPACap struct{ Chardev string }

func (*VDPACap) CapType() string { return "vdpa" }

func (c *VDPACap) format(b *xmlbuf.Buffer) { escIf(b, "chardev", c.Chardev) }

func (*VDPACap) validate(def *Def) error { return unreadableCap("vdpa", def) }

// drmTypes is libvirt's virNodeDevDRM.
var drmTypes = []string{"primary", "control", "render"}

// DRMCap is a DRM device node (type='drm').
type DRMCap struct {
	// Type is primary, control or render.
	Type string
}

func (*DRMCap) CapType() string { return "drm" }

func parseDRM(n *xmltree.Node) *DRMCap {
	t, _ := xpathString(n, "type")
	return &DRMCap{Type: t}
}

func (c *DRMCap) format(b *xmlbuf.Buffer) { escIf(b, "type", c.Type) }

func (c *DRMCap) validate(def *Def) error {
	if !contains(drmTypes, c.Type) {
		return nodedevErr(virterr.ConfigUnsupported, "unknown drm type '%s' for '%s'", c.Type, def.Name)
	}
	return nil
}

// MdevAttr is one vendor attribute of a mediated device.
type MdevAttr struct{ Name, Value string }

// MdevCap is a mediated device (type='mdev').
type MdevCap struct {
	Type string
	UUID string
	// ParentAddr is the parent's address as the node device driver reads
	// it from sysfs; libvirt does not read it from XML.
	ParentAddr string
	IommuGroup uint32
	Attrs      []MdevAttr
}

func (*MdevCap) CapType() string { return "mdev" }

func parseMdev(n *xmltree.Node, def *Def) (*MdevCap, error) {
	c := &MdevCap{}
	if t := n.Child("type"); t != nil {
		c.Type = t.Prop("id")
	}
	if c.Type == "" {
		return nil, nodedevErr(virterr.ConfigUnsupported, "missing type id attribute for '%s'", def.Name)
	}
	if s, ok := xpathString(n, "uuid"); ok {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, nodedevErr(virterr.InternalError, "Invalid uuid '%s' for new mdev device", s)
		}
		c.UUID = id.String()
	}
	if g := n.Child("iommuGroup"); g != nil {
		v, st := xpathUInt(g.Prop("number"), true, 10)
		switch st {
		case numInvalid:
			return nil, nodedevErr(virterr.InternalError, "invalid iommuGroup number attribute for '%s'", def.Name)
		case numOK:
			c.IommuGroup = v
		}
	}
	for _, a := range n.ChildrenNamed("attr") {
		name, nok := a.Attr("name")
		value, vok := a.Attr("value")
		// libvirt drops an attribute lacking its name or value (it logs
		// the error but carries on).
		if !nok || !vok || name == "" || value == "" {
			continue
		}
		c.Attrs = append(c.Attrs, MdevAttr{Name: name, Value: value})
	}
	return c, nil
}

func (c *MdevCap) format(b *xmlbuf.Buffer) {
	b.EscapeString("<type id='%s'/>\n", c.Type)
	escIf(b, "uuid", c.UUID)
	escIf(b, "parent_addr", c.ParentAddr)
	b.Asprintf("<iommuGroup number='%d'/>\n", c.IommuGroup)
	for _, a := range c.Attrs {
		b.Add(fmt.Sprintf("<attr name='%s' value='%s'/>\n", xmlbuf.Escape(a.Name), xmlbuf.Escape(a.Value)))
	}
}

func (*MdevCap) validate(*Def) error { return nil }
