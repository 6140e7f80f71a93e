package firewall

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/virt/virterr"
)

func TestRemovalRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rm, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if got := rm.String(); got != string(data) {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", f, data, got)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, doc := range []string{
		`<firewall backend='pf'/>`,
		`<firewall/>`,
		`<firewall backend='nftables'><action layer='arp'><args><item>x</item></args></action></firewall>`,
		`<firewall backend='nftables'><action layer='ipv4'/></firewall>`,
		`<firewall backend='nftables'><action layer='ipv4'><args/></action></firewall>`,
		`<network/>`,
		`<firewall`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s parsed", doc)
		}
	}
}

func TestNftRuleRemovalFromHandle(t *testing.T) {
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"nft", "-ae"}, Stdout: "insert rule ip t c counter accept # handle 42\n"})
	fw := New(Nftables)
	g := fw.StartTransaction(AutoRollback)
	g.Add(IPv4, "insert", "rule", "ip", "t", "c", "counter", "accept")
	g.Add(IPv4, "add", "chain", "ip", "t", "d") // not a rule: nothing to record
	rm, err := fw.Apply(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"nft", "delete", "rule", "ip", "t", "c", "handle", "42"}}
	if got := rm.Argvs(); len(got) != 1 || strings.Join(got[0], " ") != strings.Join(want[0], " ") {
		t.Fatalf("removal %v, want %v", got, want)
	}
	if argv := rec.Commands()[1].Argv; strings.Join(argv, " ") != "nft add chain ip t d" {
		t.Errorf("a chain addition got %v", argv)
	}
}

func TestNftMissingHandleFails(t *testing.T) {
	fw := New(Nftables)
	fw.StartTransaction(AutoRollback).Add(IPv4, "insert", "rule", "ip", "t", "c", "accept")
	if _, err := fw.Apply(context.Background(), cmdrun.NewRecorder()); !errors.Is(err, virterr.InternalError) {
		t.Fatalf("got %v", err)
	}
}

func TestNftListOfMissingTableIsEmpty(t *testing.T) {
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"nft", "list"}, ExitCode: 1, Stderr: "No such file or directory"})
	fw := New(Nftables)
	var seen []string
	seen = append(seen, "unset")
	fw.StartTransaction(0).AddQuery(IPv4, false, func(g *Group, lines []string) error {
		seen = lines
		g.Add(IPv4, "add", "table", "ip", "t")
		return nil
	}, "list", "table", "ip", "t")
	if _, err := fw.Apply(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 || len(rec.Commands()) != 2 {
		t.Fatalf("lines %q, commands:\n%s", seen, rec)
	}
}

func TestIgnoreErrorsGroup(t *testing.T) {
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"iptables", "-w", "--table", "mangle"}, ExitCode: 2})
	fw := New(Iptables)
	fw.StartTransaction(AutoRollback).Add(IPv4, "--table", "filter", "--append", "X", "--jump", "ACCEPT")
	fw.StartTransaction(AutoRollback|IgnoreErrors).Add(IPv4, "--table", "mangle", "--insert", "Y", "--jump", "CHECKSUM")
	rm, err := fw.Apply(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(rm.Cmds) != 1 || rm.Cmds[0].Args[2] != "--delete" {
		t.Fatalf("removal %+v: only the rule that was added must be recorded", rm.Cmds)
	}
}

func TestLayerPrograms(t *testing.T) {
	for _, c := range []struct {
		b    Backend
		l    Layer
		want string
	}{
		{Iptables, IPv4, "iptables -w"},
		{Iptables, IPv6, "ip6tables -w"},
		{Iptables, Ethernet, "ebtables --concurrent"},
		{Nftables, IPv6, "nft"},
	} {
		cmd := &Cmd{Layer: c.l, backend: c.b, Args: []string{"x"}}
		if got := strings.Join(cmd.Argv(false), " "); got != c.want+" x" {
			t.Errorf("%s/%s: %s", c.b, c.l, got)
		}
	}
}

func TestRemovalApplyContinuesPastFailures(t *testing.T) {
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"nft", "delete", "rule", "ip", "t", "a"}, ExitCode: 1})
	rm := &Removal{Backend: Nftables, Cmds: []RemovalCmd{
		{Layer: IPv4, Args: []string{"delete", "rule", "ip", "t", "a", "handle", "1"}},
		{Layer: IPv4, Args: []string{"delete", "rule", "ip", "t", "b", "handle", "2"}},
	}}
	if err := rm.Apply(context.Background(), rec); err == nil {
		t.Error("a failed removal was not reported")
	}
	if len(rec.Commands()) != 2 {
		t.Errorf("removal stopped early:\n%s", rec)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rm, err := Parse(data)
		if err != nil {
			return
		}
		out := rm.String()
		again, err := Parse([]byte(out))
		if err != nil {
			t.Fatalf("formatted removal does not parse: %v\n%s", err, out)
		}
		if again.String() != out {
			t.Fatalf("format∘parse is not a fixed point:\n%s\n%s", out, again.String())
		}
	})
}
