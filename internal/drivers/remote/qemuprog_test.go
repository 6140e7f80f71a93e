package remote

import (
	"context"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
)

// The QEMU program's calls go out on QEMU_PROGRAM, and its monitor
// events reach the registration the daemon numbered.
func TestQemuProgram(t *testing.T) {
	s := &fakeServer{handle: func(s *fakeServer, p *message.Packet) bool {
		if p.Prog != remote.QemuProgram {
			return false
		}
		switch remote.QemuProcedure(p.Proc) {
		case remote.QemuProcDomainMonitorCommand:
			var a remote.QemuDomainMonitorCommandArgs
			_ = xdr.Unmarshal(p.Payload, &a)
			s.reply(p, &remote.QemuDomainMonitorCommandRet{Result: a.Dom.Name + ":" + a.Cmd})
		case remote.QemuProcDomainAgentCommand:
			out := `{"return":{}}`
			s.reply(p, &remote.QemuDomainAgentCommandRet{Result: &out})
		case remote.QemuProcConnectDomainMonitorEventRegister:
			s.reply(p, &remote.QemuConnectDomainMonitorEventRegisterRet{CallbackID: 4})
			details := `{"a":1}`
			for _, id := range []int32{5, 4} {
				msg := remote.QemuDomainMonitorEventMsg{CallbackID: id, Dom: remote.NonnullDomain{Name: "d", ID: 2},
					Event: "RESET", Seconds: 10, Micros: 20, Details: &details}
				s.write(message.Header{Prog: remote.QemuProgram, Vers: 1, Proc: int32(remote.QemuProcDomainMonitorEvent), Type: netproto.Message, Serial: 1}, xdr.Marshal(&msg))
			}
		case remote.QemuProcConnectDomainMonitorEventDeregister:
			s.reply(p, nil)
		}
		return true
	}}
	c := fake(t, s, "qemu+unix:///system", Options{KeepaliveInterval: -1})
	ctx := context.Background()
	dom := driver.DomainRef{Name: "d", ID: 2}
	if out, err := c.DomainQemuMonitorCommand(ctx, dom, "info", 1); err != nil || out != "d:info" {
		t.Fatalf("monitor command: %q %v", out, err)
	}
	if out, err := c.DomainQemuAgentCommand(ctx, dom, "{}", -1, 0); err != nil || out != `{"return":{}}` {
		t.Fatalf("agent command: %q %v", out, err)
	}
	got := make(chan driver.QemuMonitorEvent, 4)
	ev := "RESET"
	id, err := c.QemuMonitorEventRegister(ctx, &dom, &ev, 2, func(e driver.QemuMonitorEvent) { got <- e })
	if err != nil || id != 4 {
		t.Fatalf("register: %d %v", id, err)
	}
	var args remote.QemuConnectDomainMonitorEventRegisterArgs
	_ = xdr.Unmarshal(s.calls[len(s.calls)-1].Payload, &args)
	if args.Dom == nil || args.Dom.Name != "d" || args.Event == nil || *args.Event != "RESET" || args.Flags != 2 {
		t.Errorf("registration sent %+v", args)
	}
	select {
	case e := <-got:
		if e.Event != "RESET" || e.Dom.Name != "d" || e.Seconds != 10 || e.Micros != 20 || e.Details == nil || *e.Details != `{"a":1}` {
			t.Errorf("event %+v", e)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no event")
	}
	select {
	case e := <-got:
		t.Errorf("event of another registration delivered: %+v", e)
	case <-time.After(50 * time.Millisecond):
	}
	if err := c.QemuMonitorEventDeregister(ctx, id); err != nil {
		t.Fatal(err)
	}
}
