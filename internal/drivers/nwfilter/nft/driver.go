// Package nft is govirt's nftables technology driver for network
// filters. libvirt has no such backend; this one keeps libvirt's
// semantics (the same chains, priorities, directions and verdicts as the
// ebiptables driver) in one private table, "bridge govirt-nwfilter", and
// applies every change as a single nft transaction, so a filter switches
// over atomically and a failure leaves the previous rules untouched.
// docs/nwfilter-nftables.md describes the layout.
package nft

import (
	"context"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
)

// Name is the technology driver's name.
const Name = "nft"

// Table is the private table, in the bridge family.
const Table = "govirt-nwfilter"

// Base chains: the first two see frames from and to guests as ebtables'
// nat PREROUTING and POSTROUTING do; forward and input see them where
// iptables' FORWARD and INPUT would.
var baseChains = []struct{ name, hook, prio string }{
	{"prerouting", "prerouting", "-300"},
	{"postrouting", "postrouting", "300"},
	{"forward", "forward", "0"},
	{"input", "input", "0"},
}

// Per-interface chain kinds, with the base chain that dispatches to them
// and how (by input or output interface).
var kinds = []struct{ kind, base, key string }{
	{"ebout", "prerouting", "iifname"}, // frames from the guest (libvirt-J/I)
	{"ebin", "postrouting", "oifname"}, // frames to the guest (libvirt-P/O)
	{"fwdout", "forward", "iifname"},   // forwarded from the guest (FJ/FI)
	{"fwdin", "forward", "oifname"},    // forwarded to the guest (FP/FO)
	{"hostout", "input", "iifname"},    // from the guest to the host (HJ/HI)
}

// Driver runs nft through Runner.
type Driver struct {
	Runner cmdrun.Runner
	mu     sync.Mutex
	// conntrack is whether the kernel evaluates ct expressions in the
	// bridge family; nil until probed.
	conntrack *bool
}

// New returns a driver running nft through r.
func New(r cmdrun.Runner) *Driver { return &Driver{Runner: r} }

// Available reports whether nft can be run.
func (d *Driver) Available(ctx context.Context) bool {
	_, err := d.Runner.Run(ctx, cmdrun.New("nft", "--version"))
	return err == nil
}

// SetConntrack fixes whether state matches are used, instead of probing.
func (d *Driver) SetConntrack(on bool) { d.conntrack = &on }

func (d *Driver) hasConntrack(ctx context.Context) bool {
	if d.conntrack == nil {
		probe := "add table bridge govirt-nwfilter-probe\n" +
			"add chain bridge govirt-nwfilter-probe c\n" +
			"add rule bridge govirt-nwfilter-probe c ct state established accept\n" +
			"delete table bridge govirt-nwfilter-probe\n"
		c := cmdrun.New("nft", "-f", "-")
		c.Stdin = []byte(probe)
		_, err := d.Runner.Run(ctx, c)
		on := err == nil
		d.conntrack = &on
	}
	return *d.conntrack
}

var plainIfname = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// ifPart is the interface's part of its chain names: the name itself
// when nft accepts it in an identifier, else "_x" and its hex.
func ifPart(ifname string) string {
	if plainIfname.MatchString(ifname) {
		return ifname
	}
	return "_x" + hex.EncodeToString([]byte(ifname))
}

func ifFromPart(p string) string {
	if strings.HasPrefix(p, "_x") {
		if b, err := hex.DecodeString(p[2:]); err == nil {
			return string(b)
		}
	}
	return p
}

func chainName(ifname, kind string, suffix ...string) string {
	return strings.Join(append([]string{ifPart(ifname), kind}, suffix...), "-")
}

var chainLine = regexp.MustCompile(`^\s*chain (\S+) \{`)

// listChains returns the table's chains, none when it does not exist.
func (d *Driver) listChains(ctx context.Context) []string {
	res, err := d.Runner.Run(ctx, cmdrun.New("nft", "list", "table", "bridge", Table))
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		if m := chainLine.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// Apply replaces the interface's rules with rules, atomically.
func (d *Driver) Apply(ctx context.Context, ifname string, rules []*gentech.RuleInst) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	script, err := Script(ifname, rules, d.listChains(ctx), d.hasConntrack(ctx))
	if err != nil {
		return err
	}
	return d.run(ctx, script)
}

// Teardown removes every rule of the interface.
func (d *Driver) Teardown(ctx context.Context, ifname string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	existing := d.listChains(ctx)
	if len(existing) == 0 {
		return nil
	}
	script, err := Script(ifname, nil, existing, false)
	if err != nil {
		return err
	}
	return d.run(ctx, script)
}

func (d *Driver) run(ctx context.Context, script string) error {
	c := cmdrun.New("nft", "-f", "-")
	c.Stdin = []byte(script)
	_, err := d.Runner.Run(ctx, c)
	return err
}

// Script builds the transaction that gives ifname the rules (none: takes
// them away), keeping the other interfaces' chains, given the chains the
// table has now.
func Script(ifname string, rules []*gentech.RuleInst, existing []string, conntrack bool) (string, error) {
	tb := "bridge " + Table
	var body strings.Builder
	chains := map[string]bool{}
	var order []string
	newChain := func(name string) {
		if !chains[name] {
			chains[name] = true
			order = append(order, name)
		}
	}
	rule := func(chain, text string) { fmt.Fprintf(&body, "add rule %s %s %s\n", tb, chain, text) }
	if err := buildRules(ifname, rules, conntrack, newChain, rule); err != nil {
		return "", err
	}

	var b strings.Builder
	fmt.Fprintf(&b, "add table %s\n", tb)
	for _, bc := range baseChains {
		fmt.Fprintf(&b, "add chain %s %s { type filter hook %s priority %s; policy accept; }\n", tb, bc.name, bc.hook, bc.prio)
		fmt.Fprintf(&b, "flush chain %s %s\n", tb, bc.name)
	}
	// the interface's old chains go; jumps between them are flushed first
	mine := ifPart(ifname) + "-"
	var old []string
	others := map[string]map[string]bool{}
	for _, c := range existing {
		if strings.HasPrefix(c, mine) {
			old = append(old, c)
			continue
		}
		part, rest, ok := strings.Cut(c, "-")
		if !ok {
			continue
		}
		kind, _, _ := strings.Cut(rest, "-")
		if others[part] == nil {
			others[part] = map[string]bool{}
		}
		others[part][kind] = true
	}
	for _, c := range old {
		fmt.Fprintf(&b, "flush chain %s %s\n", tb, c)
	}
	for _, c := range old {
		fmt.Fprintf(&b, "delete chain %s %s\n", tb, c)
	}
	for _, c := range order {
		fmt.Fprintf(&b, "add chain %s %s\n", tb, c)
	}
	b.WriteString(body.String())
	// dispatch from the base chains, for every interface that has rules
	parts := make([]string, 0, len(others))
	for p := range others {
		parts = append(parts, p)
	}
	sort.Strings(parts)
	for _, k := range kinds {
		for _, p := range parts {
			if others[p][k.kind] {
				fmt.Fprintf(&b, "add rule %s %s %s %q jump %s-%s\n", tb, k.base, k.key, ifFromPart(p), p, k.kind)
			}
		}
		if chains[chainName(ifname, k.kind)] {
			fmt.Fprintf(&b, "add rule %s %s %s %q jump %s\n", tb, k.base, k.key, ifname, chainName(ifname, k.kind))
		}
	}
	return b.String(), nil
}
