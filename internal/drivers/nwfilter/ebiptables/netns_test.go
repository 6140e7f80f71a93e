package ebiptables

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
)

// nsRunner runs every command inside a network namespace.
type nsRunner struct {
	ns   string
	exec cmdrun.Exec
}

func (r *nsRunner) wrap(c *cmdrun.Cmd) *cmdrun.Cmd {
	d := *c
	d.Argv = append([]string{"ip", "netns", "exec", r.ns}, c.Argv...)
	return &d
}

func (r *nsRunner) Run(ctx context.Context, c *cmdrun.Cmd) (cmdrun.Result, error) {
	return r.exec.Run(ctx, r.wrap(c))
}

func (r *nsRunner) Start(ctx context.Context, c *cmdrun.Cmd) (cmdrun.Process, error) {
	return r.exec.Start(ctx, r.wrap(c))
}

// NetNS gives a test a fresh network namespace holding a bridge br0 with
// the veth vnet0 (standing in for a guest's tap) as a port; it is removed
// when the test ends.
func NetNS(t *testing.T) *nsRunner {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	for _, tool := range []string{"ip", "ebtables", "iptables", "ip6tables"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	ns := fmt.Sprintf("govirt-nwf-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	r := &nsRunner{ns: ns}
	for _, args := range [][]string{
		{"ip", "link", "add", "vnet0", "type", "veth", "peer", "name", "vpeer0"},
		{"ip", "link", "add", "br0", "type", "bridge"},
		{"ip", "link", "set", "vnet0", "master", "br0"},
		{"ip", "link", "set", "vnet0", "up"},
		{"ip", "link", "set", "br0", "up"},
	} {
		if _, err := r.Run(context.Background(), cmdrun.New(args...)); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	return r
}

func (r *nsRunner) output(t *testing.T, args ...string) string {
	t.Helper()
	res, err := r.Run(context.Background(), cmdrun.New(args...))
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return string(res.Stdout)
}

// ruleset is everything ebtables and iptables hold in the namespace.
func (r *nsRunner) ruleset(t *testing.T) string {
	return r.output(t, "ebtables", "-t", "nat", "-L") + r.output(t, "iptables", "-S") + r.output(t, "ip6tables", "-S")
}

func TestRealRulesInNamespace(t *testing.T) {
	r := NetNS(t)
	ctx := context.Background()
	d := New(r)
	if err := d.ApplyNewRules(ctx, "vnet0", cleanTrafficRulesWithIPv4(t)); err != nil {
		t.Fatal(err)
	}
	tmp := r.ruleset(t)
	for _, want := range []string{"libvirt-J-vnet0", "J-vnet0-mac", "-i vnet0 -j libvirt-J-vnet0", "-N FJ-vnet0", "-N HJ-vnet0", "-N FP-vnet0"} {
		if !strings.Contains(tmp, want) {
			t.Errorf("after ApplyNewRules, %q missing from\n%s", want, tmp)
		}
	}
	if err := d.TearOldRules(ctx, "vnet0"); err != nil {
		t.Fatal(err)
	}
	live := r.ruleset(t)
	for _, want := range []string{
		"Bridge chain: libvirt-I-vnet0", "Bridge chain: libvirt-O-vnet0", "Bridge chain: I-vnet0-mac",
		"-s 52:54:00:aa:bb:cc -j RETURN", "--ip-src 192.0.2.10 -j RETURN",
		"-i vnet0 -j libvirt-I-vnet0", "-o vnet0 -j libvirt-O-vnet0",
		"-N FI-vnet0", "-N FO-vnet0", "-N HI-vnet0",
		"-A libvirt-in -m physdev --physdev-in vnet0 -g FI-vnet0",
		"-A FI-vnet0 -p tcp -m tcp --dport 22",
	} {
		if !strings.Contains(live, want) {
			t.Errorf("after the switch-over, %q missing from\n%s", want, live)
		}
	}
	if strings.Contains(live, "J-vnet0") || strings.Contains(live, "P-vnet0") {
		t.Errorf("temporary chains left after the switch-over:\n%s", live)
	}

	// a second instantiation switches over again without a gap
	if err := d.ApplyNewRules(ctx, "vnet0", cleanTrafficRulesWithIPv4(t)); err != nil {
		t.Fatal(err)
	}
	both := r.ruleset(t)
	if !strings.Contains(both, "libvirt-I-vnet0") || !strings.Contains(both, "libvirt-J-vnet0") {
		t.Errorf("old and new chains should coexist before the switch:\n%s", both)
	}
	if err := d.TearOldRules(ctx, "vnet0"); err != nil {
		t.Fatal(err)
	}

	if err := d.AllTeardown(ctx, "vnet0"); err != nil {
		t.Fatal(err)
	}
	left := r.ruleset(t)
	for _, gone := range []string{"vnet0"} {
		if strings.Contains(left, gone) {
			t.Errorf("rules for %s left after teardown:\n%s", gone, left)
		}
	}
}
