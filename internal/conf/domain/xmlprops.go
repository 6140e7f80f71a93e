package domain

import (
	"math"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// xmlHelperError is an error raised inside libvirt's XML helpers
// (virxml.c: virXMLProp*, virParseScaledValue), which report in error
// domain VIR_FROM_XML, not VIR_FROM_DOMAIN as domain_conf.c's own
// checks do; clients see the domain.
func xmlHelperError(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError, format, args...)
}

// requiredProp reads an attribute libvirt's parser insists on
// (virXMLProp* with VIR_XML_PROP_REQUIRED).
func requiredProp(n *xmltree.Node, name string) (string, error) {
	v, ok := n.Attr(name)
	if !ok {
		return "", errMissingProp(n.Name, name)
	}
	return v, nil
}

// errMissingProp is virXMLProp*'s complaint about a required attribute.
func errMissingProp(elem, attr string) error {
	return xmlHelperError("Missing required attribute '%s' in element '%s'", attr, elem)
}

// errInvalidProp is virXMLProp*'s complaint about a value outside the enum.
func errInvalidProp(elem, attr, value string) error {
	return xmlHelperError("Invalid value for attribute '%s' in element '%s': '%s'.", attr, elem, value)
}

// What virXMLProp{Int,UInt,ULongLong} expect, by their flags.
const (
	expectInt            = "Expected integer value"
	expectNonNegativeInt = "Expected non-negative integer value" // unsigned
	expectNonNegative    = "Expected non-negative value"         // signed, VIR_XML_PROP_NONNEGATIVE
	expectNonZeroPos     = "Expected non-zero positive integer value"
	expectNonZero        = "Expected non-zero value"
)

// errInvalidNumberProp is virXMLProp{Int,UInt,ULongLong}'s complaint about
// a value that is not a number of the expected kind.
func errInvalidNumberProp(elem, attr, value, expect string) error {
	return xmlHelperError("Invalid value for attribute '%s' in element '%s': '%s'. %s", attr, elem, value, expect)
}

// requiredPropUint is virXMLPropUInt with VIR_XML_PROP_REQUIRED, and
// VIR_XML_PROP_NONZERO when nonZero.
func requiredPropUint(n *xmltree.Node, name string, bits int, nonZero bool) (uint64, error) {
	v, present, err := propUint(n, name, bits)
	if err != nil {
		return 0, err
	}
	if !present {
		return 0, errMissingProp(n.Name, name)
	}
	if nonZero && v == 0 {
		return 0, xmlHelperError("Invalid value for attribute '%s' in element '%s': Zero is not permitted", name, n.Name)
	}
	return v, nil
}

// errInvalidScaledValue is virParseScaledValue's complaint about a size
// that is not a plain decimal number; xpath is how the caller named it.
func errInvalidScaledValue(value, xpath string) error {
	return xmlHelperError("Invalid value '%s' for element or attribute '%s'", value, xpath)
}

// checkEnum reports a value outside allowed as libvirt's parser does; an
// empty value (absent attribute) is fine.
func checkEnum(elem, attr, value string, allowed ...string) error {
	if value == "" {
		return nil
	}
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return errInvalidProp(elem, attr, value)
}

var tristateSwitch = []string{"on", "off"}

// scaledBytes reads a sized element as virParseScaledValue does: the text
// scaled by its unit attribute, defaultScale when it has none; xpath is
// how libvirt's caller names the element in errors. present is false for
// an empty element, which libvirt takes as absent.
func scaledBytes(n *xmltree.Node, xpath string, defaultScale uint64) (v uint64, present bool, err error) {
	return parseScaledValue(n.Text, n.Prop("unit"), xpath, defaultScale, math.MaxUint64)
}

// prettyUnits are the units virFormatIntPretty picks from.
var prettyUnits = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// formatIntPretty is virFormatIntPretty: the largest binary unit that
// divides the byte count exactly.
func formatIntPretty(bytes uint64) (uint64, string) {
	i := 0
	for bytes != 0 && bytes%1024 == 0 && i < len(prettyUnits)-1 {
		bytes /= 1024
		i++
	}
	return bytes, prettyUnits[i]
}

// keptNodes writes nodes we keep without a model, in document order.
func keptNodes(b *xmlbuf.Buffer, nodes []*xmltree.Node) {
	for _, n := range nodes {
		b.FormatNode(n)
	}
}

func trimmedText(n *xmltree.Node) string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.Text)
}
