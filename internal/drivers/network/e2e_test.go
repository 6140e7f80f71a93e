package network

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/dispatch"
	"github.com/govirt/govirt/internal/driver"
)

// The end-to-end test runs in three network namespaces the parent test
// makes: "host" (the daemon, the network's bridge, dnsmasq, the
// firewall), "guest" (a veth on the bridge running busybox udhcpc, the
// guest) and "remote" (an address behind the forward device, which only
// masquerade lets the guest reach: remote has no route back). The test
// body runs re-executed inside "host".

const e2eEnv = "GOVIRT_NETWORK_E2E"

type e2eNS struct{ host, guest, remote string }

func (n e2eNS) all() []string { return []string{n.host, n.guest, n.remote} }

func runCmd(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

func tryCmd(argv ...string) (string, error) {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	return string(out), err
}

// e2eParent makes the namespaces and re-runs the test in "host"; it
// returns the namespaces and true in the child.
func e2eParent(t *testing.T) (e2eNS, bool) {
	t.Helper()
	id := os.Getpid()
	ns := e2eNS{fmt.Sprintf("gvn-host-%d", id), fmt.Sprintf("gvn-guest-%d", id), fmt.Sprintf("gvn-remote-%d", id)}
	if v := os.Getenv(e2eEnv); v != "" {
		parts := strings.Split(v, ",")
		return e2eNS{parts[0], parts[1], parts[2]}, true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	for _, p := range []string{"ip", "virsh", "dnsmasq", "busybox", "nft"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("needs %s", p)
		}
	}
	for _, n := range ns.all() {
		if out, err := tryCmd("ip", "netns", "add", n); err != nil {
			t.Skipf("cannot create a network namespace: %v: %s", err, out)
		}
	}
	defer func() {
		for _, n := range ns.all() {
			// Whatever a failed run left running in a namespace.
			if out, _ := tryCmd("ip", "netns", "pids", n); out != "" {
				for _, pid := range strings.Fields(out) {
					tryCmd("kill", "-9", pid)
				}
			}
			tryCmd("ip", "netns", "del", n)
		}
	}()
	cmd := exec.Command("ip", "netns", "exec", ns.host, os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.timeout", "5m")
	cmd.Env = append(os.Environ(), e2eEnv+"="+strings.Join(ns.all(), ","))
	out, err := cmd.CombinedOutput()
	t.Logf("in namespace %s:\n%s", ns.host, out)
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("end-to-end run failed: %v", err)
	}
	return ns, false
}

// startDaemon starts govirtd on root (built from ./cmd/govirtd) or, when
// the tree does not build right now, the same daemon core in process
// with the network driver. It returns the URI for virsh.
func startDaemon(t *testing.T, root, bin string) string {
	t.Helper()
	layout := daemon.Layout{Root: root}
	uri := "network+unix:///system?socket=" + layout.SocketRW()
	daemonBin := filepath.Join(bin, "govirtd")
	if out, err := exec.Command("go", "build", "-o", daemonBin, "../../../cmd/govirtd").CombinedOutput(); err == nil {
		cmd := exec.Command(daemonBin, "--root", root)
		cmd.Env = append(os.Environ(), "GOVIRT_ROOT="+root)
		log, _ := os.Create(filepath.Join(root, "govirtd.log"))
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); log.Close() })
		t.Logf("govirtd started")
	} else {
		t.Logf("cmd/govirtd does not build now (%v); serving the network driver in process:\n%s", err, out)
		Configure(Config{Layout: layout, LeaseHelper: filepath.Join(bin, "govirt-leaseshelper")})
		reg := driver.NewRegistry()
		reg.Register(Name, Open)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		remote := dispatch.New(reg, log)
		srv := daemon.NewServer(daemon.DefaultConfig(), log, remote.Programs(), remote)
		os.MkdirAll(layout.RunDir(), 0o755)
		ln, err := daemon.ListenUnix(layout.SocketRW(), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		srv.AddListener(&daemon.Listener{Name: "libvirt-sock"}, ln)
		t.Cleanup(srv.Shutdown)
	}
	// Dial rather than look for the file: it exists from bind(), before
	// the daemon listens, and a slow start must fail here, not later.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, err := net.Dial("unix", layout.SocketRW())
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("govirtd did not listen on %s: %v", layout.SocketRW(), err)
		}
	}
	return uri
}

func virsh(t *testing.T, uri string, args ...string) string {
	t.Helper()
	return runCmd(t, append([]string{"virsh", "-q", "-c", uri}, args...)...)
}

const e2eNetwork = `<network>
  <name>gvnat</name>
  <forward mode='nat' dev='gvup0'/>
  <bridge name='gvbr0' stp='on' delay='0'/>
  <ip address='192.168.140.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.140.10' end='192.168.140.50'/>
    </dhcp>
  </ip>
</network>
`

const udhcpcScript = `#!/bin/sh
case "$1" in
bound|renew)
  ip addr flush dev "$interface"
  ip addr add "$ip/$mask" dev "$interface"
  ip route add default via "$router" dev "$interface"
  ;;
esac
exit 0
`

// makeUplink creates the forward device: a veth from host to remote.
func makeUplink(t *testing.T, ns e2eNS) {
	runCmd(t, "ip", "link", "add", "gvup0", "type", "veth", "peer", "name", "rx0", "netns", ns.remote)
	runCmd(t, "ip", "addr", "add", "10.77.0.1/24", "dev", "gvup0")
	runCmd(t, "ip", "link", "set", "gvup0", "up")
	runCmd(t, "ip", "-n", ns.remote, "addr", "add", "10.77.0.2/24", "dev", "rx0")
	runCmd(t, "ip", "-n", ns.remote, "link", "set", "rx0", "up")
}

func guestPing(ns e2eNS) error {
	out, err := tryCmd("ip", "netns", "exec", ns.guest, "busybox", "ping", "-c", "2", "-W", "2", "10.77.0.2")
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

// guestPingWithin pings until a reply comes or the deadline passes: a
// fresh link's neighbour resolution can take more than one ping's
// seconds on a loaded machine.
func guestPingWithin(ns e2eNS, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := guestPing(ns)
		if err == nil || time.Now().After(deadline) {
			return err
		}
	}
}

func TestEndToEndNAT(t *testing.T) {
	ns, child := e2eParent(t)
	if !child {
		return
	}
	bin := t.TempDir()
	root := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", bin, "../../../cmd/govirt-leaseshelper").CombinedOutput(); err != nil {
		t.Fatalf("building the lease helper: %v\n%s", err, out)
	}
	runCmd(t, "ip", "link", "set", "lo", "up")
	runCmd(t, "ip", "-n", ns.remote, "link", "set", "lo", "up")
	runCmd(t, "ip", "-n", ns.guest, "link", "set", "lo", "up")
	uri := startDaemon(t, root, bin)

	xml := filepath.Join(root, "gvnat.xml")
	os.WriteFile(xml, []byte(e2eNetwork), 0o644)
	virsh(t, uri, "net-define", xml)
	// The forward device does not exist yet: the start must succeed.
	virsh(t, uri, "net-start", "gvnat")
	if info := virsh(t, uri, "net-info", "gvnat"); !strings.Contains(info, "Active:         yes") {
		t.Fatalf("net-info:\n%s", info)
	}
	status, err := os.ReadFile(filepath.Join(root, "run/libvirt/network/gvnat.xml"))
	if err != nil || !strings.Contains(string(status), "<firewall backend=") {
		t.Fatalf("status file lacks the recorded removals: %v\n%s", err, status)
	}

	// The guest: a veth on the bridge, configured by DHCP.
	runCmd(t, "ip", "link", "add", "vg0", "type", "veth", "peer", "name", "g0", "netns", ns.guest)
	runCmd(t, "ip", "link", "set", "vg0", "master", "gvbr0", "up")
	runCmd(t, "ip", "-n", ns.guest, "link", "set", "g0", "address", "52:54:00:aa:00:01", "up")
	script := filepath.Join(bin, "udhcpc.sh")
	os.WriteFile(script, []byte(udhcpcScript), 0o755)
	var dhcpErr error
	for i := 0; i < 3; i++ {
		var out string
		if out, dhcpErr = tryCmd("ip", "netns", "exec", ns.guest, "busybox", "udhcpc", "-i", "g0", "-n", "-q", "-t", "5", "-T", "1", "-s", script); dhcpErr == nil {
			break
		} else {
			t.Logf("udhcpc: %v\n%s", dhcpErr, out)
		}
	}
	if dhcpErr != nil {
		t.Fatal("the guest got no DHCP lease")
	}
	var leasesOut string
	// The lease helper records the lease after udhcpc has it; give a
	// loaded machine a minute, not fifty polls.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		leasesOut = virsh(t, uri, "net-dhcp-leases", "gvnat")
		if strings.Contains(leasesOut, "52:54:00:aa:00:01") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(leasesOut, "52:54:00:aa:00:01") || !strings.Contains(leasesOut, "192.168.140.") || !strings.Contains(leasesOut, "ipv4") {
		t.Fatalf("net-dhcp-leases shows no lease for the guest:\n%s", leasesOut)
	}
	t.Logf("net-dhcp-leases:\n%s", leasesOut)

	// The forward device appears: NAT works.
	makeUplink(t, ns)
	if err := guestPingWithin(ns, 30*time.Second); err != nil {
		t.Fatalf("guest cannot reach the remote address through masquerade: %v\n%s", err, runCmd(t, "nft", "list", "ruleset"))
	}
	// Deleted and re-created (a new ifindex): NAT still works.
	runCmd(t, "ip", "link", "del", "gvup0")
	if err := guestPing(ns); err == nil {
		t.Fatal("ping succeeded with the forward device gone")
	}
	makeUplink(t, ns)
	if err := guestPingWithin(ns, 30*time.Second); err != nil {
		t.Fatalf("after re-creating the forward device: %v", err)
	}

	pid, _ := readPid(filepath.Join(root, "run/libvirt/network/gvnat.pid"))
	virsh(t, uri, "net-destroy", "gvnat")

	// Nothing is left: no rule, no bridge, no dnsmasq, no file.
	rules := runCmd(t, "nft", "list", "ruleset")
	for _, s := range []string{"gvbr0", "192.168.140", "gvup0", "masquerade"} {
		if strings.Contains(rules, s) {
			t.Errorf("ruleset still mentions %s:\n%s", s, rules)
		}
	}
	if out, _ := tryCmd("ip", "link", "show", "gvbr0"); !strings.Contains(out, "does not exist") {
		t.Errorf("bridge left behind: %s", out)
	}
	if pid == 0 {
		t.Error("dnsmasq wrote no pid file")
	} else if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil && !isZombie(pid) {
		t.Errorf("dnsmasq %d still runs", pid)
	}
	for _, dir := range []string{"run/libvirt/network", "var/lib/libvirt/dnsmasq"} {
		entries, _ := os.ReadDir(filepath.Join(root, dir))
		for _, e := range entries {
			t.Errorf("file left behind: %s/%s", dir, e.Name())
		}
	}
	if list := virsh(t, uri, "net-list", "--all"); !strings.Contains(list, "inactive") {
		t.Errorf("net-list:\n%s", list)
	}
	virsh(t, uri, "net-undefine", "gvnat")
	tryCmd("ip", "link", "del", "gvup0")
}
