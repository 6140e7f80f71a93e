package network

import (
	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// xpathAttr is an attribute read the way libvirt's virXPathString reads
// it: an empty value counts as absent.
func xpathAttr(n *xmltree.Node, name string) (string, bool) {
	if n == nil {
		return "", false
	}
	v, ok := n.Attr(name)
	if !ok || v == "" {
		return "", false
	}
	return v, true
}

// attr is an attribute read with virXMLPropString: present even if empty.
func attr(n *xmltree.Node, name string) (string, bool) {
	if n == nil {
		return "", false
	}
	return n.Attr(name)
}

// xmlHelperError is an error raised inside libvirt's XML helpers
// (virxml.c: virXMLProp*, virXPath*), which report in error domain
// VIR_FROM_XML rather than network_conf.c's VIR_FROM_NETWORK; clients see
// the domain.
func xmlHelperError(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError, format, args...)
}

// inXMLDomain moves an error of a shared reader (netdev's virXMLProp*
// ports, which leave the domain unset) into VIR_FROM_XML, as libvirt's
// helpers report it.
func inXMLDomain(err error) error {
	if e, ok := err.(*virterr.Error); ok && e.Domain == virterr.FromNone {
		return e.WithDomain(virterr.FromXML)
	}
	return err
}

// propUint reads an optional unsigned attribute as virXMLPropUInt and
// friends: absent gives ok=false, a bad number libvirt's error.
func propUint(n *xmltree.Node, name string, base, bits int) (uint64, bool, error) {
	v, ok := attr(n, name)
	if !ok {
		return 0, false, nil
	}
	val, good := cnum.Unsigned(v, base, bits, true)
	if !good {
		return 0, false, xmlHelperError("Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative integer value", name, n.Name, v)
	}
	return val, true, nil
}

// xpathUint is virXPathUInt/virXPathULong on an attribute: absent or empty
// gives present=false; a value that is not a number gives bad=true.
func xpathUint(n *xmltree.Node, name string, bits int) (v uint64, present, bad bool) {
	s, ok := xpathAttr(n, name)
	if !ok {
		return 0, false, false
	}
	val, good := cnum.Unsigned(s, 10, bits, false)
	if !good {
		return 0, false, true
	}
	return val, true, false
}

func tristate(n *xmltree.Node, name string) (netdev.Tristate, error) {
	if n == nil {
		return netdev.Absent, nil
	}
	t, err := netdev.ParseTristateAttr(n, name)
	return t, inXMLDomain(err)
}
