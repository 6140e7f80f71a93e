// Package qmp speaks the QEMU Machine Protocol: greeting and capability
// negotiation, concurrent commands matched by id, typed errors, an event
// stream that never stalls the reader, file-descriptor passing and a
// distinguishable end of stream. Replay (replay.go) plays libvirt's
// recorded conversations back so monitor users are testable without QEMU.
package qmp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Greeting is QEMU's first message.
type Greeting struct {
	Version      Version  `json:"version"`
	Capabilities []string `json:"capabilities"`
}

// Version is the "version" object of the greeting and of query-version.
type Version struct {
	QEMU struct {
		Major int `json:"major"`
		Minor int `json:"minor"`
		Micro int `json:"micro"`
	} `json:"qemu"`
	Package string `json:"package"`
}

func (v Version) String() string {
	return fmt.Sprintf("%d.%d.%d", v.QEMU.Major, v.QEMU.Minor, v.QEMU.Micro)
}

// Event is an asynchronous message from QEMU.
type Event struct {
	Name      string          `json:"event"`
	Data      json.RawMessage `json:"data,omitempty"`
	Timestamp struct {
		Seconds      int64 `json:"seconds"`
		Microseconds int64 `json:"microseconds"`
	} `json:"timestamp"`
}

// Time returns the event's timestamp.
func (e Event) Time() time.Time {
	return time.Unix(e.Timestamp.Seconds, e.Timestamp.Microseconds*1000)
}

// Options tune a connection.
type Options struct {
	// Capabilities are enabled in qmp_capabilities (e.g. "oob"); nil
	// sends the command without arguments, as libvirt does.
	Capabilities []string
	// OnEvent, when set, receives events instead of the Events channel.
	// It runs on its own goroutine, one event at a time, in order.
	OnEvent func(Event)
	// IDPrefix names command ids ("libvirt-" like libvirt's monitor,
	// which keeps conversations comparable with its recordings).
	IDPrefix string
	// EagerNegotiation sends qmp_capabilities with the connection, before
	// the greeting has arrived (QEMU reads it once it has greeted, as it
	// does commands piped to -qmp stdio), and returns once the greeting
	// is read: commands sent then follow the negotiation in the same
	// round trip. Its failure is reported by the first Wait.
	EagerNegotiation bool
}

// message is any object QEMU sends.
type message struct {
	QMP    *Greeting       `json:"QMP"`
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
	Event string          `json:"event"`
	ID    json.RawMessage `json:"id"`
}

type reply struct {
	ret json.RawMessage
	err error
}

type pending struct {
	command string
	ch      chan reply
}

// Conn is a negotiated QMP connection. All methods are safe for
// concurrent use.
type Conn struct {
	conn     net.Conn
	opts     Options
	greeting Greeting

	writeMu sync.Mutex

	mu       sync.Mutex
	nextID   int
	pending  map[string]*pending
	err      error // why the connection ended; nil while open
	shutdown *Event

	done chan struct{}
	// abandoned is closed by Close: the owner no longer reads events.
	abandoned     chan struct{}
	abandonedOnce sync.Once

	// negotiated is closed once an eager qmp_capabilities has been
	// answered (nil without EagerNegotiation); negotiateErr is why it
	// failed.
	negotiated   chan struct{}
	negotiateErr error

	evMu     sync.Mutex
	evQueue  []Event
	evWake   chan struct{}
	evClosed bool
	events   chan Event
}

// Dial connects to a monitor socket path and negotiates.
func Dial(ctx context.Context, path string, opts Options) (*Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	return New(ctx, c, opts)
}

// FromFile negotiates over an already-connected socket (one end of a
// socketpair whose other end QEMU got as -chardev socket,fd=N). The file
// is duplicated; the caller still owns f.
func FromFile(ctx context.Context, f *os.File, opts Options) (*Conn, error) {
	c, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	return New(ctx, c, opts)
}

// New reads the greeting from c, sends qmp_capabilities and starts the
// reader. On failure c is closed.
func New(ctx context.Context, c net.Conn, opts Options) (*Conn, error) {
	if opts.IDPrefix == "" {
		opts.IDPrefix = "libvirt-"
	}
	q := &Conn{
		conn:      c,
		opts:      opts,
		pending:   map[string]*pending{},
		done:      make(chan struct{}),
		abandoned: make(chan struct{}),
		evWake:    make(chan struct{}, 1),
		events:    make(chan Event),
	}
	var args any
	if opts.Capabilities != nil {
		args = map[string]any{"enable": opts.Capabilities}
	}
	var negotiation *Call
	if opts.EagerNegotiation {
		negotiation = q.send(ctx, "qmp_capabilities", args, nil)
		negotiation.negotiation = true
		if negotiation.err != nil {
			c.Close()
			return nil, negotiation.err
		}
	}
	dec := json.NewDecoder(c)
	greeted := make(chan error, 1)
	go func() {
		var m message
		if err := dec.Decode(&m); err != nil {
			greeted <- err
			return
		}
		if m.QMP == nil {
			greeted <- &ProtocolError{Msg: "expected QMP greeting"}
			return
		}
		q.greeting = *m.QMP
		greeted <- nil
	}()
	select {
	case err := <-greeted:
		if err != nil {
			c.Close()
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, &DisconnectError{EOF: true}
			}
			return nil, err
		}
	case <-ctx.Done():
		c.Close()
		<-greeted
		return nil, ctx.Err()
	}
	go q.readLoop(dec)
	go q.pumpEvents()
	if negotiation != nil {
		q.negotiated = make(chan struct{})
		go func() {
			if _, err := negotiation.Wait(context.Background()); err != nil {
				q.negotiateErr = err
				close(q.negotiated)
				q.Close()
				return
			}
			close(q.negotiated)
		}()
		return q, nil
	}
	if _, err := q.Execute(ctx, "qmp_capabilities", args); err != nil {
		q.Close()
		return nil, err
	}
	return q, nil
}

// Greeting returns what QEMU announced.
func (q *Conn) Greeting() Greeting { return q.greeting }

// Done is closed when the connection has ended, by Close or by the peer.
func (q *Conn) Done() <-chan struct{} { return q.done }

// Err says why the connection ended: nil while open, ErrClosed after
// Close, a *DisconnectError when the peer went away.
func (q *Conn) Err() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

// ShutdownEvent returns the last SHUTDOWN event received, or nil. After
// an EOF a nil result means QEMU went away without shutting down: the
// guest crashed or QEMU was killed.
func (q *Conn) ShutdownEvent() *Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shutdown
}

// Events delivers events in order when Options.OnEvent is not set. It is
// closed after the connection ends and the queue has drained. Events
// queue without bound while nobody reads, so the reader never waits.
func (q *Conn) Events() <-chan Event { return q.events }

// Close ends the connection; pending commands fail with ErrClosed.
func (q *Conn) Close() error {
	q.abandonedOnce.Do(func() { close(q.abandoned) })
	q.finish(ErrClosed)
	return nil
}

func (q *Conn) finish(why error) {
	q.mu.Lock()
	if q.err != nil {
		q.mu.Unlock()
		return
	}
	q.err = why
	waiting := q.pending
	q.pending = map[string]*pending{}
	q.mu.Unlock()
	q.conn.Close()
	for _, p := range waiting {
		p.ch <- reply{err: why}
	}
	close(q.done)
	q.evMu.Lock()
	q.evClosed = true
	q.evMu.Unlock()
	q.wakeEvents()
}

func (q *Conn) readLoop(dec *json.Decoder) {
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			q.mu.Lock()
			closed := q.err != nil
			q.mu.Unlock()
			if closed {
				return
			}
			if errors.Is(err, io.EOF) {
				q.finish(&DisconnectError{EOF: true})
			} else if errors.Is(err, io.ErrUnexpectedEOF) || isConnReset(err) {
				q.finish(&DisconnectError{EOF: true})
			} else {
				q.finish(&DisconnectError{Err: err})
			}
			return
		}
		var m message
		if err := json.Unmarshal(raw, &m); err != nil {
			q.finish(&DisconnectError{Err: &ProtocolError{Msg: err.Error()}})
			return
		}
		switch {
		case m.Event != "":
			var ev Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				continue
			}
			if ev.Name == "SHUTDOWN" {
				q.mu.Lock()
				q.shutdown = &ev
				q.mu.Unlock()
			}
			q.queueEvent(ev)
		case m.Return != nil || m.Error != nil:
			id := idString(m.ID)
			q.mu.Lock()
			p := q.pending[id]
			delete(q.pending, id)
			q.mu.Unlock()
			if p == nil {
				// A reply to a command whose caller gave up (ctx), or
				// one without id: nothing waits for it.
				continue
			}
			if m.Error != nil {
				p.ch <- reply{err: &CommandError{Command: p.command, Class: m.Error.Class, Desc: m.Error.Desc}}
			} else {
				p.ch <- reply{ret: m.Return}
			}
		}
	}
}

func isConnReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

func idString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(raw))
}

func (q *Conn) queueEvent(ev Event) {
	q.evMu.Lock()
	q.evQueue = append(q.evQueue, ev)
	q.evMu.Unlock()
	q.wakeEvents()
}

func (q *Conn) wakeEvents() {
	select {
	case q.evWake <- struct{}{}:
	default:
	}
}

func (q *Conn) pumpEvents() {
	defer close(q.events)
	for {
		q.evMu.Lock()
		batch := q.evQueue
		q.evQueue = nil
		closed := q.evClosed
		q.evMu.Unlock()
		for _, ev := range batch {
			if q.opts.OnEvent != nil {
				q.opts.OnEvent(ev)
			} else {
				select {
				case q.events <- ev:
				case <-q.abandoned:
					return
				}
			}
		}
		if len(batch) == 0 {
			if closed {
				return
			}
			<-q.evWake
		}
	}
}

// command is what goes on the wire.
type command struct {
	Execute   string `json:"execute"`
	Arguments any    `json:"arguments,omitempty"`
	ID        string `json:"id"`
}

// Execute runs a command and returns its "return" value. args is
// marshalled to JSON (nil for none). QEMU's error answer gives a
// *CommandError; ctx bounds the wait.
func (q *Conn) Execute(ctx context.Context, cmd string, args any) (json.RawMessage, error) {
	return q.execute(ctx, cmd, args, nil)
}

// ExecuteInto runs a command and decodes its return value into out.
func (q *Conn) ExecuteInto(ctx context.Context, cmd string, args, out any) error {
	ret, err := q.execute(ctx, cmd, args, nil)
	if err != nil {
		return err
	}
	return decodeReturn(cmd, ret, out)
}

func decodeReturn(cmd string, ret json.RawMessage, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(ret, out); err != nil {
		return &ProtocolError{Msg: fmt.Sprintf("cannot decode reply to %s: %v", cmd, err)}
	}
	return nil
}

// ExecuteWithFiles runs a command whose bytes carry files as SCM_RIGHTS
// ancillary data (getfd, add-fd). It needs a unix socket connection.
func (q *Conn) ExecuteWithFiles(ctx context.Context, cmd string, args any, files []*os.File) (json.RawMessage, error) {
	return q.execute(ctx, cmd, args, files)
}

func (q *Conn) execute(ctx context.Context, cmd string, args any, files []*os.File) (json.RawMessage, error) {
	return q.send(ctx, cmd, args, files).Wait(ctx)
}

// Call is a command that has been sent and whose answer is still to be
// collected with Wait.
type Call struct {
	q   *Conn
	cmd string
	id  string
	p   *pending
	err error // the send failed
	// negotiation is an eager qmp_capabilities, which other calls wait
	// for.
	negotiation bool
}

// Send writes a command without waiting for its answer. QEMU answers a
// monitor's commands one at a time in the order it reads them, so
// commands sent back to back cost one round trip between them instead of
// one each; every Call must be collected with Wait.
func (q *Conn) Send(ctx context.Context, cmd string, args any) *Call {
	return q.send(ctx, cmd, args, nil)
}

func (q *Conn) send(ctx context.Context, cmd string, args any, files []*os.File) *Call {
	c := &Call{q: q, cmd: cmd}
	if err := ctx.Err(); err != nil {
		c.err = err
		return c
	}
	q.mu.Lock()
	if q.err != nil {
		c.err = q.err
		q.mu.Unlock()
		return c
	}
	q.nextID++
	c.id = q.opts.IDPrefix + strconv.Itoa(q.nextID)
	c.p = &pending{command: cmd, ch: make(chan reply, 1)}
	q.pending[c.id] = c.p
	q.mu.Unlock()

	data, err := json.Marshal(command{Execute: cmd, Arguments: args, ID: c.id})
	if err != nil {
		q.forget(c.id)
		c.err = err
		return c
	}
	data = append(data, '\r', '\n')
	if err := q.write(ctx, data, files); err != nil {
		q.forget(c.id)
		if qerr := q.Err(); qerr != nil {
			err = qerr
		}
		c.err = err
	}
	return c
}

// Wait returns the command's "return" value, or its error; ctx bounds
// the wait.
func (c *Call) Wait(ctx context.Context) (json.RawMessage, error) {
	if c.err != nil {
		return nil, c.err
	}
	if neg := c.q.negotiated; neg != nil && !c.negotiation {
		select {
		case <-neg:
			if err := c.q.negotiateErr; err != nil {
				c.q.forget(c.id)
				return nil, err
			}
		case <-ctx.Done():
			c.q.forget(c.id)
			return nil, ctx.Err()
		}
	}
	select {
	case r := <-c.p.ch:
		return r.ret, r.err
	case <-ctx.Done():
		c.q.forget(c.id)
		return nil, ctx.Err()
	}
}

// WaitInto waits for the answer and decodes its return value into out.
func (c *Call) WaitInto(ctx context.Context, out any) error {
	ret, err := c.Wait(ctx)
	if err != nil {
		return err
	}
	return decodeReturn(c.cmd, ret, out)
}

func (q *Conn) forget(id string) {
	q.mu.Lock()
	delete(q.pending, id)
	q.mu.Unlock()
}

func (q *Conn) write(ctx context.Context, data []byte, files []*os.File) error {
	q.writeMu.Lock()
	defer q.writeMu.Unlock()
	if dl, ok := ctx.Deadline(); ok {
		_ = q.conn.SetWriteDeadline(dl)
		defer q.conn.SetWriteDeadline(time.Time{})
	}
	if len(files) == 0 {
		_, err := q.conn.Write(data)
		return err
	}
	uc, ok := q.conn.(*net.UnixConn)
	if !ok {
		return errors.New("qmp: passing file descriptors needs a unix socket monitor")
	}
	fds := make([]int, len(files))
	for i, f := range files {
		fds[i] = int(f.Fd())
	}
	// The descriptors ride on the first byte; the rest follows plainly.
	n, oobn, err := uc.WriteMsgUnix(data, syscall.UnixRights(fds...), nil)
	if err != nil {
		return err
	}
	if oobn == 0 {
		return errors.New("qmp: file descriptors were not sent")
	}
	if n < len(data) {
		_, err = uc.Write(data[n:])
	}
	return err
}

// GetFD passes f to QEMU under name (the "getfd" command); later
// commands refer to it as "fd": name.
func (q *Conn) GetFD(ctx context.Context, name string, f *os.File) error {
	_, err := q.ExecuteWithFiles(ctx, "getfd", map[string]any{"fdname": name}, []*os.File{f})
	return err
}

// CloseFD releases a descriptor passed with GetFD.
func (q *Conn) CloseFD(ctx context.Context, name string) error {
	_, err := q.Execute(ctx, "closefd", map[string]any{"fdname": name})
	return err
}

// FDSetInfo is add-fd's answer.
type FDSetInfo struct {
	FDSetID int `json:"fdset-id"`
	FD      int `json:"fd"`
}

// AddFD passes f into an fd set (the "add-fd" command); fdset < 0 lets
// QEMU pick a new set. QEMU then opens "/dev/fdset/N".
func (q *Conn) AddFD(ctx context.Context, f *os.File, fdset int, opaque string) (FDSetInfo, error) {
	args := map[string]any{}
	if fdset >= 0 {
		args["fdset-id"] = fdset
	}
	if opaque != "" {
		args["opaque"] = opaque
	}
	ret, err := q.ExecuteWithFiles(ctx, "add-fd", args, []*os.File{f})
	if err != nil {
		return FDSetInfo{}, err
	}
	var info FDSetInfo
	if err := json.Unmarshal(ret, &info); err != nil {
		return FDSetInfo{}, &ProtocolError{Msg: "cannot decode add-fd reply: " + err.Error()}
	}
	return info, nil
}
