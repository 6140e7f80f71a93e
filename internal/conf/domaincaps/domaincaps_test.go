package domaincaps

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.xml") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Format()
			golden := strings.TrimSuffix(f, ".xml") + ".golden.xml"
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
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestCorpus round-trips libvirt's own domain capabilities documents when the
// shared corpus is present.
func TestCorpus(t *testing.T) {
	var files []string
	for _, d := range []string{"domaincapsdata"} {
		fs, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "libvirt-tests", d, "*.xml"))
		files = append(files, fs...)
	}
	if len(files) == 0 {
		t.Skip("no corpus")
	}
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(in)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := c.Format(); got != string(in) {
			t.Errorf("%s: round trip differs", f)
		}
	}
}

func TestBuild(t *testing.T) {
	c := &Caps{Path: "/bin/emulatorbin", Domain: "kvm", Arch: "x86_64",
		CPU:      &CPU{Modes: []*CPUMode{{Name: "host-passthrough", Supported: "no"}}},
		Devices:  []*Block{{Name: "disk", Supported: "yes", Enums: []Enum{{Name: "bus"}}}},
		Features: []*Block{{Name: "genid", Supported: "yes", Simple: true}, {Name: "sev", Supported: "no"}},
	}
	want := `<domainCapabilities>
  <path>/bin/emulatorbin</path>
  <domain>kvm</domain>
  <arch>x86_64</arch>
  <cpu>
    <mode name='host-passthrough' supported='no'/>
  </cpu>
  <devices>
    <disk supported='yes'>
      <enum name='bus'/>
    </disk>
  </devices>
  <features>
    <genid supported='yes'/>
    <sev supported='no'/>
  </features>
</domainCapabilities>
`
	if got := c.Format(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestErrors(t *testing.T) {
	for _, doc := range []string{
		`<domainCapabilities><vcpu max='many'/></domainCapabilities>`,
		`<capabilities/>`,
		`<domainCapabilities>`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		out := c.Format()
		c2, err := Parse([]byte(out))
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\n%s", err, out)
		}
		if out2 := c2.Format(); out2 != out {
			t.Fatalf("format∘parse is not a fixed point:\n%s\n---\n%s", out, out2)
		}
	})
}

func BenchmarkRoundTrip(b *testing.B) {
	in, err := os.ReadFile("testdata/small.xml")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		c, err := Parse(in)
		if err != nil {
			b.Fatal(err)
		}
		_ = c.Format()
	}
}
