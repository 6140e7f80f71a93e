package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// OS is <os>. The guest type, boot order, boot menu, BIOS and SMBIOS
// settings are modelled; the other children (loader, nvram, kernel, init …)
// are kept as written and placed in libvirt's order.
type OS struct {
	Firmware string // <os firmware='…'>
	Type     string // hvm, linux, exe, xen …
	Arch     string
	Machine  string

	BootDevs []string // <boot dev='…'/>, in order

	BootMenu        string // yes | no | "" (absent)
	BootMenuTimeout *uint

	BIOSUseSerial     string
	BIOSRebootTimeout *int

	SMBIOSMode string

	attrs []xmltree.Attr // other attributes of <os>, kept
	rest  map[string][]*xmltree.Node
	extra []*xmltree.Node
}

// osOrder is the order virDomainDefFormatOS writes children in; the
// modelled ones are written where their names appear.
var osOrder = []string{
	"type", "firmware", "init", "initarg", "initenv", "initdir", "inituser",
	"initgroup", "loader", "nvram", "kernel", "initrd", "cmdline", "dtb",
	"root", "acpi", "boot", "bootmenu", "bios", "smbios",
}

var osKnown = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range osOrder {
		m[n] = true
	}
	return m
}()

// bootDevMax is VIR_DOMAIN_BOOT_LAST: libvirt reads at most that many
// <boot> elements.
const bootDevMax = 4

func parseOS(n *xmltree.Node) (*OS, error) {
	o := &OS{rest: map[string][]*xmltree.Node{}}
	for _, a := range n.Attrs {
		if a.Name == "firmware" {
			o.Firmware = a.Value
		} else {
			o.attrs = append(o.attrs, a)
		}
	}
	if t := n.Child("type"); t != nil {
		o.Type = strings.TrimSpace(t.Text)
		o.Arch = t.Prop("arch")
		o.Machine = t.Prop("machine")
	}
	for _, c := range n.Children {
		switch c.Name {
		case "type":
		case "boot":
			if len(o.BootDevs) >= bootDevMax {
				continue
			}
			dev, ok := c.Attr("dev")
			if !ok {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "%s", "missing boot device")
			}
			o.BootDevs = append(o.BootDevs, dev)
		case "bootmenu":
			if o.BootMenu != "" {
				continue
			}
			if e, ok := c.Attr("enable"); ok {
				o.BootMenu = e
				if e != "yes" && e != "no" {
					// libvirt tolerates a bad value and disables the menu
					// rather than break existing guests.
					o.BootMenu = "no"
				}
			}
			if t, ok := c.Attr("timeout"); ok && o.BootMenu == "yes" {
				v, err := strconv.ParseUint(strings.TrimSpace(t), 0, 32)
				if err != nil {
					return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid value for boot menu timeout")
				}
				u := uint(v)
				o.BootMenuTimeout = &u
			}
		case "bios":
			if u, ok := c.Attr("useserial"); ok {
				if u != "yes" && u != "no" {
					return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid value for attribute 'useserial'")
				}
				o.BIOSUseSerial = u
			}
			if r, ok := c.Attr("rebootTimeout"); ok {
				v, err := strconv.Atoi(strings.TrimSpace(r))
				if err != nil {
					return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid value for rebootTimeout, must be in range [-1,65535]")
				}
				o.BIOSRebootTimeout = &v
			}
		case "smbios":
			o.SMBIOSMode = c.Prop("mode")
		default:
			if osKnown[c.Name] {
				o.rest[c.Name] = append(o.rest[c.Name], c)
			} else {
				o.extra = append(o.extra, c)
			}
		}
	}
	return o, nil
}

func (o *OS) validate() error {
	if o.BIOSRebootTimeout != nil && (*o.BIOSRebootTimeout < -1 || *o.BIOSRebootTimeout > 65535) {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid value for rebootTimeout, must be in range [-1,65535]")
	}
	return nil
}

func (o *OS) format(b *xmlbuf.Buffer, hasBootloader bool) {
	b.AddLit("<os")
	b.AttrIf("firmware", o.Firmware)
	for _, a := range o.attrs {
		b.Attr(a.Name, a.Value)
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	for _, name := range osOrder {
		switch name {
		case "type":
			b.AddLit("<type")
			b.AttrIf("arch", o.Arch)
			b.AttrIf("machine", o.Machine)
			b.Asprintf(">%s</type>\n", xmlbuf.Escape(o.Type))
		case "boot":
			if hasBootloader {
				continue
			}
			for _, d := range o.BootDevs {
				b.Asprintf("<boot dev='%s'/>\n", xmlbuf.Escape(d))
			}
		case "bootmenu":
			if hasBootloader || o.BootMenu == "" {
				continue
			}
			b.Asprintf("<bootmenu enable='%s'", xmlbuf.Escape(o.BootMenu))
			if o.BootMenuTimeout != nil {
				b.Attrf("timeout", "%d", *o.BootMenuTimeout)
			}
			b.AddLit("/>\n")
		case "bios":
			if hasBootloader || (o.BIOSUseSerial == "" && o.BIOSRebootTimeout == nil) {
				continue
			}
			b.AddLit("<bios")
			b.AttrIf("useserial", o.BIOSUseSerial)
			if o.BIOSRebootTimeout != nil {
				b.Attrf("rebootTimeout", "%d", *o.BIOSRebootTimeout)
			}
			b.AddLit("/>\n")
		case "smbios":
			if o.SMBIOSMode != "" {
				b.Asprintf("<smbios mode='%s'/>\n", xmlbuf.Escape(o.SMBIOSMode))
			}
		default:
			for _, n := range o.rest[name] {
				b.FormatNode(n)
			}
		}
	}
	for _, n := range o.extra {
		b.FormatNode(n)
	}
	b.AdjustIndent(-2)
	b.AddLit("</os>\n")
}

// hasDeviceBoot reports whether any device carries <boot order='…'/>.
func hasDeviceBoot(devices *xmltree.Node) bool {
	if devices == nil {
		return false
	}
	for _, dev := range devices.Children {
		for _, c := range dev.Children {
			if c.Name == "boot" {
				if _, ok := c.Attr("order"); ok {
					return true
				}
			}
		}
	}
	return false
}
