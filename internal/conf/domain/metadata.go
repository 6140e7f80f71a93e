package domain

import (
	"regexp"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
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

// virDomainMetadataType: which part of a definition virDomainSetMetadata
// and virDomainGetMetadata address.
const (
	MetadataDescription int32 = 0
	MetadataTitle       int32 = 1
	MetadataElement     int32 = 2
)

// MetadataChange is one virDomainSetMetadata request, checked and built
// once so that a driver can apply it to the live and the persistent
// definition alike without either failing halfway.
type MetadataChange struct {
	typ   int32
	value string
	uri   string
	elem  *xmltree.Node
}

// NewMetadataChange checks a request to set (or, with an empty value,
// remove) the description, the title or an application's element filed
// under uri with prefix key (the checks of virDomainObjSetMetadata).
func NewMetadataChange(typ int32, value, key, uri string) (*MetadataChange, error) {
	c := &MetadataChange{typ: typ, value: value, uri: uri}
	switch typ {
	case MetadataDescription, MetadataTitle:
	case MetadataElement:
		if value != "" {
			elem, err := metadataElementNode(value, key, uri)
			if err != nil {
				return nil, err
			}
			c.elem = elem
		}
	default:
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "unknown metadata type '%d'", typ)
	}
	return c, nil
}

// Apply changes one definition (virDomainDefSetMetadata): an empty value
// removes the title or description, an empty element the application's
// element in the change's namespace.
func (c *MetadataChange) Apply(def *Def) {
	switch c.typ {
	case MetadataDescription:
		def.Description = c.value
	case MetadataTitle:
		def.Title = c.value
	case MetadataElement:
		if def.Metadata == nil {
			if c.elem == nil {
				return
			}
			def.Metadata = &Metadata{Node: &xmltree.Node{Name: "metadata", Segments: []string{""}}}
		}
		md := def.Metadata.Node
		kids, segs := md.Children[:0:0], []string{""}
		for _, k := range md.Children {
			if namespaceOf(k) != c.uri {
				kids = append(kids, k)
				segs = append(segs, "")
			}
		}
		if c.elem != nil {
			kids = append(kids, copyNode(c.elem, md))
			segs = append(segs, "")
		}
		md.Children, md.Segments, md.Text = kids, segs, ""
	}
}

// ncNamePattern is what libxml2's xmlNewNs accepts as a prefix.
var ncNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// metadataElementNode parses an application's element and puts every
// element of it that is in no namespace into uri with prefix key, the
// namespace declared on the element itself, as libvirt leaves it.
func metadataElementNode(text, key, uri string) (*xmltree.Node, error) {
	root, err := xmltree.Parse([]byte(text), "(metadata_xml)")
	if err != nil {
		return nil, err
	}
	if !ncNamePattern.MatchString(key) || strings.EqualFold(key, "xml") {
		return nil, virterr.NewFrom(virterr.FromXML, virterr.InternalError, "failed to validate prefix for a new XML namespace")
	}
	var walk func(n *xmltree.Node)
	walk = func(n *xmltree.Node) {
		if !strings.Contains(n.Name, ":") && namespaceOf(n) == "" {
			n.Name = key + ":" + n.Name
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	// The root's declaration comes after the ones it had, and its own
	// namespace is resolved before the new one exists.
	walk(root)
	root.Attrs = append(root.Attrs, xmltree.Attr{Name: "xmlns:" + key, Value: uri})
	return root, nil
}

// GetMetadata reads the description, the title or the application's
// element in uri (virDomainDefGetMetadata); the element comes back without
// its namespace, as the application wrote it.
func (def *Def) GetMetadata(typ int32, uri string) (string, error) {
	switch typ {
	case MetadataDescription:
		if def.Description != "" {
			return def.Description, nil
		}
	case MetadataTitle:
		if def.Title != "" {
			return def.Title, nil
		}
	case MetadataElement:
		if def.Metadata != nil {
			for _, k := range def.Metadata.Node.Children {
				if namespaceOf(k) == uri {
					return metadataElementString(k, uri), nil
				}
			}
		}
	default:
		return "", virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "unknown metadata type '%d'", typ)
	}
	return "", virterr.NewFrom(virterr.FromDomain, virterr.NoDomainMetadata, "Requested metadata element is not present")
}

// metadataElementString writes an application's element without the
// namespace it is filed under, the way libxml2's xmlNodeDump formats a
// node.
func metadataElementString(n *xmltree.Node, uri string) string {
	cp := copyNode(n, n.Parent)
	var strip func(e *xmltree.Node)
	strip = func(e *xmltree.Node) {
		if i := strings.IndexByte(e.Name, ':'); i > 0 && namespaceOf(e) == uri {
			e.Name = e.Name[i+1:]
		}
		for _, c := range e.Children {
			strip(c)
		}
	}
	strip(cp)
	attrs := cp.Attrs[:0:0]
	for _, a := range cp.Attrs {
		if strings.HasPrefix(a.Name, "xmlns:") && a.Value == uri {
			continue
		}
		attrs = append(attrs, a)
	}
	cp.Attrs = attrs
	b := xmlbuf.New()
	b.FormatLibxmlNode(cp)
	return strings.TrimSuffix(b.String(), "\n")
}
