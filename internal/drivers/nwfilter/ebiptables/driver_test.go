package ebiptables

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/internal/drivers/nwfilter/library"
	"github.com/govirt/govirt/internal/golden"
)

func cleanTrafficRules(t *testing.T) []*gentech.RuleInst {
	t.Helper()
	defs, err := library.Defs()
	if err != nil {
		t.Fatal(err)
	}
	mac, _ := macaddr.Parse("52:54:00:aa:bb:cc")
	b := &nwfilter.Binding{PortDev: "vnet7", MAC: mac, Filter: nwfilter.FilterRef{
		Filter: "clean-traffic", Params: nwfilter.Params{"IP": {"192.0.2.10"}},
	}}
	plan, err := gentech.PlanBinding(defs, b, "")
	if err != nil {
		t.Fatal(err)
	}
	return plan.Rules
}

func TestCleanTrafficCommands(t *testing.T) {
	ctx := context.Background()
	rec := cmdrun.NewRecorder()
	d := New(rec)
	if err := d.ApplyNewRules(ctx, "vnet7", cleanTrafficRules(t)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "clean-traffic-apply.args"), rec.String())

	rec.Reset()
	if err := d.TearOldRules(ctx, "vnet7"); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "tear-old.args"), rec.String())

	rec.Reset()
	if err := d.AllTeardown(ctx, "vnet7"); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "all-teardown.args"), rec.String())
}

func TestBasicRules(t *testing.T) {
	ctx := context.Background()
	rec := cmdrun.NewRecorder()
	d := New(rec)
	mac, _ := macaddr.Parse("52:54:00:aa:bb:cc")
	if err := d.ApplyDHCPOnlyRules(ctx, "vnet7", mac, []string{"192.0.2.1"}, false); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "dhcp-only.args"), rec.String())
}

// Sub chains found by listing are removed, recursively, before the
// root chains.
func TestSubChainsFoundByListing(t *testing.T) {
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"ebtables", "--concurrent", "-t", "nat", "-L", "libvirt-I-vnet7"},
		Stdout: "Bridge chain: libvirt-I-vnet7, entries: 1, policy: ACCEPT\n-p IPv4 -j I-vnet7-ipv4\n"})
	if err := New(rec).AllTeardown(context.Background(), "vnet7"); err != nil {
		t.Fatal(err)
	}
	out := rec.String()
	for _, want := range []string{"-L I-vnet7-ipv4", "-F I-vnet7-ipv4", "-X I-vnet7-ipv4"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// A failing command stops the build; the rollback removes what was
// built and the error says which command failed.
func TestFailureRollsBack(t *testing.T) {
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"iptables", "-w", "-N", "FJ-vnet7"}, ExitCode: 1, Stderr: "boom"})
	err := New(rec).ApplyNewRules(context.Background(), "vnet7", cleanTrafficRulesWithIPv4(t))
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	cmds := rec.Commands()
	last := cmds[len(cmds)-1]
	if got := strings.Join(last.Argv, " "); got != "ebtables --concurrent -t nat -X libvirt-P-vnet7" {
		t.Errorf("last command %q is not the rollback's", got)
	}
	for _, c := range cmds {
		if strings.Contains(strings.Join(c.Argv, " "), "-A FJ-vnet7") {
			t.Errorf("rule added after the failure: %v", c.Argv)
		}
	}
}

func cleanTrafficRulesWithIPv4(t *testing.T) []*gentech.RuleInst {
	d, err := nwfilter.Parse([]byte(`<filter name='x' chain='root'>
  <rule action='accept' direction='out'><tcp dstportstart='22'/></rule>
  <rule action='drop' direction='inout'><all/></rule>
</filter>`))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := gentech.DefToInst(gentech.FilterMap{}, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return append(cleanTrafficRules(t), rules...)
}

func TestBadRuleLeavesNothing(t *testing.T) {
	d, err := nwfilter.Parse([]byte(`<filter name='x' chain='stp'>
  <rule action='accept' direction='inout'><stp srcmacaddr='1:2:3:4:5:6'/></rule>
</filter>`))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := gentech.DefToInst(gentech.FilterMap{}, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := cmdrun.NewRecorder()
	err = New(rec).ApplyNewRules(context.Background(), "vnet7", rules)
	if err == nil || !strings.Contains(err.Error(), "STP filtering in inout direction") {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.Commands()); n != 0 {
		t.Errorf("%d commands ran for a filter that cannot be built", n)
	}
}

func FuzzApplyNewRules(f *testing.F) {
	for _, name := range library.Names() {
		data, _ := library.XML(name)
		f.Add(string(data))
	}
	f.Add(`<filter name='t'><rule action='accept' direction='in'><tcp srcipaddr='$A[@1]' dstportstart='$B[2]' state='NEW'/></rule></filter>`)
	f.Fuzz(func(t *testing.T, xml string) {
		def, err := nwfilter.Parse([]byte(xml))
		if err != nil {
			return
		}
		vars := nwfilter.Params{"MAC": {"52:54:00:00:00:01"}, "IP": {"10.0.0.1", "10.0.0.2"}, "A": {"1.2.3.4"}, "B": {"1", "2", "3"}}
		defs, _ := library.Defs()
		rules, err := gentech.DefToInst(defs, def, vars)
		if err != nil {
			return
		}
		_ = New(cmdrun.NewRecorder()).ApplyNewRules(context.Background(), "vnet0", rules)
	})
}
