package driver

import (
	"context"
	"sync"

	"github.com/govirt/govirt/virt/virterr"
)

// EventKind is the object family an event is about; each has its own
// registration call and event ID space in libvirt.
type EventKind int

const (
	EventDomain      EventKind = iota // virConnectDomainEventRegisterAny, VIR_DOMAIN_EVENT_ID_*
	EventNetwork                      // virConnectNetworkEventRegisterAny, VIR_NETWORK_EVENT_ID_*
	EventStoragePool                  // virConnectStoragePoolEventRegisterAny, VIR_STORAGE_POOL_EVENT_ID_*
	EventNodeDevice                   // virConnectNodeDeviceEventRegisterAny, VIR_NODE_DEVICE_EVENT_ID_*
	EventSecret                       // virConnectSecretEventRegisterAny, VIR_SECRET_EVENT_ID_*
)

var registerFuncs = [...]string{
	EventDomain:      "virConnectDomainEventRegisterAny",
	EventNetwork:     "virConnectNetworkEventRegisterAny",
	EventStoragePool: "virConnectStoragePoolEventRegisterAny",
	EventNodeDevice:  "virConnectNodeDeviceEventRegisterAny",
	EventSecret:      "virConnectSecretEventRegisterAny",
}

// Event is one event a driver emits.
//
// Payload is the wire's message for the event: the plain form where the
// protocol has one (*DomainEventLifecycleMsg, *NetworkEventLifecycleMsg …),
// otherwise the callback form (*DomainEventCallbackTunableMsg …) whose
// CallbackID the receiver fills in. Payloads are shared between
// subscribers and must not be modified.
type Event struct {
	Kind    EventKind
	ID      int32 // VIR_DOMAIN_EVENT_ID_LIFECYCLE …
	Payload any
}

// EventCallback receives events. It is called from the emitting driver's
// goroutine, in emission order for one registration, and must not block
// for long or call back into the driver's registration methods.
type EventCallback func(Event)

// Events is the event half of a connection (libvirt's
// connect*EventRegisterAny / DeregisterAny of every driver table).
type Events interface {
	// EventRegister subscribes cb to events of kind with id, about the
	// object filter names (a DomainRef, NetworkRef, StoragePoolRef,
	// NodeDeviceRef or SecretRef; nil for every object). It returns the
	// callback ID that EventDeregister takes.
	EventRegister(ctx context.Context, kind EventKind, id int32, filter any, cb EventCallback) (int32, error)
	// EventDeregister cancels a subscription (virConnect…EventDeregisterAny).
	EventDeregister(ctx context.Context, callbackID int32) error
}

// UnsupportedEvents is the Events of a driver that emits none.
type UnsupportedEvents struct{}

// EventRegister is not supported.
func (UnsupportedEvents) EventRegister(ctx context.Context, kind EventKind, id int32, filter any, cb EventCallback) (int32, error) {
	name := "virConnectDomainEventRegisterAny"
	if int(kind) >= 0 && int(kind) < len(registerFuncs) {
		name = registerFuncs[kind]
	}
	return -1, NoSupport(name)
}

// EventDeregister is not supported.
func (UnsupportedEvents) EventDeregister(ctx context.Context, callbackID int32) error {
	return NoSupport("virConnectDomainEventDeregisterAny")
}

// EventBus implements Events for a driver: it keeps subscriptions and
// delivers what the driver emits. The zero value is ready to use and may
// be shared by every connection of a driver; Close a connection's
// subscriptions with DeregisterOwner.
type EventBus struct {
	mu     sync.Mutex
	nextID int32
	subs   []subscription

	// Callbacks numbers the callback IDs the daemon hands its clients
	// for registrations on this bus: one sequence per event state, as
	// libvirt's virObjectEventState keeps.
	Callbacks CallbackCounter
}

// CallbackCounter is the next callback ID of an event state; the daemon
// holds mu across a registration, so that a failed one takes no number.
type CallbackCounter struct {
	Mu   sync.Mutex
	Next int32
}

// EventStater is an Events whose registrations all go to one EventBus
// (one driver instance's event state); the daemon numbers their callback
// IDs with that bus's counter, which goes away with the state.
type EventStater interface {
	EventState() *EventBus
}

type subscription struct {
	id     int32
	owner  any
	kind   EventKind
	event  int32
	key    string
	hasKey bool
	cb     EventCallback
}

// maxEventID bounds the ID space of each kind, as libvirt rejects IDs past
// its enums' last value.
var maxEventID = [...]int32{
	EventDomain:      27, // VIR_DOMAIN_EVENT_ID_LAST
	EventNetwork:     1,
	EventStoragePool: 2,
	EventNodeDevice:  2,
	EventSecret:      2,
}

// Register adds a subscription for owner (the connection, so that closing
// it drops its subscriptions).
func (b *EventBus) Register(owner any, kind EventKind, id int32, filter any, cb EventCallback) (int32, error) {
	if int(kind) < 0 || int(kind) >= len(maxEventID) || id < 0 || id >= maxEventID[kind] {
		name, limit := "virConnectDomainEventRegisterAny", int32(0)
		if int(kind) >= 0 && int(kind) < len(maxEventID) {
			name, limit = registerFuncs[kind], maxEventID[kind]
		}
		return -1, virterr.New(virterr.InvalidArg, "eventID in %s must be less than %d", name, limit)
	}
	key, hasKey := ObjectKey(filter)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	b.subs = append(b.subs, subscription{id: b.nextID, owner: owner, kind: kind, event: id, key: key, hasKey: hasKey, cb: cb})
	return b.nextID, nil
}

// Deregister removes a subscription of owner.
func (b *EventBus) Deregister(owner any, callbackID int32) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, s := range b.subs {
		if s.id == callbackID && s.owner == owner {
			b.subs = append(b.subs[:i], b.subs[i+1:]...)
			return nil
		}
	}
	return virterr.New(virterr.InvalidArg, "event callback %d not registered", callbackID)
}

// DeregisterOwner drops every subscription of owner.
func (b *EventBus) DeregisterOwner(owner any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.subs[:0]
	for _, s := range b.subs {
		if s.owner != owner {
			kept = append(kept, s)
		}
	}
	b.subs = kept
}

// Emit delivers ev to the subscriptions for its kind and ID whose filter is
// nil or names object (the same kinds of reference as EventRegister's).
func (b *EventBus) Emit(object any, ev Event) {
	key, _ := ObjectKey(object)
	b.mu.Lock()
	var targets []EventCallback
	for _, s := range b.subs {
		if s.kind == ev.Kind && s.event == ev.ID && (!s.hasKey || s.key == key) {
			targets = append(targets, s.cb)
		}
	}
	b.mu.Unlock()
	for _, cb := range targets {
		cb(ev)
	}
}

// ObjectKey is what libvirt matches event filters on: the UUID of domains,
// networks, pools and secrets, the name of node devices.
func ObjectKey(object any) (string, bool) {
	switch o := object.(type) {
	case DomainRef:
		return string(o.UUID[:]), true
	case *DomainRef:
		if o != nil {
			return string(o.UUID[:]), true
		}
	case NetworkRef:
		return string(o.UUID[:]), true
	case *NetworkRef:
		if o != nil {
			return string(o.UUID[:]), true
		}
	case StoragePoolRef:
		return string(o.UUID[:]), true
	case *StoragePoolRef:
		if o != nil {
			return string(o.UUID[:]), true
		}
	case NodeDeviceRef:
		return o.Name, true
	case *NodeDeviceRef:
		if o != nil {
			return o.Name, true
		}
	case SecretRef:
		return string(o.UUID[:]), true
	case *SecretRef:
		if o != nil {
			return string(o.UUID[:]), true
		}
	}
	return "", false
}
