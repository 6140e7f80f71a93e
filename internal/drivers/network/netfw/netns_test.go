package netfw

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/firewall"
)

// nsRunner runs every command inside a network namespace.
type nsRunner struct {
	ns string
	r  cmdrun.Runner
}

func (n nsRunner) wrap(c *cmdrun.Cmd) *cmdrun.Cmd {
	d := *c
	d.Argv = append([]string{"ip", "netns", "exec", n.ns}, c.Argv...)
	return &d
}

func (n nsRunner) Run(ctx context.Context, c *cmdrun.Cmd) (cmdrun.Result, error) {
	return n.r.Run(ctx, n.wrap(c))
}

func (n nsRunner) Start(ctx context.Context, c *cmdrun.Cmd) (cmdrun.Process, error) {
	return n.r.Start(ctx, n.wrap(c))
}

func (n nsRunner) sh(t *testing.T, script string) string {
	t.Helper()
	res, err := n.Run(context.Background(), cmdrun.New("sh", "-c", script))
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return string(res.Stdout)
}

// newNamespace creates a network namespace for the test and removes it
// when the test ends; it skips without root or the tools.
func newNamespace(t *testing.T) nsRunner {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a network namespace")
	}
	for _, p := range []string{"ip", "nft", "sh", "bash"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed", p)
		}
	}
	ns := fmt.Sprintf("govirt-netfw-%d-%d", os.Getpid(), time.Now().UnixNano()%100000)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	return nsRunner{ns: ns, r: &cmdrun.Exec{}}
}

const natForwardDevXML = `<network>
  <name>fwtest</name>
  <forward mode='nat' dev='fwd0'/>
  <bridge name='virbr0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`

var allowOutCounter = regexp.MustCompile(`ip saddr 192\.168\.122\.0/24 iif "virbr0" oifname "fwd0" counter packets ([0-9]+) `)

// forwardedOut reads the packet counter of the rule letting the guests'
// traffic out of the forward device.
func forwardedOut(t *testing.T, host nsRunner) int {
	t.Helper()
	out := host.sh(t, "nft list chain ip libvirt_network guest_output")
	m := allowOutCounter.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no rule letting the bridge out through fwd0 in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// sendThroughForwardDev (re)creates the forward device (a veth whose
// peer stays unused) and has the guest send UDP datagrams beyond it, so
// the host forwards them from the bridge out of the device.
func sendThroughForwardDev(t *testing.T, host, guest nsRunner) {
	t.Helper()
	host.sh(t, "ip link add fwd0 type veth peer name fwd0p && ip link set fwd0 up && ip link set fwd0p up && "+
		"ip route add 10.99.0.0/24 dev fwd0")
	guest.sh(t, "for i in 1 2 3; do bash -c 'echo x > /dev/udp/10.99.0.2/9'; done; true")
}

var counterValues = regexp.MustCompile(`counter packets [0-9]+ bytes [0-9]+`)

func withoutCounters(ruleset string) string {
	return counterValues.ReplaceAllString(ruleset, "counter")
}

func TestRealNftablesInNamespace(t *testing.T) {
	ns := newNamespace(t)
	guest := newNamespace(t)
	ctx := context.Background()
	ns.sh(t, "ip link add virbr0 type bridge && ip link set virbr0 up && ip addr add 192.168.122.1/24 dev virbr0 && "+
		"sysctl -qw net.ipv4.ip_forward=1 && "+
		"ip link add vnet0 type veth peer name eth0 netns "+guest.ns+" && ip link set vnet0 master virbr0 && ip link set vnet0 up")
	guest.sh(t, "ip link set lo up && ip link set eth0 up && ip addr add 192.168.122.10/24 dev eth0 && ip route add default via 192.168.122.1")

	// The one-time set-up on a pristine namespace.
	var changed bool
	for _, l := range []firewall.Layer{firewall.IPv4, firewall.IPv6} {
		if _, err := Setup(firewall.Nftables, l, &changed).Apply(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}
	if !changed {
		t.Fatal("set-up created no chain on a pristine host")
	}
	pristine := withoutCounters(ns.sh(t, "nft list ruleset"))

	// A second set-up, as after a daemon restart, finds everything.
	rec := cmdrun.NewRecorder()
	changed = false
	listing := ns.sh(t, "nft list table ip libvirt_network")
	rec.Respond(cmdrun.Response{Match: []string{"nft", "list"}, Stdout: listing})
	if _, err := Setup(firewall.Nftables, firewall.IPv4, &changed).Apply(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if changed || len(rec.Commands()) != 1 {
		t.Fatalf("set-up of an existing table issued:\n%s", rec)
	}

	def, err := network.Parse([]byte(natForwardDevXML))
	if err != nil {
		t.Fatal(err)
	}
	// The forward device does not exist yet: the start must succeed.
	m := &Manager{Backend: firewall.Nftables, Runner: ns}
	rm, err := m.Add(ctx, def)
	if err != nil {
		t.Fatal(err)
	}
	ruleset := ns.sh(t, "nft list ruleset")
	for _, want := range []string{`iif "virbr0" counter`, `oif "virbr0" counter`, `oifname "fwd0"`, `iifname "fwd0"`, "masquerade"} {
		if !strings.Contains(ruleset, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, ruleset)
		}
	}
	for _, table := range []string{"table ip filter", "table ip nat"} {
		if strings.Contains(ruleset, table) {
			t.Errorf("the system's %s was touched:\n%s", table, ruleset)
		}
	}

	// The device appears: the rules match it by name.
	sendThroughForwardDev(t, ns, guest)
	first := forwardedOut(t, ns)
	if first == 0 {
		t.Fatal("no guest packet was let out through the new forward device")
	}
	// Deleted and re-created with a new ifindex, it still matches.
	ns.sh(t, "ip link del fwd0")
	sendThroughForwardDev(t, ns, guest)
	if again := forwardedOut(t, ns); again <= first {
		t.Fatalf("re-created forward device no longer matched: %d then %d packets", first, again)
	}

	// The recorded removal survives the status XML and undoes everything.
	saved, err := firewall.Parse([]byte(rm.String()))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Remove(ctx, saved); err != nil {
		t.Fatal(err)
	}
	if after := withoutCounters(ns.sh(t, "nft list ruleset")); after != pristine {
		t.Fatalf("rules left after removal:\n--- before\n%s--- after\n%s", pristine, after)
	}
}
