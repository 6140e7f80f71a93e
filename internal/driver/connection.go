package driver

import (
	"context"
	"sync"

	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Connection is one open connection: the driver serving each family (as
// libvirt's virConnect holds one driver per table) and how to close it.
// A nil family is answered by its Unsupported… base.
type Connection struct {
	Hypervisor Hypervisor
	Network    Network
	Storage    Storage
	NodeDevice NodeDevice
	Secret     Secret
	NWFilter   NWFilter
	Interface  Interface
	Events     Events

	// Close releases the connection (virConnectClose); nil means
	// nothing to release.
	Close func(ctx context.Context) error
}

// fillUnsupported puts the Unsupported… base in every family left nil.
func (c *Connection) fillUnsupported() {
	if c.Hypervisor == nil {
		c.Hypervisor = UnsupportedHypervisor{}
	}
	if c.Network == nil {
		c.Network = UnsupportedNetwork{}
	}
	if c.Storage == nil {
		c.Storage = UnsupportedStorage{}
	}
	if c.NodeDevice == nil {
		c.NodeDevice = UnsupportedNodeDevice{}
	}
	if c.Secret == nil {
		c.Secret = UnsupportedSecret{}
	}
	if c.NWFilter == nil {
		c.NWFilter = UnsupportedNWFilter{}
	}
	if c.Interface == nil {
		c.Interface = UnsupportedInterface{}
	}
	if c.Events == nil {
		c.Events = UnsupportedEvents{}
	}
	if c.Close == nil {
		c.Close = func(context.Context) error { return nil }
	}
}

// OpenFlags are virConnectOpenAuth's flags that reach a driver.
type OpenFlags uint32

const (
	// OpenReadOnly is VIR_CONNECT_RO: every call that changes state
	// must fail with VIR_ERR_OPERATION_DENIED.
	OpenReadOnly OpenFlags = 1 << 0
)

// OpenFunc opens a connection for a URI its driver was registered for.
type OpenFunc func(ctx context.Context, u *uri.URI, flags OpenFlags) (*Connection, error)

// Remote is the name under which the driver for URIs with a transport or a
// host registers (libvirt's remote driver).
const Remote = "remote"

// Registry maps URI schemes to drivers. It is a value, filled in one place
// (internal/drivers/all) and handed to whoever opens connections.
type Registry struct {
	mu       sync.RWMutex
	drivers  map[string]OpenFunc
	order    []string
	fallback string
	// secondaries serve the families a hypervisor connection leaves
	// empty (see RegisterSecondary).
	secondaries []Secondary
	shared      map[string]bool
}

// SetFallback names the driver that serves URIs no registered driver
// claims. A client library sets Remote, as libvirt's client does: its
// remote driver takes every URI without an in-process driver (qemu:///system
// reaches the daemon that way). A daemon sets none, so an unknown scheme is
// VIR_ERR_NO_CONNECT.
func (r *Registry) SetFallback(name string) {
	r.mu.Lock()
	r.fallback = name
	r.mu.Unlock()
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{drivers: map[string]OpenFunc{}} }

// Register makes open serve URIs whose driver part (the scheme before any
// '+transport') is name; name Remote serves remote URIs. Registering a
// name twice replaces the first.
func (r *Registry) Register(name string, open OpenFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.drivers == nil {
		r.drivers = map[string]OpenFunc{}
	}
	if _, ok := r.drivers[name]; !ok {
		r.order = append(r.order, name)
	}
	r.drivers[name] = open
}

// Names lists the registered drivers in registration order.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.order...)
}

// Open hands u to the driver registered for it: remote URIs (a transport
// or a host) to Remote, local ones to their scheme's driver. With no
// driver it fails as libvirt does, VIR_ERR_NO_CONNECT "no connection
// driver available for <uri>".
func (r *Registry) Open(ctx context.Context, u *uri.URI, flags OpenFlags) (*Connection, error) {
	name := u.Driver()
	if u.IsRemote() {
		name = Remote
	}
	r.mu.RLock()
	open := r.drivers[name]
	if open == nil && r.fallback != "" {
		open = r.drivers[r.fallback]
	}
	shared := r.shared[name]
	r.mu.RUnlock()
	if open == nil {
		return nil, virterr.New(virterr.NoConnect, "%s", u.String())
	}
	c, err := open(ctx, u, flags)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, virterr.New(virterr.NoConnect, "%s", u.String())
	}
	if shared {
		r.attachSecondaries(ctx, c, flags)
	}
	c.fillUnsupported()
	return c, nil
}
