package checkpoint

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
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
			var pf ParseFlags
			if strings.HasPrefix(filepath.Base(f), "redefine") {
				pf = ParseRedefine
			}
			def, err := Parse(in, pf)
			if err != nil {
				t.Fatal(err)
			}
			if pf&ParseRedefine == 0 {
				def.PostParse(1700000000)
				err := def.AlignDisks([]DomainDisk{
					{Target: "vda", Path: "/img/a.qcow2"},
					{Target: "vdb", Path: "/img/b.qcow2"},
					{Target: "sda", Path: "/img/c.qcow2"},
					{Target: "hdc", ReadOnly: true, Path: "/iso/x.iso"},
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			got := def.Format(FormatSecure | FormatSize)
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

func TestAlignDefaults(t *testing.T) {
	def, err := Parse([]byte(`<domaincheckpoint><name>c1</name></domaincheckpoint>`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := def.AlignDisks([]DomainDisk{{Target: "vda", Path: "/a"}, {Target: "hdc", Empty: true}}); err != nil {
		t.Fatal(err)
	}
	want := "<domaincheckpoint>\n  <name>c1</name>\n  <disks>\n    <disk name='vda' checkpoint='bitmap' bitmap='c1'/>\n    <disk name='hdc' checkpoint='no'/>\n  </disks>\n</domaincheckpoint>\n"
	if got := def.Format(0); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name  string
		xml   string
		flags ParseFlags
		code  virterr.Code
	}{
		{"disk without name", `<domaincheckpoint><disks><disk/></disks></domaincheckpoint>`, 0, virterr.XMLInvalidSchema},
		{"name with slash", `<domaincheckpoint><name>../x</name></domaincheckpoint>`, 0, virterr.XMLInvalidSchema},
		{"unknown element", `<domaincheckpoint><active>1</active></domaincheckpoint>`, 0, virterr.XMLInvalidSchema},
		{"bitmap on no", `<domaincheckpoint><disks><disk name='vda' checkpoint='no' bitmap='x'/></disks></domaincheckpoint>`, 0, virterr.XMLInvalidSchema},
		{"redefine without name", `<domaincheckpoint><creationTime>1</creationTime></domaincheckpoint>`, ParseRedefine, virterr.XMLError},
		{"redefine without time", `<domaincheckpoint><name>a</name></domaincheckpoint>`, ParseRedefine, virterr.InternalError},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.xml), c.flags)
		var ve *virterr.Error
		if !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want a virterr", c.name, err)
			continue
		}
		if ve.Code != c.code {
			t.Errorf("%s: code %v, want %v (%v)", c.name, ve.Code, c.code, err)
		}
	}
	def, _ := Parse([]byte(`<domaincheckpoint><disks><disk name='vdz'/></disks></domaincheckpoint>`), 0)
	if err := def.AlignDisks([]DomainDisk{{Target: "vda"}}); virterr.CodeOf(err) != virterr.ConfigUnsupported {
		t.Errorf("unknown disk: %v", err)
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
		def, err := Parse(data, 0)
		if err != nil {
			return
		}
		out := def.Format(0)
		def2, err := Parse([]byte(out), 0)
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\n%s", err, out)
		}
		if out2 := def2.Format(0); out2 != out {
			t.Fatalf("format∘parse is not a fixed point:\n%s\n---\n%s", out, out2)
		}
	})
}
