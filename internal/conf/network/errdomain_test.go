package network

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// libvirtNetworkErrors are definitions libvirt 9.0 refuses, with the code, error domain
// and message python3-libvirt reported for them (get_error_code,
// get_error_domain, get_error_message) from virNetworkDefineXML on test:///default.
var libvirtNetworkErrors = []struct {
	name, xml string
	code      virterr.Code
	from      virterr.Domain
	msg       string
}{
	{"no name", "<network></network>", virterr.NoName, virterr.FromNetwork, "missing name information"},
	{"bad uuid", "<network><name>n1</name><uuid>bad</uuid></network>", virterr.InternalError, virterr.FromNetwork, "internal error: malformed uuid element"},
	{"delay", "<network><name>n1</name><bridge name='b0' delay='x'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid delay value in network 'n1'"},
	{"mtu", "<network><name>n1</name><mtu size='x'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid mtu size 'x' in network 'n1'"},
	{"mac", "<network><name>n1</name><mac address='zz'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid bridge mac address 'zz' in network 'n1'"},
	{"forward mode", "<network><name>n1</name><forward mode='bogus'/></network>", virterr.ConfigUnsupported, virterr.FromNetwork, "unsupported configuration: unknown forwarding type 'bogus'"},
	{"ipv6 attr", "<network ipv6='maybe'><name>n1</name></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid ipv6 setting 'maybe' in network 'n1'"},
	{"trustGuestRxFilters", "<network trustGuestRxFilters='maybe'><name>n1</name></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'trustGuestRxFilters' in element 'network': 'maybe'."},
	{"ip prefix", "<network><name>n1</name><ip address='192.168.9.1' prefix='x'/></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'prefix' in element 'ip': 'x'. Expected non-negative integer value"},
	{"ip no address", "<network><name>n1</name><ip prefix='24'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing required address attribute in network 'n1'"},
	{"ip localPtr", "<network><name>n1</name><ip address='192.168.9.1' prefix='24' localPtr='maybe'/></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'localPtr' in element 'ip': 'maybe'."},
	{"range no start", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><range end='192.168.9.5'/></dhcp></ip></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing 'start' attribute in dhcp range for network 'n1'"},
	{"lease expiry", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><range start='192.168.9.2' end='192.168.9.5'><lease expiry='x'/></range></dhcp></ip></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'expiry' in element 'lease': 'x'. Expected non-negative integer value"},
	{"lease unit", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><range start='192.168.9.2' end='192.168.9.5'><lease expiry='5' unit='bogus'/></range></dhcp></ip></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'unit' in element 'lease': 'bogus'."},
	{"range reversed", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><range start='192.168.9.5' end='192.168.9.2'/></dhcp></ip></network>", virterr.InternalError, virterr.FromNone, "internal error: range 192.168.9.5 - 192.168.9.2 is reversed "},
	{"range outside", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><range start='192.168.10.5' end='192.168.10.20'/></dhcp></ip></network>", virterr.InternalError, virterr.FromNone, "internal error: range 192.168.10.5 - 192.168.10.20 is not entirely within network 192.168.9.1/24"},
	{"host mac", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><host mac='zz' ip='192.168.9.3'/></dhcp></ip></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Cannot parse MAC address 'zz' in network 'n1'"},
	{"host lease", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><host mac='52:54:00:00:00:01' ip='192.168.9.3'><lease expiry='x'/></host></dhcp></ip></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'expiry' in element 'lease': 'x'. Expected non-negative integer value"},
	{"dns enable", "<network><name>n1</name><dns enable='maybe'/></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'enable' in element 'dns': 'maybe'."},
	{"dns forwardPlainNames", "<network><name>n1</name><dns forwardPlainNames='maybe'/></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'forwardPlainNames' in element 'dns': 'maybe'."},
	{"dns srv port", "<network><name>n1</name><dns><srv service='name' protocol='tcp' target='t' port='x'/></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "invalid DNS SRV port attribute for service 'name' in network 'n1'"},
	{"dns srv priority", "<network><name>n1</name><dns><srv service='name' protocol='tcp' target='t' port='1' priority='x'/></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "Invalid DNS SRV priority attribute for service 'name' in network 'n1'"},
	{"dns host no ip", "<network><name>n1</name><dns><host><hostname>a</hostname></host></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "Missing IP address in network 'n1' DNS HOST record"},
	{"dns txt no name", "<network><name>n1</name><dns><txt value='v'/></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "missing required name attribute in DNS TXT record of network n1"},
	{"nat port", "<network><name>n1</name><forward mode='nat'><nat><port start='x' end='2'/></nat></forward></network>", virterr.XMLDetail, virterr.FromNetwork, "Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network n1"},
	{"nat ipv6", "<network><name>n1</name><forward mode='nat'><nat ipv6='maybe'/></forward></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'ipv6' in element 'nat': 'maybe'."},
	{"nat addr", "<network><name>n1</name><forward mode='nat'><nat><address start='1.2.3.4'/></nat></forward></network>", virterr.XMLError, virterr.FromNetwork, "XML error: missing 'end' attribute in <address> element in <nat> in <forward> in network n1"},
	{"hostdev driver", "<network><name>n1</name><forward mode='hostdev'><driver name='bogus'/><pf dev='eth0'/></forward></network>", virterr.ConfigUnsupported, virterr.FromNetwork, "unsupported configuration: Unknown forward <driver name='bogus'/> in network n1"},
	{"hostdev address bus", "<network><name>n1</name><forward mode='hostdev'><address type='pci' domain='0x0' bus='x' slot='0x1' function='0x0'/></forward></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"},
	{"hostdev address type", "<network><name>n1</name><forward mode='hostdev'><address type='bogus'/></forward></network>", virterr.ConfigUnsupported, virterr.FromNetwork, "unsupported configuration: unknown address type 'bogus' in network n1"},
	{"hostdev address notype", "<network><name>n1</name><forward mode='hostdev'><address domain='0x0' bus='0x1' slot='0x1' function='0x0'/></forward></network>", virterr.XMLError, virterr.FromNetwork, "XML error: missing address type in network n1"},
	{"hostdev address range", "<network><name>n1</name><forward mode='hostdev'><address type='pci' domain='0x0' bus='0x1' slot='0x40' function='0x0'/></forward></network>", virterr.XMLError, virterr.FromNone, "XML error: Invalid PCI address slot='0x40', must be <= 0x1F"},
	{"forward iface nodev", "<network><name>n1</name><forward mode='bridge'><interface/></forward></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing required dev attribute in <forward> <interface> element of network n1"},
	{"pf nodev", "<network><name>n1</name><forward mode='passthrough'><pf/></forward></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing required dev attribute in <pf> element of network 'n1'"},
	{"bandwidth average", "<network><name>n1</name><bridge name='b0'/><bandwidth><inbound average='x'/></bandwidth></network>", virterr.ConfigUnsupported, virterr.FromNone, "unsupported configuration: could not convert bandwidth average value 'x'"},
	{"bandwidth peak", "<network><name>n1</name><bridge name='b0'/><bandwidth><inbound average='1' peak='x'/></bandwidth></network>", virterr.ConfigUnsupported, virterr.FromNone, "unsupported configuration: could not convert bandwidth peak value 'x'"},
	{"bandwidth no average", "<network><name>n1</name><bridge name='b0'/><bandwidth><inbound peak='1'/></bandwidth></network>", virterr.XMLDetail, virterr.FromNone, "Missing mandatory average or floor attributes"},
	{"vlan trunk", "<network><name>n1</name><forward mode='bridge'/><bridge name='b0'/><vlan trunk='maybe'><tag id='1'/></vlan></network>", virterr.XMLError, virterr.FromNone, "XML error: invalid \"trunk='maybe'\" in <vlan> - must be yes or no"},
	{"vlan no tag", "<network><name>n1</name><forward mode='bridge'/><bridge name='b0'/><vlan/></network>", virterr.XMLError, virterr.FromNone, "XML error: missing tag id - each <vlan> must have at least one <tag id='n'/> subelement"},
	{"portgroup no name", "<network><name>n1</name><portgroup/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing required name attribute in portgroup"},
	{"virtualport type", "<network><name>n1</name><forward mode='bridge'/><bridge name='b0'/><virtualport type='bogus'/></network>", virterr.ConfigUnsupported, virterr.FromNone, "unsupported configuration: unknown virtualport type bogus"},
	{"domain localOnly", "<network><name>n1</name><domain name='ex' localOnly='maybe'/></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'localOnly' in element 'domain': 'maybe'."},
	{"port isolated", "<network><name>n1</name><port isolated='maybe'/></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'isolated' in element 'port': 'maybe'."},
	{"route prefix", "<network><name>n1</name><route address='192.168.20.0' prefix='x' gateway='192.168.9.2'/><ip address='192.168.9.1' prefix='24'></ip></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'prefix' in element 'route': 'x'. Expected non-negative integer value"},
	{"route metric", "<network><name>n1</name><route address='192.168.20.0' prefix='24' gateway='192.168.9.2' metric='x'/><ip address='192.168.9.1' prefix='24'></ip></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'metric' in element 'route': 'x'. Expected non-negative integer value"},
	{"macTableManager", "<network><name>n1</name><bridge name='b0' macTableManager='bogus'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid macTableManager setting 'bogus' in network 'n1'"},
	{"ip family", "<network><name>n1</name><ip family='bogus' address='192.168.9.1' prefix='24'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Unrecognized family 'bogus' in network 'n1'"},
	{"ip tftp v6", "<network><name>n1</name><ip family='ipv6' address='2001:db8::1' prefix='64'><tftp root='/x'/></ip></network>", virterr.ConfigUnsupported, virterr.FromNetwork, "unsupported configuration: Unsupported <tftp> element in an IPv6 element in network 'n1'"},
	{"forwarder", "<network><name>n1</name><dns><forwarder addr='zz'/></dns></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid forwarder IP address 'zz' in network 'n1'"},
	{"dns srv weight", "<network><name>n1</name><dns><srv service='name' protocol='tcp' target='t' port='1' weight='x'/></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "invalid DNS SRV weight attribute for service 'name' in network 'n1'"},
	{"malformed", "<network>", virterr.XMLDetail, virterr.FromNetwork, "(network_definition):1: Premature end of data in tag network line 1\n<network>\n---------^"},
	{"name slash", "<network><name>a/b</name></network>", virterr.XMLDetail, virterr.FromXML, "invalid char in name: /"},
	{"name empty", "<network><name></name></network>", virterr.NoName, virterr.FromNetwork, "missing name information"},
	{"ip netmask bad", "<network><name>n1</name><ip address='192.168.9.1' netmask='x'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid netmask 'x' in network 'n1'"},
	{"ip address bad", "<network><name>n1</name><ip address='x' prefix='24'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid address 'x' in network 'n1'"},
	{"ip prefix big", "<network><name>n1</name><ip address='192.168.9.1' prefix='40'/></network>", virterr.ConfigUnsupported, virterr.FromNetwork, "unsupported configuration: Invalid IPv4 prefix '40' in network 'n1'"},
	{"range v6 mismatch", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><range start='2001::1' end='2001::2'/></dhcp></ip></network>", virterr.InternalError, virterr.FromNone, "internal error: mismatch of address family in range 2001::1 - 2001::2 for network 192.168.9.1"},
	{"host ip bad", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><host mac='52:54:00:00:00:01' ip='x'/></dhcp></ip></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid IP address in static host definition for network 'n1'"},
	{"dns host ip bad", "<network><name>n1</name><dns><host ip='x'><hostname>a</hostname></host></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "Invalid IP address in network 'n1' DNS HOST record"},
	{"dns srv proto bad", "<network><name>n1</name><dns><srv service='name' protocol='t c p'/></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "invalid character in protocol attribute 't c p' in DNS SRV record of network 'n1'"},
	{"dns txt bad", "<network><name>n1</name><dns><txt name='a b' value='v'/></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "prohibited character in DNS TXT record name 'a b' of network n1"},
	{"forward dev mismatch", "<network><name>n1</name><forward mode='bridge' dev='eth0'><interface dev='eth1'/></forward></network>", virterr.XMLError, virterr.FromNetwork, "XML error: <forward dev='eth0'> must match first <interface dev='eth1'/> in network n1"},
	{"nat port ok but end bad", "<network><name>n1</name><forward mode='nat'><nat><port start='1024' end='x'/></nat></forward></network>", virterr.XMLDetail, virterr.FromNetwork, "Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network n1"},
	{"nat addr bad", "<network><name>n1</name><forward mode='nat'><nat><address start='x' end='1.2.3.5'/></nat></forward></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Bad ipv4 start address 'x' in <nat> in <forward> in network 'n1'"},
	{"bandwidth unit", "<network><name>n1</name><bridge name='b0'/><bandwidth><inbound average='1' burst='x'/></bandwidth></network>", virterr.ConfigUnsupported, virterr.FromNone, "unsupported configuration: could not convert bandwidth burst value 'x'"},
	{"bandwidth floor", "<network><name>n1</name><bridge name='b0'/><bandwidth><inbound average='1' floor='1'/></bandwidth></network>", virterr.ConfigUnsupported, virterr.FromNone, "unsupported configuration: floor attribute is not supported for this config"},
	{"portgroup trust", "<network><name>n1</name><portgroup name='a' trustGuestRxFilters='maybe'/></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'trustGuestRxFilters' in element 'portgroup': 'maybe'."},
	{"portgroup virtualport", "<network><name>n1</name><portgroup name='a'><virtualport type='openvswitch'><parameters interfaceid='x'/></virtualport></portgroup></network>", virterr.XMLError, virterr.FromNone, "XML error: cannot parse interfaceid parameter as a uuid"},
	{"virtualport 8021Qbh", "<network><name>n1</name><forward mode='bridge'/><bridge name='b0'/><virtualport type='openvswitch'><parameters profileid='x' interfaceid='bad'/></virtualport></network>", virterr.XMLError, virterr.FromNone, "XML error: cannot parse interfaceid parameter as a uuid"},
	{"bridge delay neg", "<network><name>n1</name><bridge name='b0' delay='-1'/></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid delay value in network 'n1'"},
	{"lease expiry neg", "<network><name>n1</name><ip address='192.168.9.1' prefix='24'><dhcp><range start='192.168.9.2' end='192.168.9.5'><lease expiry='-1'/></range></dhcp></ip></network>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'expiry' in element 'lease': '-1'. Expected non-negative integer value"},
	{"host v6 mac", "<network><name>n1</name><ip family='ipv6' address='2001:db8::1' prefix='64'><dhcp><host mac='52:54:00:00:00:01' ip='2001:db8::2'/></dhcp></ip></network>", virterr.XMLError, virterr.FromNetwork, "XML error: Invalid to specify MAC address '52:54:00:00:00:01' in network 'n1' IPv6 static host definition"},
	{"route gw bad", "<network><name>n1</name><route address='192.168.20.0' prefix='24' gateway='x'/><ip address='192.168.9.1' prefix='24'></ip></network>", virterr.XMLError, virterr.FromNetwork, "XML error: n1: Bad gateway address 'x' in route definition"},
	{"forward iface dup", "<network><name>n1</name><forward mode='bridge'><interface dev='eth0'/><interface dev='eth0'/></forward></network>", virterr.XMLError, virterr.FromNetwork, "XML error: interface 'eth0' can only be listed once in network n1"},
	{"srv port neg", "<network><name>n1</name><dns><srv service='name' protocol='tcp' target='t' port='-1'/></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "invalid DNS SRV port attribute for service 'name' in network 'n1'"},
	{"srv port big", "<network><name>n1</name><dns><srv service='name' protocol='tcp' target='t' port='70000'/></dns></network>", virterr.XMLDetail, virterr.FromNetwork, "invalid DNS SRV port attribute for service 'name' in network 'n1'"},
}

func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range libvirtNetworkErrors {
		def, err := Parse([]byte(tc.xml))
		if err == nil {
			err = def.CheckKnownValues()
		}
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}

// libvirtUpdateErrors are net-update requests libvirt 9.0 refuses, with the
// code, error domain and message python3-libvirt reported for them from
// virNetworkUpdate (parent index -1) on test:///default's network.
var libvirtUpdateErrors = []struct {
	name             string
	command, section int
	xml              string
	code             virterr.Code
	from             virterr.Domain
	msg              string
}{
	{"host bad mac", 3, 4, "<host mac='zz' ip='192.168.122.5'/>", virterr.XMLError, virterr.FromNetwork, "XML error: Cannot parse MAC address 'zz' in network 'default'"},
	{"host lease", 3, 4, "<host mac='52:54:00:00:00:09' ip='192.168.122.5'><lease expiry='x'/></host>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'expiry' in element 'lease': 'x'. Expected non-negative integer value"},
	{"host wrong elem", 3, 4, "<range start='192.168.122.5' end='192.168.122.6'/>", virterr.XMLError, virterr.FromNetwork, "XML error: unexpected element <range>, expecting <host>, while updating network 'default'"},
	{"range bad", 3, 5, "<range start='x' end='192.168.122.6'/>", virterr.SystemError, virterr.FromNone, "Cannot parse socket address 'x': Name or service not known"},
	{"range nostart", 3, 5, "<range end='192.168.122.6'/>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing 'start' attribute in dhcp range for network 'default'"},
	{"portgroup noname", 3, 9, "<portgroup/>", virterr.XMLError, virterr.FromNetwork, "XML error: Missing required name attribute in portgroup"},
	{"portgroup trust", 3, 9, "<portgroup name='a' trustGuestRxFilters='maybe'/>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'trustGuestRxFilters' in element 'portgroup': 'maybe'."},
	{"dns host noip", 3, 10, "<host><hostname>a</hostname></host>", virterr.XMLDetail, virterr.FromNetwork, "Missing IP address in network 'default' DNS HOST record"},
	{"dns txt noname", 3, 11, "<txt value='v'/>", virterr.XMLDetail, virterr.FromNetwork, "missing required name attribute in DNS TXT record of network default"},
	{"dns srv port", 3, 12, "<srv service='s' protocol='tcp' target='t' port='x'/>", virterr.XMLDetail, virterr.FromNetwork, "invalid DNS SRV port attribute for service 's' in network 'default'"},
	{"forward iface nodev", 3, 7, "<interface/>", virterr.XMLError, virterr.FromNetwork, "XML error: missing dev attribute in <interface> element"},
	{"malformed", 3, 4, "<host", virterr.XMLDetail, virterr.FromNetwork, "network_update_xml:1: Couldn't find end of Start Tag host line 1\n<host\n-----^"},
	{"bridge section", 1, 1, "<bridge name='x'/>", virterr.OperationUnsupported, virterr.FromNetwork, "Operation not supported: can't update 'bridge' section of network 'default'"},
	{"unknown section", 1, 99, "<x/>", virterr.OperationUnsupported, virterr.FromNetwork, "Operation not supported: can't update unrecognized section of network"},
	{"bad command", 9, 4, "<host mac='52:54:00:00:00:09' ip='192.168.122.5'/>", virterr.OperationUnsupported, virterr.FromNetwork, "Operation not supported: unrecognized network update command code 9"},
	{"ip section", 1, 3, "<ip/>", virterr.OperationUnsupported, virterr.FromNetwork, "Operation not supported: can't update 'ip' section of network 'default'"},
	{"dhcp host delete missing", 2, 4, "<host mac='52:54:00:00:00:77'/>", virterr.OperationInvalid, virterr.FromNetwork, "Requested operation is not valid: couldn't locate a matching dhcp host entry in network 'default'"},
	{"range modify", 1, 5, "<range start='192.168.122.5' end='192.168.122.6'/>", virterr.OperationUnsupported, virterr.FromNetwork, "Operation not supported: dhcp ranges cannot be modified, only added or deleted"},
	{"host v6 on v4", 3, 4, "<host id='0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63' ip='2001:db8::5'/>", virterr.XMLError, virterr.FromNetwork, "XML error: Static host definition in IPv4 network 'default' must have mac or name attribute"},
	{"host nothing", 3, 4, "<host/>", virterr.XMLError, virterr.FromNetwork, "XML error: Static host definition in IPv4 network 'default' must have mac or name attribute"},
}

func TestUpdateErrorsAsLibvirt(t *testing.T) {
	const base = "<network><name>default</name><bridge name='virbr0'/><forward/>" +
		"<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>" +
		"<range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>"
	for _, tc := range libvirtUpdateErrors {
		def, err := Parse([]byte(base))
		if err != nil {
			t.Fatal(err)
		}
		err = def.UpdateSection(UpdateCommand(tc.command), UpdateSection(tc.section), -1, []byte(tc.xml))
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
