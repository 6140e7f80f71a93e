package dispatch

import (
	"context"
	"reflect"
	"sync"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// registrationCalls subscribe clients to the driver's events.
var registrationCalls = map[remote.Procedure]callFunc{
	remote.ProcConnectDomainEventCallbackRegisterAny:   callDomainEventCallbackRegisterAny,
	remote.ProcConnectDomainEventCallbackDeregisterAny: callEventDeregister,
	remote.ProcConnectNetworkEventRegisterAny:          callNetworkEventRegisterAny,
	remote.ProcConnectNetworkEventDeregisterAny:        callEventDeregister,
	remote.ProcConnectStoragePoolEventRegisterAny:      callStoragePoolEventRegisterAny,
	remote.ProcConnectStoragePoolEventDeregisterAny:    callEventDeregister,
	remote.ProcConnectNodeDeviceEventRegisterAny:       callNodeDeviceEventRegisterAny,
	remote.ProcConnectNodeDeviceEventDeregisterAny:     callEventDeregister,
	remote.ProcConnectSecretEventRegisterAny:           callSecretEventRegisterAny,
	remote.ProcConnectSecretEventDeregisterAny:         callEventDeregister,
	remote.ProcConnectDomainEventRegister:              callLegacyDomainEventRegister,
	remote.ProcConnectDomainEventDeregister:            callLegacyDomainEventDeregister,
	remote.ProcConnectDomainEventRegisterAny:           callLegacyDomainEventRegisterAny,
	remote.ProcConnectDomainEventDeregisterAny:         callLegacyDomainEventDeregisterAny,
}

// Sizes of the event ID spaces (VIR_*_EVENT_ID_LAST); legacy domain
// registrations stop at DEVICE_REMOVED, newer events only travel in the
// callback form.
const (
	domainEventIDs       = 27
	legacyDomainEventIDs = 16
	networkEventIDs      = 1
	storagePoolEventIDs  = 2
	nodeDeviceEventIDs   = 2
	secretEventIDs       = 2
)

// registration is one event subscription of a client.
type registration struct {
	seq      int32 // its key in session.events; increasing in registration order
	id       int32 // the callbackID the client knows
	driverID int32 // the driver's own
	kind     driver.EventKind
	eventID  int32
	key      string // the filter's object key, when hasKey
	hasKey   bool
	legacy   bool // events go out in the plain (pre-callback) messages
}

func (reg *registration) deregister(ctx context.Context, conn *driver.Connection) {
	_ = conn.Events.EventDeregister(ctx, reg.driverID)
}

// Callback IDs: libvirtd hands clients the callbackID of the event state
// of the driver serving a registration (virObjectEventCallbackListAddID:
// nextID++, from 0), so the numbers are shared by every client of that
// driver instance, one sequence for all the object families it serves,
// and a failed registration takes none. A driver whose Events names its
// EventBus (driver.EventStater) is numbered by that bus, which lives and
// dies with the driver's state (test:///default's goes with its last
// connection); any other is numbered per Go type of its Events.
type counterKey struct {
	r      *Remote
	source reflect.Type
}

var callbackCounters struct {
	mu sync.Mutex
	m  map[counterKey]*driver.CallbackCounter
}

// eventSourcer is an Events that passes registrations of different kinds
// to different drivers (a hypervisor connection carrying the network,
// storage … drivers): it names the one serving kind, so that each driver
// keeps its own callback numbers as libvirt's event states do.
type eventSourcer interface {
	EventSource(kind driver.EventKind) driver.Events
}

// counterFor returns the callback counter of the driver serving kind on
// conn.
func (r *Remote) counterFor(conn *driver.Connection, kind driver.EventKind) *driver.CallbackCounter {
	source := conn.Events
	if es, ok := source.(eventSourcer); ok {
		if t := es.EventSource(kind); t != nil {
			source = t
		}
	}
	if st, ok := source.(driver.EventStater); ok {
		if bus := st.EventState(); bus != nil {
			return &bus.Callbacks
		}
	}
	key := counterKey{r: r, source: reflect.TypeOf(source)}
	callbackCounters.mu.Lock()
	defer callbackCounters.mu.Unlock()
	if callbackCounters.m == nil {
		callbackCounters.m = map[counterKey]*driver.CallbackCounter{}
	}
	c := callbackCounters.m[key]
	if c == nil {
		c = &driver.CallbackCounter{}
		callbackCounters.m[key] = c
	}
	return c
}

// errAlreadyTracked is virObjectEventCallbackListAddID's refusal of a
// second registration of one event with the same object filter on one
// connection. libvirtd registers every form (legacy or callback) with the
// same relay function per event ID, so the forms collide too.
func errAlreadyTracked() error {
	return virterr.New(virterr.InvalidArg, "event callback already tracked")
}

// register subscribes the client to events of kind/eventID about filter
// (nil: every object). Events are written to the client from the
// emitting goroutine, so one caused by a call goes out before that
// call's reply.
func (c *call) register(kind driver.EventKind, eventID int32, filter any, legacy bool) (int32, error) {
	s := c.s
	conn := c.conn()
	key, hasKey := driver.ObjectKey(filter)
	counter := s.r.counterFor(conn, kind)
	counter.Mu.Lock()
	defer counter.Mu.Unlock()
	s.mu.Lock()
	for _, other := range s.events {
		if other.kind == kind && other.eventID == eventID && other.hasKey == hasKey && other.key == key {
			s.mu.Unlock()
			return -1, errAlreadyTracked()
		}
	}
	reg := &registration{seq: s.r.registrations.Add(1), id: counter.Next, kind: kind, eventID: eventID,
		key: key, hasKey: hasKey, legacy: legacy}
	s.events[reg.seq] = reg
	s.mu.Unlock()
	driverID, err := conn.Events.EventRegister(s.client.Context(), kind, eventID, filter, func(ev driver.Event) {
		s.deliver(reg, ev)
	})
	s.mu.Lock()
	if err != nil {
		delete(s.events, reg.seq)
	} else {
		reg.driverID = driverID
	}
	s.mu.Unlock()
	if err != nil {
		return -1, err
	}
	counter.Next++
	return reg.id, nil
}

func (s *session) deliver(reg *registration, ev driver.Event) {
	s.mu.Lock()
	live := s.events[reg.seq] == reg
	s.mu.Unlock()
	if !live {
		return
	}
	proc, msg, ok := eventMessage(ev.Payload, reg.id, reg.legacy)
	if !ok {
		return
	}
	h := message.Header{Prog: remote.Program, Vers: remote.ProtocolVersion, Proc: proc, Type: netproto.Message, Serial: 1, Status: netproto.OK}
	pkt, err := message.Encode(&h, msg)
	if err != nil {
		s.client.Logger().Warn("event too large to send", "proc", proc, "err", err)
		return
	}
	s.client.SendWithin(pkt, s.r.EventTimeout)
}

// unregister drops the client's first registration (in registration
// order) that match accepts, reporting whether there was one.
func (c *call) unregister(match func(*registration) bool) bool {
	s := c.s
	s.mu.Lock()
	var found *registration
	for _, reg := range s.events {
		if match(reg) && (found == nil || reg.seq < found.seq) {
			found = reg
		}
	}
	if found != nil {
		delete(s.events, found.seq)
	}
	s.mu.Unlock()
	if found == nil {
		return false
	}
	found.deregister(c.ctx, c.conn())
	return true
}

// deregister cancels the client's registration of kind with callback id
// (legacy domain registrations have one too, and are found by it).
func (c *call) deregister(kind driver.EventKind, id int32, what string) error {
	if !c.unregister(func(reg *registration) bool { return reg.kind == kind && reg.id == id }) {
		return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "%s event callback %d not registered", what, id)
	}
	return nil
}

func unsupportedEventID(what string, id int32) error {
	if what != "" {
		what += " "
	}
	return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "unsupported %sevent ID %d", what, id)
}

func callDomainEventCallbackRegisterAny(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectDomainEventCallbackRegisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	if args.EventID < 0 || args.EventID >= domainEventIDs {
		return nil, unsupportedEventID("", args.EventID)
	}
	var filter any
	if args.Dom != nil {
		filter = convRemoteNonnullDomainToDriverDomainRef(*args.Dom)
	}
	id, err := c.register(driver.EventDomain, args.EventID, filter, false)
	if err != nil {
		return nil, err
	}
	return &remote.ConnectDomainEventCallbackRegisterAnyRet{CallbackID: id}, nil
}

func callNetworkEventRegisterAny(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectNetworkEventRegisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	if args.EventID < 0 || args.EventID >= networkEventIDs {
		return nil, unsupportedEventID("network", args.EventID)
	}
	var filter any
	if args.Net != nil {
		filter = convRemoteNonnullNetworkToDriverNetworkRef(*args.Net)
	}
	id, err := c.register(driver.EventNetwork, args.EventID, filter, false)
	if err != nil {
		return nil, err
	}
	return &remote.ConnectNetworkEventRegisterAnyRet{CallbackID: id}, nil
}

func callStoragePoolEventRegisterAny(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectStoragePoolEventRegisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	if args.EventID < 0 || args.EventID >= storagePoolEventIDs {
		return nil, unsupportedEventID("storage pool", args.EventID)
	}
	var filter any
	if args.Pool != nil {
		filter = convRemoteNonnullStoragePoolToDriverStoragePoolRef(*args.Pool)
	}
	id, err := c.register(driver.EventStoragePool, args.EventID, filter, false)
	if err != nil {
		return nil, err
	}
	return &remote.ConnectStoragePoolEventRegisterAnyRet{CallbackID: id}, nil
}

func callNodeDeviceEventRegisterAny(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectNodeDeviceEventRegisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	if args.EventID < 0 || args.EventID >= nodeDeviceEventIDs {
		return nil, unsupportedEventID("node device", args.EventID)
	}
	var filter any
	if args.Dev != nil {
		filter = convRemoteNonnullNodeDeviceToDriverNodeDeviceRef(*args.Dev)
	}
	id, err := c.register(driver.EventNodeDevice, args.EventID, filter, false)
	if err != nil {
		return nil, err
	}
	return &remote.ConnectNodeDeviceEventRegisterAnyRet{CallbackID: id}, nil
}

func callSecretEventRegisterAny(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectSecretEventRegisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	if args.EventID < 0 || args.EventID >= secretEventIDs {
		return nil, unsupportedEventID("secret", args.EventID)
	}
	var filter any
	if args.Secret != nil {
		filter = convRemoteNonnullSecretToDriverSecretRef(*args.Secret)
	}
	id, err := c.register(driver.EventSecret, args.EventID, filter, false)
	if err != nil {
		return nil, err
	}
	return &remote.ConnectSecretEventRegisterAnyRet{CallbackID: id}, nil
}

// deregistrations are the callback form's: their arguments are all one
// callbackID. The secret one words its error as the node device one does,
// as libvirtd's remoteDispatchConnectSecretEventDeregisterAny does.
var deregistrations = map[remote.Procedure]struct {
	kind driver.EventKind
	what string
}{
	remote.ProcConnectDomainEventCallbackDeregisterAny: {driver.EventDomain, "domain"},
	remote.ProcConnectNetworkEventDeregisterAny:        {driver.EventNetwork, "network"},
	remote.ProcConnectStoragePoolEventDeregisterAny:    {driver.EventStoragePool, "storage pool"},
	remote.ProcConnectNodeDeviceEventDeregisterAny:     {driver.EventNodeDevice, "node device"},
	remote.ProcConnectSecretEventDeregisterAny:         {driver.EventSecret, "node device"},
}

func callEventDeregister(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectDomainEventCallbackDeregisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	d := deregistrations[remote.Procedure(c.hdr.Proc)]
	return nil, c.deregister(d.kind, args.CallbackID, d.what)
}

// Legacy registrations are the callback form without the callbackID on
// the wire: they take a callback ID all the same (the client never sees
// it), collide with callback-form registrations of the same event, and
// are cancelled by event ID, which cancels the client's first domain
// registration of that event whatever its form or filter
// (remoteDispatchConnectDomainEventDeregisterAny).
func (c *call) registerLegacy(eventID int32) error {
	_, err := c.register(driver.EventDomain, eventID, nil, true)
	return err
}

func (c *call) deregisterLegacy(eventID int32) error {
	if !c.unregister(func(reg *registration) bool { return reg.kind == driver.EventDomain && reg.eventID == eventID }) {
		return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "domain event %d not registered", eventID)
	}
	return nil
}

func callLegacyDomainEventRegister(c *call) (xdr.Marshaler, error) {
	if err := c.registerLegacy(0); err != nil {
		return nil, err
	}
	// libvirtd leaves cb_registered 0: its handler never sets it.
	return &remote.ConnectDomainEventRegisterRet{}, nil
}

func callLegacyDomainEventDeregister(c *call) (xdr.Marshaler, error) {
	if err := c.deregisterLegacy(0); err != nil {
		return nil, err
	}
	return &remote.ConnectDomainEventDeregisterRet{CbRegistered: 0}, nil
}

func callLegacyDomainEventRegisterAny(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectDomainEventRegisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	if args.EventID < 0 || args.EventID >= legacyDomainEventIDs {
		return nil, unsupportedEventID("", args.EventID)
	}
	return nil, c.registerLegacy(args.EventID)
}

func callLegacyDomainEventDeregisterAny(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectDomainEventDeregisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	if args.EventID < 0 || args.EventID >= legacyDomainEventIDs {
		return nil, unsupportedEventID("", args.EventID)
	}
	return nil, c.deregisterLegacy(args.EventID)
}
