package qemu

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// numaGuestXML is a guest whose <memory> (1 GiB) disagrees with its one
// NUMA cell (2 GiB), with extra devices spliced in.
func numaGuestXML(name, emulator, extra string) string {
	return "<domain type='qemu'><name>" + name + "</name>" +
		"<maxMemory slots='16' unit='GiB'>8</maxMemory>" +
		"<memory unit='GiB'>1</memory><vcpu>2</vcpu>" +
		"<os><type arch='x86_64' machine='pc'>hvm</type></os>" +
		"<cpu><numa><cell id='0' cpus='0-1' memory='2' unit='GiB'/></numa></cpu>" +
		"<devices><emulator>" + emulator + "</emulator>" + extra + "</devices></domain>"
}

const twoGiBDimm = "<memory model='dimm'><target><size unit='GiB'>2</size><node>0</node></target></memory>"

func abiTestDriver(t *testing.T, root string) (*Driver, driver.Hypervisor) {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not installed")
	}
	d, err := NewDriver(Config{Root: root, Privileged: true, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, d.Connect(0).Hypervisor
}

func memoryLines(t *testing.T, ctx context.Context, h driver.Hypervisor, ref driver.DomainRef) string {
	t.Helper()
	xml, err := h.DomainGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(xml, "\n") {
		if strings.HasPrefix(l, "  <memory ") || strings.HasPrefix(l, "  <currentMemory ") {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	return strings.Join(keep, "\n")
}

// TestDefineResizesMemoryAsLibvirt: define parses with
// VIR_DOMAIN_DEF_PARSE_ABI_UPDATE, so <memory> becomes the NUMA cells plus
// the memory devices (libvirt 9.0's embedded QEMU driver writes back
// 2097152 and 4194304 for these); a reloaded config is taken as saved, and
// an attach with --config post-parses as new again.
func TestDefineResizesMemoryAsLibvirt(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, h := abiTestDriver(t, root)
	for _, tc := range []struct{ name, extra, want string }{
		{"cell", "", "<memory unit='KiB'>2097152</memory>\n<currentMemory unit='KiB'>2097152</currentMemory>"},
		{"celldimm", twoGiBDimm, "<memory unit='KiB'>4194304</memory>\n<currentMemory unit='KiB'>4194304</currentMemory>"},
	} {
		ref, err := h.DomainDefineXML(ctx, numaGuestXML(tc.name, "/usr/bin/qemu-system-x86_64", tc.extra))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := memoryLines(t, ctx, h, ref); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}

	// A config saved by an older daemon keeps its <memory> on reload
	// (virDomainObjListLoadAllConfigs parses without ABI update).
	stale := strings.Replace(numaGuestXML("stale", "/usr/bin/qemu-system-x86_64", ""),
		"<name>stale</name>", "<name>stale</name><uuid>6e3d2c1b-0a9f-4e8d-8c7b-6a5f4e3d2c1b</uuid>", 1)
	if err := os.WriteFile(filepath.Join(d.paths.ConfigDir, "stale.xml"), []byte(xmlbuf.SaveWarning("edit", "stale")+stale), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, h = abiTestDriver(t, root)
	ref, err := h.DomainLookupByName(ctx, "stale")
	if err != nil {
		t.Fatal(err)
	}
	kept := "<memory unit='KiB'>1048576</memory>\n<currentMemory unit='KiB'>1048576</currentMemory>"
	if got := memoryLines(t, ctx, h, ref); got != kept {
		t.Fatalf("reloaded: got\n%s\nwant\n%s", got, kept)
	}
	// libvirt 9.0 after attach-device --config of a disk: the memory is
	// resized, the balloon stays.
	img := filepath.Join(t.TempDir(), "x.img")
	disk := "<disk type='file' device='disk'><source file='" + img + "'/><target dev='vdb' bus='virtio'/></disk>"
	if err := h.DomainAttachDeviceFlags(ctx, ref, disk, affectConfig); err != nil {
		t.Fatal(err)
	}
	attached := "<memory unit='KiB'>2097152</memory>\n<currentMemory unit='KiB'>1048576</currentMemory>"
	if got := memoryLines(t, ctx, h, ref); got != attached {
		t.Errorf("after attach: got\n%s\nwant\n%s", got, attached)
	}
	// ... and a detach leaves it.
	if err := h.DomainDetachDeviceFlags(ctx, ref, disk, affectConfig); err != nil {
		t.Fatal(err)
	}
	if got := memoryLines(t, ctx, h, ref); got != attached {
		t.Errorf("after detach: got\n%s\nwant\n%s", got, attached)
	}
}

// TestCreateXMLParsesAsNew: create-xml parses with ABI update too, so a
// memory device larger than <memory> is no parse error; the start then
// fails on the missing emulator instead.
func TestCreateXMLParsesAsNew(t *testing.T) {
	ctx := context.Background()
	_, h := abiTestDriver(t, t.TempDir())
	_, err := h.DomainCreateXML(ctx, numaGuestXML("transient", "/nonexistent/qemu-system-x86_64", twoGiBDimm), 0)
	var e *virterr.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a libvirt error", err)
	}
	if e.Code == virterr.XMLError {
		t.Fatalf("parsed without ABI update: %v", err)
	}
}
