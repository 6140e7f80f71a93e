package daemon

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/xdr"
)

// Peer is who is on the other end of a unix socket (SO_PEERCRED).
type Peer struct {
	UID, GID uint32
	PID      int32
	Known    bool // false for TCP clients and when the kernel did not say
}

// Client is one connection to the daemon. Reads happen on one goroutine;
// a call runs on its own goroutine (at most MaxClientRequests at once, as
// libvirtd's max_client_requests), except that a procedure its program
// marks as quick runs on the reading goroutine when no other call of the
// client is in flight, saving a goroutine hand-off per call.
//
// Packets go out from the sending goroutine itself when nothing is queued,
// as one non-blocking write(2); whatever does not fit in the socket, and
// every packet sent while others are pending, goes through the queue that
// the writer goroutine drains. Either way packets never interleave and
// leave in the order they were sent, and a client that stops reading
// never blocks a sender.
//
// A small packet (atomicWriteMax) goes whole into the socket or not at
// all, so senders of small packets write concurrently (wmu shared): a
// sender that the scheduler preempts right after its write(2) — typically
// because that write woke the client on the same CPU — holds up nobody.
// Only the writer goroutine and senders of large packets, which may be
// written in pieces, write exclusively.
type Client struct {
	srv      *Server
	conn     net.Conn
	id       uint64
	listener *Listener
	peer     Peer
	log      *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc

	out      chan []byte
	outDone  chan struct{}
	inflight chan struct{}

	// raw is the socket for direct non-blocking writes (nil: always queue).
	raw syscall.RawConn
	// smallWritesAtomic: the socket is a unix stream socket, whose small
	// writes are never split (atomicWriteMax); TCP may take part of any
	// write, so there every direct write is exclusive.
	smallWritesAtomic bool
	// wmu is held by whoever writes to the socket: shared by direct
	// writers of small packets, exclusively by everyone else.
	wmu sync.RWMutex
	// pending counts packets in out, the one the writer is writing, and
	// a direct write's unwritten tail: while it is not zero, senders queue.
	pending atomic.Int32
	// tail is the part of a direct write the socket did not take; the
	// writer writes it (under wmu) before anything queued after it.
	tail []byte
	kick chan struct{}

	// lastRecv is the unix-nano time of the last packet from the client
	// (any packet proves it alive).
	lastRecv atomic.Int64

	mu            sync.Mutex
	authenticated bool
	readOnly      bool
	keepalive     bool // the client asked for keepalive (feature 10)
	closing       bool
	stateMu       sync.Mutex // guards State; init may call OnClose
	// State holds what the program handlers keep per client (the open
	// driver connection, event registrations, streams).
	State any
	// closers run when the client goes away, in reverse order.
	closers []func()
}

func newClient(s *Server, l *Listener, conn net.Conn, id uint64) *Client {
	ctx, cancel := context.WithCancel(s.ctx)
	c := &Client{
		srv: s, conn: conn, id: id, listener: l,
		ctx: ctx, cancel: cancel,
		out:      make(chan []byte, 64),
		outDone:  make(chan struct{}),
		inflight: make(chan struct{}, s.cfg.MaxClientRequests),
		kick:     make(chan struct{}, 1),
		readOnly: l.ReadOnly,
	}
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
		}
	}
	_, c.smallWritesAtomic = conn.(*net.UnixConn)
	c.peer = peerOf(conn)
	c.log = s.log.With("client", id, "socket", l.Name)
	c.authenticated = l.Auth == AuthNone
	c.lastRecv.Store(time.Now().UnixNano())
	return c
}

// peerOf reads the peer's credentials from a unix socket.
func peerOf(conn net.Conn) Peer {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return Peer{}
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{}
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || cerr != nil {
		return Peer{}
	}
	return Peer{UID: cred.Uid, GID: cred.Gid, PID: cred.Pid, Known: true}
}

// Context is cancelled when the client goes away: work done for it stops.
func (c *Client) Context() context.Context { return c.ctx }

// Peer returns the connecting process's credentials.
func (c *Client) Peer() Peer { return c.peer }

// ReadOnly reports whether the client may only observe.
func (c *Client) ReadOnly() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readOnly
}

// SetReadOnly forces the connection read-only (CONNECT_OPEN with VIR_CONNECT_RO).
func (c *Client) SetReadOnly() {
	c.mu.Lock()
	c.readOnly = true
	c.mu.Unlock()
}

// Authenticated reports whether the client passed authentication.
func (c *Client) Authenticated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.authenticated
}

// SetAuthenticated marks the client as authenticated.
func (c *Client) SetAuthenticated() {
	c.mu.Lock()
	c.authenticated = true
	c.mu.Unlock()
}

// EnableKeepalive starts pinging the client when it goes quiet; only for
// clients that asked (feature 10), since others never answer.
func (c *Client) EnableKeepalive() {
	c.mu.Lock()
	already := c.keepalive
	c.keepalive = true
	c.mu.Unlock()
	if !already && c.srv.cfg.KeepaliveInterval > 0 {
		go c.keepaliveLoop()
	}
}

// StateOr returns the per-client state of the programs, creating it with
// init on first use (calls run concurrently, so this is the one safe way
// to set State).
func (c *Client) StateOr(init func() any) any {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	if c.State == nil {
		c.State = init()
	}
	return c.State
}

// Server is the server the client is connected to.
func (c *Client) Server() *Server { return c.srv }

// Logger is the client's logger.
func (c *Client) Logger() *slog.Logger { return c.log }

// ID is the client's number, unique for the server's lifetime.
func (c *Client) ID() uint64 { return c.id }

// Listener is the socket the client came in on.
func (c *Client) Listener() *Listener { return c.listener }

// Drop disconnects the client at once.
func (c *Client) Drop() {
	c.cancel()
	c.conn.Close()
}

// SendWithin queues pkt, waiting at most d for room in the client's
// queue. A client that cannot take packets that fast is dropped (its
// events would otherwise pile up without limit, or block the emitter),
// and false is returned.
func (c *Client) SendWithin(pkt []byte, d time.Duration) bool {
	if c.direct(pkt) {
		return true
	}
	c.pending.Add(1)
	select {
	case c.out <- pkt:
		return true
	case <-c.ctx.Done():
		c.pending.Add(-1)
		return false
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case c.out <- pkt:
		return true
	case <-c.ctx.Done():
		c.pending.Add(-1)
		return false
	case <-t.C:
		c.pending.Add(-1)
		c.log.Warn("dropping client: it does not read what it is sent")
		c.Drop()
		return false
	}
}

// OnClose registers fn to run when the client disconnects.
func (c *Client) OnClose(fn func()) {
	c.mu.Lock()
	c.closers = append(c.closers, fn)
	c.mu.Unlock()
}

// Send queues an encoded packet. It reports false when the client is gone.
func (c *Client) Send(pkt []byte) bool {
	if c.direct(pkt) {
		return true
	}
	c.pending.Add(1)
	select {
	case c.out <- pkt:
		return true
	case <-c.ctx.Done():
		c.pending.Add(-1)
		return false
	}
}

// atomicWriteMax bounds the packets written with wmu shared. Linux puts a
// unix stream write of up to 32 KiB into one buffer that is queued whole
// or, on a non-blocking socket that is full, not at all (EAGAIN), so
// concurrent writes of such packets never interleave; larger ones may be
// split. Events and most replies are far smaller.
const atomicWriteMax = 16 << 10

// direct writes pkt from the calling goroutine when nothing is pending,
// without ever waiting for the socket or for another writer: one
// non-blocking write(2). It reports false when pkt must be queued instead.
func (c *Client) direct(pkt []byte) bool {
	if pkt == nil || c.raw == nil || c.pending.Load() != 0 {
		return false
	}
	if len(pkt) > atomicWriteMax || !c.smallWritesAtomic {
		return c.directExclusive(pkt)
	}
	if !c.wmu.TryRLock() {
		return false // an exclusive writer is at work or waiting: queue behind it
	}
	defer c.wmu.RUnlock()
	// Re-check under the lock: a packet queued since must go first.
	if c.pending.Load() != 0 || c.ctx.Err() != nil {
		return false
	}
	written := 0
	var werr error
	// Control, not Write: RawConn.Write takes the descriptor's write lock,
	// which would make concurrent senders wait for each other.
	err := c.raw.Control(func(fd uintptr) {
		for {
			n, err := syscall.Write(int(fd), pkt)
			if err == syscall.EINTR {
				continue
			}
			written, werr = n, err
			return
		}
	})
	if err == nil && werr != syscall.EAGAIN {
		err = werr
	}
	switch {
	case err != nil:
		c.cancel()
		return true
	case werr == syscall.EAGAIN || written <= 0:
		return false // the socket is full: the writer goroutine waits for it
	case written < len(pkt):
		// The kernel does not split a packet this small; if it ever did,
		// the rest could not follow without others' packets in between.
		c.log.Error("dropping client: a small packet was written in part", "written", written, "len", len(pkt))
		c.Drop()
		return true
	}
	return true
}

// directExclusive writes a large packet as direct does, but alone: what
// the socket does not take now, the writer goroutine writes before
// anything else.
func (c *Client) directExclusive(pkt []byte) bool {
	if !c.wmu.TryLock() {
		return false
	}
	defer c.wmu.Unlock()
	if c.pending.Load() != 0 || c.ctx.Err() != nil {
		return false
	}
	written := 0
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for written < len(pkt) {
			n, err := syscall.Write(int(fd), pkt[written:])
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				if err != syscall.EAGAIN {
					werr = err
				}
				return true
			}
			written += n
		}
		return true
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		c.cancel()
		return true
	}
	if written < len(pkt) {
		// The socket is full: the writer finishes this packet before
		// anything else, waiting on the socket as long as it takes.
		c.tail = pkt[written:]
		c.pending.Add(1)
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
	return true
}

// Reply sends the successful reply to a call.
func (c *Client) Reply(call *message.Header, ret xdr.Marshaler) {
	h := *call
	h.Type = netproto.Reply
	h.Status = netproto.OK
	pkt, err := message.Encode(&h, ret)
	if err != nil {
		c.ReplyError(call, err)
		return
	}
	c.Send(pkt)
}

// ReplyError sends err as the reply to a call.
func (c *Client) ReplyError(call *message.Header, err error) {
	h := *call
	h.Type = netproto.Reply
	h.Status = netproto.Error
	pkt, _ := message.Encode(&h, message.ErrorPayload(err))
	c.Send(pkt)
}

// Message sends an asynchronous MESSAGE (an event) of program prog.
func (c *Client) Message(prog uint32, proc int32, msg xdr.Marshaler) bool {
	h := message.Header{Prog: prog, Vers: 1, Proc: proc, Type: netproto.Message, Serial: 1, Status: netproto.OK}
	pkt, err := message.Encode(&h, msg)
	if err != nil {
		c.log.Warn("event too large to send", "proc", proc, "err", err)
		return false
	}
	return c.Send(pkt)
}

// CloseAfterReply closes the connection once everything queued so far has
// been written (CONNECT_CLOSE's "delayed close").
func (c *Client) CloseAfterReply() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.Send(nil) // nil tells the writer to close after what precedes it
}

func (c *Client) writer() {
	defer close(c.outDone)
	for {
		var pkt []byte
		queued := false
		select {
		case pkt = <-c.out:
			queued = true
		case <-c.kick:
		case <-c.ctx.Done():
			return
		}
		c.wmu.Lock()
		err := c.writeTail()
		if err == nil && queued && pkt != nil {
			_, err = c.conn.Write(pkt)
		}
		c.wmu.Unlock()
		if queued {
			c.pending.Add(-1)
		}
		if err != nil {
			c.cancel()
			return
		}
		if queued && pkt == nil {
			c.conn.Close()
			return
		}
	}
}

// writeTail finishes a direct write the socket did not take whole; the
// caller holds wmu.
func (c *Client) writeTail() error {
	if c.tail == nil {
		return nil
	}
	tail := c.tail
	c.tail = nil
	_, err := c.conn.Write(tail)
	c.pending.Add(-1)
	return err
}

func (c *Client) keepaliveLoop() {
	interval := c.srv.cfg.KeepaliveInterval
	t := time.NewTicker(interval)
	defer t.Stop()
	missed := 0
	ping := message.Header{Prog: netproto.KeepaliveProgram, Vers: 1, Proc: int32(netproto.KeepaliveProcPing), Type: netproto.Message, Serial: 0, Status: netproto.OK}
	pkt, _ := message.Encode(&ping, nil)
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		idle := time.Since(time.Unix(0, c.lastRecv.Load()))
		if idle < interval {
			missed = 0
			continue
		}
		if missed >= c.srv.cfg.KeepaliveCount {
			c.log.Info("closing connection: keepalive timeout", "idle", idle)
			c.cancel()
			c.conn.Close()
			return
		}
		missed++
		c.Send(pkt)
	}
}

// serve reads packets until the client goes away.
func (c *Client) serve() {
	go c.writer()
	defer c.finish()
	// One read(2) brings the length word and the body of a small packet
	// (and any packets behind it) at once. message.Read allocates every
	// payload afresh, so payloads handed to call goroutines stay theirs.
	br := bufio.NewReaderSize(c.conn, 16<<10)
	for {
		p, err := message.Read(br, nil)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && c.ctx.Err() == nil {
				c.log.Info("dropping client", "err", err)
			}
			return
		}
		c.lastRecv.Store(time.Now().UnixNano())
		c.handle(p)
	}
}

func (c *Client) handle(p *message.Packet) {
	switch {
	case p.Prog == netproto.KeepaliveProgram:
		if p.Type == netproto.Message && p.Proc == int32(netproto.KeepaliveProcPing) {
			pong := message.Header{Prog: netproto.KeepaliveProgram, Vers: 1, Proc: int32(netproto.KeepaliveProcPong), Type: netproto.Message, Serial: 0, Status: netproto.OK}
			pkt, _ := message.Encode(&pong, nil)
			c.Send(pkt)
		}
		return
	case p.Type == netproto.Stream || p.Type == netproto.MessageTypeStreamHole:
		if h := c.srv.streams; h != nil {
			h.StreamPacket(c, p)
		}
		return
	case p.Type != netproto.Call && p.Type != netproto.CallWithFDs:
		// REPLY, MESSAGE and the rest are not for a server: drop them.
		return
	}
	prog := c.srv.programs[p.Prog]
	if prog == nil || p.Vers != 1 {
		c.ReplyError(&p.Header, rpcError("Cannot find program %d version %d", p.Prog, p.Vers))
		return
	}
	if p.Status != netproto.OK {
		c.ReplyError(&p.Header, rpcError("Unexpected message status %d", p.Status))
		return
	}
	// Bound the calls in flight; when full, stop reading until one ends,
	// exactly as libvirtd's max_client_requests does.
	// A quick procedure runs right here when it is the client's only call
	// in flight: the client waits for its reply anyway, and no goroutine
	// has to be started and scheduled for it.
	if q, ok := prog.(QuickProgram); ok && len(c.inflight) == 0 && q.Quick(c, p) {
		select {
		case c.inflight <- struct{}{}:
			c.call(prog, p)
			return
		default:
		}
	}
	select {
	case c.inflight <- struct{}{}:
	case <-c.ctx.Done():
		return
	}
	go c.call(prog, p)
}

// call runs one call holding an inflight slot, which it releases.
func (c *Client) call(prog Program, p *message.Packet) {
	defer func() { <-c.inflight }()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("procedure panicked", "prog", p.Prog, "proc", p.Proc, "panic", r)
			c.ReplyError(&p.Header, internalError("procedure %d failed", p.Proc))
		}
	}()
	prog.Call(c, p)
}

func (c *Client) finish() {
	c.cancel()
	c.conn.Close()
	<-c.outDone
	// A direct write may still be under way from a call goroutine; it
	// sees the cancelled context or the closed socket and returns.
	// Wait for calls still running so their cleanup sees a consistent state.
	for i := 0; i < cap(c.inflight); i++ {
		c.inflight <- struct{}{}
	}
	c.mu.Lock()
	closers := c.closers
	c.closers = nil
	c.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	c.srv.removeClient(c)
}
