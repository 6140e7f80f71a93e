package nodedev

import (
	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// The virXMLProp* family: attribute readers that word their errors the
// way libvirt's virxml.c does (VIR_FROM_XML, VIR_ERR_XML_ERROR).

func missingAttr(n *xmltree.Node, name string) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError,
		"Missing required attribute '%s' in element '%s'", name, n.Name)
}

// propUInt is virXMLPropUInt; present reports whether the attribute exists.
func propUInt(n *xmltree.Node, name string, base int, required bool) (v uint32, present bool, err error) {
	s, ok := n.Attr(name)
	if !ok {
		if required {
			return 0, false, missingAttr(n, name)
		}
		return 0, false, nil
	}
	v, ok = cnum.UIntP(s, base)
	if !ok {
		return 0, true, virterr.NewFrom(virterr.FromXML, virterr.XMLError,
			"Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative integer value", name, n.Name, s)
	}
	return v, true, nil
}

// propInt is virXMLPropInt.
func propInt(n *xmltree.Node, name string, base int, required bool) (v int, present bool, err error) {
	s, ok := n.Attr(name)
	if !ok {
		if required {
			return 0, false, missingAttr(n, name)
		}
		return 0, false, nil
	}
	v, ok = cnum.Int(s, base)
	if !ok {
		return 0, true, virterr.NewFrom(virterr.FromXML, virterr.XMLError,
			"Invalid value for attribute '%s' in element '%s': '%s'. Expected integer value", name, n.Name, s)
	}
	return v, true, nil
}

// invalidEnumAttr is how virXMLPropEnum words an unknown value; Validate
// uses it for values Parse kept as strings.
func invalidEnumAttr(attr, elem, value string) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError,
		"Invalid value for attribute '%s' in element '%s': '%s'.", attr, elem, value)
}

func nodedevErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNodedev, code, format, args...)
}
