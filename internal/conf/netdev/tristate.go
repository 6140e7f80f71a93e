package netdev

import (
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Tristate is libvirt's virTristateBool: absent, yes or no.
type Tristate int

const (
	Absent Tristate = iota
	Yes
	No
)

// String gives "yes", "no", or "" when absent.
func (t Tristate) String() string {
	switch t {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return ""
}

// TristateOf is Yes for true and No for false.
func TristateOf(b bool) Tristate {
	if b {
		return Yes
	}
	return No
}

// ParseTristateAttr reads a yes/no attribute of n (virXMLPropTristateBool
// without VIR_XML_PROP_REQUIRED): absent gives Absent, anything but yes or
// no is an error worded as libvirt words it.
func ParseTristateAttr(n *xmltree.Node, name string) (Tristate, error) {
	v, ok := n.Attr(name)
	if !ok {
		return Absent, nil
	}
	switch v {
	case "yes":
		return Yes, nil
	case "no":
		return No, nil
	}
	return Absent, InvalidAttr(n, name, v)
}

// InvalidAttr is libvirt's error for an attribute whose value is not one
// of its enum's (virXMLPropEnum, virXMLPropTristateBool), raised as
// virxml.c raises it, from VIR_FROM_XML.
func InvalidAttr(n *xmltree.Node, name, value string) error {
	return invalidProp(n.Name, name, value)
}

func invalidProp(elem, attr, value string) error {
	return xmlHelperError("Invalid value for attribute '%s' in element '%s': '%s'.", attr, elem, value)
}

// xmlHelperError is an error of libvirt's XML helpers (virxml.c's
// virXMLProp*), which report from VIR_FROM_XML whoever calls them.
func xmlHelperError(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError, format, args...)
}

// PortIsolated reads <port isolated='yes|no'/> from parent, as network,
// portgroup-less interface and network port definitions carry it.
func PortIsolated(parent *xmltree.Node) (Tristate, error) {
	p := parent.Child("port")
	if p == nil {
		return Absent, nil
	}
	return ParseTristateAttr(p, "isolated")
}
