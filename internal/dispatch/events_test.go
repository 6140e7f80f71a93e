package dispatch

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// TestEventsBeforeReply: an event caused by a call is on the wire before
// that call's reply; filters and legacy registrations get theirs.
func TestEventsBeforeReply(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	c := dial(t, f.rw)
	c.open("test:///default", 0)
	legacy := dial(t, f.rw)
	legacy.open("test:///default", 0)
	var all, other remote.ConnectDomainEventCallbackRegisterAnyRet
	if e, _ := c.call(remote.ProcConnectDomainEventCallbackRegisterAny, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0}, &all); e != nil {
		t.Fatal(e)
	}
	// A filter on another domain: nothing for it.
	var testDom remote.DomainLookupByNameRet
	c.call(remote.ProcDomainLookupByName, &remote.DomainLookupByNameArgs{Name: "test"}, &testDom)
	if e, _ := c.call(remote.ProcConnectDomainEventCallbackRegisterAny, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0, Dom: &testDom.Dom}, &other); e != nil {
		t.Fatal(e)
	}
	if e, _ := legacy.call(remote.ProcConnectDomainEventRegisterAny, &remote.ConnectDomainEventRegisterAnyArgs{EventID: 0}, nil); e != nil {
		t.Fatal(e)
	}
	e, _ := c.call(remote.ProcConnectDomainEventCallbackRegisterAny, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 27}, nil)
	wantErr(t, e, virterr.InternalError, virterr.FromRPC, "internal error: unsupported event ID 27")

	var def remote.DomainDefineXMLRet
	e, msgs := c.call(remote.ProcDomainDefineXML, &remote.DomainDefineXMLArgs{XML: demoXML}, &def)
	if e != nil {
		t.Fatal(e)
	}
	defer c.call(remote.ProcDomainUndefine, &remote.DomainUndefineArgs{Dom: def.Dom}, nil)
	if len(msgs) != 1 {
		t.Fatalf("%d events before the define reply, want 1", len(msgs))
	}
	checkEventHeader(t, msgs[0], remote.ProcDomainEventCallbackLifecycle)
	var ev remote.DomainEventCallbackLifecycleMsg
	if err := xdr.Unmarshal(msgs[0].Payload, &ev); err != nil || ev.CallbackID != all.CallbackID || ev.Msg.Dom.Name != "dispatchdemo" || ev.Msg.Dom.ID != -1 || ev.Msg.Event != 0 {
		t.Errorf("callback lifecycle event %+v %v", ev, err)
	}
	m := legacy.read()
	checkEventHeader(t, m, remote.ProcDomainEventLifecycle)
	var lev remote.DomainEventLifecycleMsg
	if err := xdr.Unmarshal(m.Payload, &lev); err != nil || lev.Dom.Name != "dispatchdemo" {
		t.Errorf("legacy lifecycle event %+v %v", lev, err)
	}
	if e, _ := c.call(remote.ProcConnectDomainEventCallbackDeregisterAny, &remote.ConnectDomainEventCallbackDeregisterAnyArgs{CallbackID: all.CallbackID}, nil); e != nil {
		t.Fatal(e)
	}
	e, _ = c.call(remote.ProcConnectDomainEventCallbackDeregisterAny, &remote.ConnectDomainEventCallbackDeregisterAnyArgs{CallbackID: all.CallbackID}, nil)
	wantErr(t, e, virterr.InternalError, virterr.FromRPC, "internal error: domain event callback 0 not registered")
}

func checkEventHeader(t *testing.T, m *message.Packet, proc remote.Procedure) {
	t.Helper()
	if m.Type != netproto.Message || m.Serial != 1 || m.Prog != remote.Program || m.Status != netproto.OK || m.Proc != int32(proc) {
		t.Errorf("event header %+v, want a MESSAGE of procedure %d", m.Header, proc)
	}
}

// TestRegistrationRules follows what libvirtd 9.0 answers on the
// test:///default driver (checked against it over raw RPC): callback IDs
// come from the driver's one counter, from 0, shared by every client and
// every object family; one connection cannot register an event twice with
// the same filter, in either form; legacy deregistration by event ID
// takes the first registration of that event whatever its form.
func TestRegistrationRules(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	a := dial(t, f.rw)
	a.open("test:///default", 0)
	b := dial(t, f.rw)
	b.open("test:///default", 0)
	var dom remote.DomainLookupByNameRet
	if e, _ := a.call(remote.ProcDomainLookupByName, &remote.DomainLookupByNameArgs{Name: "test"}, &dom); e != nil {
		t.Fatal(e)
	}
	var net remote.NetworkLookupByNameRet
	if e, _ := a.call(remote.ProcNetworkLookupByName, &remote.NetworkLookupByNameArgs{Name: "default"}, &net); e != nil {
		t.Fatal(e)
	}
	const tracked = "invalid argument: event callback already tracked"
	wantID := func(c *rawClient, proc remote.Procedure, args xdr.Marshaler, want int32) {
		t.Helper()
		var ret remote.ConnectDomainEventCallbackRegisterAnyRet // every form's reply is one callbackID
		if e, _ := c.call(proc, args, &ret); e != nil {
			t.Fatalf("%d: %v", proc, e)
		}
		if ret.CallbackID != want {
			t.Errorf("%d: callback ID %d, want %d", proc, ret.CallbackID, want)
		}
	}
	wantRefused := func(c *rawClient, proc remote.Procedure, args xdr.Marshaler, code virterr.Code, from virterr.Domain, msg string) {
		t.Helper()
		e, _ := c.call(proc, args, nil)
		wantErr(t, e, code, from, msg)
	}
	domain := remote.ProcConnectDomainEventCallbackRegisterAny
	network := remote.ProcConnectNetworkEventRegisterAny
	pool := remote.ProcConnectStoragePoolEventRegisterAny
	nodedev := remote.ProcConnectNodeDeviceEventRegisterAny

	wantID(a, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0}, 0)
	wantRefused(a, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0}, virterr.InvalidArg, virterr.FromNone, tracked)
	wantID(a, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0, Dom: &dom.Dom}, 1)
	wantRefused(a, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0, Dom: &dom.Dom}, virterr.InvalidArg, virterr.FromNone, tracked)
	wantID(b, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0}, 2)
	wantID(a, network, &remote.ConnectNetworkEventRegisterAnyArgs{EventID: 0}, 3)
	wantRefused(a, network, &remote.ConnectNetworkEventRegisterAnyArgs{EventID: 0}, virterr.InvalidArg, virterr.FromNone, tracked)
	wantID(a, network, &remote.ConnectNetworkEventRegisterAnyArgs{EventID: 0, Net: &net.Net}, 4)
	wantRefused(a, network, &remote.ConnectNetworkEventRegisterAnyArgs{EventID: 1}, virterr.InternalError, virterr.FromRPC, "internal error: unsupported network event ID 1")
	wantID(a, pool, &remote.ConnectStoragePoolEventRegisterAnyArgs{EventID: 1}, 5)
	wantRefused(a, pool, &remote.ConnectStoragePoolEventRegisterAnyArgs{EventID: 1}, virterr.InvalidArg, virterr.FromNone, tracked)
	wantID(a, nodedev, &remote.ConnectNodeDeviceEventRegisterAnyArgs{EventID: 0}, 6)
	wantRefused(a, nodedev, &remote.ConnectNodeDeviceEventRegisterAnyArgs{EventID: 0}, virterr.InvalidArg, virterr.FromNone, tracked)

	// Deregistration looks only at the family's own registrations.
	wantRefused(a, remote.ProcConnectNetworkEventDeregisterAny, &remote.ConnectNetworkEventDeregisterAnyArgs{CallbackID: 0},
		virterr.InternalError, virterr.FromRPC, "internal error: network event callback 0 not registered")
	wantRefused(b, remote.ProcConnectDomainEventCallbackDeregisterAny, &remote.ConnectDomainEventCallbackDeregisterAnyArgs{CallbackID: 0},
		virterr.InternalError, virterr.FromRPC, "internal error: domain event callback 0 not registered")
	wantRefused(a, remote.ProcConnectSecretEventDeregisterAny, &remote.ConnectSecretEventDeregisterAnyArgs{CallbackID: 99},
		virterr.InternalError, virterr.FromRPC, "internal error: node device event callback 99 not registered")
	wantRefused(a, remote.ProcConnectStoragePoolEventDeregisterAny, &remote.ConnectStoragePoolEventDeregisterAnyArgs{CallbackID: 99},
		virterr.InternalError, virterr.FromRPC, "internal error: storage pool event callback 99 not registered")
	if e, _ := a.call(remote.ProcConnectDomainEventCallbackDeregisterAny, &remote.ConnectDomainEventCallbackDeregisterAnyArgs{CallbackID: 0}, nil); e != nil {
		t.Fatal(e)
	}
	// A failed registration takes no number; a freed one is not reused.
	wantID(a, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0}, 7)

	// Legacy forms, on a fresh connection.
	c := dial(t, f.rw)
	c.open("test:///default", 0)
	var reg remote.ConnectDomainEventRegisterRet
	if e, _ := c.call(remote.ProcConnectDomainEventRegister, nil, &reg); e != nil || reg.CbRegistered != 0 {
		t.Fatalf("legacy register: %v, cb_registered %d (libvirtd answers 0)", e, reg.CbRegistered)
	}
	wantRefused(c, remote.ProcConnectDomainEventRegister, nil, virterr.InvalidArg, virterr.FromNone, tracked)
	wantRefused(c, remote.ProcConnectDomainEventRegisterAny, &remote.ConnectDomainEventRegisterAnyArgs{EventID: 0}, virterr.InvalidArg, virterr.FromNone, tracked)
	if e, _ := c.call(remote.ProcConnectDomainEventRegisterAny, &remote.ConnectDomainEventRegisterAnyArgs{EventID: 1}, nil); e != nil { // ID 9
		t.Fatal(e)
	}
	wantRefused(c, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 1}, virterr.InvalidArg, virterr.FromNone, tracked)
	wantRefused(c, remote.ProcConnectDomainEventRegisterAny, &remote.ConnectDomainEventRegisterAnyArgs{EventID: 16},
		virterr.InternalError, virterr.FromRPC, "internal error: unsupported event ID 16")
	wantID(c, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 2}, 10)
	// The callback form's deregistration finds a legacy registration by
	// its (unseen) ID, the legacy one a callback-form registration by its
	// event ID.
	if e, _ := c.call(remote.ProcConnectDomainEventCallbackDeregisterAny, &remote.ConnectDomainEventCallbackDeregisterAnyArgs{CallbackID: 9}, nil); e != nil {
		t.Fatal(e)
	}
	wantRefused(c, remote.ProcConnectDomainEventDeregisterAny, &remote.ConnectDomainEventDeregisterAnyArgs{EventID: 1},
		virterr.InternalError, virterr.FromRPC, "internal error: domain event 1 not registered")
	if e, _ := c.call(remote.ProcConnectDomainEventDeregisterAny, &remote.ConnectDomainEventDeregisterAnyArgs{EventID: 2}, nil); e != nil {
		t.Fatal(e)
	}
	if e, _ := c.call(remote.ProcConnectDomainEventDeregister, nil, &reg); e != nil || reg.CbRegistered != 0 {
		t.Fatalf("legacy deregister: %v, cb_registered %d", e, reg.CbRegistered)
	}
	wantRefused(c, remote.ProcConnectDomainEventDeregister, nil, virterr.InternalError, virterr.FromRPC, "internal error: domain event 0 not registered")
	wantRefused(c, remote.ProcConnectDomainEventDeregisterAny, &remote.ConnectDomainEventDeregisterAnyArgs{EventID: 99},
		virterr.InternalError, virterr.FromRPC, "internal error: unsupported event ID 99")
	wantID(c, domain, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0}, 11)
}

// TestCallbackIDsPerEventState: callback IDs are numbered per driver
// instance, as libvirtd's event states number them: a test:///FILE
// connection's node counts from 0 beside test:///default's, and
// test:///default counts from 0 again once its last connection has gone
// (testDriverCloseInternal frees the shared state).
func TestCallbackIDsPerEventState(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	node := filepath.Join(t.TempDir(), "node.xml")
	if err := os.WriteFile(node, []byte("<node/>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	register := func(c *rawClient) int32 {
		t.Helper()
		var ret remote.ConnectDomainEventCallbackRegisterAnyRet
		if e, _ := c.call(remote.ProcConnectDomainEventCallbackRegisterAny, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0}, &ret); e != nil {
			t.Fatal(e)
		}
		return ret.CallbackID
	}
	a := dial(t, f.rw)
	a.open("test:///default", 0)
	b := dial(t, f.rw)
	b.open("test:///default", 0)
	file := dial(t, f.rw)
	file.open("test://"+node, 0)
	if got := []int32{register(a), register(b), register(file)}; got[0] != 0 || got[1] != 1 || got[2] != 0 {
		t.Fatalf("callback IDs %v, want [0 1 0]", got)
	}
	a.conn.Close()
	b.conn.Close()
	// The daemon notices the hang-ups on its own goroutines. Each probe
	// holds test:///default too until the daemon sees it close, so the
	// pause between probes grows: with a fixed 20 ms a slow machine could
	// have every probe keep the state alive for the next one.
	deadline := time.Now().Add(30 * time.Second)
	for pause := 20 * time.Millisecond; ; pause = min(2*pause, time.Second) {
		c := dial(t, f.rw)
		c.open("test:///default", 0)
		id := register(c)
		c.conn.Close()
		if id == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("test:///default still numbers from %d after its connections closed", id)
		}
		time.Sleep(pause)
	}
}
