package command

import (
	"strconv"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("controllers", buildControllers)
	RegisterStep("ccid-controllers", buildCCIDControllers)
	RegisterStep("hubs", buildHubs)
}

// usbControllerDriver is qemuControllerModelUSB.
var usbControllerDriver = map[string]string{
	"piix3-uhci": "piix3-usb-uhci", "piix4-uhci": "piix4-usb-uhci", "ehci": "usb-ehci",
	"ich9-ehci1": "ich9-usb-ehci1", "ich9-uhci1": "ich9-usb-uhci1", "ich9-uhci2": "ich9-usb-uhci2",
	"ich9-uhci3": "ich9-usb-uhci3", "vt82c686b-uhci": "vt82c686b-usb-uhci", "pci-ohci": "pci-ohci",
	"nec-xhci": "nec-usb-xhci", "qusb1": "qusb1", "qusb2": "qusb2", "qemu-xhci": "qemu-xhci",
}

var usbControllerCap = map[string]caps.Flag{
	"piix3-uhci": caps.PIIX3USBUHCI, "piix4-uhci": caps.PIIX4USBUHCI, "ehci": caps.USBEHCI,
	"ich9-ehci1": caps.ICH9USBEhci1, "ich9-uhci1": caps.ICH9USBEhci1, "ich9-uhci2": caps.ICH9USBEhci1,
	"ich9-uhci3": caps.ICH9USBEhci1, "vt82c686b-uhci": caps.VT82C686BUSBUHCI, "pci-ohci": caps.PCIOHCI,
	"nec-xhci": caps.NecUSBXHCI, "qemu-xhci": caps.DeviceQEMUXHCI,
}

func intAttr(s string) int64 {
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return -1
	}
	return v
}

// usbControllerProps is qemuBuildUSBControllerDevProps.
func (b *Builder) usbControllerProps(c *domain.Device) (*Props, error) {
	model := c.Attr("model")
	if model == "" {
		return nil, Unsupported("no model provided for USB controller")
	}
	if f, ok := usbControllerCap[model]; !ok || !b.Has(f) {
		return nil, Unsupported("USB controller model '%s' not supported in this QEMU binary", model)
	}
	ports := intAttr(c.Attr("ports"))
	if ports != -1 && model != "nec-xhci" && model != "qemu-xhci" {
		return nil, Unsupported("usb controller type '%s' doesn't support 'ports' with this QEMU binary", model)
	}
	p := NewProps().Str("driver", usbControllerDriver[model]).IntNN("p2", ports).IntNN("p3", ports)
	if c.Info.MasterStartPort != "" {
		var master string
		for _, o := range b.Def.Devices.Controllers() {
			if o.Attr("type") == "usb" && o.Attr("index") == c.Attr("index") && o.Info.MasterStartPort == "" {
				master = o.Info.Alias
				break
			}
		}
		if master == "" {
			return nil, Internal("masterbus not found")
		}
		p.Str("masterbus", master+".0").Int("firstport", intAttr(c.Info.MasterStartPort))
	} else {
		p.Str("id", c.Info.Alias)
	}
	return p, nil
}

var scsiControllerDriver = map[string]string{
	"lsilogic": "lsi", "ibmvscsi": "spapr-vscsi", "lsisas1068": "mptsas1068",
	"lsisas1078": "megasas", "vmpvscsi": "pvscsi", "am53c974": "am53c974", "dc390": "dc-390",
}

func (b *Builder) scsiControllerProps(c *domain.Device) (*Props, error) {
	model := scsiModel(b, c)
	switch model {
	case "virtio-scsi", "virtio-transitional", "virtio-non-transitional":
		p, err := b.virtioDevProps("virtio-scsi", c, &c.Info, model, true)
		if err != nil {
			return nil, err
		}
		drv := c.Child("driver")
		prop := func(n string) string {
			if drv == nil {
				return ""
			}
			return drv.Prop(n)
		}
		if it := prop("iothread"); it != "" {
			p.Str("iothread", "iothread"+it)
		}
		p.Str("id", c.Info.Alias)
		if v := intAttr(prop("queues")); v > 0 {
			p.Int("num_queues", v)
		}
		if v := intAttr(prop("cmd_per_lun")); v > 0 {
			p.Int("cmd_per_lun", v)
		}
		if v := intAttr(prop("max_sectors")); v > 0 {
			p.Int("max_sectors", v)
		}
		p.Tristate("ioeventfd", prop("ioeventfd"))
		return p, nil
	case "auto", "buslogic", "ncr53c90":
		return nil, Unsupported("Unsupported controller model: %s", model)
	}
	drv, ok := scsiControllerDriver[model]
	if !ok {
		return nil, Internal("Unexpected SCSI controller model %s", model)
	}
	return NewProps().Str("driver", drv).Str("id", c.Info.Alias), nil
}

func controllerTarget(c *domain.Device, name string) string {
	if t := c.Child("target"); t != nil {
		return t.Prop(name)
	}
	return ""
}

// pciControllerProps is qemuBuildControllerPCIDevProps.
func (b *Builder) pciControllerProps(c *domain.Device) (*Props, error) {
	modelName := ""
	if m := c.Child("model"); m != nil {
		modelName = m.Prop("name")
	}
	model := c.Attr("model")
	if model == "pci-root" && modelName == "spapr-pci-host-bridge" && intAttr(controllerTarget(c, "index")) <= 0 {
		return nil, nil
	}
	if modelName == "" {
		return nil, Internal("Unknown virDomainControllerPCIModelName value: %d", 0)
	}
	p := NewProps().Str("driver", modelName)
	switch model {
	case "pci-bridge":
		p.Int("chassis_nr", intAttr(controllerTarget(c, "chassisNr"))).Str("id", c.Info.Alias)
	case "pci-expander-bus", "pcie-expander-bus":
		p.Int("bus_nr", intAttr(controllerTarget(c, "busNr"))).Str("id", c.Info.Alias)
		if t := c.Child("target"); t != nil {
			if n := t.Child("node"); n != nil {
				p.Int("numa_node", intAttr(n.Text))
			}
		}
	case "dmi-to-pci-bridge", "pcie-switch-upstream-port", "pcie-to-pci-bridge":
		p.Str("id", c.Info.Alias)
	case "pcie-root-port", "pcie-switch-downstream-port":
		p.Int("port", intAttr(controllerTarget(c, "port"))).Int("chassis", intAttr(controllerTarget(c, "chassis"))).
			Str("id", c.Info.Alias).Tristate("hotplug", controllerTarget(c, "hotplug"))
	case "pci-root":
		p.Int("index", intAttr(controllerTarget(c, "index"))).Str("id", c.Info.Alias)
	case "pcie-root":
		return nil, Unsupported("Unsupported PCI Express root controller")
	default:
		return nil, Internal("Unexpected PCI controller model %s", model)
	}
	return p, nil
}

// controllerProps is qemuBuildControllerDevProps.
func (b *Builder) controllerProps(c *domain.Device) (*Props, error) {
	var p *Props
	var err error
	switch c.Attr("type") {
	case "scsi":
		p, err = b.scsiControllerProps(c)
	case "virtio-serial":
		p, err = b.virtioDevProps("virtio-serial", c, &c.Info, c.Attr("model"), true)
		if err == nil {
			p.Str("id", c.Info.Alias).IntNN("max_ports", intAttr(c.Attr("ports"))).IntNN("vectors", intAttr(c.Attr("vectors")))
		}
	case "ccid":
		p = NewProps().Str("driver", "usb-ccid").Str("id", c.Info.Alias)
	case "sata":
		p = NewProps().Str("driver", "ahci").Str("id", c.Info.Alias)
	case "usb":
		p, err = b.usbControllerProps(c)
	case "pci":
		p, err = b.pciControllerProps(c)
	default:
		return nil, Unsupported("Unsupported controller type: %s", c.Attr("type"))
	}
	if err != nil || p == nil {
		return nil, err
	}
	if err := b.addDeviceAddress(p, &c.Info, ""); err != nil {
		return nil, err
	}
	return p, nil
}

// skipController is qemuBuildSkipController.
func (b *Builder) skipController(c *domain.Device) bool {
	typ, model, idx := c.Attr("type"), c.Attr("model"), c.Attr("index")
	switch {
	case typ == "pci" && model == "pcie-root":
		return true
	case typ == "pci" && model == "pci-root":
		return true
	case typ == "sata" && idx == "0" && devIsQ35(b.Def):
		return true
	case typ == "ide" && idx == "0" && devHasBuiltinIDE(b.Def):
		return true
	}
	return false
}

func forbidLegacyUSB(def *domain.Def) bool { return devIsQ35(def) }

// buildControllers is qemuBuildControllersCommandLine.
func buildControllers(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, typ := range []string{"pci", "usb", "scsi", "ide", "sata", "virtio-serial"} {
		for _, c := range b.Def.Devices.Controllers() {
			if c.Attr("type") != typ {
				continue
			}
			if typ == "pci" && c.Attr("model") == "pci-root" && c.Attr("index") == "0" {
				if hp := controllerTarget(c, "hotplug"); hp != "" {
					b.Cmd.Arg("-global", "PIIX4_PM.acpi-root-pci-hotplug="+hp)
				}
			}
			if b.skipController(c) {
				continue
			}
			if typ == "usb" && c.Attr("model") == "none" {
				continue
			}
			if typ == "usb" && c.Attr("model") == "" && !forbidLegacyUSB(b.Def) {
				continue
			}
			p, err := b.controllerProps(c)
			if err != nil {
				return err
			}
			if p == nil {
				continue
			}
			if err := b.AddDevice(p); err != nil {
				return err
			}
		}
	}
	return buildLegacyUSB(b)
}

// buildLegacyUSB is qemuBuildLegacyUSBControllerCommandLine.
func buildLegacyUSB(b *Builder) error {
	nlegacy, nusb := 0, 0
	for _, c := range b.Def.Devices.Controllers() {
		if c.Attr("type") != "usb" {
			continue
		}
		switch c.Attr("model") {
		case "none":
			return nil
		case "":
			nlegacy++
		default:
			nusb++
		}
	}
	if nlegacy > 1 {
		return Unsupported("Multiple legacy USB controllers are not supported")
	}
	if nusb == 0 && !forbidLegacyUSB(b.Def) {
		b.Cmd.Arg("-usb")
	}
	return nil
}

func buildCCIDControllers(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, c := range b.Def.Devices.Controllers() {
		if c.Attr("type") != "ccid" {
			continue
		}
		p, err := b.controllerProps(c)
		if err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}

// buildHubs is qemuBuildHubCommandLine.
func buildHubs(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, h := range b.Def.Devices.Kind("hub") {
		if h.Attr("type") != "usb" {
			return Unsupported("hub type %s not supported", h.Attr("type"))
		}
		p := NewProps().Str("driver", "usb-hub").Str("id", h.Info.Alias)
		if err := b.addDeviceAddress(p, &h.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
