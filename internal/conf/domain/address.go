package domain

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// DeviceInfo is what every device may carry besides its own settings
// (libvirt's virDomainDeviceInfo): boot order, alias, USB master, ACPI
// index, ROM tuning and the guest address.
type DeviceInfo struct {
	BootOrder       string // <boot order>, kept as written when not a number
	LoadParm        string
	hasLoadParm     bool
	Alias           string
	MasterStartPort string
	ACPIIndex       string
	ROM             *ROM
	Address         *Address
}

// ROM is <rom bar enabled file>.
type ROM struct {
	Enabled string
	Bar     string
	File    string
	HasFile bool
}

// Address is <address type=…>; only the fields of its type are used.
type Address struct {
	Type string

	// pci
	Domain, Bus, Slot, Function uint64
	Multifunction               string
	ZPCIUID, ZPCIFID            *uint64

	// drive
	Controller, Target, Unit uint64
	// virtio-serial (Controller, Bus), port; usb (Bus), USBPort dotted
	Port    uint64
	USBPort string
	// ccid (Controller, Slot)
	// spapr-vio
	Reg    *uint64
	CSSID  *uint64
	SSID   *uint64
	DevNo  *uint64
	IOBase uint64
	IRQ    uint64
	Base   *uint64 // dimm base (slot is Slot)

	// raw keeps an address of a type this package does not know.
	raw *xmltree.Node
}

// parseUintC reads an unsigned number as C's strtoul with base 0 does
// (0x hex, leading-0 octal, decimal), which libvirt uses for addresses.
func parseUintC(s string, bits int) (uint64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "+")
	if t == "" || strings.ContainsAny(t, "_-") || strings.HasPrefix(t, "0o") || strings.HasPrefix(t, "0b") || strings.HasPrefix(t, "0O") || strings.HasPrefix(t, "0B") {
		return 0, fmt.Errorf("invalid")
	}
	return strconv.ParseUint(t, 0, bits)
}

// propUint reads an optional unsigned attribute: ok is false when absent.
func propUint(n *xmltree.Node, name string, bits int) (v uint64, ok bool, err error) {
	s, present := n.Attr(name)
	if !present {
		return 0, false, nil
	}
	v, err = parseUintC(s, bits)
	if err != nil {
		return 0, false, errInvalidNumberProp(n.Name, name, s, expectNonNegativeInt)
	}
	return v, true, nil
}

func parseAddress(n *xmltree.Node) (*Address, error) {
	a := &Address{Type: n.Prop("type")}
	var err error
	get := func(name string, bits int) uint64 {
		if err != nil {
			return 0
		}
		v, _, e := propUint(n, name, bits)
		if e != nil {
			err = e
		}
		return v
	}
	getOpt := func(name string, bits int) *uint64 {
		if err != nil {
			return nil
		}
		v, ok, e := propUint(n, name, bits)
		if e != nil {
			err = e
		}
		if !ok {
			return nil
		}
		return &v
	}
	switch a.Type {
	case "pci":
		a.Domain = get("domain", 32)
		a.Bus = get("bus", 32)
		a.Slot = get("slot", 32)
		a.Function = get("function", 32)
		a.Multifunction = n.Prop("multifunction")
		if z := n.Child("zpci"); z != nil {
			a.ZPCIUID = getOpt2(z, "uid", &err)
			a.ZPCIFID = getOpt2(z, "fid", &err)
		}
	case "drive":
		a.Controller = get("controller", 32)
		a.Bus = get("bus", 32)
		a.Target = get("target", 32)
		a.Unit = get("unit", 32)
	case "virtio-serial":
		a.Controller = get("controller", 32)
		a.Bus = get("bus", 32)
		a.Port = get("port", 32)
	case "ccid":
		a.Controller = get("controller", 32)
		a.Slot = get("slot", 32)
	case "usb":
		a.Bus = get("bus", 32)
		a.USBPort = n.Prop("port")
	case "spapr-vio":
		a.Reg = getOpt("reg", 64)
	case "ccw":
		a.CSSID = getOpt("cssid", 32)
		a.SSID = getOpt("ssid", 32)
		a.DevNo = getOpt("devno", 32)
	case "isa":
		a.IOBase = get("iobase", 32)
		a.IRQ = get("irq", 32)
	case "dimm":
		a.Slot = get("slot", 32)
		a.Base = getOpt("base", 64)
	case "virtio-mmio", "unassigned", "virtio-s390", "":
	default:
		a.raw = n
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

func getOpt2(n *xmltree.Node, name string, err *error) *uint64 {
	if *err != nil {
		return nil
	}
	v, ok, e := propUint(n, name, 32)
	if e != nil {
		*err = e
		return nil
	}
	if !ok {
		return nil
	}
	return &v
}

func (a *Address) format(b *xmlbuf.Buffer) {
	if a.raw != nil {
		b.FormatNode(a.raw)
		return
	}
	if a.Type == "" || a.Type == "virtio-s390" {
		return
	}
	attrs := b.Inherit()
	child := b.Child()
	attrs.Attr("type", a.Type)
	switch a.Type {
	case "pci":
		if a.Domain != 0 || a.Bus != 0 || a.Slot != 0 {
			attrs.Attrf("domain", "0x%04x", a.Domain)
			attrs.Attrf("bus", "0x%02x", a.Bus)
			attrs.Attrf("slot", "0x%02x", a.Slot)
			attrs.Attrf("function", "0x%x", a.Function)
		}
		attrs.AttrIf("multifunction", a.Multifunction)
		if a.ZPCIUID != nil || a.ZPCIFID != nil {
			var uid, fid uint64
			if a.ZPCIUID != nil {
				uid = *a.ZPCIUID
			}
			if a.ZPCIFID != nil {
				fid = *a.ZPCIFID
			}
			child.Asprintf("<zpci uid='0x%04x' fid='0x%08x'/>\n", uid, fid)
		}
	case "drive":
		attrs.Attrf("controller", "%d", a.Controller)
		attrs.Attrf("bus", "%d", a.Bus)
		attrs.Attrf("target", "%d", a.Target)
		attrs.Attrf("unit", "%d", a.Unit)
	case "virtio-serial":
		attrs.Attrf("controller", "%d", a.Controller)
		attrs.Attrf("bus", "%d", a.Bus)
		attrs.Attrf("port", "%d", a.Port)
	case "ccid":
		attrs.Attrf("controller", "%d", a.Controller)
		attrs.Attrf("slot", "%d", a.Slot)
	case "usb":
		attrs.Attrf("bus", "%d", a.Bus)
		attrs.AttrIf("port", a.USBPort)
	case "spapr-vio":
		if a.Reg != nil {
			attrs.Attrf("reg", "0x%08x", *a.Reg)
		}
	case "ccw":
		if a.CSSID != nil && a.SSID != nil && a.DevNo != nil {
			attrs.Attrf("cssid", "0x%x", *a.CSSID)
			attrs.Attrf("ssid", "0x%x", *a.SSID)
			attrs.Attrf("devno", "0x%04x", *a.DevNo)
		}
	case "isa":
		if a.IOBase > 0 {
			attrs.Attrf("iobase", "0x%x", a.IOBase)
		}
		if a.IRQ > 0 {
			attrs.Attrf("irq", "0x%x", a.IRQ)
		}
	case "dimm":
		attrs.Attrf("slot", "%d", a.Slot)
		if a.Base != nil {
			attrs.Attrf("base", "0x%x", *a.Base)
		}
	}
	b.FormatElement("address", attrs, child)
}

// checkLoadParm is virDomainDeviceLoadparmIsValid, run on the upper-cased
// value.
func checkLoadParm(lp string) error {
	if len(lp) < 1 || len(lp) > 8 {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "loadparm value '%s' must be between 1 and 8 characters", lp)
	}
	for _, c := range lp {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ' ') {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "invalid loadparm value '%s', expecting chars in set of [a-zA-Z0-9.] and blank spaces", lp)
		}
	}
	return nil
}

// infoElements are the child elements parseDeviceInfo consumes.
var infoElements = map[string]bool{"boot": true, "alias": true, "master": true, "acpi": true, "rom": true, "address": true}

// parseDeviceInfo reads the device-info children of a device element.
func parseDeviceInfo(n *xmltree.Node, flags ParseFlags) (DeviceInfo, error) {
	var info DeviceInfo
	if c := n.Child("boot"); c != nil {
		info.BootOrder = c.Prop("order")
		if lp, ok := c.Attr("loadparm"); ok {
			// libvirt keeps it upper-cased; checkLoadParm runs in Validate
			info.LoadParm = strings.ToUpper(lp)
			info.hasLoadParm = true
		}
	}
	if c := n.Child("alias"); c != nil {
		// A persistent config keeps only user-chosen aliases.
		if a := c.Prop("name"); flags&ParseInactive == 0 || strings.HasPrefix(a, "ua-") {
			info.Alias = a
		}
	}
	if c := n.Child("master"); c != nil {
		info.MasterStartPort = c.Prop("startport")
	}
	if c := n.Child("acpi"); c != nil {
		info.ACPIIndex = c.Prop("index")
	}
	if c := n.Child("rom"); c != nil {
		r := &ROM{Enabled: c.Prop("enabled"), Bar: c.Prop("bar")}
		r.File, r.HasFile = c.Attr("file")
		info.ROM = r
	}
	if c := n.Child("address"); c != nil {
		a, err := parseAddress(c)
		if err != nil {
			return info, err
		}
		info.Address = a
	}
	return info, nil
}

// deviceInfoFlags say which optional parts of the device info a device
// allows (libvirt's VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT/ROM).
type deviceInfoFlags struct{ boot, rom bool }

func (info *DeviceInfo) format(b *xmlbuf.Buffer, flags FormatFlags) {
	info.formatWith(b, flags, deviceInfoFlags{boot: true, rom: true})
}

func (info *DeviceInfo) formatWith(b *xmlbuf.Buffer, flags FormatFlags, allow deviceInfoFlags) {
	if allow.boot && info.BootOrder != "" {
		b.Add("<boot")
		b.Attr("order", info.BootOrder)
		b.AttrIf("loadparm", info.LoadParm)
		b.Add("/>\n")
	}
	if info.Alias != "" {
		b.Add("<alias")
		b.Attr("name", info.Alias)
		b.Add("/>\n")
	}
	if info.MasterStartPort != "" {
		b.Add("<master")
		b.Attr("startport", info.MasterStartPort)
		b.Add("/>\n")
	}
	if allow.rom && info.ROM != nil && (info.ROM.Enabled != "" || info.ROM.Bar != "" || info.ROM.HasFile) {
		b.Add("<rom")
		b.AttrIf("enabled", info.ROM.Enabled)
		b.AttrIf("bar", info.ROM.Bar)
		if info.ROM.HasFile {
			b.Attr("file", info.ROM.File)
		}
		b.Add("/>\n")
	}
	if info.ACPIIndex != "" && info.ACPIIndex != "0" {
		b.Add("<acpi")
		b.Attr("index", info.ACPIIndex)
		b.Add("/>\n")
	}
	if info.Address != nil {
		info.Address.format(b)
	}
}
