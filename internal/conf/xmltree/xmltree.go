// Package xmltree reads an XML document into a small element tree that keeps
// what libvirt's parsers look at: element and attribute names with their
// namespace prefixes, attribute order, text, and the line each element
// starts on. Comments and processing instructions are dropped, as libvirt
// drops them. It never interprets the document; the conf packages do.
package xmltree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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
// call the document, as libvirt does ("domain_definition", a file name, …).
// Malformed XML is VIR_ERR_XML_DETAIL with the line, as libvirt reports it.
func Parse(data []byte, name string) (*Node, error) {
	if name == "" {
		name = "(document)"
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "%s:1: Document is empty", name)
	}
	dec := xml.NewDecoder(bytes.NewReader(normalizeAttrWhitespace(data)))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	var root *Node
	var stack []*Node
	for {
		line, _ := dec.InputPos()
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(name, line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: qname(t.Name), Line: line, Segments: []string{""}}
			for _, a := range t.Attr {
				n.Attrs = append(n.Attrs, Attr{Name: qname(a.Name), Value: a.Value})
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "%s:%d: Extra content at the end of the document", name, line)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				n.Parent = p
				p.Children = append(p.Children, n)
				p.Segments = append(p.Segments, "")
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1].Name != qname(t.Name) {
				return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "%s:%d: Opening and ending tag mismatch: %s", name, line, qname(t.Name))
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "%s:%d: Extra content at the end of the document", name, line)
				}
				continue
			}
			n := stack[len(stack)-1]
			n.Text += string(t)
			n.Segments[len(n.Segments)-1] += string(t)
		}
	}
	if len(stack) != 0 {
		line, _ := dec.InputPos()
		return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "%s:%d: Premature end of data in tag %s", name, line, stack[len(stack)-1].Name)
	}
	if root == nil {
		return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "%s:1: Start tag expected, '<' not found", name)
	}
	return root, nil
}

// ParseRoot parses a document whose root element must be want; any other
// root is VIR_ERR_XML_ERROR worded as libvirt's virXMLParseHelper words it.
func ParseRoot(data []byte, name, want string) (*Node, error) {
	root, err := Parse(data, name)
	if err != nil {
		return nil, err
	}
	if root.Name != want {
		return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLError, "expecting root element of '%s', not '%s'", want, root.Name)
	}
	return root, nil
}

func syntaxError(name string, line int, err error) error {
	var se *xml.SyntaxError
	msg := err.Error()
	if errors.As(err, &se) {
		line = se.Line
		msg = se.Msg
	}
	return virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "%s:%d: %s", name, line, msg)
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
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

// EscapeText escapes character data as libxml2 serialises it.
func EscapeText(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#13;")
	return r.Replace(s)
}

// EscapeAttr escapes an attribute value as libxml2 serialises it.
func EscapeAttr(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;", "\n", "&#10;", "\r", "&#13;", "\t", "&#9;")
	return r.Replace(s)
}

// normalizeAttrWhitespace applies XML's end-of-line handling (CR LF and
// lone CR become LF) and attribute-value normalisation (tabs and newlines
// inside attribute values become spaces), as libxml2 does; encoding/xml
// does neither for attributes. Character references such as &#10; are left
// alone, so they still yield the character.
func normalizeAttrWhitespace(data []byte) []byte {
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	var out []byte // a copy, made on the first change
	inTag := false
	var quote byte
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\t' || c == '\n' {
				if out == nil {
					out = append([]byte(nil), data...)
				}
				out[i] = ' '
			}
		case inTag:
			if c == '"' || c == '\'' {
				quote = c
			} else if c == '>' {
				inTag = false
			}
		case c == '<':
			if skip := skipMarkup(data[i:]); skip > 0 {
				i += skip - 1
				continue
			}
			inTag = true
		}
	}
	if out != nil {
		return out
	}
	return data
}

// skipMarkup returns the length of a comment, CDATA section, processing
// instruction or declaration at the start of b (0 if b starts a tag).
func skipMarkup(b []byte) int {
	for _, m := range [][2]string{{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}, {"<!", ">"}} {
		if bytes.HasPrefix(b, []byte(m[0])) {
			if end := bytes.Index(b[len(m[0]):], []byte(m[1])); end >= 0 {
				return len(m[0]) + end + len(m[1])
			}
			return len(b)
		}
	}
	return 0
}
