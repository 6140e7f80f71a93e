package storage

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// libvirtPoolErrors are definitions libvirt 9.0 refuses, with the code, error domain
// and message python3-libvirt reported for them (get_error_code,
// get_error_domain, get_error_message) from virStoragePoolDefineXML on test:///default.
var libvirtPoolErrors = []struct {
	name, xml string
	code      virterr.Code
	from      virterr.Domain
	msg       string
}{
	{"no type", "<pool><name>p1</name><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'type' in element 'pool'"},
	{"bad type", "<pool type='bogus'><name>p1</name><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'pool': 'bogus'."},
	{"no name", "<pool type='dir'><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: missing pool source name element"},
	{"perm mode", "<pool type='dir'><name>p1</name><target><path>/tmp/p1</path><permissions><mode>abc</mode></permissions></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: malformed octal mode"},
	{"perm owner", "<pool type='dir'><name>p1</name><target><path>/tmp/p1</path><permissions><owner>abc</owner></permissions></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: malformed owner element"},
	{"host port", "<pool type='iscsi'><name>p1</name><source><host name='h' port='x'/><device path='iqn.x'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'port' in element 'host': 'x'. Expected integer value"},
	{"host no name", "<pool type='iscsi'><name>p1</name><source><host port='3260'/><device path='iqn.x'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: missing storage pool host name"},
	{"adapter type", "<pool type='scsi'><name>p1</name><source><adapter type='bogus'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'adapter': 'bogus'."},
	{"adapter unique_id", "<pool type='scsi'><name>p1</name><source><adapter type='scsi_host'><parentaddr unique_id='x'><address domain='0' bus='0' slot='1' function='0'/></parentaddr></adapter></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: Missing or invalid scsi adapter 'unique_id' value"},
	{"adapter addr bus", "<pool type='scsi'><name>p1</name><source><adapter type='scsi_host'><parentaddr unique_id='1'><address domain='0' bus='x' slot='1' function='0'/></parentaddr></adapter></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"},
	{"adapter managed", "<pool type='scsi'><name>p1</name><source><adapter type='fc_host' managed='maybe' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'managed' in element 'adapter': 'maybe'."},
	{"adapter no name", "<pool type='scsi'><name>p1</name><source><adapter type='scsi_host'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: Either 'name' or 'parent' must be specified for the 'scsi_host' adapter"},
	{"part_separator", "<pool type='disk'><name>p1</name><source><device path='/dev/sda' part_separator='maybe'/></source><target><path>/dev</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'part_separator' in element 'device': 'maybe'."},
	{"auth type", "<pool type='iscsi'><name>p1</name><source><host name='h'/><device path='iqn.x'/><auth type='bogus' username='u'><secret usage='x'/></auth></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown auth type 'bogus'"},
	{"auth no secret", "<pool type='iscsi'><name>p1</name><source><host name='h'/><device path='iqn.x'/><auth type='chap' username='u'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: Missing <secret> element in auth"},
	{"auth no username", "<pool type='iscsi'><name>p1</name><source><host name='h'/><device path='iqn.x'/><auth type='chap'><secret usage='x'/></auth></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: missing username for auth"},
	{"format", "<pool type='fs'><name>p1</name><source><device path='/dev/sda1'/><format type='bogus'/></source><target><path>/tmp/p1</path></target></pool>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown pool format type bogus"},
	{"cow", "<pool type='dir'><name>p1</name><features><cow state='maybe'/></features><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'state' in element 'cow': 'maybe'."},
	{"no target path", "<pool type='dir'><name>p1</name><target/></pool>", virterr.XMLError, virterr.FromStorage, "XML error: missing storage pool target path"},
	{"rbd no name", "<pool type='rbd'><name>p1</name><source><host name='h'/></source></pool>", virterr.XMLError, virterr.FromStorage, "XML error: element 'name' is mandatory for RBD pool"},
	{"iscsi no host", "<pool type='iscsi'><name>p1</name><source><device path='iqn.x'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: missing storage pool source host name"},
	{"netfs no dir", "<pool type='netfs'><name>p1</name><source><host name='h'/></source><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: missing storage pool source path"},
	{"uuid", "<pool type='dir'><name>p1</name><uuid>bad</uuid><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: malformed uuid element"},
	{"vhba parent", "<pool type='scsi'><name>p1</name><source><adapter type='fc_host' wwnn='x' wwpn='10000000c9831b4b'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.InternalError, virterr.FromNone, "internal error: Malformed wwn: x"},
	{"malformed", "<pool type='dir'>", virterr.XMLDetail, virterr.FromStorage, "(storage_pool_definition):1: Premature end of data in tag pool line 1\n<pool type='dir'>\n-----------------^"},
	{"adapter wwnn", "<pool type='scsi'><name>p1</name><source><adapter type='fc_host' wwnn='x' wwpn='10000000c9831b4b'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.InternalError, virterr.FromNone, "internal error: Malformed wwn: x"},
	{"adapter fc parent_fabric", "<pool type='scsi'><name>p1</name><source><adapter type='fc_host' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b' parent_fabric_wwn='x'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.InternalError, virterr.FromNone, "internal error: Malformed wwn: x"},
	{"adapter fc nowwnn", "<pool type='scsi'><name>p1</name><source><adapter type='fc_host' wwpn='10000000c9831b4b'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: 'wwnn' and 'wwpn' must be specified for adapter type 'fchost'"},
	{"adapter parentaddr noaddr", "<pool type='scsi'><name>p1</name><source><adapter type='scsi_host'><parentaddr unique_id='1'/></adapter></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: Missing scsi_host PCI address element"},
	{"adapter name and parentaddr", "<pool type='scsi'><name>p1</name><source><adapter type='scsi_host' name='host0'><parentaddr unique_id='1'><address domain='0' bus='0' slot='1' function='0'/></parentaddr></adapter></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter"},
	{"adapter addr range", "<pool type='scsi'><name>p1</name><source><adapter type='scsi_host'><parentaddr unique_id='1'><address domain='0' bus='0' slot='0x40' function='0'/></parentaddr></adapter></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromNone, "XML error: Invalid PCI address slot='0x40', must be <= 0x1F"},
	{"adapter legacy wwnn", "<pool type='scsi'><name>p1</name><source><adapter wwnn='x'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'"},
	{"host port empty", "<pool type='iscsi'><name>p1</name><source><host name='h' port=''/><device path='iqn.x'/></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'port' in element 'host': ''. Expected integer value"},
	{"type empty", "<pool type=''><name>p1</name><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'pool': ''."},
	{"name slash", "<pool type='dir'><name>a/b</name><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: name a/b cannot contain '/'"},
	{"netfs format", "<pool type='netfs'><name>p1</name><source><host name='h'/><dir path='/x'/><format type='bogus'/></source><target><path>/tmp/p1</path></target></pool>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown pool format type bogus"},
	{"logical format", "<pool type='logical'><name>p1</name><source><name>vg</name><format type='bogus'/></source><target><path>/dev/vg</path></target></pool>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown pool format type bogus"},
	{"disk format", "<pool type='disk'><name>p1</name><source><device path='/dev/sda'/><format type='bogus'/></source><target><path>/dev</path></target></pool>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown pool format type bogus"},
	{"fs no device", "<pool type='fs'><name>p1</name><target><path>/tmp/p1</path></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: missing storage pool source device name"},
	{"perm mode big", "<pool type='dir'><name>p1</name><target><path>/tmp/p1</path><permissions><mode>7777</mode></permissions></target></pool>", virterr.XMLError, virterr.FromStorage, "XML error: malformed octal mode"},
	{"iscsi-direct no initiator", "<pool type='iscsi-direct'><name>p1</name><source><host name='h'/><device path='iqn.x'/></source></pool>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: missing initiator IQN"},
	{"auth ceph", "<pool type='rbd'><name>p1</name><source><name>x</name><host name='h'/><auth type='ceph' username='u'><secret uuid='bad'/></auth></source></pool>", virterr.XMLError, virterr.FromNone, "XML error: invalid secret uuid 'bad'"},
	{"auth secret none", "<pool type='iscsi'><name>p1</name><source><host name='h'/><device path='iqn.x'/><auth type='chap' username='u'><secret/></auth></source><target><path>/dev/disk/by-path</path></target></pool>", virterr.XMLError, virterr.FromNone, "XML error: missing secret uuid or usage attribute"},
}

// libvirtVolumeErrors are definitions libvirt 9.0 refuses, with the code, error domain
// and message python3-libvirt reported for them (get_error_code,
// get_error_domain, get_error_message) from virStorageVolCreateXML in the test driver's default-pool on test:///default.
var libvirtVolumeErrors = []struct {
	name, xml string
	code      virterr.Code
	from      virterr.Domain
	msg       string
}{
	{"no capacity", "<volume><name>v1</name></volume>", virterr.XMLError, virterr.FromStorage, "XML error: missing capacity element"},
	{"capacity", "<volume><name>v1</name><capacity>x</capacity></volume>", virterr.XMLError, virterr.FromStorage, "XML error: malformed capacity element"},
	{"capacity unit", "<volume><name>v1</name><capacity unit='bogus'>1</capacity></volume>", virterr.InvalidArg, virterr.FromNone, "invalid argument: unknown suffix 'bogus'"},
	{"allocation", "<volume><name>v1</name><capacity>1</capacity><allocation>x</allocation></volume>", virterr.XMLError, virterr.FromStorage, "XML error: malformed capacity element"},
	{"type", "<volume type='bogus'><name>v1</name><capacity>1</capacity></volume>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown volume type 'bogus'"},
	{"no name", "<volume><capacity>1</capacity></volume>", virterr.XMLError, virterr.FromStorage, "XML error: missing volume name element"},
	{"format", "<volume><name>v1</name><capacity>1</capacity><target><format type='bogus'/></target></volume>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown volume format type bogus"},
	{"perm mode", "<volume><name>v1</name><capacity>1</capacity><target><permissions><mode>x</mode></permissions></target></volume>", virterr.XMLError, virterr.FromStorage, "XML error: malformed octal mode"},
	{"perm owner", "<volume><name>v1</name><capacity>1</capacity><target><permissions><owner>x</owner></permissions></target></volume>", virterr.XMLError, virterr.FromStorage, "XML error: malformed owner element"},
	{"enc format", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='bogus'/></target></volume>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown volume encryption format type bogus"},
	{"enc no format", "<volume><name>v1</name><capacity>1</capacity><target><encryption/></target></volume>", virterr.XMLError, virterr.FromStorage, "XML error: unknown volume encryption format"},
	{"enc secret type", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><secret type='bogus' uuid='00000000-0000-0000-0000-000000000001'/></encryption></target></volume>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown volume encryption secret type bogus"},
	{"enc secret no type", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><secret uuid='00000000-0000-0000-0000-000000000001'/></encryption></target></volume>", virterr.XMLError, virterr.FromStorage, "XML error: unknown volume encryption secret type"},
	{"enc secret uuid", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><secret type='passphrase' uuid='bad'/></encryption></target></volume>", virterr.XMLError, virterr.FromNone, "XML error: invalid secret uuid 'bad'"},
	{"enc cipher size", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><cipher name='aes' size='x' mode='cbc' hash='sha256'/></encryption></target></volume>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'size' in element 'cipher': 'x'. Expected non-negative integer value"},
	{"enc cipher nosize", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><cipher name='aes' mode='cbc' hash='sha256'/></encryption></target></volume>", virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'size' in element 'cipher'"},
	{"enc cipher noname", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><cipher size='256'/></encryption></target></volume>", virterr.XMLError, virterr.FromStorage, "XML error: cipher info missing 'name' attribute"},
	{"enc ivgen noname", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><ivgen hash='sha256'/></encryption></target></volume>", virterr.XMLError, virterr.FromStorage, "XML error: ivgen element found, but cipher is missing"},
	{"enc engine", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks' engine='bogus'/></target></volume>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'engine' in element 'encryption': 'bogus'."},
	{"clusterSize", "<volume><name>v1</name><capacity>1</capacity><target><clusterSize>x</clusterSize></target></volume>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './target/clusterSize'"},
	{"compat", "<volume><name>v1</name><capacity>1</capacity><target><format type='qcow2'/><compat>x</compat></target></volume>", virterr.XMLError, virterr.FromStorage, "XML error: forbidden characters in 'compat' attribute"},
	{"feature", "<volume><name>v1</name><capacity>1</capacity><target><format type='qcow2'/><features><bogus/></features></target></volume>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unsupported feature bogus"},
	{"backing format", "<volume><name>v1</name><capacity>1</capacity><backingStore><path>/x</path><format type='bogus'/></backingStore></volume>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown volume format type bogus"},
	{"malformed", "<volume><name>v</name>", virterr.XMLDetail, virterr.FromStorage, "(storage_volume_definition):1: Premature end of data in tag volume line 1\n<volume><name>v</name>\n----------------------^"},
	{"garbage", "not xml", virterr.XMLDetail, virterr.FromStorage, "(storage_volume_definition):1: Start tag expected, '<' not found\nnot xml\n^"},
	{"wrong root", "<pool/>", virterr.XMLError, virterr.FromXML, "XML error: expecting root element of 'volume', not 'pool'"},
	{"capacity neg", "<volume><name>v1</name><capacity>-1</capacity></volume>", virterr.XMLError, virterr.FromStorage, "XML error: malformed capacity element"},
	{"capacity empty", "<volume><name>v1</name><capacity></capacity></volume>", virterr.XMLError, virterr.FromStorage, "XML error: missing capacity element"},
	{"allocation unit", "<volume><name>v1</name><capacity>1</capacity><allocation unit='bogus'>1</allocation></volume>", virterr.InvalidArg, virterr.FromNone, "invalid argument: unknown suffix 'bogus'"},
	{"clusterSize unit", "<volume><name>v1</name><capacity>1</capacity><target><clusterSize unit='bogus'>1</clusterSize></target></volume>", virterr.InvalidArg, virterr.FromNone, "invalid argument: unknown suffix 'bogus'"},
	{"enc secret empty uuid", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><secret type='passphrase'/></encryption></target></volume>", virterr.XMLError, virterr.FromNone, "XML error: missing secret uuid or usage attribute"},
	{"enc cipher size neg", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks'><cipher name='aes' size='-1' mode='cbc' hash='sha256'/></encryption></target></volume>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'size' in element 'cipher': '-1'. Expected non-negative integer value"},
	{"enc engine empty", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks' engine=''/></target></volume>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'engine' in element 'encryption': ''."},
	{"enc engine default", "<volume><name>v1</name><capacity>1</capacity><target><encryption format='luks' engine='default'/></target></volume>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'engine' in element 'encryption': 'default'."},
	{"perm group", "<volume><name>v1</name><capacity>1</capacity><target><permissions><group>x</group></permissions></target></volume>", virterr.XMLError, virterr.FromStorage, "XML error: malformed group element"},
	{"backing perms", "<volume><name>v1</name><capacity>1</capacity><backingStore><path>/x</path><permissions><mode>x</mode></permissions></backingStore></volume>", virterr.XMLError, virterr.FromStorage, "XML error: malformed octal mode"},
}

func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range libvirtPoolErrors {
		def, err := ParsePool([]byte(tc.xml))
		if err == nil {
			def.SetDefaults()
			err = def.Validate()
		}
		virterrtest.Check(t, "pool "+tc.name, err, tc.code, tc.from, tc.msg)
	}
	pool, err := ParsePool([]byte("<pool type='dir'><name>default-pool</name><target><path>/default-pool</path></target></pool>"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range libvirtVolumeErrors {
		vol, err := ParseVolume([]byte(tc.xml), pool, 0)
		if err == nil {
			vol.SetDefaults()
			err = vol.Validate()
		}
		virterrtest.Check(t, "volume "+tc.name, err, tc.code, tc.from, tc.msg)
	}
}

// TestParsePoolSourceErrorsAsLibvirt checks lone <source> documents
// against what libvirt 9.0's test driver reported for them from
// virConnectFindStoragePoolSources.
func TestParsePoolSourceErrorsAsLibvirt(t *testing.T) {
	for _, tc := range []struct {
		poolType, xml string
		code          virterr.Code
		from          virterr.Domain
		msg           string
	}{
		{"logical", `<source><host name="h" port="x"/></source>`, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'port' in element 'host': 'x'. Expected integer value"},
		{"netfs", `<source><host port="1"/></source>`, virterr.XMLError, virterr.FromStorage, "XML error: missing storage pool host name"},
		{"netfs", `<pool/>`, virterr.XMLError, virterr.FromXML, "XML error: expecting root element of 'source', not 'pool'"},
		{"netfs", `<source`, virterr.XMLDetail, virterr.FromStorage, "(storage_source_specification):1: Couldn't find end of Start Tag source line 1\n<source\n-------^"},
		{"logical", `<source><adapter type="bogus"/></source>`, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'adapter': 'bogus'."},
		{"netfs", `<source><auth type="bogus" username="u"/></source>`, virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown auth type 'bogus'"},
	} {
		_, err := ParsePoolSource([]byte(tc.xml), tc.poolType)
		virterrtest.Check(t, tc.poolType+" "+tc.xml, err, tc.code, tc.from, tc.msg)
	}
}
