package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// daemon is one running daemon serving test:///default on a private
// socket.
type daemon struct {
	name   string
	socket string
	dir    string
	cmd    *exec.Cmd
	out    *bytes.Buffer
	done   chan struct{}
	// profiled is a serve-govirtd child: SIGUSR1 makes it write a heap
	// profile.
	profiled bool
}

// heapSnapshot asks a profiled daemon for a heap profile now.
func (d *daemon) heapSnapshot() {
	if d.profiled {
		_ = d.cmd.Process.Signal(syscall.SIGUSR1)
		time.Sleep(500 * time.Millisecond)
	}
}

// findLibvirtd returns Debian's libvirtd, or "" when it is not installed.
func findLibvirtd() string {
	if p, err := exec.LookPath("libvirtd"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/libvirtd", "/sbin/libvirtd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// startLibvirtd runs libvirtd with its own configuration and socket
// directory. LIBVIRT_DRIVER_DIR names an empty directory, so no
// hypervisor module loads and test:///default is served by the test
// driver built into libvirt. It logs errors only: its debug log would
// cost it more than the calls measured.
func startLibvirtd(bin string) (*daemon, error) {
	dir, err := os.MkdirTemp("", "govirt-bench-libvirtd-")
	if err != nil {
		return nil, err
	}
	nodrv := filepath.Join(dir, "drivers")
	if err := os.Mkdir(nodrv, 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "libvirtd.conf")
	err = os.WriteFile(conf, []byte(`unix_sock_dir = "`+dir+`"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_rw_perms = "0700"
log_outputs = "4:file:`+filepath.Join(dir, "libvirtd.log")+`"
`), 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-f", conf, "-p", filepath.Join(dir, "libvirtd.pid"))
	cmd.Env = append(os.Environ(), "LIBVIRT_DRIVER_DIR="+nodrv)
	return launch("libvirtd", cmd, dir, filepath.Join(dir, "libvirt-sock"))
}

// startGovirtd runs govirtd --root DIR with the settings libvirtd gets
// here (DIR/etc/libvirt/libvirtd.conf): no authentication on the socket,
// errors only in the log, every limit at its default.
func startGovirtd(bin string) (*daemon, error) {
	dir, err := os.MkdirTemp("", "govirt-bench-govirtd-")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "etc", "libvirt"), 0o755); err != nil {
		return nil, err
	}
	err = os.WriteFile(filepath.Join(dir, "etc", "libvirt", "libvirtd.conf"), []byte(`auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_rw_perms = "0700"
log_outputs = "4:file:/var/log/libvirt/libvirtd.log"
`), 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--root", dir)
	return launch("govirtd", cmd, dir, filepath.Join(dir, "run", "libvirt", "libvirt-sock"))
}

// startProfiledGovirtd runs this program's serve-govirtd: govirtd's core
// under pprof, writing prefix.cpu.pprof and prefix.heap.pprof, and with
// withTrace prefix.trace.
func startProfiledGovirtd(prefix string, withTrace bool) (*daemon, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "govirt-bench-govirtd-")
	if err != nil {
		return nil, err
	}
	args := []string{"serve-govirtd", "--root", dir, "--cpuprofile", prefix + ".cpu.pprof", "--memprofile", prefix + ".heap.pprof"}
	if withTrace {
		args = append(args, "--trace", prefix+".trace")
	}
	cmd := exec.Command(self, args...)
	d, err := launch("govirtd", cmd, dir, filepath.Join(dir, "run", "libvirt", "libvirt-sock"))
	if d != nil {
		d.profiled = true
	}
	return d, err
}

func launch(name string, cmd *exec.Cmd, dir, socket string) (*daemon, error) {
	d := &daemon{name: name, socket: socket, dir: dir, cmd: cmd, out: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	go func() { _ = cmd.Wait(); close(d.done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if c, err := net.Dial("unix", socket); err == nil {
			c.Close()
			break
		}
		select {
		case <-d.done:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%s exited before serving %s: %s", name, socket, d.out.String())
		default:
		}
		if time.Now().After(deadline) {
			d.stop()
			return nil, fmt.Errorf("%s did not serve %s within 15 s: %s", name, socket, d.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A first CONNECT_OPEN proves the driver answers, not only the socket.
	c, err := dial(socket, testURI)
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("%s: open %s: %w", name, testURI, err)
	}
	c.close()
	return d, nil
}

// stop sends SIGTERM, waits for the exit (SIGKILL after 10 s) and removes
// the daemon's directory.
func (d *daemon) stop() {
	if d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	}
	os.RemoveAll(d.dir)
}

// rssKiB is the daemon's resident set (VmRSS) in KiB.
func (d *daemon) rssKiB() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for %s", d.name)
}

// cpuTicks is the daemon's user+system CPU time in clock ticks.
func (d *daemon) cpuTicks() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}
