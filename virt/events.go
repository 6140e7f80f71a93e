package virt

import (
	"context"
	"sync"

	"github.com/govirt/govirt/internal/driver"
)

// Events
//
// A registration names the object family, the event ID and optionally one
// object; it returns a callback ID for deregistration, as libvirt's
// virConnect…EventRegisterAny do. Callbacks of one connection run one at a
// time on a goroutine of that connection, in the order the events
// happened; they may call the API (also on the same connection). Closing
// the connection ends every registration.

// DomainEventLifecycle is a domain starting, stopping, being defined …
// (VIR_DOMAIN_EVENT_ID_LIFECYCLE). Detail is a value of the detail type
// that goes with Event (DomainEventStartedDetailType …).
type DomainEventLifecycle struct {
	Domain *Domain
	Event  DomainEventType
	Detail int
}

// DomainEventLifecycleRegister calls cb for lifecycle events of dom, or
// of every domain when dom is nil.
//
// libvirt: virConnectDomainEventRegisterAny (VIR_DOMAIN_EVENT_ID_LIFECYCLE)
func (c *Conn) DomainEventLifecycleRegister(ctx context.Context, dom *Domain, cb func(*Conn, *DomainEventLifecycle)) (int, error) {
	return c.DomainEventRegisterAny(ctx, dom, DomainEventIDLifecycle, func(conn *Conn, payload any) {
		if m, ok := payload.(*driver.DomainEventLifecycleMsg); ok {
			cb(conn, &DomainEventLifecycle{Domain: conn.domain(m.Dom), Event: DomainEventType(m.Event), Detail: int(m.Detail)})
		}
	})
}

// DomainEventRegisterAny calls cb with the raw payload of domain event id:
// the wire's message for it (see internal/driver's Event). Typed wrappers
// such as DomainEventLifecycleRegister are easier to use.
//
// libvirt: virConnectDomainEventRegisterAny
func (c *Conn) DomainEventRegisterAny(ctx context.Context, dom *Domain, id DomainEventID, cb func(*Conn, any)) (int, error) {
	var filter any
	if dom != nil {
		filter = dom.ref
	}
	return c.eventRegister(ctx, driver.EventDomain, int32(id), filter, cb)
}

// DomainEventDeregisterAny ends a domain event registration.
//
// libvirt: virConnectDomainEventDeregisterAny
func (c *Conn) DomainEventDeregisterAny(ctx context.Context, callbackID int) error {
	return c.c.Events.EventDeregister(ctx, int32(callbackID))
}

// NetworkEventRegisterAny calls cb with the raw payload of network event id.
//
// libvirt: virConnectNetworkEventRegisterAny
func (c *Conn) NetworkEventRegisterAny(ctx context.Context, net *Network, id NetworkEventID, cb func(*Conn, any)) (int, error) {
	var filter any
	if net != nil {
		filter = net.ref
	}
	return c.eventRegister(ctx, driver.EventNetwork, int32(id), filter, cb)
}

// NetworkEventDeregisterAny ends a network event registration.
//
// libvirt: virConnectNetworkEventDeregisterAny
func (c *Conn) NetworkEventDeregisterAny(ctx context.Context, callbackID int) error {
	return c.c.Events.EventDeregister(ctx, int32(callbackID))
}

func (c *Conn) eventRegister(ctx context.Context, kind driver.EventKind, id int32, filter any, cb func(*Conn, any)) (int, error) {
	c.events.start(c)
	n, err := c.c.Events.EventRegister(ctx, kind, id, filter, func(ev driver.Event) {
		c.events.push(func() { cb(c, ev.Payload) })
	})
	return int(n), err
}

// eventQueue runs a connection's callbacks in order on one goroutine, so
// that a driver never waits for user code.
type eventQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []func()
	running bool
	stopped bool
	done    chan struct{}
}

func (q *eventQueue) start(c *Conn) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running || q.stopped {
		return
	}
	q.cond = sync.NewCond(&q.mu)
	q.running = true
	q.done = make(chan struct{})
	go q.loop()
}

func (q *eventQueue) push(f func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running || q.stopped {
		return
	}
	q.pending = append(q.pending, f)
	q.cond.Signal()
}

func (q *eventQueue) loop() {
	defer close(q.done)
	for {
		q.mu.Lock()
		for len(q.pending) == 0 && !q.stopped {
			q.cond.Wait()
		}
		if q.stopped && len(q.pending) == 0 {
			q.mu.Unlock()
			return
		}
		f := q.pending[0]
		q.pending = q.pending[1:]
		q.mu.Unlock()
		f()
	}
}

// stop delivers what is queued and ends the goroutine.
func (q *eventQueue) stop() {
	q.mu.Lock()
	q.stopped = true
	running := q.running
	if running {
		q.cond.Signal()
	}
	done := q.done
	q.mu.Unlock()
	if running {
		<-done
	}
}
