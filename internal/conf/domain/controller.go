package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Controller is <controller>: a bus controller (virDomainControllerDef).
// Numbers libvirt keeps as "unset" are -1 here too.
type Controller struct {
	Type  string // ide when not given
	Index int    // -1 until post-parse assigns one
	Model string // "" is the hypervisor's default
	// negativeIndex is an index='-N' as written: libvirt's parser refuses
	// it; Parse keeps it (-1 reads as no index) and PostParse refuses it
	// before assigning indexes.
	negativeIndex string

	// Ports is the port count of virtio-serial and USB controllers,
	// Vectors the MSI vectors of virtio-serial ones.
	Ports   int
	Vectors int
	// MaxGrantFrames and MaxEventChannels belong to xenbus.
	MaxGrantFrames   int
	MaxEventChannels int

	// PCI controllers: <model name>, the <target> settings and the
	// 64-bit PCI hole of a root bus.
	ModelName   string
	ChassisNr   int
	Chassis     int
	Port        int
	BusNr       int
	TargetIndex int
	NUMANode    int
	Hotplug     string // on, off, "" when absent
	// PCIHole64 is in KiB; HasPCIHole64 says whether it was given.
	PCIHole64    uint64
	HasPCIHole64 bool

	// <driver>: 0 or "" when absent.
	Queues     uint64
	CmdPerLun  uint64
	MaxSectors uint64
	IOEventFD  string
	IOThread   uint64
	Virtio     VirtioOptions
}

func init() {
	typedKinds["controller"] = func(n *xmltree.Node, flags ParseFlags) (deviceBody, error) {
		return parseController(n)
	}
	kindParse["controller"] = parseControllerMaster
}

// Controller returns the device's typed content, nil for other kinds.
func (g *Device) Controller() *Controller {
	x, _ := g.typed().(*Controller)
	return x
}

// controllerModels are the models libvirt knows per controller type
// (virDomainControllerModelTypeFromString); types not listed take none.
var controllerModels = map[string][]string{
	"scsi": {"auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi", "virtio-scsi",
		"lsisas1078", "virtio-transitional", "virtio-non-transitional", "ncr53c90", "am53c974", "dc390"},
	"usb": {"piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3",
		"vt82c686b-uhci", "pci-ohci", "nec-xhci", "qusb1", "qusb2", "qemu-xhci", "none"},
	"pci": {"pci-root", "pcie-root", "pci-bridge", "dmi-to-pci-bridge", "pcie-root-port",
		"pcie-switch-upstream-port", "pcie-switch-downstream-port", "pci-expander-bus",
		"pcie-expander-bus", "pcie-to-pci-bridge"},
	"ide":           {"piix3", "piix4", "ich6"},
	"virtio-serial": {"virtio", "virtio-transitional", "virtio-non-transitional"},
}

var controllerTypes = []string{"ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus", "isa"}

var pciModelNames = []string{"none", "pci-bridge", "i82801b11-bridge", "ioh3420", "x3130-upstream",
	"xio3130-downstream", "pxb", "pxb-pcie", "pcie-root-port", "spapr-pci-host-bridge", "pcie-pci-bridge"}

// parseController is virDomainControllerDefParseXML.
func parseController(n *xmltree.Node) (*Controller, error) {
	c := &Controller{Type: "ide", Index: -1, Ports: -1, Vectors: -1, MaxGrantFrames: -1, MaxEventChannels: -1,
		ChassisNr: -1, Chassis: -1, Port: -1, BusNr: -1, TargetIndex: -1, NUMANode: -1}
	if t, ok := n.Attr("type"); ok {
		c.Type = t
	}
	c.Model = n.Prop("model")
	if s, ok := n.Attr("index"); ok {
		idx, err := parseControllerIndex(s)
		if err != nil {
			return nil, err
		}
		c.Index = int(idx)
		if idx < 0 {
			c.negativeIndex = s
		}
	}
	if models := n.ChildrenNamed("model"); len(models) > 1 {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Multiple <model> elements in controller definition not allowed")
	} else if len(models) == 1 && c.Type == "pci" {
		c.ModelName = models[0].Prop("name")
	}
	targets := n.ChildrenNamed("target")
	if len(targets) > 1 {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Multiple <target> elements in controller definition not allowed")
	}
	if len(targets) == 1 && c.Type == "pci" {
		t := targets[0]
		for _, f := range []struct {
			name string
			dst  *int
		}{{"chassisNr", &c.ChassisNr}, {"chassis", &c.Chassis}, {"port", &c.Port}, {"busNr", &c.BusNr}, {"index", &c.TargetIndex}} {
			v, ok, err := propIntC(t, f.name, 0)
			if err != nil {
				return nil, err
			}
			if ok {
				*f.dst = v
			}
		}
		c.Hotplug = t.Prop("hotplug")
		if node := t.Child("node"); node != nil {
			v, err := strconv.ParseInt(strings.TrimSpace(node.Text), 10, 32)
			if err != nil || v < 0 {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "invalid NUMA node in target")
			}
			c.NUMANode = int(v)
		}
	}
	if drv := n.Child("driver"); drv != nil {
		for _, f := range []struct {
			name string
			dst  *uint64
		}{{"queues", &c.Queues}, {"cmd_per_lun", &c.CmdPerLun}, {"max_sectors", &c.MaxSectors}, {"iothread", &c.IOThread}} {
			v, _, err := propUint(drv, f.name, 32)
			if err != nil {
				return nil, err
			}
			*f.dst = v
		}
		c.IOEventFD = drv.Prop("ioeventfd")
		c.Virtio = parseVirtioOptions(drv)
	}
	var err error
	switch c.Type {
	case "virtio-serial":
		if c.Ports, err = propIntDefault(n, "ports", -1); err != nil {
			return nil, err
		}
		if c.Vectors, err = propIntDefault(n, "vectors", -1); err != nil {
			return nil, err
		}
	case "usb":
		if c.Ports, err = propIntDefault(n, "ports", -1); err != nil {
			return nil, err
		}
	case "xenbus":
		if c.MaxGrantFrames, err = propIntDefault(n, "maxGrantFrames", -1); err != nil {
			return nil, err
		}
		if c.MaxEventChannels, err = propIntDefault(n, "maxEventChannels", -1); err != nil {
			return nil, err
		}
	case "pci":
		if ph := n.Child("pcihole64"); ph != nil && (c.Model == "pci-root" || c.Model == "pcie-root") {
			v, present, err := scaledBytes(ph, "./pcihole64", 1024)
			if err != nil {
				return nil, err
			}
			c.PCIHole64 = (v + 1023) / 1024
			c.HasPCIHole64 = present
		}
	}
	return c, nil
}

// parseControllerMaster gives ICH9 UHCI companions without a <master>
// the start port libvirt's parser gives them: ports 0, 2 and 4 of the
// EHCI.
func parseControllerMaster(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	if n.Prop("type") != "usb" || dev.Info.MasterStartPort != "" {
		return nil
	}
	switch n.Prop("model") {
	case "ich9-uhci1":
		dev.Info.MasterStartPort = "0"
	case "ich9-uhci2":
		dev.Info.MasterStartPort = "2"
	case "ich9-uhci3":
		dev.Info.MasterStartPort = "4"
	}
	return nil
}

// propIntC reads an optional int attribute as virXMLPropInt with the given
// base does (0 is strtol's automatic base).
func propIntC(n *xmltree.Node, name string, base int) (int, bool, error) {
	s, ok := n.Attr(name)
	if !ok {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(strings.TrimLeft(s, " \t\n\v\f\r"), base, 32)
	if err != nil {
		return 0, false, errInvalidNumberProp(n.Name, name, s, expectInt)
	}
	return int(v), true, nil
}

func propIntDefault(n *xmltree.Node, name string, def int) (int, error) {
	v, ok, err := propIntC(n, name, 10)
	if err != nil || !ok {
		return def, err
	}
	return v, nil
}

func (c *Controller) formatAttrs(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Attr("type", c.Type)
	if c.Index != -1 {
		b.Asprintf(" index='%d'", c.Index)
	}
	b.AttrIf("model", c.Model)
	switch c.Type {
	case "virtio-serial":
		if c.Ports != -1 {
			b.Asprintf(" ports='%d'", c.Ports)
		}
		if c.Vectors != -1 {
			b.Asprintf(" vectors='%d'", c.Vectors)
		}
	case "usb":
		if c.Ports != -1 {
			b.Asprintf(" ports='%d'", c.Ports)
		}
	case "xenbus":
		if c.MaxGrantFrames != -1 {
			b.Asprintf(" maxGrantFrames='%d'", c.MaxGrantFrames)
		}
		if c.MaxEventChannels != -1 {
			b.Asprintf(" maxEventChannels='%d'", c.MaxEventChannels)
		}
	}
}

// formatChildren is virDomainControllerDefFormat up to the device info;
// the 64-bit hole prints after it (formatTrailer).
func (c *Controller) formatChildren(b *xmlbuf.Buffer, flags FormatFlags) {
	if c.Type == "pci" {
		if c.ModelName != "" && c.ModelName != "none" &&
			!(c.Model == "pci-root" && c.ModelName == "spapr-pci-host-bridge" && flags&FormatMigratable != 0) {
			b.EscapeString("<model name='%s'/>\n", c.ModelName)
		}
		if c.ChassisNr != -1 || c.Chassis != -1 || c.Port != -1 || c.BusNr != -1 || c.TargetIndex != -1 || c.NUMANode != -1 || c.Hotplug != "" {
			b.Add("<target")
			if c.ChassisNr != -1 {
				b.Asprintf(" chassisNr='%d'", c.ChassisNr)
			}
			if c.Chassis != -1 {
				b.Asprintf(" chassis='%d'", c.Chassis)
			}
			if c.Port != -1 {
				b.Asprintf(" port='0x%x'", c.Port)
			}
			if c.BusNr != -1 {
				b.Asprintf(" busNr='%d'", c.BusNr)
			}
			if c.TargetIndex != -1 {
				b.Asprintf(" index='%d'", c.TargetIndex)
			}
			b.AttrIf("hotplug", c.Hotplug)
			if c.NUMANode == -1 {
				b.Add("/>\n")
			} else {
				b.Add(">\n")
				b.Asprintf("  <node>%d</node>\n", c.NUMANode)
				b.Add("</target>\n")
			}
		}
	}
	attrs := b.Inherit()
	if c.Queues != 0 {
		attrs.Attrf("queues", "%d", c.Queues)
	}
	if c.CmdPerLun != 0 {
		attrs.Attrf("cmd_per_lun", "%d", c.CmdPerLun)
	}
	if c.MaxSectors != 0 {
		attrs.Attrf("max_sectors", "%d", c.MaxSectors)
	}
	attrs.AttrIf("ioeventfd", c.IOEventFD)
	if c.IOThread != 0 {
		attrs.Attrf("iothread", "%d", c.IOThread)
	}
	c.Virtio.format(attrs)
	b.FormatElement("driver", attrs, nil)
}

// formatTrailer writes what libvirt prints after the device info.
func (c *Controller) formatTrailer(b *xmlbuf.Buffer, flags FormatFlags) {
	if c.Type == "pci" && c.HasPCIHole64 {
		b.Asprintf("<pcihole64 unit='KiB'>%d</pcihole64>\n", c.PCIHole64)
	}
}

// validate holds libvirt's checks of one controller: the values its
// parser refuses, which this package keeps, and
// virDomainControllerDefValidate.
func (c *Controller) validate() error {
	if err := checkEnum("controller", "type", c.Type, controllerTypes...); err != nil {
		return err
	}
	if c.Model != "" {
		known := false
		for _, m := range controllerModels[c.Type] {
			known = known || m == c.Model
		}
		if !known {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "Unknown model type '%s'", c.Model)
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"ports", c.Ports}, {"vectors", c.Vectors}, {"maxGrantFrames", c.MaxGrantFrames}, {"maxEventChannels", c.MaxEventChannels}} {
		if f.v < -1 {
			return errInvalidNumberProp("controller", f.name, strconv.Itoa(f.v), expectNonNegative)
		}
	}
	if err := checkEnum("model", "name", c.ModelName, pciModelNames...); err != nil {
		return err
	}
	if err := checkEnum("target", "hotplug", c.Hotplug, tristateSwitch...); err != nil {
		return err
	}
	if err := checkEnum("driver", "ioeventfd", c.IOEventFD, tristateSwitch...); err != nil {
		return err
	}
	if err := c.Virtio.validate(); err != nil {
		return err
	}
	if c.IOThread != 0 && c.Model != "" && c.Model != "virtio-scsi" && c.Model != "virtio-transitional" && c.Model != "virtio-non-transitional" {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "'iothread' attribute only supported for virtio scsi controllers")
	}
	if c.Type != "pci" {
		return nil
	}
	unsupported := func(format string, args ...any) error {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, format, args...)
	}
	if c.Index > 255 {
		return unsupported("PCI controller index %d too high, maximum is 255", c.Index)
	}
	if c.TargetIndex != -1 {
		if c.TargetIndex < 0 || c.TargetIndex > 30 {
			return unsupported("PCI controller target index '%d' out of range - must be 0-30", c.TargetIndex)
		}
		if (c.Index == 0) != (c.TargetIndex == 0) {
			return unsupported("Only the PCI controller with index 0 can have target index 0, and vice versa")
		}
	}
	if c.ChassisNr != -1 && (c.ChassisNr < 1 || c.ChassisNr > 255) {
		return unsupported("PCI controller chassisNr '%d' out of range - must be 1-255", c.ChassisNr)
	}
	if c.Chassis != -1 && (c.Chassis < 0 || c.Chassis > 255) {
		return unsupported("PCI controller chassis '%d' out of range - must be 0-255", c.Chassis)
	}
	if c.Port != -1 && (c.Port < 0 || c.Port > 255) {
		return unsupported("PCI controller port '%d' out of range - must be 0-255", c.Port)
	}
	if c.BusNr != -1 && (c.BusNr < 1 || c.BusNr > 254) {
		return unsupported("PCI controller busNr '%d' out of range - must be 1-254", c.BusNr)
	}
	if c.NUMANode >= 0 && c.Index == 0 {
		return unsupported("The PCI controller with index=0 can't be associated with a NUMA node")
	}
	return nil
}

// parseControllerIndex reads <controller index> as virXMLPropInt with
// VIR_XML_PROP_NONNEGATIVE does: a base-10 int.
func parseControllerIndex(s string) (int64, error) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	v, err := strconv.ParseInt(t, 10, 32)
	if err != nil {
		return 0, errInvalidNumberProp("controller", "index", s, expectInt)
	}
	return v, nil
}

// validateControllers runs each controller's checks, and refuses a USB
// controller next to a model='none' one (virDomainDefParseXML).
func (d *Devices) validateControllers() error {
	usbNone, usbOther := false, false
	companions, masters := 0, 0
	for _, dev := range d.ByKind["controller"] {
		c := dev.Controller()
		if c == nil {
			continue
		}
		if err := c.validate(); err != nil {
			return err
		}
		if c.Type == "usb" {
			if c.Model == "none" {
				usbNone = true
			} else {
				usbOther = true
			}
			if isUHCICompanion(c.Model) {
				companions++
			} else {
				masters++
			}
		}
	}
	if usbNone && usbOther {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Can't add another USB controller: USB is disabled for this domain")
	}
	// UHCI companions alone have no controller to be companions of (what
	// libvirt 9.0's test driver answers for every such set, whatever the
	// indexes).
	if companions > 0 && masters == 0 {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "%s", "No master USB controller specified")
	}
	return nil
}

// controllerIndex is <controller index>, -1 when absent or unreadable.
func controllerIndex(c *Device) int {
	s, ok := c.attrs.get("index")
	if !ok {
		return -1
	}
	v, err := parseUintC(s, 31)
	if err != nil {
		return -1
	}
	return int(v)
}

// insertController adds a controller where libvirt's
// virDomainControllerInsert puts it: grouped with its type, by index.
func insertController(list []*Device, c *Device) []*Device {
	insertAt := -1
	idx := controllerIndex(c)
	for i := len(list) - 1; i >= 0; i-- {
		cur := list[i]
		if cur.Attr("type") != c.Attr("type") {
			continue
		}
		if idx == -1 {
			insertAt = i + 1
			break
		}
		if controllerIndex(cur) > idx {
			insertAt = i
		} else if c.Info.MasterStartPort == "" && cur.Info.MasterStartPort != "" && controllerIndex(cur) == idx {
			// a USB master goes before its companions
			insertAt = i
		} else if insertAt == -1 {
			insertAt = i + 1
		}
	}
	if insertAt == -1 {
		return append(list, c)
	}
	list = append(list, nil)
	copy(list[insertAt+1:], list[insertAt:])
	list[insertAt] = c
	return list
}

// hasController reports whether a controller of type and index exists.
func (d *Devices) hasController(typ string, idx int) bool {
	for _, c := range d.ByKind["controller"] {
		if c.Attr("type") == typ && controllerIndex(c) == idx {
			return true
		}
	}
	return false
}

// maybeAddController adds an implicit controller as libvirt's
// virDomainDefMaybeAddController does.
func (d *Devices) maybeAddController(typ string, idx int, model string) {
	if d.hasController(typ, idx) {
		return
	}
	c := &Device{Kind: "controller"}
	c.SetAttr("type", typ)
	c.SetAttr("index", strconv.Itoa(idx))
	if model != "" {
		c.SetAttr("model", model)
	}
	// virDomainDefAddController appends; only parsing sorts
	d.ByKind["controller"] = append(d.ByKind["controller"], c)
}

// isUHCICompanion says model is one of the ICH9 EHCI's UHCI companions.
func isUHCICompanion(model string) bool {
	return model == "ich9-uhci1" || model == "ich9-uhci2" || model == "ich9-uhci3"
}

// isUSB2Controller is IS_USB2_CONTROLLER: an ICH9 EHCI or one of its
// UHCI companions.
func isUSB2Controller(c *Device) bool {
	if c.Attr("type") != "usb" {
		return false
	}
	switch c.Attr("model") {
	case "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3":
		return true
	}
	return false
}

// assignControllerIndexes gives controllers without an index one
// (virDomainAssignControllerIndexes): a USB2 controller right after
// another USB2 controller joins that one's group unless the group has its
// model already; others take the lowest unused index of their type.
func (d *Devices) assignControllerIndexes() error {
	list := d.ByKind["controller"]
	for _, g := range list {
		if c := g.Controller(); c != nil && c.negativeIndex != "" {
			return errInvalidNumberProp("controller", "index", c.negativeIndex, expectNonNegative)
		}
	}
	for i, c := range list {
		if _, ok := c.attrs.get("index"); ok {
			continue
		}
		if i > 0 && isUSB2Controller(c) && isUSB2Controller(list[i-1]) {
			if prev := controllerIndex(list[i-1]); prev >= 0 && !d.hasUSBModelAt(prev, c.Attr("model")) {
				c.setIndexFirst(prev)
				continue
			}
		}
		idx := 0
		for d.hasController(c.Attr("type"), idx) {
			idx++
		}
		c.setIndexFirst(idx)
	}
	return nil
}

// hasUSBModelAt reports whether the USB group at idx has a controller of
// model already: a second one starts a new group.
func (d *Devices) hasUSBModelAt(idx int, model string) bool {
	for _, c := range d.ByKind["controller"] {
		if c.Attr("type") == "usb" && controllerIndex(c) == idx && c.Attr("model") == model {
			return true
		}
	}
	return false
}

// setIndexFirst sets index right after type, where libvirt prints it.
func (c *Device) setIndexFirst(idx int) {
	c.attrs.set("index", strconv.Itoa(idx))
}
