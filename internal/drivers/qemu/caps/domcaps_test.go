package caps

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/govirt/govirt/internal/conf/domaincaps"
	"github.com/govirt/govirt/internal/drivers/qemu/firmware"
)

// testHost is a host with VFIO, swtpm for TPM 2.0, one UEFI firmware
// requiring SMM and no kernel vCPU limit.
func testHost() DomainCapsHost {
	return DomainCapsHost{
		VFIO:        true,
		TPMVersions: []string{"2.0"},
		Firmwares: []*firmware.Descriptor{{
			Interfaces: []string{"uefi"},
			Device:     "flash",
			Mode:       firmware.ModeSplit,
			Executable: firmware.File{Filename: "/usr/share/OVMF/OVMF_CODE.secboot.fd", Format: "raw"},
			NVRAMTemplate: firmware.File{
				Filename: "/usr/share/OVMF/OVMF_VARS.secboot.fd", Format: "raw",
			},
			Targets:  []Target{{Arch: "x86_64", Machines: []string{"pc-q35-*"}}},
			Features: []string{"requires-smm", "secure-boot"},
		}},
	}
}

// Target keeps the descriptor literal above short.
type Target = firmware.Target

func TestDomainCapsGolden(t *testing.T) {
	c, err := LoadFile(filepath.Join("testdata", "small.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, virtType, machine string }{
		{"kvm-pc", "kvm", "pc-i440fx-7.2"},
		{"kvm-q35", "kvm", "pc-q35-7.2"},
		{"tcg-pc", "qemu", "pc-i440fx-7.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dc, err := c.DomainCaps(tc.virtType, tc.machine, "x86_64", testHost())
			if err != nil {
				t.Fatal(err)
			}
			got := dc.Format()
			golden := filepath.Join("testdata", "domcaps", tc.name+".xml")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n%s", tc.name, golden, got)
			}
			// The document reads back to itself.
			back, err := domaincaps.Parse([]byte(got))
			if err != nil {
				t.Fatal(err)
			}
			if again := back.Format(); again != got {
				t.Errorf("format∘parse is not a fixed point:\n%s", again)
			}
		})
	}
}

func TestDomainCapsUnknownHostCPU(t *testing.T) {
	c := New("/usr/bin/qemu-system-s390x")
	c.Arch = "s390x"
	dc, err := c.DomainCaps("kvm", "s390-ccw-virtio", "s390x", DomainCapsHost{})
	if err != nil {
		t.Fatal(err)
	}
	if m := dc.CPU.Mode("host-model"); m == nil || m.Supported != "no" {
		t.Errorf("host-model without a host CPU: %+v", m)
	}
	if dc.MaxVCPUs != 0 {
		t.Errorf("vcpu max of an unknown machine: %d", dc.MaxVCPUs)
	}
}

func BenchmarkDomainCaps(b *testing.B) {
	c, err := LoadFile(filepath.Join("testdata", "small.xml"))
	if err != nil {
		b.Fatal(err)
	}
	host := testHost()
	for b.Loop() {
		dc, err := c.DomainCaps("kvm", "pc-q35-7.2", "x86_64", host)
		if err != nil {
			b.Fatal(err)
		}
		_ = dc.Format()
	}
}
