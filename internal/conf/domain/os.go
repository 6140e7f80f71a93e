package domain

import (
	"sort"
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

	Loader *Loader
	NVRAM  *NVRAM
	// FirmwareFeatures are <firmware><feature> by name (enrolled-keys,
	// secure-boot), "yes" or "no"; read only with firmware autoselection.
	FirmwareFeatures map[string]string

	attrs []xmltree.Attr // other attributes of <os>, kept
	rest  map[string][]*xmltree.Node
	extra []*xmltree.Node
}

// Loader is <os><loader>.
type Loader struct {
	ReadOnly  string // yes | no
	Secure    string // yes | no
	Type      string // rom | pflash
	Stateless string // yes | no
	Path      string
}

// NVRAM is <os><nvram>: a path, or (libvirt's newer form) a typed
// storage source.
type NVRAM struct {
	Template string
	Path     string
	// Type and Source are set for <nvram type='file|block|network'>.
	Type   string
	Source *StorageSource
}

// firmwareFeatureOrder is virDomainOsDefFirmwareFeature's order.
var firmwareFeatureOrder = []string{"enrolled-keys", "secure-boot"}

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

func parseOS(n *xmltree.Node, flags ParseFlags) (*OS, error) {
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
		case "loader":
			if o.Loader == nil {
				o.Loader = &Loader{
					ReadOnly:  c.Prop("readonly"),
					Secure:    c.Prop("secure"),
					Type:      c.Prop("type"),
					Stateless: c.Prop("stateless"),
					Path:      c.Text,
				}
			}
		case "nvram":
			if o.NVRAM != nil {
				continue
			}
			v := &NVRAM{Template: c.Prop("template")}
			if typ, typed := c.Attr("type"); typed {
				src, err := ParseStorageSource(typ, c.Child("source"), nil, flags)
				if err != nil {
					return nil, err
				}
				v.Type, v.Source = typ, src
			} else {
				v.Path = c.Text
			}
			o.NVRAM = v
		case "firmware":
			// Features are kept without <os firmware> too, for Validate
			// to refuse (libvirt's corpus expects that error, where older
			// parsers dropped them silently).
			if o.FirmwareFeatures != nil {
				continue
			}
			o.FirmwareFeatures = map[string]string{}
			for _, f := range c.ChildrenNamed("feature") {
				name, err := requiredProp(f, "name")
				if err != nil {
					return nil, err
				}
				enabled, err := requiredProp(f, "enabled")
				if err != nil {
					return nil, err
				}
				o.FirmwareFeatures[name] = enabled
			}
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

// hasInit says <init> names a program (libvirt's string(./os/init[1])).
func (o *OS) hasInit() bool {
	inits := o.rest["init"]
	return len(inits) > 0 && inits[0].Text != ""
}

// postParse is virDomainDefPostParseOs: a loader with a path is a ROM
// unless typed; enrolled keys imply secure boot.
func (o *OS) postParse() {
	if o.Loader != nil && o.Loader.Path != "" && o.Loader.Type == "" {
		o.Loader.Type = "rom"
	}
	if o.FirmwareFeatures["enrolled-keys"] == "yes" {
		if _, ok := o.FirmwareFeatures["secure-boot"]; !ok {
			o.FirmwareFeatures["secure-boot"] = "yes"
		}
	}
}

func (o *OS) validate() error {
	detail := func(format string, args ...any) error {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, format, args...)
	}
	if l := o.Loader; l != nil {
		for _, a := range []struct{ name, v string }{{"readonly", l.ReadOnly}, {"secure", l.Secure}, {"stateless", l.Stateless}} {
			if err := checkEnum("loader", a.name, a.v, "yes", "no"); err != nil {
				return err
			}
		}
		if err := checkEnum("loader", "type", l.Type, "rom", "pflash"); err != nil {
			return err
		}
	}
	for name, v := range o.FirmwareFeatures {
		if err := checkEnum("feature", "name", name, firmwareFeatureOrder...); err != nil {
			return err
		}
		if err := checkEnum("feature", "enabled", v, "yes", "no"); err != nil {
			return err
		}
	}
	// Features only steer the automatic choice of a firmware.
	if o.Firmware == "" && len(o.FirmwareFeatures) > 0 {
		return detail("%s", "cannot use feature-based firmware autoselection when firmware autoselection is disabled")
	}
	if l := o.Loader; l != nil {
		if o.Firmware != "" {
			if l.Type != "" {
				return detail("%s", "loader attribute 'type' cannot be specified when firmware autoselection is enabled")
			}
			if l.ReadOnly != "" {
				return detail("%s", "loader attribute 'readonly' cannot be specified when firmware autoselection is enabled")
			}
		} else if l.Path == "" {
			return detail("%s", "no loader path specified and firmware auto selection disabled")
		}
	}
	if o.Firmware == "bios" && o.NVRAM != nil {
		return detail("%s", "firmware type 'bios' does not support nvram")
	}
	// Stateless checks come after the firmware's own (libvirt's order).
	if l := o.Loader; l != nil {
		if l.Stateless == "yes" && o.NVRAM != nil {
			if o.NVRAM.Template != "" {
				return detail("%s", "NVRAM template is not permitted when loader is stateless")
			}
			return detail("%s", "NVRAM is not permitted when loader is stateless")
		}
		// A loader that keeps state needs somewhere to keep it: a pflash
		// varstore, which only EFI firmware has.
		if l.Stateless == "no" {
			if o.Firmware == "" && l.Type != "pflash" {
				return detail("%s", "Only pflash loader type permits NVRAM")
			}
			if o.Firmware != "" && o.Firmware != "efi" {
				return detail("%s", "Only EFI firmware permits NVRAM")
			}
		}
	}
	if o.BootMenuTimeout != nil && *o.BootMenuTimeout > 65535 {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "%s", "invalid value for boot menu timeout, must be in range [0,65535]")
	}
	if o.Firmware != "" && o.NVRAM != nil && o.NVRAM.Template != "" {
		return detail("%s", "nvram attribute 'template' cannot be specified when firmware autoselection is enabled")
	}
	if o.FirmwareFeatures["enrolled-keys"] == "yes" && o.FirmwareFeatures["secure-boot"] == "no" {
		return detail("%s", "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled")
	}
	if o.BIOSRebootTimeout != nil && (*o.BIOSRebootTimeout < -1 || *o.BIOSRebootTimeout > 65535) {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid value for rebootTimeout, must be in range [-1,65535]")
	}
	return nil
}

func (o *OS) format(b *xmlbuf.Buffer, hasBootloader bool, flags FormatFlags) {
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
		case "loader":
			if l := o.Loader; l != nil {
				b.AddLit("<loader")
				b.AttrIf("readonly", l.ReadOnly)
				b.AttrIf("secure", l.Secure)
				b.AttrIf("type", l.Type)
				b.AttrIf("stateless", l.Stateless)
				if l.Path != "" {
					b.Asprintf(">%s</loader>\n", xmlbuf.Escape(l.Path))
				} else {
					b.AddLit("/>\n")
				}
			}
		case "nvram":
			if v := o.NVRAM; v != nil {
				b.AddLit("<nvram")
				b.AttrIf("template", v.Template)
				switch {
				case v.Source != nil:
					b.Attr("type", v.Type)
					c := b.Child()
					v.Source.FormatSource(c, "source", flags)
					if c.Len() == 0 {
						b.AddLit("/>\n")
						break
					}
					b.AddLit(">\n")
					b.AddBuffer(c)
					b.AddLit("</nvram>\n")
				case v.Path != "":
					b.Asprintf(">%s</nvram>\n", xmlbuf.Escape(v.Path))
				default:
					b.AddLit("/>\n")
				}
			}
		case "firmware":
			if len(o.FirmwareFeatures) > 0 {
				b.AddLit("<firmware>\n")
				b.AdjustIndent(2)
				for _, name := range firmwareFeatureOrder {
					if v, ok := o.FirmwareFeatures[name]; ok {
						b.Asprintf("<feature enabled='%s' name='%s'/>\n", xmlbuf.Escape(v), name)
					}
				}
				var others []string
				for name := range o.FirmwareFeatures {
					if name != "enrolled-keys" && name != "secure-boot" {
						others = append(others, name)
					}
				}
				sort.Strings(others)
				for _, name := range others {
					b.Asprintf("<feature enabled='%s' name='%s'/>\n", xmlbuf.Escape(o.FirmwareFeatures[name]), xmlbuf.Escape(name))
				}
				b.AdjustIndent(-2)
				b.AddLit("</firmware>\n")
			}
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
