package domain

import (
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

func metadataTestDef(t *testing.T) *Def {
	t.Helper()
	def, err := Parse([]byte("<domain type='test'><name>m</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"), 0)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func applyMetadata(t *testing.T, def *Def, typ int32, value, key, uri string) {
	t.Helper()
	change, err := NewMetadataChange(typ, value, key, uri)
	if err != nil {
		t.Fatalf("NewMetadataChange(%d, %q, %q, %q): %v", typ, value, key, uri, err)
	}
	change.Apply(def)
}

// The expectations are what libvirt 9.0 writes for virsh desc/metadata.
func TestMetadataChange(t *testing.T) {
	def := metadataTestDef(t)
	applyMetadata(t, def, MetadataTitle, "My title", "", "")
	applyMetadata(t, def, MetadataDescription, "A <description>", "", "")
	applyMetadata(t, def, MetadataElement, `<foo x="1"><bar>t</bar></foo>`, "app", "http://example.org/a")
	applyMetadata(t, def, MetadataElement, `<y/>`, "bb", "http://example.org/b")
	out := def.Format(FormatInactive)
	want := "  <title>My title</title>\n  <description>A &lt;description&gt;</description>\n  <metadata>\n" +
		"    <app:foo xmlns:app=\"http://example.org/a\" x=\"1\">\n      <app:bar>t</app:bar>\n    </app:foo>\n" +
		"    <bb:y xmlns:bb=\"http://example.org/b\"/>\n  </metadata>\n"
	if !strings.Contains(out, want) {
		t.Errorf("formatted:\n%s\nwant within it:\n%s", out, want)
	}
	for _, c := range []struct {
		typ       int32
		uri, want string
	}{
		{MetadataTitle, "", "My title"},
		{MetadataDescription, "", "A <description>"},
		{MetadataElement, "http://example.org/a", "<foo x=\"1\">\n  <bar>t</bar>\n</foo>"},
		{MetadataElement, "http://example.org/b", "<y/>"},
	} {
		if got, err := def.GetMetadata(c.typ, c.uri); err != nil || got != c.want {
			t.Errorf("GetMetadata(%d, %q) = %q, %v; want %q", c.typ, c.uri, got, err, c.want)
		}
	}

	// Setting again replaces, in place of the old element at the end.
	applyMetadata(t, def, MetadataElement, `<z/>`, "app2", "http://example.org/a")
	if got := def.Metadata.Node.Children; len(got) != 2 || got[0].Name != "bb:y" || got[1].Name != "app2:z" {
		t.Errorf("after replacing: %s", def.Metadata.Node.String())
	}
	// An empty value removes.
	applyMetadata(t, def, MetadataElement, "", "", "http://example.org/a")
	applyMetadata(t, def, MetadataTitle, "", "", "")
	out = def.Format(FormatInactive)
	if strings.Contains(out, "app2:z") || strings.Contains(out, "<title>") || !strings.Contains(out, "bb:y") {
		t.Errorf("after removals:\n%s", out)
	}
	for _, typ := range []int32{MetadataTitle, MetadataElement} {
		if _, err := def.GetMetadata(typ, "http://example.org/a"); virterr.CodeOf(err) != virterr.NoDomainMetadata ||
			err.Error() != "metadata not found: Requested metadata element is not present" {
			t.Errorf("GetMetadata(%d) after removal: %v", typ, err)
		}
	}

	// Removing from a definition without <metadata> adds none.
	def = metadataTestDef(t)
	applyMetadata(t, def, MetadataElement, "", "", "http://example.org/a")
	if def.Metadata != nil {
		t.Errorf("removal created <metadata>")
	}
}

// Elements already in a namespace stay in it; whitespace under text is
// given back as sent (stock virsh 9.0 with the test driver shows both).
func TestMetadataElementNamespacesAndText(t *testing.T) {
	def := metadataTestDef(t)
	applyMetadata(t, def, MetadataElement, "<other xmlns:z='urn:z'><z:q/></other>", "o", "http://o.com/")
	if got, _ := def.GetMetadata(MetadataElement, "http://o.com/"); got != "<other xmlns:z=\"urn:z\">\n  <z:q/>\n</other>" {
		t.Errorf("namespaced child read back as %q", got)
	}
	mixed := "<foo>text<bar>\n  <baz/>\n  <qux>x</qux>\n</bar></foo>"
	applyMetadata(t, def, MetadataElement, mixed, "k", "urn:x")
	if got, _ := def.GetMetadata(MetadataElement, "urn:x"); got != mixed {
		t.Errorf("mixed content read back as %q, want %q", got, mixed)
	}
}

func TestMetadataChangeErrors(t *testing.T) {
	for _, c := range []struct {
		typ             int32
		value, key, uri string
		code            virterr.Code
		msg             string
	}{
		{MetadataElement, "<foo/>", "x y", "http://e.org/", virterr.InternalError, "internal error: failed to validate prefix for a new XML namespace"},
		{MetadataElement, "<foo/>", "1k", "http://e.org/", virterr.InternalError, "internal error: failed to validate prefix for a new XML namespace"},
		{MetadataElement, "<foo/>", "XmL", "http://e.org/", virterr.InternalError, "internal error: failed to validate prefix for a new XML namespace"},
		{7, "x", "", "", virterr.InvalidArg, "invalid argument: unknown metadata type '7'"},
	} {
		_, err := NewMetadataChange(c.typ, c.value, c.key, c.uri)
		if virterr.CodeOf(err) != c.code || err.Error() != c.msg {
			t.Errorf("NewMetadataChange(%d, %q, %q): %v", c.typ, c.value, c.key, err)
		}
	}
	if _, err := NewMetadataChange(MetadataElement, "<foo", "x", "http://e.org/"); err == nil {
		t.Error("malformed XML accepted")
	}
	if _, err := metadataTestDef(t).GetMetadata(9, ""); virterr.CodeOf(err) != virterr.InvalidArg {
		t.Errorf("GetMetadata of an unknown type: %v", err)
	}
}
