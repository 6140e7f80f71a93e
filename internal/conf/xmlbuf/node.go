package xmlbuf

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

// FormatNode writes an element the conf packages do not model in libvirt's
// canonical style: single-quoted attributes in their original order, two-space
// indentation, <x/> when empty, text-only elements on one line. Whitespace-only
// text between child elements is dropped (libxml2's blank-node removal).
// It keeps unmodelled content through a parse/format cycle without loss.
func (b *Buffer) FormatNode(n *xmltree.Node) {
	b.Add("<" + n.Name)
	for _, a := range n.Attrs {
		b.Attr(a.Name, a.Value)
	}
	switch {
	case len(n.Children) == 0 && n.Text == "":
		b.b.WriteString("/>\n")
	case len(n.Children) == 0:
		b.b.WriteString(">" + Escape(n.Text) + "</" + n.Name + ">\n")
	default:
		b.b.WriteString(">\n")
		b.AdjustIndent(2)
		for i, c := range n.Children {
			if t := strings.TrimSpace(n.Segments[i]); t != "" {
				b.Add(Escape(t) + "\n")
			}
			b.FormatNode(c)
		}
		if t := strings.TrimSpace(n.Segments[len(n.Segments)-1]); t != "" {
			b.Add(Escape(t) + "\n")
		}
		b.AdjustIndent(-2)
		b.Add("</" + n.Name + ">\n")
	}
}
