package domain

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Devices is the content of <devices>.
//
// Disks are fully typed (their storage source is shared with snapshot and
// backup XML); every other device kind is a Device kept per kind in
// libvirt's order and printed through that kind's specs.
type Devices struct {
	Emulator string

	Disks []*Disk
	// ByKind holds every other device, keyed by element name.
	ByKind map[string][]*Device

	// hvm is whether the guest's <os><type> is hvm: libvirt prints a
	// serial-typed <console> as a copy of the matching <serial> for such
	// guests.
	hvm bool
	// virtType is <domain type>, which some device defaults depend on.
	virtType string
}

// deviceOrder is the order libvirt prints device kinds in
// (virDomainDefFormatInternal).
var deviceOrder = []string{
	"emulator", "disk", "controller", "lease", "filesystem", "interface",
	"smartcard", "serial", "parallel", "console", "channel", "input", "tpm",
	"graphics", "sound", "audio", "video", "hostdev", "redirdev",
	"redirfilter", "hub", "watchdog", "memballoon", "rng", "nvram", "panic",
	"shmem", "memory", "iommu", "vsock", "crypto",
}

// singleDevice are the kinds libvirt reads only the first of.
var singleDevice = map[string]bool{
	"memballoon": true, "nvram": true, "iommu": true, "vsock": true, "redirfilter": true,
}

var knownDevice = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range deviceOrder {
		m[n] = true
	}
	return m
}()

// Kind returns the devices of one kind (element name), in order.
func (d *Devices) Kind(kind string) []*Device { return d.ByKind[kind] }

// Controllers, Interfaces … are the common kinds.
func (d *Devices) Controllers() []*Device { return d.ByKind["controller"] }
func (d *Devices) Interfaces() []*Device  { return d.ByKind["interface"] }
func (d *Devices) Serials() []*Device     { return d.ByKind["serial"] }
func (d *Devices) Consoles() []*Device    { return d.ByKind["console"] }
func (d *Devices) Channels() []*Device    { return d.ByKind["channel"] }
func (d *Devices) Graphics() []*Device    { return d.ByKind["graphics"] }
func (d *Devices) Videos() []*Device      { return d.ByKind["video"] }
func (d *Devices) Hostdevs() []*Device    { return d.ByKind["hostdev"] }

// parseDevices reads <devices>; n may be nil.
func parseDevices(n *xmltree.Node, flags ParseFlags) (*Devices, error) {
	d := &Devices{ByKind: map[string][]*Device{}}
	if n == nil {
		return d, nil
	}
	if dom := n.Parent; dom != nil {
		d.hvm = strings.TrimSpace(textOf(dom.Find("os/type"))) == "hvm"
		d.virtType = dom.Prop("type")
	}
	if e := n.Child("emulator"); e != nil {
		d.Emulator = e.Text
	}
	for _, c := range n.Children {
		switch {
		case c.Name == "emulator":
		case c.Name == "disk":
			disk, err := parseDisk(c, flags)
			if err != nil {
				return nil, err
			}
			d.Disks = insertDisk(d.Disks, disk)
		case knownDevice[c.Name]:
			if singleDevice[c.Name] && len(d.ByKind[c.Name]) > 0 {
				continue
			}
			dev, err := parseDevice(c, flags)
			if err != nil {
				return nil, err
			}
			switch {
			case c.Name == "controller":
				d.ByKind[c.Name] = insertController(d.ByKind[c.Name], dev)
			case c.Name == "video" && dev.isPrimaryVideo() && !d.hasPrimaryVideo():
				// the primary video goes first (virDomainDefParseXML);
				// a second primary is left for Validate to refuse
				d.ByKind["video"] = append([]*Device{dev}, d.ByKind["video"]...)
			default:
				d.ByKind[c.Name] = append(d.ByKind[c.Name], dev)
			}
		default:
			// libvirt ignores elements it does not know under <devices>.
		}
	}
	return d, nil
}

// parseDevice reads one non-disk device and applies what libvirt's parser
// itself fills in for its kind.
func parseDevice(n *xmltree.Node, flags ParseFlags) (*Device, error) {
	dev, err := parseDeviceGeneric(n, flags)
	if err != nil {
		return nil, err
	}
	if fn := kindParse[n.Name]; fn != nil {
		if err := fn(dev, n, flags); err != nil {
			return nil, err
		}
	}
	if err := dev.parseTyped(n, flags); err != nil {
		return nil, err
	}
	return dev, nil
}

// kindParse holds per-kind parse steps (checks and parse-time defaults),
// registered by the per-device files.
var kindParse = map[string]func(dev *Device, n *xmltree.Node, flags ParseFlags) error{}

func textOf(n *xmltree.Node) string {
	if n == nil {
		return ""
	}
	return n.Text
}

// format writes <devices> (always, as libvirt does) at b's indentation.
func (d *Devices) format(b *xmlbuf.Buffer, flags FormatFlags) {
	child := b.Child()
	for _, kind := range deviceOrder {
		switch kind {
		case "emulator":
			if d.Emulator != "" {
				child.EscapeString("<emulator>%s</emulator>\n", d.Emulator)
			}
		case "disk":
			for _, x := range d.Disks {
				x.format(child, flags)
			}
		case "console":
			d.formatConsoles(child, flags)
		default:
			for _, x := range d.ByKind[kind] {
				x.format(child, flags)
			}
		}
	}
	// libvirt writes <devices> open and close even when empty
	b.Add("<devices>\n")
	b.AddBuffer(child)
	b.Add("</devices>\n")
}
