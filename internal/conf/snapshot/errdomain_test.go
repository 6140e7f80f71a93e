package snapshot

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// libvirtSnapshotErrors are definitions libvirt 9.0 refuses, with the code, error domain
// and message python3-libvirt reported for them (get_error_code,
// get_error_domain, get_error_message) from virDomainSnapshotCreateXML (flags REDEFINE=1, VALIDATE=512) on the test driver's domain on test:///default.
var libvirtSnapshotErrors = []struct {
	name, xml string
	flags     int
	code      virterr.Code
	from      virterr.Domain
	msg       string
}{
	{"memory snapshot", "<domainsnapshot><memory snapshot='bogus'/></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'snapshot' in element 'memory': 'bogus'."},
	{"memory external nofile", "<domainsnapshot><memory snapshot='external'/></domainsnapshot>", 0, virterr.XMLError, virterr.FromDomainSnapshot, "XML error: external memory snapshots require a filename"},
	{"disk snapshot", "<domainsnapshot><disks><disk name='vda' snapshot='bogus'/></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'snapshot' in element 'disk': 'bogus'."},
	{"disk noname", "<domainsnapshot><disks><disk snapshot='no'/></disks></domainsnapshot>", 0, virterr.InternalError, virterr.FromDomainSnapshot, "internal error: missing name from disk snapshot element"},
	{"disk type", "<domainsnapshot><disks><disk name='vda' snapshot='external' type='bogus'/></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'disk': 'bogus'."},
	{"disk driver", "<domainsnapshot><disks><disk name='vda' snapshot='external'><driver type='bogus'/></disk></disks></domainsnapshot>", 0, virterr.ConfigUnsupported, virterr.FromDomainSnapshot, "unsupported configuration: unknown disk snapshot driver 'bogus'"},
	{"creationTime redefine", "<domainsnapshot><name>s</name><creationTime>x</creationTime><state>running</state></domainsnapshot>", 1, virterr.InternalError, virterr.FromDomainSnapshot, "internal error: missing creationTime from existing snapshot"},
	{"state redefine", "<domainsnapshot><name>s</name><creationTime>1</creationTime><state>bogus</state></domainsnapshot>", 1, virterr.ConfigUnsupported, virterr.FromDomainSnapshot, "unsupported configuration: Invalid state 'bogus' in domain snapshot XML"},
	{"nostate redefine", "<domainsnapshot><name>s</name><creationTime>1</creationTime></domainsnapshot>", 1, virterr.XMLError, virterr.FromDomainSnapshot, "XML error: missing state from existing snapshot"},
	{"memory file internal", "<domainsnapshot><memory snapshot='internal' file='/x'/></domainsnapshot>", 0, virterr.XMLError, virterr.FromDomainSnapshot, "XML error: memory filename '/x' requires external snapshot"},
	{"disk source", "<domainsnapshot><disks><disk name='vda' snapshot='external' type='network'><source protocol='bogus'/></disk></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'protocol' in element 'source': 'bogus'."},
	{"malformed", "<domainsnapshot>", 0, virterr.XMLDetail, virterr.FromDomainSnapshot, "(domain_snapshot):1: Premature end of data in tag domainsnapshot line 1\n<domainsnapshot>\n----------------^"},
	{"memory default", "<domainsnapshot><memory snapshot='default'/></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'snapshot' in element 'memory': 'default'."},
	{"memory manual", "<domainsnapshot><memory snapshot='manual'/></domainsnapshot>", 0, virterr.XMLError, virterr.FromDomainSnapshot, "XML error: 'manual' memory snapshot mode not supported"},
	{"disk default", "<domainsnapshot><disks><disk name='vda' snapshot='default'/></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'snapshot' in element 'disk': 'default'."},
	{"disk type none", "<domainsnapshot><disks><disk name='vda' snapshot='external' type='none'/></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'disk': 'none'."},
	{"disk type dir", "<domainsnapshot><disks><disk name='vda' snapshot='external' type='dir'/></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromDomainSnapshot, "XML error: unsupported disk snapshot type 'dir'"},
	{"disk net noproto", "<domainsnapshot><disks><disk name='vda' snapshot='external' type='network'><source name='x'/></disk></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'protocol' in element 'source'"},
	{"max_size", "<domainsnapshot><disks><disk name='vda' snapshot='external'><driver type='qcow2'><metadata_cache><max_size>x</max_size></metadata_cache></driver></disk></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './driver/metadata_cache/max_size'"},
	{"rel path", "<domainsnapshot><disks><disk name='vda' snapshot='external'><source file='rel'/></disk></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromDomainSnapshot, "XML error: disk snapshot image path 'rel' must be absolute"},
	{"memory rel", "<domainsnapshot><memory snapshot='external' file='rel'/></domainsnapshot>", 0, virterr.XMLError, virterr.FromDomainSnapshot, "XML error: memory snapshot file path (rel) must be absolute"},
	{"memory bogus with file", "<domainsnapshot><memory snapshot='bogus' file='/x'/></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'snapshot' in element 'memory': 'bogus'."},
	{"disk bogus type and snapshot", "<domainsnapshot><disks><disk name='vda' snapshot='bogus' type='bogus'/></disks></domainsnapshot>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'snapshot' in element 'disk': 'bogus'."},
	{"schema unknown", "<domainsnapshot><bogus/></domainsnapshot>", 512, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\nElement domainsnapshot has extra content: bogus\n"},
	{"schema memory", "<domainsnapshot><memory snapshot='bogus'/></domainsnapshot>", 512, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\nExtra element memory in interleave\nElement domainsnapshot failed to validate content\n"},
	{"schema state", "<domainsnapshot><state>bogus</state></domainsnapshot>", 512, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\nExtra element state in interleave\nElement domainsnapshot failed to validate content\n"},
	{"schema dup name", "<domainsnapshot><name>a</name><name>b</name></domainsnapshot>", 512, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\nExtra element name in interleave\nElement domainsnapshot failed to validate content\n"},
	{"schema disk children", "<domainsnapshot><disks><disk name='vda' snapshot='no'><driver/></disk></disks></domainsnapshot>", 512, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\nExtra element disks in interleave\nElement domainsnapshot failed to validate content\n"},
	{"schema disk name", "<domainsnapshot><disks><disk name='x!' snapshot='no'/></disks></domainsnapshot>", 512, virterr.XMLInvalidSchema, virterr.FromXML, "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domainsnapshot.rng\nExtra element disks in interleave\nElement domainsnapshot failed to validate content\n"},
}

func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range libvirtSnapshotErrors {
		flags := ParseDisks
		if tc.flags&1 != 0 {
			flags |= ParseRedefine
		}
		if tc.flags&512 != 0 {
			flags |= ParseValidate
		}
		def, err := Parse([]byte(tc.xml), flags)
		if err == nil {
			err = def.Validate()
		}
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
