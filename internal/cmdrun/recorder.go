package cmdrun

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// Response is a scripted answer for the commands whose argv starts with
// Match (compared after the program name is reduced to its base name, so
// "iptables" matches "/usr/sbin/iptables").
type Response struct {
	Match  []string
	Stdout string
	Stderr string
	// ExitCode is the status the command "exits" with; one outside the
	// Cmd's OKExitCodes makes Run return an *ExitError as Exec would.
	ExitCode int
	// Err, when set, is returned as a failure to start the program.
	Err error
	// Once retires the response after its first use, so a sequence of
	// Once responses answers successive identical commands in turn.
	Once bool
	// Handler, when set, computes the answer from the command instead.
	Handler func(c *Cmd) (Result, error)
}

// Recorder is a Runner that runs nothing: it records each command in
// order and answers from scripted Responses, or with success and no
// output when none matches.
type Recorder struct {
	// StripPath renders argv[0] by its base name in String, as libvirt's
	// firewall and storage tests do.
	StripPath bool

	mu        sync.Mutex
	cmds      []*Cmd
	responses []*Response
	nextPid   int
	procs     []*FakeProcess
}

var _ Runner = (*Recorder)(nil)

// NewRecorder returns an empty Recorder that strips program paths.
func NewRecorder() *Recorder { return &Recorder{StripPath: true} }

// Respond adds scripted responses; earlier ones take precedence.
func (r *Recorder) Respond(rs ...Response) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range rs {
		resp := rs[i]
		r.responses = append(r.responses, &resp)
	}
}

// Commands returns copies of the recorded commands in order.
func (r *Recorder) Commands() []*Cmd {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Cmd, len(r.cmds))
	for i, c := range r.cmds {
		out[i] = c.clone()
	}
	return out
}

// Reset forgets the recorded commands but keeps unused responses.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cmds = nil
}

// String renders every recorded command with ToString (line breaks on),
// each followed by a newline: the text of libvirt's dry-run buffer that
// tests compare with *.args files.
func (r *Recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, c := range r.cmds {
		b.WriteString(ToString(c, true, r.StripPath))
		b.WriteByte('\n')
	}
	return b.String()
}

func matches(prefix, argv []string) bool {
	if len(prefix) > len(argv) {
		return false
	}
	for i, p := range prefix {
		a := argv[i]
		if i == 0 && !strings.Contains(p, "/") {
			a = baseName(a)
		}
		if a != p {
			return false
		}
	}
	return true
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// record stores c and picks its response under the lock.
func (r *Recorder) record(c *Cmd) *Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cmds = append(r.cmds, c.clone())
	for i, resp := range r.responses {
		if matches(resp.Match, c.Argv) {
			if resp.Once {
				r.responses = slices.Delete(r.responses, i, i+1)
			}
			return resp
		}
	}
	return nil
}

// Run implements Runner.
func (r *Recorder) Run(ctx context.Context, c *Cmd) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	resp := r.record(c)
	if resp == nil {
		return Result{Stdout: []byte{}, Stderr: []byte{}}, nil
	}
	if resp.Handler != nil {
		return resp.Handler(c.clone())
	}
	if resp.Err != nil {
		return Result{}, resp.Err
	}
	res := Result{
		Status: ExitStatus{Code: resp.ExitCode},
		Stdout: []byte(resp.Stdout), Stderr: []byte(resp.Stderr),
	}
	if c.Stdout != nil {
		_, _ = c.Stdout.Write(res.Stdout)
	}
	if c.Stderr != nil {
		_, _ = c.Stderr.Write(res.Stderr)
	}
	if !c.exitOK(res.Status.Code) {
		return res, &ExitError{Argv: slices.Clone(c.Argv), Status: res.Status, Stderr: resp.Stderr}
	}
	return res, nil
}

// Start implements Runner: it records c and returns a FakeProcess that
// runs until signalled or told to Exit. A matching response's Err fails
// the start.
func (r *Recorder) Start(ctx context.Context, c *Cmd) (Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp := r.record(c)
	if resp != nil && resp.Err != nil {
		return nil, resp.Err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextPid++
	p := &FakeProcess{pid: 10000 + r.nextPid, done: make(chan struct{})}
	r.procs = append(r.procs, p)
	return p, nil
}

// Processes returns the processes Start created, in order.
func (r *Recorder) Processes() []*FakeProcess {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.procs)
}

// FakeProcess is a Recorder's stand-in for a started program.
type FakeProcess struct {
	pid     int
	mu      sync.Mutex
	signals []os.Signal
	status  ExitStatus
	done    chan struct{}
	ended   bool
}

func (p *FakeProcess) Pid() int              { return p.pid }
func (p *FakeProcess) Done() <-chan struct{} { return p.done }

// Exit ends the process with a normal exit code.
func (p *FakeProcess) Exit(code int) { p.end(ExitStatus{Code: code}) }

func (p *FakeProcess) end(s ExitStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return
	}
	p.ended = true
	p.status = s
	close(p.done)
}

// Signal records sig; SIGTERM, SIGKILL and SIGINT end the process as the
// real one would by default.
func (p *FakeProcess) Signal(sig os.Signal) error {
	p.mu.Lock()
	if p.ended {
		p.mu.Unlock()
		return os.ErrProcessDone
	}
	p.signals = append(p.signals, sig)
	p.mu.Unlock()
	if s, ok := sig.(syscall.Signal); ok && (s == syscall.SIGTERM || s == syscall.SIGKILL || s == syscall.SIGINT) {
		p.end(ExitStatus{Code: -1, Signal: s})
	}
	return nil
}

// Signals returns the signals sent so far.
func (p *FakeProcess) Signals() []os.Signal {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.signals)
}

func (p *FakeProcess) Wait() (ExitStatus, error) {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status, nil
}
