// Package remote is govirt's remote driver: the client side of libvirt's
// RPC protocol. It serves URIs with a transport or a host
// (test+unix:///default, qemu+ssh://host/system, qemu://host/system …) by
// talking to a libvirtd or a govirtd over a unix socket, TCP, TLS, or an
// ssh (or any external command) pipe, and implements every family of the
// driver contracts by calling the procedure of the REMOTE program that
// mirrors the method (client_gen.go, generated from remote_protocol.x).
//
// One connection carries overlapping calls from any number of goroutines:
// writes are serialised whole packets, replies are matched to their calls
// by serial, events are dispatched to their registrations, stream packets
// to their streams, and keepalive PINGs are answered (and sent, when the
// server offers keepalive).
//
//	go run ./internal/gen/apigen client -in <dir with remote_protocol.x and libvirt*.h> -out internal/drivers/remote
package remote

//go:generate go run ../../gen/apigen client -in ../../../../shared/reference/libvirt-9.0.0-protocol -wire ../../rpc/remote -driver ../../driver -out .

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// Client is one connection to a daemon. Its methods are the driver
// contracts' (Hypervisor, Network, Storage, NodeDevice, Secret, NWFilter,
// Interface and Events); each sends one CALL and waits for its REPLY.
type Client struct {
	rw io.ReadWriteCloser

	wmu  sync.Mutex // one packet at a time on the wire
	wbuf []byte

	mu       sync.Mutex
	serial   uint32
	calls    map[uint32]*pendingCall
	streams  map[uint32]*clientStream
	events   map[int32]*eventSub
	closed   bool
	closeErr error
	done     chan struct{}

	lastRecv atomic.Int64 // unix nanoseconds of the last packet received
	// closeReason is libvirt's VIR_CONNECT_CLOSE_REASON_*: why the
	// connection ended (0 error, 1 EOF, 2 keepalive, 3 client).
	closeReason atomic.Int32

	// set by the open sequence
	modernEvents  bool
	closeCallback bool
	onClose       func(reason int32)
}

// pendingCall is a CALL waiting for its REPLY. onReply, when set, runs
// on the reading goroutine before any later packet is read, so state the
// reply creates (an event registration) is in place for what follows it.
type pendingCall struct {
	done    chan *message.Packet
	onReply func(*message.Packet)
}

// Close reasons (virConnectCloseReason).
const (
	closeReasonError     = 0
	closeReasonEOF       = 1
	closeReasonKeepalive = 2
	closeReasonClient    = 3
)

// newClient starts reading from rw.
func newClient(rw io.ReadWriteCloser) *Client {
	c := &Client{
		rw:      rw,
		calls:   map[uint32]*pendingCall{},
		streams: map[uint32]*clientStream{},
		events:  map[int32]*eventSub{},
		done:    make(chan struct{}),
	}
	c.lastRecv.Store(time.Now().UnixNano())
	go c.readLoop()
	return c
}

func errClosed() error {
	return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "client socket is closed")
}

// send writes one packet.
func (c *Client) send(h *message.Header, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.isClosed() {
		return c.deadError()
	}
	b, err := message.Append(c.wbuf[:0], h, payload)
	if err != nil {
		return virterr.NewFrom(virterr.FromRPC, virterr.RPC, "packet too large to send")
	}
	c.wbuf = b
	if _, err := c.rw.Write(b); err != nil {
		c.shutdown(closeReasonError, virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "Cannot write data: %v", err))
		return c.deadError()
	}
	if cap(c.wbuf) > 1<<20 {
		c.wbuf = nil // do not pin a large stream chunk's buffer
	}
	return nil
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Client) nextSerial() uint32 {
	s := c.serial
	c.serial++
	return s
}

// call makes one REMOTE procedure call; args and ret may be nil for void.
func (c *Client) call(ctx context.Context, proc int32, args, ret xdr.Marshaler) error {
	return c.callProgram(ctx, remote.Program, proc, args, ret, nil)
}

func (c *Client) callProgram(ctx context.Context, prog uint32, proc int32, args, ret xdr.Marshaler, onReply func(*message.Packet)) error {
	if ctx.Err() != nil {
		return ctxError(ctx)
	}
	pc := &pendingCall{done: make(chan *message.Packet, 1), onReply: onReply}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.deadError()
	}
	serial := c.nextSerial()
	c.calls[serial] = pc
	c.mu.Unlock()
	if err := c.sendCall(prog, proc, serial, args); err != nil {
		c.forget(serial)
		return err
	}
	p, err := c.wait(ctx, serial, pc)
	if err != nil {
		return err
	}
	return decodeReply(p, ret)
}

func (c *Client) sendCall(prog uint32, proc int32, serial uint32, args xdr.Marshaler) error {
	var payload []byte
	if args != nil {
		payload = xdr.Marshal(args)
	}
	h := message.Header{Prog: prog, Vers: remote.ProtocolVersion, Proc: proc, Type: netproto.Call, Serial: serial, Status: netproto.OK}
	return c.send(&h, payload)
}

func (c *Client) forget(serial uint32) {
	c.mu.Lock()
	delete(c.calls, serial)
	c.mu.Unlock()
}

// wait blocks until the reply of serial arrives, ctx ends or the
// connection closes. A reply that comes after ctx ended is dropped: the
// protocol has no way to cancel a call the server already runs.
func (c *Client) wait(ctx context.Context, serial uint32, pc *pendingCall) (*message.Packet, error) {
	select {
	case p := <-pc.done:
		if p == nil {
			return nil, c.deadError()
		}
		return p, nil
	case <-ctx.Done():
		c.forget(serial)
		return nil, ctxError(ctx)
	}
}

func ctxError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return virterr.NewFrom(virterr.FromRPC, virterr.OperationTimeout, "remote call timed out")
	}
	return virterr.NewFrom(virterr.FromRPC, virterr.OperationAborted, "remote call cancelled")
}

func (c *Client) deadError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeErr != nil {
		return c.closeErr
	}
	return errClosed()
}

// decodeReply turns a REPLY into ret or the error it carries.
func decodeReply(p *message.Packet, ret xdr.Marshaler) error {
	switch p.Status {
	case netproto.OK:
		if ret == nil {
			return nil
		}
		if err := xdr.Unmarshal(p.Payload, ret); err != nil {
			return virterr.NewFrom(virterr.FromRPC, virterr.RPC, "Unable to decode message payload")
		}
		return nil
	case netproto.Error:
		return decodeError(p.Payload)
	}
	return virterr.NewFrom(virterr.FromRPC, virterr.RPC, "Unexpected message status %d", p.Status)
}

// decodeError reads remote_error as libvirt's client does, including its
// remapping of error codes an older server numbered differently.
func decodeError(payload []byte) error {
	var me netproto.MessageError
	if err := xdr.Unmarshal(payload, &me); err != nil {
		return virterr.NewFrom(virterr.FromRPC, virterr.RPC, "Unable to decode message payload")
	}
	e := message.ErrorFromWire(&me)
	// virNetClientProgramDispatchError: before libvirt 0.8.0 a few codes
	// were one slot off; the client still renumbers them.
	switch {
	case e.Code >= 61 && e.Code <= 63 && e.Domain != virterr.FromNwfilter:
		e.Code += 4
	case e.Code == 64 && e.Domain == virterr.FromQemu:
		e.Code = 68
	case e.Code == 65 && e.Domain == virterr.FromXen:
		e.Code = 69
	}
	return e
}

// readLoop reads packets until the connection fails, dispatching each.
func (c *Client) readLoop() {
	for {
		p, err := message.Read(c.rw, nil)
		if err != nil {
			reason := int32(closeReasonError)
			var ve error
			if errors.Is(err, io.EOF) {
				reason = closeReasonEOF
				ve = virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "End of file while reading data: Input/output error")
			} else {
				ve = virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "Cannot recv data: %v", err)
			}
			c.shutdown(reason, ve)
			return
		}
		c.lastRecv.Store(time.Now().UnixNano())
		c.dispatch(p)
	}
}

func (c *Client) dispatch(p *message.Packet) {
	switch p.Prog {
	case netproto.KeepaliveProgram:
		if p.Type == netproto.Message && p.Proc == int32(netproto.KeepaliveProcPing) {
			// Not on this goroutine: a writer blocked on a server that is
			// itself blocked writing to us must not stop our reading.
			go func() {
				h := message.Header{Prog: netproto.KeepaliveProgram, Vers: netproto.KeepaliveProtocolVersion,
					Proc: int32(netproto.KeepaliveProcPong), Type: netproto.Message, Status: netproto.OK}
				_ = c.send(&h, nil)
			}()
		}
		return
	case remote.Program, remote.QemuProgram, remote.LxcProgram:
	default:
		return
	}
	switch p.Type {
	case netproto.Reply, netproto.ReplyWithFDs:
		c.mu.Lock()
		pc := c.calls[p.Serial]
		delete(c.calls, p.Serial)
		c.mu.Unlock()
		if pc == nil {
			return
		}
		if pc.onReply != nil && p.Status == netproto.OK {
			pc.onReply(p)
		}
		pc.done <- p
	case netproto.Message:
		switch p.Prog {
		case remote.Program:
			c.dispatchEvent(p)
		case remote.QemuProgram:
			c.dispatchQemuEvent(p)
		}
	case netproto.Stream, netproto.MessageTypeStreamHole:
		c.mu.Lock()
		s := c.streams[p.Serial]
		c.mu.Unlock()
		if s != nil && s.proc == p.Proc {
			s.push(p)
		}
	}
}

// shutdown ends the connection once: pending calls fail with err, streams
// abort, and the close callback learns the reason.
func (c *Client) shutdown(reason int32, err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.closeErr = err
	calls := c.calls
	c.calls = map[uint32]*pendingCall{}
	streams := c.streams
	c.streams = map[uint32]*clientStream{}
	onClose := c.onClose
	c.mu.Unlock()
	c.closeReason.Store(reason)
	_ = c.rw.Close()
	close(c.done)
	for _, pc := range calls {
		pc.done <- nil
	}
	for _, s := range streams {
		s.fail(err)
	}
	if onClose != nil {
		onClose(reason)
	}
}

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Close ends the connection as libvirt's client does: it drops the close
// callback registration, says CONNECT_CLOSE and waits for the answer, then
// closes the socket.
func (c *Client) Close(ctx context.Context) error {
	if c.isClosed() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if c.closeCallback {
		_ = c.call(ctx, int32(remote.ProcConnectUnregisterCloseCallback), nil, nil)
	}
	err := c.call(ctx, int32(remote.ProcConnectClose), nil, nil)
	c.shutdown(closeReasonClient, errClosed())
	return err
}

// keepalive sends a PING after interval without traffic from the server
// and gives up after count unanswered ones, as virKeepAlive does.
func (c *Client) keepalive(interval time.Duration, count int) {
	t := time.NewTicker(interval)
	defer t.Stop()
	missed := 0
	seen := c.lastRecv.Load()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		last := c.lastRecv.Load()
		if last != seen {
			// Anything from the server answers the PINGs so far.
			seen, missed = last, 0
		}
		if time.Since(time.Unix(0, last)) < interval {
			continue
		}
		if missed >= count {
			c.shutdown(closeReasonKeepalive, virterr.NewFrom(virterr.FromRPC, virterr.NoConnect, "connection closed due to keepalive timeout"))
			return
		}
		missed++
		h := message.Header{Prog: netproto.KeepaliveProgram, Vers: netproto.KeepaliveProtocolVersion,
			Proc: int32(netproto.KeepaliveProcPing), Type: netproto.Message, Status: netproto.OK}
		_ = c.send(&h, nil)
	}
}

// Connection wraps c as the driver contract's connection.
func (c *Client) Connection() *driver.Connection {
	return &driver.Connection{
		Hypervisor: c, Network: c, Storage: c, NodeDevice: c, Secret: c, NWFilter: c, Interface: c,
		Events: c,
		Close:  c.Close,
	}
}
