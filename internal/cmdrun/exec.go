package cmdrun

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Exec is the Runner that really runs programs. Each child gets its own
// process group so a cancelled Run can kill everything it spawned.
type Exec struct {
	// KillGrace is how long a cancelled Run waits after SIGTERM before
	// SIGKILL; zero kills at once.
	KillGrace time.Duration
	// DrainDelay bounds how long Run waits for stdout/stderr to close
	// after the child exited, since a program that daemonizes (dnsmasq, a
	// forking helper) may leave a grandchild holding the pipes; zero
	// means 5 s.
	DrainDelay time.Duration
}

var _ Runner = (*Exec)(nil)

func (e *Exec) command(c *Cmd) (*exec.Cmd, error) {
	if len(c.Argv) == 0 || c.Argv[0] == "" {
		return nil, errors.New("cmdrun: empty argv")
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	if c.ClearEnv {
		cmd.Env = append([]string{}, c.Env...)
	} else if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	cmd.Dir = c.Dir
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	cmd.ExtraFiles = c.ExtraFiles
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// cappedBuffer keeps the first limit bytes written and counts the rest.
type cappedBuffer struct {
	buf       bytes.Buffer
	limit     int
	truncated bool
}

func (w *cappedBuffer) Write(p []byte) (int, error) {
	room := w.limit - w.buf.Len()
	if room <= 0 {
		w.truncated = w.truncated || len(p) > 0
		return len(p), nil
	}
	if len(p) > room {
		w.buf.Write(p[:room])
		w.truncated = true
		return len(p), nil
	}
	return w.buf.Write(p)
}

func statusOf(ps *os.ProcessState) ExitStatus {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ps.ExitCode()}
}

// Run implements Runner.
func (e *Exec) Run(ctx context.Context, c *Cmd) (Result, error) {
	cmd, err := e.command(c)
	if err != nil {
		return Result{}, err
	}
	stdout := &cappedBuffer{limit: c.outputLimit()}
	stderr := &cappedBuffer{limit: c.outputLimit()}
	cmd.Stdout, cmd.Stderr = io.Writer(stdout), io.Writer(stderr)
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	}
	if c.Stderr != nil {
		cmd.Stderr = c.Stderr
	}
	cmd.WaitDelay = e.DrainDelay
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = 5 * time.Second
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	waited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			e.killGroup(cmd.Process.Pid, waited)
		case <-waited:
		}
	}()
	werr := cmd.Wait()
	close(waited)
	res := Result{
		Stdout: stdout.buf.Bytes(), Stderr: stderr.buf.Bytes(),
		StdoutTruncated: stdout.truncated, StderrTruncated: stderr.truncated,
	}
	if cmd.ProcessState == nil {
		return res, werr
	}
	res.Status = statusOf(cmd.ProcessState)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	var exitErr *exec.ExitError
	if werr != nil && !errors.As(werr, &exitErr) && !errors.Is(werr, exec.ErrWaitDelay) {
		return res, werr
	}
	if !res.Status.Exited() || !c.exitOK(res.Status.Code) {
		return res, &ExitError{Argv: c.Argv, Status: res.Status, Stderr: string(res.Stderr)}
	}
	return res, nil
}

func (e *Exec) killGroup(pid int, waited <-chan struct{}) {
	if e.KillGrace > 0 {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-waited:
			return
		case <-time.After(e.KillGrace):
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// Start implements Runner. Output goes to c.Stdout/c.Stderr, or is
// discarded when they are nil.
func (e *Exec) Start(ctx context.Context, c *Cmd) (Process, error) {
	cmd, err := e.command(c)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = c.Stdout, c.Stderr
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &execProcess{cmd: cmd, done: make(chan struct{})}
	go p.reap()
	return p, nil
}

type execProcess struct {
	cmd    *exec.Cmd
	done   chan struct{}
	status ExitStatus
	err    error
}

func (p *execProcess) reap() {
	err := p.cmd.Wait()
	if p.cmd.ProcessState != nil {
		p.status = statusOf(p.cmd.ProcessState)
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			err = nil
		}
	}
	p.err = err
	close(p.done)
}

func (p *execProcess) Pid() int                 { return p.cmd.Process.Pid }
func (p *execProcess) Done() <-chan struct{}    { return p.done }
func (p *execProcess) Signal(s os.Signal) error { return p.cmd.Process.Signal(s) }

func (p *execProcess) Wait() (ExitStatus, error) {
	<-p.done
	return p.status, p.err
}
