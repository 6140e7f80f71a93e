package qemu

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/qga"
	"github.com/govirt/govirt/virt/virterr"
)

// agentChannelName is the virtio-serial port name of qemu-ga.
const agentChannelName = "org.qemu.guest_agent.0"

// agentChannel is qemuFindAgentConfig: the guest's virtio channel named
// for the agent, on a unix socket.
func agentChannel(def *domain.Def) *domain.Device {
	if def == nil || def.Devices == nil {
		return nil
	}
	for _, c := range def.Devices.Channels() {
		t := c.Child("target")
		if t == nil || t.Prop("type") != "virtio" || t.Prop("name") != agentChannelName {
			continue
		}
		if c.Chr == nil || c.Chr.Type != "unix" {
			continue
		}
		return c
	}
	return nil
}

// agents are the open agent connections of running guests (libvirt's
// priv->agent), made on first use as qemuConnectAgent does once the
// guest has opened its end of the channel.
var agents struct {
	mu sync.Mutex
	m  map[*qemuProcess]*agentLink
}

type agentLink struct {
	// job serialises agent calls on the guest (libvirt's agent job).
	job  sync.Mutex
	conn *qga.Conn
}

func (p *qemuProcess) agentLink() *agentLink {
	agents.mu.Lock()
	defer agents.mu.Unlock()
	if agents.m == nil {
		agents.m = map[*qemuProcess]*agentLink{}
	}
	l := agents.m[p]
	if l == nil {
		l = &agentLink{}
		agents.m[p] = l
		go func() {
			<-p.exited
			agents.mu.Lock()
			delete(agents.m, p)
			agents.mu.Unlock()
			l.job.Lock()
			if l.conn != nil {
				l.conn.Close()
				l.conn = nil
			}
			l.job.Unlock()
		}()
	}
	return l
}

// CloseAgent drops the guest's agent connection; the process's stop path
// may call it once QEMU is gone (it is also closed when the process's
// exited channel closes).
func (p *qemuProcess) CloseAgent() {
	agents.mu.Lock()
	l := agents.m[p]
	agents.mu.Unlock()
	if l == nil {
		return
	}
	l.job.Lock()
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
	l.job.Unlock()
}

// withAgent runs fn with the guest's agent, holding the agent job, after
// the checks of qemuDomainAgentAvailable: a running (not paused) guest,
// an agent channel in its definition, and the agent's end open.
func (c *conn) withAgent(ctx context.Context, dom driver.DomainRef, fn func(p *qemuProcess, a *qga.Conn) error) error {
	o, err := c.d.lookup(dom)
	if err != nil {
		return err
	}
	o.mu.Lock()
	p, state, def := o.proc, o.state, o.current()
	o.mu.Unlock()
	if p == nil {
		return notRunning()
	}
	l := p.agentLink()
	l.job.Lock()
	defer l.job.Unlock()
	if state != stateRunning {
		return notRunning()
	}
	ch := agentChannel(def)
	if ch == nil {
		return virterr.NewFrom(virterr.FromQemu, virterr.ArgumentUnsupported, "QEMU guest agent is not configured")
	}
	if l.conn != nil {
		select {
		case <-l.conn.Done():
			l.conn = nil
		default:
		}
	}
	if l.conn == nil {
		if !p.agentPortOpen(ctx, ch) {
			return virterr.NewFrom(virterr.FromQemu, virterr.AgentUnresponsive, "QEMU guest agent is not connected")
		}
		path := ch.Chr.Path
		if path == "" {
			path = filepath.Join(p.channelDir, agentChannelName)
		}
		a, err := qga.Dial(ctx, path)
		if err != nil {
			return err
		}
		l.conn = a
	}
	return fn(p, l.conn)
}

// agentPortOpen reports whether the guest has opened its end of the
// agent's channel (the chardev's frontend-open, which libvirt follows
// through VSERPORT_CHANGE events). A QEMU that cannot say counts as open.
func (p *qemuProcess) agentPortOpen(ctx context.Context, ch *domain.Device) bool {
	if ch.Info.Alias == "" {
		return true
	}
	var devs []struct {
		Label        string `json:"label"`
		FrontendOpen *bool  `json:"frontend-open"`
	}
	if err := p.mon.ExecuteInto(ctx, "query-chardev", nil, &devs); err != nil {
		return true
	}
	for _, d := range devs {
		if d.Label == "char"+ch.Info.Alias && d.FrontendOpen != nil {
			return *d.FrontendOpen
		}
	}
	return true
}

// DomainQemuAgentCommand is qemuDomainQemuAgentCommand: cmd goes to the
// agent as written and its answer comes back as libvirt writes JSON. The
// guest is tainted custom-ga-command.
func (c *conn) DomainQemuAgentCommand(ctx context.Context, dom driver.DomainRef, cmd string, timeout int32, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainQemuAgentCommand"); err != nil {
		return "", err
	}
	if err := c.denyReadOnly("virDomainQemuAgentCommand"); err != nil {
		return "", err
	}
	var out string
	err := c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
		p.taint(taintCustomGACommand)
		if timeout < driver.QemuAgentCommandMin {
			return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg,
				"guest agent timeout '%d' is less than the minimum '%d'", timeout, driver.QemuAgentCommandMin)
		}
		members, err := parseObject(cmd)
		if err != nil {
			return err
		}
		name := "unknown"
		for _, m := range members {
			if m.key == "execute" {
				_ = json.Unmarshal(m.value, &name)
			}
		}
		reply, err := a.Raw(ctx, name, []byte(cmd), int(timeout))
		if err != nil {
			return err
		}
		out, err = libvirtJSON(reply)
		return err
	})
	return out, err
}

// agentExecute runs one agent command for an API of the driver, with the
// agent's default timeout.
func agentExecute(ctx context.Context, a *qga.Conn, cmd string, args any, out any) error {
	ret, err := a.Execute(ctx, cmd, args, qga.TimeoutDefault)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(ret, out); err != nil {
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "malformed return value of '%s'", cmd)
	}
	return nil
}
