package networkport

import (
	"fmt"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// TestParseErrorsAsLibvirt checks code, error domain and wording of parse
// errors as libvirt 9.0 gives them. The test driver has no network ports,
// so these follow virnetworkportdef.c (VIR_FROM_NETWORK for its own
// checks) and the virxml.c helpers it calls (virXMLPropEnum,
// virXMLPropTristateBool, virXMLPropUInt: VIR_FROM_XML), whose wording
// libvirt's test driver shows for the same helpers in network XML.
func TestParseErrorsAsLibvirt(t *testing.T) {
	const port = "<networkport><uuid>00000000-0000-0000-0000-000000000002</uuid>" +
		"<owner><name>g</name><uuid>00000000-0000-0000-0000-000000000001</uuid></owner>" +
		"<mac address='52:54:00:00:00:01'/>%s</networkport>"
	for _, tc := range []struct {
		name, body string
		code       virterr.Code
		from       virterr.Domain
		msg        string
	}{
		{"plug type", "<plug type='bogus'/>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'plug': 'bogus'."},
		{"plug type empty", "<plug type=''/>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'plug': ''."},
		{"trustGuest", "<rxfilters trustGuest='maybe'/>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'trustGuest' in element 'rxfilters': 'maybe'."},
		{"isolated", "<port isolated='maybe'/>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'isolated' in element 'port': 'maybe'."},
		{"managed", "<plug type='hostdev-pci' managed='maybe'/>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'managed' in element 'plug': 'maybe'."},
		{"address bus", "<plug type='hostdev-pci'><address domain='0' bus='x' slot='0' function='0'/></plug>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"},
		{"no address", "<plug type='hostdev-pci'/>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing network port PCI address"},
		{"bridge name", "<plug type='bridge'/>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing network port bridge name"},
		{"macTableManager", "<plug type='bridge' bridge='b' macTableManager='bogus'/>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid macTableManager setting 'bogus' in network port"},
	} {
		def, err := Parse([]byte(fmt.Sprintf(port, tc.body)))
		if err == nil {
			err = def.Validate()
		}
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
