package remote

import (
	"context"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// eventSub is one registration the server knows by its callback ID.
type eventSub struct {
	kind driver.EventKind
	id   int32
	cb   driver.EventCallback
}

// eventProcs are the modern registration procedures of each event kind.
var eventProcs = map[driver.EventKind]struct{ register, deregister remote.Procedure }{
	driver.EventDomain:      {remote.ProcConnectDomainEventCallbackRegisterAny, remote.ProcConnectDomainEventCallbackDeregisterAny},
	driver.EventNetwork:     {remote.ProcConnectNetworkEventRegisterAny, remote.ProcConnectNetworkEventDeregisterAny},
	driver.EventStoragePool: {remote.ProcConnectStoragePoolEventRegisterAny, remote.ProcConnectStoragePoolEventDeregisterAny},
	driver.EventNodeDevice:  {remote.ProcConnectNodeDeviceEventRegisterAny, remote.ProcConnectNodeDeviceEventDeregisterAny},
	driver.EventSecret:      {remote.ProcConnectSecretEventRegisterAny, remote.ProcConnectSecretEventDeregisterAny},
}

// EventRegister registers with the server through the callback form of
// the kind's registration procedure; the server's callback ID is the
// registration's ID, and the events it sends for it go to cb, called on
// the connection's reading goroutine in the order they arrive.
func (c *Client) EventRegister(ctx context.Context, kind driver.EventKind, id int32, filter any, cb driver.EventCallback) (int32, error) {
	procs, ok := eventProcs[kind]
	if !ok {
		return -1, virterr.New(virterr.InvalidArg, "unknown event kind %d", kind)
	}
	if !c.modernEvents {
		return -1, virterr.NewFrom(virterr.FromRemote, virterr.NoSupport, "the server does not support callback event registration")
	}
	var args xdr.Marshaler
	switch kind {
	case driver.EventDomain:
		a := &remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: id}
		if r, ok := filterRef[driver.DomainRef](filter); ok {
			w := convDriverDomainRefToRemoteNonnullDomain(r)
			a.Dom = &w
		}
		args = a
	case driver.EventNetwork:
		a := &remote.ConnectNetworkEventRegisterAnyArgs{EventID: id}
		if r, ok := filterRef[driver.NetworkRef](filter); ok {
			w := convDriverNetworkRefToRemoteNonnullNetwork(r)
			a.Net = &w
		}
		args = a
	case driver.EventStoragePool:
		a := &remote.ConnectStoragePoolEventRegisterAnyArgs{EventID: id}
		if r, ok := filterRef[driver.StoragePoolRef](filter); ok {
			w := convDriverStoragePoolRefToRemoteNonnullStoragePool(r)
			a.Pool = &w
		}
		args = a
	case driver.EventNodeDevice:
		a := &remote.ConnectNodeDeviceEventRegisterAnyArgs{EventID: id}
		if r, ok := filterRef[driver.NodeDeviceRef](filter); ok {
			w := remote.NonnullNodeDevice{Name: r.Name}
			a.Dev = &w
		}
		args = a
	case driver.EventSecret:
		a := &remote.ConnectSecretEventRegisterAnyArgs{EventID: id}
		if r, ok := filterRef[driver.SecretRef](filter); ok {
			w := convDriverSecretRefToRemoteNonnullSecret(r)
			a.Secret = &w
		}
		args = a
	}
	// Every kind's reply is a lone int callbackID.
	var ret remote.ConnectDomainEventCallbackRegisterAnyRet
	sub := &eventSub{kind: kind, id: id, cb: cb}
	err := c.callProgram(ctx, remote.Program, int32(procs.register), args, &ret, func(p *message.Packet) {
		var r remote.ConnectDomainEventCallbackRegisterAnyRet
		if xdr.Unmarshal(p.Payload, &r) == nil {
			c.mu.Lock()
			c.events[r.CallbackID] = sub
			c.mu.Unlock()
		}
	})
	if err != nil {
		return -1, err
	}
	return ret.CallbackID, nil
}

// filterRef reads an event filter given as a reference or a pointer to one.
func filterRef[T any](filter any) (T, bool) {
	switch f := filter.(type) {
	case T:
		return f, true
	case *T:
		if f != nil {
			return *f, true
		}
	}
	var zero T
	return zero, false
}

// EventDeregister cancels a registration on the server.
func (c *Client) EventDeregister(ctx context.Context, callbackID int32) error {
	c.mu.Lock()
	sub := c.events[callbackID]
	c.mu.Unlock()
	if sub == nil {
		return virterr.New(virterr.InvalidArg, "event callback %d not registered", callbackID)
	}
	// Every kind's deregistration takes a lone int callbackID.
	args := remote.ConnectDomainEventCallbackDeregisterAnyArgs{CallbackID: callbackID}
	if err := c.call(ctx, int32(eventProcs[sub.kind].deregister), &args, nil); err != nil {
		return err
	}
	c.mu.Lock()
	delete(c.events, callbackID)
	c.mu.Unlock()
	return nil
}

// dispatchEvent delivers one event MESSAGE to its registration.
func (c *Client) dispatchEvent(p *message.Packet) {
	if p.Proc == int32(remote.ProcConnectEventConnectionClosed) {
		var m remote.ConnectEventConnectionClosedMsg
		if xdr.Unmarshal(p.Payload, &m) == nil {
			c.mu.Lock()
			onClose := c.onClose
			c.mu.Unlock()
			if onClose != nil {
				onClose(m.Reason)
			}
		}
		return
	}
	cbID, payload, ok, err := decodeEvent(p.Proc, p.Payload)
	if !ok || err != nil {
		return
	}
	c.mu.Lock()
	sub := c.events[cbID]
	c.mu.Unlock()
	if sub == nil {
		return
	}
	sub.cb(driver.Event{Kind: sub.kind, ID: sub.id, Payload: payload})
}
