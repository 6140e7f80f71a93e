package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/dnsmasq"
	"github.com/govirt/govirt/internal/drivers/network/leases"
	"github.com/govirt/govirt/internal/hostnet"
	"github.com/govirt/govirt/internal/tc"
	"github.com/govirt/govirt/virt/virterr"
)

// createsBridge reports whether the driver makes the network's bridge
// (the virtual modes) rather than using a host's.
func createsBridge(def *network.Def) bool {
	switch def.Forward.Mode {
	case network.ForwardNone, network.ForwardNAT, network.ForwardRoute, network.ForwardOpen:
		return true
	}
	return false
}

// undo is the list of steps to take back when a start fails, newest
// first.
type undo []func()

func (u *undo) push(f func()) { *u = append(*u, f) }
func (u undo) run() {
	for i := len(u) - 1; i >= 0; i-- {
		u[i]()
	}
}

// step runs one named start step, returning its error as is (they are
// libvirt's errors already).
func step(name string, f func() error) error {
	if err := f(); err != nil {
		return err
	}
	return nil
}

func (d *Driver) internalErr(format string, args ...any) error {
	return netErr(virterr.InternalError, format, args...)
}

// checkBridgeName refuses a bridge name another network uses
// (networkBridgeNameValidate) and a forward device that is the bridge.
func (d *Driver) checkBridge(def *network.Def) error {
	if def.Bridge == "" {
		return nil
	}
	for _, o := range d.nets {
		if o.def.Name != def.Name && o.def.UUID != def.UUID && o.def.Bridge == def.Bridge {
			return d.internalErr("bridge name '%s' already in use.", def.Bridge)
		}
	}
	if createsBridge(def) && def.ForwardDev(0) == def.Bridge {
		return netErr(virterr.ConfigUnsupported, "network '%s' forward device '%s' cannot be the network's own bridge", def.Name, def.Bridge)
	}
	return nil
}

// assignBridge gives a virtual network without a bridge name the first
// free virbr%d (networkFindUnusedBridgeName) and, for the modes whose
// bridge the driver creates, a MAC.
func (d *Driver) assignBridge(def *network.Def) error {
	if createsBridge(def) {
		def.SetBridgeMAC()
	}
	if !createsBridge(def) && def.Forward.Mode != network.ForwardBridge {
		return nil
	}
	if def.Bridge != "" && !strings.Contains(def.Bridge, "%d") {
		return d.checkBridge(def)
	}
	if def.Forward.Mode == network.ForwardBridge {
		return nil
	}
	template := def.Bridge
	if template == "" {
		template = "virbr%d"
	}
	for id := 0; id <= 1000; id++ {
		name := strings.Replace(template, "%d", strconv.Itoa(id), 1)
		used := d.host.Exists(name)
		for _, o := range d.nets {
			if o.def.Bridge == name && o.def.UUID != def.UUID {
				used = true
			}
		}
		if !used {
			def.Bridge = name
			return d.checkBridge(def)
		}
	}
	return d.internalErr("Bridge generation exceeded max id %d", 1000)
}

// checkRouteCollision refuses a subnet the host already routes through
// another interface (networkCheckRouteCollision): the network would
// shadow it or be shadowed.
func (d *Driver) checkRouteCollision(def *network.Def) error {
	for _, v6 := range []bool{false, true} {
		routes, err := d.host.Routes(v6)
		if err != nil {
			return err
		}
		for _, r := range routes {
			if r.Dev == def.Bridge {
				continue
			}
			for _, ip := range def.IPs {
				if !ip.Address.IsValid() || ip.Address.Is6() != v6 {
					continue
				}
				p := netip.PrefixFrom(ip.Address, ip.Prefix()).Masked()
				if r.Dst.Bits() == p.Bits() && r.Dst.Masked() == p {
					return d.internalErr("Network is already in use by interface %s", r.Dev)
				}
			}
			for _, rt := range def.Routes {
				if !rt.Address.IsValid() || rt.Address.Is6() != v6 {
					continue
				}
				p := netip.PrefixFrom(rt.Address, routePrefix(rt)).Masked()
				if r.Dst.Bits() == p.Bits() && r.Dst.Masked() == p {
					return d.internalErr("Route address '%s' conflicts with IP address for '%s'", p.Addr(), r.Dev)
				}
			}
		}
	}
	return nil
}

func routePrefix(r *network.Route) int {
	if r.HasPrefix {
		return int(r.PrefixLn)
	}
	if r.Netmask.IsValid() {
		n := 0
		for _, b := range r.Netmask.AsSlice() {
			for ; b&0x80 != 0; b <<= 1 {
				n++
			}
		}
		return n
	}
	return r.Address.BitLen()
}

// needsDnsmasq reports whether the network runs dnsmasq
// (networkStartDhcpDaemon): any address to serve DHCP, DNS or RA on.
func needsDnsmasq(def *network.Def) bool {
	if !createsBridge(def) || len(def.IPs) == 0 {
		return false
	}
	if def.DNS.Enable != netdev.No {
		return true
	}
	for _, ip := range def.IPs {
		if len(ip.Ranges) > 0 || len(ip.Hosts) > 0 || ip.Address.Is6() {
			return true
		}
	}
	return false
}

func hasIPv6(def *network.Def) bool {
	for _, ip := range def.IPs {
		if ip.Address.Is6() {
			return true
		}
	}
	return def.IPv6NoGateway
}

// startLocked starts a network in named steps; a failure takes back every
// step already done, so nothing it created stays behind.
func (d *Driver) startLocked(ctx context.Context, o *netObj) (err error) {
	if o.active {
		return netErr(virterr.OperationInvalid, "network is already active")
	}
	def := o.def
	if err := def.Validate(); err != nil {
		return err
	}
	if err := d.assignBridge(def); err != nil {
		return err
	}
	var u undo
	defer func() {
		if err != nil {
			u.run()
		}
	}()
	switch {
	case createsBridge(def):
		if err := d.startVirtual(ctx, o, &u); err != nil {
			return err
		}
	case def.Forward.Mode == network.ForwardBridge && def.Bridge != "":
		if !d.host.Exists(def.Bridge) {
			return netErr(virterr.InternalError, "bridge '%s' for network '%s' does not exist", def.Bridge, def.Name)
		}
	default:
		// macvtap and hostdev pools: ports take devices from the pool
		// as guests start; nothing to set up on the host.
	}
	o.classIDs = map[uint]bool{}
	o.ports = nil
	u.push(func() { os.Remove(d.statusFile(def.Name)) })
	if err := step("status", func() error { return d.saveStatus(o) }); err != nil {
		return err
	}
	o.active = true
	return nil
}

// startVirtual brings up a network whose bridge the driver creates
// (networkStartNetworkVirtual).
func (d *Driver) startVirtual(ctx context.Context, o *netObj, u *undo) error {
	def := o.def
	if err := step("route collision", func() error { return d.checkRouteCollision(def) }); err != nil {
		return err
	}
	var caps *dnsmasq.Caps
	if needsDnsmasq(def) {
		var err error
		if caps, err = d.dnsmasqCaps(ctx); err != nil {
			return err
		}
	}
	if err := step("bridge", func() error {
		if d.host.Exists(def.Bridge) {
			return d.internalErr("bridge name '%s' already in use.", def.Bridge)
		}
		opts := hostnet.BridgeOptions{MTU: int(def.MTU)}
		if def.MACSpecified {
			opts.MAC = net.HardwareAddr(def.MAC[:])
		}
		return d.host.CreateBridge(def.Bridge, opts)
	}); err != nil {
		return err
	}
	u.push(func() { d.host.DeleteLink(def.Bridge) })

	if err := step("ipv6 sysctls", func() error { return d.setIPv6Sysctls(def) }); err != nil {
		return err
	}
	if err := step("addresses", func() error {
		for _, ip := range def.IPs {
			if ip.Address.IsValid() {
				if err := d.host.AddAddress(def.Bridge, ip.Address, ip.Prefix()); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := step("stp", func() error {
		// The delay first: with STP on, the kernel refuses one under 2 s.
		if err := d.host.SetSTPDelay(def.Bridge, def.Delay*1000); err != nil {
			return err
		}
		return d.host.SetSTP(def.Bridge, def.STP)
	}); err != nil {
		return err
	}
	if err := step("bridge up", func() error { return d.host.SetUp(def.Bridge, true) }); err != nil {
		return err
	}
	if err := step("routes", func() error {
		for _, r := range def.Routes {
			if err := d.host.AddRoute(def.Bridge, netip.PrefixFrom(r.Address, routePrefix(r)), r.Gateway, int(r.Metric)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := step("forwarding", func() error {
		if def.Forward.Mode != network.ForwardNAT && def.Forward.Mode != network.ForwardRoute && def.Forward.Mode != network.ForwardOpen {
			return nil
		}
		if err := d.host.Sysctl("net/ipv4/ip_forward", "1"); err != nil {
			return err
		}
		if hasIPv6(def) {
			return d.host.Sysctl("net/ipv6/conf/all/forwarding", "1")
		}
		return nil
	}); err != nil {
		return err
	}
	if err := step("firewall", func() error {
		if def.Forward.Mode == network.ForwardOpen {
			return nil
		}
		fw, err := d.firewall()
		if err != nil {
			return err
		}
		rm, err := fw.Add(ctx, def)
		if err != nil {
			return err
		}
		o.fwRemoval = rm
		u.push(func() { fw.Remove(context.WithoutCancel(ctx), rm); o.fwRemoval = nil })
		return nil
	}); err != nil {
		return err
	}
	if caps != nil {
		if err := step("dnsmasq", func() error { return d.startDnsmasq(ctx, def, caps, u) }); err != nil {
			return err
		}
	}
	if def.Bandwidth != nil {
		if err := step("bandwidth", func() error { return d.setBridgeBandwidth(ctx, def) }); err != nil {
			return err
		}
	}
	return nil
}

// setIPv6Sysctls disables IPv6 on a bridge without IPv6 addresses, and
// keeps one with them from learning routes or addresses from router
// advertisements (networkSetIPv6Sysctls).
func (d *Driver) setIPv6Sysctls(def *network.Def) error {
	base := "net/ipv6/conf/" + def.Bridge + "/"
	if _, err := os.Stat("/proc/sys/" + base + "disable_ipv6"); err != nil {
		// No IPv6 on this host; nothing to set.
		return nil
	}
	if !hasIPv6(def) {
		return d.host.Sysctl(base+"disable_ipv6", "1")
	}
	if err := d.host.Sysctl(base+"disable_ipv6", "0"); err != nil {
		return err
	}
	if err := d.host.Sysctl(base+"accept_ra", "0"); err != nil {
		return err
	}
	return d.host.Sysctl(base+"autoconf", "0")
}

func (d *Driver) dnsmasqPaths(name string) dnsmasq.Paths {
	return dnsmasq.Paths{StateDir: d.dnsmasqDir(), Name: name}
}

// startDnsmasq writes the network's dnsmasq files and starts it; dnsmasq
// forks, writing its pid file.
func (d *Driver) startDnsmasq(ctx context.Context, def *network.Def, caps *dnsmasq.Caps, u *undo) error {
	paths := d.dnsmasqPaths(def.Name)
	pidfile := d.pidFile(def.Name)
	files, err := dnsmasq.Contents(def, pidfile, paths, caps)
	if err != nil {
		return err
	}
	if err := dnsmasq.Save(paths, files); err != nil {
		return err
	}
	u.push(func() { dnsmasq.Remove(paths) })
	os.Remove(pidfile)
	cmd := dnsmasq.Command(caps, paths, d.leaseHelper(), def.Bridge)
	cmd.AddEnv("GOVIRT_DNSMASQ_DIR", d.dnsmasqDir())
	if _, err := d.runner.Run(ctx, cmd); err != nil {
		return err
	}
	pid, err := waitPidFile(pidfile, 5*time.Second)
	if err != nil {
		return d.internalErr("dnsmasq for network '%s' wrote no pid file %s", def.Name, pidfile)
	}
	u.push(func() { killPid(pid); os.Remove(pidfile) })
	return nil
}

func readPid(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("bad pid in %s", path)
	}
	return pid, nil
}

func waitPidFile(path string, limit time.Duration) (int, error) {
	deadline := time.Now().Add(limit)
	for {
		pid, err := readPid(path)
		if err == nil {
			return pid, nil
		}
		if time.Now().After(deadline) {
			return 0, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// killPid stops a daemon with SIGTERM, then SIGKILL, and waits until it
// is gone so its sockets are free for a restart.
func killPid(pid int) {
	if syscall.Kill(pid, syscall.SIGTERM) != nil {
		return
	}
	for i := 0; i < 200; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		if isZombie(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}

func isZombie(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}

// stopLocked stops a network by undoing what its status records
// (networkShutdownNetwork): dnsmasq, the recorded firewall removals —
// exactly those, whatever this build would add — the bridge and every
// file the start wrote.
func (d *Driver) stopLocked(ctx context.Context, o *netObj) error {
	def := o.def
	var errs []error
	if pid, err := readPid(d.pidFile(def.Name)); err == nil {
		killPid(pid)
	}
	os.Remove(d.pidFile(def.Name))
	if o.fwRemoval != nil {
		if err := o.fwRemoval.Apply(ctx, d.runner); err != nil {
			errs = append(errs, err)
		}
		o.fwRemoval = nil
	}
	if createsBridge(def) && def.Bridge != "" {
		if def.Bandwidth != nil {
			tc.Clear(ctx, d.runner, def.Bridge)
		}
		if err := d.host.DeleteLink(def.Bridge); err != nil {
			errs = append(errs, err)
		}
		dnsmasq.Remove(d.dnsmasqPaths(def.Name))
		leases.Remove(leases.File(d.dnsmasqDir(), def.Bridge))
	}
	d.removePorts(o)
	os.Remove(d.statusFile(def.Name))
	o.active = false
	o.floorSum = 0
	o.classIDs = nil
	if o.newDef != nil {
		o.def, o.newDef = o.newDef, nil
	}
	if len(errs) > 0 {
		// The network is down either way; report what was left.
		return errors.Join(errs...)
	}
	return nil
}

// restartDnsmasq rewrites the dnsmasq files and restarts it, after a
// live update changed what it serves.
func (d *Driver) restartDnsmasq(ctx context.Context, o *netObj) error {
	if !needsDnsmasq(o.def) {
		return nil
	}
	if pid, err := readPid(d.pidFile(o.def.Name)); err == nil {
		killPid(pid)
	}
	caps, err := d.dnsmasqCaps(ctx)
	if err != nil {
		return err
	}
	var u undo
	return d.startDnsmasq(ctx, o.def, caps, &u)
}
