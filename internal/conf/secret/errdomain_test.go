package secret

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// TestParseErrorsAsLibvirt checks code, error domain and wording of parse
// errors as libvirt 9.0 gives them. The test driver has no secrets, so
// these follow secret_conf.c, which calls no virxml.c helper that
// reports: every error is its own, in VIR_FROM_SECRET.
func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range []struct {
		name, xml string
		code      virterr.Code
		from      virterr.Domain
		msg       string
	}{
		{"root", "<volume/>", virterr.XMLError, virterr.FromSecret, "XML error: unexpected root element <volume>, expecting <secret>"},
		{"ephemeral", "<secret ephemeral='maybe'/>", virterr.XMLError, virterr.FromSecret, "XML error: invalid value of 'ephemeral'"},
		{"private", "<secret private='maybe'/>", virterr.XMLError, virterr.FromSecret, "XML error: invalid value of 'private'"},
		{"uuid", "<secret><uuid>bad</uuid></secret>", virterr.InternalError, virterr.FromSecret, "internal error: malformed uuid element"},
		{"usage without type", "<secret><usage/></secret>", virterr.XMLError, virterr.FromSecret, "XML error: unknown secret usage type"},
		{"usage type", "<secret><usage type='bogus'/></secret>", virterr.ConfigUnsupported, virterr.FromSecret, "unsupported configuration: unknown secret usage type bogus"},
		{"volume", "<secret><usage type='volume'/></secret>", virterr.InternalError, virterr.FromSecret, "internal error: volume usage specified, but volume path is missing"},
		{"ceph", "<secret><usage type='ceph'/></secret>", virterr.InternalError, virterr.FromSecret, "internal error: Ceph usage specified, but name is missing"},
		{"iscsi", "<secret><usage type='iscsi'/></secret>", virterr.InternalError, virterr.FromSecret, "internal error: iSCSI usage specified, but target is missing"},
		{"tls", "<secret><usage type='tls'/></secret>", virterr.InternalError, virterr.FromSecret, "internal error: TLS usage specified, but name is missing"},
		{"vtpm", "<secret><usage type='vtpm'/></secret>", virterr.InternalError, virterr.FromSecret, "internal error: vTPM usage specified, but name is missing"},
	} {
		def, err := Parse([]byte(tc.xml))
		if err == nil {
			err = def.Validate()
		}
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
