package xmlbuf

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

// FormatLibxmlNode writes an element as libxml2's xmlNodeDump with
// formatting does, at the buffer's indentation, followed by a newline.
// libvirt keeps some content (an object's <metadata>) as a libxml2 tree and
// writes it back that way (virXMLFormatMetadata), so it comes out in
// libxml2's style rather than virBuffer's: double-quoted attributes with
// namespace declarations first, element-only content one child a line two
// spaces a level, and any text inside an element turning formatting off
// for everything below it (libxml2 clears the context's format flag until
// it leaves that element): there the text, whitespace too, is written as
// it was read. Where formatting is on, whitespace between elements is not
// content: libvirt parses without blank nodes.
func (b *Buffer) FormatLibxmlNode(n *xmltree.Node) {
	var sb strings.Builder
	dumpLibxmlNode(&sb, n, b.Indent()/2, true)
	b.Add(sb.String() + "\n")
}

func dumpLibxmlNode(sb *strings.Builder, n *xmltree.Node, level int, format bool) {
	sb.WriteString("<" + n.Name)
	for _, nsFirst := range []bool{true, false} {
		for _, a := range n.Attrs {
			isNS := a.Name == "xmlns" || strings.HasPrefix(a.Name, "xmlns:")
			if isNS == nsFirst {
				sb.WriteString(" " + a.Name + "=\"" + xmltree.EscapeAttr(a.Value) + "\"")
			}
		}
	}
	if len(n.Children) == 0 {
		if n.Text == "" {
			sb.WriteString("/>")
		} else {
			sb.WriteString(">" + xmltree.EscapeText(n.Text) + "</" + n.Name + ">")
		}
		return
	}
	mixed := false
	for _, s := range n.Segments {
		if strings.TrimSpace(s) != "" {
			mixed = true
		}
	}
	indent := format && !mixed
	sb.WriteByte('>')
	for i, c := range n.Children {
		if indent {
			sb.WriteString("\n" + strings.Repeat("  ", level+1))
		} else {
			sb.WriteString(xmltree.EscapeText(n.Segments[i]))
		}
		dumpLibxmlNode(sb, c, level+1, indent)
	}
	if indent {
		sb.WriteString("\n" + strings.Repeat("  ", level))
	} else {
		sb.WriteString(xmltree.EscapeText(n.Segments[len(n.Segments)-1]))
	}
	sb.WriteString("</" + n.Name + ">")
}
