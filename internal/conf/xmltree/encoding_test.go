package xmltree

import (
	"strings"
	"testing"
)

// TestDeclaredEncodingAsLibvirt: libvirt parses a string, which libxml2
// reads as UTF-8 whatever encoding the declaration names, as long as it
// knows the name (results from libvirt 9.0's test driver).
func TestDeclaredEncodingAsLibvirt(t *testing.T) {
	for _, tc := range []struct {
		decl, name, body string
		want             string // the error, or the network's name
	}{
		{"encoding='ISO-8859-1'", "", "n\xc3\xa9", "né"},
		{"encoding='latin1'", "", "n\xc3\xa9", "né"},
		{"encoding='UTF-16'", "", "n\xc3\xa9", "né"},
		{"encoding='UTF-16LE'", "", "n\xc3\xa9", "né"},
		{"encoding='EBCDIC-US'", "", "n\xc3\xa9", "né"},
		{"encoding='windows-1252'", "", "n\xc3\xa9", "né"},
		{"encoding='UTF-16'standalone='no'", "", "n", "n"},
		{"encoding='ISO-8859-1'", "", "n\xe9", "(network_definition):2: Input is not proper UTF-8, indicate encoding !\nBytes: 0xE9 0x3C 0x2F 0x6E\n<network><name>n\xe9</name></network>\n----------------^"},
		{"encoding='FOO'", "", "n", "(network_definition):1: Unsupported encoding FOO\n<?xml version='1.0' encoding='FOO'?>\n----------------------------------^"},
		{"encoding='NEXTSTEP'", "", "n", "(network_definition):1: Unsupported encoding NEXTSTEP\n<?xml version='1.0' encoding='NEXTSTEP'?>\n---------------------------------------^"},
		{"encoding='ISO-8859-1'standalone='no'", "", "n", "(network_definition):1: Blank needed here\n<?xml version='1.0' encoding='ISO-8859-1'standalone='no'?>\n-----------------------------------------^"},
	} {
		doc := "<?xml version='1.0' " + tc.decl + "?>\n<network><name>" + tc.body + "</name></network>"
		root, err := Parse([]byte(doc), "(network_definition)")
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got, _ = root.ChildText("name")
		}
		if got != tc.want {
			t.Errorf("%s %q:\n got %q\nwant %q", tc.decl, tc.body, got, tc.want)
		}
	}
}

func TestIconvNamesKnown(t *testing.T) {
	for _, name := range []string{"ISO-8859-15", "L1", "CSISOLATIN1", "JOHAB", "MACINTOSH", "ANSI_X3.4-1968"} {
		if !knownEncoding(strings.ToUpper(name)) {
			t.Errorf("%s unknown", name)
		}
	}
}
