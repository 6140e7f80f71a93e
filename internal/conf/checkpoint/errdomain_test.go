package checkpoint

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// libvirtCheckpointErrors are definitions libvirt 9.0 refuses, with the code, error domain
// and message python3-libvirt reported for them (get_error_code,
// get_error_domain, get_error_message) from virDomainCheckpointCreateXML (flag REDEFINE=1) on the test driver's domain on test:///default.
var libvirtCheckpointErrors = []struct {
	name, xml string
	flags     int
	code      virterr.Code
	from      virterr.Domain
	msg       string
}{
	{"disk checkpoint", "<domaincheckpoint><disks><disk name='vda' checkpoint='bogus'/></disks></domaincheckpoint>", 0, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element disks in interleave\nElement domaincheckpoint failed to validate content\n"},
	{"disk noname", "<domaincheckpoint><disks><disk checkpoint='bitmap'/></disks></domaincheckpoint>", 0, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element disks in interleave\nElement domaincheckpoint failed to validate content\n"},
	{"creationTime", "<domaincheckpoint><name>c</name><creationTime>x</creationTime></domaincheckpoint>", 1, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element creationTime in interleave\nElement domaincheckpoint failed to validate content\n"},
	{"disk size", "<domaincheckpoint><disks><disk name='vda' checkpoint='bitmap' size='x'/></disks></domaincheckpoint>", 1, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element disks in interleave\nElement domaincheckpoint failed to validate content\n"},
	{"name slash", "<domaincheckpoint><name>a/b</name></domaincheckpoint>", 0, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element name in interleave\nElement domaincheckpoint failed to validate content\n"},
	{"schema unknown", "<domaincheckpoint><bogus/></domaincheckpoint>", 0, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nElement domaincheckpoint has extra content: bogus\n"},
	{"schema dup name", "<domaincheckpoint><name>a</name><name>b</name></domaincheckpoint>", 0, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element name in interleave\nElement domaincheckpoint failed to validate content\n"},
	{"schema empty disks", "<domaincheckpoint><disks/></domaincheckpoint>", 0, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element disks in interleave\nElement domaincheckpoint failed to validate content\n"},
	{"schema parent", "<domaincheckpoint><parent/></domaincheckpoint>", 0, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element parent in interleave\nElement domaincheckpoint failed to validate content\n"},
	{"schema disk attr", "<domaincheckpoint><disks><disk name='vda' bogus='1'/></disks></domaincheckpoint>", 0, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\nExtra element disks in interleave\nElement domaincheckpoint failed to validate content\n"},
}

func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range libvirtCheckpointErrors {
		var flags ParseFlags
		if tc.flags&1 != 0 {
			flags |= ParseRedefine
		}
		def, err := Parse([]byte(tc.xml), flags)
		if err == nil {
			err = def.Validate()
		}
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
