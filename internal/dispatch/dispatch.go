// Package dispatch is govirtd's REMOTE, QEMU and LXC programs: it turns
// calls arriving through internal/daemon into calls of the driver
// contracts (internal/driver) and their results into replies, as
// libvirtd's remote_daemon_dispatch.c does.
//
// The per-procedure code is generated (remote_gen.go, convert_gen.go,
// events_gen.go) from remote_protocol.x and the Go types of both sides:
//
//	go run ./internal/gen/apigen dispatch -in ../shared/reference/libvirt-9.0.0-protocol -out internal/dispatch
//
// What libvirtd writes by hand is hand-written here too: authentication,
// opening and closing the connection, feature queries, event
// registration and streams.
package dispatch

//go:generate go run ../gen/apigen dispatch -in ../../../shared/reference/libvirt-9.0.0-protocol -wire ../rpc/remote -driver ../driver -out .

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// callFunc serves one procedure: it decodes c's arguments, calls the
// driver and returns the reply (nil for void).
type callFunc func(c *call) (xdr.Marshaler, error)

// Remote serves the REMOTE program (and, through QEMU and LXC, their
// programs) for every client of a daemon.
type Remote struct {
	// Registry opens the driver connection CONNECT_OPEN names.
	Registry *driver.Registry
	// DefaultURIs are tried in order when a client opens the empty URI
	// ("server, pick a driver"), as libvirtd probes its drivers.
	DefaultURIs []string
	// EventTimeout is how long an event may wait for room in a client's
	// queue before the client is dropped as dead.
	EventTimeout time.Duration
	Log          *slog.Logger

	// registrations orders event registrations across clients (the
	// callback IDs clients see come from each driver's counter, as in
	// libvirtd: counterFor).
	registrations atomic.Int32
}

// New returns the REMOTE program serving the drivers of reg.
func New(reg *driver.Registry, log *slog.Logger) *Remote {
	if log == nil {
		log = slog.Default()
	}
	return &Remote{Registry: reg, DefaultURIs: []string{"qemu:///system", "test:///default"}, EventTimeout: 5 * time.Second, Log: log}
}

// Programs returns the programs to hand to daemon.NewServer.
func (r *Remote) Programs() map[uint32]daemon.Program {
	return map[uint32]daemon.Program{
		remote.Program:     r,
		remote.QemuProgram: qemuProgram{r},
		remote.LxcProgram:  lxcProgram{r},
	}
}

// session is what the REMOTE program keeps for one client.
type session struct {
	r      *Remote
	client *daemon.Client

	mu      sync.Mutex
	conn    *driver.Connection // nil until CONNECT_OPEN succeeds
	opening bool
	uri     string
	closed  bool
	events  map[int32]*registration // by the callbackID the client knows
	streams map[uint32]*serverStream
	// closeCallback: the client asked for CONNECT_EVENT_CONNECTION_CLOSED.
	closeCallback bool
}

func (r *Remote) session(c *daemon.Client) *session {
	return c.StateOr(func() any {
		s := &session{r: r, client: c, events: map[int32]*registration{}, streams: map[uint32]*serverStream{}}
		c.OnClose(s.teardown)
		return s
	}).(*session)
}

// connection returns the open driver connection, or nil.
func (s *session) connection() *driver.Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// teardown runs when the client goes away: its registrations, streams and
// driver connection go with it.
func (s *session) teardown() {
	s.mu.Lock()
	conn := s.conn
	s.conn = nil
	s.closed = true
	regs := s.events
	s.events = map[int32]*registration{}
	streams := s.streams
	s.streams = map[uint32]*serverStream{}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, st := range streams {
		st.shutdown(errStreamClosed)
	}
	if conn == nil {
		return
	}
	for _, reg := range regs {
		reg.deregister(ctx, conn)
	}
	if err := conn.Close(ctx); err != nil {
		s.client.Logger().Warn("closing driver connection failed", "err", err)
	}
}

// call is one CALL being served.
type call struct {
	ctx     context.Context
	s       *session
	hdr     message.Header
	payload []byte
	stream  *serverStream
}

var errDecode = daemon.RPCError("Unable to decode message payload")

// decode reads the call's arguments; a payload that does not decode is
// answered as libvirtd does, "Unable to decode message payload".
func (c *call) decode(v xdr.Marshaler) error {
	if err := xdr.Unmarshal(c.payload, v); err != nil {
		return errDecode
	}
	return nil
}

func (c *call) readOnly() bool { return c.s.client.ReadOnly() }

// conn is the open connection; calls that need one are only dispatched
// after checking it is there.
func (c *call) conn() *driver.Connection { return c.s.connection() }

// deniedReadOnly is libvirt's virCheckReadOnlyGoto error.
func deniedReadOnly(from virterr.Domain, function string) error {
	return virterr.NewFrom(from, virterr.OperationDenied, "read only access prevents %s", function)
}

func notOpen() error {
	return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "hypervisor connection not open")
}

// Call serves one REMOTE call.
func (r *Remote) Call(c *daemon.Client, p *message.Packet) {
	s := r.session(c)
	cl := &call{ctx: c.Context(), s: s, hdr: p.Header, payload: p.Payload}
	if p.Type == netproto.CallWithFDs {
		// File descriptors are not received (FD_PASSING is answered 0),
		// but the count still prefixes the arguments.
		if len(cl.payload) < 4 {
			c.ReplyError(&p.Header, errDecode)
			return
		}
		cl.payload = cl.payload[4:]
	}
	ret, err := r.serve(cl)
	if err != nil {
		err = withAPIDomain(err)
		if cl.stream != nil {
			s.dropStream(cl.stream)
		}
		c.ReplyError(&p.Header, err)
		return
	}
	if ret == nil {
		c.Reply(&p.Header, nil)
	} else {
		c.Reply(&p.Header, ret)
	}
	if cl.stream != nil {
		cl.stream.start()
	}
	if p.Proc == int32(remote.ProcConnectClose) {
		c.CloseAfterReply()
	}
}

func (r *Remote) serve(c *call) (xdr.Marshaler, error) {
	proc := remote.Procedure(c.hdr.Proc)
	switch proc {
	case remote.ProcAuthList:
		return c.s.authList()
	case remote.ProcAuthPolkit:
		return c.s.authPolkit()
	case remote.ProcAuthSASLInit, remote.ProcAuthSASLStart, remote.ProcAuthSASLStep:
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.AuthFailed, "client tried invalid SASL init request")
	}
	if !c.s.client.Authenticated() {
		return nil, daemon.RPCError("authentication required")
	}
	if h, ok := connectionCalls[proc]; ok {
		return h(c)
	}
	if c.conn() == nil {
		return nil, notOpen()
	}
	if h, ok := registrationCalls[proc]; ok {
		return h(c)
	}
	if n := int(proc); n > 0 && n < len(remoteCalls) && remoteCalls[n] != nil {
		if stringOkayGetters[proc] {
			c.addStringOkay()
		}
		return remoteCalls[n](c)
	}
	return nil, daemon.UnknownProcedure(c.hdr.Proc)
}

// lxcProgram serves LXC_PROGRAM: the driver contracts have no namespace
// access, so every call is answered as a driver without it would.
type lxcProgram struct{ r *Remote }

func (l lxcProgram) Call(c *daemon.Client, p *message.Packet) {
	l.r.foreign(c, p, map[int32]string{1: "virDomainLxcOpenNamespace"})
}

func (r *Remote) foreign(c *daemon.Client, p *message.Packet, functions map[int32]string) {
	s := r.session(c)
	var err error
	switch fn, ok := functions[p.Proc]; {
	case !c.Authenticated():
		err = daemon.RPCError("authentication required")
	case !ok:
		err = daemon.UnknownProcedure(p.Proc)
	case s.connection() == nil:
		err = notOpen()
	default:
		err = withAPIDomain(virterr.NoSupportFor(fn))
	}
	c.ReplyError(&p.Header, err)
}
