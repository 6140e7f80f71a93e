// Package qemu is govirt's QEMU/KVM driver (libvirt's src/qemu): it starts
// real guests from domain XML, drives them over QMP, keeps their live state
// in status files so a restarted daemon reconnects to them, and serves
// qemu:///system and qemu:///session.
package qemu

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Name is the URI scheme the driver serves.
const Name = "qemu"

// Driver is one QEMU driver instance (libvirt's virQEMUDriver): the
// domains of one root, shared by every connection of the process.
type Driver struct {
	paths      Paths
	privileged bool
	uri        string
	runner     cmdrun.Runner
	caps       *caps.Cache
	log        *slog.Logger
	// Emulator is the QEMU binary used when a definition names none.
	Emulator string
	// opener reaches the network and nwfilter drivers of the process.
	opener Opener

	mu      sync.Mutex
	domains []*domainObj
	nextID  int32

	events driver.EventBus
	// closeHooks run when a connection closes (autodestroy).
	closeMu    sync.Mutex
	closeHooks map[any][]func()
}

var instances struct {
	mu sync.Mutex
	m  map[string]*Driver
	// root is what SetRoot chose; rootSet says whether it was called.
	root    string
	rootSet bool
	opener  Opener
}

// SetRoot places every file of the driver under root, as govirtd --root
// does for its own files. It must be called before the first Open.
func SetRoot(root string) {
	instances.mu.Lock()
	defer instances.mu.Unlock()
	instances.root, instances.rootSet = root, true
}

// SetOpener gives the process's drivers a way to reach the network and
// nwfilter drivers (the daemon's registry); call it before the first Open.
func SetOpener(open Opener) {
	instances.mu.Lock()
	defer instances.mu.Unlock()
	instances.opener = open
}

// daemonRoot is the root SetRoot chose, else GOVIRT_ROOT (tests that
// run the driver in process), else the system layout.
func daemonRoot() string {
	if instances.rootSet {
		return instances.root
	}
	return os.Getenv("GOVIRT_ROOT")
}

// System starts the process's qemu:///system driver — reconnecting to
// running guests from their status files and starting autostart domains —
// as libvirt's qemuStateInitialize does when the daemon starts.
func System(ctx context.Context) (*Driver, error) { return instance(true) }

// instance returns the process's driver for the system or session URI,
// initialising it (reconnect, autostart) on first use.
func instance(privileged bool) (*Driver, error) {
	instances.mu.Lock()
	defer instances.mu.Unlock()
	key := "session"
	if privileged {
		key = "system"
	}
	if d := instances.m[key]; d != nil {
		return d, nil
	}
	root := daemonRoot()
	d, err := NewDriver(Config{Root: root, Privileged: privileged, Runner: &cmdrun.Exec{}, Opener: instances.opener})
	if err != nil {
		return nil, err
	}
	if instances.m == nil {
		instances.m = map[string]*Driver{}
	}
	instances.m[key] = d
	return d, nil
}

// Config configures a driver.
type Config struct {
	Root       string
	Privileged bool
	Runner     cmdrun.Runner
	Logger     *slog.Logger
	// Emulator overrides the default QEMU binary.
	Emulator string
	// NoAutostart skips starting autostart domains.
	NoAutostart bool
	// Opener opens network:///system and nwfilter:///system for guest
	// interfaces; nil means interfaces of type network and filters fail.
	Opener Opener
}

// NewDriver creates a driver, loads its persistent domains, reconnects to
// running guests from their status files and starts autostart domains.
func NewDriver(cfg Config) (*Driver, error) {
	d := &Driver{
		paths:      NewPaths(cfg.Root, cfg.Privileged),
		privileged: cfg.Privileged,
		runner:     cfg.Runner,
		log:        cfg.Logger,
		Emulator:   cfg.Emulator,
		opener:     cfg.Opener,
		nextID:     1,
		closeHooks: map[any][]func(){},
	}
	if d.runner == nil {
		d.runner = &cmdrun.Exec{}
	}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if d.Emulator == "" {
		d.Emulator = defaultEmulator()
	}
	d.uri = "qemu:///session"
	if cfg.Privileged {
		d.uri = "qemu:///system"
	}
	if err := d.paths.mkdirs(); err != nil {
		return nil, err
	}
	d.caps = caps.NewCache(d.paths.CapsCacheDir, d.runner)
	if err := d.loadConfigs(); err != nil {
		return nil, err
	}
	d.reconnectAll()
	if !cfg.NoAutostart {
		d.autostartAll()
	}
	return d, nil
}

func defaultEmulator() string {
	for _, p := range []string{"/usr/bin/qemu-system-x86_64", "/usr/libexec/qemu-kvm", "/usr/bin/qemu-kvm"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "/usr/bin/qemu-system-x86_64"
}

// Open serves qemu:///system and qemu:///session.
func Open(ctx context.Context, u *uri.URI, flags driver.OpenFlags) (*driver.Connection, error) {
	var privileged bool
	switch u.Path {
	case "/system":
		privileged = true
	case "/session":
	default:
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError,
			"unexpected QEMU URI path '%s', try qemu:///system or qemu:///session", u.Path)
	}
	d, err := instance(privileged)
	if err != nil {
		return nil, err
	}
	return d.Connect(flags), nil
}

// Connect opens a connection to an existing driver (tests and benchmarks
// hold their own driver).
func (d *Driver) Connect(flags driver.OpenFlags) *driver.Connection {
	c := &conn{d: d, readOnly: flags&driver.OpenReadOnly != 0}
	return &driver.Connection{
		Hypervisor: c,
		Events:     c,
		Close:      c.close,
	}
}

// conn is one client connection; its methods serve the Hypervisor table.
type conn struct {
	driver.UnsupportedHypervisor
	d        *Driver
	readOnly bool
}

var (
	_ driver.Hypervisor = (*conn)(nil)
	_ driver.Events     = (*conn)(nil)
)

func (c *conn) close(ctx context.Context) error {
	c.d.events.DeregisterOwner(c)
	c.d.closeMu.Lock()
	hooks := c.d.closeHooks[c]
	delete(c.d.closeHooks, c)
	c.d.closeMu.Unlock()
	for _, h := range hooks {
		h()
	}
	return nil
}

// onClose runs fn when c closes (virCloseCallbacks, for autodestroy).
func (c *conn) onClose(fn func()) {
	c.d.closeMu.Lock()
	c.d.closeHooks[c] = append(c.d.closeHooks[c], fn)
	c.d.closeMu.Unlock()
}

var _ driver.EventStater = (*conn)(nil)

// EventState is the driver's event bus: the daemon numbers this
// driver's callback IDs with it, as libvirtd numbers them per event state.
func (c *conn) EventState() *driver.EventBus { return &c.d.events }

// EventRegister subscribes to the driver's domain events.
func (c *conn) EventRegister(ctx context.Context, kind driver.EventKind, id int32, filter any, cb driver.EventCallback) (int32, error) {
	return c.d.events.Register(c, kind, id, filter, cb)
}

// EventDeregister cancels a subscription of this connection.
func (c *conn) EventDeregister(ctx context.Context, callbackID int32) error {
	return c.d.events.Deregister(c, callbackID)
}

func (c *conn) denyReadOnly(function string) error {
	if c.readOnly {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationDenied, "read only access prevents %s", function)
	}
	return nil
}

func unsupportedFlags(flags, known uint32, function string) error {
	if flags&^known != 0 {
		return virterr.UnsupportedFlags(virterr.FromQemu, uint64(flags&^known), function)
	}
	return nil
}

// Close stops watching guests (they keep running) — for tests that drop a
// driver as a killed daemon would.
func (d *Driver) Close() {
	d.mu.Lock()
	doms := append([]*domainObj(nil), d.domains...)
	d.mu.Unlock()
	for _, o := range doms {
		o.mu.Lock()
		p := o.proc
		o.mu.Unlock()
		if p != nil {
			p.detach()
		}
	}
}

// errnoText words an OS error as libvirt's strerror does.
func errnoText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func diskAttr(disk *domain.Disk, name string) string { return attrValue(disk.Attrs, name) }

func attrValue[L ~[]xmltree.Attr](list L, name string) string {
	for _, a := range list {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}
