package dispatch

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/test"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// fakeQemu serves "fakeqemu:///": a driver with the QEMU program.
type fakeQemu struct {
	driver.UnsupportedHypervisor
	events driver.EventBus

	mu   sync.Mutex
	subs map[int32]func(driver.QemuMonitorEvent)
	next int32
}

func (f *fakeQemu) DomainQemuMonitorCommand(ctx context.Context, dom driver.DomainRef, cmd string, flags uint32) (string, error) {
	if dom.Name == "off" {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain is not running")
	}
	if flags&driver.QemuMonitorCommandHMP != 0 {
		return "hmp:" + cmd, nil
	}
	return `{"return":{},"id":"libvirt-1"}`, nil
}

func (f *fakeQemu) DomainQemuAgentCommand(ctx context.Context, dom driver.DomainRef, cmd string, timeout int32, flags uint32) (string, error) {
	return `{"return":{}}`, nil
}

func (f *fakeQemu) QemuMonitorEventRegister(ctx context.Context, dom *driver.DomainRef, event *string, flags uint32, cb func(driver.QemuMonitorEvent)) (int32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	f.subs[f.next] = cb
	return f.next, nil
}

func (f *fakeQemu) QemuMonitorEventDeregister(ctx context.Context, id int32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.subs, id)
	return nil
}

func (f *fakeQemu) emit(ev driver.QemuMonitorEvent) {
	f.mu.Lock()
	var cbs []func(driver.QemuMonitorEvent)
	for _, cb := range f.subs {
		cbs = append(cbs, cb)
	}
	f.mu.Unlock()
	for _, cb := range cbs {
		cb(ev)
	}
}

func (f *fakeQemu) EventState() *driver.EventBus { return &f.events }

func (f *fakeQemu) EventRegister(ctx context.Context, kind driver.EventKind, id int32, filter any, cb driver.EventCallback) (int32, error) {
	return f.events.Register(f, kind, id, filter, cb)
}

func (f *fakeQemu) EventDeregister(ctx context.Context, id int32) error {
	return f.events.Deregister(f, id)
}

func qemuFixture(t *testing.T) (rw, ro string, fake *fakeQemu) {
	fake = &fakeQemu{subs: map[int32]func(driver.QemuMonitorEvent){}}
	reg := driver.NewRegistry()
	reg.Register(test.Name, test.Open)
	reg.Register("fakeqemu", func(ctx context.Context, u *uri.URI, flags driver.OpenFlags) (*driver.Connection, error) {
		return &driver.Connection{Hypervisor: fake, Events: fake}, nil
	})
	r := New(reg, nil)
	srv := daemon.NewServer(daemon.DefaultConfig(), nil, r.Programs(), r)
	dir := t.TempDir()
	rw, ro = filepath.Join(dir, "rw"), filepath.Join(dir, "ro")
	for _, l := range []struct {
		path string
		ro   bool
	}{{rw, false}, {ro, true}} {
		ln, err := daemon.ListenUnix(l.path, 0o700)
		if err != nil {
			t.Fatal(err)
		}
		srv.AddListener(&daemon.Listener{Name: filepath.Base(l.path), ReadOnly: l.ro, Auth: daemon.AuthNone}, ln)
	}
	t.Cleanup(srv.Shutdown)
	return rw, ro, fake
}

// callQemu sends a QEMU_PROGRAM call and returns its reply, with the
// MESSAGE packets that came before it.
func (c *rawClient) callQemu(proc remote.QemuProcedure, args, ret xdr.Marshaler) (*virterr.Error, []*message.Packet) {
	c.t.Helper()
	serial := c.callRaw(remote.QemuProgram, int32(proc), encode(args))
	var before []*message.Packet
	for {
		p := c.read()
		if p.Type == netproto.Message {
			before = append(before, p)
			continue
		}
		if p.Type != netproto.Reply || p.Serial != serial || p.Prog != remote.QemuProgram || p.Proc != int32(proc) {
			c.t.Fatalf("unexpected packet %+v", p.Header)
		}
		return decodeReply(c.t, p, ret), before
	}
}

var qemuDom = remote.NonnullDomain{Name: "vm", ID: 1}

func TestQemuProgramWithoutDriverSupport(t *testing.T) {
	rw, ro, _ := qemuFixture(t)
	c := dial(t, rw)
	e, _ := c.callQemu(remote.QemuProcDomainMonitorCommand, &remote.QemuDomainMonitorCommandArgs{Dom: qemuDom, Cmd: "{}"}, nil)
	wantErr(t, e, virterr.InternalError, virterr.FromRPC, "internal error: hypervisor connection not open")
	c.open("test:///default", 0)
	e, _ = c.callQemu(remote.QemuProcDomainMonitorCommand, &remote.QemuDomainMonitorCommandArgs{Dom: qemuDom, Cmd: "{}"}, nil)
	wantErr(t, e, virterr.NoSupport, virterr.FromDomain, "this function is not supported by the connection driver: virDomainQemuMonitorCommand")
	e, _ = c.callQemu(remote.QemuProcConnectDomainMonitorEventRegister, &remote.QemuConnectDomainMonitorEventRegisterArgs{}, nil)
	wantErr(t, e, virterr.NoSupport, virterr.FromDomain, "this function is not supported by the connection driver: virConnectDomainQemuMonitorEventRegister")
	e, _ = c.callQemu(remote.QemuProcDomainAttach, &remote.QemuDomainAttachArgs{PidValue: 0}, nil)
	wantErr(t, e, virterr.InvalidArg, virterr.FromDomain, "pid_value in virDomainQemuAttach must not be zero")
	e, _ = c.callQemu(remote.QemuProcDomainAttach, &remote.QemuDomainAttachArgs{PidValue: 100}, nil)
	wantErr(t, e, virterr.NoSupport, virterr.FromDomain, "this function is not supported by the connection driver: virDomainQemuAttach")
	e, _ = c.callQemu(remote.QemuProcDomainMonitorEvent, nil, nil)
	wantErr(t, e, virterr.NoSupport, virterr.FromRPC, "unknown procedure: 6")

	r := dial(t, ro)
	r.open("fakeqemu:///", 1)
	e, _ = r.callQemu(remote.QemuProcDomainMonitorCommand, &remote.QemuDomainMonitorCommandArgs{Dom: qemuDom, Cmd: "{}"}, nil)
	wantErr(t, e, virterr.OperationDenied, virterr.FromDomain, "operation forbidden: read only access prevents virDomainQemuMonitorCommand")
	e, _ = r.callQemu(remote.QemuProcDomainAgentCommand, &remote.QemuDomainAgentCommandArgs{Dom: qemuDom, Cmd: "{}"}, nil)
	wantErr(t, e, virterr.OperationDenied, virterr.FromDomain, "operation forbidden: read only access prevents virDomainQemuAgentCommand")
	e, _ = r.callQemu(remote.QemuProcDomainAttach, &remote.QemuDomainAttachArgs{PidValue: 100}, nil)
	wantErr(t, e, virterr.OperationDenied, virterr.FromDomain, "operation forbidden: read only access prevents virDomainQemuAttach")
}

func TestQemuProgramCommands(t *testing.T) {
	rw, _, _ := qemuFixture(t)
	c := dial(t, rw)
	c.open("fakeqemu:///", 0)
	var mret remote.QemuDomainMonitorCommandRet
	if e, _ := c.callQemu(remote.QemuProcDomainMonitorCommand, &remote.QemuDomainMonitorCommandArgs{Dom: qemuDom, Cmd: `{"execute":"query-status"}`}, &mret); e != nil {
		t.Fatal(e)
	}
	if mret.Result != `{"return":{},"id":"libvirt-1"}` {
		t.Errorf("monitor command answered %q", mret.Result)
	}
	if e, _ := c.callQemu(remote.QemuProcDomainMonitorCommandWithFiles, &remote.QemuDomainMonitorCommandWithFilesArgs{Dom: qemuDom, Cmd: "info status", Flags: 1}, &mret); e != nil || mret.Result != "hmp:info status" {
		t.Errorf("monitor command with files: %v %q", e, mret.Result)
	}
	off := qemuDom
	off.Name = "off"
	e, _ := c.callQemu(remote.QemuProcDomainMonitorCommand, &remote.QemuDomainMonitorCommandArgs{Dom: off, Cmd: "{}"}, nil)
	wantErr(t, e, virterr.OperationInvalid, virterr.FromQemu, "Requested operation is not valid: domain is not running")
	var aret remote.QemuDomainAgentCommandRet
	if e, _ := c.callQemu(remote.QemuProcDomainAgentCommand, &remote.QemuDomainAgentCommandArgs{Dom: qemuDom, Cmd: `{"execute":"guest-ping"}`, Timeout: -1}, &aret); e != nil || aret.Result == nil || *aret.Result != `{"return":{}}` {
		t.Errorf("agent command: %v %v", e, aret.Result)
	}
}

func TestQemuMonitorEvents(t *testing.T) {
	rw, _, fake := qemuFixture(t)
	c := dial(t, rw)
	c.open("fakeqemu:///", 0)
	// A domain event registration first: monitor events share its
	// callback numbering, as in libvirt's QEMU driver.
	var dret remote.ConnectDomainEventCallbackRegisterAnyRet
	if e, _ := c.call(remote.ProcConnectDomainEventCallbackRegisterAny, &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0}, &dret); e != nil {
		t.Fatal(e)
	}
	var reg remote.QemuConnectDomainMonitorEventRegisterRet
	if e, _ := c.callQemu(remote.QemuProcConnectDomainMonitorEventRegister, &remote.QemuConnectDomainMonitorEventRegisterArgs{}, &reg); e != nil {
		t.Fatal(e)
	}
	if reg.CallbackID != dret.CallbackID+1 {
		t.Errorf("monitor callback ID %d after domain callback %d", reg.CallbackID, dret.CallbackID)
	}
	details := `{"offset":1}`
	fake.emit(driver.QemuMonitorEvent{Dom: driver.DomainRef{Name: "vm", ID: 1}, Event: "RTC_CHANGE", Seconds: 5, Micros: 6, Details: &details})
	e, msgs := c.callQemu(remote.QemuProcConnectDomainMonitorEventDeregister, &remote.QemuConnectDomainMonitorEventDeregisterArgs{CallbackID: reg.CallbackID}, nil)
	if e != nil {
		t.Fatal(e)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d events before the deregistration's reply, want 1", len(msgs))
	}
	p := msgs[0]
	var ev remote.QemuDomainMonitorEventMsg
	if p.Prog != remote.QemuProgram || p.Proc != int32(remote.QemuProcDomainMonitorEvent) || xdr.Unmarshal(p.Payload, &ev) != nil {
		t.Fatalf("event packet %+v", p.Header)
	}
	if ev.CallbackID != reg.CallbackID || ev.Event != "RTC_CHANGE" || ev.Dom.Name != "vm" || ev.Seconds != 5 || ev.Micros != 6 || ev.Details == nil || *ev.Details != details {
		t.Errorf("event %+v", ev)
	}
	e, _ = c.callQemu(remote.QemuProcConnectDomainMonitorEventDeregister, &remote.QemuConnectDomainMonitorEventDeregisterArgs{CallbackID: reg.CallbackID}, nil)
	wantErr(t, e, virterr.InternalError, virterr.FromRPC, "internal error: qemu monitor event callback 1 not registered")
}
