package virt

//go:generate go run ../internal/gen/apigen errors -in virterr/codes_gen.go -out errors_gen.go

import (
	"context"
	"os"
	"sync"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/all"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Error is every error the API returns: libvirt's virError, with its code,
// domain and message. Test codes with errors.Is(err, virt.ErrNoDomain).
type Error = virterr.Error

// ErrorCode is libvirt's virErrorNumber; ErrorDomain its virErrorDomain.
type (
	ErrorCode   = virterr.Code
	ErrorDomain = virterr.Domain
)

// Conn is a connection to a hypervisor (virConnectPtr). It is safe for
// concurrent use.
type Conn struct {
	c        *driver.Connection
	uri      string
	readOnly bool

	events eventQueue

	closeOnce sync.Once
	closeErr  error
}

var (
	defaultRegistryOnce sync.Once
	defaultRegistry     *driver.Registry
)

func registry() *driver.Registry {
	defaultRegistryOnce.Do(func() { defaultRegistry = all.Client() })
	return defaultRegistry
}

// Open connects to the hypervisor name designates; "" means the default
// URI (LIBVIRT_DEFAULT_URI, then uri_default of libvirt.conf), and an alias
// of libvirt.conf's uri_aliases stands for its URI.
//
// libvirt: virConnectOpen
func Open(ctx context.Context, name string) (*Conn, error) {
	return OpenWithFlags(ctx, name, 0)
}

// OpenReadOnly connects without the right to change anything: every call
// that would fails with ErrOperationDenied.
//
// libvirt: virConnectOpenReadOnly
func OpenReadOnly(ctx context.Context, name string) (*Conn, error) {
	return OpenWithFlags(ctx, name, ConnectRo)
}

// OpenWithFlags connects with ConnectRo and ConnectNoAliases as libvirt
// reads them.
//
// libvirt: virConnectOpenAuth
func OpenWithFlags(ctx context.Context, name string, flags ConnectFlags) (*Conn, error) {
	if flags&^(ConnectRo|ConnectNoAliases) != 0 {
		return nil, virterr.UnsupportedFlags(virterr.FromNone, uint64(flags&^(ConnectRo|ConnectNoAliases)), "virConnectOpenAuth")
	}
	conf, err := uri.LoadConfig(uri.ConfigPath())
	if err != nil {
		return nil, err
	}
	resolved, err := uri.Resolve(name, conf, flags&ConnectNoAliases != 0, probeURI)
	if err != nil {
		return nil, err
	}
	u, err := uri.Parse(resolved)
	if err != nil {
		return nil, err
	}
	var df driver.OpenFlags
	if flags&ConnectRo != 0 {
		df |= driver.OpenReadOnly
	}
	c, err := registry().Open(ctx, u, df)
	if err != nil {
		return nil, err
	}
	conn := &Conn{c: c, uri: resolved, readOnly: flags&ConnectRo != 0}
	return conn, nil
}

// probeURI is the URI used when nothing names one: the QEMU driver's,
// system-wide for root, per user otherwise, as libvirt's probe picks.
func probeURI() string {
	if os.Geteuid() == 0 {
		return "qemu:///system"
	}
	return "qemu:///session"
}

// Close releases the connection and its event registrations.
//
// libvirt: virConnectClose
func (c *Conn) Close(ctx context.Context) error {
	c.closeOnce.Do(func() {
		c.events.stop()
		c.closeErr = c.c.Close(ctx)
	})
	return c.closeErr
}

// denyReadOnly is libvirt's virCheckReadOnlyGoto.
func (c *Conn) denyReadOnly(function string) error {
	if c.readOnly {
		return virterr.New(virterr.OperationDenied, "read only access prevents %s", function)
	}
	return nil
}

// Type is the driver's name ("QEMU", "TEST" …).
//
// libvirt: virConnectGetType
func (c *Conn) Type(ctx context.Context) (string, error) {
	return c.c.Hypervisor.ConnectGetType(ctx)
}

// Version is the hypervisor's version, major*1,000,000 + minor*1,000 + release.
//
// libvirt: virConnectGetVersion
func (c *Conn) Version(ctx context.Context) (uint64, error) {
	return c.c.Hypervisor.ConnectGetVersion(ctx)
}

// LibVersion is the libvirt version the connection's daemon or driver
// implements.
//
// libvirt: virConnectGetLibVersion
func (c *Conn) LibVersion(ctx context.Context) (uint64, error) {
	return c.c.Hypervisor.ConnectGetLibVersion(ctx)
}

// Hostname is the name of the hypervisor's host.
//
// libvirt: virConnectGetHostname
func (c *Conn) Hostname(ctx context.Context) (string, error) {
	return c.c.Hypervisor.ConnectGetHostname(ctx)
}

// URI is the URI of the connection, aliases resolved.
//
// libvirt: virConnectGetURI
func (c *Conn) URI(ctx context.Context) (string, error) {
	if s, err := c.c.Hypervisor.ConnectGetURI(ctx); err == nil {
		return s, nil
	}
	return c.uri, nil
}

// MaxVcpus is the most vcpus a guest of type virtType may have ("" for
// the driver's default).
//
// libvirt: virConnectGetMaxVcpus
func (c *Conn) MaxVcpus(ctx context.Context, virtType string) (int, error) {
	var t *string
	if virtType != "" {
		t = &virtType
	}
	n, err := c.c.Hypervisor.ConnectGetMaxVcpus(ctx, t)
	return int(n), err
}

// Capabilities is the host's capabilities XML.
//
// libvirt: virConnectGetCapabilities
func (c *Conn) Capabilities(ctx context.Context) (string, error) {
	return c.c.Hypervisor.ConnectGetCapabilities(ctx)
}

// IsAlive reports whether the connection still works: it is not closed.
// (libvirt answers from the client's keepalive state, not a driver call.)
//
// libvirt: virConnectIsAlive
func (c *Conn) IsAlive(ctx context.Context) (bool, error) {
	c.events.mu.Lock()
	defer c.events.mu.Unlock()
	return !c.events.stopped, nil
}

// IsSecure reports whether the connection cannot be eavesdropped.
//
// libvirt: virConnectIsSecure
func (c *Conn) IsSecure(ctx context.Context) (bool, error) {
	n, err := c.c.Hypervisor.ConnectIsSecure(ctx)
	return n == 1, err
}

// NodeInfo describes the host (virNodeInfo); Memory is in KiB.
type NodeInfo struct {
	Model   string
	Memory  uint64
	CPUs    uint
	MHz     uint
	Nodes   uint
	Sockets uint
	Cores   uint
	Threads uint
}

// NodeInfo describes the host's CPUs and memory.
//
// libvirt: virNodeGetInfo
func (c *Conn) NodeInfo(ctx context.Context) (*NodeInfo, error) {
	r, err := c.c.Hypervisor.NodeGetInfo(ctx)
	if err != nil {
		return nil, err
	}
	return &NodeInfo{
		Model: driver.GoString(r.Model[:]), Memory: r.Memory, CPUs: uint(r.Cpus), MHz: uint(r.Mhz),
		Nodes: uint(r.Nodes), Sockets: uint(r.Sockets), Cores: uint(r.Cores), Threads: uint(r.Threads),
	}, nil
}

// SecurityModel is the host's security driver (virSecurityModel).
type SecurityModel struct {
	Model string
	DOI   string
}

// SecurityModel names the host's security driver; an empty Model means
// none is active.
//
// libvirt: virNodeGetSecurityModel
func (c *Conn) SecurityModel(ctx context.Context) (*SecurityModel, error) {
	r, err := c.c.Hypervisor.NodeGetSecurityModel(ctx)
	if err != nil {
		return nil, err
	}
	return &SecurityModel{Model: driver.GoString(r.Model), DOI: driver.GoString(r.Doi)}, nil
}
