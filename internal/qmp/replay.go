package qmp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"sync"
	"syscall"
)

// Exchange is one recorded command with the answer QEMU gave it, as
// stored in libvirt's qemucapabilitiesdata/*.replies.
type Exchange struct {
	Execute   string
	Arguments json.RawMessage
	Command   json.RawMessage
	Reply     json.RawMessage
	// Events recorded between the command and its reply are sent
	// before the reply.
	Events []json.RawMessage
	// Line is where the command starts in the file, for messages.
	Line int
}

// ParseReplies reads a libvirt replies file: JSON objects separated by
// blank lines, each command followed by its reply.
func ParseReplies(data []byte) ([]Exchange, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []Exchange
	for {
		offset := dec.InputOffset()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("replies: %v", err)
		}
		line := 1 + bytes.Count(data[:offset], []byte("\n"))
		if offset < int64(len(data)) {
			// InputOffset is before the whitespace preceding the object.
			rest := data[offset:]
			line += bytes.Count(rest[:len(rest)-len(bytes.TrimLeft(rest, " \t\r\n"))], []byte("\n"))
		}
		var obj struct {
			Execute   string          `json:"execute"`
			Arguments json.RawMessage `json:"arguments"`
			Event     string          `json:"event"`
			Return    json.RawMessage `json:"return"`
			Error     json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, fmt.Errorf("replies line %d: %v", line, err)
		}
		switch {
		case obj.Execute != "":
			out = append(out, Exchange{Execute: obj.Execute, Arguments: obj.Arguments, Command: raw, Line: line})
		case len(out) == 0 || out[len(out)-1].Reply != nil:
			return nil, fmt.Errorf("replies line %d: reply without a command", line)
		case obj.Event != "":
			out[len(out)-1].Events = append(out[len(out)-1].Events, raw)
		case obj.Return != nil || obj.Error != nil:
			out[len(out)-1].Reply = raw
		default:
			return nil, fmt.Errorf("replies line %d: neither command, reply nor event", line)
		}
	}
	for _, ex := range out {
		if ex.Reply == nil {
			return nil, fmt.Errorf("replies line %d: command %s has no reply", ex.Line, ex.Execute)
		}
	}
	return out, nil
}

// LoadReplies reads and parses a replies file.
func LoadReplies(path string) ([]Exchange, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseReplies(data)
}

// ReplayOptions tune a Replay.
type ReplayOptions struct {
	// CheckArguments also compares each command's arguments with the
	// recording (as JSON values), not only its name.
	CheckArguments bool
	// Greeting replaces the greeting derived from the recording.
	Greeting *Greeting
}

// Replay is a fake QEMU monitor that answers each command with the next
// recorded reply, like libvirt's qemuMonitorTestNewFromFile. A command
// whose name differs from the recording gets an UnexpectedCommand error
// and is remembered in Err; the recording does not advance.
type Replay struct {
	opts ReplayOptions

	mu        sync.Mutex
	exchanges []Exchange
	next      int
	err       error
}

// NewReplay returns a Replay of exchanges.
func NewReplay(exchanges []Exchange, opts ReplayOptions) *Replay {
	return &Replay{exchanges: exchanges, opts: opts}
}

// Err returns the first mismatch between the conversation and the
// recording, or nil.
func (r *Replay) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Remaining is the number of recorded commands not yet asked for.
func (r *Replay) Remaining() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.exchanges) - r.next
}

func (r *Replay) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// greeting announces the version the recording's query-version reply
// reports, so a prober sees a consistent QEMU.
func (r *Replay) greeting() Greeting {
	if r.opts.Greeting != nil {
		return *r.opts.Greeting
	}
	g := Greeting{Capabilities: []string{}}
	for _, ex := range r.exchanges {
		if ex.Execute != "query-version" {
			continue
		}
		var rep struct {
			Return Version `json:"return"`
		}
		if json.Unmarshal(ex.Reply, &rep) == nil {
			g.Version = rep.Return
		}
		break
	}
	return g
}

// Dial starts serving on one end of a fresh socket pair and negotiates a
// Conn on the other; the first recorded command is normally
// qmp_capabilities, which New sends.
func (r *Replay) Dial(ctx context.Context, opts Options) (*Conn, error) {
	client, server, err := socketPair()
	if err != nil {
		return nil, err
	}
	go r.Serve(server)
	return New(ctx, client, opts)
}

func socketPair() (net.Conn, net.Conn, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	var conns [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "qmp-replay")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			if i == 1 {
				conns[0].Close()
			} else {
				syscall.Close(fds[1])
			}
			return nil, nil, err
		}
		conns[i] = c
	}
	return conns[0], conns[1], nil
}

// Serve speaks the monitor side on c until the peer hangs up.
func (r *Replay) Serve(c net.Conn) {
	defer c.Close()
	enc := json.NewEncoder(c)
	if err := enc.Encode(map[string]any{"QMP": r.greeting()}); err != nil {
		return
	}
	dec := json.NewDecoder(c)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return
		}
		var cmd struct {
			Execute   string          `json:"execute"`
			Arguments json.RawMessage `json:"arguments"`
			ID        json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(raw, &cmd); err != nil || cmd.Execute == "" {
			r.mu.Lock()
			r.fail(fmt.Errorf("replay: not a command: %s", raw))
			r.mu.Unlock()
			return
		}
		events, resp := r.answer(cmd.Execute, cmd.Arguments)
		for _, ev := range events {
			if _, err := c.Write(append(append([]byte{}, ev...), '\r', '\n')); err != nil {
				return
			}
		}
		out, err := withID(resp, cmd.ID)
		if err != nil {
			return
		}
		if _, err := c.Write(append(out, '\r', '\n')); err != nil {
			return
		}
	}
}

func (r *Replay) answer(name string, args json.RawMessage) ([]json.RawMessage, json.RawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next >= len(r.exchanges) {
		err := fmt.Errorf("unexpected command: '%s'", name)
		r.fail(err)
		return nil, unexpected(err.Error())
	}
	ex := r.exchanges[r.next]
	if ex.Execute != name {
		err := fmt.Errorf("expected command '%s' got '%s'", ex.Execute, name)
		r.fail(fmt.Errorf("replay line %d: %w", ex.Line, err))
		return nil, unexpected(err.Error())
	}
	if r.opts.CheckArguments && !sameJSON(ex.Arguments, args) {
		err := fmt.Errorf("command '%s' arguments %s differ from recorded %s", name, orEmpty(args), orEmpty(ex.Arguments))
		r.fail(fmt.Errorf("replay line %d: %w", ex.Line, err))
		return nil, unexpected(err.Error())
	}
	r.next++
	return ex.Events, ex.Reply
}

func orEmpty(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "{}"
	}
	return string(raw)
}

func sameJSON(a, b json.RawMessage) bool {
	decode := func(raw json.RawMessage) (any, error) {
		if len(raw) == 0 {
			return map[string]any{}, nil
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		err := d.Decode(&v)
		return v, err
	}
	va, errA := decode(a)
	vb, errB := decode(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

func unexpected(desc string) json.RawMessage {
	out, _ := json.Marshal(map[string]any{"error": map[string]string{"class": "UnexpectedCommand", "desc": desc}})
	return out
}

// withID puts the command's id on the recorded reply: the recording's
// ids need not match the client's numbering.
func withID(resp, id json.RawMessage) ([]byte, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(resp, &obj); err != nil {
		return nil, err
	}
	if len(id) == 0 {
		delete(obj, "id")
	} else {
		obj["id"] = id
	}
	return json.Marshal(obj)
}
