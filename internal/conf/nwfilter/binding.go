package nwfilter

import (
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Binding is a network filter binding: which filter, with which
// parameters, is applied to a guest's port (<filterbinding>).
type Binding struct {
	OwnerName string
	OwnerUUID uuid.UUID
	PortDev   string
	LinkDev   string // empty when there is none
	MAC       macaddr.MAC
	Filter    FilterRef
}

// ParseBinding reads a filter binding document as
// virNWFilterBindingDefParse does.
func ParseBinding(data []byte) (*Binding, error) {
	root, err := xmltree.ParseFrom(data, "(nwfilterbinding_definition)", virterr.FromNwfilter)
	if err != nil {
		return nil, err
	}
	return ParseBindingNode(root)
}

// ParseBindingNode reads a <filterbinding> element.
func ParseBindingNode(n *xmltree.Node) (*Binding, error) {
	if n.Name != "filterbinding" {
		return nil, nwError(virterr.XMLError, "unknown root element for nwfilter binding")
	}
	b := &Binding{}
	b.PortDev = childProp(n, "portdev", "name")
	if b.PortDev == "" {
		return nil, nwError(virterr.InternalError, "filter binding has no port dev name")
	}
	if n.Child("linkdev") != nil {
		b.LinkDev = childProp(n, "linkdev", "name")
		if b.LinkDev == "" {
			return nil, nwError(virterr.InternalError, "filter binding has no link dev name")
		}
	}
	owner := n.Child("owner")
	if owner != nil {
		if name := owner.Child("name"); name != nil {
			b.OwnerName = name.Text
		}
	}
	if b.OwnerName == "" {
		return nil, nwError(virterr.InternalError, "filter binding has no owner name")
	}
	var uuidText string
	if owner != nil {
		if u := owner.Child("uuid"); u != nil {
			uuidText = u.Text
		}
	}
	if uuidText == "" {
		return nil, nwError(virterr.InternalError, "filter binding has no owner UUID")
	}
	u, err := uuid.Parse(uuidText)
	if err != nil {
		return nil, nwError(virterr.InternalError, "Unable to parse UUID '%s'", uuidText)
	}
	b.OwnerUUID = u
	mac := childProp(n, "mac", "address")
	if mac == "" {
		return nil, nwError(virterr.InternalError, "filter binding has no MAC address")
	}
	m, err := macaddr.Parse(mac)
	if err != nil {
		return nil, nwError(virterr.InternalError, "Unable to parse MAC '%s'", mac)
	}
	b.MAC = m
	ref := n.Child("filterref")
	if ref == nil || ref.Prop("filter") == "" {
		return nil, nwError(virterr.InternalError, "filter binding has no filter reference")
	}
	b.Filter = ParseFilterRef(ref)
	return b, nil
}

// childProp is XPath string(./child/@attr): the attribute of the first
// child of that name.
func childProp(n *xmltree.Node, child, attr string) string {
	if c := n.Child(child); c != nil {
		return c.Prop(attr)
	}
	return ""
}

// Format writes the binding as virNWFilterBindingDefFormat does.
func (b *Binding) Format() string {
	buf := xmlbuf.New()
	b.FormatBuf(buf)
	return buf.String()
}

// FormatBuf writes the binding into buf at its indentation (the binding
// status file nests it).
func (b *Binding) FormatBuf(buf *xmlbuf.Buffer) {
	buf.AddLit("<filterbinding>\n")
	buf.AdjustIndent(2)
	buf.AddLit("<owner>\n")
	buf.AdjustIndent(2)
	buf.EscapeString("<name>%s</name>\n", b.OwnerName)
	buf.Asprintf("<uuid>%s</uuid>\n", b.OwnerUUID.String())
	buf.AdjustIndent(-2)
	buf.AddLit("</owner>\n")
	buf.EscapeString("<portdev name='%s'/>\n", b.PortDev)
	if b.LinkDev != "" {
		buf.EscapeString("<linkdev name='%s'/>\n", b.LinkDev)
	}
	buf.Asprintf("<mac address='%s'/>\n", b.MAC.String())
	b.Filter.Format(buf)
	buf.AdjustIndent(-2)
	buf.AddLit("</filterbinding>\n")
}
