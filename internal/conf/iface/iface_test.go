package iface

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.out.xml from the current output")

// TestGolden parses each testdata/NAME.in.xml and compares the output with
// NAME.out.xml. The expected files were first produced by libvirt 9.0
// itself (virsh's test driver, iface-dumpxml).
func TestGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/*.in.xml")
	if len(ins) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.xml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			def, err := Parse(data)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if err := def.Validate(); err != nil {
				t.Fatalf("validate: %v", err)
			}
			got := def.Format()
			out := strings.TrimSuffix(in, ".in.xml") + ".out.xml"
			if *update {
				if err := os.WriteFile(out, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}

// TestErrors checks libvirt's codes and wording, as libvirt 9.0 reports
// them for the same documents.
func TestErrors(t *testing.T) {
	cases := []struct {
		name, xml string
		msg       string
		validate  bool
	}{
		{"no type", "<interface name='e'/>", "XML error: Missing required attribute 'type' in element 'interface'", false},
		{"bad type", "<interface type='wifi' name='e'/>", "XML error: Invalid value for attribute 'type' in element 'interface': 'wifi'.", false},
		{"no name", "<interface type='ethernet'/>", "XML error: interface has no name", false},
		{"nested bond", "<interface type='bond' name='e'><bond><interface type='bond' name='x'><bond/></interface></bond></interface>", "XML error: interface has unsupported type 'bond'", false},
		{"no family", "<interface type='ethernet' name='e'><protocol/></interface>", "XML error: protocol misses the family attribute", false},
		{"prefix", "<interface type='ethernet' name='e'><protocol family='ipv4'><ip address='1.1.1.1' prefix='x'/></protocol></interface>", "XML error: Invalid value for attribute 'prefix' in element 'ip': 'x'. Expected integer value", false},
		{"link speed", "<interface type='ethernet' name='e'><link speed='-1'/></interface>", "XML error: Invalid value for attribute 'speed' in element 'link': '-1'. Expected non-negative integer value", false},
		{"no bridge", "<interface type='bridge' name='e'/>", "XML error: bridge interface misses the bridge element", false},
		{"arp target", "<interface type='bond' name='e'><bond><arpmon interval='5'/></bond></interface>", "XML error: bond interface arpmon target missing", false},
		{"mii freq", "<interface type='bond' name='e'><bond><miimon freq='x'/></bond></interface>", "XML error: bond interface miimon freq missing or invalid", false},
		{"vlan tag", "<interface type='vlan' name='e'><vlan tag=''><interface name='x'/></vlan></interface>", "XML error: vlan interface misses the tag attribute", false},
		{"vlan dev", "<interface type='vlan' name='e'><vlan tag='1'><interface/></vlan></interface>", "XML error: vlan interface misses name attribute", false},
		{"start mode", "<interface type='ethernet' name='e'><start mode='bogus'/></interface>", "XML error: unknown interface startmode bogus", true},
		{"mtu", "<interface type='ethernet' name='e'><mtu size='100001'/></interface>", "XML error: value of the 'size' attribute of 'mtu' element must be at most 100000", true},
		{"family", "<interface type='ethernet' name='e'><protocol family='ipx'/></interface>", "XML error: unsupported protocol family 'ipx'", true},
		{"peerdns", "<interface type='ethernet' name='e'><protocol family='ipv4'><dhcp peerdns='maybe'/></protocol></interface>", "XML error: Invalid value for attribute 'peerdns' in element 'dhcp': 'maybe'.", true},
		{"link state", "<interface type='ethernet' name='e'><link state='sideways'/></interface>", "XML error: Invalid value for attribute 'state' in element 'link': 'sideways'.", true},
		{"bond mode", "<interface type='bond' name='e'><bond mode='weird'/></interface>", "XML error: unknown bonding mode weird", true},
		{"arp validate", "<interface type='bond' name='e'><bond><arpmon interval='5' target='1.1.1.1' validate='x'/></bond></interface>", "XML error: unknown arp bonding validate x", true},
		{"mii carrier", "<interface type='bond' name='e'><bond><miimon freq=' 5' carrier='y'/></bond></interface>", "XML error: unknown mii bonding carrier y", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def, err := Parse([]byte(c.xml))
			if c.validate {
				if err != nil {
					t.Fatalf("parse rejected what only Validate should: %v", err)
				}
				err = def.Validate()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, virterr.XMLError) {
				t.Errorf("code %v, want XMLError", virterr.CodeOf(err))
			}
			if err.Error() != c.msg {
				t.Errorf("message %q, want %q", err.Error(), c.msg)
			}
		})
	}
}

const corpus = "../../../../shared/libvirt-tests"

// TestCorpusSchema checks that Format's output for libvirt's own inputs
// validates against libvirt's interface.rng.
func TestCorpusSchema(t *testing.T) {
	ins, _ := filepath.Glob(filepath.Join(corpus, "interfaceschemadata", "*.xml"))
	if len(ins) == 0 {
		t.Skip("corpus not available")
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed")
	}
	dir := t.TempDir()
	var outs []string
	for _, in := range ins {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		def, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		out := filepath.Join(dir, filepath.Base(in))
		if err := os.WriteFile(out, []byte(def.Format()), 0o644); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	args := append([]string{"--noout", "--relaxng", filepath.Join(corpus, "schemas", "interface.rng")}, outs...)
	if out, err := exec.Command("xmllint", args...).CombinedOutput(); err != nil {
		t.Errorf("schema validation failed: %v\n%s", err, out)
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
		def, err := Parse(data)
		if err != nil {
			return
		}
		_ = def.Validate()
		out := def.Format()
		again, err := Parse([]byte(out))
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if got := again.Format(); got != out {
			t.Fatalf("format is not a fixed point:\n%s\n---\n%s", out, got)
		}
	})
}
