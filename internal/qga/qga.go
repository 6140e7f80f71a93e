// Package qga is a client of the QEMU guest agent (qemu-ga) on the host
// end of its virtio-serial channel, as libvirt's src/qemu/qemu_agent.c:
// every command is preceded by a guest-sync-delimited handshake that
// discards whatever an earlier, abandoned command left on the channel,
// commands run one at a time, and a missing or silent agent is answered
// with libvirt's errors (VIR_ERR_AGENT_UNRESPONSIVE …).
package qga

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/govirt/govirt/virt/virterr"
)

// Timeouts of a command in libvirt's encoding (virDomainQemuAgentCommand's
// timeout): seconds, or one of these.
const (
	TimeoutBlock   = -2 // VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK: wait for ever
	TimeoutDefault = -1 // VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT: the agent's own
	TimeoutNoWait  = 0  // VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT
)

// syncWait bounds the handshake (QEMU_AGENT_WAIT_TIME).
const syncWait = 5 * time.Second

// delimiter is the byte qemu-ga writes before its answer to
// guest-sync-delimited, and which resets its parser when sent.
const delimiter = 0xff

// Conn is a connection to one guest's agent. Its methods are safe for
// concurrent use; commands are serialised.
type Conn struct {
	conn net.Conn
	// Timeout is what TimeoutDefault means (libvirt's per-domain agent
	// response timeout, by default blocking).
	Timeout int

	cmdMu sync.Mutex // one command at a time, as libvirt's agent job

	lines chan []byte // lines the agent wrote; a lone delimiter is one too
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

// Dial connects to the host end of the agent's channel.
func Dial(ctx context.Context, path string) (*Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.AgentUnresponsive, "QEMU guest agent is not connected")
	}
	return New(c), nil
}

// New runs the agent protocol over c.
func New(c net.Conn) *Conn {
	q := &Conn{conn: c, Timeout: TimeoutBlock, lines: make(chan []byte, 16), done: make(chan struct{})}
	go q.readLoop()
	return q
}

// Close drops the connection.
func (q *Conn) Close() error {
	err := q.conn.Close()
	<-q.done
	return err
}

// Done is closed once the connection has ended.
func (q *Conn) Done() <-chan struct{} { return q.done }

func (q *Conn) readLoop() {
	defer close(q.done)
	r := bufio.NewReader(q.conn)
	var line []byte
	for {
		b, err := r.ReadByte()
		if err != nil {
			q.mu.Lock()
			q.err = err
			q.mu.Unlock()
			return
		}
		switch b {
		case delimiter:
			line = line[:0]
			q.push([]byte{delimiter})
		case '\n':
			if len(bytes.TrimSpace(line)) > 0 {
				q.push(append([]byte(nil), line...))
			}
			line = line[:0]
		default:
			line = append(line, b)
		}
	}
}

// push hands a line to the command waiting for it; lines nobody waits
// for (answers to abandoned commands) are dropped once the buffer fills,
// and the next handshake skips the rest.
func (q *Conn) push(line []byte) {
	select {
	case q.lines <- line:
	default:
		select {
		case <-q.lines:
		default:
		}
		select {
		case q.lines <- line:
		default:
		}
	}
}

// errDisappeared is libvirt's answer when the channel closes under a
// command.
func errDisappeared() error {
	return virterr.NewFrom(virterr.FromQemu, virterr.AgentUnresponsive, "Guest agent disappeared while executing command")
}

func errNotAvailable() error {
	return virterr.NewFrom(virterr.FromQemu, virterr.AgentUnresponsive, "Guest agent not available for now")
}

// CommandError is the agent's {"error": …} answer; it reads as libvirt's
// "unable to execute QEMU agent command 'x': desc" (VIR_ERR_INTERNAL_ERROR).
type CommandError struct {
	Command string
	Class   string
	Desc    string
}

func (e *CommandError) Error() string { return e.virterr().Error() }

func (e *CommandError) virterr() *virterr.Error {
	return virterr.NewFrom(virterr.FromQemu, virterr.InternalError,
		"unable to execute QEMU agent command '%s': %s", e.Command, e.Desc)
}

// Unwrap exposes the libvirt error.
func (e *CommandError) Unwrap() error { return e.virterr() }

// Unsupported reports whether err says the agent lacks the command
// (classes CommandNotFound and CommandDisabled), which several libvirt
// APIs treat as "not available" rather than as a failure.
func Unsupported(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce) && (ce.Class == "CommandNotFound" || ce.Class == "CommandDisabled")
}

// errorClasses words a class when QEMU gave no description
// (qemuAgentStringifyErrorClass).
var errorClasses = map[string]string{
	"BufferOverrun":             "An internal buffer overran",
	"CommandDisabled":           "The requested command has been disabled",
	"CommandNotFound":           "The command has not been found",
	"DeviceEncrypted":           "The block device is encrypted",
	"DeviceInUse":               "A device is already in use",
	"DeviceNotFound":            "A device has not been found",
	"GenericError":              "An unspecified error occurred",
	"InvalidParameter":          "Invalid parameter",
	"InvalidParameterType":      "Invalid parameter type",
	"InvalidParameterValue":     "Invalid parameter value",
	"MissingParameter":          "A parameter is missing",
	"OpenFileFailed":            "The file could not be opened",
	"PermissionDenied":          "Permission denied",
	"QMPBadInputObject":         "Input object is not a QMP object",
	"QMPBadInputObjectMember":   "Input object member is not of the expected type",
	"QMPExtraInputObjectMember": "Input object has an unexpected member",
	"Unsupported":               "The requested action is unsupported",
}

// reply is what the agent answers.
type reply struct {
	Return json.RawMessage `json:"return"`
	Error  *struct {
		Class string `json:"class"`
		Desc  string `json:"desc"`
	} `json:"error"`
}

// Execute runs cmd with args (nil for none) and returns its "return"
// value; timeout is in libvirt's encoding.
func (q *Conn) Execute(ctx context.Context, cmd string, args any, timeout int) (json.RawMessage, error) {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	data, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	line, err := q.Raw(ctx, cmd, data, timeout)
	if err != nil {
		return nil, err
	}
	var r reply
	_ = json.Unmarshal(line, &r)
	return r.Return, nil
}

// Raw sends the JSON object cmdJSON (the command named cmd) and returns
// the agent's whole answer as it wrote it, once it is known to be a
// success: an {"error"} answer is a *CommandError.
func (q *Conn) Raw(ctx context.Context, cmd string, cmdJSON []byte, timeout int) ([]byte, error) {
	q.cmdMu.Lock()
	defer q.cmdMu.Unlock()
	if timeout == TimeoutDefault {
		timeout = q.Timeout
	}
	if err := q.sync(ctx, timeout); err != nil {
		return nil, err
	}
	if err := q.write(append(bytes.TrimSpace(cmdJSON), '\n')); err != nil {
		return nil, err
	}
	line, err := q.next(ctx, deadline(timeout))
	if err != nil {
		return nil, err
	}
	var r reply
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "cannot parse json %s: %v", line, err)
	}
	if r.Error != nil {
		desc := r.Error.Desc
		if desc == "" {
			desc = errorClasses[r.Error.Class]
			if desc == "" {
				desc = r.Error.Class
			}
		}
		return nil, &CommandError{Command: cmd, Class: r.Error.Class, Desc: desc}
	}
	if r.Return == nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "unable to execute QEMU agent command '%s'", cmd)
	}
	return line, nil
}

// ExecuteAwait runs a command that the agent does not answer when it
// succeeds (guest-shutdown: the guest goes away instead), as libvirt's
// agent commands with await_event: the command is over when wake closes
// (QEMU's SHUTDOWN or RESET event), when the agent hangs up, or with the
// agent's error answer; timeout is in libvirt's encoding.
func (q *Conn) ExecuteAwait(ctx context.Context, cmd string, args any, timeout int, wake <-chan struct{}) error {
	q.cmdMu.Lock()
	defer q.cmdMu.Unlock()
	if timeout == TimeoutDefault {
		timeout = q.Timeout
	}
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if err := q.sync(ctx, timeout); err != nil {
		return err
	}
	if err := q.write(append(data, '\n')); err != nil {
		return err
	}
	var timer <-chan time.Time
	if until := deadline(timeout); !until.IsZero() {
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		timer = t.C
	}
	select {
	case line := <-q.lines:
		var r reply
		if json.Unmarshal(line, &r) == nil && r.Error != nil {
			desc := r.Error.Desc
			if desc == "" {
				desc = errorClasses[r.Error.Class]
			}
			return &CommandError{Command: cmd, Class: r.Error.Class, Desc: desc}
		}
		return nil
	case <-wake:
		return nil
	case <-q.done:
		return nil
	case <-timer:
		return errNotAvailable()
	case <-ctx.Done():
		return errNotAvailable()
	}
}

// deadline turns a timeout in seconds into a wait bound (zero: none).
func deadline(timeout int) time.Time {
	if timeout <= TimeoutBlock || timeout == TimeoutDefault {
		return time.Time{}
	}
	return time.Now().Add(time.Duration(timeout) * time.Second)
}

// sync is the guest-sync-delimited handshake: the sentinel resets the
// agent's parser, and everything up to the agent's delimiter and the
// answer carrying our id is what earlier commands left behind.
func (q *Conn) sync(ctx context.Context, timeout int) error {
	wait := syncWait
	if timeout >= 0 && time.Duration(timeout)*time.Second < wait {
		wait = time.Duration(timeout) * time.Second
	}
	until := time.Now().Add(wait)
	id := rand.Int64N(1 << 53)
	msg := fmt.Appendf([]byte{delimiter}, "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%d}}\n", id)
	if err := q.write(msg); err != nil {
		return err
	}
	for {
		line, err := q.next(ctx, until)
		if err != nil {
			return err
		}
		if len(line) == 1 && line[0] == delimiter {
			continue
		}
		var r struct {
			Return json.Number `json:"return"`
		}
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if d.Decode(&r) == nil && r.Return.String() == fmt.Sprint(id) {
			return nil
		}
	}
}

func (q *Conn) write(data []byte) error {
	if _, err := q.conn.Write(data); err != nil {
		return errDisappeared()
	}
	return nil
}

// next waits for the agent's next line until the deadline (zero: none).
func (q *Conn) next(ctx context.Context, until time.Time) ([]byte, error) {
	var timer <-chan time.Time
	if !until.IsZero() {
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		timer = t.C
	}
	select {
	case line := <-q.lines:
		return line, nil
	case <-q.done:
		select {
		case line := <-q.lines:
			return line, nil
		default:
		}
		return nil, errDisappeared()
	case <-timer:
		return nil, errNotAvailable()
	case <-ctx.Done():
		return nil, errNotAvailable()
	}
}
