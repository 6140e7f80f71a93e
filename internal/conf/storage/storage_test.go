package storage

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

var update = flag.Bool("update", false, "rewrite the golden .out files in testdata")

func errLine(stage string, err error) string {
	return stage + " error: " + virterr.CodeOf(err).String() + ": " + err.Error() + "\n"
}

// renderPool is what a pool golden file holds: the parse or validation
// error with its libvirt code, or the formatted pool after defaults.
func renderPool(data []byte) string {
	p, err := ParsePool(data)
	if err != nil {
		return errLine("parse", err)
	}
	p.SetDefaults()
	if err := p.Validate(); err != nil {
		return errLine("validate", err)
	}
	return p.Format()
}

// renderVolume does the same for a volume of a pool of the given type.
func renderVolume(data []byte, poolType string) string {
	v, err := ParseVolume(data, &PoolDef{Type: poolType}, 0)
	if err != nil {
		return errLine("parse", err)
	}
	v.SetDefaults()
	if err := v.Validate(); err != nil {
		return errLine("validate", err)
	}
	return v.Format()
}

// render dispatches on the file name: pool-*.xml is a pool,
// vol.<pool type>.<case>.xml a volume of a pool of that type.
func render(name string, data []byte) string {
	if rest, ok := strings.CutPrefix(name, "vol."); ok {
		poolType, _, _ := strings.Cut(rest, ".")
		return renderVolume(data, poolType)
	}
	return renderPool(data)
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
			got := render(filepath.Base(in), data)
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

func TestSanitizePath(t *testing.T) {
	for in, want := range map[string]string{
		"//":                   "//",
		"///":                  "/",
		"/../foo":              "/../foo",
		"/foo///bar/":          "/foo/bar",
		"//srv//nfs/":          "//srv/nfs",
		"gluster://h//v":       "gluster://h//v",
		"relative//path/":      "relative/path",
		"/":                    "/",
		"///var/////lib/x//":   "/var/lib/x",
		"host:/export//dir///": "host:/export/dir",
	} {
		if got := sanitizePath(in); got != want {
			t.Errorf("sanitizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestXPathInteger(t *testing.T) {
	for in, want := range map[string]int64{"0744": 744, " 5 ": 5, "-1": -1, "2.0": 2} {
		if got, ok := xpathInteger(in); !ok || got != want {
			t.Errorf("xpathInteger(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "1.5", "+1", "1e3", "abc", "-", "."} {
		if _, ok := xpathInteger(in); ok {
			t.Errorf("xpathInteger(%q) accepted", in)
		}
	}
}

// fixedPoint checks that formatting what was parsed, parsing that and
// formatting again changes nothing.
func fixedPoint(t *testing.T, data []byte) {
	p, err := ParsePool(data)
	if err == nil {
		once := p.Format()
		p2, err := ParsePool([]byte(once))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", once, err)
		}
		if twice := p2.Format(); twice != once {
			t.Fatalf("pool not a fixed point:\n%s\n%s", once, twice)
		}
	}
	for _, poolType := range []string{PoolDir, PoolDisk, PoolLogical} {
		v, err := ParseVolume(data, &PoolDef{Type: poolType}, VolParseNoCapacity)
		if err != nil {
			continue
		}
		once := v.Format()
		v2, err := ParseVolume([]byte(once), &PoolDef{Type: poolType}, VolParseNoCapacity)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", once, err)
		}
		if twice := v2.Format(); twice != once {
			t.Fatalf("volume not a fixed point:\n%s\n%s", once, twice)
		}
	}
}

func TestFormatIsFixedPoint(t *testing.T) {
	ins, _ := filepath.Glob("testdata/*.xml")
	for _, in := range ins {
		data, _ := os.ReadFile(in)
		fixedPoint(t, data)
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
		fixedPoint(t, data)
		if p, err := ParsePool(data); err == nil {
			p.SetDefaults()
			_ = p.Validate()
			_ = p.Format()
		}
	})
}

func TestSourceList(t *testing.T) {
	src, err := ParsePoolSource([]byte("<source><host name='nfs.example.com'/><dir path='/export//a/'/><format type='nfs'/></source>"), PoolNetFS)
	if err != nil {
		t.Fatal(err)
	}
	got := FormatSourceList(PoolNetFS, []PoolSource{*src})
	want := "<sources>\n  <source>\n    <host name='nfs.example.com'/>\n    <dir path='/export/a'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func BenchmarkPoolRoundTrip(b *testing.B) {
	data, err := os.ReadFile("testdata/pool-netfs-edge.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := ParsePool(data)
		if err != nil {
			b.Fatal(err)
		}
		_ = p.Format()
	}
}
