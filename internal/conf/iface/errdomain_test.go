package iface

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// libvirtInterfaceErrors are definitions libvirt 9.0 refuses, with the code, error domain
// and message python3-libvirt reported for them (get_error_code,
// get_error_domain, get_error_message) from virInterfaceDefineXML on test:///default.
var libvirtInterfaceErrors = []struct {
	name, xml string
	code      virterr.Code
	from      virterr.Domain
	msg       string
}{
	{"type", "<interface type='bogus' name='eth9'></interface>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'interface': 'bogus'."},
	{"no type", "<interface name='eth9'/>", virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'type' in element 'interface'"},
	{"no name", "<interface type='ethernet'></interface>", virterr.XMLError, virterr.FromInterface, "XML error: interface has no name"},
	{"start mode", "<interface type='ethernet' name='eth9'><start mode='bogus'/></interface>", virterr.XMLError, virterr.FromInterface, "XML error: unknown interface startmode bogus"},
	{"mtu", "<interface type='ethernet' name='eth9'><mtu size='x'/></interface>", virterr.InternalError, virterr.FromNone, "An error occurred, but the cause is unknown"},
	{"protocol family", "<interface type='ethernet' name='eth9'><protocol family='bogus'/></interface>", virterr.XMLError, virterr.FromInterface, "XML error: unsupported protocol family 'bogus'"},
	{"protocol nofamily", "<interface type='ethernet' name='eth9'><protocol/></interface>", virterr.XMLError, virterr.FromInterface, "XML error: protocol misses the family attribute"},
	{"ip prefix", "<interface type='ethernet' name='eth9'><protocol family='ipv4'><ip address='1.2.3.4' prefix='x'/></protocol></interface>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'prefix' in element 'ip': 'x'. Expected integer value"},
	{"peerdns", "<interface type='ethernet' name='eth9'><protocol family='ipv4'><dhcp peerdns='maybe'/></protocol></interface>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'peerdns' in element 'dhcp': 'maybe'."},
	{"v6 autoconf", "<interface type='ethernet' name='eth9'><protocol family='ipv6'><autoconf/><ip address='::1' prefix='x'/></protocol></interface>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'prefix' in element 'ip': 'x'. Expected integer value"},
	{"link speed", "<interface type='ethernet' name='eth9'><link speed='x'/></interface>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'speed' in element 'link': 'x'. Expected non-negative integer value"},
	{"link state", "<interface type='ethernet' name='eth9'><link state='bogus'/></interface>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'state' in element 'link': 'bogus'."},
	{"bond mode", "<interface type='bond' name='bond9'><bond mode='bogus'><interface type='ethernet' name='eth0'/></bond></interface>", virterr.XMLError, virterr.FromInterface, "XML error: unknown bonding mode bogus"},
	{"bond miimon", "<interface type='bond' name='bond9'><bond><miimon freq='x'/><interface type='ethernet' name='eth0'/></bond></interface>", virterr.XMLError, virterr.FromInterface, "XML error: bond interface miimon freq missing or invalid"},
	{"bond miimon carrier", "<interface type='bond' name='bond9'><bond><miimon freq='1' carrier='bogus'/><interface type='ethernet' name='eth0'/></bond></interface>", virterr.XMLError, virterr.FromInterface, "XML error: unknown mii bonding carrier bogus"},
	{"bond arpmon", "<interface type='bond' name='bond9'><bond><arpmon interval='x' target='1.2.3.4'/><interface type='ethernet' name='eth0'/></bond></interface>", virterr.XMLError, virterr.FromInterface, "XML error: bond interface arpmon interval missing or invalid"},
	{"bond arpmon validate", "<interface type='bond' name='bond9'><bond><arpmon interval='1' target='1.2.3.4' validate='bogus'/><interface type='ethernet' name='eth0'/></bond></interface>", virterr.XMLError, virterr.FromInterface, "XML error: unknown arp bonding validate bogus"},
	{"vlan no tag", "<interface type='vlan' name='v9'><vlan/></interface>", virterr.XMLError, virterr.FromInterface, "XML error: vlan interface misses the tag attribute"},
	{"vlan no dev", "<interface type='vlan' name='v9'><vlan tag='4'/></interface>", virterr.XMLError, virterr.FromInterface, "XML error: vlan interface misses name attribute"},
	{"bridge no bridge", "<interface type='bridge' name='br9'></interface>", virterr.XMLError, virterr.FromInterface, "XML error: bridge interface misses the bridge element"},
	{"bridge sub type", "<interface type='bridge' name='br9'><bridge><interface type='bridge' name='x'/></bridge></interface>", virterr.XMLError, virterr.FromInterface, "XML error: interface has unsupported type 'bridge'"},
	{"malformed", "<interface type='ethernet' name='eth9'>", virterr.XMLDetail, virterr.FromInterface, "(interface_definition):1: Premature end of data in tag interface line 1\n<interface type='ethernet' name='eth9'>\n---------------------------------------^"},
	{"garbage", "not xml", virterr.XMLDetail, virterr.FromInterface, "(interface_definition):1: Start tag expected, '<' not found\nnot xml\n^"},
	{"wrong root", "<network/>", virterr.XMLError, virterr.FromXML, "XML error: expecting root element of 'interface', not 'network'"},
	{"bond miimon updelay", "<interface type='bond' name='bond9'><bond><miimon freq='1' updelay='x'/><interface type='ethernet' name='eth0'/></bond></interface>", virterr.XMLError, virterr.FromInterface, "XML error: bond interface miimon updelay invalid"},
	{"bond arpmon no target", "<interface type='bond' name='bond9'><bond><arpmon interval='1'/><interface type='ethernet' name='eth0'/></bond></interface>", virterr.XMLError, virterr.FromInterface, "XML error: bond interface arpmon target missing"},
	{"mtu neg", "<interface type='ethernet' name='eth9'><mtu size='-1'/></interface>", virterr.InternalError, virterr.FromNone, "An error occurred, but the cause is unknown"},
	{"dhcp peerdns empty", "<interface type='ethernet' name='eth9'><protocol family='ipv4'><dhcp peerdns=''/></protocol></interface>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'peerdns' in element 'dhcp': ''."},
	{"bridge eth no name", "<interface type='bridge' name='br9'><bridge><interface type='ethernet'/></bridge></interface>", virterr.XMLError, virterr.FromInterface, "XML error: interface has no name"},
}

func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range libvirtInterfaceErrors {
		def, err := Parse([]byte(tc.xml))
		if err == nil {
			err = def.Validate()
		}
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
