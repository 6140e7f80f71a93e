package xmltree

import (
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

func TestMalformedIsXMLDetailWithLine(t *testing.T) {
	_, err := Parse([]byte("<domain>\n  <name>x</nam>\n</domain>"), "(domain_definition)")
	if virterr.CodeOf(err) != virterr.XMLDetail {
		t.Fatalf("code %v, err %v", virterr.CodeOf(err), err)
	}
	if got := err.Error(); got[:22] != "(domain_definition):2:" {
		t.Fatalf("message %q lacks the line", got)
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
