package xmlbuf

import (
	"testing"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

func TestFormatElement(t *testing.T) {
	b := New()
	b.AdjustIndent(2)
	attrs := b.Inherit()
	attrs.Attr("type", "a'b<c")
	child := b.Child()
	child.EscapeString("<name>%s</name>\n", "x&y")
	b.FormatElement("outer", attrs, child)
	b.FormatElement("empty", nil, nil)
	b.FormatElement("attrsonly", attrs, nil)
	want := "  <outer type='a&apos;b&lt;c'>\n    <name>x&amp;y</name>\n  </outer>\n  <attrsonly type='a&apos;b&lt;c'/>\n"
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestEscapeDropsControlCharacters(t *testing.T) {
	if got := Escape("a\x01b\tc\"d"); got != "ab\tc&quot;d" {
		t.Fatalf("got %q", got)
	}
}

func TestFormatNode(t *testing.T) {
	n, err := xmltree.Parse([]byte(`<a x="1"><b>t</b>  <c/><d><e y='2'/></d></a>`), "t")
	if err != nil {
		t.Fatal(err)
	}
	b := New()
	b.FormatNode(n)
	want := "<a x='1'>\n  <b>t</b>\n  <c/>\n  <d>\n    <e y='2'/>\n  </d>\n</a>\n"
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFormatLibxmlNode(t *testing.T) {
	n, err := xmltree.Parse([]byte(`<m:app a='x"y' xmlns:m="urn:m"><m:b>t&amp;u</m:b>
  <m:c/><m:d>text <m:e/> more</m:d></m:app>`), "t")
	if err != nil {
		t.Fatal(err)
	}
	b := New()
	b.AdjustIndent(2)
	b.FormatLibxmlNode(n)
	want := "  <m:app xmlns:m=\"urn:m\" a=\"x&quot;y\">\n    <m:b>t&amp;u</m:b>\n    <m:c/>\n    <m:d>text <m:e/> more</m:d>\n  </m:app>\n"
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}

	// Text turns formatting off for the whole subtree, as in libxml2:
	// below it, whitespace is written as read (virsh dumpxml of the test
	// driver shows the same).
	n, err = xmltree.Parse([]byte("<foo>text<bar>\n  <baz/>\n  <qux>x</qux>\n</bar></foo>"), "t")
	if err != nil {
		t.Fatal(err)
	}
	b = New()
	b.FormatLibxmlNode(n)
	if got, want := b.String(), "<foo>text<bar>\n  <baz/>\n  <qux>x</qux>\n</bar></foo>\n"; got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
