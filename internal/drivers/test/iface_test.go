package test

import (
	"context"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

func ifaceNames(t *testing.T, c *driver.Connection, flags uint32) string {
	t.Helper()
	r, err := c.Interface.ConnectListAllInterfaces(context.Background(), 1, flags)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range r.Ifaces {
		names = append(names, i.Name)
	}
	return strings.Join(names, " ")
}

// As virsh -c test:///default 'iface-define if1.xml; iface-name MAC;
// iface-start eth2; iface-destroy eth1; iface-begin; iface-undefine eth2;
// iface-rollback; iface-commit; iface-begin; iface-undefine eth2;
// iface-commit' runs.
func TestInterfaceTransactions(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	id := c.Interface
	eth2, err := id.InterfaceDefineXML(ctx, readTestdata(t, "if1.xml"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if eth2.MAC != "aa:bb:cc:dd:ee:ff" {
		t.Errorf("MAC %q", eth2.MAC)
	}
	_, err = id.InterfaceLookupByMACString(ctx, "AA:BB:CC:DD:EE:FF")
	wantCode(t, "two with one MAC", err, virterr.MultipleInterfaces, "multiple matching interfaces found")
	_, err = id.InterfaceLookupByMACString(ctx, "00:11:22:33:44:55")
	wantCode(t, "no MAC", err, virterr.NoInterface, "Interface not found: no interface with matching mac '00:11:22:33:44:55'")
	if err := id.InterfaceCreate(ctx, eth2, 0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "start twice", id.InterfaceCreate(ctx, eth2, 0), virterr.OperationInvalid, "Requested operation is not valid")
	eth1, _ := id.InterfaceLookupByName(ctx, "eth1")
	if err := id.InterfaceDestroy(ctx, eth1, 0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "destroy twice", id.InterfaceDestroy(ctx, eth1, 0), virterr.OperationInvalid, "")
	if got := ifaceNames(t, c, listIfaceInactive); got != "eth1" {
		t.Errorf("inactive %q", got)
	}
	wantCode(t, "commit without", id.InterfaceChangeCommit(ctx, 0), virterr.OperationInvalid, "Requested operation is not valid: no transaction running, nothing to be committed.")
	wantCode(t, "rollback without", id.InterfaceChangeRollback(ctx, 0), virterr.OperationInvalid, "Requested operation is not valid: no transaction running, nothing to rollback.")
	if err := id.InterfaceChangeBegin(ctx, 0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "begin twice", id.InterfaceChangeBegin(ctx, 0), virterr.OperationInvalid, "Requested operation is not valid: there is another transaction running.")
	if err := id.InterfaceUndefine(ctx, eth2); err != nil {
		t.Fatal(err)
	}
	if err := id.InterfaceChangeRollback(ctx, 0); err != nil {
		t.Fatal(err)
	}
	// The saved copy brings eth2 back, inactive like every restored interface.
	if got := ifaceNames(t, c, listIfaceInactive); got != "eth1 eth2" {
		t.Errorf("after rollback %q", got)
	}
	if err := id.InterfaceChangeBegin(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := id.InterfaceUndefine(ctx, eth2); err != nil {
		t.Fatal(err)
	}
	if err := id.InterfaceChangeCommit(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if got := ifaceNames(t, c, 0); got != "eth1" {
		t.Errorf("after commit %q", got)
	}
	_, err = id.InterfaceGetXMLDesc(ctx, eth1, 1)
	wantCode(t, "xml flags", err, virterr.InvalidArg, "unsupported flags (0x1) in function testInterfaceGetXMLDesc")
	_, err = id.InterfaceLookupByName(ctx, "eth9")
	wantCode(t, "missing", err, virterr.NoInterface, "Interface not found: no interface with matching name 'eth9'")
}

func TestNodeDevices(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	nd := c.NodeDevice
	for _, tc := range []struct {
		flags uint32
		want  string
	}{
		{0, "computer scsi_host1 scsi_host2 scsi_host11"},
		{1 << 0, "computer"},
		{1 << 5, "scsi_host1 scsi_host2 scsi_host11"},
		{1 << 9, "scsi_host1 scsi_host2 scsi_host11"},
		{1 << 10, "scsi_host1 scsi_host2"},
		{1 << 1, ""},
	} {
		r, err := nd.ConnectListAllNodeDevices(ctx, 1, tc.flags)
		var names []string
		for _, d := range r.Devices {
			names = append(names, d.Name)
		}
		if err != nil || strings.Join(names, " ") != tc.want {
			t.Errorf("flags %#x: %v %v, want %q", tc.flags, names, err, tc.want)
		}
	}
	_, err := nd.ConnectListAllNodeDevices(ctx, 1, 1<<31)
	wantCode(t, "active flag", err, virterr.InvalidArg, "unsupported flags (0x80000000) in function testConnectListAllNodeDevices")
	capName := "fc_host"
	if n, _ := nd.NodeNumOfDevices(ctx, &capName, 0); n != 3 {
		t.Errorf("fc_host count %d", n)
	}
	if p, err := nd.NodeDeviceGetParent(ctx, "scsi_host11"); err != nil || *p != "scsi_host1" {
		t.Errorf("parent %v %v", p, err)
	}
	_, err = nd.NodeDeviceGetParent(ctx, "computer")
	wantCode(t, "no parent", err, virterr.InternalError, "internal error: no parent for this device")
	if caps, _ := nd.NodeDeviceListCaps(ctx, "scsi_host1", 10); strings.Join(caps, " ") != "scsi_host" {
		t.Errorf("caps %v", caps)
	}
	_, err = nd.NodeDeviceLookupByName(ctx, "nope")
	wantCode(t, "missing", err, virterr.NoNodeDevice, "Node device not found: no node device with matching name 'nope'")

	ev := recordEvents(t, c, driver.EventNodeDevice, 0)
	dev, err := nd.NodeDeviceCreateXML(ctx, readTestdata(t, "vhba.xml"), 0)
	if err != nil || dev.Name != "scsi_host12" {
		t.Fatalf("create %+v %v", dev, err)
	}
	x, _ := nd.NodeDeviceGetXMLDesc(ctx, "scsi_host12", 0)
	sameXML(t, "vHBA", x, golden(t, "vhba-scsi_host12.xml"))
	_, err = nd.NodeDeviceCreateXML(ctx, readTestdata(t, "vhba2.xml"), 0)
	wantCode(t, "no WWNs", err, virterr.InternalError, "internal error: no WWNN supplied for 'new device', and auto-generation failed")
	_, err = nd.NodeDeviceCreateXML(ctx, strings.Replace(readTestdata(t, "vhba.xml"), "scsi_host1<", "computer<", 1), 0)
	wantCode(t, "parent without vports", err, virterr.InternalError, "internal error: Parent device computer is not capable of vport operations")
	if err := nd.NodeDeviceDestroy(ctx, "scsi_host12"); err != nil {
		t.Fatal(err)
	}
	// libvirt's test driver "destroys" a device that is no vHBA by doing nothing.
	if err := nd.NodeDeviceDestroy(ctx, "computer"); err != nil {
		t.Fatal(err)
	}
	if _, err := nd.NodeDeviceLookupByName(ctx, "computer"); err != nil {
		t.Errorf("computer went away: %v", err)
	}
	if got := ev.String(); got != "scsi_host12:created scsi_host12:deleted" {
		t.Errorf("events %q", got)
	}
	_, err = nd.NodeDeviceLookupSCSIHostByWWN(ctx, "2000000012341234", "1000000012341234", 0)
	wantCode(t, "by WWN", err, virterr.NoSupport, "this function is not supported by the connection driver: virNodeDeviceLookupSCSIHostByWWN")
	_, err = nd.NodeDeviceDefineXML(ctx, readTestdata(t, "vhba.xml"), 0)
	wantCode(t, "define", err, virterr.NoSupport, "")
}
