package snapshot

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

// caseFlags picks how a testdata file is read from its name.
func caseFlags(name string) ParseFlags {
	if strings.HasPrefix(name, "redefine") {
		return ParseRedefine | ParseInternal
	}
	return ParseDisks
}

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
			pf := caseFlags(filepath.Base(f))
			def, err := Parse(in, pf)
			if err != nil {
				t.Fatal(err)
			}
			opts := FormatOptions{Flags: FormatSecure}
			if pf&ParseInternal != 0 {
				opts.Flags |= FormatInternal
				if def.Current {
					opts.Flags |= FormatCurrent
				}
			} else {
				def.PostParse(1700000000)
			}
			got := def.Format(opts)
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

func TestErrors(t *testing.T) {
	cases := []struct {
		name  string
		xml   string
		flags ParseFlags
		code  virterr.Code
	}{
		{"redefine without name", `<domainsnapshot><state>running</state><creationTime>1</creationTime></domainsnapshot>`, ParseRedefine, virterr.XMLError},
		{"redefine without time", `<domainsnapshot><name>a</name><state>running</state></domainsnapshot>`, ParseRedefine, virterr.InternalError},
		{"redefine without state", `<domainsnapshot><name>a</name><creationTime>1</creationTime></domainsnapshot>`, ParseRedefine, virterr.XMLError},
		{"disk without name", `<domainsnapshot><disks><disk/></disks></domainsnapshot>`, 0, virterr.InternalError},
		{"relative disk path", `<domainsnapshot><disks><disk name='vda'><source file='rel.img'/></disk></disks></domainsnapshot>`, 0, virterr.XMLError},
		{"dir disk", `<domainsnapshot><disks><disk name='vda' type='dir'/></disks></domainsnapshot>`, 0, virterr.XMLError},
		{"manual memory", `<domainsnapshot><memory snapshot='manual'/></domainsnapshot>`, 0, virterr.XMLError},
		{"file needs external", `<domainsnapshot><memory snapshot='internal' file='/a'/></domainsnapshot>`, 0, virterr.XMLError},
		{"external needs file", `<domainsnapshot><memory snapshot='external'/></domainsnapshot>`, 0, virterr.XMLError},
		{"offline memory", `<domainsnapshot><name>a</name><state>shutoff</state><creationTime>1</creationTime><memory snapshot='internal'/></domainsnapshot>`, ParseRedefine, virterr.XMLError},
		{"internal without active", `<domainsnapshot/>`, ParseInternal, virterr.InternalError},
		{"schema: startupPolicy", `<domainsnapshot><disks><disk name='vda'><source file='/a' startupPolicy='optional'/></disk></disks></domainsnapshot>`, ParseValidate, virterr.XMLInvalidSchema},
		{"schema: network seclabel", `<domainsnapshot><disks><disk name='vda' type='network'><source protocol='nbd' name='x'><seclabel model='dac'/></source></disk></disks></domainsnapshot>`, ParseValidate, virterr.XMLInvalidSchema},
		{"wrong root", `<domain/>`, 0, virterr.XMLError},
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
}

func TestValidate(t *testing.T) {
	def, err := Parse([]byte(`<domainsnapshot><disks><disk name='vda'><driver type='bogus'/></disk></disks></domainsnapshot>`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if def.Validate() == nil {
		t.Error("unknown driver type accepted by Validate")
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
		def, err := Parse(data, ParseDisks)
		if err != nil {
			return
		}
		out := def.Format(FormatOptions{})
		def2, err := Parse([]byte(out), ParseDisks)
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\n%s", err, out)
		}
		if out2 := def2.Format(FormatOptions{}); out2 != out {
			t.Fatalf("format∘parse is not a fixed point:\n%s\n---\n%s", out, out2)
		}
	})
}

func TestAlignDisks(t *testing.T) {
	def, err := Parse([]byte(`<domainsnapshot><name>s1</name><disks>
  <disk name='vdb' snapshot='external'/>
  <disk name='/img/a.qcow2' snapshot='internal'/>
</disks></domainsnapshot>`), 0)
	if err != nil {
		t.Fatal(err)
	}
	dom := []DomainDisk{
		{Target: "vda", Type: "file", Path: "/img/a.qcow2"},
		{Target: "vdb", Type: "file", Path: "/img/b.img"},
		{Target: "hdc", Type: "file"},
		{Target: "vdd", Type: "block", Path: "/dev/sdd", Snapshot: "no"},
	}
	if err := def.AlignDisks(dom, AlignOptions{Default: LocationInternal}); err != nil {
		t.Fatal(err)
	}
	want := `<domainsnapshot>
  <name>s1</name>
  <disks>
    <disk name='vda' snapshot='internal'/>
    <disk name='vdb' snapshot='external' type='file'>
      <source file='/img/b.s1'/>
    </disk>
    <disk name='hdc' snapshot='no'/>
    <disk name='vdd' snapshot='no'/>
  </disks>
</domainsnapshot>
`
	if got := def.Format(FormatOptions{}); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	def, _ = Parse([]byte(`<domainsnapshot><disks><disk name='vda' snapshot='external'/></disks></domainsnapshot>`), 0)
	err = def.AlignDisks([]DomainDisk{{Target: "vda", Type: "file", Path: "/img/a"}, {Target: "vdb", Type: "file", Path: "/img/b"}},
		AlignOptions{Default: LocationInternal, UniformInternal: true})
	if virterr.CodeOf(err) != virterr.ConfigUnsupported {
		t.Errorf("uniform internal snapshot accepted an external disk: %v", err)
	}
}
