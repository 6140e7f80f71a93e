package qemu

import (
	"encoding/json"
	"testing"
)

// A boot disk's nodes (libvirt-N, found by the image's file name) are
// closed when the guest lets the disk go, format layer first, so that
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
		if execute == "blockdev-del" && (args["node-name"] == "libvirt-virtio-disk0-format" || args["node-name"] == "libvirt-virtio-disk0-storage") {
			return nil, &qmpFailure{"GenericError", "Failed to find node with node-name='" + args["node-name"].(string) + "'"}
		}
		return answerQEMU(execute, args)
	})
	_, o := memoryTestDriver(t, memoryTestDef(t, statsDiskXML+periodBalloon), mon, true)
	o.proc.deviceRemoved("virtio-disk0")
	sameCommands(t, "disk removal", sm.commands(), []string{
		`query-named-block-nodes {"flat":true}`,
		`blockdev-del {"node-name":"libvirt-virtio-disk0-format"}`,
		`blockdev-del {"node-name":"libvirt-virtio-disk0-storage"}`,
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
