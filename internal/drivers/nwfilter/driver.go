// Package nwfilter is govirt's network filter driver (libvirt's
// src/nwfilter/nwfilter_driver.c): it keeps the filter definitions and
// the bindings of filters to guest interfaces, persists both, instantiates
// the bindings' rules through a technology driver (nftables, or libvirt's
// ebtables/iptables commands), re-instantiates every affected interface
// when a filter changes, and learns a guest's IPv4 address from its
// traffic when a filter needs $IP and nobody gave it.
//
// It serves the nwfilter family of nwfilter:///system; the daemon's
// registry lends that family to its hypervisor connections
// (qemu:///system), as libvirtd hosts the nwfilter driver beside QEMU.
package nwfilter

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Name is the URI scheme the driver serves.
const Name = "nwfilter"

// Backend names for Config.Backend.
const (
	BackendNFT        = "nft"
	BackendEbiptables = "ebiptables"
)

// Config configures a driver.
type Config struct {
	// Root prefixes every path ("" = the real system paths).
	Root string
	// Runner runs the firewall tools; nil means really running them.
	Runner cmdrun.Runner
	// Backend chooses the technology driver: BackendNFT, BackendEbiptables,
	// or "" for nft when it can be run, else ebtables/iptables.
	Backend string
	// Host reaches the host's interfaces; nil means this process's
	// network namespace.
	Host Host
	// MacvtapLearnTimeout is how long a learner listening on a macvtap's
	// link device waits before giving up (0: 10 minutes). A tap's learner
	// ends with the tap instead.
	MacvtapLearnTimeout time.Duration
	// NoLibrary skips defining the standard filters.
	NoLibrary bool
	Logger    *slog.Logger
}

// Paths are the driver's directories, as libvirt lays them out.
type Paths struct {
	ConfigDir string // etc/libvirt/nwfilter: filter definitions
	StatusDir string // run/libvirt/nwfilter-binding: binding status
}

// NewPaths returns the layout for root ("" = the real system paths).
func NewPaths(root string) Paths {
	j := func(parts ...string) string { return filepath.Join(append([]string{"/", root}, parts...)...) }
	return Paths{
		ConfigDir: j("etc", "libvirt", "nwfilter"),
		StatusDir: j("run", "libvirt", "nwfilter-binding"),
	}
}

// Driver is one network filter driver (libvirt's virNWFilterDriverState):
// the filters and bindings of one root, shared by every connection.
type Driver struct {
	paths   Paths
	tech    technology
	host    Host
	log     *slog.Logger
	timeout time.Duration

	// mu serialises every change of filters, bindings and firewall
	// rules (libvirt's driver lock and updateLock in one).
	mu       sync.Mutex
	filters  map[string]*filterObj
	order    []string // filter names in definition order
	bindings map[string]*bindingObj
	closed   bool

	learners sync.WaitGroup
}

// NewDriver creates a driver: it loads the saved filters, defines the
// standard ones that are missing, loads the saved bindings and
// re-instantiates their rules (libvirt's nwfilterStateInitialize).
func NewDriver(ctx context.Context, cfg Config) (*Driver, error) {
	d := &Driver{
		paths:    NewPaths(cfg.Root),
		host:     cfg.Host,
		log:      cfg.Logger,
		timeout:  cfg.MacvtapLearnTimeout,
		filters:  map[string]*filterObj{},
		bindings: map[string]*bindingObj{},
	}
	if d.host == nil {
		d.host = localHost{}
	}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if d.timeout == 0 {
		d.timeout = 10 * time.Minute
	}
	runner := cfg.Runner
	if runner == nil {
		runner = &cmdrun.Exec{}
	}
	tech, err := chooseTechnology(ctx, runner, cfg.Backend)
	if err != nil {
		return nil, err
	}
	d.tech = tech
	for _, dir := range []string{d.paths.ConfigDir, d.paths.StatusDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, virterr.NewFrom(virterr.FromNwfilter, virterr.SystemError,
				"cannot create directory '%s': %v", dir, err)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.loadFilters()
	if !cfg.NoLibrary {
		d.defineLibrary()
	}
	d.loadBindings(ctx)
	return d, nil
}

// Close stops every learner and waits for them; the rules stay in place
// for the next daemon (libvirt's nwfilterStateCleanup).
func (d *Driver) Close() {
	d.mu.Lock()
	d.closed = true
	for _, b := range d.bindings {
		if b.learner != nil {
			b.learner.cancel()
		}
	}
	d.mu.Unlock()
	d.learners.Wait()
}

// Backend names the technology driver in use.
func (d *Driver) Backend() string { return d.tech.name() }

var instances struct {
	mu      sync.Mutex
	d       *Driver
	root    string
	rootSet bool
}

// SetRoot places every file of the process's driver under root, as
// govirtd --root does. It must be called before the first Open.
func SetRoot(root string) {
	instances.mu.Lock()
	defer instances.mu.Unlock()
	instances.root, instances.rootSet = root, true
}

// daemonRoot is the root SetRoot chose, else GOVIRT_ROOT (tests that
// run the driver in process), else the system layout.
func daemonRoot() string {
	if instances.rootSet {
		return instances.root
	}
	return os.Getenv("GOVIRT_ROOT")
}

// System returns the process's driver, starting it on first use.
func System(ctx context.Context) (*Driver, error) {
	instances.mu.Lock()
	defer instances.mu.Unlock()
	if instances.d != nil {
		return instances.d, nil
	}
	d, err := NewDriver(ctx, Config{Root: daemonRoot()})
	if err != nil {
		return nil, err
	}
	instances.d = d
	return d, nil
}

// Open serves nwfilter:///system.
func Open(ctx context.Context, u *uri.URI, flags driver.OpenFlags) (*driver.Connection, error) {
	if u.Path != "/system" {
		return nil, virterr.NewFrom(virterr.FromNwfilter, virterr.InternalError,
			"unexpected nwfilter URI path '%s', try nwfilter:///system", u.Path)
	}
	d, err := System(ctx)
	if err != nil {
		return nil, err
	}
	return d.Connect(flags), nil
}

// Connect opens a connection to the driver.
func (d *Driver) Connect(flags driver.OpenFlags) *driver.Connection {
	return &driver.Connection{NWFilter: &conn{d: d, readOnly: flags&driver.OpenReadOnly != 0}}
}

func nwErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNwfilter, code, format, args...)
}
