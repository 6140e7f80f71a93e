package domain

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Several small sub-elements are flat lists of attributes that libvirt
// prints in a fixed order, whatever order they were written in. They are
// kept as attribute lists and written back in libvirt's order; attributes
// libvirt does not know are dropped, as libvirt drops them.

// attrList is an element's attributes, in document order.
type attrList []xmltree.Attr

func (l attrList) get(name string) (string, bool) {
	for _, a := range l {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

func (l attrList) value(name string) string {
	v, _ := l.get(name)
	return v
}

func (l *attrList) set(name, value string) {
	for i, a := range *l {
		if a.Name == name {
			(*l)[i].Value = value
			return
		}
	}
	*l = append(*l, xmltree.Attr{Name: name, Value: value})
}

func (l *attrList) del(name string) {
	out := (*l)[:0]
	for _, a := range *l {
		if a.Name != name {
			out = append(out, a)
		}
	}
	*l = out
}

// writeOrdered writes the attributes named in order that are present.
func (l attrList) writeOrdered(b *xmlbuf.Buffer, order []string) {
	for _, name := range order {
		if v, ok := l.get(name); ok {
			b.Attr(name, v)
		}
	}
}

// formatOrderedEmpty writes <name …/> with attributes in order, nothing
// when no attribute is present.
func formatOrderedEmpty(b *xmlbuf.Buffer, name string, l attrList, order []string) {
	attrs := b.Inherit()
	l.writeOrdered(attrs, order)
	b.FormatElement(name, attrs, nil)
}

// childOrder sorts a device's unmodelled children by libvirt's element
// order; unknown elements keep their place at the end.
func formatNodesInOrder(b *xmlbuf.Buffer, nodes []*xmltree.Node, order []string) {
	done := make([]bool, len(nodes))
	for _, name := range order {
		for i, n := range nodes {
			if !done[i] && n.Name == name {
				b.FormatNode(n)
				done[i] = true
			}
		}
	}
	for i, n := range nodes {
		if !done[i] {
			b.FormatNode(n)
		}
	}
}

// yesNo reads libvirt's tristate booleans as written.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
