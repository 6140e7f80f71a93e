package command

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

var update = flag.Bool("update", false, "rewrite the golden .args files")

// testCaps is a small QEMU 8.0-like capability set: enough for the core
// options, independent of the recorded corpus.
func testCaps() *caps.Caps {
	qc := caps.New("/usr/bin/qemu-system-x86_64")
	qc.Arch = "x86_64"
	qc.Set(caps.KVM, caps.TCG, caps.ObjectJSON, caps.DeviceJSON, caps.NetdevJSON,
		caps.SetAction, caps.SMPDies, caps.MachineHPET, caps.KVMPITTickPolicy, caps.CPUMigratable)
	for _, t := range []caps.VirtType{caps.VirtKVM, caps.VirtTCG} {
		a := qc.Accel(t)
		a.CPUModels = []caps.CPUModel{{Name: "qemu64", Type: "qemu64-x86_64-cpu"}}
		for _, m := range []string{"pc", "q35"} {
			a.Machines = append(a.Machines, caps.Machine{Name: m, DefaultCPU: "qemu64-x86_64-cpu", DefaultRAMid: "pc.ram", HotplugCpus: true, MaxCpus: 255})
		}
	}
	return qc
}

func buildFile(t testing.TB, path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	def, err := domain.Parse(data, domain.ParseInactive)
	if err != nil {
		return "", err
	}
	if err := def.PostParse(domain.PostParseOptions{}); err != nil {
		return "", err
	}
	cmd, err := Build(def, testCaps(), TestContext(def.Name))
	if err != nil {
		return "", err
	}
	return coreLines(cmd.String() + "\n"), nil
}

// coreLines drops the device options, which the device files own and test,
// so these goldens cover the core options only.
func coreLines(args string) string {
	var out []string
	for _, l := range strings.SplitAfter(args, "\n") {
		if strings.HasPrefix(l, "-usb ") || strings.HasPrefix(l, "-device ") || strings.HasPrefix(l, "-blockdev ") ||
			strings.HasPrefix(l, "-netdev ") || strings.HasPrefix(l, "-audiodev ") || strings.HasPrefix(l, "-vga ") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}

func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.xml")
	if len(inputs) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".xml")
		t.Run(name, func(t *testing.T) {
			got, err := buildFile(t, in)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".xml") + ".args"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(want) != got {
				t.Errorf("argv differs from %s:\n%s", golden, got)
			}
		})
	}
}

func TestPropsJSONKeepsOrderAndEscapes(t *testing.T) {
	p := NewProps().Str("driver", "ide-cd").Str("bus", "ide.1").Uint("unit", 0).
		StrOpt("serial", "").Tristate("share", "no").BoolTrue("x", false).
		Str("path", "/a/\"b\"\n").Arr("nodes", Array{0, 1, 2, 5}).
		Obj("server", NewProps().Str("type", "inet"))
	want := `{"driver":"ide-cd","bus":"ide.1","unit":0,"share":false,"path":"/a/\"b\"\n","nodes":[0,1,2,5],"server":{"type":"inet"}}`
	if got := p.JSON(); got != want {
		t.Errorf("JSON:\n got %s\nwant %s", got, want)
	}
}

func TestPropsKeyValue(t *testing.T) {
	p := ObjectProps("memory-backend-ram", "ram,0").Uint("size", 1024).Bool("share", true).
		Arr("host-nodes", Array{0, 1, 2, 5}).Obj("server", NewProps().Str("host", "h"))
	got, err := p.KeyValue("qom-type", ArrayBitmap)
	if err != nil {
		t.Fatal(err)
	}
	want := "id=ram,,0,size=1024,share=on,host-nodes=0-2,host-nodes=5,server.host=h"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, err := p.KeyValue("qom-type", ArrayNone); err == nil {
		t.Error("arrays without a style must be refused")
	}
}

func TestDomainShortName(t *testing.T) {
	if got := DomainShortName(-1, "SomeDummyHugepagesGuest"); got != "-1-SomeDummyHugepagesGu" {
		t.Errorf("got %q", got)
	}
}

// FuzzBuild checks that any definition the domain parser accepts builds
// (or is refused) without panicking. Output is not compared between runs:
// generated genids and variable clocks differ by design.
func FuzzBuild(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/*.xml")
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		build := func() (string, error) {
			def, err := domain.Parse(data, domain.ParseInactive)
			if err != nil {
				return "", err
			}
			if err := def.PostParse(domain.PostParseOptions{}); err != nil {
				return "", err
			}
			cmd, err := Build(def, testCaps(), TestContext(def.Name))
			if err != nil {
				return "", err
			}
			return cmd.String(), nil
		}
		if out, err := build(); err == nil && !strings.Contains(out, "-msg") && !strings.Contains(out, "-sandbox") {
			t.Fatalf("command line lacks its closing options:\n%s", out)
		}
	})
}

func BenchmarkBuild(b *testing.B) {
	data, err := os.ReadFile("testdata/core-features.xml")
	if err != nil {
		b.Fatal(err)
	}
	qc := testCaps()
	for i := 0; i < b.N; i++ {
		def, err := domain.Parse(data, domain.ParseInactive)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Build(def, qc, TestContext(def.Name)); err != nil {
			b.Fatal(err)
		}
	}
}
