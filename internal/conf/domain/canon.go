package domain

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// elemSpec is libvirt's print order for one kind of sub-element: the order
// of its attributes and of its child elements. Sub-elements whose content
// libvirt prints back as read, only reordered, are kept as parsed elements
// and written through their spec; elements and attributes a spec does not
// list are kept after the listed ones, in document order.
type elemSpec struct {
	attrs    []string
	children []string
}

// infoPosition in a device spec's children marks where the device info
// (address, alias …) prints when libvirt prints it before some of the
// device's own elements (memballoon and vsock print their <driver> last).
const infoPosition = "#info"

// liveOnlyAttrs names, per element path, the attribute libvirt prints
// only for a running guest (a channel's connection state).
var liveOnlyAttrs = map[string]string{
	"channel/target":   "state",
	"interface/source": "portid",
}

// specs maps "parent/child" element paths to their print order. A path is
// the element names from the device element down, e.g. "interface/driver".
var specs = map[string]elemSpec{}

func addSpecs(m map[string]elemSpec) {
	for k, v := range m {
		specs[k] = v
	}
}

// formatCanon writes n as libvirt prints it, using the spec found under
// path for n and path+"/"+child for its descendants.
func formatCanon(b *xmlbuf.Buffer, n *xmltree.Node, path string, flags FormatFlags) {
	spec := specs[path]
	b.Add("<" + n.Name)
	attrs := n.Attrs
	if drop := liveOnlyAttrs[path]; drop != "" && flags&FormatInactive != 0 {
		attrs = nil
		for _, a := range n.Attrs {
			if a.Name != drop {
				attrs = append(attrs, a)
			}
		}
	}
	writeAttrsInOrder(b, attrs, spec.attrs)
	text := strings.TrimSpace(n.Text)
	if len(n.Children) == 0 {
		if n.Text == "" {
			b.Add("/>\n")
		} else {
			b.Add(">" + xmlbuf.Escape(n.Text) + "</" + n.Name + ">\n")
		}
		return
	}
	_ = text
	b.Add(">\n")
	b.AdjustIndent(2)
	forEachInOrder(n.Children, spec.children, func(c *xmltree.Node) {
		formatCanon(b, c, path+"/"+c.Name, flags)
	})
	b.AdjustIndent(-2)
	b.Add("</" + n.Name + ">\n")
}

func writeAttrsInOrder(b *xmlbuf.Buffer, attrs []xmltree.Attr, order []string) {
	if len(order) == 0 {
		for _, a := range attrs {
			b.Attr(a.Name, a.Value)
		}
		return
	}
	done := make([]bool, len(attrs))
	for _, name := range order {
		for i, a := range attrs {
			if !done[i] && a.Name == name {
				b.Attr(a.Name, a.Value)
				done[i] = true
			}
		}
	}
	for i, a := range attrs {
		if !done[i] {
			b.Attr(a.Name, a.Value)
		}
	}
}

func forEachInOrder(nodes []*xmltree.Node, order []string, fn func(*xmltree.Node)) {
	done := make([]bool, len(nodes))
	for _, name := range order {
		for i, n := range nodes {
			if !done[i] && n.Name == name {
				fn(n)
				done[i] = true
			}
		}
	}
	for i, n := range nodes {
		if !done[i] {
			fn(n)
		}
	}
}

// Device is a device element other than <disk>: its attributes and
// sub-elements as parsed, its device info modelled. It prints through the
// specs registered under its element name; the per-kind files hold those
// specs and the kind's defaults and checks.
type Device struct {
	Kind     string // element name: controller, interface, serial …
	attrs    attrList
	children []*xmltree.Node // without the device-info elements
	Info     DeviceInfo

	// Chr is the chardev source of character devices, passthrough
	// smartcards and redirdevs; it prints where the spec lists "source".
	Chr *ChrSource
	// body, when set, prints the device's attributes and content instead
	// of the generic attributes and children.
	body deviceBody
	// typedFlags and view belong to typed kinds (typed.go): the parse
	// flags, and the generic view the body was last read from.
	typedFlags ParseFlags
	view       string
	// childOrder, when set, puts these children first, before the
	// kind's spec order.
	childOrder []string
}

// deviceBody is a device kind modelled with its own type.
type deviceBody interface {
	formatAttrs(b *xmlbuf.Buffer, flags FormatFlags)
	formatChildren(b *xmlbuf.Buffer, flags FormatFlags)
}

// trailerFormatter is a device body with elements libvirt prints after
// the device info.
type trailerFormatter interface {
	formatTrailer(b *xmlbuf.Buffer, flags FormatFlags)
}

// Attr returns an attribute of the device element.
func (g *Device) Attr(name string) string { return g.attrs.value(name) }

// SetAttr sets an attribute of the device element.
func (g *Device) SetAttr(name, value string) { g.attrs.set(name, value) }

func parseDeviceGeneric(n *xmltree.Node, flags ParseFlags) (*Device, error) {
	g := &Device{Kind: n.Name, attrs: append(attrList(nil), n.Attrs...)}
	for _, c := range n.Children {
		if !infoElements[c.Name] {
			g.children = append(g.children, c)
		}
	}
	info, err := parseDeviceInfo(n, flags)
	if err != nil {
		return nil, err
	}
	g.Info = info
	return g, nil
}

func (g *Device) Child(name string) *xmltree.Node {
	for _, c := range g.children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// replaceChild puts n where old was.
func (g *Device) replaceChild(old, n *xmltree.Node) {
	for i, c := range g.children {
		if c == old {
			g.children[i] = n
			return
		}
	}
}

// moveChildrenFirst moves the child elements of a name to the front.
func (g *Device) moveChildrenFirst(name string) {
	var first, rest []*xmltree.Node
	for _, c := range g.children {
		if c.Name == name {
			first = append(first, c)
		} else {
			rest = append(rest, c)
		}
	}
	g.children = append(first, rest...)
}

// removeChildren drops the child elements of a name.
func (g *Device) removeChildren(name string) {
	out := g.children[:0]
	for _, c := range g.children {
		if c.Name != name {
			out = append(out, c)
		}
	}
	g.children = out
}

// setChild replaces or adds a child element.
func (g *Device) setChild(n *xmltree.Node) {
	for i, c := range g.children {
		if c.Name == n.Name {
			g.children[i] = n
			return
		}
	}
	g.children = append(g.children, n)
}

func (g *Device) format(b *xmlbuf.Buffer, flags FormatFlags) {
	name := g.Kind
	spec := specs[name]
	attrs := b.Inherit()
	c := b.Child()
	if body := g.typed(); body != nil {
		body.formatAttrs(attrs, flags)
		body.formatChildren(c, flags)
		g.Info.format(c, flags)
		if t, ok := body.(trailerFormatter); ok {
			t.formatTrailer(c, flags)
		}
		b.FormatElementAlways(name, attrs, c)
		return
	}
	writeAttrsInOrder(attrs, g.attrs, spec.attrs)
	chrDone := g.Chr == nil
	writeChr := func() {
		if !chrDone {
			g.Chr.format(c, flags)
			chrDone = true
		}
	}
	done := make([]bool, len(g.children))
	infoDone := false
	for _, want := range append(append([]string(nil), g.childOrder...), spec.children...) {
		if want == "source" {
			writeChr()
		}
		if want == infoPosition {
			g.Info.format(c, flags)
			infoDone = true
		}
		for i, n := range g.children {
			if !done[i] && n.Name == want {
				formatCanon(c, n, name+"/"+n.Name, flags)
				done[i] = true
			}
		}
	}
	writeChr()
	for i, n := range g.children {
		if !done[i] {
			formatCanon(c, n, name+"/"+n.Name, flags)
		}
	}
	if !infoDone {
		g.Info.format(c, flags)
	}
	if g.Kind == "panic" {
		// virDomainPanicDefFormat prints nothing for a panic without
		// model or address
		b.FormatElement(name, attrs, c)
		return
	}
	b.FormatElementAlways(name, attrs, c)
}

func newNode(name string, attrs ...string) *xmltree.Node {
	n := &xmltree.Node{Name: name, Segments: []string{""}}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.Attrs = append(n.Attrs, xmltree.Attr{Name: attrs[i], Value: attrs[i+1]})
	}
	return n
}
