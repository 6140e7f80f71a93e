// Package xmltree reads an XML document into a small element tree that keeps
// what libvirt's parsers look at: element and attribute names with their
// namespace prefixes, attribute order, text, and the line each element
// starts on. Comments and processing instructions are dropped, as libvirt
// drops them. It never interprets the document; the conf packages do.
//
// It accepts what libxml2 accepts for libvirt's documents and, on malformed
// input, reports the first fatal error libxml2 reports, in libvirt's words:
// "name:line: message", the line of the document it stopped on, and a caret
// under the column (see parser.go). TestDifferentialAgainstXmllint holds
// it to xmllint's answers.
package xmltree

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// Attr is one attribute; Name keeps its prefix ("xmlns:foo", "foo:bar").
type Attr struct {
	Name  string
	Value string
}

// Node is one element.
type Node struct {
	Name     string // with prefix, e.g. "qemu:commandline"
	Attrs    []Attr
	Children []*Node
	// Text is all character data directly inside this element, in order
	// (libvirt's xmlNodeGetContent for leaf elements).
	Text string
	// Segments interleaves text and child elements for mixed content;
	// Segments[i] is the text before Children[i], the last entry the text
	// after the last child. len(Segments) == len(Children)+1.
	Segments []string
	Line     int
	Parent   *Node
}

// Parse reads a document and returns its root element. name is what errors
// call the document, as libvirt does ("(domain_definition)", a file name,
// …). Malformed XML is VIR_ERR_XML_DETAIL (domain VIR_FROM_XML) worded,
// numbered and pointed at as libvirt reports libxml2's first fatal error.
func Parse(data []byte, name string) (*Node, error) {
	return ParseFrom(data, name, virterr.FromXML)
}

// ParseFrom is Parse for a caller whose malformed-XML errors carry its own
// error domain, as libvirt's virXMLParse(…) passes VIR_FROM_THIS: domain
// XML reports VIR_FROM_DOMAIN, network XML VIR_FROM_NETWORK, and so on.
func ParseFrom(data []byte, name string, domain virterr.Domain) (root *Node, err error) {
	if name == "" {
		name = "(document)"
	}
	// libvirt hands libxml2 a C string: the document ends at the first NUL.
	if i := bytes.IndexByte(data, 0); i >= 0 {
		data = data[:i]
	}
	p := parser{data: data, docName: name, domain: domain}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			root, err = nil, f.err
		}
	}()
	return p.parseDocument(), nil
}

// ParseRoot parses a document whose root element must be want; any other
// root is VIR_ERR_XML_ERROR worded as libvirt's virXMLParseHelper words it.
func ParseRoot(data []byte, name, want string) (*Node, error) {
	return ParseRootFrom(data, name, want, virterr.FromXML)
}

// ParseRootFrom is ParseRoot with ParseFrom's error domain for malformed
// XML; a wrong root stays VIR_FROM_XML, as virXMLParseHelper reports it.
func ParseRootFrom(data []byte, name, want string, domain virterr.Domain) (*Node, error) {
	root, err := ParseFrom(data, name, domain)
	if err != nil {
		return nil, err
	}
	if root.Name != want {
		return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLError, "expecting root element of '%s', not '%s'", want, root.Name)
	}
	return root, nil
}

// Attr returns the attribute's value and whether it is present; a nil
// node has no attributes.
func (n *Node) Attr(name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Prop returns the attribute's value, "" when absent (virXMLPropString).
func (n *Node) Prop(name string) string {
	v, _ := n.Attr(name)
	return v
}

// Child returns the first child element called name, or nil.
func (n *Node) Child(name string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ChildrenNamed returns every child element called name, in order.
func (n *Node) ChildrenNamed(name string) []*Node {
	if n == nil {
		return nil
	}
	var out []*Node
	for _, c := range n.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Find follows a path of child names ("os/type") and returns the first
// match, or nil.
func (n *Node) Find(path string) *Node {
	if n == nil {
		return nil
	}
	cur := n
	for _, part := range strings.Split(path, "/") {
		cur = cur.Child(part)
		if cur == nil {
			return nil
		}
	}
	return cur
}

// ChildText returns the text of the first child called name and whether it
// exists (virXPathString("string(./name)")); n may be nil.
func (n *Node) ChildText(name string) (string, bool) {
	c := n.Child(name)
	if c == nil {
		return "", false
	}
	return c.Text, true
}

// Path names the element by its ancestry ("/domain/devices/disk"), for
// error messages.
func (n *Node) Path() string {
	if n.Parent == nil {
		return "/" + n.Name
	}
	return n.Parent.Path() + "/" + n.Name
}

// String renders the element back to XML in libvirt's style for
// opaque content: attributes in double quotes, no reformatting of text.
// Conf packages use this to keep subtrees they do not model.
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *Node) write(b *strings.Builder) {
	b.WriteByte('<')
	b.WriteString(n.Name)
	for _, a := range n.Attrs {
		fmt.Fprintf(b, " %s=\"%s\"", a.Name, EscapeAttr(a.Value))
	}
	if len(n.Children) == 0 && n.Text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	for i, c := range n.Children {
		b.WriteString(EscapeText(n.Segments[i]))
		c.write(b)
	}
	b.WriteString(EscapeText(n.Segments[len(n.Segments)-1]))
	b.WriteString("</" + n.Name + ">")
}

// A strings.Replacer builds its lookup tables on first use and is safe
// for concurrent use: one of each, not one per call.
var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#13;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;", "\n", "&#10;", "\r", "&#13;", "\t", "&#9;")
)

// EscapeText escapes character data as libxml2 serialises it.
func EscapeText(s string) string { return textEscaper.Replace(s) }

// EscapeAttr escapes an attribute value as libxml2 serialises it.
func EscapeAttr(s string) string { return attrEscaper.Replace(s) }
