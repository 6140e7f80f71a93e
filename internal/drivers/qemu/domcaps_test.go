package qemu

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/govirt/govirt/internal/conf/domaincaps"
	"github.com/govirt/govirt/virt/virterr"
)

func strp(s string) *string { return &s }

func TestDomainCapabilitiesArgumentErrors(t *testing.T) {
	c := &conn{d: &Driver{Emulator: "/nonexistent/qemu-system-x86_64"}}
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		arch, virt *string
		flags      uint32
		code       virterr.Code
	}{
		{name: "flags", flags: 1, code: virterr.InvalidArg},
		{name: "virttype", virt: strp("bogus"), code: virterr.InvalidArg},
		{name: "arch", arch: strp("vax"), code: virterr.InvalidArg},
	} {
		_, err := c.ConnectGetDomainCapabilities(ctx, nil, tc.arch, nil, tc.virt, tc.flags)
		var ve *virterr.Error
		if !errors.As(err, &ve) || ve.Code != tc.code {
			t.Errorf("%s: got %v, want code %v", tc.name, err, tc.code)
		}
	}
}

// TestDomainCapabilitiesRealQEMU asks the installed QEMU, as
// "virsh domcapabilities" does.
func TestDomainCapabilitiesRealQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("probes QEMU")
	}
	if _, err := os.Stat("/usr/bin/qemu-system-x86_64"); err != nil {
		t.Skip("no qemu-system-x86_64")
	}
	d, err := NewDriver(Config{Root: t.TempDir(), NoAutostart: true, Emulator: "/usr/bin/qemu-system-x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h := d.Connect(0).Hypervisor
	ctx := context.Background()
	out, err := h.ConnectGetDomainCapabilities(ctx, nil, nil, strp("q35"), strp("qemu"), 0)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := domaincaps.Parse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if dc.Domain != "qemu" || dc.Arch != "x86_64" || dc.Machine == "q35" || dc.Machine == "" {
		t.Errorf("unexpected header: domain %q arch %q machine %q", dc.Domain, dc.Arch, dc.Machine)
	}
	if _, err := h.ConnectGetDomainCapabilities(ctx, nil, nil, strp("no-such-machine"), strp("qemu"), 0); err == nil {
		t.Error("unknown machine accepted")
	}
	if _, err := h.ConnectGetDomainCapabilities(ctx, nil, strp("aarch64"), nil, nil, 0); err == nil {
		t.Error("aarch64 from an x86_64 emulator accepted")
	}
}
