package secret

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

var update = flag.Bool("update", false, "rewrite the golden .out files in testdata")

// render is what a golden file holds for one input: the formatted document
// or the parse error with its libvirt code, then the validation verdict.
func render(data []byte) string {
	d, err := Parse(data)
	if err != nil {
		return "parse error: " + virterr.CodeOf(err).String() + ": " + err.Error() + "\n"
	}
	out := d.Format()
	if err := d.Validate(); err != nil {
		out += "validate error: " + virterr.CodeOf(err).String() + ": " + err.Error() + "\n"
	}
	return out
}

func TestGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/*.xml")
	if len(ins) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := render(data)
			golden := strings.TrimSuffix(in, ".xml") + ".out"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Fatalf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestDefaultsGenerateUUID(t *testing.T) {
	d, err := Parse([]byte("<secret><usage type='ceph'><name>c</name></usage></secret>"))
	if err != nil {
		t.Fatal(err)
	}
	if d.HasUUID {
		t.Fatal("parse must not invent a UUID")
	}
	d.SetDefaults()
	if !d.HasUUID || d.UUID.IsZero() {
		t.Fatal("defaults must generate a UUID")
	}
}

func TestLookup(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"<secret type='ceph' uuid='f52a81b2424e490c823d6bd4235bc57b'/>", "<secret type='ceph' uuid='f52a81b2-424e-490c-823d-6bd4235bc57b'/>\n"},
		{"<secret type='iscsi' usage='a&apos;b'/>", "<secret type='iscsi' usage='a&apos;b'/>\n"},
		{"<secret uuid='nope'/>", "error: XML error: invalid secret uuid 'nope'"},
		{"<secret/>", "error: XML error: missing secret uuid or usage attribute"},
	} {
		n, err := xmltree.Parse([]byte(c.in), "t")
		if err != nil {
			t.Fatal(err)
		}
		l, err := ParseLookup(n)
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			b := xmlbuf.New()
			FormatLookup(b, n.Prop("type"), l)
			got = b.String()
		}
		if got != c.out {
			t.Errorf("%s: got %q want %q", c.in, got, c.out)
		}
	}
}

func FuzzParse(f *testing.F) {
	ins, _ := filepath.Glob("testdata/*.xml")
	for _, in := range ins {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		once := d.Format()
		d2, err := Parse([]byte(once))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", once, err)
		}
		if twice := d2.Format(); twice != once {
			t.Fatalf("not a fixed point: %q vs %q", once, twice)
		}
	})
}
