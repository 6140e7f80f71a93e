package remote

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/uri"
)

// daemon is a running daemon serving the test driver on a private socket.
type daemon struct {
	name   string
	socket string // read-write; the read-only one is socket + "-ro"
}

func (d daemon) uri(query string) string {
	s := "test+unix:///default?socket=" + d.socket
	if query != "" {
		s += "&" + query
	}
	return s
}

// waitSocket waits for a daemon's socket to accept connections.
func waitSocket(path string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func stopProcess(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// startLibvirtd runs Debian's libvirtd 9.0 with its sockets in a private
// directory. No hypervisor driver modules are loaded (LIBVIRT_DRIVER_DIR
// points at an empty directory): the test driver is part of libvirt
// itself, and the QEMU module would refuse to start without its system
// user.
func startLibvirtd(t testing.TB) daemon {
	t.Helper()
	bin, err := exec.LookPath("libvirtd")
	if err != nil {
		for _, p := range []string{"/usr/sbin/libvirtd", "/sbin/libvirtd"} {
			if _, err2 := os.Stat(p); err2 == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		t.Skip("libvirtd is not installed (Debian package libvirt-daemon)")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	dir, err := os.MkdirTemp("", "govirt-libvirtd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	nodrv := filepath.Join(dir, "drivers")
	_ = os.Mkdir(nodrv, 0o755)
	conf := filepath.Join(dir, "libvirtd.conf")
	err = os.WriteFile(conf, []byte(`unix_sock_dir = "`+dir+`"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_rw_perms = "0777"
log_outputs = "1:file:`+filepath.Join(dir, "libvirtd.log")+`"
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-f", conf, "-p", filepath.Join(dir, "libvirtd.pid"))
	cmd.Env = append(os.Environ(), "LIBVIRT_DRIVER_DIR="+nodrv)
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start libvirtd: %v", err)
	}
	t.Cleanup(func() { stopProcess(cmd) })
	sock := filepath.Join(dir, "libvirt-sock")
	if !waitSocket(sock, 10*time.Second) {
		log, _ := os.ReadFile(filepath.Join(dir, "libvirtd.log"))
		t.Skipf("libvirtd did not start serving %s:\n%s", sock, log)
	}
	return daemon{name: "libvirtd", socket: sock}
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErrs = map[string]string{}
)

// goBinary builds one of the repository's commands once per test run.
func goBinary(t *testing.T, name string) (string, bool) {
	t.Helper()
	buildOnce.Do(func() {
		var err error
		buildDir, err = os.MkdirTemp("", "govirt-remote-bin-")
		if err != nil {
			buildErrs["*"] = err.Error()
			return
		}
		for _, cmdName := range []string{"govirtd", "govirsh", "govirt-ssh-helper"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, cmdName), "../../../cmd/"+cmdName).CombinedOutput()
			if err != nil {
				buildErrs[cmdName] = string(out)
			}
		}
	})
	if msg, ok := buildErrs["*"]; ok {
		t.Fatal(msg)
	}
	if msg, ok := buildErrs[name]; ok {
		return msg, false
	}
	return filepath.Join(buildDir, name), true
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// startGovirtd runs govirtd --root DIR. While the daemon does not build
// (another part of the tree is mid-edit) the tests against it are skipped;
// a daemon that builds but does not start, serve or answer the open
// sequence fails them.
func startGovirtd(t *testing.T) daemon {
	t.Helper()
	if testing.Short() {
		t.Skip("short mode")
	}
	bin, ok := goBinary(t, "govirtd")
	if !ok {
		t.Skipf("govirtd does not build yet:\n%s", bin)
	}
	dir, err := os.MkdirTemp("", "govirt-govirtd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cmd := exec.Command(bin, "--root", dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start govirtd: %v", err)
	}
	t.Cleanup(func() { stopProcess(cmd) })
	sock := filepath.Join(dir, "run", "libvirt", "libvirt-sock")
	if !waitSocket(sock, 10*time.Second) {
		t.Fatalf("govirtd did not start serving %s:\n%s", sock, out.String())
	}
	d := daemon{name: "govirtd", socket: sock}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, mustURI(t, d.uri("")), 0, Options{})
	if err != nil {
		t.Fatalf("govirtd does not answer the open sequence: %v", err)
	}
	c.Close(ctx)
	return d
}

// eachDaemon runs fn against libvirtd and govirtd.
func eachDaemon(t *testing.T, fn func(t *testing.T, d daemon)) {
	t.Run("libvirtd", func(t *testing.T) { fn(t, startLibvirtd(t)) })
	t.Run("govirtd", func(t *testing.T) { fn(t, startGovirtd(t)) })
}

func mustURI(t testing.TB, s string) *uri.URI {
	t.Helper()
	u, err := uri.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func dial(t testing.TB, s string, flags driver.OpenFlags) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, mustURI(t, s), flags, Options{})
	if err != nil {
		t.Fatalf("open %s: %v", s, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}
