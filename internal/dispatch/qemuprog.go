package dispatch

import (
	"sync"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// qemuProgram serves QEMU_PROGRAM (libvirtd's remoteDispatchDomainQemu*
// and remoteDispatchConnectDomainQemuMonitorEvent*): the calls go to the
// driver's optional driver.QemuMonitor, and a driver without it answers
// VIR_ERR_NO_SUPPORT as a libvirt driver table without the entries does.
type qemuProgram struct{ r *Remote }

var qemuFunctions = map[remote.QemuProcedure]string{
	remote.QemuProcDomainMonitorCommand:                "virDomainQemuMonitorCommand",
	remote.QemuProcDomainAttach:                        "virDomainQemuAttach",
	remote.QemuProcDomainAgentCommand:                  "virDomainQemuAgentCommand",
	remote.QemuProcConnectDomainMonitorEventRegister:   "virConnectDomainQemuMonitorEventRegister",
	remote.QemuProcConnectDomainMonitorEventDeregister: "virConnectDomainQemuMonitorEventDeregister",
	remote.QemuProcDomainMonitorCommandWithFiles:       "virDomainQemuMonitorCommandWithFiles",
}

func (q qemuProgram) Call(c *daemon.Client, p *message.Packet) {
	s := q.r.session(c)
	cl := &call{ctx: c.Context(), s: s, hdr: p.Header, payload: p.Payload}
	if p.Type == netproto.CallWithFDs {
		// The file count prefixes the arguments; no files are received
		// (FD_PASSING is answered 0).
		if len(cl.payload) < 4 {
			c.ReplyError(&p.Header, errDecode)
			return
		}
		cl.payload = cl.payload[4:]
	}
	ret, err := q.serve(cl)
	if err != nil {
		c.ReplyError(&p.Header, withAPIDomain(err))
		return
	}
	c.Reply(&p.Header, ret)
}

func (q qemuProgram) serve(c *call) (xdr.Marshaler, error) {
	proc := remote.QemuProcedure(c.hdr.Proc)
	fn, ok := qemuFunctions[proc]
	switch {
	case !c.s.client.Authenticated():
		return nil, daemon.RPCError("authentication required")
	case !ok:
		return nil, daemon.UnknownProcedure(c.hdr.Proc)
	case c.conn() == nil:
		return nil, notOpen()
	}
	mon, hasMon := c.conn().Hypervisor.(driver.QemuMonitor)
	switch proc {
	case remote.QemuProcDomainMonitorCommand, remote.QemuProcDomainMonitorCommandWithFiles:
		var args remote.QemuDomainMonitorCommandArgs
		if err := c.decode(&args); err != nil {
			return nil, err
		}
		if c.readOnly() {
			return nil, deniedReadOnly(virterr.FromDomain, fn)
		}
		if !hasMon {
			return nil, virterr.NoSupportFrom(virterr.FromDomain, fn)
		}
		out, err := mon.DomainQemuMonitorCommand(c.ctx, convRemoteNonnullDomainToDriverDomainRef(args.Dom), args.Cmd, args.Flags)
		if err != nil {
			return nil, err
		}
		if proc == remote.QemuProcDomainMonitorCommandWithFiles {
			return &remote.QemuDomainMonitorCommandWithFilesRet{Result: out}, nil
		}
		return &remote.QemuDomainMonitorCommandRet{Result: out}, nil
	case remote.QemuProcDomainAttach:
		var args remote.QemuDomainAttachArgs
		if err := c.decode(&args); err != nil {
			return nil, err
		}
		// libvirt-qemu.c checks the pid and read-only access; the QEMU
		// driver lost qemuDomainQemuAttach in libvirt 5.5.
		if args.PidValue == 0 {
			return nil, virterr.InvalidArgument(virterr.FromDomain, fn, "pid_value", "pid_value in %s must not be zero", fn)
		}
		if c.readOnly() {
			return nil, deniedReadOnly(virterr.FromDomain, fn)
		}
		return nil, virterr.NoSupportFrom(virterr.FromDomain, fn)
	case remote.QemuProcDomainAgentCommand:
		var args remote.QemuDomainAgentCommandArgs
		if err := c.decode(&args); err != nil {
			return nil, err
		}
		if c.readOnly() {
			return nil, deniedReadOnly(virterr.FromDomain, fn)
		}
		if !hasMon {
			return nil, virterr.NoSupportFrom(virterr.FromDomain, fn)
		}
		out, err := mon.DomainQemuAgentCommand(c.ctx, convRemoteNonnullDomainToDriverDomainRef(args.Dom), args.Cmd, args.Timeout, args.Flags)
		if err != nil {
			return nil, err
		}
		return &remote.QemuDomainAgentCommandRet{Result: &out}, nil
	case remote.QemuProcConnectDomainMonitorEventRegister:
		var args remote.QemuConnectDomainMonitorEventRegisterArgs
		if err := c.decode(&args); err != nil {
			return nil, err
		}
		if !hasMon {
			return nil, virterr.NoSupportFrom(virterr.FromDomain, fn)
		}
		id, err := c.registerMonitorEvents(mon, args)
		if err != nil {
			return nil, err
		}
		return &remote.QemuConnectDomainMonitorEventRegisterRet{CallbackID: id}, nil
	case remote.QemuProcConnectDomainMonitorEventDeregister:
		var args remote.QemuConnectDomainMonitorEventDeregisterArgs
		if err := c.decode(&args); err != nil {
			return nil, err
		}
		return nil, c.deregisterMonitorEvents(args.CallbackID)
	}
	return nil, daemon.UnknownProcedure(c.hdr.Proc)
}

// monitorRegistration is one client's qemu-monitor-event subscription
// (libvirtd's qemuEventCallbacks entry).
type monitorRegistration struct {
	id       int32 // the callbackID the client knows
	driverID int32
	mon      driver.QemuMonitor
	live     bool
}

// monitorRegistrations are the QEMU program's subscriptions of each
// session; they go when the client does (the driver connection's close
// drops the driver's side).
var monitorRegistrations struct {
	mu sync.Mutex
	m  map[*session][]*monitorRegistration
}

// registerMonitorEvents subscribes the client. Callback IDs come from the
// counter of the domain events' state, which libvirt's QEMU driver shares
// between domain and monitor events (driver->domainEventState).
func (c *call) registerMonitorEvents(mon driver.QemuMonitor, args remote.QemuConnectDomainMonitorEventRegisterArgs) (int32, error) {
	s := c.s
	conn := c.conn()
	var dom *driver.DomainRef
	if args.Dom != nil {
		ref := convRemoteNonnullDomainToDriverDomainRef(*args.Dom)
		dom = &ref
	}
	counter := s.r.counterFor(conn, driver.EventDomain)
	counter.Mu.Lock()
	defer counter.Mu.Unlock()
	// Live from the start: an event may come before the driver returns.
	reg := &monitorRegistration{id: counter.Next, mon: mon, live: true}
	driverID, err := mon.QemuMonitorEventRegister(s.client.Context(), dom, args.Event, args.Flags, func(ev driver.QemuMonitorEvent) {
		s.deliverMonitorEvent(reg, ev)
	})
	monitorRegistrations.mu.Lock()
	if err != nil {
		reg.live = false
		monitorRegistrations.mu.Unlock()
		return -1, err
	}
	reg.driverID = driverID
	if monitorRegistrations.m == nil {
		monitorRegistrations.m = map[*session][]*monitorRegistration{}
	}
	if _, known := monitorRegistrations.m[s]; !known {
		s.client.OnClose(func() { forgetMonitorRegistrations(s) })
	}
	monitorRegistrations.m[s] = append(monitorRegistrations.m[s], reg)
	monitorRegistrations.mu.Unlock()
	counter.Next++
	return reg.id, nil
}

func forgetMonitorRegistrations(s *session) {
	monitorRegistrations.mu.Lock()
	for _, reg := range monitorRegistrations.m[s] {
		reg.live = false
	}
	delete(monitorRegistrations.m, s)
	monitorRegistrations.mu.Unlock()
}

func (c *call) deregisterMonitorEvents(id int32) error {
	s := c.s
	monitorRegistrations.mu.Lock()
	var found *monitorRegistration
	regs := monitorRegistrations.m[s]
	for i, reg := range regs {
		if reg.id == id {
			found = reg
			monitorRegistrations.m[s] = append(regs[:i:i], regs[i+1:]...)
			reg.live = false
			break
		}
	}
	monitorRegistrations.mu.Unlock()
	if found == nil {
		return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "qemu monitor event callback %d not registered", id)
	}
	return found.mon.QemuMonitorEventDeregister(c.ctx, found.driverID)
}

func (s *session) deliverMonitorEvent(reg *monitorRegistration, ev driver.QemuMonitorEvent) {
	monitorRegistrations.mu.Lock()
	live := reg.live
	monitorRegistrations.mu.Unlock()
	if !live {
		return
	}
	msg := &remote.QemuDomainMonitorEventMsg{
		CallbackID: reg.id,
		Dom:        convDriverDomainRefToRemoteNonnullDomain(ev.Dom),
		Event:      ev.Event,
		Seconds:    ev.Seconds,
		Micros:     ev.Micros,
		Details:    ev.Details,
	}
	h := message.Header{Prog: remote.QemuProgram, Vers: remote.QemuProtocolVersion, Proc: int32(remote.QemuProcDomainMonitorEvent),
		Type: netproto.Message, Serial: 1, Status: netproto.OK}
	pkt, err := message.Encode(&h, msg)
	if err != nil {
		s.client.Logger().Warn("event too large to send", "proc", h.Proc, "err", err)
		return
	}
	s.client.SendWithin(pkt, s.r.EventTimeout)
}
