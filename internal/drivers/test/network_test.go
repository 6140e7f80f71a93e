package test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// eventLog collects events of one kind for checking.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, s)
}

func (l *eventLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.events, " ")
}

func recordEvents(t *testing.T, c *driver.Connection, kind driver.EventKind, id int32) *eventLog {
	t.Helper()
	l := &eventLog{}
	_, err := c.Events.EventRegister(context.Background(), kind, id, nil, func(ev driver.Event) {
		switch m := ev.Payload.(type) {
		case *driver.NetworkEventLifecycleMsg:
			l.add(m.Net.Name + ":" + []string{"defined", "undefined", "started", "stopped"}[m.Event])
		case *driver.StoragePoolEventLifecycleMsg:
			l.add(m.Pool.Name + ":" + []string{"defined", "undefined", "started", "stopped", "created", "deleted"}[m.Event])
		case *driver.StoragePoolEventRefreshMsg:
			l.add(m.Pool.Name + ":refreshed")
		case *driver.NodeDeviceEventLifecycleMsg:
			l.add(m.Dev.Name + ":" + []string{"created", "deleted", "defined", "undefined"}[m.Event])
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The sequence virsh -c test:///default runs as
// 'net-define n1.xml; net-start n1; net-start n1; net-undefine n1;
// net-destroy n1; net-destroy n1; net-create …; net-destroy …'.
func TestNetworkLifecycle(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	ev := recordEvents(t, c, driver.EventNetwork, 0)
	nd := c.Network
	n1, err := nd.NetworkDefineXML(ctx, readTestdata(t, "n1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := nd.NetworkGetXMLDesc(ctx, n1, 0)
	sameXML(t, "n1", x, "<network>\n  <name>n1</name>\n  <uuid>11111111-2222-3333-4444-555555555555</uuid>\n  <bridge name='br1' stp='on' delay='0'/>\n</network>\n")
	if names, _ := nd.ConnectListDefinedNetworks(ctx, 10); len(names) != 1 || names[0] != "n1" {
		t.Errorf("defined networks %v", names)
	}
	if err := nd.NetworkCreate(ctx, n1); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "start twice", nd.NetworkCreate(ctx, n1), virterr.OperationInvalid, "Requested operation is not valid: Network 'n1' is already running")
	wantCode(t, "undefine running", nd.NetworkUndefine(ctx, n1), virterr.OperationInvalid, "Requested operation is not valid: Network 'n1' is still running")
	if err := nd.NetworkDestroy(ctx, n1); err != nil {
		t.Fatal(err)
	}
	if err := nd.NetworkDestroy(ctx, n1); err != nil {
		t.Errorf("libvirt's test driver destroys an inactive network without complaint: %v", err)
	}
	if v, _ := nd.NetworkIsPersistent(ctx, n1); v != 1 {
		t.Errorf("persistent %d", v)
	}
	// Same UUID under another name, same name under another UUID.
	_, err = nd.NetworkDefineXML(ctx, strings.Replace(readTestdata(t, "n1.xml"), "<name>n1", "<name>n3", 1))
	wantCode(t, "uuid clash", err, virterr.OperationFailed, "operation failed: network 'n1' is already defined with uuid 11111111-2222-3333-4444-555555555555")
	_, err = nd.NetworkDefineXML(ctx, strings.Replace(readTestdata(t, "n1.xml"), "11111111", "21111111", 1))
	wantCode(t, "name clash", err, virterr.OperationFailed, "operation failed: network 'n1' already exists with uuid 11111111-2222-3333-4444-555555555555")
	if err := nd.NetworkUndefine(ctx, n1); err != nil {
		t.Fatal(err)
	}
	_, err = nd.NetworkLookupByName(ctx, "n1")
	wantCode(t, "gone", err, virterr.NoNetwork, "Network not found: no network with matching name 'n1'")
	_, err = nd.NetworkLookupByUUID(ctx, n1.UUID)
	wantCode(t, "gone by uuid", err, virterr.NoNetwork, "Network not found: no network with matching uuid '11111111-2222-3333-4444-555555555555'")

	n2, err := nd.NetworkCreateXML(ctx, "<network><name>n2</name></network>")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := nd.NetworkIsPersistent(ctx, n2); v != 0 {
		t.Errorf("created network is transient")
	}
	all, _ := nd.ConnectListAllNetworks(ctx, 1, listNetTransient)
	if all.Ret != 1 || all.Nets[0].Name != "n2" {
		t.Errorf("transient filter %+v", all)
	}
	_, err = nd.NetworkGetBridgeName(ctx, n2)
	wantCode(t, "no bridge", err, virterr.InternalError, "internal error: network 'n2' does not have a bridge name.")
	if err := nd.NetworkDestroy(ctx, n2); err != nil {
		t.Fatal(err)
	}
	if _, err := nd.NetworkLookupByName(ctx, "n2"); err == nil {
		t.Error("destroyed transient network still there")
	}
	_, err = nd.NetworkCreateXMLFlags(ctx, "<network><name>n4</name></network>", 1)
	wantCode(t, "create flags", err, virterr.InvalidArg, "unsupported flags (0x1) in function testNetworkCreateXMLFlags")
	def, _ := nd.NetworkLookupByName(ctx, "default")
	_, err = nd.NetworkGetXMLDesc(ctx, def, 1)
	wantCode(t, "xml flags", err, virterr.InvalidArg, "unsupported flags (0x1) in function testNetworkGetXMLDesc")
	_, err = nd.NetworkCreateXML(ctx, "<network><name>default</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid></network>")
	wantCode(t, "create active", err, virterr.OperationInvalid, "Requested operation is not valid: network is already active as 'default'")
	if got, want := ev.String(), "n1:defined n1:started n1:stopped n1:stopped n1:undefined n2:started n2:stopped"; got != want {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestNetworkListFilters(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	nd := c.Network
	if _, err := nd.NetworkDefineXML(ctx, readTestdata(t, "n1.xml")); err != nil {
		t.Fatal(err)
	}
	def, _ := nd.NetworkLookupByName(ctx, "default")
	if err := nd.NetworkSetAutostart(ctx, def, 1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags uint32
		want  string
	}{
		{0, "default n1"},
		{listNetActive, "default"},
		{listNetInactive, "n1"},
		{listNetActive | listNetInactive, "default n1"},
		{listNetPersistent, "default n1"},
		{listNetTransient, ""},
		{listNetAutostart, "default"},
		{listNetNoAutostart, "n1"},
		{listNetInactive | listNetAutostart, ""},
	} {
		r, err := nd.ConnectListAllNetworks(ctx, 1, tc.flags)
		var names []string
		for _, n := range r.Nets {
			names = append(names, n.Name)
		}
		if err != nil || strings.Join(names, " ") != tc.want || int(r.Ret) != len(names) {
			t.Errorf("flags %#x: %v %v, want %q", tc.flags, names, err, tc.want)
		}
	}
	_, err := nd.ConnectListAllNetworks(ctx, 1, 1<<6)
	wantCode(t, "bad flag", err, virterr.InvalidArg, "unsupported flags (0x40) in function testConnectListAllNetworks")
	if n, _ := nd.ConnectNumOfNetworks(ctx); n != 1 {
		t.Errorf("active count %d", n)
	}
	if a, _ := nd.NetworkGetAutostart(ctx, def); a != 1 {
		t.Errorf("autostart %d", a)
	}
	// The test driver has neither ports nor leases.
	_, err = nd.NetworkListAllPorts(ctx, def, 1, 0)
	wantCode(t, "ports", err, virterr.NoSupport, "this function is not supported by the connection driver: virNetworkListAllPorts")
	_, err = nd.NetworkGetDHCPLeases(ctx, def, nil, 1, 0)
	wantCode(t, "leases", err, virterr.NoSupport, "this function is not supported by the connection driver: virNetworkGetDHCPLeases")
}

func TestNetworkUpdate(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	nd := c.Network
	def, _ := nd.NetworkLookupByName(ctx, "default")
	const host1 = "<host mac='52:54:00:00:00:01' ip='192.168.122.45'/>"
	const host2 = "<host mac='52:54:00:00:00:02' ip='192.168.122.46'/>"
	// net-update default add ip-dhcp-host … --live --config
	if err := nd.NetworkUpdate(ctx, def, 3, 4, -1, host1, netUpdateAffectLive|netUpdateAffectConf); err != nil {
		t.Fatal(err)
	}
	// --config only: the running definition does not change.
	if err := nd.NetworkUpdate(ctx, def, 3, 4, -1, host2, netUpdateAffectConf); err != nil {
		t.Fatal(err)
	}
	x, _ := nd.NetworkGetXMLDesc(ctx, def, 0)
	if !strings.Contains(x, "      <host mac='52:54:00:00:00:01' ip='192.168.122.45'/>\n    </dhcp>") || strings.Contains(x, "00:02") {
		t.Errorf("live XML after updates:\n%s", x)
	}
	// The current flag means live for a running network.
	if err := nd.NetworkUpdate(ctx, def, 2, 4, -1, host1, 0); err != nil {
		t.Fatal(err)
	}
	x, _ = nd.NetworkGetXMLDesc(ctx, def, 0)
	if strings.Contains(x, "<host ") {
		t.Errorf("host not deleted:\n%s", x)
	}
	wantCode(t, "bad flags", nd.NetworkUpdate(ctx, def, 3, 4, -1, host1, 4), virterr.InvalidArg, "unsupported flags (0x4) in function testNetworkUpdate")
	n2, err := nd.NetworkCreateXML(ctx, "<network><name>n2</name><ip address='10.0.0.1' prefix='24'><dhcp/></ip></network>")
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "config of transient", nd.NetworkUpdate(ctx, n2, 3, 4, -1, host1, netUpdateAffectConf), virterr.OperationInvalid,
		"Requested operation is not valid: cannot change persistent config of a transient network")
	n1, _ := nd.NetworkDefineXML(ctx, readTestdata(t, "n1.xml"))
	wantCode(t, "live of inactive", nd.NetworkUpdate(ctx, n1, 3, 4, -1, host1, netUpdateAffectLive), virterr.OperationInvalid,
		"Requested operation is not valid: network is not running")
}
