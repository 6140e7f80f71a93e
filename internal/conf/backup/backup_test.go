package backup

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
			internal := strings.HasPrefix(filepath.Base(f), "internal")
			var pf ParseFlags
			if internal {
				pf = ParseInternal
			}
			def, err := Parse(in, pf)
			if err != nil {
				t.Fatal(err)
			}
			if !internal {
				dom := []DomainDisk{
					{Target: "vda", Type: "file", Path: "/img/vda.qcow2"},
					{Target: "vdb", Type: "file", Path: "/img/vdb.qcow2"},
					{Target: "hdc", Type: "file"},
				}
				if err := def.AlignDisks(dom, "1700000000"); err != nil {
					t.Fatal(err)
				}
			}
			got := def.Format(internal)
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

func TestAlignAll(t *testing.T) {
	def, err := Parse([]byte(`<domainbackup/>`), 0)
	if err != nil {
		t.Fatal(err)
	}
	dom := []DomainDisk{
		{Target: "vda", Type: "file", Path: "/img/vda.qcow2"},
		{Target: "vdb", Type: "block", Path: "/dev/sdb", ReadOnly: true},
		{Target: "hdc", Type: "file"},
	}
	if err := def.AlignDisks(dom, "X"); err != nil {
		t.Fatal(err)
	}
	want := `<domainbackup mode='push'>
  <disks>
    <disk name='vda' backup='yes' type='file' backupmode='full'>
      <target file='/img/vda.qcow2.X'/>
    </disk>
    <disk name='vdb' backup='no'/>
    <disk name='hdc' backup='no'/>
  </disks>
</domainbackup>
`
	if got := def.Format(false); got != want {
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
		{"bad mode", `<domainbackup mode='sideways'/>`, 0, virterr.ConfigUnsupported},
		{"server in push", `<domainbackup><server name='h'/></domainbackup>`, 0, virterr.ConfigUnsupported},
		{"rdma server", `<domainbackup mode='pull'><server transport='rdma' name='h'/></domainbackup>`, 0, virterr.ConfigUnsupported},
		{"relative socket", `<domainbackup mode='pull'><server transport='unix' socket='x.sock'/></domainbackup>`, 0, virterr.XMLError},
		{"disk without name", `<domainbackup><disks><disk/></disks></domainbackup>`, 0, virterr.XMLError},
		{"network disk", `<domainbackup><disks><disk name='vda' type='network'/></disks></domainbackup>`, 0, virterr.XMLError},
		{"internal without state", `<domainbackup><disks><disk name='vda'/></disks></domainbackup>`, ParseInternal, virterr.XMLError},
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

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, internal := range []bool{false, true} {
			var pf ParseFlags
			if internal {
				pf = ParseInternal
			}
			def, err := Parse(data, pf)
			if err != nil {
				continue
			}
			out := def.Format(internal)
			def2, err := Parse([]byte(out), pf)
			if err != nil && internal {
				// libvirt reads an empty state='' as "none" and then
				// leaves it out, which its own status parser rejects.
				continue
			}
			if err != nil {
				t.Fatalf("formatted output does not parse: %v\n%s", err, out)
			}
			if out2 := def2.Format(internal); out2 != out {
				t.Fatalf("format∘parse is not a fixed point:\n%s\n---\n%s", out, out2)
			}
		}
	})
}
