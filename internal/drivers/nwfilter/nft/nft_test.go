package nft

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/internal/drivers/nwfilter/library"
	"github.com/govirt/govirt/internal/golden"
	"github.com/govirt/govirt/virt/virterr"
)

func planRules(t *testing.T, filter string, extra string) []*gentech.RuleInst {
	t.Helper()
	defs, err := library.Defs()
	if err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		d, err := nwfilter.Parse([]byte(extra))
		if err != nil {
			t.Fatal(err)
		}
		defs[d.Name] = d
	}
	mac, _ := macaddr.Parse("52:54:00:aa:bb:cc")
	b := &nwfilter.Binding{PortDev: "vnet0", MAC: mac, Filter: nwfilter.FilterRef{
		Filter: filter, Params: nwfilter.Params{"IP": {"192.0.2.10"}},
	}}
	plan, err := gentech.PlanBinding(defs, b, "")
	if err != nil {
		t.Fatal(err)
	}
	return plan.Rules
}

const sshFilter = `<filter name='ssh-only' chain='root'>
  <filterref filter='clean-traffic'/>
  <rule action='accept' direction='in' priority='100'><tcp dstportstart='22' comment='ssh'/></rule>
  <rule action='accept' direction='out' priority='200'><icmp/></rule>
  <rule action='drop' direction='inout' priority='1000'><all/></rule>
</filter>`

func TestScripts(t *testing.T) {
	rules := planRules(t, "ssh-only", sshFilter)
	s, err := Script("vnet0", rules, []string{"prerouting", "vnet1-ebout", "vnet1-fwdin"}, true)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "ssh-only-conntrack.nft"), s)
	s, err = Script("vnet0", rules, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "ssh-only-stateless.nft"), s)
	s, err = Script("vnet0", nil, []string{"prerouting", "vnet0-ebout", "vnet0-ebout-mac", "vnet1-fwdin"}, false)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "teardown.nft"), s)
}

func TestUnsupportedAttributeFailsBeforeRunning(t *testing.T) {
	rules := planRules(t, "x", `<filter name='x'><rule action='accept' direction='out'><tcp connlimit-above='3'/></rule></filter>`)
	rec := cmdrun.NewRecorder()
	d := New(rec)
	d.SetConntrack(true)
	err := d.Apply(context.Background(), "vnet0", rules)
	if virterr.CodeOf(err) != virterr.ConfigUnsupported {
		t.Fatalf("err = %v", err)
	}
	for _, c := range rec.Commands() {
		if c.Argv[1] == "-f" {
			t.Errorf("a transaction ran: %v", c.Argv)
		}
	}
}

func TestIfnameEncoding(t *testing.T) {
	for _, n := range []string{"vnet0", "eth0.100", "tap-x", "macvtap3"} {
		if got := ifFromPart(ifPart(n)); got != n {
			t.Errorf("%s -> %s -> %s", n, ifPart(n), got)
		}
		if strings.ContainsAny(ifPart(n), ".-") {
			t.Errorf("%s: chain part %s", n, ifPart(n))
		}
	}
}

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

func TestRealRulesInNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	ns := fmt.Sprintf("govirt-nft-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	r := &nsRunner{ns: ns}
	ctx := context.Background()
	for _, args := range [][]string{
		{"ip", "link", "add", "vnet0", "type", "veth", "peer", "name", "vpeer0"},
		{"ip", "link", "add", "vnet1", "type", "veth", "peer", "name", "vpeer1"},
		{"ip", "link", "add", "br0", "type", "bridge"},
		{"ip", "link", "set", "vnet0", "master", "br0"},
		{"ip", "link", "set", "vnet1", "master", "br0"},
	} {
		if _, err := r.Run(ctx, cmdrun.New(args...)); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	list := func() string {
		res, err := r.Run(ctx, cmdrun.New("nft", "list", "ruleset"))
		if err != nil {
			t.Fatal(err)
		}
		return string(res.Stdout)
	}
	d := New(r)
	rules := planRules(t, "ssh-only", sshFilter)
	if err := d.Apply(ctx, "vnet0", rules); err != nil {
		t.Fatal(err)
	}
	if err := d.Apply(ctx, "vnet1", planRules(t, "clean-traffic", "")); err != nil {
		t.Fatal(err)
	}
	// instantiating again replaces, never duplicates
	if err := d.Apply(ctx, "vnet0", planRules(t, "ssh-only", sshFilter)); err != nil {
		t.Fatal(err)
	}
	got := list()
	t.Logf("conntrack in the bridge family: %v", *d.conntrack)
	for _, want := range []string{
		"table bridge govirt-nwfilter", "chain vnet0-ebout", "chain vnet0-ebout-mac", "chain vnet0-fwdin",
		"chain vnet1-ebout", `iifname "vnet0" jump vnet0-ebout`, `iifname "vnet1" jump vnet1-ebout`,
		"ether saddr 52:54:00:aa:bb:cc return", "tcp dport 22",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("%q missing from\n%s", want, got)
		}
	}
	if n := strings.Count(got, `iifname "vnet0" jump vnet0-ebout`); n != 1 {
		t.Errorf("dispatch rule for vnet0 appears %d times", n)
	}

	// a rule the backend cannot express changes nothing
	bad := planRules(t, "x", `<filter name='x'><rule action='accept' direction='out'><tcp connlimit-above='3'/></rule></filter>`)
	if err := d.Apply(ctx, "vnet0", bad); err == nil {
		t.Fatal("unsupported rule accepted")
	}
	if after := list(); after != got {
		t.Errorf("a failed update changed the ruleset")
	}

	if err := d.Teardown(ctx, "vnet0"); err != nil {
		t.Fatal(err)
	}
	left := list()
	if strings.Contains(left, "vnet0") {
		t.Errorf("vnet0 rules left:\n%s", left)
	}
	if !strings.Contains(left, `iifname "vnet1" jump vnet1-ebout`) {
		t.Errorf("vnet1 lost its rules:\n%s", left)
	}
	if err := d.Teardown(ctx, "vnet1"); err != nil {
		t.Fatal(err)
	}
	if left := list(); strings.Contains(left, "vnet") {
		t.Errorf("rules left:\n%s", left)
	}
}
