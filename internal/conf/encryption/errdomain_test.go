package encryption

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
	"github.com/govirt/govirt/virt/virterr/virterrtest"
)

// TestParseErrorsAsLibvirt checks code, error domain and wording against
// what libvirt 9.0's test driver reported (python3-libvirt) for the same
// <encryption> inside a volume's <target> (virStorageVolCreateXML): the
// virXMLProp* helpers report in VIR_FROM_XML, virstorageencryption.c's own
// checks in VIR_FROM_STORAGE, virSecretLookupParseSecret in none.
func TestParseErrorsAsLibvirt(t *testing.T) {
	for _, tc := range []struct {
		name, xml string
		code      virterr.Code
		from      virterr.Domain
		msg       string
	}{
		{"no format", "<encryption/>", virterr.XMLError, virterr.FromStorage, "XML error: unknown volume encryption format"},
		{"format", "<encryption format='bogus'/>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown volume encryption format type bogus"},
		{"engine", "<encryption format='luks' engine='bogus'/>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'engine' in element 'encryption': 'bogus'."},
		{"engine default", "<encryption format='luks' engine='default'/>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'engine' in element 'encryption': 'default'."},
		{"secret type", "<encryption format='luks'><secret type='bogus' uuid='00000000-0000-0000-0000-000000000001'/></encryption>", virterr.ConfigUnsupported, virterr.FromStorage, "unsupported configuration: unknown volume encryption secret type bogus"},
		{"secret no type", "<encryption format='luks'><secret uuid='00000000-0000-0000-0000-000000000001'/></encryption>", virterr.XMLError, virterr.FromStorage, "XML error: unknown volume encryption secret type"},
		{"secret uuid", "<encryption format='luks'><secret type='passphrase' uuid='bad'/></encryption>", virterr.XMLError, virterr.FromNone, "XML error: invalid secret uuid 'bad'"},
		{"cipher size", "<encryption format='luks'><cipher name='aes' size='x' mode='cbc' hash='sha256'/></encryption>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'size' in element 'cipher': 'x'. Expected non-negative integer value"},
		{"cipher size negative", "<encryption format='luks'><cipher name='aes' size='-1' mode='cbc' hash='sha256'/></encryption>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'size' in element 'cipher': '-1'. Expected non-negative integer value"},
		{"cipher no size", "<encryption format='luks'><cipher name='aes' mode='cbc' hash='sha256'/></encryption>", virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'size' in element 'cipher'"},
		{"cipher no name", "<encryption format='luks'><cipher size='256'/></encryption>", virterr.XMLError, virterr.FromStorage, "XML error: cipher info missing 'name' attribute"},
		{"ivgen without cipher", "<encryption format='luks'><ivgen hash='sha256'/></encryption>", virterr.XMLError, virterr.FromStorage, "XML error: ivgen element found, but cipher is missing"},
	} {
		def, err := Parse([]byte(tc.xml))
		if err == nil {
			err = def.Validate()
		}
		virterrtest.Check(t, tc.name, err, tc.code, tc.from, tc.msg)
	}
}
