package dispatch

import (
	"context"

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
	id       int32 // the callbackID the client knows
	driverID int32 // the driver's own
	legacy   bool
	eventID  int32
}

func (reg *registration) deregister(ctx context.Context, conn *driver.Connection) {
	_ = conn.Events.EventDeregister(ctx, reg.driverID)
}

// register subscribes the client to events of kind/eventID about filter
// (nil: every object). Events are queued on the client's connection from
// the emitting goroutine, so one caused by a call goes out before that
// call's reply.
func (c *call) register(kind driver.EventKind, eventID int32, filter any, legacy bool) (int32, error) {
	s := c.s
	conn := c.conn()
	reg := &registration{id: s.r.callbackIDs.Add(1), legacy: legacy, eventID: eventID}
	s.mu.Lock()
	s.events[reg.id] = reg
	s.mu.Unlock()
	driverID, err := conn.Events.EventRegister(s.client.Context(), kind, eventID, filter, func(ev driver.Event) {
		s.deliver(reg, ev)
	})
	s.mu.Lock()
	if err != nil {
		delete(s.events, reg.id)
	} else {
		reg.driverID = driverID
	}
	s.mu.Unlock()
	if err != nil {
		return -1, err
	}
	return reg.id, nil
}

func (s *session) deliver(reg *registration, ev driver.Event) {
	s.mu.Lock()
	live := s.events[reg.id] == reg
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

func (c *call) deregister(id int32, what string) error {
	s := c.s
	s.mu.Lock()
	reg := s.events[id]
	delete(s.events, id)
	s.mu.Unlock()
	if reg == nil {
		return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "%s event callback %d not registered", what, id)
	}
	reg.deregister(c.ctx, c.conn())
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

// callEventDeregister serves every *_DEREGISTER_ANY of the callback form:
// their arguments are all one callbackID.
func callEventDeregister(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectDomainEventCallbackDeregisterAnyArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	what := map[int32]string{
		int32(remote.ProcConnectDomainEventCallbackDeregisterAny): "domain",
		int32(remote.ProcConnectNetworkEventDeregisterAny):        "network",
		int32(remote.ProcConnectStoragePoolEventDeregisterAny):    "storage pool",
		int32(remote.ProcConnectNodeDeviceEventDeregisterAny):     "node device",
		int32(remote.ProcConnectSecretEventDeregisterAny):         "secret",
	}[c.hdr.Proc]
	return nil, c.deregister(args.CallbackID, what)
}

// Legacy registrations are keyed by event ID: a client has at most one
// per ID, and deregisters by ID.
func (c *call) registerLegacy(eventID int32) error {
	s := c.s
	s.mu.Lock()
	_, dup := s.legacy[eventID]
	if !dup {
		s.legacy[eventID] = 0
	}
	s.mu.Unlock()
	if dup {
		return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "domain event %d already registered", eventID)
	}
	id, err := c.register(driver.EventDomain, eventID, nil, true)
	s.mu.Lock()
	if err != nil {
		delete(s.legacy, eventID)
	} else {
		s.legacy[eventID] = id
	}
	s.mu.Unlock()
	return err
}

func (c *call) deregisterLegacy(eventID int32) error {
	s := c.s
	s.mu.Lock()
	id, ok := s.legacy[eventID]
	delete(s.legacy, eventID)
	s.mu.Unlock()
	if !ok {
		return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "domain event %d not registered", eventID)
	}
	return c.deregister(id, "domain")
}

func callLegacyDomainEventRegister(c *call) (xdr.Marshaler, error) {
	if err := c.registerLegacy(0); err != nil {
		return nil, err
	}
	return &remote.ConnectDomainEventRegisterRet{CbRegistered: 1}, nil
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
