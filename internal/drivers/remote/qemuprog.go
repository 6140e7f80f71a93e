package remote

import (
	"context"
	"sync"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
)

var _ driver.QemuMonitor = (*Client)(nil)

// DomainQemuMonitorCommand is remoteDomainQemuMonitorCommand.
func (c *Client) DomainQemuMonitorCommand(ctx context.Context, dom driver.DomainRef, cmd string, flags uint32) (string, error) {
	var ret remote.QemuDomainMonitorCommandRet
	err := c.callProgram(ctx, remote.QemuProgram, int32(remote.QemuProcDomainMonitorCommand),
		&remote.QemuDomainMonitorCommandArgs{Dom: convDriverDomainRefToRemoteNonnullDomain(dom), Cmd: cmd, Flags: flags}, &ret, nil)
	return ret.Result, err
}

// DomainQemuAgentCommand is remoteDomainQemuAgentCommand.
func (c *Client) DomainQemuAgentCommand(ctx context.Context, dom driver.DomainRef, cmd string, timeout int32, flags uint32) (string, error) {
	var ret remote.QemuDomainAgentCommandRet
	err := c.callProgram(ctx, remote.QemuProgram, int32(remote.QemuProcDomainAgentCommand),
		&remote.QemuDomainAgentCommandArgs{Dom: convDriverDomainRefToRemoteNonnullDomain(dom), Cmd: cmd, Timeout: timeout, Flags: flags}, &ret, nil)
	if err != nil || ret.Result == nil {
		return "", err
	}
	return *ret.Result, nil
}

// monitorSubs are each client's qemu-monitor-event registrations, by the
// callback ID the daemon gave them.
var monitorSubs struct {
	mu sync.Mutex
	m  map[*Client]map[int32]func(driver.QemuMonitorEvent)
}

// QemuMonitorEventRegister is remoteConnectDomainQemuMonitorEventRegister:
// each registration is the daemon's, filter included.
func (c *Client) QemuMonitorEventRegister(ctx context.Context, dom *driver.DomainRef, event *string, flags uint32, cb func(driver.QemuMonitorEvent)) (int32, error) {
	args := &remote.QemuConnectDomainMonitorEventRegisterArgs{Event: event, Flags: flags}
	if dom != nil {
		d := convDriverDomainRefToRemoteNonnullDomain(*dom)
		args.Dom = &d
	}
	var ret remote.QemuConnectDomainMonitorEventRegisterRet
	// The registration is recorded as the reply is read, before any
	// event that follows it is dispatched.
	err := c.callProgram(ctx, remote.QemuProgram, int32(remote.QemuProcConnectDomainMonitorEventRegister), args, &ret, func(p *message.Packet) {
		var r remote.QemuConnectDomainMonitorEventRegisterRet
		if xdr.Unmarshal(p.Payload, &r) != nil {
			return
		}
		monitorSubs.mu.Lock()
		if monitorSubs.m == nil {
			monitorSubs.m = map[*Client]map[int32]func(driver.QemuMonitorEvent){}
		}
		if monitorSubs.m[c] == nil {
			monitorSubs.m[c] = map[int32]func(driver.QemuMonitorEvent){}
			go func() {
				<-c.Done()
				monitorSubs.mu.Lock()
				delete(monitorSubs.m, c)
				monitorSubs.mu.Unlock()
			}()
		}
		monitorSubs.m[c][r.CallbackID] = cb
		monitorSubs.mu.Unlock()
	})
	if err != nil {
		return -1, err
	}
	return ret.CallbackID, nil
}

// QemuMonitorEventDeregister is remoteConnectDomainQemuMonitorEventDeregister.
func (c *Client) QemuMonitorEventDeregister(ctx context.Context, callbackID int32) error {
	err := c.callProgram(ctx, remote.QemuProgram, int32(remote.QemuProcConnectDomainMonitorEventDeregister),
		&remote.QemuConnectDomainMonitorEventDeregisterArgs{CallbackID: callbackID}, nil, nil)
	if err != nil {
		return err
	}
	monitorSubs.mu.Lock()
	delete(monitorSubs.m[c], callbackID)
	monitorSubs.mu.Unlock()
	return nil
}

// dispatchQemuEvent hands a QEMU_PROC_DOMAIN_MONITOR_EVENT to its
// registration.
func (c *Client) dispatchQemuEvent(p *message.Packet) {
	if p.Proc != int32(remote.QemuProcDomainMonitorEvent) {
		return
	}
	var m remote.QemuDomainMonitorEventMsg
	if xdr.Unmarshal(p.Payload, &m) != nil {
		return
	}
	monitorSubs.mu.Lock()
	cb := monitorSubs.m[c][m.CallbackID]
	monitorSubs.mu.Unlock()
	if cb == nil {
		return
	}
	cb(driver.QemuMonitorEvent{Dom: convRemoteNonnullDomainToDriverDomainRef(m.Dom), Event: m.Event,
		Seconds: m.Seconds, Micros: m.Micros, Details: m.Details})
}
