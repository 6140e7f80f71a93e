package domain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDevicesGolden prints the <devices> of each testdata/devices/in
// document, after the device defaults, and compares it with
// testdata/devices/out (rewritten with -update).
func TestDevicesGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/devices/in/*.xml")
	if len(ins) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range ins {
		name := filepath.Base(in)
		t.Run(strings.TrimSuffix(name, ".xml"), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := formatDevicesOf(t, data, true)
			if err != nil {
				t.Fatal(err)
			}
			// interfaces without a MAC get a random one
			out := filepath.Join("testdata/devices/out", name)
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
			if string(want) != got {
				t.Errorf("mismatch:\n%s", firstDiff(string(want), got))
			}
		})
	}
}

// FuzzParseDevices checks that reading device XML never panics and that
// printing what was read is a fixed point.
func FuzzParseDevices(f *testing.F) {
	ins, _ := filepath.Glob("testdata/devices/in/*.xml")
	for _, in := range ins {
		data, _ := os.ReadFile(in)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out1, err := formatDevicesOf(t, data, false)
		if err != nil {
			return
		}
		doc := "<domain>" + out1 + "</domain>"
		out2, err := formatDevicesOf(t, []byte(doc), false)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out1)
		}
		if out1 != out2 {
			t.Fatalf("not a fixed point:\n%s\n%s", out1, out2)
		}
	})
}

// BenchmarkParseFormatLargeDomain parses and prints a domain with 100
// disks and 50 interfaces.
func BenchmarkParseFormatLargeDomain(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<domain type='kvm'><name>big</name><os><type arch='x86_64'>hvm</type></os><devices>\n")
	for i := 0; i < 100; i++ {
		dev := "vd" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		sb.WriteString("<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/><source file='/var/lib/img/" + dev + ".qcow2'/><target dev='" + dev + "' bus='virtio'/></disk>\n")
	}
	for i := 0; i < 50; i++ {
		sb.WriteString("<interface type='network'><mac address='52:54:00:00:01:" + string("0123456789abcdef"[i/16]) + string("0123456789abcdef"[i%16]) + "'/><source network='default'/><model type='virtio'/></interface>\n")
	}
	sb.WriteString("</devices></domain>\n")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := formatDevicesOf(b, data, true); err != nil {
			b.Fatal(err)
		}
	}
}
