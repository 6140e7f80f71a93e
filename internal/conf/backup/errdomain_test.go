package backup

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// TestParseErrorsAsLibvirt checks code, error domain and wording of parse
// errors as libvirt 9.0 gives them. The test driver has no backups, so
// these follow backup_conf.c (VIR_FROM_DOMAIN for its own checks) and the
// virxml.c helpers it calls (virXMLPropTristateBool, virXMLPropEnum:
// VIR_FROM_XML), whose wording libvirt's test driver shows for the same
// helpers elsewhere (e.g. <memballoon autodeflate='maybe'>).
func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range []struct {
		name, xml string
		flags     ParseFlags
		code      virterr.Code
		from      virterr.Domain
		msg       string
	}{
		{"mode", "<domainbackup mode='bogus'/>", 0, virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: unknown backup mode 'bogus'"},
		{"server in push mode", "<domainbackup><server name='h'/></domainbackup>", 0, virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: use of <server> requires pull mode backup"},
		{"server tls", "<domainbackup mode='pull'><server name='h' tls='maybe'/></domainbackup>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'tls' in element 'server': 'maybe'."},
		{"disk name", "<domainbackup><disks><disk backup='yes'/></disks></domainbackup>", 0, virterr.XMLError, virterr.FromDomain, "XML error: missing name from disk backup element"},
		{"disk backup", "<domainbackup><disks><disk name='vda' backup='maybe'/></disks></domainbackup>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'backup' in element 'disk': 'maybe'."},
		{"disk backupmode", "<domainbackup><disks><disk name='vda' backupmode='bogus'/></disks></domainbackup>", 0, virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'backupmode' in element 'disk': 'bogus'."},
		{"disk state", "<domainbackup><disks><disk name='vda'/></disks></domainbackup>", ParseInternal, virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'state' in element 'disk'"},
	} {
		_, err := Parse([]byte(tc.xml), tc.flags)
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
