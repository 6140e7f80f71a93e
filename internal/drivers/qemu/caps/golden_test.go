package caps

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestGolden round-trips the package's own cache documents: testdata/x.xml
// must format back to testdata/x.out.xml (or to itself without one).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, f := range files {
		if filepath.Ext(f[:len(f)-4]) == ".out" {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Format()
			want := data
			out := f[:len(f)-4] + ".out.xml"
			if *update && got != string(data) {
				if err := os.WriteFile(out, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if o, err := os.ReadFile(out); err == nil {
				want = o
			}
			if got != string(want) {
				t.Errorf("format differs:\n%s", firstDiff(string(want), got))
			}
			if c.CanonicalMachine(VirtKVM, "q35") != "pc-q35-7.2" || c.DefaultMachine(VirtKVM) != "pc-i440fx-7.2" {
				return
			}
			if m := c.CPUModel(VirtKVM, "EPYC"); m == nil || m.Blockers[0] != "perfctr_core" {
				t.Errorf("blocker not in libvirt's spelling: %+v", m)
			}
			if c.MachineDefaultCPU(VirtKVM, "pc-i440fx-7.2") != "qemu64" {
				t.Error("default CPU model not resolved")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		first := c.Format()
		c2, err := Parse([]byte(first))
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\n%s", err, first)
		}
		if second := c2.Format(); second != first {
			t.Fatalf("format is not a fixed point:\n%s\n---\n%s", first, second)
		}
	})
}
