package domain

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Metadata is <metadata>: application data in the applications' own
// namespaces. libvirt keeps it as a libxml2 tree and writes it with
// xmlNodeDump, so it comes out in libxml2's style (double quotes, namespace
// declarations on the elements), not virBuffer's.
type Metadata struct {
	Node *xmltree.Node
}

// parseMetadata copies the element, declaring on it the namespaces its
// content uses from outside (libxml2's xmlCopyNode does the same).
func parseMetadata(n *xmltree.Node) *Metadata {
	cp := copyNode(n, nil)
	declared := map[string]bool{}
	var missing []string
	var walk func(e *xmltree.Node, scope map[string]bool)
	walk = func(e *xmltree.Node, scope map[string]bool) {
		local := map[string]bool{}
		for k := range scope {
			local[k] = true
		}
		for _, a := range e.Attrs {
			if p, ok := strings.CutPrefix(a.Name, "xmlns:"); ok {
				local[p] = true
			}
		}
		need := func(name string) {
			if i := strings.IndexByte(name, ':'); i > 0 {
				p := name[:i]
				if p != "xmlns" && p != "xml" && !local[p] && !declared[p] {
					declared[p] = true
					missing = append(missing, p)
				}
			}
		}
		need(e.Name)
		for _, a := range e.Attrs {
			need(a.Name)
		}
		for _, c := range e.Children {
			walk(c, local)
		}
	}
	walk(cp, map[string]bool{})
	for _, p := range missing {
		for anc := n.Parent; anc != nil; anc = anc.Parent {
			if v, ok := anc.Attr("xmlns:" + p); ok {
				cp.Attrs = append(cp.Attrs, xmltree.Attr{Name: "xmlns:" + p, Value: v})
				break
			}
		}
	}
	return &Metadata{Node: cp}
}

func copyNode(n, parent *xmltree.Node) *xmltree.Node {
	cp := &xmltree.Node{Name: n.Name, Text: n.Text, Line: n.Line, Parent: parent,
		Attrs: append([]xmltree.Attr(nil), n.Attrs...), Segments: append([]string(nil), n.Segments...)}
	for _, c := range n.Children {
		cp.Children = append(cp.Children, copyNode(c, cp))
	}
	return cp
}

// namespaceOf returns the namespace URI an element is in, looking up its
// prefix through its ancestors.
func namespaceOf(e *xmltree.Node) string {
	prefix := ""
	if i := strings.IndexByte(e.Name, ':'); i > 0 {
		prefix = e.Name[:i]
	}
	attr := "xmlns"
	if prefix != "" {
		attr = "xmlns:" + prefix
	}
	for cur := e; cur != nil; cur = cur.Parent {
		if v, ok := cur.Attr(attr); ok {
			return v
		}
	}
	return ""
}

// sanitize drops children without a namespace and every child after the
// first in the same namespace (virDomainDefMetadataSanitize).
func (m *Metadata) sanitize() {
	n := m.Node
	seen := map[string]bool{}
	var kids []*xmltree.Node
	segs := []string{""}
	for _, c := range n.Children {
		ns := namespaceOf(c)
		if ns == "" || seen[ns] {
			continue
		}
		seen[ns] = true
		kids = append(kids, c)
		segs = append(segs, "")
	}
	n.Children = kids
	n.Segments = segs
	if len(kids) > 0 {
		n.Text = ""
	}
}

// format writes the tree as libvirt does (virXMLFormatMetadata):
// through libxml2's xmlNodeDump at the buffer's level.
func (m *Metadata) format(b *xmlbuf.Buffer) {
	b.FormatLibxmlNode(m.Node)
}
