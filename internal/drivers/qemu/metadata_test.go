package qemu

import (
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/virt/virterr"
)

// The expectations are what libvirtd 9.0 writes for virsh desc/metadata.
func TestSetDefMetadata(t *testing.T) {
	def := parseTestDef(t, "<vcpu>1</vcpu>")
	setDefMetadata(def, metadataTitle, "My title", "", nil)
	setDefMetadata(def, metadataDescription, "A <description>", "", nil)
	elem, err := metadataElementNode(`<foo x="1"><bar>t</bar></foo>`, "app", "http://example.org/a")
	if err != nil {
		t.Fatal(err)
	}
	setDefMetadata(def, metadataElement, "", "http://example.org/a", elem)
	elemB, _ := metadataElementNode(`<y/>`, "bb", "http://example.org/b")
	setDefMetadata(def, metadataElement, "", "http://example.org/b", elemB)
	out := def.Format(domain.FormatInactive)
	want := "  <title>My title</title>\n  <description>A &lt;description&gt;</description>\n  <metadata>\n" +
		"    <app:foo xmlns:app=\"http://example.org/a\" x=\"1\">\n      <app:bar>t</app:bar>\n    </app:foo>\n" +
		"    <bb:y xmlns:bb=\"http://example.org/b\"/>\n  </metadata>\n"
	if !strings.Contains(out, want) {
		t.Errorf("formatted:\n%s\nwant within it:\n%s", out, want)
	}
	if got := metadataElementString(def.Metadata.Node.Children[0], "http://example.org/a"); got != "<foo x=\"1\">\n  <bar>t</bar>\n</foo>" {
		t.Errorf("element read back as %q", got)
	}
	// Setting again replaces; an empty value removes.
	setDefMetadata(def, metadataElement, "", "http://example.org/a", nil)
	setDefMetadata(def, metadataTitle, "", "", nil)
	out = def.Format(domain.FormatInactive)
	if strings.Contains(out, "app:foo") || strings.Contains(out, "<title>") || !strings.Contains(out, "bb:y") {
		t.Errorf("after removals:\n%s", out)
	}
}

func TestMetadataElementNodeRejectsBadPrefix(t *testing.T) {
	_, err := metadataElementNode("<foo/>", "x y", "http://e.org/")
	if virterr.CodeOf(err) != virterr.InternalError || err.Error() != "internal error: failed to validate prefix for a new XML namespace" {
		t.Errorf("bad prefix: %v", err)
	}
	if _, err := metadataElementNode("<foo", "x", "http://e.org/"); err == nil {
		t.Error("malformed XML accepted")
	}
}
