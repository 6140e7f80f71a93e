package test

import (
	"context"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// The sequence of virsh -c test:///default 'pool-define p1.xml;
// pool-autostart p1; pool-build p1; pool-start p1; pool-refresh p1;
// vol-create p1 v1.xml; vol-clone v1 v2 --pool p1; vol-dumpxml v2 --pool
// p1; pool-dumpxml p1; vol-delete v1; pool-destroy p1; pool-delete p1;
// pool-undefine p1'.
func TestPoolLifecycle(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	life := recordEvents(t, c, driver.EventStoragePool, poolEventIDLifecycle)
	refresh := recordEvents(t, c, driver.EventStoragePool, poolEventIDRefresh)
	sd := c.Storage
	p1, err := sd.StoragePoolDefineXML(ctx, readTestdata(t, "p1.xml"), 0)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := sd.StoragePoolGetInfo(ctx, p1)
	if info.State != poolStateInactive || info.Capacity != defaultPoolCapacity {
		t.Errorf("info %+v", info)
	}
	if err := sd.StoragePoolSetAutostart(ctx, p1, 1); err != nil {
		t.Fatal(err)
	}
	_, err = sd.StoragePoolNumOfVolumes(ctx, p1)
	wantCode(t, "volumes of inactive", err, virterr.OperationInvalid, "Requested operation is not valid: storage pool 'p1' is not active")
	_, err = sd.StoragePoolListAllVolumes(ctx, p1, 1, 0)
	wantCode(t, "list volumes of inactive", err, virterr.OperationInvalid, "Requested operation is not valid: storage pool is not active")
	if err := sd.StoragePoolBuild(ctx, p1, 0); err != nil {
		t.Fatal(err)
	}
	if err := sd.StoragePoolCreate(ctx, p1, 0); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "start twice", sd.StoragePoolCreate(ctx, p1, 0), virterr.OperationInvalid, "Requested operation is not valid: storage pool 'p1' is active")
	wantCode(t, "build active", sd.StoragePoolBuild(ctx, p1, 0), virterr.OperationInvalid, "")
	if err := sd.StoragePoolRefresh(ctx, p1, 0); err != nil {
		t.Fatal(err)
	}
	v1, err := sd.StorageVolCreateXML(ctx, p1, readTestdata(t, "v1.xml"), 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sd.StorageVolCreateXML(ctx, p1, readTestdata(t, "v1.xml"), 0)
	wantCode(t, "volume twice", err, virterr.OperationFailed, "operation failed: storage vol already exists")
	v2, err := sd.StorageVolCreateXMLFrom(ctx, p1, strings.Replace(readTestdata(t, "v1.xml"), "v1", "v2", 1), v1, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sd.StorageVolCreateXMLFrom(ctx, p1, "<volume><name>v3</name><capacity>1</capacity></volume>", driver.StorageVolRef{Pool: "p1", Name: "nosuch"}, 0)
	wantCode(t, "clone of missing", err, virterr.NoStorageVol, "Storage volume not found: no storage vol with matching name 'nosuch'")
	want := golden(t, "p1-v2-and-pool.xml")
	vx, _ := sd.StorageVolGetXMLDesc(ctx, v2, 0)
	px, _ := sd.StoragePoolGetXMLDesc(ctx, p1, 0)
	sameXML(t, "v2 and p1", vx+"\n"+px, want)
	vi, _ := sd.StorageVolGetInfo(ctx, v2)
	if vi.Type != 0 || vi.Capacity != 1<<30 || vi.Allocation != 0 {
		t.Errorf("volume info %+v", vi)
	}
	if p, _ := sd.StorageVolGetPath(ctx, v2); p != "/p1/v2" {
		t.Errorf("path %q", p)
	}
	if r, err := sd.StorageVolLookupByKey(ctx, "/p1/v2"); err != nil || r != v2 {
		t.Errorf("by key %+v %v", r, err)
	}
	if r, err := sd.StoragePoolLookupByVolume(ctx, v2); err != nil || r.Name != "p1" {
		t.Errorf("pool of volume %+v %v", r, err)
	}
	names, _ := sd.StoragePoolListVolumes(ctx, p1, 10)
	if strings.Join(names, " ") != "v1 v2" {
		t.Errorf("volumes %v", names)
	}
	if err := sd.StorageVolDelete(ctx, v1, 0); err != nil {
		t.Fatal(err)
	}
	_, err = sd.StorageVolGetInfo(ctx, v1)
	wantCode(t, "deleted volume", err, virterr.NoStorageVol, "Storage volume not found: no storage vol with matching name 'v1'")
	wantCode(t, "delete active", sd.StoragePoolDelete(ctx, p1, 0), virterr.OperationInvalid, "")
	wantCode(t, "undefine active", sd.StoragePoolUndefine(ctx, p1), virterr.OperationInvalid, "Requested operation is not valid: storage pool 'p1' is active")
	if err := sd.StoragePoolDestroy(ctx, p1); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "destroy inactive", sd.StoragePoolDestroy(ctx, p1), virterr.OperationInvalid, "Requested operation is not valid: storage pool 'p1' is not active")
	_, err = sd.StorageVolLookupByPath(ctx, "/p1/v2")
	wantCode(t, "volume of stopped pool", err, virterr.NoStorageVol, "Storage volume not found: no storage vol with matching path '/p1/v2'")
	if err := sd.StoragePoolDelete(ctx, p1, 0); err != nil {
		t.Fatal(err)
	}
	if err := sd.StoragePoolUndefine(ctx, p1); err != nil {
		t.Fatal(err)
	}
	_, err = sd.StoragePoolLookupByName(ctx, "p1")
	wantCode(t, "gone", err, virterr.NoStoragePool, "Storage pool not found: no storage pool with matching name 'p1'")
	if got, want := life.String(), "p1:defined p1:created p1:started p1:stopped p1:deleted p1:undefined"; got != want {
		t.Errorf("lifecycle events %q, want %q", got, want)
	}
	if got := refresh.String(); got != "p1:refreshed" {
		t.Errorf("refresh events %q", got)
	}
}

func TestPoolErrors(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	sd := c.Storage
	p1 := readTestdata(t, "p1.xml")
	_, err := sd.StoragePoolDefineXML(ctx, strings.Replace(p1, "/p1<", "/default-pool<", 1), 0)
	wantCode(t, "same target", err, virterr.OperationFailed, "operation failed: Storage source conflict with pool: 'default-pool'")
	if _, err = sd.StoragePoolDefineXML(ctx, p1, 0); err != nil {
		t.Fatal(err)
	}
	_, err = sd.StoragePoolDefineXML(ctx, strings.Replace(strings.Replace(p1, "<name>p1", "<name>p9", 1), "/p1<", "/p9<", 1), 0)
	wantCode(t, "uuid clash", err, virterr.OperationFailed, "operation failed: pool 'p1' is already defined with uuid 22222222-2222-3333-4444-555555555555")
	_, err = sd.StoragePoolDefineXML(ctx, strings.Replace(strings.Replace(p1, "22222222", "32222222", 1), "/p1<", "/p9<", 1), 0)
	wantCode(t, "name clash", err, virterr.OperationFailed, "operation failed: pool 'p1' already exists with uuid 22222222-2222-3333-4444-555555555555")
	pool, _ := sd.StoragePoolLookupByName(ctx, "default-pool")
	_, err = sd.StorageVolCreateXML(ctx, pool, "<volume><name>big</name><capacity unit='G'>200</capacity></volume>", 0)
	wantCode(t, "too big", err, virterr.InternalError, "internal error: Not enough free space in pool for volume 'big'")
	_, err = sd.StoragePoolGetXMLDesc(ctx, pool, 1)
	wantCode(t, "xml flags", err, virterr.InvalidArg, "unsupported flags (0x1) in function testStoragePoolGetXMLDesc")
	tp, err := sd.StoragePoolCreateXML(ctx, "<pool type='dir'><name>tp</name><target><path>/tp</path></target></pool>", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "autostart transient", sd.StoragePoolSetAutostart(ctx, tp, 1), virterr.InvalidArg, "invalid argument: pool has no config file")
	if v, _ := sd.StoragePoolIsPersistent(ctx, tp); v != 0 {
		t.Errorf("transient pool persistent")
	}
	r, _ := sd.ConnectListAllStoragePools(ctx, 1, listPoolTransient)
	if r.Ret != 1 || r.Pools[0].Name != "tp" {
		t.Errorf("transient filter %+v", r)
	}
	r, _ = sd.ConnectListAllStoragePools(ctx, 1, 1<<7) // fs pools
	if r.Ret != 0 {
		t.Errorf("fs filter %+v", r)
	}
	r, _ = sd.ConnectListAllStoragePools(ctx, 1, 1<<6|listPoolInactive) // inactive dir pools
	if r.Ret != 1 || r.Pools[0].Name != "p1" {
		t.Errorf("inactive dir filter %+v", r)
	}
	if err := sd.StoragePoolDestroy(ctx, tp); err != nil {
		t.Fatal(err)
	}
	if _, err := sd.StoragePoolLookupByName(ctx, "tp"); err == nil {
		t.Error("destroyed transient pool still there")
	}
	// Volume operations the test driver lacks.
	wantCode(t, "wipe", sd.StorageVolWipe(ctx, driver.StorageVolRef{Pool: "default-pool", Name: "x"}, 0), virterr.NoSupport, "this function is not supported by the connection driver: virStorageVolWipe")
	wantCode(t, "resize", sd.StorageVolResize(ctx, driver.StorageVolRef{}, 1, 0), virterr.NoSupport, "")
}

func TestFindPoolSources(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	sd := c.Storage
	s, err := sd.ConnectFindStoragePoolSources(ctx, "logical", nil, 0)
	if err != nil || !strings.Contains(s, "<name>testvg2</name>") {
		t.Errorf("logical: %q %v", s, err)
	}
	spec := "<source><host name='myhost'/></source>"
	s, err = sd.ConnectFindStoragePoolSources(ctx, "netfs", &spec, 0)
	if want := "<sources>\n  <source>\n    <host name='myhost'/>\n    <dir path='/testshare'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n"; err != nil || s != want {
		t.Errorf("netfs: %q %v", s, err)
	}
	_, err = sd.ConnectFindStoragePoolSources(ctx, "netfs", nil, 0)
	wantCode(t, "netfs without host", err, virterr.InvalidArg, "invalid argument: hostname must be specified for netfs sources")
	_, err = sd.ConnectFindStoragePoolSources(ctx, "dir", nil, 0)
	wantCode(t, "dir", err, virterr.InternalError, "internal error: unknown storage pool type dir")
	_, err = sd.ConnectFindStoragePoolSources(ctx, "foo", nil, 0)
	wantCode(t, "foo", err, virterr.NoSupport, "this function is not supported by the connection driver: pool type 'foo' does not support source discovery")
	_, err = sd.ConnectFindStoragePoolSources(ctx, "iscsi", nil, 0)
	wantCode(t, "iscsi", err, virterr.NoSupport, "")
}

// An fc_host pool makes the test driver create the vHBA scsi_host12, and
// its destruction removes it.
func TestFCHostPool(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	devEvents := recordEvents(t, c, driver.EventNodeDevice, 0)
	const fc = `<pool type='scsi'>
  <name>fcpool</name>
  <source>
    <adapter type='fc_host' parent='scsi_host1' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/>
  </source>
  <target><path>/dev/disk/by-path</path></target>
</pool>`
	p, err := c.Storage.StoragePoolCreateXML(ctx, fc, 0)
	if err != nil {
		t.Fatal(err)
	}
	x, err := c.NodeDevice.NodeDeviceGetXMLDesc(ctx, "scsi_host12", 0)
	if err != nil || !strings.Contains(x, "<wwnn>20000000c9831b4b</wwnn>") || !strings.Contains(x, "<host>11</host>") {
		t.Errorf("vHBA: %s %v", x, err)
	}
	if err := c.Storage.StoragePoolDestroy(ctx, p); err != nil {
		t.Fatal(err)
	}
	_, err = c.NodeDevice.NodeDeviceLookupByName(ctx, "scsi_host12")
	wantCode(t, "vHBA gone", err, virterr.NoNodeDevice, "")
	if got := devEvents.String(); got != "scsi_host12:created scsi_host12:deleted" {
		t.Errorf("device events %q", got)
	}
}
