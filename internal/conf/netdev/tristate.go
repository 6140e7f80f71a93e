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
// of its enum's (virXMLPropEnum).
func InvalidAttr(n *xmltree.Node, name, value string) error {
	return virterr.New(virterr.XMLError, "Invalid value for attribute '%s' in element '%s': '%s'.", name, n.Name, value)
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
