package network

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

// libvirt keeps <metadata> as a libxml2 tree and writes it back with
// xmlNodeDump (xmlbuf.FormatLibxmlNode), so it keeps libxml2's style
// (double quotes) rather than virBuffer's.

// copyMetadata copies <metadata>, declaring on the copy the namespace
// prefixes its content takes from outside it (as xmlCopyNode does), then
// keeps only the first child of each namespace and drops children in no
// namespace (virXMLNodeSanitizeNamespaces).
func copyMetadata(n *xmltree.Node) *xmltree.Node {
	cp := copyTree(n, nil)
	inScope := func(e *xmltree.Node, prefix string) bool {
		for cur := e; cur != nil; cur = cur.Parent {
			if _, ok := cur.Attr("xmlns:" + prefix); ok {
				return true
			}
		}
		return false
	}
	var walk func(e *xmltree.Node)
	walk = func(e *xmltree.Node) {
		names := []string{e.Name}
		for _, a := range e.Attrs {
			names = append(names, a.Name)
		}
		for _, name := range names {
			p, _, ok := strings.Cut(name, ":")
			if !ok || p == "xmlns" || p == "xml" || inScope(e, p) {
				continue
			}
			for anc := n.Parent; anc != nil; anc = anc.Parent {
				if v, ok := anc.Attr("xmlns:" + p); ok {
					cp.Attrs = append(cp.Attrs, xmltree.Attr{Name: "xmlns:" + p, Value: v})
					break
				}
			}
		}
		for _, c := range e.Children {
			walk(c)
		}
	}
	walk(cp)
	seen := map[string]bool{}
	var kids []*xmltree.Node
	for _, c := range cp.Children {
		ns := namespaceURI(c)
		if ns == "" || seen[ns] {
			continue
		}
		seen[ns] = true
		kids = append(kids, c)
	}
	cp.Children = kids
	cp.Segments = make([]string, len(kids)+1)
	if len(kids) > 0 {
		cp.Text = ""
	}
	return cp
}

func copyTree(n, parent *xmltree.Node) *xmltree.Node {
	cp := &xmltree.Node{Name: n.Name, Text: n.Text, Line: n.Line, Parent: parent,
		Attrs: append([]xmltree.Attr(nil), n.Attrs...), Segments: append([]string(nil), n.Segments...)}
	for _, c := range n.Children {
		cp.Children = append(cp.Children, copyTree(c, cp))
	}
	return cp
}

// namespaceURI resolves an element's prefix (or the default namespace)
// through its ancestors.
func namespaceURI(e *xmltree.Node) string {
	decl := "xmlns"
	if p, _, ok := strings.Cut(e.Name, ":"); ok {
		decl = "xmlns:" + p
	}
	for cur := e; cur != nil; cur = cur.Parent {
		if v, ok := cur.Attr(decl); ok {
			return v
		}
	}
	return ""
}
