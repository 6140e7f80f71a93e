package domain

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Typed device kinds. A kind registered here is parsed into its own type
// (the Device's body), which alone decides what is printed. Drivers still
// read and edit every device through the generic accessors (Attr,
// SetAttr, Child, SetChild …): after parsing, the device's attributes and
// sub-elements are replaced by the typed content as libvirt prints it, and
// whenever they are edited the typed content is read again from them
// before it is used.

// typedParser reads a device element of one kind into its type.
type typedParser func(n *xmltree.Node, flags ParseFlags) (deviceBody, error)

var typedKinds = map[string]typedParser{}

// parseTyped gives dev its typed body for a registered kind.
func (g *Device) parseTyped(n *xmltree.Node, flags ParseFlags) error {
	parse := typedKinds[g.Kind]
	if parse == nil {
		return nil
	}
	body, err := parse(n, flags)
	if err != nil {
		return err
	}
	g.body = body
	g.typedFlags = flags
	g.syncView()
	return nil
}

// syncView replaces the generic attributes and children by the typed
// content as printed (device info excluded), and remembers that view.
func (g *Device) syncView() {
	b := xmlbuf.New()
	attrs := b.Inherit()
	c := b.Child()
	g.body.formatAttrs(attrs, FormatSecure)
	g.body.formatChildren(c, FormatSecure)
	if t, ok := g.body.(trailerFormatter); ok {
		t.formatTrailer(c, FormatSecure)
	}
	b.FormatElementAlways(g.Kind, attrs, c)
	n, err := xmltree.Parse(b.Bytes(), "("+g.Kind+")")
	if err != nil {
		return
	}
	g.attrs = append(attrList(nil), n.Attrs...)
	g.children = n.Children
	for _, c := range g.children {
		c.Parent = nil
		dropIndentation(c)
	}
	g.view = g.rawString()
}

// rawString is the generic view as one string, to notice edits.
func (g *Device) rawString() string {
	var s strings.Builder
	for _, a := range g.attrs {
		s.WriteString(a.Name + "=" + a.Value + "\x00")
	}
	for _, c := range g.children {
		s.WriteString(c.String())
	}
	return s.String()
}

// typed returns the device's typed body, read again from the generic view
// when that was edited since; nil when the kind is not typed or the edited
// content no longer parses (the generic view then prints as is).
func (g *Device) typed() deviceBody {
	parse := typedKinds[g.Kind]
	if parse == nil {
		return g.body
	}
	if g.body != nil && g.rawString() == g.view {
		return g.body
	}
	n := &xmltree.Node{Name: g.Kind, Attrs: append([]xmltree.Attr(nil), g.attrs...), Children: g.children, Segments: []string{""}}
	body, err := parse(n, g.typedFlags)
	if err != nil {
		g.body = nil
		return nil
	}
	g.body = body
	g.view = g.rawString()
	return body
}
