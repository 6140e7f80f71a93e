package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Print orders of the device kinds that need no logic beyond libvirt's
// element and attribute order.
func init() {
	virtioDriver := elemSpec{attrs: []string{"iommu", "ats", "packed", "page_per_vq"}}
	addSpecs(map[string]elemSpec{
		"rng":                {attrs: []string{"model"}, children: []string{"driver", "rate", "backend"}},
		"rng/rate":           {attrs: []string{"bytes", "period"}},
		"rng/backend":        {attrs: []string{"model", "type"}, children: []string{"source", "protocol"}},
		"rng/driver":         virtioDriver,
		"tpm":                {attrs: []string{"model"}, children: []string{"backend"}},
		"tpm/backend":        {attrs: []string{"type", "version", "persistent_state"}, children: []string{"device", "encryption", "active_pcr_banks"}},
		"sound":              {attrs: []string{"model"}, children: []string{"codec", "audio"}},
		"sound/codec":        {attrs: []string{"type"}},
		"watchdog":           {attrs: []string{"model", "action"}},
		"smartcard":          {attrs: []string{"mode", "type"}, children: []string{"certificate", "database", "source", "protocol"}},
		"redirdev":           {attrs: []string{"bus", "type"}, children: []string{"source", "protocol"}},
		"hub":                {attrs: []string{"type"}},
		"panic":              {attrs: []string{"model"}},
		"shmem":              {attrs: []string{"name", "role"}, children: []string{"model", "size", "server", "msi"}},
		"shmem/msi":          {attrs: []string{"enabled", "vectors", "ioeventfd"}},
		"memory":             {attrs: []string{"model", "access", "discard"}, children: []string{"uuid", "source", "target"}},
		"memory/target":      {children: []string{"size", "node", "label", "block", "requested", "current", "readonly", "address"}},
		"memory/source":      {children: []string{"nodemask", "pagesize", "path", "alignsize", "pmem"}},
		"iommu":              {attrs: []string{"model"}, children: []string{"driver"}},
		"iommu/driver":       {attrs: []string{"intremap", "caching_mode", "eim", "iotlb", "aw_bits"}},
		"vsock":              {attrs: []string{"model"}, children: []string{"cid", infoPosition, "driver"}},
		"vsock/cid":          {attrs: []string{"auto", "address"}},
		"crypto":             {attrs: []string{"model", "type"}, children: []string{"backend"}},
		"crypto/backend":     {attrs: []string{"model", "queues"}},
		"lease":              {children: []string{"lockspace", "key", "target"}},
		"lease/target":       {attrs: []string{"path", "offset"}},
		"audio":              {attrs: []string{"id", "type", "timerPeriod"}, children: []string{"input", "output"}},
		"nvram":              {},
		"redirfilter":        {},
		"redirfilter/usbdev": {attrs: []string{"class", "vendor", "product", "version", "allow"}},
	})
	kindParse["memory"] = checkMemoryDeviceSizes
	kindParse["redirfilter"] = func(dev *Device, n *xmltree.Node, flags ParseFlags) error {
		// -1 is "any", which libvirt prints by leaving the attribute out
		for i, c := range dev.children {
			if c.Name != "usbdev" {
				continue
			}
			cp := *c
			cp.Attrs = nil
			for _, a := range c.Attrs {
				if a.Value == "-1" && a.Name != "allow" {
					continue
				}
				if a.Name == "version" {
					v, err := usbVersion(a.Value)
					if err != nil {
						return err
					}
					a.Value = v
				}
				cp.Attrs = append(cp.Attrs, a)
			}
			dev.children[i] = &cp
		}
		return nil
	}
	kindParse["redirdev"] = func(dev *Device, n *xmltree.Node, flags ParseFlags) error {
		if err := parseChardevDefaults(dev, n, flags); err != nil {
			return err
		}
		if dev.Chr != nil && dev.Chr.Type == "dbus" && dev.Chr.Channel == "" {
			// virDomainRedirdevDefParseXML's default D-Bus channel
			dev.Chr.Channel = "org.qemu.usbredir"
		}
		return nil
	}
	kindParse["smartcard"] = parseChardevDefaults
	for _, k := range []string{"smartcard", "redirdev"} {
		addSpecs(map[string]elemSpec{
			k + "/source": specs["serial/source"],
		})
	}
}

// canonicalHostdevPCISource rewrites the PCI address of a hostdev's
// <source> as virPCIDeviceAddressFormat prints it (hex, fixed widths);
// withType adds the type='pci' an interface's hostdev source carries.
func canonicalHostdevPCISource(dev *Device, withType bool) error {
	src := dev.Child("source")
	if src == nil {
		return nil
	}
	addr := src.Child("address")
	if addr == nil {
		return nil
	}
	na := *addr
	na.Attrs = nil
	if withType {
		na.Attrs = append(na.Attrs, xmltree.Attr{Name: "type", Value: "pci"})
	}
	for _, f := range []struct{ name, format string }{{"domain", "0x%04x"}, {"bus", "0x%02x"}, {"slot", "0x%02x"}, {"function", "0x%x"}} {
		v, _, err := propUint(addr, f.name, 32)
		if err != nil {
			return err
		}
		na.Attrs = append(na.Attrs, xmltree.Attr{Name: f.name, Value: fmt.Sprintf(f.format, v)})
	}
	ns := *src
	ns.Children = nil
	for _, c := range src.Children {
		if c == addr {
			c = &na
		}
		ns.Children = append(ns.Children, c)
	}
	dev.replaceChild(src, &ns)
	return nil
}

// usbVersion reads a redirfilter <usbdev version> ("major.minor", each
// one or two decimal digits, a one-digit minor meaning tens, as USB's BCD
// bcdDevice has it) and writes it as libvirt prints it.
func usbVersion(v string) (string, error) {
	bad := virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Cannot parse USB device version %s", v)
	s := strings.TrimLeft(v, " \t\n\v\f\r")
	major, minor, ok := strings.Cut(s, ".")
	if !ok || !allDigits(major, 1, 2) || !allDigits(minor, 1, 2) {
		return "", bad
	}
	ma, mi := 0, 0
	for _, c := range major {
		ma = ma*10 + int(c-'0')
	}
	for _, c := range minor {
		mi = mi*10 + int(c-'0')
	}
	if len(minor) == 1 {
		mi *= 10
	}
	return fmt.Sprintf("%d.%02d", ma, mi), nil
}

func allDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkMemoryDeviceSizes reads a memory device's sizes as
// virDomainMemoryDefParseXML does (virDomainParseMemory, so errors name
// the XPath libvirt looks them up by): the source's per model, then the
// target, which must be there and give a size. libvirt writes every size
// back in KiB, and leaves out an optional one that is empty.
func checkMemoryDeviceSizes(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	// resize rewrites parent's children named in names; path is how
	// libvirt names them relative to the element it reads from.
	resize := func(parent *xmltree.Node, prefix string, names []string, required bool) (*xmltree.Node, error) {
		out := *parent
		out.Children, out.Segments = nil, nil
		for _, c := range parent.Children {
			if !slices.Contains(names, c.Name) || (parent.Child(c.Name) != c) {
				out.Children = append(out.Children, c)
				continue
			}
			kib, present, err := parseMemoryValue(c.Text, c.Prop("unit"), "./"+prefix+c.Name, required)
			if err != nil {
				return nil, err
			}
			if present {
				sized := newNode(c.Name, "unit", "KiB")
				sized.Text = strconv.FormatUint(kib, 10)
				out.Children = append(out.Children, sized)
			}
		}
		for _, name := range names {
			if required && parent.Child(name) == nil {
				return nil, xmlHelperError("missing element or attribute '%s'", "./"+prefix+name)
			}
		}
		out.Segments = make([]string, len(out.Children)+1)
		return &out, nil
	}
	if src := dev.Child("source"); src != nil {
		var sizes []string
		switch n.Prop("model") {
		case "dimm", "virtio-mem":
			sizes = []string{"pagesize"}
		case "nvdimm":
			sizes = []string{"alignsize"}
		}
		out, err := resize(src, "", sizes, false)
		if err != nil {
			return err
		}
		dev.replaceChild(src, out)
	}
	target := dev.Child("target")
	if target == nil {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "missing <target> element for <memory> device")
	}
	out, err := resize(target, "", []string{"size"}, true)
	if err != nil {
		return err
	}
	if out, err = resize(out, "", []string{"block", "requested"}, false); err != nil {
		return err
	}
	if label := out.Child("label"); label != nil {
		sized, err := resize(label, "label/", []string{"size"}, false)
		if err != nil {
			return err
		}
		for i, c := range out.Children {
			if c == label {
				out.Children[i] = sized
			}
		}
	}
	dev.replaceChild(target, out)
	return nil
}

// validateMemoryDeviceNodes checks that a memory device's guest NUMA node
// exists (virDomainMemoryDefValidate).
func (d *Def) validateMemoryDeviceNodes() error {
	if d.Devices == nil {
		return nil
	}
	cells := d.numaCells()
	for _, dev := range d.Devices.ByKind["memory"] {
		target := dev.Child("target")
		if target == nil || target.Child("node") == nil {
			continue
		}
		text := target.Child("node").Text
		node, ok := parseULongLongPositive(text)
		if !ok {
			continue
		}
		if cells == 0 {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "%s", "can't add memory backend as guest has no NUMA nodes configured")
		}
		if node >= uint64(cells) {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "can't add memory backend for guest node '%d' as the guest has only '%d' NUMA nodes configured", node, cells)
		}
	}
	return nil
}
