package netfw

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/firewall"
	"github.com/govirt/govirt/internal/golden"
	"github.com/govirt/govirt/virt/virterr"
)

// handleRecorder fakes nft's echoed rule handles, numbering from 1.
func handleRecorder() *cmdrun.Recorder {
	rec := cmdrun.NewRecorder()
	n := 0
	rec.Respond(cmdrun.Response{Match: []string{"nft", "-ae"}, Handler: func(c *cmdrun.Cmd) (cmdrun.Result, error) {
		n++
		return cmdrun.Result{Stdout: []byte(fmt.Sprintf("%s # handle %d\n", strings.Join(c.Argv[2:], " "), n))}, nil
	}})
	return rec
}

func parseFile(t *testing.T, path string) *network.Def {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	def, err := network.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// TestGolden applies each testdata network with both backends and checks
// the commands issued and the removal recorded for them.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.xml")
	if len(inputs) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range inputs {
		base := strings.TrimSuffix(in, ".xml")
		for _, b := range []firewall.Backend{firewall.Nftables, firewall.Iptables} {
			t.Run(filepath.Base(base)+"/"+string(b), func(t *testing.T) {
				def := parseFile(t, in)
				fw, err := Build(b, def)
				if err != nil {
					t.Fatal(err)
				}
				rec := handleRecorder()
				rm, err := fw.Apply(context.Background(), rec)
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, base+"."+string(b), rec.String())
				golden.Check(t, base+"."+string(b)+".removal", rm.String())

				// Removing runs exactly the recorded commands.
				undo := cmdrun.NewRecorder()
				if err := rm.Apply(context.Background(), undo); err != nil {
					t.Fatal(err)
				}
				if got := len(undo.Commands()); got != len(rec.Commands()) {
					t.Errorf("%d rules added but %d removed", len(rec.Commands()), got)
				}
			})
		}
	}
}

func TestRollbackOnFailure(t *testing.T) {
	def := parseFile(t, "testdata/nat-snat-range.xml")
	fw, err := Build(firewall.Iptables, def)
	if err != nil {
		t.Fatal(err)
	}
	rec := cmdrun.NewRecorder()
	// The third rule fails: the two added before it are deleted again.
	calls := 0
	rec.Respond(cmdrun.Response{Match: []string{"iptables"}, Handler: func(c *cmdrun.Cmd) (cmdrun.Result, error) {
		if c.Argv[4] == "--insert" {
			calls++
			if calls == 3 {
				return cmdrun.Result{Status: cmdrun.ExitStatus{Code: 1}}, &cmdrun.ExitError{Argv: c.Argv, Status: cmdrun.ExitStatus{Code: 1}}
			}
		}
		return cmdrun.Result{}, nil
	}})
	if _, err := fw.Apply(context.Background(), rec); err == nil {
		t.Fatal("a failing rule did not fail the transaction")
	}
	cmds := rec.Commands()
	if len(cmds) != 5 {
		t.Fatalf("want 3 insertions and 2 deletions, got:\n%s", rec)
	}
	for i, want := range []int{1, 0} {
		del := cmds[3+i].Argv
		ins := cmds[want].Argv
		if del[4] != "--delete" || strings.Join(del[5:], " ") != strings.Join(ins[5:], " ") {
			t.Errorf("rollback %d is %v, want the deletion of %v", i, del, ins)
		}
	}
}

func TestManagerSetsUpOnce(t *testing.T) {
	rec := handleRecorder()
	m := &Manager{Backend: firewall.Nftables, Runner: rec}
	def := parseFile(t, "testdata/route-ipv6-nogw.xml")
	for i := 0; i < 2; i++ {
		if _, err := m.Add(context.Background(), def); err != nil {
			t.Fatal(err)
		}
	}
	lists := 0
	for _, c := range rec.Commands() {
		if len(c.Argv) > 1 && c.Argv[1] == "list" {
			lists++
		}
	}
	if lists != 2 {
		t.Errorf("private tables listed %d times, want once per family:\n%s", lists, rec)
	}
}

func TestManagerFamilySetupFailure(t *testing.T) {
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"ip6tables"}, ExitCode: 3, Stderr: "no ip6 tables"})
	m := &Manager{Backend: firewall.Iptables, Runner: rec}
	// IPv4 only: the broken IPv6 set-up does not matter.
	v4 := parseFile(t, "testdata/nat-snat-range.xml")
	v4.IPs = v4.IPs[:1]
	if _, err := m.Add(context.Background(), v4); err != nil {
		t.Fatalf("IPv4-only network failed on the IPv6 set-up: %v", err)
	}
	if _, err := m.Add(context.Background(), parseFile(t, "testdata/isolated-ipv6-only.xml")); err == nil {
		t.Fatal("IPv6 network started although the IPv6 chains could not be set up")
	}
}

func TestBridgeZoneNeedsFirewalld(t *testing.T) {
	def := parseFile(t, "testdata/route-ipv6-nogw.xml")
	def.BridgeZone = "trusted"
	m := &Manager{Backend: firewall.Nftables, Runner: handleRecorder()}
	_, err := m.Add(context.Background(), def)
	if !errors.Is(err, virterr.InternalError) {
		t.Fatalf("got %v", err)
	}
}

func TestConfigAndBackendChoice(t *testing.T) {
	has := func(names ...string) func(string) (string, error) {
		return func(p string) (string, error) {
			for _, n := range names {
				if n == p {
					return "/usr/sbin/" + p, nil
				}
			}
			return "", errors.New("not found")
		}
	}
	cases := []struct {
		conf    string
		tools   []string
		want    firewall.Backend
		wantErr bool
	}{
		{"", []string{"nft", "iptables"}, firewall.Nftables, false},
		{"", []string{"iptables"}, firewall.Iptables, false},
		{"", nil, "", true},
		{`firewall_backend = "iptables"`, []string{"nft", "iptables"}, firewall.Iptables, false},
		{`firewall_backend = "nftables"`, []string{"iptables"}, "", true},
		{`firewall_backend = "pf"`, []string{"nft"}, "", true},
		{`firewall_backend = 1`, []string{"nft"}, "", true},
	}
	for _, c := range cases {
		cfg, err := ParseConfig([]byte(c.conf), "network.conf")
		var got firewall.Backend
		if err == nil {
			got, err = ChooseBackend(cfg, has(c.tools...))
		}
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%q with %v: got %q, %v; want %q (error %v)", c.conf, c.tools, got, err, c.want, c.wantErr)
		}
	}
	if cfg, err := ReadConfig(filepath.Join(t.TempDir(), "missing.conf")); err != nil || cfg.Backend != "" {
		t.Errorf("missing network.conf: %+v, %v", cfg, err)
	}
}

func TestInvalidPortRange(t *testing.T) {
	def := parseFile(t, "testdata/nat-snat-range.xml")
	def.Forward.NAT.PortStart, def.Forward.NAT.PortEnd = 3000, 2000
	for _, b := range []firewall.Backend{firewall.Nftables, firewall.Iptables} {
		if _, err := Build(b, def); !errors.Is(err, virterr.InternalError) {
			t.Errorf("%s: reversed port range gave %v", b, err)
		}
	}
}

func BenchmarkBuildAndApply(b *testing.B) {
	data, err := os.ReadFile("testdata/nat-snat-range.xml")
	if err != nil {
		b.Fatal(err)
	}
	def, err := network.Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		fw, err := Build(firewall.Nftables, def)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := fw.Apply(context.Background(), handleRecorder()); err != nil {
			b.Fatal(err)
		}
	}
}
