package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

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
	nc     io.ReadWriteCloser
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
	var nc io.ReadWriteCloser
	var err error
	if clientMode == "poll" {
		nc, err = net.DialTimeout("unix", socket, 5*time.Second)
	} else {
		nc, err = dialBlocking(socket)
	}
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

// sendCall sends one CALL and returns its serial.
func (c *conn) sendCall(proc remote.Procedure, args xdr.Marshaler) (uint32, error) {
	serial := c.serial
	c.serial++
	h := message.Header{Prog: remote.Program, Vers: remote.ProtocolVersion, Proc: int32(proc),
		Type: netproto.Call, Serial: serial, Status: netproto.OK}
	return serial, c.send(&h, args)
}

// callAt is call that also returns when the REPLY came off the socket.
func (c *conn) callAt(proc remote.Procedure, args, ret xdr.Marshaler) (time.Time, error) {
	serial, err := c.sendCall(proc, args)
	if err != nil {
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

// sockConn is a unix socket in blocking mode, read and written with
// plain system calls. A goroutine parked in Go's network poller wakes only
// when the runtime gets round to it; a thread blocked in read(2) wakes
// when the kernel has the data, so a timestamp taken after it is the
// packet's arrival, not the client's scheduling.
type sockConn struct {
	fd int
	// holdP: read(2) without telling the Go runtime (RawSyscall), so the
	// thread keeps its P while it waits and runs on at once when the
	// packet arrives; otherwise it must get a P back from the runtime,
	// which can mean waiting for another thread to hand one over. Only for
	// a thread locked to its goroutine, with GOMAXPROCS to spare (see
	// timedReads).
	holdP atomic.Bool
}

func dialBlocking(path string) (*sockConn, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("connect %s: %w", path, err)
	}
	return &sockConn{fd: fd}, nil
}

func (s *sockConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		var n int
		var err error
		if s.holdP.Load() {
			r, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(s.fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			n = int(r)
			if e != 0 {
				n, err = -1, e
			}
		} else {
			n, err = syscall.Read(s.fd, p)
		}
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

func (s *sockConn) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n, err := syscall.Write(s.fd, p[done:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

// Close wakes a reader blocked on the socket (shutdown) and closes it.
func (s *sockConn) Close() error {
	_ = syscall.Shutdown(s.fd, syscall.SHUT_RDWR)
	return syscall.Close(s.fd)
}

// timedReads makes the connection's reads keep their thread's P while
// they wait (sockConn.holdP), when -event-wake has "rt": the caller must
// be a goroutine locked to its thread, and the suite must leave P's to
// spare (runEvents raises GOMAXPROCS).
func (c *conn) timedReads() {
	if sc, ok := c.nc.(*sockConn); ok && wakeHas("rt") {
		sc.holdP.Store(true)
	}
}

// timedPacket is a packet and when it came off the socket.
type timedPacket struct {
	at time.Time
	*message.Packet
}

// readLoop reads the socket on its own thread from now on, answering
// PINGs and passing every REMOTE packet on in order.
func (c *conn) readLoop() <-chan timedPacket {
	ch := make(chan timedPacket, 1<<16)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if wakeHas("rt") {
			_ = setScheduler(schedFIFO, 1)
			c.timedReads()
		}
		defer close(ch)
		for {
			p, err := message.Read(c.r, nil)
			if err != nil {
				return
			}
			at := time.Now()
			if c.answerPing(p) || p.Prog != remote.Program {
				continue
			}
			ch <- timedPacket{at, p}
		}
	}()
	return ch
}

// lifecycleEvent is one domain lifecycle event as it came off the wire.
type lifecycleEvent struct {
	at     time.Time
	name   string
	event  int32
	detail int32
}

// registerLifecycle subscribes the connection to every domain's
// lifecycle events and returns the callback ID.
func (c *conn) registerLifecycle() (int32, error) {
	var ret remote.ConnectDomainEventCallbackRegisterAnyRet
	err := c.call(remote.ProcConnectDomainEventCallbackRegisterAny,
		&remote.ConnectDomainEventCallbackRegisterAnyArgs{EventID: 0 /* VIR_DOMAIN_EVENT_ID_LIFECYCLE */}, &ret)
	return ret.CallbackID, err
}

// asLifecycle decodes a lifecycle event of callback id.
func asLifecycle(p timedPacket, id int32) (lifecycleEvent, bool) {
	if p.Type != netproto.Message || p.Proc != int32(remote.ProcDomainEventCallbackLifecycle) {
		return lifecycleEvent{}, false
	}
	var m remote.DomainEventCallbackLifecycleMsg
	if xdr.Unmarshal(p.Payload, &m) != nil || m.CallbackID != id {
		return lifecycleEvent{}, false
	}
	return lifecycleEvent{at: p.at, name: m.Msg.Dom.Name, event: m.Msg.Event, detail: m.Msg.Detail}, true
}

// subscribe registers for every domain's lifecycle events and from then
// on reads the socket on its own thread, which only timestamps what comes
// off the wire and keeps it: nothing else is woken per event, so the
// measuring client adds no thread wake-ups (and no CPU demand) of its own
// between the daemon's write and the timestamp. The connection serves no
// further calls.
func (c *conn) subscribe() (*eventRecorder, error) {
	id, err := c.registerLifecycle()
	if err != nil {
		return nil, err
	}
	r := &eventRecorder{id: id, packets: make([]timedPacket, 0, 1<<12)}
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if wakeHas("rt") {
			_ = setScheduler(schedFIFO, 1)
			c.timedReads()
		}
		defer r.finish()
		for {
			p, err := message.Read(c.r, nil)
			if err != nil {
				return
			}
			at := time.Now()
			if c.answerPing(p) || p.Prog != remote.Program {
				continue
			}
			r.mu.Lock()
			r.packets = append(r.packets, timedPacket{at, p})
			r.mu.Unlock()
		}
	}()
	return r, nil
}

// eventRecorder keeps the packets a subscriber received, with their times.
type eventRecorder struct {
	id      int32
	mu      sync.Mutex
	packets []timedPacket
	closed  bool
}

func (r *eventRecorder) finish() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

// await returns the lifecycle events received once there are want of
// them, the connection closed, or grace passed. It polls rather than being
// signalled, so the subscriber's thread never wakes anyone.
func (r *eventRecorder) await(want int, grace time.Duration) []lifecycleEvent {
	deadline := time.Now().Add(grace)
	for {
		r.mu.Lock()
		var got []lifecycleEvent
		for _, p := range r.packets {
			if ev, ok := asLifecycle(p, r.id); ok {
				got = append(got, ev)
			}
		}
		closed := r.closed
		r.mu.Unlock()
		if len(got) >= want || closed || time.Now().After(deadline) {
			return got
		}
		time.Sleep(time.Millisecond)
	}
}
