// Package cmdrun runs external programs (qemu, qemu-img, nft, iptables,
// dnsmasq, ip …) for every driver through one Runner interface, so that
// argv and firewall-ruleset golden tests record commands instead of
// executing them.
package cmdrun

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/govirt/govirt/virt/virterr"
)

// DefaultOutputLimit caps captured stdout and stderr so a runaway child
// cannot exhaust the daemon's memory.
const DefaultOutputLimit = 16 << 20

// Cmd describes one program invocation.
type Cmd struct {
	// Argv is the program followed by its arguments; Argv[0] is looked
	// up in PATH when it contains no slash.
	Argv []string
	// Env holds NAME=value pairs set for the child on top of the
	// daemon's environment, or instead of it when ClearEnv is set. Like
	// libvirt's virCommandAddEnv*, only these are shown by ToString.
	Env      []string
	ClearEnv bool
	// Stdin is fed to the child; nil means /dev/null.
	Stdin []byte
	Dir   string
	// OKExitCodes lists exit codes Run accepts; empty means only 0.
	OKExitCodes []int
	// OutputLimit caps captured stdout and stderr each (bytes); zero
	// means DefaultOutputLimit. Excess output is read and discarded.
	OutputLimit int
	// Stdout and Stderr, when set, receive the child's output instead of
	// it being captured into the Result (for long-running processes
	// whose output goes to a log file).
	Stdout io.Writer
	Stderr io.Writer
	// ExtraFiles are inherited by the child as fds 3, 4, … (QEMU gets its
	// monitor socket this way).
	ExtraFiles []*os.File
}

// New returns a Cmd for argv.
func New(argv ...string) *Cmd { return &Cmd{Argv: argv} }

// AddArgs appends arguments and returns c, for building argv in steps.
func (c *Cmd) AddArgs(args ...string) *Cmd {
	c.Argv = append(c.Argv, args...)
	return c
}

// AddEnv appends NAME=value and returns c.
func (c *Cmd) AddEnv(name, value string) *Cmd {
	c.Env = append(c.Env, name+"="+value)
	return c
}

func (c *Cmd) exitOK(code int) bool {
	if len(c.OKExitCodes) == 0 {
		return code == 0
	}
	return slices.Contains(c.OKExitCodes, code)
}

func (c *Cmd) outputLimit() int {
	if c.OutputLimit > 0 {
		return c.OutputLimit
	}
	return DefaultOutputLimit
}

// clone copies c deeply enough that later edits by the caller do not
// change what a Recorder stored.
func (c *Cmd) clone() *Cmd {
	d := *c
	d.Argv = slices.Clone(c.Argv)
	d.Env = slices.Clone(c.Env)
	d.Stdin = slices.Clone(c.Stdin)
	d.OKExitCodes = slices.Clone(c.OKExitCodes)
	return &d
}

// Result is what a finished command produced.
type Result struct {
	Status ExitStatus
	Stdout []byte
	Stderr []byte
	// StdoutTruncated and StderrTruncated report output beyond the cap.
	StdoutTruncated bool
	StderrTruncated bool
}

// ExitStatus is how a process ended: a normal exit with Code, or death
// by Signal (then Code is -1).
type ExitStatus struct {
	Code   int
	Signal syscall.Signal
}

// Exited reports whether the process exited normally (not by a signal).
func (s ExitStatus) Exited() bool { return s.Signal == 0 }

func (s ExitStatus) String() string {
	if s.Signal != 0 {
		return fmt.Sprintf("fatal signal %d", int(s.Signal))
	}
	return fmt.Sprintf("status %d", s.Code)
}

// ExitError is returned by Run when the command ran but ended with a
// status the Cmd does not accept. Its text is libvirt's virCommandWait
// report ("internal error: Child process (…) unexpected exit status N:
// stderr") and errors.Is matches virterr.InternalError.
type ExitError struct {
	Argv   []string
	Status ExitStatus
	Stderr string
}

func (e *ExitError) Error() string { return e.virterr().Error() }

// Unwrap exposes the libvirt error so callers test its code.
func (e *ExitError) Unwrap() error { return e.virterr() }

func (e *ExitError) virterr() *virterr.Error {
	var b strings.Builder
	fmt.Fprintf(&b, "Child process (%s) unexpected %s", ToString(&Cmd{Argv: e.Argv}, false, false), exitWording(e.Status))
	if msg := strings.TrimSpace(e.Stderr); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	return virterr.New(virterr.InternalError, "%s", b.String())
}

func exitWording(s ExitStatus) string {
	if s.Signal != 0 {
		return fmt.Sprintf("fatal signal %d", int(s.Signal))
	}
	return fmt.Sprintf("exit status %d", s.Code)
}

// Runner runs commands. Drivers hold a Runner and never call os/exec
// themselves; tests give them a Recorder.
type Runner interface {
	// Run starts c, feeds Stdin, waits for it and captures its output.
	// A status outside c.OKExitCodes gives the Result and an *ExitError.
	// Cancelling ctx kills the child's process group.
	Run(ctx context.Context, c *Cmd) (Result, error)
	// Start launches a long-running process (qemu, dnsmasq) and returns
	// at once. ctx bounds only the start itself.
	Start(ctx context.Context, c *Cmd) (Process, error)
}

// Process is a started child.
type Process interface {
	Pid() int
	// Wait blocks until the process ends; it may be called from several
	// goroutines and always gives the same status.
	Wait() (ExitStatus, error)
	// Signal sends sig to the process (not its group).
	Signal(sig os.Signal) error
	// Done is closed when the process has ended.
	Done() <-chan struct{}
}
