package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// A small DOM with libxml2's node model and serialisation, enough for
// virsh's --xpath output (virshDumpXML) and the few commands that edit
// XML (iface-bridge) or read values out of it (freecell --all).

type lxKind int

const (
	lxDoc lxKind = iota
	lxElem
	lxAttr
	lxText
	lxComment
	lxPI
)

type lxNode struct {
	kind     lxKind
	name     string // qualified name as written (elements, attributes); PI target
	local    string
	prefix   string
	ns       string // namespace URI of an element or attribute
	value    string // attribute value, text, comment or PI data
	attrs    []*lxNode
	nsDecls  []xml.Attr // xmlns declarations, in document order
	children []*lxNode
	parent   *lxNode
	order    int
}

// lxParse is virXMLParseString with xmlKeepBlanksDefault(0): blank
// text between elements is dropped by libxml2's areBlanks heuristics.
func lxParse(data string) (*lxNode, error) {
	dec := xml.NewDecoder(strings.NewReader(data))
	dec.Strict = true
	var toks []xml.Token
	for {
		t, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		toks = append(toks, xml.CopyToken(t))
	}
	doc := &lxNode{kind: lxDoc}
	cur := doc
	depth := 0
	for i, t := range toks {
		switch t := t.(type) {
		case xml.StartElement:
			e := &lxNode{kind: lxElem, name: lxQName(t.Name), local: t.Name.Local, prefix: t.Name.Space, parent: cur}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					e.nsDecls = append(e.nsDecls, a)
					continue
				}
				e.attrs = append(e.attrs, &lxNode{kind: lxAttr, name: lxQName(a.Name), local: a.Name.Local, prefix: a.Name.Space, value: a.Value, parent: e})
			}
			cur.children = append(cur.children, e)
			cur = e
			depth++
			e.ns = lxLookupNS(e, e.prefix)
			for _, a := range e.attrs {
				if a.prefix != "" {
					a.ns = lxLookupNS(e, a.prefix)
				}
			}
		case xml.EndElement:
			if depth == 0 || lxQName(t.Name) != cur.name {
				return nil, fmt.Errorf("Opening and ending tag mismatch")
			}
			cur = cur.parent
			depth--
		case xml.CharData:
			if depth == 0 {
				continue
			}
			s := string(t)
			if lxIsBlank(s) && lxBlankDropped(cur, toks, i) {
				continue
			}
			if n := len(cur.children); n > 0 && cur.children[n-1].kind == lxText {
				cur.children[n-1].value += s
				continue
			}
			cur.children = append(cur.children, &lxNode{kind: lxText, value: s, parent: cur})
		case xml.Comment:
			cur.children = append(cur.children, &lxNode{kind: lxComment, value: string(t), parent: cur})
		case xml.ProcInst:
			if t.Target == "xml" {
				continue
			}
			cur.children = append(cur.children, &lxNode{kind: lxPI, name: t.Target, value: string(t.Inst), parent: cur})
		}
	}
	if depth != 0 || doc.root() == nil {
		return nil, fmt.Errorf("Premature end of data")
	}
	n := 0
	doc.walk(func(x *lxNode) {
		x.order = n
		n++
		for _, a := range x.attrs {
			a.order = n
			n++
		}
	})
	return doc, nil
}

func lxQName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func lxLookupNS(e *lxNode, prefix string) string {
	for x := e; x != nil; x = x.parent {
		for _, d := range x.nsDecls {
			if prefix == "" && d.Name.Space == "" && d.Name.Local == "xmlns" || prefix != "" && d.Name.Space == "xmlns" && d.Name.Local == prefix {
				return d.Value
			}
		}
	}
	return ""
}

func lxIsBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
			return false
		}
	}
	return true
}

// lxBlankDropped is libxml2's areBlanks for a parse without blanks: the
// blank is dropped when markup follows, unless it is an element's only
// content or it sits next to text.
func lxBlankDropped(cur *lxNode, toks []xml.Token, i int) bool {
	if i+1 >= len(toks) {
		return false
	}
	if _, ok := toks[i+1].(xml.CharData); ok {
		return false
	}
	if _, end := toks[i+1].(xml.EndElement); end && len(cur.children) == 0 {
		return false
	}
	if n := len(cur.children); n > 0 && (cur.children[n-1].kind == lxText || cur.children[0].kind == lxText) {
		return false
	}
	return true
}

func (x *lxNode) walk(fn func(*lxNode)) {
	fn(x)
	for _, c := range x.children {
		c.walk(fn)
	}
}

func (x *lxNode) root() *lxNode {
	for _, c := range x.children {
		if c.kind == lxElem {
			return c
		}
	}
	return nil
}

// attr is virXMLPropString.
func (x *lxNode) attr(name string) (string, bool) {
	for _, a := range x.attrs {
		if a.name == name {
			return a.value, true
		}
	}
	return "", false
}

func (x *lxNode) setAttr(name, value string) {
	for _, a := range x.attrs {
		if a.name == name {
			a.value = value
			return
		}
	}
	x.attrs = append(x.attrs, &lxNode{kind: lxAttr, name: name, local: name, value: value, parent: x})
}

func (x *lxNode) addChild(c *lxNode) {
	c.parent = x
	x.children = append(x.children, c)
}

func (x *lxNode) removeChild(c *lxNode) {
	for i, k := range x.children {
		if k == c {
			x.children = append(x.children[:i:i], x.children[i+1:]...)
			return
		}
	}
}

// stringValue is XPath's string-value of a node.
func (x *lxNode) stringValue() string {
	switch x.kind {
	case lxDoc, lxElem:
		var b strings.Builder
		x.walk(func(n *lxNode) {
			if n.kind == lxText {
				b.WriteString(n.value)
			}
		})
		return b.String()
	}
	return x.value
}

// lxDump is virXMLNodeToString (xmlNodeDump with formatting).
func lxDump(x *lxNode) string {
	var b bytes.Buffer
	switch x.kind {
	case lxDoc:
		b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
		for _, c := range x.children {
			lxDumpInto(&b, c, 0, true)
			b.WriteByte('\n')
		}
	case lxAttr:
		lxDumpAttr(&b, x)
	default:
		lxDumpInto(&b, x, 0, true)
	}
	return b.String()
}

// lxDumpDoc is xmlDocDumpMemory without formatting, for documents sent
// back to the driver.
func lxDumpDoc(x *lxNode) string {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\"?>\n")
	for _, c := range x.children {
		lxDumpInto(&b, c, 0, false)
		b.WriteByte('\n')
	}
	return b.String()
}

func lxDumpAttr(b *bytes.Buffer, a *lxNode) {
	b.WriteString(" " + a.name + "=\"" + lxEscapeAttr(a.value) + "\"")
}

// lxDumpInto is xmlNodeDumpOutputInternal: an element whose children
// include text is written without indentation inside.
func lxDumpInto(b *bytes.Buffer, x *lxNode, level int, format bool) {
	lv := level
	lxDumpCtx(b, x, &lv, format)
}

// lxDumpCtx keeps libxml2's save context level: a document node dumped
// inside an element resets it, and the siblings after it lose their
// indentation as they do with libxml2.
func lxDumpCtx(b *bytes.Buffer, x *lxNode, level *int, format bool) {
	switch x.kind {
	case lxText:
		b.WriteString(lxEscapeText(x.value))
		return
	case lxComment:
		b.WriteString("<!--" + x.value + "-->")
		return
	case lxPI:
		if x.value == "" {
			b.WriteString("<?" + x.name + "?>")
		} else {
			b.WriteString("<?" + x.name + " " + x.value + "?>")
		}
		return
	case lxAttr:
		lxDumpAttr(b, x)
		return
	case lxDoc:
		b.WriteString(lxDump(x))
		*level = 0
		return
	}
	inner := format
	for _, c := range x.children {
		if c.kind == lxText {
			inner = false
		}
	}
	b.WriteString("<" + x.name)
	for _, d := range x.nsDecls {
		if d.Name.Space == "" {
			b.WriteString(" xmlns=\"" + lxEscapeAttr(d.Value) + "\"")
		} else {
			b.WriteString(" xmlns:" + d.Name.Local + "=\"" + lxEscapeAttr(d.Value) + "\"")
		}
	}
	for _, a := range x.attrs {
		lxDumpAttr(b, a)
	}
	if len(x.children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	if inner {
		b.WriteByte('\n')
	}
	*level++
	for _, c := range x.children {
		if inner && (c.kind == lxElem || c.kind == lxComment || c.kind == lxPI) {
			b.WriteString(strings.Repeat("  ", *level))
		}
		lxDumpCtx(b, c, level, inner)
		if inner {
			b.WriteByte('\n')
		}
	}
	if *level > 0 {
		*level--
	}
	if inner {
		b.WriteString(strings.Repeat("  ", *level))
	}
	b.WriteString("</" + x.name + ">")
}

func lxEscapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\r':
			b.WriteString("&#13;")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// lxEscapeAttr is xmlBufAttrSerializeTxtContent for a document without a
// declared encoding: non-ASCII characters become character references.
func lxEscapeAttr(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\n':
			b.WriteString("&#10;")
		case '\r':
			b.WriteString("&#13;")
		case '\t':
			b.WriteString("&#9;")
		default:
			if c >= 0x80 {
				r, size := utf8.DecodeRuneInString(s[i:])
				fmt.Fprintf(&b, "&#x%X;", r)
				i += size
				continue
			}
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// lxCopy is xmlDocCopyNode(…, 1).
func lxCopy(x *lxNode) *lxNode {
	c := *x
	c.parent = nil
	c.attrs = nil
	for _, a := range x.attrs {
		ac := *a
		ac.parent = &c
		c.attrs = append(c.attrs, &ac)
	}
	c.children = nil
	for _, k := range x.children {
		kc := lxCopy(k)
		kc.parent = &c
		c.children = append(c.children, kc)
	}
	return &c
}

// xpathError is libxml2's XPath error, which it prints itself.
type xpathError struct {
	msg  string
	expr string
	pos  int
	// generic is what libxml2's generic error handler printed first.
	generic string
}

func (e *xpathError) Error() string { return e.msg }

// report is xmlReportError for an XPath error: the message, then the
// expression and a caret when the error is inside it.
func (e *xpathError) report() string {
	s := e.generic + "XPath error : " + e.msg + "\n"
	if e.pos < 100 && e.pos < len(e.expr) {
		s += e.expr + "\n" + strings.Repeat(" ", e.pos) + "^\n"
	}
	return s
}

// errIncorrectXPath is virXPathNodeSet's answer to an expression that is
// not a node-set.
type errIncorrectXPath struct{ expr string }

func (e *errIncorrectXPath) Error() string { return "internal error: Incorrect xpath '" + e.expr + "'" }

// dumpXML is virshDumpXML: the document, or with --xpath the nodes it
// selects (--wrap puts them in a <nodes> element).
func (c *ctl) dumpXML(doc, xpath string, wrap bool) bool {
	if xpath == "" {
		c.print("%s", doc)
		return true
	}
	root, err := lxParse(doc)
	if err != nil {
		c.errorf("%s", err)
		return false
	}
	nodes, err := xpSelect(root, xpath)
	if err != nil {
		if xe, ok := err.(*xpathError); ok {
			fmt.Fprint(c.stderr, xe.report())
			nodes = nil
		} else {
			c.errorf("%s", err)
			return false
		}
	}
	if wrap {
		top := &lxNode{kind: lxElem, name: "nodes", local: "nodes"}
		for _, n := range nodes {
			switch n.kind {
			case lxAttr:
				a := lxCopy(n)
				for i, old := range top.attrs {
					if old.name == a.name {
						top.attrs = append(top.attrs[:i:i], top.attrs[i+1:]...)
						break
					}
				}
				a.parent = top
				top.attrs = append(top.attrs, a)
			case lxText:
				if k := len(top.children); k > 0 && top.children[k-1].kind == lxText {
					top.children[k-1].value += n.value
					continue
				}
				top.addChild(lxCopy(n))
			default:
				top.addChild(lxCopy(n))
			}
		}
		c.print("%s\n", lxDump(top))
		return true
	}
	for _, n := range nodes {
		c.print("%s\n", lxDump(n))
	}
	return true
}

// xpathOpt reads --xpath as vshCommandOptStringQuiet does: an empty
// value fails the command without a message.
func (c *ctl) xpathOpt(cmd *parsedCmd) (string, bool) {
	v, ok := cmd.opts["xpath"]
	if ok && v == "" {
		return "", false
	}
	return v, true
}
