package cpumap

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMapBuilds(t *testing.T) {
	m, err := getX86Map()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.models) != len(x86Models) || len(m.features) != len(x86Features) {
		t.Fatalf("map has %d models, %d features", len(m.models), len(m.features))
	}
	if X86ModelVendor("EPYC") != "AMD" || X86ModelVendor("qemu64") != "" {
		t.Error("model vendors")
	}
	if X86FeatureAlias("ds-cpl", "qemu") != "ds_cpl" || !X86FeatureKnown("avx512f") {
		t.Error("feature aliases")
	}
}

// TestFormatParse: each testdata definition formats back to itself.
func TestFormatParse(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(data, Auto)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if got := c.Format(); got != string(data) {
			t.Errorf("%s:\n got %s\nwant %s", f, got, data)
		}
	}
}

func TestDecodeSignatureAndVendor(t *testing.T) {
	d := X86Data{}
	if err := d.SetVendor("GenuineIntel"); err != nil {
		t.Fatal(err)
	}
	d.SetSignature(6, 94, 3)
	m, _ := getX86Map()
	for _, name := range []string{"fpu", "sse", "sse2", "lm"} {
		d.add(m.feature(name).data)
	}
	cpu := NewGuest()
	if err := X86Decode(cpu, d, nil, ""); err != nil {
		t.Fatal(err)
	}
	if cpu.Vendor != "Intel" || cpu.SigFamily != 6 || cpu.SigModel != 94 || cpu.SigStepping != 3 {
		t.Errorf("decoded %+v", cpu)
	}
	if f, mo, s := d.Signature(); f != 6 || mo != 94 || s != 3 {
		t.Errorf("signature %d %d %d", f, mo, s)
	}
	back, err := ParseX86Data([]byte(d.Format()))
	if err != nil || !back.equalBits(d) {
		t.Errorf("cpudata round trip: %v", err)
	}
}

func TestCompareErrors(t *testing.T) {
	host, _ := Parse([]byte("<cpu><arch>x86_64</arch><model>Penryn</model><vendor>Intel</vendor></cpu>"), Auto)
	guest, _ := Parse([]byte("<cpu match='strict'><model>Penryn</model><feature name='avx512f'/></cpu>"), Auto)
	if r, err := Compare("x86_64", host, guest, true); r != CompareError || err == nil {
		t.Errorf("got %v, %v", r, err)
	}
	if _, err := Compare("", host, guest, false); err == nil {
		t.Error("no architecture accepted")
	}
}

// FuzzParse: no definition makes parsing, formatting or the CPU driver
// panic, and format∘parse is a fixed point.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, Auto)
		if err != nil {
			return
		}
		out := c.Format()
		c2, err := Parse([]byte(out), Auto)
		if err != nil {
			return
		}
		if out2 := c2.Format(); out2 != out {
			t.Fatalf("not a fixed point:\n%s\n%s", out, out2)
		}
		host := c.Copy()
		host.Type = Host
		_, _ = Compare("x86_64", host, c, true)
		_, _ = Baseline("x86_64", []*CPU{host, host}, nil, nil, false)
		_ = ExpandFeatures("x86_64", c.Copy())
		_ = Update("x86_64", c.Copy(), host)
	})
}
