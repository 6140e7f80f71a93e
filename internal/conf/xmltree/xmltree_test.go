package xmltree

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

func TestParseKeepsPrefixesOrderAndLines(t *testing.T) {
	n, err := Parse([]byte("<domain type='kvm'>\n  <metadata>\n    <app:x xmlns:app='urn:a' b='1' a='2'/>\n  </metadata>\n</domain>\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	x := n.Find("metadata/app:x")
	if x == nil || x.Line != 3 {
		t.Fatalf("metadata child: %+v", x)
	}
	if x.Attrs[0].Name != "xmlns:app" || x.Attrs[1].Name != "b" || x.Attrs[2].Name != "a" {
		t.Fatalf("attribute order/prefix lost: %+v", x.Attrs)
	}
}

// libvirtMalformed are real virsh 9.0 answers ("virsh define FILE" and
// python3-libvirt's get_error_message()) for malformed documents.
var libvirtMalformed = []struct{ doc, want string }{
	{"hello\n", "(domain_definition):1: Start tag expected, '<' not found\nhello\n^"},
	{"<domain>\n  <name>x</nam>\n</domain>\n", "(domain_definition):2: Opening and ending tag mismatch: name line 2 and nam\n  <name>x</nam>\n---------------^"},
	{"<domain>\n  <name>x", "(domain_definition):2: Premature end of data in tag name line 2\n  <name>x\n---------^"},
	{"<domain>\n  <name>x\n", "(domain_definition):3: Premature end of data in tag name line 2\n(null)\n^"},
	{"<domain a=\"1\" a=\"2\"/>\n", "(domain_definition):1: Attribute a redefined\n<domain a=\"1\" a=\"2\"/>\n-------------------^"},
	{"<domain>&foo;</domain>\n", "(domain_definition):1: Entity 'foo' not defined\n<domain>&foo;</domain>\n-------------^"},
	{"", "(domain_definition):1: Document is empty\n(null)\n^"},
	{"   ", "(domain_definition):1: Start tag expected, '<' not found\n   \n---^"},
	{"\n", "(domain_definition):2: Start tag expected, '<' not found\n(null)\n^"},
	{"<a>\x01</a>", "(domain_definition):1: PCDATA invalid Char value 1\n<a>\x01</a>\n---^"},
	{"<domain>\n<a>&foo;</a>", "(domain_definition):2: Entity 'foo' not defined\n<a>&foo;</a>\n--------^"},
	{"<a>xy\r\nab]]>c</a>", "(domain_definition):2: Sequence ']]>' not allowed in content\n<a>xy\n-----^"},
	{"<a><!-- x -- y --></a>", "(domain_definition):1: Double hyphen within comment: <!-- x \n<a><!-- x -- y --></a>\n----------^"},
	{"<a><!-- é -- y --></a>", "(domain_definition):1: Comment must not contain '--' (double-hyphen)\n<a><!-- é -- y --></a>\n-------------^"},
	{"<a><!-- é x", "(domain_definition):1: Comment not terminated \n<!-- é\n<a><!-- é x\n------------^"},
	{"<a>&#xZZ;</a>", "(domain_definition):1: CharRef: invalid hexadecimal value\n<a>&#xZZ;</a>\n------^"},
	{"<?xml version=\"2.0\"?><a/>", "(domain_definition):1: Unsupported version '2.0'\n<?xml version=\"2.0\"?><a/>\n-------------------^"},
}

func TestMalformedIsWordedAsLibvirt(t *testing.T) {
	for _, c := range libvirtMalformed {
		_, err := Parse([]byte(c.doc), "(domain_definition)")
		if virterr.CodeOf(err) != virterr.XMLDetail {
			t.Errorf("%q: code %v, err %v", c.doc, virterr.CodeOf(err), err)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.doc, err.Error(), c.want)
		}
	}
}

func TestParseFromCarriesTheCallersDomain(t *testing.T) {
	_, err := ParseFrom([]byte("hello"), "(network_definition)", virterr.FromNetwork)
	var e *virterr.Error
	if !errors.As(err, &e) || e.Domain != virterr.FromNetwork || e.Code != virterr.XMLDetail {
		t.Fatalf("got %#v", err)
	}
	_, err = Parse([]byte("hello"), "x")
	if !errors.As(err, &e) || e.Domain != virterr.FromXML {
		t.Fatalf("Parse must keep VIR_FROM_XML: %#v", err)
	}
	_, err = ParseRootFrom([]byte("<network/>"), "x", "domain", virterr.FromDomain)
	if !errors.As(err, &e) || e.Domain != virterr.FromXML || e.Code != virterr.XMLError {
		t.Fatalf("a wrong root is VIR_FROM_XML as virXMLParseHelper reports it: %#v", err)
	}
}

func TestAcceptsWhatLibxml2Accepts(t *testing.T) {
	for _, doc := range []string{
		"<?xml version='1.0' encoding='UTF-8' standalone='yes'?><a/>",
		"\xEF\xBB\xBF<a/>",
		"<!-- c --><?pi x?><!DOCTYPE a><a/><!-- after -->\n",
		"<a xmlns:q='urn:q'><q:b/><undeclared:c/></a>",
		"<a>x<![CDATA[<y>]]>&#x41;&#66;&lt;&gt;&amp;&apos;&quot;</a>",
		"<a\n  b = 'c'\n/>",
		"<a></a \n>",
		"<a>]]</a>",
	} {
		if _, err := Parse([]byte(doc), "t"); err != nil {
			t.Errorf("%q: %v", doc, err)
		}
	}
	n, err := Parse([]byte("<a>x<![CDATA[<y>]]>&#x41;&#66;&lt;<b/>\r\nz</a>"), "t")
	if err != nil {
		t.Fatal(err)
	}
	if n.Text != "x<y>AB<\nz" || n.Segments[0] != "x<y>AB<" || n.Segments[1] != "\nz" {
		t.Fatalf("text %q segments %q", n.Text, n.Segments)
	}
}

// TestLatin1DeclaredDocumentIsNotConverted: libvirt's string path reads
// UTF-8 whatever the declaration says, so Latin-1 bytes are refused.
func TestLatin1DeclaredDocumentIsNotConverted(t *testing.T) {
	_, err := Parse([]byte("<?xml version='1.0' encoding='ISO-8859-1'?><a b='\xe9'>\xe9t\xe9</a>"), "t")
	if virterr.CodeOf(err) != virterr.XMLDetail || !strings.Contains(err.Error(), "Input is not proper UTF-8, indicate encoding !") {
		t.Fatalf("got %v", err)
	}
	n, err := Parse([]byte("<?xml version='1.0' encoding='ISO-8859-1'?><a b='\u00e9'>\u00e9t\u00e9</a>"), "t")
	if err != nil {
		t.Fatal(err)
	}
	if n.Text != "\u00e9t\u00e9" || n.Prop("b") != "\u00e9" {
		t.Fatalf("text %q, b %q", n.Text, n.Prop("b"))
	}
}

func TestParseRootWrongElement(t *testing.T) {
	_, err := ParseRoot([]byte("<network/>"), "t", "domain")
	if virterr.CodeOf(err) != virterr.XMLError {
		t.Fatalf("got %v", err)
	}
	if err.Error() != "XML error: expecting root element of 'domain', not 'network'" {
		t.Fatalf("wording: %q", err.Error())
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("<a b='c'><d>e</d></a>"))
	f.Add([]byte("<a><b/>text<c/></a>"))
	files, _ := filepath.Glob("testdata/*.xml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		again, err := Parse([]byte(n.String()), "fuzz")
		if err != nil {
			t.Fatalf("re-parse of %q: %v", n.String(), err)
		}
		if again.String() != n.String() {
			t.Fatalf("not a fixed point: %q vs %q", n.String(), again.String())
		}
	})
}

func TestAttributeWhitespaceIsNormalised(t *testing.T) {
	n, err := Parse([]byte("<a x='1\n2\t3&#10;4' y=\"a\r\nb\"><!-- '\n' --><b>t\tx</b></a>"), "t")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Prop("x"); got != "1 2 3\n4" {
		t.Fatalf("x = %q", got)
	}
	if got := n.Prop("y"); got != "a b" {
		t.Fatalf("y = %q", got)
	}
	if got := n.Child("b").Text; got != "t\tx" {
		t.Fatalf("text must keep its tab: %q", got)
	}
}

func TestNilNodeAccessorsAreSafe(t *testing.T) {
	var n *Node
	if _, ok := n.Attr("x"); ok || n.Prop("x") != "" || n.Child("a") != nil || n.Find("a/b") != nil {
		t.Fatal("nil node must read as empty")
	}
	if _, ok := n.ChildText("a"); ok {
		t.Fatal("nil node has no children")
	}
}

func TestInternalEntitiesExpand(t *testing.T) {
	n, err := Parse([]byte(`<!DOCTYPE a [<!ENTITY y "Y"><!ENTITY x "<b>t&y;</b>u"><!ELEMENT a ANY>]><a c='&y;'>s&x;v</a>`), "t")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.String(); got != `<a c="Y">s<b>tY</b>uv</a>` {
		t.Fatalf("expanded to %s", got)
	}
	_, err = Parse([]byte(`<!DOCTYPE a [<!ENTITY x "<b>">]><a>&x;</a>`), "t")
	if err == nil || err.Error() != "at line 1: Premature end of data in tag b line 1\n<b>\n---^" {
		t.Fatalf("an entity's own error is reported as libvirt reports it (no file name): %v", err)
	}
}

func TestNestingDeeperThanLibxml2AllowsIsRefused(t *testing.T) {
	ok := strings.Repeat("<a>", 257) + strings.Repeat("</a>", 257)
	if _, err := Parse([]byte(ok), "t"); err != nil {
		t.Fatalf("257 levels: %v", err)
	}
	deep := strings.Repeat("<a>\n", 258) + strings.Repeat("</a>", 258)
	_, err := Parse([]byte(deep), "t")
	if err == nil || err.Error() != "t:258: Excessive depth in document: 256 use XML_PARSE_HUGE option\n<a>\n^" {
		t.Fatalf("258 levels: %v", err)
	}
}
