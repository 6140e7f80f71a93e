package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	addSpecs(map[string]elemSpec{
		"video":                    {children: []string{"driver", "model"}},
		"video/driver":             {attrs: []string{"iommu", "ats", "packed", "page_per_vq", "vgaconf", "name"}},
		"video/model":              {attrs: []string{"type", "ram", "vram", "vram64", "vgamem", "heads", "primary", "blob"}, children: []string{"acceleration", "resolution"}},
		"video/model/acceleration": {attrs: []string{"accel3d", "accel2d", "rendernode"}},
		"video/model/resolution":   {attrs: []string{"x", "y"}},
	})
}

func (g *Device) isPrimaryVideo() bool {
	m := g.Child("model")
	return m != nil && m.Prop("primary") == "yes"
}

func (d *Devices) hasPrimaryVideo() bool {
	vs := d.ByKind["video"]
	return len(vs) > 0 && vs[0].isPrimaryVideo()
}

// validatePrimaryVideo is virDomainDefParseXML's refusal of a second
// primary video.
func (d *Devices) validatePrimaryVideo() error {
	n := 0
	for _, v := range d.ByKind["video"] {
		if v.isPrimaryVideo() {
			n++
		}
	}
	if n > 1 {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Only one primary video device is supported")
	}
	return nil
}

// setPrimaryVideo marks the first video primary unless one already is,
// as libvirt's parser does.
func (d *Devices) setPrimaryVideo() {
	videos := d.ByKind["video"]
	if len(videos) == 0 {
		return
	}
	for _, v := range videos {
		if m := v.Child("model"); m != nil && m.Prop("primary") == "yes" {
			return
		}
	}
	v := videos[0]
	m := v.Child("model")
	if m != nil && m.Prop("type") == "none" {
		return
	}
	if m == nil {
		m = newNode("model", "type", "default")
	}
	v.setChild(withAttrDefault(m, "primary", "yes", false))
}

// videoDefaultType is virDomainVideoDefaultType: the model a video
// without one gets, for the hypervisors whose choice the generic code
// makes ("default" is left for the driver, e.g. QEMU, to resolve).
func videoDefaultType(virtType, osType, arch string) string {
	switch virtType {
	case "test", "xen":
		switch {
		case osType == "xen" || osType == "linux":
			return "xen"
		case arch == "ppc64" || arch == "ppc64le":
			return "vga"
		}
		return "cirrus"
	case "vbox":
		return "vbox"
	case "phyp":
		return "vga"
	case "vmware":
		return "vmvga"
	case "parallels":
		if osType == "hvm" {
			return "vga"
		}
		return "parallels"
	case "bhyve":
		return "gop"
	}
	return "default"
}

// videoDefaultRAM is virDomainVideoDefaultRAM, KiB.
func videoDefaultRAM(virtType, typ string) uint64 {
	switch typ {
	case "vga", "cirrus", "vmvga":
		switch virtType {
		case "vbox":
			return 8 * 1024
		case "vmware":
			return 4 * 1024
		}
		return 16 * 1024
	case "bochs":
		return 16 * 1024
	case "xen":
		return 4 * 1024
	case "qxl":
		return 64 * 1024
	}
	return 0
}

func roundUpPowerOfTwo(v uint64) uint64 {
	if v == 0 {
		return 0
	}
	p := uint64(1)
	for p < v && p != 0 {
		p <<= 1
	}
	if p == 0 {
		return v
	}
	return p
}

func init() {
	kindParse["video"] = parseVideoDefaults
}

// parseVideoDefaults gives a video without a model the hypervisor's
// default model, as libvirt's parser does.
func parseVideoDefaults(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	m := dev.Child("model")
	if err := checkVideoSizes(m); err != nil {
		return err
	}
	if m != nil {
		if p, ok := m.Attr("primary"); ok && p != "yes" {
			// only primary='yes' means anything to libvirt
			c := *m
			c.Attrs = nil
			for _, a := range m.Attrs {
				if a.Name != "primary" {
					c.Attrs = append(c.Attrs, a)
				}
			}
			dev.setChild(&c)
			m = &c
		}
	}
	if m != nil {
		if t := m.Prop("type"); t != "" && t != "default" {
			return nil
		}
	}
	var virtType, osType, arch string
	if n.Parent != nil && n.Parent.Parent != nil {
		dom := n.Parent.Parent
		virtType = dom.Prop("type")
		if t := dom.Find("os/type"); t != nil {
			osType, arch = strings.TrimSpace(t.Text), t.Prop("arch")
		}
	}
	typ := videoDefaultType(virtType, osType, arch)
	if m == nil {
		dev.children = append(dev.children, newNode("model", "type", typ))
		return nil
	}
	c := *m
	c.Attrs = append([]xmltree.Attr(nil), m.Attrs...)
	found := false
	for i := range c.Attrs {
		if c.Attrs[i].Name == "type" {
			c.Attrs[i].Value = typ
			found = true
		}
	}
	if !found {
		c.Attrs = append([]xmltree.Attr{{Name: "type", Value: typ}}, c.Attrs...)
	}
	dev.setChild(&c)
	return nil
}

// checkVideoSizes refuses a video memory size or head count that is not
// a number, in virDomainVideoModelDefParseXML's order and words.
func checkVideoSizes(m *xmltree.Node) error {
	if m == nil {
		return nil
	}
	for _, name := range []string{"ram", "vram", "vram64", "vgamem", "heads"} {
		v, ok := m.Attr(name)
		if !ok {
			continue
		}
		if _, err := parseUintC(v, 32); err != nil {
			if name == "heads" {
				return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "cannot parse video heads '%s'", v)
			}
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "cannot parse video %s '%s'", name, v)
		}
	}
	return nil
}

// videoDefaults fills a video model's default memory (rounded up to a
// power of two, virDomainVideoDefPostParse) and head count.
func (d *Devices) videoDefaults() {
	for _, v := range d.ByKind["video"] {
		m := v.Child("model")
		if m == nil {
			continue
		}
		typ := m.Prop("type")
		c := *m
		c.Attrs = append([]xmltree.Attr(nil), m.Attrs...)
		l := (*attrList)(&c.Attrs)
		fill := func(name string, def uint64) {
			cur, has := l.get(name)
			v, err := parseUintC(cur, 32)
			if has && err != nil {
				return
			}
			if !has || v == 0 {
				v = def
			}
			v = roundUpPowerOfTwo(v)
			if v == 0 && !has {
				return
			}
			l.set(name, strconv.FormatUint(v, 10))
		}
		if typ == "qxl" {
			fill("ram", videoDefaultRAM(d.virtType, typ))
		} else if _, has := l.get("ram"); has {
			fill("ram", 0)
		}
		fill("vram", videoDefaultRAM(d.virtType, typ))
		if typ != "none" && typ != "" {
			if _, ok := l.get("heads"); !ok {
				l.set("heads", "1")
			}
		}
		v.setChild(&c)
	}
}

// addImplicitVideo gives a guest with graphics but no video the default
// video libvirt adds.
func (d *Devices) addImplicitVideo(ctx DeviceContext) {
	if len(d.ByKind["graphics"]) == 0 || len(d.ByKind["video"]) > 0 {
		return
	}
	v := &Device{Kind: "video"}
	v.children = []*xmltree.Node{newNode("model", "type", videoDefaultType(d.virtType, ctx.OSType, ctx.Arch), "heads", "1")}
	d.ByKind["video"] = []*Device{v}
}
