package test

import (
	"context"
	"regexp"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// virDomainMetadataType.
const (
	metadataDescription int32 = 0
	metadataTitle       int32 = 1
	metadataElement     int32 = 2
)

func domainErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromDomain, code, format, args...)
}

// DomainSetMetadata sets or removes the description, the title or an
// application's element in <metadata> (virDomainObjSetMetadata), and
// announces it with METADATA_CHANGE.
func (c *conn) DomainSetMetadata(ctx context.Context, dom driver.DomainRef, typ int32, metadata *string, key *string, uri *string, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetMetadata"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetMetadata"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		live, config, err := bothDefs(o, flags)
		if err != nil {
			return nil, err
		}
		// Check and build the new element once, before changing anything.
		var elem *xmltree.Node
		if typ == metadataElement && deref(metadata) != "" {
			if elem, err = metadataElementNode(deref(metadata), deref(key), deref(uri)); err != nil {
				return nil, err
			}
		} else if typ != metadataDescription && typ != metadataTitle && typ != metadataElement {
			return nil, domainErr(virterr.InvalidArg, "unknown metadata type '%d'", typ)
		}
		var defs []*domain.Def
		if live {
			defs = append(defs, o.def)
		}
		if config && (!live || o.persistentDef() != o.def) {
			defs = append(defs, o.persistentDef())
		}
		for _, def := range defs {
			setMetadata(def, typ, deref(metadata), deref(uri), elem)
		}
		ref := o.ref()
		var nsuri *string
		if typ == metadataElement && uri != nil {
			u := *uri
			nsuri = &u
		}
		return []event{func() {
			c.st.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDMetadataChange,
				Payload: &driver.DomainEventCallbackMetadataChangeMsg{Dom: ref, Type: typ, Nsuri: nsuri}})
		}}, nil
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// setMetadata changes one definition (virDomainDefSetMetadata).
func setMetadata(def *domain.Def, typ int32, value, uri string, elem *xmltree.Node) {
	switch typ {
	case metadataDescription:
		def.Description = value
	case metadataTitle:
		def.Title = value
	case metadataElement:
		if def.Metadata == nil {
			if elem == nil {
				return
			}
			def.Metadata = &domain.Metadata{Node: &xmltree.Node{Name: "metadata", Segments: []string{""}}}
		}
		md := def.Metadata.Node
		kids, segs := md.Children[:0:0], []string{""}
		for _, k := range md.Children {
			if elementNamespace(k) != uri {
				kids = append(kids, k)
				segs = append(segs, "")
			}
		}
		if elem != nil {
			cp := copyTree(elem, md)
			kids = append(kids, cp)
			segs = append(segs, "")
		}
		md.Children, md.Segments, md.Text = kids, segs, ""
	}
}

// ncNameRE is what libxml2's xmlNewNs accepts as a prefix.
var ncNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// metadataElementNode parses an application's element and puts every
// element of it that is in no namespace into uri with prefix key, the
// namespace declared on the element itself, as libvirt leaves it.
func metadataElementNode(text, key, uri string) (*xmltree.Node, error) {
	root, err := xmltree.Parse([]byte(text), "(metadata_xml)")
	if err != nil {
		return nil, err
	}
	if !ncNameRE.MatchString(key) || strings.EqualFold(key, "xml") {
		return nil, virterr.NewFrom(virterr.FromXML, virterr.InternalError, "failed to validate prefix for a new XML namespace")
	}
	var walk func(n *xmltree.Node)
	walk = func(n *xmltree.Node) {
		if !strings.Contains(n.Name, ":") && elementNamespace(n) == "" {
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

// elementNamespace is the URI of the namespace e is in, resolved through
// its ancestors; "" for none.
func elementNamespace(e *xmltree.Node) string {
	attr := "xmlns"
	if i := strings.IndexByte(e.Name, ':'); i > 0 {
		attr = "xmlns:" + e.Name[:i]
	}
	for cur := e; cur != nil; cur = cur.Parent {
		if v, ok := cur.Attr(attr); ok {
			return v
		}
	}
	return ""
}

func copyTree(n, parent *xmltree.Node) *xmltree.Node {
	cp := &xmltree.Node{Name: n.Name, Text: n.Text, Line: n.Line, Parent: parent,
		Attrs: append([]xmltree.Attr(nil), n.Attrs...), Segments: append([]string(nil), n.Segments...)}
	for _, c := range n.Children {
		cp.Children = append(cp.Children, copyTree(c, cp))
	}
	return cp
}

// DomainGetMetadata reads the description, the title or an application's
// element (virDomainObjGetMetadata); the element comes back without its
// namespace, as the application wrote it.
func (c *conn) DomainGetMetadata(ctx context.Context, dom driver.DomainRef, typ int32, uri *string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainGetMetadata"); err != nil {
		return "", err
	}
	var out string
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return err
		}
		found := false
		switch typ {
		case metadataDescription:
			out, found = def.Description, def.Description != ""
		case metadataTitle:
			out, found = def.Title, def.Title != ""
		case metadataElement:
			if def.Metadata != nil {
				for _, k := range def.Metadata.Node.Children {
					if elementNamespace(k) == deref(uri) {
						out, found = metadataString(k, deref(uri)), true
						break
					}
				}
			}
		default:
			return domainErr(virterr.InvalidArg, "unknown metadata type '%d'", typ)
		}
		if !found {
			return domainErr(virterr.NoDomainMetadata, "Requested metadata element is not present")
		}
		return nil
	})
	return out, err
}

// metadataString writes an application's element without the namespace
// it is filed under, the way libxml2 formats a node.
func metadataString(n *xmltree.Node, uri string) string {
	cp := copyTree(n, n.Parent)
	var strip func(e *xmltree.Node)
	strip = func(e *xmltree.Node) {
		if i := strings.IndexByte(e.Name, ':'); i > 0 && elementNamespace(e) == uri {
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
	var sb strings.Builder
	dumpXML(&sb, cp, 0, true)
	return sb.String()
}

// dumpXML is libxml2's xmlNodeDump: namespace declarations before the
// other attributes, and indentation only where an element has no text of
// its own, for its whole subtree.
func dumpXML(sb *strings.Builder, n *xmltree.Node, level int, format bool) {
	sb.WriteString("<" + n.Name)
	for _, nsFirst := range []bool{true, false} {
		for _, a := range n.Attrs {
			if isNS := a.Name == "xmlns" || strings.HasPrefix(a.Name, "xmlns:"); isNS == nsFirst {
				sb.WriteString(" " + a.Name + "=\"" + xmltree.EscapeAttr(a.Value) + "\"")
			}
		}
	}
	if len(n.Children) == 0 {
		if n.Text == "" {
			sb.WriteString("/>")
			return
		}
		sb.WriteString(">" + xmltree.EscapeText(n.Text) + "</" + n.Name + ">")
		return
	}
	sb.WriteByte('>')
	for _, s := range n.Segments {
		if strings.TrimSpace(s) != "" {
			format = false
		}
	}
	for i, c := range n.Children {
		if format {
			sb.WriteString("\n" + strings.Repeat("  ", level+1))
		} else {
			sb.WriteString(xmltree.EscapeText(n.Segments[i]))
		}
		dumpXML(sb, c, level+1, format)
	}
	if format {
		sb.WriteString("\n" + strings.Repeat("  ", level))
	} else {
		sb.WriteString(xmltree.EscapeText(n.Segments[len(n.Segments)-1]))
	}
	sb.WriteString("</" + n.Name + ">")
}
