// Package testguest builds and boots govirt's tiny end-to-end test guest
// (tools/testguest/build.sh: Debian's cloud kernel and a busybox-static
// initramfs) under QEMU's TCG, for tests that need a real guest.
package testguest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/qmp"
)

// Console markers the guest prints on its serial line.
const (
	ReadyMarker    = "GOVIRT-TESTGUEST-READY"
	IPMarker       = "GOVIRT-TESTGUEST-IP "
	PowerOffMarker = "GOVIRT-TESTGUEST-POWEROFF"
)

// scriptPath finds tools/testguest/build.sh from this source file, so
// tests work from any package directory.
func scriptPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "tools", "testguest", "build.sh")
}

var (
	buildOnce             sync.Once
	builtKernel, builtRD  string
	buildSkip, buildError string
)

// Build runs the build script once per test binary and returns the
// kernel and initrd paths. It skips t, with the script's reason, when the
// kernel package or busybox-static is missing or the kernel is not
// readable (Debian installs kernels root-only on some systems).
func Build(t testing.TB) (kernel, initrd string) {
	t.Helper()
	buildOnce.Do(func() {
		builtKernel, builtRD, buildSkip, buildError = runBuild()
	})
	if buildSkip != "" {
		t.Skip(buildSkip)
	}
	if buildError != "" {
		t.Fatal(buildError)
	}
	return builtKernel, builtRD
}

func runBuild() (kernel, initrd, skip, fail string) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return "", "", "test guest needs linux/amd64", ""
	}
	if _, err := exec.LookPath("bash"); err != nil {
		return "", "", "test guest build needs bash", ""
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("bash", scriptPath())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		return "", "", "test guest unavailable: " + strings.TrimSpace(stderr.String()), ""
	}
	if err != nil {
		return "", "", "", fmt.Sprintf("tools/testguest/build.sh: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "KERNEL="); ok {
			kernel = v
		} else if v, ok := strings.CutPrefix(line, "INITRD="); ok {
			initrd = v
		}
	}
	if kernel == "" || initrd == "" {
		return "", "", "", "build.sh printed no KERNEL=/INITRD= lines:\n" + stdout.String()
	}
	return kernel, initrd, "", ""
}

// console collects the guest's serial output and wakes waiters on every
// new line.
type console struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf.Len() < 8<<20 {
		c.buf.Write(p)
	}
	close(c.changed)
	c.changed = make(chan struct{})
	return len(p), nil
}

func (c *console) snapshot() (string, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String(), c.changed
}

// Options shape a boot.
type Options struct {
	// Memory in MiB; 0 means 128.
	Memory int
	// NIC adds a user-mode virtio NIC, so the guest leases an address.
	NIC bool
	// Append is added to the kernel command line after console=ttyS0.
	Append string
	// ExtraArgs are added to QEMU's command line.
	ExtraArgs []string
}

// Guest is a booted test guest.
type Guest struct {
	Process cmdrun.Process
	QMP     *qmp.Conn
	Argv    []string
	Started time.Time
	console *console
}

// Boot starts the guest under TCG with its monitor on a socket pair and
// its serial console captured; the guest is killed when t ends.
func Boot(t testing.TB, opts Options) *Guest {
	t.Helper()
	kernel, initrd := Build(t)
	bin, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("qemu-system-x86_64 not installed (Debian package qemu-system-x86)")
	}
	mem := opts.Memory
	if mem == 0 {
		mem = 128
	}
	appendLine := "console=ttyS0"
	if opts.Append != "" {
		appendLine += " " + opts.Append
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours := os.NewFile(uintptr(fds[0]), "monitor")
	theirs := os.NewFile(uintptr(fds[1]), "qemu-monitor")
	defer ours.Close()
	// The Linux kernel only boots under TCG on the project's machines, so
	// KVM is never asked for.
	argv := []string{bin,
		"-machine", "q35,accel=tcg", "-m", fmt.Sprint(mem),
		"-kernel", kernel, "-initrd", initrd, "-append", appendLine,
		"-nographic", "-serial", "stdio", "-monitor", "none",
		"-chardev", "socket,id=charmonitor,fd=3,server=off",
		"-mon", "chardev=charmonitor,id=monitor,mode=control",
	}
	if opts.NIC {
		argv = append(argv, "-nic", "user,model=virtio-net-pci")
	} else {
		argv = append(argv, "-nic", "none")
	}
	argv = append(argv, opts.ExtraArgs...)
	con := &console{changed: make(chan struct{})}
	g := &Guest{Argv: argv, console: con, Started: time.Now()}
	g.Process, err = (&cmdrun.Exec{}).Start(context.Background(), &cmdrun.Cmd{
		Argv: argv, Stdout: con, Stderr: con, ExtraFiles: []*os.File{theirs},
	})
	theirs.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-g.Process.Done():
		default:
			g.Process.Signal(syscall.SIGKILL)
			g.Process.Wait()
		}
		if t.Failed() {
			t.Logf("guest console:\n%s", g.Console())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g.QMP, err = qmp.FromFile(ctx, ours, qmp.Options{})
	if err != nil {
		t.Fatalf("QMP: %v", err)
	}
	t.Cleanup(func() { g.QMP.Close() })
	return g
}

// Console returns the serial output so far.
func (g *Guest) Console() string {
	s, _ := g.console.snapshot()
	return s
}

// WaitFor waits until marker appears on the console and returns the rest
// of its line (markers may follow a shell prompt or interleave with kernel
// messages, so they need not start the line). It fails if QEMU exits
// first or ctx ends. Only whole lines count while QEMU runs: the serial
// line arrives in pieces, and a marker read before the rest of its line
// would carry a truncated value (an IP marker without its address).
func (g *Guest) WaitFor(ctx context.Context, marker string) (string, error) {
	for {
		out, changed := g.console.snapshot()
		ended := false
		select {
		case <-g.Process.Done():
			ended = true
		default:
		}
		if rest, ok := markerLine(out, marker, ended); ok {
			return rest, nil
		}
		select {
		case <-changed:
		case <-g.Process.Done():
			if out2, _ := g.console.snapshot(); out2 != out || !ended {
				continue
			}
			st, _ := g.Process.Wait()
			return "", fmt.Errorf("qemu ended (%v) before %q appeared", st, marker)
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for %q: %w", marker, ctx.Err())
		}
	}
}

// markerLine finds marker in the console output out and returns the rest
// of its line. An unterminated last line counts only once the output is
// final.
func markerLine(out, marker string, final bool) (string, bool) {
	lines := strings.Split(out, "\n")
	if !final {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		if _, rest, ok := strings.Cut(strings.TrimRight(line, "\r"), marker); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}
