package qemu

import (
	"context"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

const hotplugControllers = `<controller type='pci' index='0' model='pcie-root'><alias name='pcie.0'/></controller>
    <controller type='pci' index='1' model='pcie-root-port'><alias name='pci.1'/></controller>
    ` + periodBalloon

// A NIC hot-plugged with its link down is taken down right after the
// device is added (qemuDomainAttachNetDevice); one with its link up gets
// no set_link.
func TestAttachNICLinkDown(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		link string
		want []string
	}{
		{"<link state='down'/>", []string{
			`netdev_add {"id":"hostnet2","type":"user"}`,
			`device_add {"addr":"0x0","bus":"pci.1","driver":"virtio-net-pci","id":"net2","mac":"52:54:00:00:00:03","netdev":"hostnet2"}`,
			`set_link {"name":"net2","up":false}`,
		}},
		{"<link state='up'/>", []string{
			`netdev_add {"id":"hostnet2","type":"user"}`,
			`device_add {"addr":"0x0","bus":"pci.1","driver":"virtio-net-pci","id":"net2","mac":"52:54:00:00:00:03","netdev":"hostnet2"}`,
		}},
	} {
		mon, sm := newScriptedMonitor(t, 0, answerQEMU)
		c, o := memoryTestDriver(t, memoryTestDef(t, hotplugControllers), mon, false)
		xml := "<interface type='user'><mac address='52:54:00:00:00:03'/><model type='virtio'/>" + tc.link + "</interface>"
		if err := c.DomainAttachDeviceFlags(ctx, o.ref(), xml, affectLive); err != nil {
			t.Fatalf("%s: %v", tc.link, err)
		}
		sameCommands(t, "attach "+tc.link, sm.commands(), tc.want)
		live := o.live.Devices.Interfaces()
		if n := live[len(live)-1]; macOf(n) != "52:54:00:00:00:03" || childProp(n, "link", "state") != strings.Split(tc.link, "'")[1] {
			t.Errorf("%s: live NIC %+v", tc.link, n)
		}
	}
}

// A link that cannot be set down fails the attach: the backend is taken
// away again (libvirt's try_remove) and the NIC is not in the live
// definition.
func TestAttachNICLinkDownFails(t *testing.T) {
	ctx := context.Background()
	mon, sm := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "set_link" {
			return nil, &qmpFailure{"GenericError", "Device 'net2' not found"}
		}
		return answerQEMU(execute, args)
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, hotplugControllers), mon, false)
	err := c.DomainAttachDeviceFlags(ctx, o.ref(), "<interface type='user'><mac address='52:54:00:00:00:03'/><model type='virtio'/><link state='down'/></interface>", affectLive)
	checkErr(t, err, virterr.InternalError, "internal error: unable to execute QEMU command 'set_link': Device 'net2' not found")
	cmds := sm.commands()
	if len(cmds) != 4 || cmds[3] != `netdev_del {"id":"hostnet2"}` {
		t.Errorf("commands:\n%s", strings.Join(cmds, "\n"))
	}
	if n := len(o.live.Devices.Interfaces()); n != 2 {
		t.Errorf("%d live NICs after the failed attach", n)
	}
}

// A hot-plugged NIC is named one past the highest netN (an alias freed
// by an unplug is not given again), or keeps a user alias; without a
// free slot the attach fails as libvirt's address allocation does.
func TestAttachNICAlias(t *testing.T) {
	ctx := context.Background()
	mon, sm := newScriptedMonitor(t, 0, answerQEMU)
	def := memoryTestDef(t, hotplugControllers)
	def.Devices.Interfaces()[0].Info.Alias = "net3"
	c, o := memoryTestDriver(t, def, mon, false)
	if err := c.DomainAttachDeviceFlags(ctx, o.ref(), "<interface type='user'><mac address='52:54:00:00:00:03'/><model type='virtio'/></interface>", affectLive); err != nil {
		t.Fatal(err)
	}
	if cmds := sm.commands(); len(cmds) < 1 || cmds[0] != `netdev_add {"id":"hostnet4","type":"user"}` {
		t.Errorf("commands: %v", cmds)
	}
	err := c.DomainAttachDeviceFlags(ctx, o.ref(), "<interface type='user'><mac address='52:54:00:00:00:04'/><model type='virtio'/></interface>", affectLive)
	checkErr(t, err, virterr.InternalError, "internal error: No more available PCI slots")

	mon2, sm2 := newScriptedMonitor(t, 0, answerQEMU)
	c2, o2 := memoryTestDriver(t, memoryTestDef(t, hotplugControllers), mon2, false)
	if err := c2.DomainAttachDeviceFlags(ctx, o2.ref(), "<interface type='user'><mac address='52:54:00:00:00:03'/><model type='virtio'/><alias name='ua-extra'/></interface>", affectLive); err != nil {
		t.Fatal(err)
	}
	if cmds := sm2.commands(); len(cmds) < 1 || cmds[0] != `netdev_add {"id":"hostua-extra","type":"user"}` {
		t.Errorf("user alias: %v", cmds)
	}
}

func TestAttachNICDuplicateUserAlias(t *testing.T) {
	mon, _ := newScriptedMonitor(t, 0, answerQEMU)
	def := memoryTestDef(t, hotplugControllers)
	def.Devices.Interfaces()[0].Info.Alias = "ua-extra"
	c, o := memoryTestDriver(t, def, mon, false)
	err := c.DomainAttachDeviceFlags(context.Background(), o.ref(), "<interface type='user'><mac address='52:54:00:00:00:03'/><model type='virtio'/><alias name='ua-extra'/></interface>", affectLive)
	checkErr(t, err, virterr.ConfigUnsupported, "unsupported configuration: non unique alias detected: ua-extra")
}
