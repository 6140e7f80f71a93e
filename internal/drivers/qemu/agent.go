package qemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sync"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/qga"
	"github.com/govirt/govirt/internal/qmp"
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
	job sync.Mutex
	// mu guards conn, which a close takes away without waiting for the
	// job: the call waiting on the agent then fails at once, as
	// qemuAgentNotifyClose makes it.
	mu   sync.Mutex
	conn *qga.Conn
}

// drop closes the connection, if any.
func (l *agentLink) drop() {
	l.mu.Lock()
	conn := l.conn
	l.conn = nil
	l.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
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
			l.drop()
		}()
	}
	return l
}

// closeAgent drops the guest's agent connection; the process's stop path
// may call it once QEMU is gone (it is also closed when the process's
// exited channel closes).
func (p *qemuProcess) closeAgent() {
	agents.mu.Lock()
	l := agents.m[p]
	agents.mu.Unlock()
	if l != nil {
		l.drop()
	}
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
	l.mu.Lock()
	a := l.conn
	l.mu.Unlock()
	if a != nil {
		select {
		case <-a.Done():
			l.drop()
			a = nil
		default:
		}
	}
	if a == nil {
		if !p.agentPortOpen(ctx, ch) {
			return virterr.NewFrom(virterr.FromQemu, virterr.AgentUnresponsive, "QEMU guest agent is not connected")
		}
		path := ch.Chr.Path
		if path == "" {
			path = filepath.Join(p.channelDir, agentChannelName)
		}
		var err error
		if a, err = qga.Dial(ctx, path); err != nil {
			return err
		}
		l.mu.Lock()
		l.conn = a
		l.mu.Unlock()
	}
	a.Timeout = int(o.agentTimeout())
	return fn(p, a)
}

func (o *domainObj) agentTimeout() int32 { return o.agentWait.Load() + qga.TimeoutBlock }

// restoreAgentTimeout takes back the status file's <agentTimeout> on
// reconnect.
func (o *domainObj) restoreAgentTimeout(timeout int32) {
	o.agentWait.Store(timeout - qga.TimeoutBlock)
}

// DomainAgentSetResponseTimeout is qemuDomainAgentSetResponseTimeout:
// the timeout every later agent command of the domain waits (seconds, or
// -2 block, -1 default, 0 no wait).
func (c *conn) DomainAgentSetResponseTimeout(ctx context.Context, dom driver.DomainRef, timeout int32, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainAgentSetResponseTimeout"); err != nil {
		return -1, err
	}
	if timeout < driver.QemuAgentCommandMin {
		return -1, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg,
			"guest agent timeout '%d' is less than the minimum '%d'", timeout, driver.QemuAgentCommandMin)
	}
	if err := c.denyReadOnly("virDomainAgentSetResponseTimeout"); err != nil {
		return -1, err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return -1, err
	}
	o.restoreAgentTimeout(timeout)
	o.mu.Lock()
	active := o.active()
	o.mu.Unlock()
	if active {
		_ = c.d.writeStatus(o)
	}
	return 0, nil
}

// agentPortOpen reports whether the guest has opened its end of the
// agent's channel (the chardev's frontend-open, which libvirt follows
// through VSERPORT_CHANGE events). A QEMU that cannot say counts as open.
func (p *qemuProcess) agentPortOpen(ctx context.Context, ch *domain.Device) bool {
	if ch.Info.Alias == "" || p.mon == nil {
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
			if m.Key == "execute" {
				_ = json.Unmarshal(m.Value, &name)
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
		return malformedReturn()
	}
	return nil
}

// agentJob runs fn with the agent of a running guest after checking
// flags, as the agent APIs of qemu_driver.c do (virCheckFlags, the agent
// job, virDomainObjCheckActive, qemuDomainAgentAvailable).
func (c *conn) agentJob(ctx context.Context, dom driver.DomainRef, flags, known uint32, function string, fn func(p *qemuProcess, a *qga.Conn) error) error {
	if err := unsupportedFlags(flags, known, function); err != nil {
		return err
	}
	return c.withAgent(ctx, dom, fn)
}

func malformedReturn() error {
	return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "malformed return value")
}

// DomainGetTime is qemuDomainGetTime: guest-get-time, in nanoseconds.
func (c *conn) DomainGetTime(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetTimeRet, error) {
	var ret driver.DomainGetTimeRet
	err := c.agentJob(ctx, dom, flags, 0, "qemuDomainGetTime", func(p *qemuProcess, a *qga.Conn) error {
		raw, err := a.Execute(ctx, "guest-get-time", nil, qga.TimeoutDefault)
		if err != nil {
			return err
		}
		var ns uint64
		if json.Unmarshal(raw, &ns) != nil {
			return malformedReturn()
		}
		ret.Seconds, ret.Nseconds = int64(ns/1e9), uint32(ns%1e9)
		return nil
	})
	return ret, err
}

// timeSync is VIR_DOMAIN_TIME_SYNC.
const timeSync uint32 = 1 << 0

// DomainSetTime is qemuDomainSetTime: guest-set-time with the time in
// nanoseconds (none with the sync flag: the guest reads its RTC), then
// rtc-reset-reinjection, without which an x86 guest's time is not set.
func (c *conn) DomainSetTime(ctx context.Context, dom driver.DomainRef, seconds int64, nseconds uint32, flags uint32) error {
	if err := unsupportedFlags(flags, timeSync, "qemuDomainSetTime"); err != nil {
		return err
	}
	if err := c.denyReadOnly("virDomainSetTime"); err != nil {
		return err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainSetTime"); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	p, def := o.proc, o.current()
	o.mu.Unlock()
	if p == nil {
		return notRunning()
	}
	reinject := p.caps != nil && p.caps.Has(caps.RTCResetReinjection)
	if def.OS != nil && (def.OS.Arch == "x86_64" || def.OS.Arch == "i686") && !reinject {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported, "cannot set time: qemu doesn't support rtc-reset-reinjection command")
	}
	return c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
		var args any
		if flags&timeSync == 0 {
			const maxSeconds = math.MaxInt64 / int64(1e9)
			if seconds > maxSeconds {
				return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "Time '%d' is too big for guest agent", seconds)
			}
			args = map[string]int64{"time": seconds*1e9 + int64(nseconds)}
		}
		if err := agentExecute(ctx, a, "guest-set-time", args, nil); err != nil {
			return err
		}
		if reinject {
			if _, err := p.mon.Execute(ctx, "rtc-reset-reinjection", nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// DomainFSFreeze is qemuDomainFSFreeze: guest-fsfreeze-freeze, or
// guest-fsfreeze-freeze-list for the given mount points; the answer is
// how many filesystems froze.
func (c *conn) DomainFSFreeze(ctx context.Context, dom driver.DomainRef, mountpoints []string, flags uint32) (int32, error) {
	if err := c.denyReadOnly("virDomainFSFreeze"); err != nil {
		return -1, err
	}
	var n int32
	err := c.agentJob(ctx, dom, flags, 0, "qemuDomainFSFreeze", func(p *qemuProcess, a *qga.Conn) error {
		cmd, args := "guest-fsfreeze-freeze", any(nil)
		if len(mountpoints) > 0 {
			cmd, args = "guest-fsfreeze-freeze-list", map[string][]string{"mountpoints": mountpoints}
		}
		return agentCount(ctx, a, cmd, args, &n)
	})
	return n, err
}

// DomainFSThaw is qemuDomainFSThaw: guest-fsfreeze-thaw, which thaws
// everything (mount points cannot be named).
func (c *conn) DomainFSThaw(ctx context.Context, dom driver.DomainRef, mountpoints []string, flags uint32) (int32, error) {
	if err := c.denyReadOnly("virDomainFSThaw"); err != nil {
		return -1, err
	}
	if len(mountpoints) > 0 {
		return -1, virterr.NewFrom(virterr.FromQemu, virterr.ArgumentUnsupported, "specifying mountpoints is not supported")
	}
	var n int32
	err := c.agentJob(ctx, dom, flags, 0, "qemuDomainFSThaw", func(p *qemuProcess, a *qga.Conn) error {
		return agentCount(ctx, a, "guest-fsfreeze-thaw", nil, &n)
	})
	return n, err
}

// agentCount runs a command whose answer is a count.
func agentCount(ctx context.Context, a *qga.Conn, cmd string, args any, n *int32) error {
	ret, err := a.Execute(ctx, cmd, args, qga.TimeoutDefault)
	if err != nil {
		return err
	}
	if json.Unmarshal(ret, n) != nil {
		return malformedReturn()
	}
	return nil
}

// DomainFSTrim is qemuDomainFSTrim: guest-fstrim of every filesystem.
func (c *conn) DomainFSTrim(ctx context.Context, dom driver.DomainRef, mountPoint *string, minimum uint64, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "qemuDomainFSTrim"); err != nil {
		return err
	}
	if err := c.denyReadOnly("virDomainFSTrim"); err != nil {
		return err
	}
	if mountPoint != nil {
		return virterr.NewFrom(virterr.FromQemu, virterr.ArgumentUnsupported, "Specifying mount point is not supported for now")
	}
	return c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
		return agentExecute(ctx, a, "guest-fstrim", map[string]uint64{"minimum": minimum}, nil)
	})
}

// passwordEncrypted is VIR_DOMAIN_PASSWORD_ENCRYPTED.
const passwordEncrypted uint32 = 1 << 0

// DomainSetUserPassword is qemuDomainSetUserPassword:
// guest-set-user-password with the password in base64.
func (c *conn) DomainSetUserPassword(ctx context.Context, dom driver.DomainRef, user *string, password *string, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetUserPassword"); err != nil {
		return err
	}
	return c.agentJob(ctx, dom, flags, passwordEncrypted, "qemuDomainSetUserPassword", func(p *qemuProcess, a *qga.Conn) error {
		var u, pw string
		if user != nil {
			u = *user
		}
		if password != nil {
			pw = *password
		}
		args := struct {
			Crypted  bool   `json:"crypted"`
			Username string `json:"username"`
			Password string `json:"password"`
		}{flags&passwordEncrypted != 0, u, base64.StdEncoding.EncodeToString([]byte(pw))}
		return agentExecute(ctx, a, "guest-set-user-password", args, nil)
	})
}

// Sources of virDomainGetHostname.
const (
	hostnameLease uint32 = 1 << 0 // VIR_DOMAIN_GET_HOSTNAME_LEASE
	hostnameAgent uint32 = 1 << 1 // VIR_DOMAIN_GET_HOSTNAME_AGENT
)

// DomainGetHostname is qemuDomainGetHostname: the agent's
// guest-get-host-name, or with the lease flag the first hostname a DHCP
// lease of the guest's network interfaces carries.
func (c *conn) DomainGetHostname(ctx context.Context, dom driver.DomainRef, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, hostnameLease|hostnameAgent, "qemuDomainGetHostname"); err != nil {
		return "", err
	}
	if flags&hostnameLease != 0 && flags&hostnameAgent != 0 {
		return "", virterr.InvalidArgument(virterr.FromQemu, "qemuDomainGetHostname", "flags",
			"Flags '%s' and '%s' are mutually exclusive", "VIR_DOMAIN_GET_HOSTNAME_LEASE", "VIR_DOMAIN_GET_HOSTNAME_AGENT")
	}
	if err := c.denyReadOnly("virDomainGetHostname"); err != nil {
		return "", err
	}
	if flags&hostnameLease == 0 {
		var host string
		err := c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
			ret, err := a.Execute(ctx, "guest-get-host-name", nil, qga.TimeoutDefault)
			if err != nil {
				return err
			}
			var r struct {
				Name *string `json:"host-name"`
			}
			if json.Unmarshal(ret, &r) != nil {
				return malformedReturn()
			}
			if r.Name == nil {
				return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "'host-name' missing in guest-get-host-name reply")
			}
			host = *r.Name
			return nil
		})
		return host, err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return "", err
	}
	if err := o.job.acquire(ctx, "query", "remoteDispatchDomainGetHostname"); err != nil {
		return "", err
	}
	defer o.job.end()
	o.mu.Lock()
	active, def, name := o.active(), o.current(), o.name()
	o.mu.Unlock()
	if !active {
		return "", notRunning()
	}
	netConn, err := c.d.openDriver(ctx, networkURI, "network")
	if err != nil {
		return "", err
	}
	defer closeConn(netConn)
	for _, g := range guestNICs(def) {
		if g.network == "" {
			continue
		}
		leases, err := networkLeases(ctx, netConn, g.network, g.mac)
		if err != nil {
			return "", err
		}
		for _, l := range leases {
			if l.Hostname != nil && *l.Hostname != "" {
				return *l.Hostname, nil
			}
		}
	}
	return "", virterr.NewFrom(virterr.FromQemu, virterr.NoHostname, "no hostname found for domain %s", name)
}

// agentDiskAddress is one disk of a guest filesystem as the agent knows
// it (qemuAgentDiskAddress).
type agentDiskAddress struct {
	serial, dev       string
	bus, target, unit uint64
	pci               domain.Address
}

// agentFS is one filesystem of guest-get-fsinfo (qemuAgentFSInfo).
type agentFS struct {
	mountpoint, name, fstype string
	// usedBytes and totalBytes are nil from agents older than 3.0.
	usedBytes, totalBytes *uint64
	disks                 []agentDiskAddress
}

// agentFSInfo is qemuAgentGetFSInfo: the guest's filesystems in mount
// order (the agent lists them the other way round).
func agentFSInfo(ctx context.Context, a *qga.Conn) ([]agentFS, error) {
	ret, err := a.Execute(ctx, "guest-get-fsinfo", nil, qga.TimeoutDefault)
	if err != nil {
		return nil, err
	}
	return parseAgentFSInfo(ret)
}

// parseAgentFSInfo reads guest-get-fsinfo's return value.
func parseAgentFSInfo(ret json.RawMessage) ([]agentFS, error) {
	fail := func(format string, args ...any) error {
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, format, args...)
	}
	var entries []map[string]json.RawMessage
	if json.Unmarshal(ret, &entries) != nil {
		return nil, fail("Malformed guest-get-fsinfo data array")
	}
	str := func(obj map[string]json.RawMessage, key string) (string, bool) {
		var s string
		raw, ok := obj[key]
		return s, ok && json.Unmarshal(raw, &s) == nil
	}
	out := make([]agentFS, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		var fs agentFS
		var ok bool
		if fs.mountpoint, ok = str(e, "mountpoint"); !ok {
			return nil, fail("'mountpoint' missing in reply of guest-get-fsinfo")
		}
		if fs.name, ok = str(e, "name"); !ok {
			return nil, fail("'name' missing in reply of guest-get-fsinfo")
		}
		if fs.fstype, ok = str(e, "type"); !ok {
			return nil, fail("'type' missing in reply of guest-get-fsinfo")
		}
		for _, f := range []struct {
			key string
			v   **uint64
		}{{"used-bytes", &fs.usedBytes}, {"total-bytes", &fs.totalBytes}} {
			if raw, ok := e[f.key]; ok {
				var n uint64
				if json.Unmarshal(raw, &n) != nil {
					return nil, fail("Error getting '%s' in reply of guest-get-fsinfo", f.key)
				}
				*f.v = &n
			}
		}
		var disks []map[string]json.RawMessage
		if raw, ok := e["disk"]; !ok || json.Unmarshal(raw, &disks) != nil {
			return nil, fail("'disk' missing in reply of guest-get-fsinfo")
		}
		for _, d := range disks {
			da, err := parseAgentDisk(d)
			if err != nil {
				return nil, err
			}
			fs.disks = append(fs.disks, da)
		}
		out = append(out, fs)
	}
	return out, nil
}

// parseAgentDisk is qemuAgentGetDiskAddress.
func parseAgentDisk(d map[string]json.RawMessage) (agentDiskAddress, error) {
	var da agentDiskAddress
	str := func(obj map[string]json.RawMessage, key string) (string, bool) {
		var s string
		raw, ok := obj[key]
		return s, ok && json.Unmarshal(raw, &s) == nil
	}
	num := func(obj map[string]json.RawMessage, key string, v *uint64) error {
		if raw, ok := obj[key]; !ok || json.Unmarshal(raw, v) != nil {
			return agentErr("'%s' missing in guest-get-fsinfo 'disk' data", key)
		}
		return nil
	}
	da.serial, _ = str(d, "serial")
	da.dev, _ = str(d, "dev")
	for _, f := range []struct {
		key string
		v   *uint64
	}{{"bus", &da.bus}, {"target", &da.target}, {"unit", &da.unit}} {
		if err := num(d, f.key, f.v); err != nil {
			return da, err
		}
	}
	if _, ok := str(d, "bus-type"); !ok {
		return da, agentErr("'bus-type' missing in guest-get-fsinfo 'disk' data")
	}
	var pci map[string]json.RawMessage
	if raw, ok := d["pci-controller"]; !ok || json.Unmarshal(raw, &pci) != nil {
		return da, agentErr("'pci-controller' missing in guest-get-fsinfo 'disk' data")
	}
	da.pci.Type = "pci"
	for _, f := range []struct {
		key string
		v   *uint64
	}{{"domain", &da.pci.Domain}, {"bus", &da.pci.Bus}, {"slot", &da.pci.Slot}, {"function", &da.pci.Function}} {
		if err := num(pci, f.key, f.v); err != nil {
			return da, err
		}
	}
	return da, nil
}

// diskByAddress is virDomainDiskByAddress: the disk at the agent's PCI
// address, or the drive at bus/target/unit of the controller there.
func diskByAddress(def *domain.Def, a agentDiskAddress) *domain.Disk {
	if def == nil || def.Devices == nil {
		return nil
	}
	samePCI := func(x *domain.Address) bool {
		return x != nil && x.Type == "pci" && x.Domain == a.pci.Domain && x.Bus == a.pci.Bus && x.Slot == a.pci.Slot && x.Function == a.pci.Function
	}
	controllerIndex := ""
	for _, c := range def.Devices.Controllers() {
		if samePCI(c.Info.Address) {
			controllerIndex = c.Attr("index")
			break
		}
	}
	for _, d := range def.Devices.Disks {
		addr := d.Info.Address
		if samePCI(addr) {
			return d
		}
		if addr != nil && addr.Type == "drive" && controllerIndex != "" && fmt.Sprint(addr.Controller) == controllerIndex &&
			addr.Bus == a.bus && addr.Target == a.target && addr.Unit == a.unit {
			return d
		}
	}
	return nil
}

// DomainGetFSInfo is qemuDomainGetFSInfo: the agent's filesystems, each
// with the targets of the guest's disks it lives on.
func (c *conn) DomainGetFSInfo(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetFsinfoRet, error) {
	var ret driver.DomainGetFsinfoRet
	if err := c.denyReadOnly("virDomainGetFSInfo"); err != nil {
		return ret, err
	}
	var fss []agentFS
	var def *domain.Def
	err := c.agentJob(ctx, dom, flags, 0, "qemuDomainGetFSInfo", func(p *qemuProcess, a *qga.Conn) error {
		var err error
		fss, err = agentFSInfo(ctx, a)
		p.o.mu.Lock()
		def = p.o.current()
		p.o.mu.Unlock()
		return err
	})
	if err != nil {
		return ret, err
	}
	for _, fs := range fss {
		info := driver.DomainFsinfo{Mountpoint: fs.mountpoint, Name: fs.name, Fstype: fs.fstype, DevAliases: []string{}}
		for _, da := range fs.disks {
			if d := diskByAddress(def, da); d != nil {
				info.DevAliases = append(info.DevAliases, d.Dst())
			}
		}
		ret.Info = append(ret.Info, info)
	}
	ret.Ret = uint32(len(ret.Info))
	return ret, nil
}

// Guest information types (virDomainGuestInfoTypes).
const (
	guestInfoUsers      uint32 = 1 << 0
	guestInfoOS         uint32 = 1 << 1
	guestInfoTimezone   uint32 = 1 << 2
	guestInfoHostname   uint32 = 1 << 3
	guestInfoFilesystem uint32 = 1 << 4
	guestInfoDisks      uint32 = 1 << 5
	guestInfoInterfaces uint32 = 1 << 6
	guestInfoAll               = guestInfoUsers | guestInfoOS | guestInfoTimezone | guestInfoHostname |
		guestInfoFilesystem | guestInfoDisks | guestInfoInterfaces
)

func boolParam(name string, v bool) driver.TypedParam {
	b := int32(0)
	if v {
		b = 1
	}
	return driver.TypedParam{Field: name, Value: driver.TypedParamValue{Type: driver.ParamBoolean, B: b}}
}

// guestInfo collects the typed parameters of qemuDomainGetGuestInfo.
// Asked for nothing in particular, it gathers what the agent has and
// passes over the commands it lacks; asked for a type, a missing
// command is an error.
type guestInfo struct {
	ctx         context.Context
	a           *qga.Conn
	strict      bool
	params      []driver.TypedParam
	unsupported bool // the last command was unknown to the agent
}

// run executes one agent command and decodes its return into out; it
// reports false when the agent lacks the command and that is to be
// passed over.
func (g *guestInfo) run(cmd string, out any, missing string) (bool, error) {
	ret, err := g.a.Execute(g.ctx, cmd, nil, qga.TimeoutDefault)
	if err != nil {
		if !g.strict && qga.Unsupported(err) {
			return false, nil
		}
		return false, err
	}
	if json.Unmarshal(ret, out) != nil {
		return false, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "%s", missing)
	}
	return true, nil
}

func (g *guestInfo) add(p ...driver.TypedParam) { g.params = append(g.params, p...) }

func agentErr(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, format, args...)
}

// users is qemuAgentGetUsers.
func (g *guestInfo) users() error {
	var users []map[string]json.RawMessage
	if ok, err := g.run("guest-get-users", &users, "guest-get-users reply was missing return data"); !ok {
		return err
	}
	g.add(uintParam("user.count", uint32(len(users))))
	for i, u := range users {
		var name, dom string
		if json.Unmarshal(u["user"], &name) != nil {
			return agentErr("'user' missing in reply of guest-get-users")
		}
		g.add(strParam(fmt.Sprintf("user.%d.name", i), name))
		if raw, ok := u["domain"]; ok && json.Unmarshal(raw, &dom) == nil {
			g.add(strParam(fmt.Sprintf("user.%d.domain", i), dom))
		}
		var login float64
		if json.Unmarshal(u["login-time"], &login) != nil {
			return agentErr("'login-time' missing in reply of guest-get-users")
		}
		g.add(ullong(fmt.Sprintf("user.%d.login-time", i), uint64(login*1000)))
	}
	return nil
}

// osInfo is qemuAgentGetOSInfo.
func (g *guestInfo) osInfo() error {
	var info map[string]json.RawMessage
	if ok, err := g.run("guest-get-osinfo", &info, "guest-get-osinfo reply was missing return data"); !ok {
		return err
	}
	for _, f := range []string{"id", "name", "pretty-name", "version", "version-id", "machine", "variant", "variant-id", "kernel-release", "kernel-version"} {
		var s string
		if raw, ok := info[f]; ok && json.Unmarshal(raw, &s) == nil {
			g.add(strParam("os."+f, s))
		}
	}
	return nil
}

// timezone is qemuAgentGetTimezone.
func (g *guestInfo) timezone() error {
	var tz map[string]json.RawMessage
	if ok, err := g.run("guest-get-timezone", &tz, "guest-get-timezone reply was missing return data"); !ok {
		return err
	}
	var zone string
	if raw, ok := tz["zone"]; ok && json.Unmarshal(raw, &zone) == nil {
		g.add(strParam("timezone.name", zone))
	}
	var offset int32
	if json.Unmarshal(tz["offset"], &offset) != nil {
		return agentErr("'offset' missing in reply of guest-get-timezone")
	}
	g.add(intParam("timezone.offset", offset))
	return nil
}

// hostname is qemuAgentGetHostname.
func (g *guestInfo) hostname() error {
	var r struct {
		Name *string `json:"host-name"`
	}
	if ok, err := g.run("guest-get-host-name", &r, "malformed return value"); !ok {
		return err
	}
	if r.Name == nil {
		return agentErr("'host-name' missing in guest-get-host-name reply")
	}
	g.add(strParam("hostname", *r.Name))
	return nil
}

// filesystems is qemuAgentGetFSInfo with qemuAgentFSInfoFormatParams.
func (g *guestInfo) filesystems(def *domain.Def) error {
	fss, err := agentFSInfo(g.ctx, g.a)
	if err != nil {
		if !g.strict && qga.Unsupported(err) {
			return nil
		}
		return err
	}
	if len(fss) == 0 {
		return nil
	}
	g.add(uintParam("fs.count", uint32(len(fss))))
	for i, fs := range fss {
		pfx := fmt.Sprintf("fs.%d.", i)
		g.add(strParam(pfx+"name", fs.name), strParam(pfx+"mountpoint", fs.mountpoint), strParam(pfx+"fstype", fs.fstype))
		if fs.totalBytes != nil {
			g.add(ullong(pfx+"total-bytes", *fs.totalBytes))
		}
		if fs.usedBytes != nil {
			g.add(ullong(pfx+"used-bytes", *fs.usedBytes))
		}
		g.add(uintParam(pfx+"disk.count", uint32(len(fs.disks))))
		for j, da := range fs.disks {
			dpfx := fmt.Sprintf("%sdisk.%d.", pfx, j)
			if d := diskByAddress(def, da); d != nil {
				g.add(strParam(dpfx+"alias", d.Dst()))
			}
			if da.serial != "" {
				g.add(strParam(dpfx+"serial", da.serial))
			}
			if da.dev != "" {
				g.add(strParam(dpfx+"device", da.dev))
			}
		}
	}
	return nil
}

// disks is qemuAgentGetDisks with qemuAgentDiskInfoFormatParams.
func (g *guestInfo) disks(def *domain.Def) error {
	var disks []map[string]json.RawMessage
	if ok, err := g.run("guest-get-disks", &disks, "qemu agent didn't return an array of disks"); !ok {
		return err
	}
	if len(disks) == 0 {
		return nil
	}
	g.add(uintParam("disk.count", uint32(len(disks))))
	for i, d := range disks {
		pfx := fmt.Sprintf("disk.%d.", i)
		var name string
		if json.Unmarshal(d["name"], &name) != nil {
			return agentErr("'name' missing in reply of guest-get-disks")
		}
		var partition bool
		if json.Unmarshal(d["partition"], &partition) != nil {
			return agentErr("'partition' missing in reply of guest-get-disks")
		}
		g.add(strParam(pfx+"name", name), boolParam(pfx+"partition", partition))
		if raw, ok := d["dependencies"]; ok {
			var deps []string
			if json.Unmarshal(raw, &deps) != nil {
				return agentErr("'dependencies' malformed in reply of guest-get-disks")
			}
			g.add(uintParam(pfx+"dependency.count", uint32(len(deps))))
			for j, dep := range deps {
				g.add(strParam(fmt.Sprintf("%sdependency.%d.name", pfx, j), dep))
			}
		}
		if raw, ok := d["address"]; ok {
			var addr map[string]json.RawMessage
			if json.Unmarshal(raw, &addr) != nil {
				return agentErr("'address' malformed in reply of guest-get-disks")
			}
			da, err := parseAgentDisk(addr)
			if err != nil {
				return err
			}
			if da.serial != "" {
				g.add(strParam(pfx+"serial", da.serial))
			}
			if dd := diskByAddress(def, da); dd != nil {
				g.add(strParam(pfx+"alias", dd.Dst()))
			}
		}
		var alias string
		if raw, ok := d["alias"]; ok && json.Unmarshal(raw, &alias) == nil {
			g.add(strParam(pfx+"guest_alias", alias))
		}
	}
	return nil
}

// interfaces is qemuAgentGetInterfaces with
// virDomainInterfaceFormatParams.
func (g *guestInfo) interfaces() error {
	ifaces, err := agentInterfaces(g.ctx, g.a)
	if err != nil {
		if !g.strict && qga.Unsupported(err) {
			return nil
		}
		return err
	}
	if len(ifaces) == 0 {
		return nil
	}
	g.add(uintParam("if.count", uint32(len(ifaces))))
	for i, iface := range ifaces {
		pfx := fmt.Sprintf("if.%d.", i)
		g.add(strParam(pfx+"name", iface.Name))
		if iface.Hwaddr != nil {
			g.add(strParam(pfx+"hwaddr", *iface.Hwaddr))
		}
		g.add(uintParam(pfx+"addr.count", uint32(len(iface.Addrs))))
		for j, a := range iface.Addrs {
			apfx := fmt.Sprintf("%saddr.%d.", pfx, j)
			typ := "ipv4"
			if a.Type == ipAddrIPv6 {
				typ = "ipv6"
			}
			g.add(strParam(apfx+"type", typ), strParam(apfx+"addr", a.Addr), uintParam(apfx+"prefix", a.Prefix))
		}
	}
	return nil
}

// DomainGetGuestInfo is qemuDomainGetGuestInfo.
func (c *conn) DomainGetGuestInfo(ctx context.Context, dom driver.DomainRef, types uint32, flags uint32) ([]driver.TypedParam, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainGetGuestInfo"); err != nil {
		return nil, err
	}
	if types&^guestInfoAll != 0 {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "Unsupported guest information types '0x%x'", types&^guestInfoAll)
	}
	if err := c.denyReadOnly("virDomainGetGuestInfo"); err != nil {
		return nil, err
	}
	strict := types != 0
	if types == 0 {
		types = guestInfoAll
	}
	var params []driver.TypedParam
	err := c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
		p.o.mu.Lock()
		def := p.o.current()
		p.o.mu.Unlock()
		g := &guestInfo{ctx: ctx, a: a, strict: strict}
		for _, step := range []struct {
			typ uint32
			run func() error
		}{
			{guestInfoUsers, g.users},
			{guestInfoOS, g.osInfo},
			{guestInfoTimezone, g.timezone},
			{guestInfoHostname, g.hostname},
			{guestInfoFilesystem, func() error { return g.filesystems(def) }},
			{guestInfoDisks, func() error { return g.disks(def) }},
			{guestInfoInterfaces, g.interfaces},
		} {
			if types&step.typ == 0 {
				continue
			}
			if err := step.run(); err != nil {
				return err
			}
		}
		params = g.params
		return nil
	})
	return params, err
}

// Agent lifecycle events (VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE).
const (
	eventIDAgentLifecycle int32 = 18

	agentConnected     int32 = 1 // VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED
	agentDisconnected  int32 = 2 // …_STATE_DISCONNECTED
	agentReasonChannel int32 = 2 // VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL
)

// observeEvent is the hook the QMP event handler calls for every event of
// the guest before handling it: qemu-monitor-event subscribers see it,
// and a virtio port opening or closing is tracked.
func (p *qemuProcess) observeEvent(ev qmp.Event) {
	p.relayMonitorEvent(ev)
	switch ev.Name {
	case "SHUTDOWN", "RESET":
		p.wakeAwaiting(ev.Name)
	case "VSERPORT_CHANGE":
		var data struct {
			ID   string `json:"id"`
			Open bool   `json:"open"`
		}
		if json.Unmarshal(ev.Data, &data) == nil && data.ID != "" {
			p.queuePortChange(portChange{alias: data.ID, open: data.Open})
		}
	}
}

// portChange is one VSERPORT_CHANGE.
type portChange struct {
	alias string
	open  bool
}

// queuePortChange hands a port change to serialPortChanged off the event
// goroutine (the job may be held by a call waiting for this very
// monitor), one at a time and in QEMU's order, as libvirt's single
// event worker does: an open followed by a close must end closed.
func (p *qemuProcess) queuePortChange(c portChange) {
	p.mu.Lock()
	p.portChanges = append(p.portChanges, c)
	if p.portWorker {
		p.mu.Unlock()
		return
	}
	p.portWorker = true
	p.mu.Unlock()
	go func() {
		for {
			p.mu.Lock()
			if len(p.portChanges) == 0 {
				p.portWorker = false
				p.mu.Unlock()
				return
			}
			c := p.portChanges[0]
			p.portChanges = p.portChanges[1:]
			p.mu.Unlock()
			p.serialPortChanged(c.alias, c.open)
		}
	}()
}

// setChannelState records a virtio channel's state in def (the target's
// state attribute, printed for live definitions); it reports the channel
// found, nil when alias names none.
func setChannelState(def *domain.Def, alias string, connected bool) *domain.Device {
	if def == nil || def.Devices == nil {
		return nil
	}
	state := "disconnected"
	if connected {
		state = "connected"
	}
	for _, ch := range def.Devices.Channels() {
		t := ch.Child("target")
		if ch.Info.Alias != alias || t == nil || t.Prop("type") != "virtio" {
			continue
		}
		nt := &xmltree.Node{Name: t.Name, Line: t.Line}
		for _, a := range t.Attrs {
			if a.Name != "state" {
				nt.Attrs = append(nt.Attrs, a)
			}
		}
		nt.Attrs = append(nt.Attrs, xmltree.Attr{Name: "state", Value: state})
		ch.SetChild(nt)
		return ch
	}
	return nil
}

// agentReasonDomainStarted is
// VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED.
const agentReasonDomainStarted int32 = 1

// refreshChannelStates is qemuProcessRefreshChannelVirtioState, for a
// start (booted) or a reconnect: open maps chardev labels
// ("charchannel0") to query-chardev's frontend-open. The virtio
// channels of def (the live definition) take their state, and the
// agent's channel announces it with an agent lifecycle event (reason
// "domain started" for a start, "channel" for a reconnect), as libvirt's
// does.
func (p *qemuProcess) refreshChannelStates(ref driver.DomainRef, def *domain.Def, open map[string]bool, booted bool) {
	if def == nil || def.Devices == nil {
		return
	}
	reason := agentReasonChannel
	if booted {
		reason = agentReasonDomainStarted
	}
	for _, ch := range def.Devices.Channels() {
		o, ok := open["char"+ch.Info.Alias]
		if !ok || ch.Info.Alias == "" {
			continue
		}
		if setChannelState(def, ch.Info.Alias, o) == nil {
			continue
		}
		if t := ch.Child("target"); t != nil && t.Prop("name") == agentChannelName {
			state := agentDisconnected
			if o {
				state = agentConnected
			}
			p.d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDAgentLifecycle,
				Payload: &driver.DomainEventCallbackAgentLifecycleMsg{Dom: ref, State: state, Reason: reason}})
		}
	}
}

// isAgentPort says whether alias names the guest agent's channel: only
// its closing drops the agent's connection.
func (p *qemuProcess) isAgentPort(alias string) bool {
	o := p.o
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.proc != p || o.live == nil || o.live.Devices == nil {
		return false
	}
	for _, ch := range o.live.Devices.Channels() {
		if ch.Info.Alias == alias {
			t := ch.Child("target")
			return t != nil && t.Prop("name") == agentChannelName
		}
	}
	return false
}

// serialPortChanged is processSerialChangedEvent: the live definition
// keeps the port's state, and for the agent's port the connection is
// dropped when the guest closes it and an agent lifecycle event goes out.
func (p *qemuProcess) serialPortChanged(alias string, open bool) {
	o, d := p.o, p.d
	if !open && p.isAgentPort(alias) {
		p.closeAgent()
	}
	if err := o.job.acquire(context.Background(), "modify", "processSerialChangedEvent"); err != nil {
		return
	}
	defer o.job.end()
	o.mu.Lock()
	if o.proc != p {
		o.mu.Unlock()
		return
	}
	ch := setChannelState(o.live, alias, open)
	ref := o.ref()
	o.mu.Unlock()
	if ch == nil {
		return
	}
	_ = d.writeStatus(o)
	if t := ch.Child("target"); t == nil || t.Prop("name") != agentChannelName {
		return
	}
	state := agentDisconnected
	if open {
		state = agentConnected
	}
	d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDAgentLifecycle,
		Payload: &driver.DomainEventCallbackAgentLifecycleMsg{Dom: ref, State: state, Reason: agentReasonChannel}})
}

// awaits are the agent commands waiting for a QMP event to end them
// (libvirt's agent->await_event), by process.
var awaits struct {
	mu sync.Mutex
	m  map[*qemuProcess]map[string]chan struct{}
}

// awaitEvent returns a channel closed when the guest's QEMU sends the
// event (SHUTDOWN or RESET), and a function to stop waiting.
func (p *qemuProcess) awaitEvent(name string) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	awaits.mu.Lock()
	if awaits.m == nil {
		awaits.m = map[*qemuProcess]map[string]chan struct{}{}
	}
	if awaits.m[p] == nil {
		awaits.m[p] = map[string]chan struct{}{}
	}
	awaits.m[p][name] = ch
	awaits.mu.Unlock()
	return ch, func() {
		awaits.mu.Lock()
		if awaits.m[p][name] == ch {
			delete(awaits.m[p], name)
			if len(awaits.m[p]) == 0 {
				delete(awaits.m, p)
			}
		}
		awaits.mu.Unlock()
	}
}

// wakeAwaiting is qemuAgentNotifyEvent.
func (p *qemuProcess) wakeAwaiting(name string) {
	awaits.mu.Lock()
	ch := awaits.m[p][name]
	delete(awaits.m[p], name)
	awaits.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// agentShutdownTimeout is VIR_DOMAIN_QEMU_AGENT_COMMAND_SHUTDOWN.
const agentShutdownTimeout = 60

// agentAvailable is qemuDomainAgentAvailable without the error: the guest
// runs and its agent's port is open, which is when libvirt prefers the
// agent for a shutdown or reboot without flags.
func (c *conn) agentAvailable(ctx context.Context, dom driver.DomainRef) bool {
	return c.withAgent(ctx, dom, func(*qemuProcess, *qga.Conn) error { return nil }) == nil
}

// agentShutdown is qemuDomainShutdownFlagsAgent: guest-shutdown
// (powerdown, or reboot), which the agent does not answer; it is over
// with QEMU's SHUTDOWN (RESET for a reboot) event. The shutdown and
// reboot calls use it for VIR_DOMAIN_SHUTDOWN_GUEST_AGENT, and without
// flags when agentAvailable.
func (c *conn) agentShutdown(ctx context.Context, dom driver.DomainRef, reboot bool) error {
	mode, event := "powerdown", "SHUTDOWN"
	if reboot {
		mode, event = "reboot", "RESET"
	}
	return c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
		// The guest's own power-off is a real one, not a fake reboot.
		p.mu.Lock()
		p.fakeReboot = false
		p.mu.Unlock()
		wake, stop := p.awaitEvent(event)
		defer stop()
		return a.ExecuteAwait(ctx, "guest-shutdown", map[string]string{"mode": mode}, agentShutdownTimeout, wake)
	})
}
