package encryption

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

var update = flag.Bool("update", false, "rewrite the golden .out files in testdata")

// render is what a golden file holds for one input: the formatted element,
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

func TestFormatIsFixedPoint(t *testing.T) {
	ins, _ := filepath.Glob("testdata/*.xml")
	for _, in := range ins {
		data, _ := os.ReadFile(in)
		d, err := Parse(data)
		if err != nil {
			continue
		}
		once := d.Format()
		d2, err := Parse([]byte(once))
		if err != nil {
			t.Fatalf("%s: re-parse: %v", in, err)
		}
		if twice := d2.Format(); twice != once {
			t.Fatalf("%s: not a fixed point:\n%s\n%s", in, once, twice)
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
