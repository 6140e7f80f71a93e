package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/daemon"
)

// startDaemon runs govirtd in process under a fresh --root and returns
// the read-write socket's path.
func startDaemon(t *testing.T, extraConf string) (root string) {
	t.Helper()
	root = t.TempDir()
	conf := filepath.Join(root, "govirtd.conf")
	if err := os.WriteFile(conf, []byte(extraConf), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- run(ctx, options{root: root, config: conf}, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("govirtd: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("govirtd did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("govirtd: %v", err)
		}
	})
	return root
}

func needVirsh(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("virsh"); err != nil {
		t.Skip("stock virsh (libvirt-clients) is not installed")
	}
}

func virsh(t *testing.T, uri string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "virsh", append([]string{"-c", uri}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "VIRSH_DEFAULT_CONNECT_URI=")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("virsh %v: %v", args, err)
	}
	return string(out) + "rc=" + strings.TrimPrefix(cmd.ProcessState.String(), "exit status ")
}

var (
	uuidRe    = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	cpuTimeRe = regexp.MustCompile(`CPU time:( +)[0-9.]+s`)
)

// normalise hides what differs between two runs of the same driver: the
// UUIDs libvirt generates and the test driver's wall-clock CPU time.
func normalise(s string) string {
	return cpuTimeRe.ReplaceAllString(uuidRe.ReplaceAllString(s, "UUID"), "CPU time:${1}T")
}

// TestVirshDifferential runs the same virsh command lines against govirtd
// and against libvirt's own in-process test driver: the outputs must be
// identical. Each line is a separate virsh invocation; state carries over
// (test:///default is shared inside each side's process).
func TestVirshDifferential(t *testing.T) {
	needVirsh(t)
	root := startDaemon(t, "")
	sock := daemon.Layout{Root: root}.SocketRW()
	remoteURI := "test+unix:///default?socket=" + sock
	xml := filepath.Join("testdata", "demo.xml")
	bad := filepath.Join("testdata", "noname.xml")
	// libvirt's in-process test driver forgets everything between virsh
	// runs, so sequences that build on each other are chained in one run.
	cases := [][]string{
		{"list", "--all"},
		{"list"},
		{"dominfo", "test"},
		{"dominfo", "1"},
		{"dominfo", "nosuch"},
		{"domstate", "test"},
		{"nodeinfo"},
		{"version"},
		{"define " + xml + "; dumpxml demo1; dominfo demo1; start demo1; list --all; destroy demo1; undefine demo1; list --all"},
		{"define " + bad},
		{"start", "nosuch"},
		{"start", "test"},
		{"destroy", "nosuch"},
		{"-r", "define", xml},
		{"-r", "list", "--all"},
		{"-r", "destroy", "test"},
		{"suspend test; domstate test; resume test; domstate test"},
		{"autostart test; dominfo test; autostart --disable test"},
		{"undefine", "nosuch"},
		{"capabilities"},
		{"hostname"},
	}
	for _, args := range cases {
		name := strings.Join(args, " ")
		t.Run(name, func(t *testing.T) {
			got := normalise(virsh(t, remoteURI, args...))
			want := normalise(virsh(t, "test:///default", args...))
			if got != want {
				t.Errorf("virsh %s:\n--- govirtd\n%s\n--- libvirt\n%s", name, got, want)
			}
		})
	}
}

// TestVirshReadOnlySocket: the read-only socket refuses changes whatever
// the client asks for.
func TestVirshReadOnlySocket(t *testing.T) {
	needVirsh(t)
	root := startDaemon(t, "")
	ro := "test+unix:///default?socket=" + daemon.Layout{Root: root}.SocketRO()
	got := virsh(t, ro, "list", "--all")
	if !strings.Contains(got, " test ") || !strings.HasSuffix(got, "rc=0") {
		t.Errorf("list on the read-only socket:\n%s", got)
	}
	got = virsh(t, ro, "destroy", "test")
	if !strings.Contains(got, "operation forbidden: read only access prevents virDomainDestroy") {
		t.Errorf("destroy on the read-only socket:\n%s", got)
	}
}

// TestVirshEvents: `virsh event --loop` sees the lifecycle of a domain
// another client drives, each event in order, and nothing else.
func TestVirshEvents(t *testing.T) {
	needVirsh(t)
	root := startDaemon(t, "")
	uri := "test+unix:///default?socket=" + daemon.Layout{Root: root}.SocketRW()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "virsh", "-c", uri, "event", "--all", "--loop")
	cmd.Env = append(os.Environ(), "LC_ALL=C", "VIRSH_DEFAULT_CONNECT_URI=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var got []string
	probes := 0
	// next waits for virsh's next line; the stock domain 'test' is the
	// probe below, so its events are counted and left out.
	next := func(limit time.Duration) (string, bool) {
		timer := time.NewTimer(limit)
		defer timer.Stop()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return "", false
				}
				if strings.Contains(l, " for domain 'test': ") {
					probes++
					continue
				}
				got = append(got, l)
				return l, true
			case <-timer.C:
				return "", false
			}
		}
	}
	// virsh prints nothing once its callbacks are registered, and a
	// loaded machine may take seconds to get there: suspend and resume
	// the stock domain until virsh reports it. Until virsh event holds
	// its connection, test:///default starts afresh with each client
	// (as libvirt's does), so a resume may find 'test' running: only
	// the events count here.
	for deadline := time.Now().Add(60 * time.Second); probes == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("virsh event never reported the probe domain; stderr:\n%s", stderr.String())
		}
		virsh(t, uri, "suspend", "test")
		virsh(t, uri, "resume", "test")
		if l, ok := next(time.Second); ok {
			t.Fatalf("virsh event printed %q before any domain changed", l)
		}
	}
	xml := filepath.Join("testdata", "demo.xml")
	for _, c := range [][]string{{"define", xml}, {"start", "demo1"}, {"suspend", "demo1"}, {"resume", "demo1"}, {"destroy", "demo1"}, {"undefine", "demo1"}} {
		if out := virsh(t, uri, c...); !strings.HasSuffix(out, "rc=0") {
			t.Fatalf("virsh %v: %s", c, out)
		}
	}
	for deadline := time.Now().Add(60 * time.Second); len(got) < 6 && time.Now().Before(deadline); {
		next(time.Until(deadline))
	}
	// Anything extra would arrive now (this pause cannot fail a correct
	// daemon); then virsh's SIGINT handler ends its loop.
	next(500 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for {
		if _, ok := next(60 * time.Second); !ok {
			break
		}
	}
	err = cmd.Wait()
	want := fmt.Sprintf(`event 'lifecycle' for domain 'demo1': Defined Added
event 'lifecycle' for domain 'demo1': Started Booted
event 'lifecycle' for domain 'demo1': Suspended Paused
event 'lifecycle' for domain 'demo1': Resumed Unpaused
event 'lifecycle' for domain 'demo1': Stopped Destroyed
event 'lifecycle' for domain 'demo1': Undefined Removed
event loop interrupted
events received: %d

`, 6+probes)
	if g := strings.Join(got, "\n") + "\n"; g != want || err != nil {
		t.Errorf("virsh event (%v):\n%s\nwant\n%s\nstderr:\n%s", err, g, want, stderr.String())
	}
}

const pythonScript = `
import sys, threading, libvirt
uri = sys.argv[1]
xml = open(sys.argv[2]).read()
libvirt.virEventRegisterDefaultImpl()
seen = []
def loop():
    while True:
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
c = libvirt.open(uri)
def cb(conn, dom, event, detail, opaque):
    seen.append((dom.name(), event, detail))
cid = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, cb, None)
print(sorted(d.name() for d in c.listAllDomains()))
d = c.defineXML(xml)
d.create()
print(d.isActive(), d.info()[0])
d.destroy()
d.undefine()
try:
    c.lookupByName("demo1")
except libvirt.libvirtError as e:
    print("error", e.get_error_code(), e.get_error_domain())
import time
for _ in range(300):
    if len(seen) >= 4: break
    time.sleep(0.1)
print(seen)
c.domainEventDeregisterAny(cid)
ro = libvirt.openReadOnly(uri)
try:
    ro.defineXML(xml)
except libvirt.libvirtError as e:
    print("ro", e.get_error_code())
ro.close()
c.close()
`

// TestPythonLibvirt drives govirtd with python3-libvirt, events included.
func TestPythonLibvirt(t *testing.T) {
	if err := exec.Command(systemPython(), "-c", "import libvirt").Run(); err != nil {
		t.Skip("python3-libvirt is not installed")
	}
	root := startDaemon(t, "")
	uri := "test+unix:///default?socket=" + daemon.Layout{Root: root}.SocketRW()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// stdout only: libvirt's default error handler also prints each error on stderr.
	out, err := exec.CommandContext(ctx, systemPython(), "-c", pythonScript, uri, filepath.Join("testdata", "demo.xml")).Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := `['test']
1 1
error 42 12
[('demo1', 0, 0), ('demo1', 2, 0), ('demo1', 5, 1), ('demo1', 1, 0)]
ro 29
`
	if string(out) != want {
		t.Errorf("python3-libvirt:\n%s\nwant\n%s", out, want)
	}
}

// TestPidLock: two daemons never share a root.
func TestPidLock(t *testing.T) {
	root := startDaemon(t, "")
	err := run(context.Background(), options{root: root}, nil)
	if !errors.Is(err, daemon.ErrLocked) {
		t.Fatalf("second daemon on the same root: %v, want ErrLocked", err)
	}
}

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.conf")
	os.WriteFile(path, []byte("listen_tcp = 1\ntcp_port = \"1234\"\nmax_clients = 7\nmax_client_requests = 2\nauth_unix_rw = \"none\"\nkeepalive_interval = -1\nlog_level = 1\n"), 0o644)
	s, err := loadSettings(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !s.ListenTCP || s.TCPPort != "1234" || s.UnixSockRWPerms != "0700" || s.AuthUnixRW != "none" {
		t.Errorf("settings %+v", s)
	}
	cfg, err := s.serverConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxClients != 7 || cfg.MaxClientRequests != 2 || cfg.KeepaliveInterval != 0 {
		t.Errorf("server config %+v", cfg)
	}
	os.WriteFile(path, []byte("auth_unix_rw = \"kerberos\"\n"), 0o644)
	if _, err := loadSettings(path, true); err == nil {
		t.Error("an unknown auth type was accepted")
	}
	if _, err := loadSettings(filepath.Join(dir, "missing"), true); err == nil {
		t.Error("a missing --config file was accepted")
	}
}

// TestAdminSocket: virt-admin connects to libvirt-admin-sock and sees the
// one server.
func TestAdminSocket(t *testing.T) {
	if _, err := exec.LookPath("virt-admin"); err != nil {
		t.Skip("virt-admin is not installed")
	}
	root := startDaemon(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "virt-admin", "-c", "libvirtd:///system?socket="+daemon.Layout{Root: root}.SocketAdmin(), "srv-list").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "libvirtd") {
		t.Fatalf("virt-admin srv-list: %v\n%s", err, out)
	}
}

// systemPython is Debian's interpreter, where python3-libvirt installs;
// a python3 earlier on PATH (pyenv) would not see the module.
func systemPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}
