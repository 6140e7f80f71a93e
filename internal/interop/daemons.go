// Package interop proves that govirtd works unchanged with the libvirt
// clients people already use: go-libvirt, python3-libvirt, virt-install
// and the stock virsh. The tests live in this package's _test files; this
// file holds the small helper they share, which builds govirtd once and
// runs private daemons under `govirtd --root DIR`.
package interop

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// BuildGovirtd builds cmd/govirtd into dir and returns the binary's path.
func BuildGovirtd(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "govirtd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/govirt/govirt/cmd/govirtd")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build govirtd: %v\n%s", err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// Daemon is one running daemon (govirtd, or libvirtd as the oracle) with
// its own directory.
type Daemon struct {
	Name  string // "govirtd" or "libvirtd"
	Root  string
	RW    string // read-write socket
	RO    string // read-only socket
	Admin string // admin socket
	Log   string // the daemon's stdout and stderr

	cmd  *exec.Cmd
	done chan struct{}
	logf *os.File
}

// URI is the client URI for the given driver URI path through the
// read-write socket, e.g. URI("test", "/default").
func (d *Daemon) URI(driver, path string) string {
	return driver + "+unix://" + path + "?socket=" + d.RW
}

// StartGovirtd runs bin --root under a fresh short directory (unix socket
// paths are limited to 108 bytes, so not under a test's long TempDir) with
// the given libvirtd.conf text, and waits until the read-write socket
// accepts connections.
func StartGovirtd(bin, conf string) (*Daemon, error) {
	root, err := os.MkdirTemp("", "interop-")
	if err != nil {
		return nil, err
	}
	run := filepath.Join(root, "run", "libvirt")
	d := &Daemon{
		Name:  "govirtd",
		Root:  root,
		RW:    filepath.Join(run, "libvirt-sock"),
		RO:    filepath.Join(run, "libvirt-sock-ro"),
		Admin: filepath.Join(run, "libvirt-admin-sock"),
		Log:   filepath.Join(root, "govirtd.log"),
		done:  make(chan struct{}),
	}
	confPath := filepath.Join(root, "govirtd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if d.logf, err = os.Create(d.Log); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	d.cmd = exec.Command(bin, "--root", root, "--config", confPath)
	d.cmd.Stdout, d.cmd.Stderr = d.logf, d.logf
	if err := d.cmd.Start(); err != nil {
		d.logf.Close()
		os.RemoveAll(root)
		return nil, err
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	if err := d.waitReady(60 * time.Second); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}

func (d *Daemon) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-d.done:
			return fmt.Errorf("%s exited before serving: %s", d.Name, d.LogText())
		default:
		}
		if c, err := net.Dial("unix", d.RW); err == nil {
			c.Close()
			if _, err := os.Stat(d.RO); err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no socket %s after %v: %s", d.Name, d.RW, limit, d.LogText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// LogText is what the daemon has logged so far.
func (d *Daemon) LogText() string {
	b, _ := os.ReadFile(d.Log)
	return strings.TrimSpace(string(b))
}

// Alive reports whether the daemon process is still running.
func (d *Daemon) Alive() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM, kills the daemon if it has not gone within 30
// seconds (a daemon that ignores SIGTERM, not a slow machine's shutdown),
// and removes its root. It reports an error when the daemon had to be
// killed.
func (d *Daemon) Stop() error {
	var err error
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
		err = fmt.Errorf("%s did not stop on SIGTERM within 30s", d.Name)
	}
	d.logf.Close()
	os.RemoveAll(d.Root)
	return err
}

// StartLibvirtd runs Debian's libvirtd 9.0 with its sockets in a private
// directory as the oracle. No hypervisor driver modules are loaded
// (LIBVIRT_DRIVER_DIR points at an empty directory): the test driver is
// part of libvirt itself, and the QEMU module would refuse to start
// without its system user.
func StartLibvirtd(bin string) (*Daemon, error) {
	root, err := os.MkdirTemp("", "interop-libvirtd-")
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		Name:  "libvirtd",
		Root:  root,
		RW:    filepath.Join(root, "libvirt-sock"),
		RO:    filepath.Join(root, "libvirt-sock-ro"),
		Admin: filepath.Join(root, "libvirt-admin-sock"),
		Log:   filepath.Join(root, "libvirtd.out"),
		done:  make(chan struct{}),
	}
	nodrv := filepath.Join(root, "drivers")
	if err := os.Mkdir(nodrv, 0o755); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	conf := filepath.Join(root, "libvirtd.conf")
	err = os.WriteFile(conf, []byte(`unix_sock_dir = "`+root+`"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_rw_perms = "0777"
log_outputs = "1:file:`+filepath.Join(root, "libvirtd.log")+`"
`), 0o644)
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if d.logf, err = os.Create(d.Log); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	d.cmd = exec.Command(bin, "-f", conf, "-p", filepath.Join(root, "libvirtd.pid"))
	d.cmd.Env = append(os.Environ(), "LIBVIRT_DRIVER_DIR="+nodrv)
	d.cmd.Stdout, d.cmd.Stderr = d.logf, d.logf
	if err := d.cmd.Start(); err != nil {
		d.logf.Close()
		os.RemoveAll(root)
		return nil, err
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	if err := d.waitReady(60 * time.Second); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}
