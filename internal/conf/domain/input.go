package domain

import "github.com/govirt/govirt/internal/conf/xmltree"

func init() {
	addSpecs(map[string]elemSpec{
		"input":        {attrs: []string{"type", "bus", "model"}, children: []string{"driver", "source"}},
		"input/source": {attrs: []string{"evdev", "dev", "grab", "grabToggle", "repeat"}},
		"input/driver": {attrs: []string{"iommu", "ats", "packed", "page_per_vq"}},
	})
}

// inputDefaults gives inputs without a bus libvirt's default bus.
func (d *Devices) inputDefaults(osType string) {
	for _, in := range d.ByKind["input"] {
		if _, ok := in.attrs.get("bus"); ok {
			continue
		}
		typ := in.Attr("type")
		switch {
		case typ == "passthrough":
			in.attrs.set("bus", "virtio")
		case typ == "evdev":
		case osType == "hvm":
			if typ == "mouse" || typ == "keyboard" {
				in.attrs.set("bus", "ps2")
			} else {
				in.attrs.set("bus", "usb")
			}
		case osType == "xen" || osType == "linux" || osType == "xenpvh":
			in.attrs.set("bus", "xen")
		}
	}
}

// AddImplicitInputs gives a guest with graphics the PS/2 (or Xen) mouse
// and keyboard; drivers call it (libvirt 9.0 does this in the drivers,
// not in the generic post-parse).
func (d *Devices) AddImplicitInputs(osType string, x86 bool) {
	if len(d.ByKind["graphics"]) == 0 || !x86 {
		return
	}
	bus := "xen"
	if osType == "hvm" {
		bus = "ps2"
	}
	for _, typ := range []string{"mouse", "keyboard"} {
		found := false
		for _, in := range d.ByKind["input"] {
			if in.Attr("type") == typ && in.Attr("bus") == bus {
				found = true
			}
		}
		if !found {
			dev := &Device{Kind: "input"}
			dev.attrs = attrList{{Name: "type", Value: typ}, {Name: "bus", Value: bus}}
			d.ByKind["input"] = append(d.ByKind["input"], dev)
		}
	}
	_ = xmltree.Node{}
}
