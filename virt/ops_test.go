package virt

import (
	"context"
	"errors"
	"testing"
)

// The network, storage, interface, node device and host wrappers against
// the test driver.
func TestOpsWrappers(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, "test:///default")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	n, err := c.LookupNetworkByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if br, err := n.BridgeName(ctx); err != nil || br != "virbr0" {
		t.Errorf("bridge %q %v", br, err)
	}
	if active, _ := n.IsActive(ctx); !active {
		t.Error("default network inactive")
	}
	events := make(chan *NetworkEventLifecycle, 4)
	if _, err := c.NetworkEventLifecycleRegister(ctx, nil, func(_ *Conn, e *NetworkEventLifecycle) { events <- e }); err != nil {
		t.Fatal(err)
	}
	n2, err := c.NetworkCreateXML(ctx, "<network><name>n2</name></network>")
	if err != nil {
		t.Fatal(err)
	}
	if e := <-events; e.Network.Name() != "n2" || e.Event != NetworkEventStarted {
		t.Errorf("event %+v", e)
	}
	if err := n2.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := c.LookupStoragePoolByName(ctx, "default-pool")
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.StorageVolCreateXML(ctx, "<volume><name>v</name><capacity>1024</capacity></volume>", 0)
	if err != nil {
		t.Fatal(err)
	}
	if path, _ := v.Path(ctx); path != "/default-pool/v" {
		t.Errorf("path %q", path)
	}
	if info, _ := p.Info(ctx); info.State != StoragePoolRunning || info.Allocation != 1024 {
		t.Errorf("pool info %+v", info)
	}
	if err := v.Delete(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Wipe(ctx, 0); !errors.Is(err, ErrNoSupport) {
		t.Errorf("wipe: %v", err)
	}
	i, err := c.LookupInterfaceByMACString(ctx, "aa:bb:cc:dd:ee:ff")
	if err != nil || i.Name() != "eth1" {
		t.Fatalf("interface %v", err)
	}
	if err := c.InterfaceChangeBegin(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.InterfaceChangeRollback(ctx, 0); err != nil {
		t.Fatal(err)
	}
	d, err := c.LookupNodeDeviceByName(ctx, "scsi_host11")
	if err != nil {
		t.Fatal(err)
	}
	if parent, _ := d.Parent(ctx); parent != "scsi_host1" {
		t.Errorf("parent %q", parent)
	}
	m, err := c.NodeCPUMap(ctx, 0)
	if err != nil || m.CPUs != 8 || !m.Online[0] || m.Online[1] || !m.Online[4] {
		t.Errorf("cpu map %+v %v", m, err)
	}
	stats, err := c.NodeCPUStats(ctx, int(NodeCPUStatsAllCpus), 0)
	if err != nil || len(stats) != 4 || stats[3].Field != "iowait" {
		t.Errorf("cpu stats %+v %v", stats, err)
	}
	cells, err := c.NodeCellsFreeMemory(ctx, 0, 2)
	if err != nil || len(cells) != 2 {
		t.Errorf("cells %v %v", cells, err)
	}
	ro, err := OpenReadOnly(ctx, "test:///default")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close(ctx)
	if _, err := ro.NetworkDefineXML(ctx, "<network><name>x</name></network>"); !errors.Is(err, ErrOperationDenied) {
		t.Errorf("read-only define: %v", err)
	}
}
