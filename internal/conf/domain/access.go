package domain

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

// NewDevice builds a device element of kind (its element name) with
// attributes given as name, value pairs: how drivers add the implicit
// devices of their post-parse (virDomainDefAddController, default
// memballoon, audio backends …).
func NewDevice(kind string, attrs ...string) *Device {
	g := &Device{Kind: kind}
	for i := 0; i+1 < len(attrs); i += 2 {
		g.attrs.set(attrs[i], attrs[i+1])
	}
	return g
}

// NewNode builds a sub-element for a device (e.g. <model type='virtio'/>).
func NewNode(name string, attrs ...string) *xmltree.Node { return newNode(name, attrs...) }

// HasAttr reports whether the device element has an attribute.
func (g *Device) HasAttr(name string) bool {
	_, ok := g.attrs.get(name)
	return ok
}

// DelAttr removes an attribute of the device element.
func (g *Device) DelAttr(name string) { g.attrs.del(name) }

// SetChild replaces the sub-element of the same name or adds it.
func (g *Device) SetChild(n *xmltree.Node) { g.setChild(n) }

// ChildNodes are the device's sub-elements other than its device info.
func (g *Device) ChildNodes() []*xmltree.Node { return g.children }

// Append adds a device after the others of its kind, as libvirt's
// VIR_APPEND_ELEMENT does for implicit devices.
func (d *Devices) Append(dev *Device) {
	if d.ByKind == nil {
		d.ByKind = map[string][]*Device{}
	}
	d.ByKind[dev.Kind] = append(d.ByKind[dev.Kind], dev)
}

// InsertAt adds a device at position i among those of its kind (clamped
// to the list).
func (d *Devices) InsertAt(dev *Device, i int) {
	if d.ByKind == nil {
		d.ByKind = map[string][]*Device{}
	}
	list := d.ByKind[dev.Kind]
	if i < 0 || i > len(list) {
		i = len(list)
	}
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = dev
	d.ByKind[dev.Kind] = list
}

// VideoDefaults fills the video models' memory sizes and heads again,
// for a driver that changed their types (libvirt's per-device post-parse
// runs the driver's callback first).
func (d *Devices) VideoDefaults() { d.videoDefaults() }

// ControllerIndex is <controller index>, -1 when absent or unreadable.
func ControllerIndex(c *Device) int { return controllerIndex(c) }

// FindController returns the controller of a type and index, or nil.
func (d *Devices) FindController(typ string, idx int) *Device {
	for _, c := range d.ByKind["controller"] {
		if c.Attr("type") == typ && controllerIndex(c) == idx {
			return c
		}
	}
	return nil
}

// Type is <disk type>.
func (d *Disk) Type() string { return d.Attrs.value("type") }

// DriverAttr reads an attribute of the disk's <driver>.
func (d *Disk) DriverAttr(name string) (string, bool) { return d.Driver.get(name) }

// SetDriverAttr sets an attribute of the disk's <driver>; "type" also
// sets the source's format, which the two share.
func (d *Disk) SetDriverAttr(name, value string) {
	d.Driver.set(name, value)
	if name == "type" && d.Source != nil {
		d.Source.Format = value
	}
}

// OSChildText is the text of a kept <os> child such as kernel, initrd,
// cmdline or dtb, and whether it is present.
func (o *OS) OSChildText(name string) (string, bool) {
	if o == nil {
		return "", false
	}
	for _, n := range o.rest[name] {
		return n.Text, true
	}
	for _, n := range o.extra {
		if n.Name == name {
			return n.Text, true
		}
	}
	return "", false
}

// SetEncryptionEngine gives every <encryption> of the disk's chain
// without an engine the one given (qemuDomainDeviceDiskDefPostParse's
// default engine).
func (d *Disk) SetEncryptionEngine(engine string) {
	for s := d.Source; s != nil; s = s.Backing {
		encs := []*xmltree.Node{s.EncryptionAtDisk}
		for _, c := range s.Children {
			if c.Name == "encryption" {
				encs = append(encs, c)
			}
		}
		for _, e := range encs {
			if e == nil {
				continue
			}
			if _, ok := e.Attr("engine"); !ok {
				setNodeAttrAfter(e, "engine", engine, "format")
			}
		}
	}
}

// setNodeAttrAfter sets an attribute, placing a new one right after
// another attribute when present.
func setNodeAttrAfter(n *xmltree.Node, name, value, after string) {
	for i, a := range n.Attrs {
		if a.Name == name {
			n.Attrs[i].Value = value
			return
		}
	}
	at := len(n.Attrs)
	for i, a := range n.Attrs {
		if strings.EqualFold(a.Name, after) {
			at = i + 1
		}
	}
	n.Attrs = append(n.Attrs, xmltree.Attr{})
	copy(n.Attrs[at+1:], n.Attrs[at:])
	n.Attrs[at] = xmltree.Attr{Name: name, Value: value}
}
