package qemu

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A disk's nodes (libvirt-N, found by the image's file name) are closed when the guest lets the disk go, format layer first, so that
// the image can be plugged in again; a NIC with a user alias loses its
// backend as a NIC.
func TestDeviceRemovedClosesNodes(t *testing.T) {
	nodes := `[{"node-name": "libvirt-1-format", "drv": "qcow2", "file": "/var/lib/images/a.qcow2"},
	  {"node-name": "libvirt-1-storage", "drv": "file", "file": "/var/lib/images/a.qcow2"},
	  {"node-name": "libvirt-2-format", "drv": "raw", "file": "/var/lib/images/b.raw"}]`
	mon, sm := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "query-named-block-nodes" {
			return json.RawMessage(nodes), nil
		}
		return answerQEMU(execute, args)
	})
	_, o := memoryTestDriver(t, memoryTestDef(t, statsDiskXML+periodBalloon), mon, true)
	o.proc.deviceRemoved("virtio-disk0")
	sameCommands(t, "disk removal", sm.commands(), []string{
		`query-named-block-nodes {"flat":true}`,
		`blockdev-del {"node-name":"libvirt-1-format"}`,
		`blockdev-del {"node-name":"libvirt-1-storage"}`,
	})
	if n := len(o.live.Devices.Disks); n != 1 {
		t.Errorf("%d disks left", n)
	}

	mon2, sm2 := newScriptedMonitor(t, 0, answerQEMU)
	def := memoryTestDef(t, periodBalloon)
	def.Devices.Interfaces()[1].Info.Alias = "ua-extra"
	_, o2 := memoryTestDriver(t, def, mon2, true)
	o2.proc.deviceRemoved("ua-extra")
	sameCommands(t, "NIC removal", sm2.commands(), []string{`netdev_del {"id":"hostua-extra"}`})
	if n := len(o2.live.Devices.Interfaces()); n != 1 {
		t.Errorf("%d NICs left", n)
	}
}

// A hot-plugged image's nodes are numbered past every libvirt-N node
// QEMU has, as libvirt's nodename index does.
func TestAttachDiskNodeNames(t *testing.T) {
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "b.raw")
	if err := os.WriteFile(img, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	mon, sm := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "query-named-block-nodes" {
			return json.RawMessage(`[{"node-name": "libvirt-1-format"}, {"node-name": "libvirt-1-storage"}, {"node-name": "libvirt-pflash0-format"}, {"node-name": "#block123"}]`), nil
		}
		return answerQEMU(execute, args)
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, hotplugControllers), mon, false)
	disk := "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + img + "'/><target dev='vdb' bus='virtio'/></disk>"
	if err := c.DomainAttachDeviceFlags(ctx, o.ref(), disk, affectLive); err != nil {
		t.Fatal(err)
	}
	sameCommands(t, "disk attach", sm.commands(), []string{
		`query-named-block-nodes {"flat":true}`,
		`blockdev-add {"auto-read-only":true,"discard":"unmap","driver":"file","filename":"` + img + `","node-name":"libvirt-2-storage","read-only":false}`,
		`blockdev-add {"driver":"raw","file":"libvirt-2-storage","node-name":"libvirt-2-format","read-only":false}`,
		`device_add {"addr":"0x0","bus":"pci.1","drive":"libvirt-2-format","driver":"virtio-blk-pci","id":"virtio-disk1"}`,
	})
}
