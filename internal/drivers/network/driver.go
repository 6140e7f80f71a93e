// Package network is govirt's network driver (libvirt's
// src/network/bridge_driver.c): virtual networks with a bridge, their
// addresses, routes and sysctls through netlink (internal/hostnet), the
// firewall rules of netfw recorded as their removals, dnsmasq for DHCP,
// DNS and router advertisements with a lease helper, and network ports
// for guest interfaces.
//
// One Driver serves a host (one daemon root); every connection opened on
// network:///system shares it.
package network

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/dnsmasq"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/network/netfw"
	"github.com/govirt/govirt/internal/firewall"
	"github.com/govirt/govirt/internal/hostnet"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Name is the URI scheme the driver registers under (network:///system).
const Name = "network"

// Config says where a Driver keeps its files and how it reaches the host.
type Config struct {
	Layout daemon.Layout
	// Runner runs nft/iptables, dnsmasq and tc; nil is the real one.
	Runner cmdrun.Runner
	// Dnsmasq is the dnsmasq binary ("" finds dnsmasq in PATH).
	Dnsmasq string
	// LeaseHelper is the --dhcp-script program; "" looks for
	// govirt-leaseshelper next to the running executable, then in PATH.
	LeaseHelper string
	// Host does the host side; nil is the real one (netlink).
	Host Host
}

// Host is the host side of a network: what the driver does through
// netlink. Tests of the driver's logic give a fake.
type Host interface {
	Exists(name string) bool
	CreateBridge(name string, opts hostnet.BridgeOptions) error
	DeleteLink(name string) error
	SetUp(name string, up bool) error
	SetSTP(bridge string, on bool) error
	SetSTPDelay(bridge string, ms uint64) error
	AddAddress(name string, addr addr, prefix int) error
	AddRoute(dev string, dst prefix, gw addr, metric int) error
	Routes(v6 bool) ([]hostnet.Route, error)
	Sysctl(key, value string) error
}

// Driver is the network driver of one host.
type Driver struct {
	cfg    Config
	runner cmdrun.Runner
	host   Host
	names  *hostnet.Names
	events driver.EventBus

	mu       sync.Mutex
	nets     []*netObj
	fw       *netfw.Manager
	fwErr    error
	caps     *dnsmasq.Caps
	capsErr  error
	capsDone bool
	loaded   bool
}

// New returns a driver for cfg; Load reads its saved state.
func New(cfg Config) *Driver {
	d := &Driver{cfg: cfg, runner: cfg.Runner, host: cfg.Host, names: hostnet.Shared()}
	if d.runner == nil {
		d.runner = &cmdrun.Exec{}
	}
	if d.host == nil {
		d.host = netlinkHost{}
	}
	return d
}

// Paths of the driver's files, as libvirt lays them out.
func (d *Driver) configDir() string {
	return filepath.Join(d.cfg.Layout.ConfigDir(), "qemu", "networks")
}
func (d *Driver) autostartDir() string { return filepath.Join(d.configDir(), "autostart") }
func (d *Driver) stateDir() string     { return filepath.Join(d.cfg.Layout.RunDir(), "network") }
func (d *Driver) dnsmasqDir() string   { return filepath.Join(d.cfg.Layout.StateDir(), "dnsmasq") }
func (d *Driver) networkConf() string  { return filepath.Join(d.cfg.Layout.ConfigDir(), "network.conf") }

// Names is the process's one set of device-name counters (hostnet.Shared),
// the same the QEMU driver takes tap and macvtap names from.
func (d *Driver) Names() *hostnet.Names { return d.names }

// firewall returns the rule manager, choosing the backend from
// network.conf the first time.
func (d *Driver) firewall() (*netfw.Manager, error) {
	if d.fw != nil || d.fwErr != nil {
		return d.fw, d.fwErr
	}
	cfg, err := netfw.ReadConfig(d.networkConf())
	if err == nil {
		var b firewall.Backend
		if b, err = netfw.ChooseBackend(cfg, nil); err == nil {
			d.fw = &netfw.Manager{Backend: b, Runner: d.runner}
		}
	}
	d.fwErr = err
	return d.fw, d.fwErr
}

// dnsmasqCaps probes the installed dnsmasq once; a missing dnsmasq is an
// error only for networks that need it.
func (d *Driver) dnsmasqCaps(ctx context.Context) (*dnsmasq.Caps, error) {
	if d.capsDone {
		return d.caps, d.capsErr
	}
	bin := d.cfg.Dnsmasq
	if bin == "" {
		bin = "dnsmasq"
	}
	if _, err := exec.LookPath(bin); err != nil {
		// Not remembered: installing dnsmasq must not need a restart.
		return nil, virterr.NewFrom(virterr.FromNetwork, virterr.InternalError, "Cannot check dnsmasq binary %s: No such file or directory", bin)
	}
	d.caps, d.capsErr = dnsmasq.ProbeCaps(ctx, d.runner, bin)
	d.capsDone = true
	return d.caps, d.capsErr
}

// leaseHelper is the --dhcp-script program, or "" when there is none.
func (d *Driver) leaseHelper() string {
	if d.cfg.LeaseHelper != "" {
		return d.cfg.LeaseHelper
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "govirt-leaseshelper")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("govirt-leaseshelper"); err == nil {
		return p
	}
	return ""
}

// The process-wide driver that network:///system connections share.
var system struct {
	mu  sync.Mutex
	cfg *Config
	d   *Driver
}

// Configure sets the configuration of the process-wide driver before the
// first connection opens it (govirtd passes its layout). Without it the
// root comes from GOVIRT_ROOT, else the system paths.
func Configure(cfg Config) {
	system.mu.Lock()
	defer system.mu.Unlock()
	system.cfg = &cfg
}

// System returns the process-wide driver, loading its saved state and
// autostarting networks the first time.
func System(ctx context.Context) (*Driver, error) {
	system.mu.Lock()
	defer system.mu.Unlock()
	if system.d != nil {
		return system.d, nil
	}
	cfg := Config{Layout: daemon.Layout{Root: os.Getenv("GOVIRT_ROOT")}}
	if system.cfg != nil {
		cfg = *system.cfg
	}
	d := New(cfg)
	if err := d.Load(ctx); err != nil {
		return nil, err
	}
	d.Autostart(ctx)
	system.d = d
	return d, nil
}

// Open serves network:///system (and network:///session, refused: a
// session daemon cannot create bridges).
func Open(ctx context.Context, u *uri.URI, flags driver.OpenFlags) (*driver.Connection, error) {
	if u.Path != "/system" {
		return nil, virterr.NewFrom(virterr.FromNetwork, virterr.InternalError, "unexpected network URI path '%s', try network:///system", u.Path)
	}
	d, err := System(ctx)
	if err != nil {
		return nil, err
	}
	return d.Connection(flags), nil
}

// Connection is a connection served by d; its only families are networks
// and their events.
func (d *Driver) Connection(flags driver.OpenFlags) *driver.Connection {
	c := &conn{d: d, readOnly: flags&driver.OpenReadOnly != 0}
	return &driver.Connection{Network: c, Events: c, Close: c.close}
}

// Family returns the network family of a connection served by d, for a
// hypervisor connection (qemu:///system) that carries the network
// driver's tables too, as libvirt's connections do.
func (d *Driver) Family(flags driver.OpenFlags) (driver.Network, driver.Events, func(context.Context) error) {
	c := &conn{d: d, readOnly: flags&driver.OpenReadOnly != 0}
	return c, c, c.close
}

// conn is one connection's view of the driver.
type conn struct {
	driver.UnsupportedNetwork
	d        *Driver
	readOnly bool
}

var (
	_ driver.Network = (*conn)(nil)
	_ driver.Events  = (*conn)(nil)
)

func (c *conn) close(ctx context.Context) error {
	c.d.events.DeregisterOwner(c)
	return nil
}

var _ driver.EventStater = (*conn)(nil)

// EventState is the driver's event bus: the daemon numbers this
// driver's callback IDs with it, as libvirtd numbers them per event state.
func (c *conn) EventState() *driver.EventBus { return &c.d.events }

// EventRegister subscribes to network events.
func (c *conn) EventRegister(ctx context.Context, kind driver.EventKind, id int32, filter any, cb driver.EventCallback) (int32, error) {
	if kind != driver.EventNetwork {
		return driver.UnsupportedEvents{}.EventRegister(ctx, kind, id, filter, cb)
	}
	return c.d.events.Register(c, kind, id, filter, cb)
}

// EventDeregister cancels a subscription of this connection.
func (c *conn) EventDeregister(ctx context.Context, callbackID int32) error {
	return c.d.events.Deregister(c, callbackID)
}

func (c *conn) denyReadOnly(function string) error {
	if c.readOnly {
		return virterr.NewFrom(virterr.FromNetwork, virterr.OperationDenied, "read only access prevents %s", function)
	}
	return nil
}
