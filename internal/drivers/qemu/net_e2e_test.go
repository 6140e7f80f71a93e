package qemu_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/testguest"
)

// The networking end-to-end test runs in two network namespaces it makes:
// "host" (govirtd, the QEMU guests and their taps, the network's bridge,
// dnsmasq, the firewall) and "remote" (an address behind the NAT
// network's forward device, a veth, which only masquerade lets the guest
// reach: remote has no route back). The test body runs re-executed in
// "host"; the guests prove what they can reach from inside, printing on
// their serial console.

const netE2EEnv = "GOVIRT_QEMU_NET_E2E"

// runMarker prefixes each line of the guest's govirt.run script output.
const runMarker = "GOVIRT-TESTGUEST-RUN "

func run(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

func try(argv ...string) (string, error) {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	return string(out), err
}

// netE2EParent makes the namespaces and re-runs the test inside "host";
// it returns the remote namespace and true in the child.
func netE2EParent(t *testing.T) (string, bool) {
	t.Helper()
	if v := os.Getenv(netE2EEnv); v != "" {
		return v, true
	}
	requireE2E(t)
	for _, p := range []string{"ip", "dnsmasq", "nft", "tc"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("needs %s", p)
		}
	}
	testguest.Build(t)
	host, remote := fmt.Sprintf("gvq-host-%d", os.Getpid()), fmt.Sprintf("gvq-remote-%d", os.Getpid())
	for _, n := range []string{host, remote} {
		if out, err := try("ip", "netns", "add", n); err != nil {
			t.Skipf("cannot create a network namespace: %v: %s", err, out)
		}
	}
	defer func() {
		for _, n := range []string{host, remote} {
			if out, _ := try("ip", "netns", "pids", n); out != "" {
				for _, pid := range strings.Fields(out) {
					try("kill", "-9", pid)
				}
			}
			try("ip", "netns", "del", n)
		}
	}()
	cmd := exec.Command("ip", "netns", "exec", host, os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.timeout", "9m")
	cmd.Env = append(os.Environ(), netE2EEnv+"="+remote)
	out, err := cmd.CombinedOutput()
	t.Logf("in namespace %s:\n%s", host, out)
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("end-to-end run failed: %v", err)
	}
	return remote, false
}

const natNetwork = `<network>
  <name>gvqnat</name>
  <forward mode='nat' dev='gvqup0'/>
  <bridge name='gvqbr0' stp='on' delay='0'/>
  <ip address='192.168.141.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.141.10' end='192.168.141.50'/>
    </dhcp>
  </ip>
</network>
`

// makeForwardDev creates the forward device: a veth from host to remote.
func makeForwardDev(t *testing.T, remote string) {
	t.Helper()
	run(t, "ip", "link", "add", "gvqup0", "type", "veth", "peer", "name", "rx0", "netns", remote)
	run(t, "ip", "addr", "add", "10.78.0.1/24", "dev", "gvqup0")
	run(t, "ip", "link", "set", "gvqup0", "up")
	run(t, "ip", "-n", remote, "addr", "add", "10.78.0.2/24", "dev", "rx0")
	run(t, "ip", "-n", remote, "link", "set", "rx0", "up")
}

// netGuestXML is the test guest on the NAT network, its console in a
// file, running script once it has its lease.
func netGuestXML(name, kernel, initrd, mac, iface, consoleLog, script string) string {
	cmdline := "console=ttyS0 govirt.run=" + base64.StdEncoding.EncodeToString([]byte(script))
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>128</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>%s</kernel>
    <initrd>%s</initrd>
    <cmdline>%s</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <interface type='network'>
      <mac address='%s'/>
      <source network='gvqnat'/>
      <model type='virtio'/>
      %s
    </interface>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='pci' index='3' model='pcie-root-port'/>
    <serial type='file'><source path='%s'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
`, name, kernel, initrd, cmdline, mac, iface, consoleLog)
}

// completeLines returns the console log's lines that have ended: QEMU
// writes the serial line in pieces, and a line read before its end (an IP
// marker without its address, "PING o") must not count, nor be skipped as
// seen.
func completeLines(path string) []string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.ReplaceAll(string(data), "\r", ""), "\n")
	return lines[:len(lines)-1]
}

// guestLines returns the lines the guest's script printed so far.
func guestLines(path string) []string {
	var out []string
	for _, l := range completeLines(path) {
		if i := strings.Index(l, runMarker); i >= 0 {
			out = append(out, strings.TrimSpace(l[i+len(runMarker):]))
		}
	}
	return out
}

// waitLine waits until the guest printed a line matching re after the
// first skip lines, and returns its index.
func waitLine(t *testing.T, path string, skip int, re string, timeout time.Duration) int {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		lines := guestLines(path)
		for i := skip; i < len(lines); i++ {
			if rx.MatchString(lines[i]) {
				return i
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	data, _ := os.ReadFile(path)
	t.Fatalf("guest never printed %q (after line %d); console:\n%s", re, skip, data)
	return -1
}

func guestIP(t *testing.T, path string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, l := range completeLines(path) {
			if _, rest, ok := strings.Cut(l, testguest.IPMarker); ok {
				if f := strings.Fields(rest); len(f) > 0 {
					return f[0]
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	data, _ := os.ReadFile(path)
	t.Fatalf("guest got no address; console:\n%s", data)
	return ""
}

// hostTaps lists the host's generated guest devices.
func hostTaps(t *testing.T) []string {
	var out []string
	for _, l := range strings.Split(run(t, "ip", "-o", "link", "show"), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 {
			name := strings.TrimSuffix(strings.SplitN(f[1], "@", 2)[0], ":")
			if strings.HasPrefix(name, "vnet") || strings.HasPrefix(name, "macvtap") {
				out = append(out, name)
			}
		}
	}
	return out
}

// pingLoop pings the remote address once a second, forever.
const pingLoop = `#!/bin/sh
i=0
while :; do
  if ping -c 1 -W 1 10.78.0.2 >/dev/null 2>&1; then echo "PING ok $i"; else echo "PING fail $i"; fi
  i=$((i+1))
  sleep 1
done
`

// spoofScript sends traffic from the learned address, then from a
// foreign IP and a foreign MAC, to the gateway; the host counts what
// arrives. The delay lets the test see the learned address and set up
// its counters first.
const spoofScript = `#!/bin/sh
sleep 8
echo "PHASE legit"
ping -c 5 -W 1 192.168.141.1 >/dev/null 2>&1 && echo "LEGIT ok" || echo "LEGIT fail"
echo "PHASE spoof-ip"
ip addr add 192.168.141.222/32 dev eth0
ping -c 5 -W 1 -I 192.168.141.222 192.168.141.1 >/dev/null 2>&1 && echo "SPOOFIP ok" || echo "SPOOFIP fail"
ip addr del 192.168.141.222/32 dev eth0
echo "PHASE spoof-mac"
ip link set eth0 address 52:54:00:de:ad:01
ping -c 5 -W 1 192.168.141.1 >/dev/null 2>&1 && echo "SPOOFMAC ok" || echo "SPOOFMAC fail"
echo "DONE"
`

const countTable = `table inet gvqcount {
  chain pre {
    type filter hook prerouting priority -400; policy accept;
    iifname "gvqbr0" ip saddr %s icmp type echo-request counter comment "legit"
    iifname "gvqbr0" ip saddr 192.168.141.222 counter comment "spoofip"
    iifname "gvqbr0" ether saddr 52:54:00:de:ad:01 counter comment "spoofmac"
  }
}
`

// counter reads the packets of the gvqcount rule with comment.
func counter(t *testing.T, comment string) int {
	t.Helper()
	out := run(t, "nft", "list", "table", "inet", "gvqcount")
	rx := regexp.MustCompile(`counter packets (\d+) bytes \d+ comment "` + comment + `"`)
	m := rx.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no counter %s in:\n%s", comment, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestE2ENetworkGuests(t *testing.T) {
	remote, child := netE2EParent(t)
	if !child {
		return
	}
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	buildLeaseHelper(t, bin)
	run(t, "ip", "link", "set", "lo", "up")
	run(t, "ip", "-n", remote, "link", "set", "lo", "up")
	root := t.TempDir()
	d := startDaemon(t, bin, root)
	dir := t.TempDir()

	// Issue 6: a NAT network whose forward device does not exist yet.
	d.virsh("net-define", writeFile(t, filepath.Join(dir, "net.xml"), natNetwork))
	d.virsh("net-start", "gvqnat")

	t.Run("failed-starts", func(t *testing.T) {
		// The actual (bridge) interface cannot carry a VLAN tag: the
		// start fails with libvirt's error and the port goes back.
		out, err := d.virshErr("create", writeFile(t, filepath.Join(dir, "vlan.xml"),
			netGuestXML("vlang", kernel, initrd, "52:54:00:77:00:05", "<vlan><tag id='7'/></vlan>", filepath.Join(dir, "vlan.log"), "")))
		if err == nil || !strings.Contains(out, "vlan tag not supported for this connection type") {
			t.Fatalf("start with a VLAN on a bridge port: %v\n%s", err, out)
		}
		// QEMU dies after the tap and the port exist: both are undone.
		out, err = d.virshErr("create", writeFile(t, filepath.Join(dir, "bad.xml"),
			netGuestXML("badg", "/nonexistent/vmlinuz", initrd, "52:54:00:77:00:06", "", filepath.Join(dir, "bad.log"), "")))
		if err == nil {
			t.Fatalf("start with a missing kernel succeeded:\n%s", out)
		}
		if taps := hostTaps(t); len(taps) != 0 {
			t.Errorf("devices left by failed starts: %v", taps)
		}
		if ports := d.virsh("net-port-list", "gvqnat"); strings.TrimSpace(ports) != "" {
			t.Errorf("ports left by failed starts:\n%s", ports)
		}
	})

	t.Run("nat", func(t *testing.T) {
		con := filepath.Join(dir, "nat-console.log")
		d.virsh("create", writeFile(t, filepath.Join(dir, "natg.xml"),
			netGuestXML("natg", kernel, initrd, "52:54:00:77:00:01", "", con, pingLoop)))
		xml := d.virsh("dumpxml", "natg")
		m := regexp.MustCompile(`<target dev='(vnet\d+)'/>`).FindStringSubmatch(xml)
		if m == nil || !strings.Contains(xml, "portid=") || !strings.Contains(xml, "bridge='gvqbr0'") {
			t.Fatalf("live XML lacks the tap, port or bridge:\n%s", xml)
		}
		tap := m[1]
		if out := run(t, "ip", "link", "show", tap); !strings.Contains(out, "master gvqbr0") {
			t.Fatalf("tap %s not on the bridge: %s", tap, out)
		}
		if ports := d.virsh("net-port-list", "gvqnat"); strings.TrimSpace(ports) == "" {
			t.Fatal("net-port-list shows no port for the guest")
		}
		ip := guestIP(t, con, 120*time.Second)
		var leases string
		// The lease helper records the lease after the guest has it; give
		// a loaded machine a minute, not fifty polls.
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
			leases = d.virsh("net-dhcp-leases", "gvqnat")
			if strings.Contains(leases, "52:54:00:77:00:01") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.Contains(leases, "52:54:00:77:00:01") || !strings.Contains(leases, ip+"/24") {
			t.Fatalf("net-dhcp-leases shows no lease %s for the guest:\n%s", ip, leases)
		}
		t.Logf("guest leased %s; net-dhcp-leases:\n%s", ip, leases)
		if st := d.virsh("domifstat", "natg", tap); !strings.Contains(st, "rx_bytes") {
			t.Errorf("domifstat:\n%s", st)
		}

		// The forward device appears: the guest reaches remote.
		makeForwardDev(t, remote)
		n := waitLine(t, con, 0, `^PING ok`, 60*time.Second)
		// Deleted (the guest's pings fail) and re-created with a new
		// ifindex: NAT works again.
		run(t, "ip", "link", "del", "gvqup0")
		n = waitLine(t, con, n+1, `^PING fail`, 30*time.Second)
		makeForwardDev(t, remote)
		waitLine(t, con, n+1, `^PING ok`, 60*time.Second)

		// A second NIC hot-plugged on the network gets its own port and
		// tap; the guest lets go of it on detach (DEVICE_DELETED) and
		// both are released.
		d.virsh("attach-interface", "natg", "network", "gvqnat", "--model", "virtio", "--mac", "52:54:00:77:00:09", "--live")
		if l := d.virsh("domiflist", "natg"); !strings.Contains(l, "52:54:00:77:00:09") || strings.Count(l, "vnet") != 2 {
			t.Fatalf("domiflist after attach:\n%s", l)
		}
		if taps := hostTaps(t); len(taps) != 2 {
			t.Fatalf("host devices after attach: %v", taps)
		}
		d.virsh("detach-interface", "natg", "network", "--mac", "52:54:00:77:00:09", "--live")
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) && (len(hostTaps(t)) != 1 || len(strings.Fields(d.virsh("net-port-list", "gvqnat"))) != 1) {
			time.Sleep(200 * time.Millisecond)
		}
		if taps := hostTaps(t); len(taps) != 1 || taps[0] != tap {
			t.Fatalf("host devices after detach: %v", taps)
		}
		if ports := strings.Fields(d.virsh("net-port-list", "gvqnat")); len(ports) != 1 {
			t.Fatalf("ports after detach: %v", ports)
		}

		// The daemon dies and comes back: the guest's network state is
		// read from the status file, NAT keeps working, and a destroy
		// still releases the port and the tap.
		d.kill9()
		d.start()
		if xml := d.virsh("dumpxml", "natg"); !strings.Contains(xml, "<target dev='"+tap+"'/>") {
			t.Fatalf("live XML after the daemon restart:\n%s", xml)
		}
		n = waitLine(t, con, len(guestLines(con)), `^PING ok`, 30*time.Second)

		d.virsh("destroy", "natg")
		if taps := hostTaps(t); len(taps) != 0 {
			t.Errorf("guest devices left after destroy: %v", taps)
		}
		if ports := d.virsh("net-port-list", "gvqnat"); strings.TrimSpace(ports) != "" {
			t.Errorf("ports left after destroy:\n%s", ports)
		}
	})

	t.Run("clean-traffic", func(t *testing.T) {
		con := filepath.Join(dir, "filter-console.log")
		d.virsh("create", writeFile(t, filepath.Join(dir, "fg.xml"),
			netGuestXML("fg", kernel, initrd, "52:54:00:77:00:02", "<filterref filter='clean-traffic'/>", con, spoofScript)))
		m := regexp.MustCompile(`<target dev='(vnet\d+)'/>`).FindStringSubmatch(d.virsh("dumpxml", "fg"))
		if m == nil {
			t.Fatal("no tap in the live XML")
		}
		tap := m[1]
		ip := guestIP(t, con, 120*time.Second)
		// The driver learns the address the guest leased.
		var binding string
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			binding = d.virsh("nwfilter-binding-dumpxml", tap)
			if strings.Contains(binding, "name='IP' value='"+ip+"'") {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if !strings.Contains(binding, "name='IP' value='"+ip+"'") {
			t.Fatalf("binding never showed the learned IP %s:\n%s", ip, binding)
		}
		t.Logf("binding:\n%s", binding)
		run(t, "nft", "-f", writeFile(t, filepath.Join(dir, "count.nft"), fmt.Sprintf(countTable, ip)))
		defer try("nft", "delete", "table", "inet", "gvqcount")

		waitLine(t, con, 0, `^DONE`, 120*time.Second)
		lines := strings.Join(guestLines(con), "\n")
		if !strings.Contains(lines, "LEGIT ok") {
			t.Errorf("traffic from the learned address did not pass:\n%s", lines)
		}
		t.Logf("guest: %s; counted at the bridge: legit=%d spoofed-ip=%d spoofed-mac=%d",
			strings.ReplaceAll(lines, "\n", " | "), counter(t, "legit"), counter(t, "spoofip"), counter(t, "spoofmac"))
		if got := counter(t, "legit"); got == 0 {
			t.Errorf("no legitimate packet counted at the bridge")
		}
		if got := counter(t, "spoofip"); got != 0 {
			t.Errorf("%d packets with a spoofed source IP reached the bridge", got)
		}
		if got := counter(t, "spoofmac"); got != 0 {
			t.Errorf("%d packets with a spoofed source MAC reached the bridge", got)
		}
		if strings.Contains(lines, "SPOOFIP ok") || strings.Contains(lines, "SPOOFMAC ok") {
			t.Errorf("spoofed traffic got answers:\n%s", lines)
		}

		d.virsh("destroy", "fg")
		if out := d.virsh("nwfilter-binding-list"); strings.Contains(out, tap) {
			t.Errorf("binding left after destroy:\n%s", out)
		}
		rules := run(t, "nft", "list", "ruleset")
		if strings.Contains(rules, tap) {
			t.Errorf("rules for %s left after destroy:\n%s", tap, rules)
		}
		if out, err := try("ebtables", "-L"); err == nil && strings.Contains(out, tap) {
			t.Errorf("ebtables rules for %s left after destroy:\n%s", tap, out)
		}
		if taps := hostTaps(t); len(taps) != 0 {
			t.Errorf("guest devices left after destroy: %v", taps)
		}
	})

	pid, _ := os.ReadFile(filepath.Join(root, "run/libvirt/network/gvqnat.pid"))
	d.virsh("net-destroy", "gvqnat")
	rules := run(t, "nft", "list", "ruleset")
	for _, s := range []string{"gvqbr0", "192.168.141", "gvqup0", "masquerade"} {
		if strings.Contains(rules, s) {
			t.Errorf("ruleset still mentions %s:\n%s", s, rules)
		}
	}
	if out, _ := try("ip", "link", "show", "gvqbr0"); !strings.Contains(out, "does not exist") {
		t.Errorf("bridge left behind: %s", out)
	}
	if p, err := strconv.Atoi(strings.TrimSpace(string(pid))); err != nil {
		t.Error("dnsmasq wrote no pid file")
	} else if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p)); err == nil && !strings.Contains(string(data), ") Z") {
		t.Errorf("dnsmasq %d still runs", p)
	}
	for _, sub := range []string{"run/libvirt/network", "var/lib/libvirt/dnsmasq"} {
		entries, _ := os.ReadDir(filepath.Join(root, sub))
		for _, e := range entries {
			t.Errorf("file left behind: %s/%s", sub, e.Name())
		}
	}
	d.virsh("net-undefine", "gvqnat")
	try("ip", "link", "del", "gvqup0")
}

// buildLeaseHelper puts govirt-leaseshelper beside the govirtd binary bin,
// where the network driver looks for dnsmasq's lease script.
func buildLeaseHelper(t *testing.T, bin string) {
	t.Helper()
	if out, err := exec.Command("go", "build", "-o", filepath.Dir(bin), "../../../cmd/govirt-leaseshelper").CombinedOutput(); err != nil {
		t.Fatalf("building the lease helper: %v\n%s", err, out)
	}
}
