// Package nodedev reads and writes libvirt's node device XML (<device>),
// as src/conf/node_device_conf.c does in libvirt 9.0: a device's name,
// sysfs path, device nodes, parent, driver and its capabilities (system,
// pci, usb_device, usb, net, scsi_host, scsi_target, scsi, storage,
// scsi_generic, drm, mdev, ccw, css, vdpa, ap_card, ap_queue, ap_matrix).
//
// Parse checks syntax only; Validate holds libvirt's semantic checks and
// the enum checks libvirt's parser makes, so a definition saved by a newer
// version still loads. Format writes libvirt's canonical XML, byte for
// byte: where libvirt prints an unsigned field with %d (a PCI domain, a
// SCSI or USB number, an IOMMU group, a link width), so does Format, so
// values of 2^31 and more come out negative just as libvirt writes them.
package nodedev

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Def is one node device.
type Def struct {
	Name string
	// Path is the device's sysfs path (<path>).
	Path string
	// Devnode is the /dev node (<devnode type='dev'>), nil when there is
	// none (an empty one is still written); Devlinks are its symlinks
	// (<devnode type='link'>).
	Devnode  *string
	Devlinks []string
	Parent   string
	// The parent of a vHBA may be named by its fibre channel names instead;
	// they are read for device creation and never written back.
	ParentWWNN      string
	ParentWWPN      string
	ParentFabricWWN string
	// Driver is filled in by the node device driver from sysfs; libvirt
	// never reads it from XML.
	Driver string
	Caps   []Cap
}

// Cap is one top-level <capability>. Each capability type has its own
// struct; consumers select with a type switch.
type Cap interface {
	// CapType is the capability's type attribute ("pci", "net", …).
	CapType() string
	format(b *xmlbuf.Buffer)
	validate(def *Def) error
}

// Mode says whether a document describes a device that exists on the host
// (libvirt's EXISTING_DEVICE: the name and host numbers are read) or one
// to create (CREATE_DEVICE: the name is "new device").
type Mode int

const (
	Existing Mode = iota
	Create
)

// DocName is what parse errors call the document, as libvirt does.
const DocName = "(node_device_definition)"

// Parse reads a <device> document describing an existing device.
func Parse(data []byte) (*Def, error) {
	return ParseMode(data, Existing)
}

// ParseMode reads a <device> document in the given mode.
func ParseMode(data []byte, mode Mode) (*Def, error) {
	root, err := xmltree.ParseRootFrom(data, DocName, "device", virterr.FromNodedev)
	if err != nil {
		return nil, err
	}
	return ParseNode(root, mode)
}

// ParseNode reads an already parsed <device> element (the test driver's
// and the state files' embedded definitions).
func ParseNode(root *xmltree.Node, mode Mode) (*Def, error) {
	if root.Name != "device" {
		return nil, nodedevErr(virterr.XMLError, "unexpected root element <%s> expecting <device>", root.Name)
	}
	def := &Def{}
	if mode == Existing {
		name, ok := xpathString(root, "name")
		if !ok {
			return nil, nodedevErr(virterr.NoName, "")
		}
		def.Name = name
	} else {
		def.Name = "new device"
	}
	def.Path, _ = xpathString(root, "path")

	for _, dn := range root.ChildrenNamed("devnode") {
		t, ok := dn.Attr("type")
		if !ok {
			return nil, missingAttr(dn, "type")
		}
		switch t {
		case "dev":
			text := dn.Text
			def.Devnode = &text
		case "link":
			def.Devlinks = append(def.Devlinks, dn.Text)
		default:
			return nil, invalidEnumAttr("type", "devnode", t)
		}
	}

	if p := root.Child("parent"); p != nil {
		def.Parent = p.Text
		def.ParentWWNN = p.Prop("wwnn")
		def.ParentWWPN = p.Prop("wwpn")
		def.ParentFabricWWN = p.Prop("fabric_wwn")
	}
	if def.ParentWWNN != "" && def.ParentWWPN == "" {
		return nil, nodedevErr(virterr.XMLError, "when providing parent wwnn='%s', the wwpn must also be provided", def.ParentWWNN)
	}
	if def.ParentWWNN == "" && def.ParentWWPN != "" {
		return nil, nodedevErr(virterr.XMLError, "when providing parent wwpn='%s', the wwnn must also be provided", def.ParentWWPN)
	}

	caps := root.ChildrenNamed("capability")
	if len(caps) == 0 {
		return nil, nodedevErr(virterr.InternalError, "no device capabilities for '%s'", def.Name)
	}
	for _, c := range caps {
		cp, err := parseCap(c, def, mode)
		if err != nil {
			return nil, err
		}
		def.Caps = append(def.Caps, cp)
	}
	return def, nil
}

func parseCap(n *xmltree.Node, def *Def, mode Mode) (Cap, error) {
	t, ok := n.Attr("type")
	if !ok {
		return nil, missingAttr(n, "type")
	}
	switch t {
	case "system":
		return parseSystem(n, def)
	case "pci":
		return parsePCI(n, def)
	case "usb_device":
		return parseUSBDevice(n, def)
	case "usb":
		return parseUSBInterface(n, def)
	case "net":
		return parseNet(n, def)
	case "scsi_host":
		return parseSCSIHost(n, def, mode)
	case "scsi_target":
		return parseSCSITarget(n, def)
	case "scsi":
		return parseSCSI(n, def)
	case "storage":
		return parseStorage(n, def)
	case "drm":
		return parseDRM(n), nil
	case "mdev":
		return parseMdev(n, def)
	case "ccw":
		a, err := parseCCWAddress(n, def.Name)
		if err != nil {
			return nil, err
		}
		return &CCWCap{Address: a}, nil
	case "css":
		return parseCSS(n, def)
	case "ap_card":
		a, err := parseAPAdapter(n, def)
		if err != nil {
			return nil, err
		}
		return &APCardCap{Adapter: a}, nil
	case "ap_queue":
		return parseAPQueue(n, def)
	case "ap_matrix":
		return parseAPMatrix(n)
	case "scsi_generic":
		// libvirt formats these but cannot read them back; reading them
		// keeps a driver's saved state intact.
		c, _ := xpathString(n, "char")
		return &SCSIGenericCap{Char: c}, nil
	case "vdpa":
		c, _ := xpathString(n, "chardev")
		return &VDPACap{Chardev: c}, nil
	}
	return &UnknownCap{Type: t, Node: n}, nil
}

// Format writes the device as libvirt's virNodeDeviceDefFormat does.
func (def *Def) Format() string {
	b := xmlbuf.New()
	b.AddLit("<device>\n")
	b.AdjustIndent(2)
	b.EscapeString("<name>%s</name>\n", def.Name)
	if def.Path != "" {
		b.EscapeString("<path>%s</path>\n", def.Path)
	}
	if def.Devnode != nil {
		b.EscapeString("<devnode type='dev'>%s</devnode>\n", *def.Devnode)
	}
	for _, l := range def.Devlinks {
		b.EscapeString("<devnode type='link'>%s</devnode>\n", l)
	}
	if def.Parent != "" {
		b.EscapeString("<parent>%s</parent>\n", def.Parent)
	}
	if def.Driver != "" {
		b.AddLit("<driver>\n")
		b.AdjustIndent(2)
		b.EscapeString("<name>%s</name>\n", def.Driver)
		b.AdjustIndent(-2)
		b.AddLit("</driver>\n")
	}
	for _, c := range def.Caps {
		if u, ok := c.(*UnknownCap); ok {
			b.FormatNode(u.Node)
			continue
		}
		b.Add("<capability type='" + xmlbuf.Escape(c.CapType()) + "'>\n")
		b.AdjustIndent(2)
		c.format(b)
		b.AdjustIndent(-2)
		b.AddLit("</capability>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</device>\n")
	return b.String()
}

// Validate makes the checks libvirt's parser makes beyond syntax (known
// enum values, the capability types it can read) and the range checks
// its drivers make before using a definition.
func (def *Def) Validate() error {
	for _, c := range def.Caps {
		if err := c.validate(def); err != nil {
			return err
		}
	}
	return nil
}

// UnknownCap keeps a capability of a type this version does not know.
type UnknownCap struct {
	Type string
	Node *xmltree.Node
}

func (c *UnknownCap) CapType() string { return c.Type }

func (c *UnknownCap) format(b *xmlbuf.Buffer) {}

func (c *UnknownCap) validate(def *Def) error {
	switch c.Type {
	case "mdev_types", "fc_host", "vports", "vpd":
		return unreadableCap(c.Type, def)
	}
	return invalidEnumAttr("type", "capability", c.Type)
}

// capTypeNumbers are libvirt's virNodeDevCapType values, which its
// "unknown capability type" error prints as numbers.
var capTypeNumbers = map[string]int{
	"system": 0, "pci": 1, "usb_device": 2, "usb": 3, "net": 4,
	"scsi_host": 5, "scsi_target": 6, "scsi": 7, "storage": 8,
	"fc_host": 9, "vports": 10, "scsi_generic": 11, "drm": 12,
	"mdev_types": 13, "mdev": 14, "ccw": 15, "css": 16, "vdpa": 17,
	"ap_card": 18, "ap_queue": 19, "ap_matrix": 20, "vpd": 21,
}

func unreadableCap(t string, def *Def) error {
	return nodedevErr(virterr.InternalError, "unknown capability type '%d' for '%s'", capTypeNumbers[t], def.Name)
}
