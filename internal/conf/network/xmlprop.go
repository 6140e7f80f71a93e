package network

import (
	"strconv"

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

// strToUnsigned mirrors libvirt's virStrToLong_* family: leading blanks,
// optional sign (a minus wraps, unless positiveOnly), digits in base (0 for
// C prefixes), nothing after.
func strToUnsigned(s string, base, bits int, positiveOnly bool) (uint64, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if neg && positiveOnly {
		return 0, false
	}
	d := s[i:]
	if base == 0 {
		switch {
		case len(d) > 1 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X'):
			base, d = 16, d[2:]
		case len(d) > 1 && d[0] == '0':
			base = 8
		default:
			base = 10
		}
	}
	if d == "" || d[0] == '+' || d[0] == '-' || d[0] == '_' {
		return 0, false
	}
	v, err := strconv.ParseUint(d, base, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		if bits < 64 && v > 1<<bits {
			return 0, false
		}
		v = -v
		if bits < 64 {
			v &= 1<<bits - 1
		}
		return v, true
	}
	if bits < 64 && v >= 1<<bits {
		return 0, false
	}
	return v, true
}

// propUint reads an optional unsigned attribute as virXMLPropUInt and
// friends: absent gives ok=false, a bad number libvirt's error.
func propUint(n *xmltree.Node, name string, base, bits int) (uint64, bool, error) {
	v, ok := attr(n, name)
	if !ok {
		return 0, false, nil
	}
	val, good := strToUnsigned(v, base, bits, true)
	if !good {
		return 0, false, virterr.New(virterr.XMLError, "Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative integer value", name, n.Name, v)
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
	val, good := strToUnsigned(s, 10, bits, false)
	if !good {
		return 0, false, true
	}
	return val, true, false
}

func tristate(n *xmltree.Node, name string) (netdev.Tristate, error) {
	if n == nil {
		return netdev.Absent, nil
	}
	return netdev.ParseTristateAttr(n, name)
}
