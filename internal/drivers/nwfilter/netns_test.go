package nwfilter

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/hostnet"
)

// inNS runs f on a thread switched into ns. The thread is never
// switched back: it ends with its goroutine, locked.
func inNS(ns netns.NsHandle, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := netns.Set(ns); err != nil {
			errc <- err
			return
		}
		errc <- f()
	}()
	return <-errc
}

// nsHost is the host side of the test: the namespace holding the bridge
// and the guest's tap (a veth end here).
type nsHost struct{ ns netns.NsHandle }

func (h nsHost) IfIndex(name string) int {
	idx := 0
	_ = inNS(h.ns, func() error { idx = localHost{}.IfIndex(name); return nil })
	return idx
}

func (h nsHost) SetLinkDown(name string) error {
	return inNS(h.ns, func() error { return hostnet.SetUp(name, false) })
}

func (h nsHost) ListenPacket(ifname string, mac macaddr.MAC) (PacketSource, error) {
	var src PacketSource
	err := inNS(h.ns, func() (err error) { src, err = OpenPacketSocket(ifname, mac); return })
	return src, err
}

// nsRunner runs every command inside a named network namespace.
type nsRunner struct {
	name string
	exec cmdrun.Exec
}

func (r *nsRunner) wrap(c *cmdrun.Cmd) *cmdrun.Cmd {
	d := *c
	d.Argv = append([]string{"ip", "netns", "exec", r.name}, c.Argv...)
	return &d
}

func (r *nsRunner) Run(ctx context.Context, c *cmdrun.Cmd) (cmdrun.Result, error) {
	return r.exec.Run(ctx, r.wrap(c))
}

func (r *nsRunner) Start(ctx context.Context, c *cmdrun.Cmd) (cmdrun.Process, error) {
	return r.exec.Start(ctx, r.wrap(c))
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

type testNet struct {
	host, guest         string // namespace names
	hostNS, guestNS     netns.NsHandle
	dir                 string
	bridgeMAC, guestMAC macaddr.MAC
}

const (
	bridgeIP = "192.168.77.1"
	testPort = 5555
)

// setUpNet builds two namespaces: "host" with bridge br0 (192.168.77.1)
// and vnet0 as its port, running dnsmasq; "guest" with eth0, vnet0's
// peer, standing in for the guest's NIC. Both go when the test ends.
func setUpNet(t *testing.T) *testNet {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	for _, tool := range []string{"ip", "ebtables", "iptables", "ip6tables", "nft", "dnsmasq", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	n := &testNet{
		host:     fmt.Sprintf("govirt-nwfd-h%d", os.Getpid()),
		guest:    fmt.Sprintf("govirt-nwfd-g%d", os.Getpid()),
		dir:      t.TempDir(),
		guestMAC: macaddr.MAC{0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
	}
	for _, ns := range []string{n.host, n.guest} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Skipf("cannot create a network namespace: %v: %s", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	}
	h, g := []string{"ip", "netns", "exec", n.host}, []string{"ip", "netns", "exec", n.guest}
	for _, args := range [][]string{
		append(h, "ip", "link", "add", "br0", "type", "bridge"),
		append(h, "ip", "link", "add", "vnet0", "type", "veth", "peer", "name", "eth0"),
		append(h, "ip", "link", "set", "eth0", "netns", n.guest),
		append(h, "ip", "link", "set", "vnet0", "master", "br0"),
		append(h, "ip", "addr", "add", bridgeIP+"/24", "dev", "br0"),
		append(h, "ip", "link", "set", "vnet0", "up"),
		append(h, "ip", "link", "set", "br0", "up"),
		append(h, "ip", "link", "set", "lo", "up"),
		append(g, "ip", "link", "set", "eth0", "address", n.guestMAC.String()),
		append(g, "ip", "link", "set", "eth0", "up"),
		append(g, "ip", "link", "set", "lo", "up"),
	} {
		run(t, args...)
	}
	var err error
	if n.hostNS, err = netns.GetFromName(n.host); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.hostNS.Close() })
	if n.guestNS, err = netns.GetFromName(n.guest); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.guestNS.Close() })
	_ = inNS(n.hostNS, func() error {
		ifi, err := net.InterfaceByName("br0")
		if err == nil {
			copy(n.bridgeMAC[:], ifi.HardwareAddr)
		}
		return err
	})

	dnsmasq := exec.Command("ip", "netns", "exec", n.host, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
		"--interface=br0", "--bind-interfaces", "--except-interface=lo", "--port=0",
		"--dhcp-range=192.168.77.10,192.168.77.20,255.255.255.0,1h",
		"--dhcp-leasefile="+filepath.Join(n.dir, "leases"), "--pid-file="+filepath.Join(n.dir, "dnsmasq.pid"),
		"--log-facility="+filepath.Join(n.dir, "dnsmasq.log"), "--log-dhcp")
	if err := dnsmasq.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = dnsmasq.Process.Kill()
		_ = dnsmasq.Wait()
	})
	return n
}

// dhcp runs busybox's udhcpc in the guest namespace and returns the
// address it was given.
func (n *testNet) dhcp(t *testing.T) string {
	t.Helper()
	script := filepath.Join(n.dir, "udhcpc.sh")
	leaseFile := filepath.Join(n.dir, "lease")
	body := "#!/bin/sh\nif [ \"$1\" = bound ]; then ip addr add \"$ip/${mask:-24}\" dev \"$interface\"; echo \"$ip\" > " + leaseFile + "; fi\nexit 0\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ip", "netns", "exec", n.guest, "busybox", "udhcpc", "-i", "eth0", "-q", "-n",
		"-t", "10", "-T", "1", "-A", "1", "-s", script).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(n.dir, "dnsmasq.log"))
		t.Fatalf("udhcpc: %v\n%s\ndnsmasq:\n%s", err, out, log)
	}
	lease, err := os.ReadFile(leaseFile)
	if err != nil {
		t.Fatalf("no lease: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(lease))
}

// listen opens a UDP socket on the bridge's address in the host
// namespace, where the guest's packets are counted.
func (n *testNet) listen(t *testing.T) *net.UDPConn {
	t.Helper()
	var conn *net.UDPConn
	err := inNS(n.hostNS, func() (err error) {
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(bridgeIP), Port: testPort})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// send has the guest put raw frames on its NIC: UDP to the bridge's
// address from the given MAC and IP, tagged with tag.
func (n *testNet) send(t *testing.T, srcMAC macaddr.MAC, srcIP, tag string, count int) {
	t.Helper()
	err := inNS(n.guestNS, func() error {
		ifi, err := net.InterfaceByName("eth0")
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		frame := ethFrame(n.bridgeMAC, srcMAC, etherTypeIPv4,
			ipv4Packet(netip.MustParseAddr(srcIP), netip.MustParseAddr(bridgeIP), 17,
				udpDatagram(4000, testPort, []byte(tag))))
		sa := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6}
		copy(sa.Addr[:], n.bridgeMAC[:])
		for i := 0; i < count; i++ {
			if err := unix.Sendto(fd, frame, 0, sa); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// received counts the datagrams per tag: it waits until at least expect
// have come (a loaded machine's softirqs may hold them back for a long
// while), then until the socket is quiet, so extra ones still count.
func received(conn *net.UDPConn, expect map[string]int) map[string]int {
	counts := map[string]int{}
	buf := make([]byte, 2048)
	patience := time.Now().Add(30 * time.Second)
	for {
		quiet := time.Now().Add(700 * time.Millisecond)
		for tag, n := range expect {
			if counts[tag] < n && quiet.Before(patience) {
				quiet = patience
			}
		}
		_ = conn.SetReadDeadline(quiet)
		k, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			return counts
		}
		counts[string(bytes.TrimSpace(buf[:k]))]++
	}
}

// ruleset is every firewall rule the host namespace has for vnet0.
func (n *testNet) ruleset(t *testing.T) string {
	var b strings.Builder
	for _, args := range [][]string{
		{"ebtables", "-t", "nat", "-L"}, {"iptables", "-S"}, {"ip6tables", "-S"}, {"nft", "list", "ruleset"},
	} {
		out, _ := exec.Command("ip", append([]string{"netns", "exec", n.host}, args...)...).CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "vnet0") {
				b.WriteString(line + "\n")
			}
		}
	}
	return b.String()
}

// TestLearnedAddressEndToEnd: a guest with clean-traffic and no IP gets
// its address by DHCP; the driver learns it, shows it in the binding,
// instantiates the rules, lets the guest's own traffic through and
// drops what it sends from another IP or MAC address; deleting the
// binding removes every rule and ends the learner.
func TestLearnedAddressEndToEnd(t *testing.T) {
	for _, backend := range []string{BackendEbiptables, BackendNFT} {
		t.Run(backend, func(t *testing.T) {
			n := setUpNet(t)
			checkNoLeaks(t)
			d, err := NewDriver(ctx, Config{
				Root: t.TempDir(), Runner: &nsRunner{name: n.host}, Backend: backend,
				Host: nsHost{ns: n.hostNS}, Logger: discardLogger(),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			c := d.Connect(0).NWFilter
			ref, err := c.NWFilterBindingCreateXML(ctx, learningBindingXML, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Learning("vnet0") {
				t.Fatal("no learner started")
			}
			leased := n.dhcp(t)
			var xml string
			waitFor(t, "the address to be learned", func() bool {
				xml, _ = c.NWFilterBindingGetXMLDesc(ctx, ref, 0)
				return strings.Contains(xml, "name='IP'")
			})
			if want := "<parameter name='IP' value='" + leased + "'/>"; !strings.Contains(xml, want) {
				t.Fatalf("binding shows a different address than the lease %s:\n%s", leased, xml)
			}
			if d.Learning("vnet0") {
				t.Error("learner still running after learning")
			}
			if rules := n.ruleset(t); rules == "" {
				t.Fatal("no rules for vnet0 after learning")
			}

			conn := n.listen(t)
			other := macaddr.MAC{0x52, 0x54, 0x00, 0x66, 0x66, 0x66}
			n.send(t, n.guestMAC, leased, "good", 5)
			n.send(t, n.guestMAC, "192.168.77.99", "spoofed-ip", 5)
			n.send(t, other, leased, "spoofed-mac", 5)
			got := received(conn, map[string]int{"good": 5})
			if got["good"] != 5 || got["spoofed-ip"] != 0 || got["spoofed-mac"] != 0 {
				t.Errorf("received %v, want 5 good and no spoofed datagrams", got)
			}

			if err := c.NWFilterBindingDelete(ctx, ref); err != nil {
				t.Fatal(err)
			}
			if left := n.ruleset(t); left != "" {
				t.Errorf("rules left after deleting the binding:\n%s", left)
			}
			// unfiltered now: the spoofed traffic reaches the other end
			n.send(t, n.guestMAC, "192.168.77.99", "spoofed-ip", 3)
			if got := received(conn, map[string]int{"spoofed-ip": 3}); got["spoofed-ip"] != 3 {
				t.Errorf("after delete received %v, want the 3 datagrams", got)
			}
		})
	}
}

// TestInterfaceVanishesWhileLearning: the guest's tap goes away before
// any address is seen; the learner ends and no rule is left behind.
func TestInterfaceVanishesWhileLearning(t *testing.T) {
	n := setUpNet(t)
	checkNoLeaks(t)
	d, err := NewDriver(ctx, Config{
		Root: t.TempDir(), Runner: &nsRunner{name: n.host}, Backend: BackendEbiptables,
		Host: nsHost{ns: n.hostNS}, Logger: discardLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Connect(0).NWFilter.NWFilterBindingCreateXML(ctx, learningBindingXML, 0); err != nil {
		t.Fatal(err)
	}
	if rules := n.ruleset(t); rules == "" {
		t.Fatal("no learning rules on vnet0")
	}
	run(t, "ip", "netns", "exec", n.host, "ip", "link", "del", "vnet0")
	waitFor(t, "the learner to end", func() bool { return !d.Learning("vnet0") })
	if left := n.ruleset(t); left != "" {
		t.Errorf("rules left for the vanished interface:\n%s", left)
	}
}
