package main

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
)

// conn is a bare RPC connection: raw packets over the unix socket, one
// call in flight, the caller reading its own reply. No reader goroutine
// sits between the socket and the measurement, so a call's time is the
// daemon's time plus the kernel's, the same client cost for both daemons.
// A subscriber connection instead hands its socket to a reader that
// timestamps every event as it comes off the wire.
type conn struct {
	nc     net.Conn
	r      *bufio.Reader
	wbuf   []byte
	serial uint32

	wmu sync.Mutex // the subscriber's reader answers PINGs concurrently
}

// rpcError is a REPLY with status ERROR.
type rpcError struct {
	proc int32
	msg  string
	code int32
}

func (e *rpcError) Error() string {
	return fmt.Sprintf("%s: %s (code %d)", procName(e.proc), e.msg, e.code)
}

func procName(proc int32) string {
	if p, ok := remote.Procedures[remote.Procedure(proc)]; ok {
		return p.Name
	}
	return fmt.Sprintf("procedure %d", proc)
}

// dial connects to socket and opens uri as virsh does: AUTH_LIST, then
// AUTH_POLKIT when the socket asks for it, then CONNECT_OPEN.
func dial(socket, uri string) (*conn, error) {
	nc, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c := &conn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}
	if err := c.open(uri); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *conn) open(uri string) error {
	var auth remote.AuthListRet
	if err := c.call(remote.ProcAuthList, nil, &auth); err != nil {
		return err
	}
	for _, t := range auth.Types {
		if t == remote.AuthPolkit {
			var ret remote.AuthPolkitRet
			if err := c.call(remote.ProcAuthPolkit, nil, &ret); err != nil {
				return err
			}
		}
	}
	return c.call(remote.ProcConnectOpen, &remote.ConnectOpenArgs{Name: &uri}, nil)
}

func (c *conn) close() {
	_ = c.call(remote.ProcConnectClose, nil, nil)
	c.nc.Close()
}

func (c *conn) send(h *message.Header, args xdr.Marshaler) error {
	e := xdr.NewEncoder(c.wbuf[:0])
	if args != nil {
		args.EncodeXDR(e)
	}
	payload := e.Bytes()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b, err := message.Append(nil, h, payload)
	if err != nil {
		return err
	}
	c.wbuf = payload[:0]
	_, err = c.nc.Write(b)
	return err
}

// call sends one CALL and reads packets until its REPLY, answering
// keepalive PINGs on the way; events that arrive meanwhile are dropped.
func (c *conn) call(proc remote.Procedure, args, ret xdr.Marshaler) error {
	_, err := c.callAt(proc, args, ret)
	return err
}

// callAt is call that also returns when the REPLY came off the socket.
func (c *conn) callAt(proc remote.Procedure, args, ret xdr.Marshaler) (time.Time, error) {
	serial := c.serial
	c.serial++
	h := message.Header{Prog: remote.Program, Vers: remote.ProtocolVersion, Proc: int32(proc),
		Type: netproto.Call, Serial: serial, Status: netproto.OK}
	if err := c.send(&h, args); err != nil {
		return time.Time{}, err
	}
	for {
		p, err := message.Read(c.r, nil)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s: %w", procName(int32(proc)), err)
		}
		at := time.Now()
		if c.answerPing(p) || p.Prog != remote.Program || p.Type != netproto.Reply || p.Serial != serial {
			continue
		}
		return at, decode(int32(proc), p, ret)
	}
}

func (c *conn) answerPing(p *message.Packet) bool {
	if p.Prog != netproto.KeepaliveProgram {
		return false
	}
	if p.Proc == int32(netproto.KeepaliveProcPing) {
		h := message.Header{Prog: netproto.KeepaliveProgram, Vers: netproto.KeepaliveProtocolVersion,
			Proc: int32(netproto.KeepaliveProcPong), Type: netproto.Message, Status: netproto.OK}
		_ = c.send(&h, nil)
	}
	return true
}

func decode(proc int32, p *message.Packet, ret xdr.Marshaler) error {
	if p.Status != netproto.OK {
		var me netproto.MessageError
		if err := xdr.Unmarshal(p.Payload, &me); err != nil {
			return fmt.Errorf("%s: undecodable error reply: %v", procName(proc), err)
		}
		msg := ""
		if me.Message != nil {
			msg = *me.Message
		}
		return &rpcError{proc: proc, msg: msg, code: me.Code}
	}
	if ret == nil {
		return nil
	}
	if err := xdr.Unmarshal(p.Payload, ret); err != nil {
		return fmt.Errorf("%s: undecodable reply: %v", procName(proc), err)
	}
	return nil
}

// lifecycleEvent is one domain lifecycle event as it came off the wire.
type lifecycleEvent struct {
	at     time.Time
	name   string
	event  int32
	detail int32
}

// subscribe registers for every domain's lifecycle events and from then
// on reads the socket on its own goroutine, sending each event to the
// returned channel. The connection serves no further calls.
func (c *conn) subscribe() (<-chan lifecycleEvent, error) {
	var ret remote.ConnectDomainEventCallbackRegisterAnyRet
	if err := c.call(remote.ProcConnectDomainEventCallbackRegisterAny,
		&remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0 /* VIR_DOMAIN_EVENT_ID_LIFECYCLE */}, &ret); err != nil {
		return nil, err
	}
	ch := make(chan lifecycleEvent, 1<<16)
	go func() {
		defer close(ch)
		for {
			p, err := message.Read(c.r, nil)
			if err != nil {
				return
			}
			at := time.Now()
			if c.answerPing(p) || p.Prog != remote.Program || p.Type != netproto.Message ||
				p.Proc != int32(remote.ProcDomainEventCallbackLifecycle) {
				continue
			}
			var m remote.DomainEventCallbackLifecycleMsg
			if xdr.Unmarshal(p.Payload, &m) != nil || m.CallbackID != ret.CallbackID {
				continue
			}
			ch <- lifecycleEvent{at: at, name: m.Msg.Dom.Name, event: m.Msg.Event, detail: m.Msg.Detail}
		}
	}()
	return ch, nil
}
