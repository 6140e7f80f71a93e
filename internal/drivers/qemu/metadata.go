package qemu

import (
	"context"
	"regexp"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// A domain's title, description and applications' <metadata> elements
// (qemuDomainSetMetadata / qemuDomainGetMetadata over libvirt's
// virDomainObjSetMetadata and virDomainObjGetMetadata).

// virDomainMetadataType.
const (
	metadataDescription int32 = 0
	metadataTitle       int32 = 1
	metadataElement     int32 = 2
)

// eventIDMetadataChange is VIR_DOMAIN_EVENT_ID_METADATA_CHANGE.
const eventIDMetadataChange int32 = 23

func strOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// DomainSetMetadata sets or removes the description, the title or an
// application's element of the live and/or persistent definition, and
// announces it with METADATA_CHANGE.
func (c *conn) DomainSetMetadata(ctx context.Context, dom driver.DomainRef, typ int32, metadata *string, key *string, uri *string, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetMetadata"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainSetMetadata"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainSetMetadata"); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	live, config, err := affectedDefs(o, flags)
	o.mu.Unlock()
	if err != nil {
		return err
	}
	// The new element is checked and built once, before anything changes.
	var elem *xmltree.Node
	switch typ {
	case metadataDescription, metadataTitle:
	case metadataElement:
		if strOrEmpty(metadata) != "" {
			if elem, err = metadataElementNode(strOrEmpty(metadata), strOrEmpty(key), strOrEmpty(uri)); err != nil {
				return err
			}
		}
	default:
		return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "unknown metadata type '%d'", typ)
	}
	value, nsURI := strOrEmpty(metadata), strOrEmpty(uri)
	if live {
		o.mu.Lock()
		if o.live == nil {
			o.mu.Unlock()
			return notRunning()
		}
		setDefMetadata(o.live, typ, value, nsURI, elem)
		o.mu.Unlock()
		if err := d.writeStatus(o); err != nil {
			return err
		}
	}
	if config {
		if err := d.editConfig(o, func(def *domain.Def) error {
			setDefMetadata(def, typ, value, nsURI, elem)
			return nil
		}); err != nil {
			return err
		}
	}
	o.mu.Lock()
	ref := o.ref()
	o.mu.Unlock()
	var evURI *string
	if typ == metadataElement && uri != nil {
		u := *uri
		evURI = &u
	}
	d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDMetadataChange,
		Payload: &driver.DomainEventCallbackMetadataChangeMsg{Dom: ref, Type: typ, Nsuri: evURI}})
	return nil
}

// setDefMetadata changes one definition (virDomainDefSetMetadata): an
// empty value removes the title or description, a nil elem the
// application's element in uri.
func setDefMetadata(def *domain.Def, typ int32, value, uri string, elem *xmltree.Node) {
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
			if metadataNamespace(k) != uri {
				kids = append(kids, k)
				segs = append(segs, "")
			}
		}
		if elem != nil {
			kids = append(kids, copyMetadataTree(elem, md))
			segs = append(segs, "")
		}
		md.Children, md.Segments, md.Text = kids, segs, ""
	}
}

// ncNamePattern is what libxml2's xmlNewNs accepts as a prefix.
var ncNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// metadataElementNode parses an application's element and files every
// element of it that is in no namespace under uri with prefix key,
// declared on the element itself, as libvirt leaves it.
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
		if !strings.Contains(n.Name, ":") && metadataNamespace(n) == "" {
			n.Name = key + ":" + n.Name
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
	root.Attrs = append(root.Attrs, xmltree.Attr{Name: "xmlns:" + key, Value: uri})
	return root, nil
}

// metadataNamespace is the URI of the namespace e is in, resolved through
// its ancestors; "" for none.
func metadataNamespace(e *xmltree.Node) string {
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

func copyMetadataTree(n, parent *xmltree.Node) *xmltree.Node {
	cp := &xmltree.Node{Name: n.Name, Text: n.Text, Line: n.Line, Parent: parent,
		Attrs: append([]xmltree.Attr(nil), n.Attrs...), Segments: append([]string(nil), n.Segments...)}
	for _, c := range n.Children {
		cp.Children = append(cp.Children, copyMetadataTree(c, cp))
	}
	return cp
}

// DomainGetMetadata reads the description, the title or an application's
// element; the element comes back without its namespace prefix, as the
// application wrote it.
func (c *conn) DomainGetMetadata(ctx context.Context, dom driver.DomainRef, typ int32, uri *string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainGetMetadata"); err != nil {
		return "", err
	}
	var out string
	err := c.d.read(dom, func(o *domainObj) error {
		def, _, err := oneAffectedDef(o, flags)
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
					if metadataNamespace(k) == strOrEmpty(uri) {
						out, found = metadataElementString(k, strOrEmpty(uri)), true
						break
					}
				}
			}
		default:
			return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "unknown metadata type '%d'", typ)
		}
		if !found {
			return virterr.NewFrom(virterr.FromDomain, virterr.NoDomainMetadata, "Requested metadata element is not present")
		}
		return nil
	})
	return out, err
}

// metadataElementString writes an application's element without the
// namespace it is filed under, as libxml2 formats a node.
func metadataElementString(n *xmltree.Node, uri string) string {
	cp := copyMetadataTree(n, n.Parent)
	var strip func(e *xmltree.Node)
	strip = func(e *xmltree.Node) {
		if i := strings.IndexByte(e.Name, ':'); i > 0 && metadataNamespace(e) == uri {
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
