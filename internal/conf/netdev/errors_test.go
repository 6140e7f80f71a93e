package netdev

import (
	"errors"
	"testing"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// TestVlanErrorsAsLibvirt: <vlan> refusals with the code, error domain and
// message libvirt 9.0's test driver gives for the same element inside a
// network, a portgroup and a domain interface alike (python3-libvirt).
func TestVlanErrorsAsLibvirt(t *testing.T) {
	const fromXML, fromNone = virterr.FromXML, virterr.FromNone
	for _, tc := range []struct {
		vlan   string
		domain virterr.Domain
		msg    string
	}{
		{"<vlan><tag/></vlan>", fromXML, "XML error: Missing required attribute 'id' in element 'tag'"},
		{"<vlan><tag id='x'/></vlan>", fromXML, "XML error: Invalid value for attribute 'id' in element 'tag': 'x'. Expected non-negative integer value"},
		{"<vlan><tag id='-1'/></vlan>", fromXML, "XML error: Invalid value for attribute 'id' in element 'tag': '-1'. Expected non-negative integer value"},
		{"<vlan><tag id=''/></vlan>", fromXML, "XML error: Invalid value for attribute 'id' in element 'tag': ''. Expected non-negative integer value"},
		{"<vlan><tag id='0x10'/></vlan>", fromXML, "XML error: Invalid value for attribute 'id' in element 'tag': '0x10'. Expected non-negative integer value"},
		{"<vlan><tag id='99999999999'/></vlan>", fromXML, "XML error: Invalid value for attribute 'id' in element 'tag': '99999999999'. Expected non-negative integer value"},
		{"<vlan><tag id='4096'/></vlan>", fromNone, "XML error: vlan tag id 4096 too large (maximum 4095)"},
		{"<vlan><tag id='5' nativeMode=''/></vlan>", fromXML, "XML error: Invalid value for attribute 'nativeMode' in element 'tag': ''."},
		{"<vlan><tag id='5' nativeMode='default'/></vlan>", fromXML, "XML error: Invalid value for attribute 'nativeMode' in element 'tag': 'default'."},
		{"<vlan><tag id='5' nativeMode='bogus'/></vlan>", fromXML, "XML error: Invalid value for attribute 'nativeMode' in element 'tag': 'bogus'."},
		{"<vlan><tag id='5' nativeMode='bogus'/><tag id='5000'/></vlan>", fromXML, "XML error: Invalid value for attribute 'nativeMode' in element 'tag': 'bogus'."},
		{"<vlan><tag id='5' nativeMode='tagged'/><tag id='6' nativeMode='bogus'/></vlan>", fromXML, "XML error: Invalid value for attribute 'nativeMode' in element 'tag': 'bogus'."},
		{"<vlan><tag id='5000' nativeMode='bogus'/></vlan>", fromNone, "XML error: vlan tag id 5000 too large (maximum 4095)"},
		{"<vlan><tag id='5' nativeMode='tagged'/><tag id='6' nativeMode='untagged'/></vlan>", fromNone, "XML error: duplicate native vlan setting"},
		{"<vlan></vlan>", fromNone, "XML error: missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"},
		{"<vlan trunk='maybe'><tag id='5'/></vlan>", fromNone, `XML error: invalid "trunk='maybe'" in <vlan> - must be yes or no`},
	} {
		n, err := xmltree.Parse([]byte(tc.vlan), "vlan")
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseVlan(n)
		checkError(t, tc.vlan, err, virterr.XMLError, tc.domain, tc.msg)
	}
	for _, ok := range []string{"<vlan><tag id=' 5'/></vlan>", "<vlan><tag id='+5'/></vlan>"} {
		n, _ := xmltree.Parse([]byte(ok), "vlan")
		if v, err := ParseVlan(n); err != nil || len(v.Tags) != 1 || v.Tags[0] != 5 {
			t.Errorf("%s: %+v %v, libvirt reads tag 5", ok, v, err)
		}
	}
}

// TestTristateErrorAsLibvirt: virXMLPropTristateBool's refusal, from
// VIR_FROM_XML (libvirt 9.0: <port isolated='maybe'/> in a network).
func TestTristateErrorAsLibvirt(t *testing.T) {
	n, _ := xmltree.Parse([]byte("<network><port isolated='maybe'/></network>"), "network")
	_, err := PortIsolated(n)
	checkError(t, "port isolated", err, virterr.XMLError, virterr.FromXML,
		"XML error: Invalid value for attribute 'isolated' in element 'port': 'maybe'.")
}

func checkError(t *testing.T, what string, err error, code virterr.Code, domain virterr.Domain, msg string) {
	t.Helper()
	var e *virterr.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v, want %q", what, err, msg)
		return
	}
	if e.Code != code || e.Domain != domain || e.Message != msg {
		t.Errorf("%s:\n got %v/%v %q\nwant %v/%v %q", what, e.Code, e.Domain, e.Message, code, domain, msg)
	}
}
