package domain

import (
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// virDomainDefOSValidate's firmware checks, in libvirt's order and
// wording.
func TestOSFirmwareValidate(t *testing.T) {
	const head = `<domain type='qemu'><name>a</name><memory>1024</memory><os`
	for _, tc := range []struct {
		name, os, want string
	}{
		{"features without autoselection", `><type>hvm</type><loader readonly='yes' type='pflash'>/c.fd</loader><firmware><feature enabled='no' name='enrolled-keys'/></firmware>`,
			"cannot use feature-based firmware autoselection when firmware autoselection is disabled"},
		{"bios keeping state", ` firmware='bios'><type>hvm</type><loader stateless='no'/>`,
			"Only EFI firmware permits NVRAM"},
		{"rom keeping state", `><type>hvm</type><loader stateless='no'>/bios.bin</loader>`,
			"Only pflash loader type permits NVRAM"},
		{"bios nvram before stateless", ` firmware='bios'><type>hvm</type><loader stateless='no'/><nvram>/n</nvram>`,
			"firmware type 'bios' does not support nvram"},
		{"efi keeping state", ` firmware='efi'><type>hvm</type><loader stateless='no'/>`, ""},
		{"pflash keeping state", `><type>hvm</type><loader stateless='no' type='pflash'>/c.fd</loader>`, ""},
		{"efi features", ` firmware='efi'><type>hvm</type><firmware><feature enabled='no' name='enrolled-keys'/></firmware>`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := roundTrip(t, []byte(head+tc.os+`</os></domain>`), 0, 0)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("expected an error")
			}
			if c := virterr.CodeOf(err); c != virterr.XMLDetail {
				t.Errorf("code %v, want XMLDetail", c)
			}
			if err.Error() != tc.want {
				t.Errorf("got %q, want %q", err.Error(), tc.want)
			}
		})
	}
}

// Features without <os firmware> survive a parse (Validate refuses them
// at define, a reload keeps them).
func TestFirmwareFeaturesKeptWithoutAutoselection(t *testing.T) {
	d, err := Parse([]byte(`<domain type='qemu'><name>a</name><memory>1024</memory><os><type>hvm</type><firmware><feature enabled='yes' name='secure-boot'/></firmware></os></domain>`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.OS.FirmwareFeatures["secure-boot"] != "yes" {
		t.Errorf("features %v", d.OS.FirmwareFeatures)
	}
}
