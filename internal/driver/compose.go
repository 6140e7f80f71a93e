package driver

import (
	"context"
	"errors"
	"sync"

	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Secondary is a driver that serves some object families for every
// hypervisor connection of a process, as libvirt's stateful network,
// nwfilter, storage, node device, secret and interface drivers serve every
// qemu:///system connection of the daemon. URI is what it is opened with.
type Secondary struct {
	URI  string // e.g. "network:///system"
	Open OpenFunc
}

// RegisterSecondary adds a driver whose families fill those a hypervisor
// connection leaves empty, for the drivers named with ShareSecondaries.
func (r *Registry) RegisterSecondary(s Secondary) {
	r.mu.Lock()
	r.secondaries = append(r.secondaries, s)
	r.mu.Unlock()
}

// ShareSecondaries makes the secondary drivers serve the connections of
// the named hypervisor driver — libvirt's virRegisterConnectDriver(…,
// setSharedDrivers=true), which qemu and lxc use and the test driver does
// not (its connections answer only what the test driver itself serves).
func (r *Registry) ShareSecondaries(name string) {
	r.mu.Lock()
	if r.shared == nil {
		r.shared = map[string]bool{}
	}
	r.shared[name] = true
	r.mu.Unlock()
}

// attachSecondaries opens each secondary driver for a hypervisor
// connection and takes the families the connection does not serve itself;
// their events are routed by kind and their close runs with the
// connection's. A secondary that fails to open leaves its families
// unsupported, as a libvirt daemon without that driver does.
func (r *Registry) attachSecondaries(ctx context.Context, c *Connection, flags OpenFlags) {
	r.mu.RLock()
	secs := append([]Secondary(nil), r.secondaries...)
	r.mu.RUnlock()
	if len(secs) == 0 {
		return
	}
	events := &routedEvents{byKind: map[EventKind]Events{}, ids: map[int32]routedID{}}
	if c.Events != nil {
		events.fallback = c.Events
	}
	closers := []func(context.Context) error{c.Close}
	for _, s := range secs {
		u, err := uri.Parse(s.URI)
		if err != nil {
			continue
		}
		sc, err := s.Open(ctx, u, flags)
		if err != nil || sc == nil {
			continue
		}
		took := []EventKind{}
		if c.Network == nil && sc.Network != nil {
			c.Network = sc.Network
			took = append(took, EventNetwork)
		}
		if c.Storage == nil && sc.Storage != nil {
			c.Storage = sc.Storage
			took = append(took, EventStoragePool)
		}
		if c.NodeDevice == nil && sc.NodeDevice != nil {
			c.NodeDevice = sc.NodeDevice
			took = append(took, EventNodeDevice)
		}
		if c.Secret == nil && sc.Secret != nil {
			c.Secret = sc.Secret
			took = append(took, EventSecret)
		}
		if c.NWFilter == nil && sc.NWFilter != nil {
			c.NWFilter = sc.NWFilter
		}
		if c.Interface == nil && sc.Interface != nil {
			c.Interface = sc.Interface
		}
		if sc.Events != nil {
			for _, k := range took {
				events.byKind[k] = sc.Events
			}
		}
		if sc.Close != nil {
			closers = append(closers, sc.Close)
		}
	}
	c.Events = events
	c.Close = func(ctx context.Context) error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			if closers[i] != nil {
				errs = append(errs, closers[i](ctx))
			}
		}
		return errors.Join(errs...)
	}
}

// routedEvents sends each registration to the driver serving its kind and
// hands out callback IDs of its own, since two drivers' IDs may collide.
type routedEvents struct {
	fallback Events
	byKind   map[EventKind]Events

	mu     sync.Mutex
	nextID int32
	ids    map[int32]routedID
}

type routedID struct {
	to    Events
	inner int32
}

func (e *routedEvents) target(kind EventKind) Events {
	if t := e.byKind[kind]; t != nil {
		return t
	}
	if e.fallback != nil {
		return e.fallback
	}
	return UnsupportedEvents{}
}

// EventSource is the driver serving kind, so that callback IDs can be
// numbered per driver, as libvirt's event states do.
func (e *routedEvents) EventSource(kind EventKind) Events { return e.target(kind) }

func (e *routedEvents) EventRegister(ctx context.Context, kind EventKind, id int32, filter any, cb EventCallback) (int32, error) {
	t := e.target(kind)
	inner, err := t.EventRegister(ctx, kind, id, filter, cb)
	if err != nil {
		return -1, err
	}
	e.mu.Lock()
	e.nextID++
	outer := e.nextID
	e.ids[outer] = routedID{to: t, inner: inner}
	e.mu.Unlock()
	return outer, nil
}

func (e *routedEvents) EventDeregister(ctx context.Context, callbackID int32) error {
	e.mu.Lock()
	r, ok := e.ids[callbackID]
	delete(e.ids, callbackID)
	e.mu.Unlock()
	if !ok {
		return virterr.New(virterr.InvalidArg, "could not find event callback %d for deletion", callbackID)
	}
	return r.to.EventDeregister(ctx, r.inner)
}
