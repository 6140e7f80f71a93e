package domain

import (
	"strconv"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Character devices (<serial>, <parallel>, <console>, <channel>) and the
// chardev sources they share with smartcards, redirdevs and rngs.

var chardevSpec = elemSpec{
	attrs:    []string{"type", "tty"},
	children: []string{"source", "protocol", "log", "target"},
}

func init() {
	for _, k := range []string{"serial", "parallel", "console", "channel"} {
		addSpecs(map[string]elemSpec{
			k:                       chardevSpec,
			k + "/source":           {attrs: []string{"mode", "host", "service", "tls", "path", "append", "channel", "master", "slave"}, children: []string{"reconnect", "seclabel", "clipboard", "mouse"}},
			k + "/source/reconnect": {attrs: []string{"enabled", "timeout"}},
			k + "/log":              {attrs: []string{"file", "append"}},
			k + "/target":           {attrs: []string{"type", "name", "address", "port", "state"}, children: []string{"model"}},
		})
		kindParse[k] = parseChardevDefaults
	}
}

// parseChardevDefaults reads the chardev source of a character device,
// passthrough smartcard or redirdev; a character device without a type
// is a pty.
func parseChardevDefaults(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	typ, ok := dev.attrs.get("type")
	switch dev.Kind {
	case "serial", "parallel", "console", "channel":
		if !ok {
			typ = "pty"
			dev.attrs = append(attrList{{Name: "type", Value: typ}}, dev.attrs...)
		}
	case "smartcard":
		if dev.Attr("mode") != "passthrough" {
			return nil
		}
	}
	chr, err := parseChrSource(typ, n, flags)
	if err != nil {
		return err
	}
	dev.Chr = chr
	var rest []*xmltree.Node
	for _, c := range dev.children {
		if !isChrSourceChild(c.Name) {
			rest = append(rest, c)
		}
	}
	dev.children = rest
	return nil
}

// withAttrDefault returns n with attribute name set to value when absent;
// first puts it before the other attributes.
func withAttrDefault(n *xmltree.Node, name, value string, first bool) *xmltree.Node {
	if _, ok := n.Attr(name); ok {
		return n
	}
	c := *n
	a := xmltree.Attr{Name: name, Value: value}
	if first {
		c.Attrs = append([]xmltree.Attr{a}, n.Attrs...)
	} else {
		c.Attrs = append(append([]xmltree.Attr(nil), n.Attrs...), a)
	}
	return &c
}

// chrTargetPort is <target port>, -1 when absent.
func chrTargetPort(dev *Device) int {
	t := dev.Child("target")
	if t == nil {
		return -1
	}
	s, ok := t.Attr("port")
	if !ok {
		return -1
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return v
}

func setChrTargetPort(dev *Device, port int) {
	t := dev.Child("target")
	var c xmltree.Node
	if t != nil {
		c = *t
		c.Attrs = append([]xmltree.Attr(nil), t.Attrs...)
	} else {
		c = *newNode("target")
	}
	set := false
	for i := range c.Attrs {
		if c.Attrs[i].Name == "port" {
			c.Attrs[i].Value = strconv.Itoa(port)
			set = true
		}
	}
	if !set {
		c.Attrs = append(c.Attrs, xmltree.Attr{Name: "port", Value: strconv.Itoa(port)})
	}
	dev.setChild(&c)
}

// assignChrPorts numbers serial, parallel and console targets without a
// port after the highest used one, as libvirt's parser does.
func (d *Devices) assignChrPorts() {
	for _, kind := range []string{"serial", "parallel", "console"} {
		list := d.ByKind[kind]
		for i, dev := range list {
			if kind == "console" {
				// libvirt numbers consoles by position, whatever was written
				if chrTargetPort(dev) != i {
					setChrTargetPort(dev, i)
				}
				continue
			}
			if chrTargetPort(dev) != -1 {
				continue
			}
			max := -1
			for j, o := range list {
				if j == i {
					continue
				}
				if p := chrTargetPort(o); p > max {
					max = p
				}
			}
			setChrTargetPort(dev, max+1)
		}
	}
}

func (dev *Device) targetType() string {
	if t := dev.Child("target"); t != nil {
		return t.Prop("type")
	}
	return ""
}

// formatConsoles writes the consoles; for hvm guests a serial-typed
// console prints as a copy of the serial port it stands for.
func (d *Devices) formatConsoles(b *xmlbuf.Buffer, flags FormatFlags) {
	serials := d.ByKind["serial"]
	for i, con := range d.ByKind["console"] {
		tt := con.targetType()
		if d.hvm && (tt == "serial" || tt == "") && i < len(serials) {
			s := serials[i]
			cp := &Device{Kind: "console", attrs: s.attrs, Info: s.Info, Chr: s.Chr}
			for _, c := range s.children {
				if c.Name == "target" {
					port := chrTargetPort(s)
					if port < 0 {
						port = 0
					}
					c = newNode("target", "type", "serial", "port", strconv.Itoa(port))
				}
				cp.children = append(cp.children, c)
			}
			cp.format(b, flags)
			continue
		}
		con.format(b, flags)
	}
}

// serialConsoleCompatible are the serial target types a console can
// stand for.
var serialConsoleCompatible = map[string]bool{
	"": true, "isa-serial": true, "spapr-vio-serial": true, "system-serial": true, "sclp-serial": true,
}

// addConsoleCompat is libvirt's virDomainDefAddConsoleCompat: on hvm
// guests the first console may stand for the first serial port (which it
// creates when missing), and a serial port gets a console standing for it.
func (d *Devices) addConsoleCompat() {
	if !d.hvm {
		return
	}
	serials := d.ByKind["serial"]
	consoles := d.ByKind["console"]
	if len(consoles) > 0 {
		if tt := consoles[0].targetType(); tt == "serial" || tt == "" {
			if len(serials) == 0 {
				c := consoles[0]
				s := &Device{Kind: "serial", attrs: c.attrs, Info: c.Info, Chr: c.Chr}
				for _, x := range c.children {
					if x.Name == "target" {
						x = newNode("target", "port", "0")
					}
					s.children = append(s.children, x)
				}
				if s.Child("target") == nil {
					s.children = append(s.children, newNode("target", "port", "0"))
				}
				d.ByKind["serial"] = []*Device{s}
			}
			consoles[0].children = replaceTarget(consoles[0].children, newNode("target", "type", "serial", "port", "0"))
			return
		}
	}
	if len(serials) > 0 && serialConsoleCompatible[serials[0].targetType()] {
		con := &Device{Kind: "console", attrs: serials[0].attrs, Chr: serials[0].Chr}
		con.children = []*xmltree.Node{newNode("target", "type", "serial", "port", "0")}
		d.ByKind["console"] = append([]*Device{con}, consoles...)
	}
}

func replaceTarget(children []*xmltree.Node, t *xmltree.Node) []*xmltree.Node {
	out := make([]*xmltree.Node, 0, len(children)+1)
	found := false
	for _, c := range children {
		if c.Name == "target" {
			c = t
			found = true
		}
		out = append(out, c)
	}
	if !found {
		out = append(out, t)
	}
	return out
}
