package storage

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// xmlNamespace is a storage backend's XML extension (libvirt's
// virXMLNamespace): fs pools take mount options, rbd pools config options.
type xmlNamespace struct {
	prefix string
	href   string
}

var (
	fsNamespace  = xmlNamespace{prefix: "fs", href: "http://libvirt.org/schemas/storagepool/fs/1.0"}
	rbdNamespace = xmlNamespace{prefix: "rbd", href: "http://libvirt.org/schemas/storagepool/rbd/1.0"}
)

// RBDOption is one <rbd:option name value/>.
type RBDOption struct {
	Name  string
	Value string
}

// namespaceURI resolves the namespace of element n from the xmlns
// declarations on it and its ancestors.
func namespaceURI(n *xmltree.Node) string {
	prefix, _, ok := strings.Cut(n.Name, ":")
	decl := "xmlns"
	if ok {
		decl = "xmlns:" + prefix
	}
	for cur := n; cur != nil; cur = cur.Parent {
		if v, ok := cur.Attr(decl); ok {
			return v
		}
	}
	return ""
}

func localName(n *xmltree.Node) string {
	if _, local, ok := strings.Cut(n.Name, ":"); ok {
		return local
	}
	return n.Name
}

// nsChildren lists n's children with the given local name in namespace ns
// (an XPath step like "fs:mount_opts" with fs bound to ns.href).
func nsChildren(n *xmltree.Node, ns *xmlNamespace, local string) []*xmltree.Node {
	var out []*xmltree.Node
	for _, c := range n.Children {
		if localName(c) == local && namespaceURI(c) == ns.href {
			out = append(out, c)
		}
	}
	return out
}

// parseNamespace reads the pool type's extension elements from the root.
func (p *PoolDef) parseNamespace(root *xmltree.Node, ns *xmlNamespace) error {
	switch ns {
	case &fsNamespace:
		for _, mo := range nsChildren(root, ns, "mount_opts") {
			for _, o := range nsChildren(mo, ns, "option") {
				name, ok := o.Attr("name")
				if !ok {
					return virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "no fs mount option name specified")
				}
				p.MountOptions = append(p.MountOptions, name)
			}
		}
	case &rbdNamespace:
		for _, co := range nsChildren(root, ns, "config_opts") {
			for _, o := range nsChildren(co, ns, "option") {
				name, ok := o.Attr("name")
				if !ok {
					return virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "no rbd option name specified")
				}
				value, ok := o.Attr("value")
				if !ok {
					return virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "no rbd option value specified")
				}
				p.RBDConfigOptions = append(p.RBDConfigOptions, RBDOption{Name: name, Value: value})
			}
		}
	}
	return nil
}

// namespaceInUse says which extension the pool will write, if any.
func (p *PoolDef) namespaceInUse() *xmlNamespace {
	ns := optionsFor(p.Type).namespace
	switch {
	case ns == &fsNamespace && len(p.MountOptions) > 0:
		return ns
	case ns == &rbdNamespace && len(p.RBDConfigOptions) > 0:
		return ns
	}
	return nil
}

func (p *PoolDef) formatNamespace(b *xmlbuf.Buffer, ns *xmlNamespace) {
	switch ns {
	case &fsNamespace:
		b.AddLit("<fs:mount_opts>\n")
		b.AdjustIndent(2)
		for _, o := range p.MountOptions {
			b.EscapeString("<fs:option name='%s'/>\n", o)
		}
		b.AdjustIndent(-2)
		b.AddLit("</fs:mount_opts>\n")
	case &rbdNamespace:
		b.AddLit("<rbd:config_opts>\n")
		b.AdjustIndent(2)
		for _, o := range p.RBDConfigOptions {
			b.EscapeString("<rbd:option name='%s' ", o.Name)
			b.EscapeString("value='%s'/>\n", o.Value)
		}
		b.AdjustIndent(-2)
		b.AddLit("</rbd:config_opts>\n")
	}
}
