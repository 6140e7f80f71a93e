// Package ebiptables is the ebtables/iptables/ip6tables technology
// driver of the network filter driver (libvirt's
// nwfilter_ebiptables_driver.c): it issues, through cmdrun, exactly the
// command sequences libvirt 9.0 issues to instantiate, switch over and
// tear down the filters of a guest's tap device.
//
// New rules are always built in temporary chains (libvirt-J/P-<if>,
// FJ/FP/HJ-<if>) beside the live ones; TearOldRules then removes the old
// chains and renames the new ones over them, so the guest is never left
// unfiltered while a filter changes. A failure while building runs the
// rollback, which removes everything temporary again.
package ebiptables

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
)

// Name is the technology driver's name, as libvirt's.
const Name = "ebiptables"

// Driver issues the commands through Runner. Commands for all interfaces
// are serialised, as libvirt does with its execCLIMutex.
type Driver struct {
	Runner cmdrun.Runner
	mu     sync.Mutex
}

// New returns a driver running commands through r.
func New(r cmdrun.Runner) *Driver { return &Driver{Runner: r} }

func (d *Driver) apply(ctx context.Context, fw *firewall) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fw.apply(ctx, d.Runner)
}

/* chain plumbing, in libvirt's helpers' order */

func iptCreateBaseChains(fw *firewall, l layer) {
	for _, c := range []string{virtInChain, virtOutChain, virtInPostChain, hostInChain} {
		fw.addRuleFull(l, true, nil, "-N", c)
	}
	fw.addRuleFull(l, true, nil, "-D", "FORWARD", "-j", virtInChain)
	fw.addRuleFull(l, true, nil, "-D", "FORWARD", "-j", virtOutChain)
	fw.addRuleFull(l, true, nil, "-D", "FORWARD", "-j", virtInPostChain)
	fw.addRuleFull(l, true, nil, "-D", "INPUT", "-j", hostInChain)
	fw.addRule(l, "-I", "FORWARD", "1", "-j", virtInChain)
	fw.addRule(l, "-I", "FORWARD", "2", "-j", virtOutChain)
	fw.addRule(l, "-I", "FORWARD", "3", "-j", virtInPostChain)
	fw.addRule(l, "-I", "INPUT", "1", "-j", hostInChain)
}

// iptRootChains are the three iptables chains of an interface: prefix
// letter, whether it filters traffic from the guest, and the base chain
// it hangs off.
var iptRootChains = []struct {
	p0       byte
	incoming bool
	base     string
}{
	{'F', false, virtOutChain},
	{'F', true, virtInChain},
	{'H', true, hostInChain},
}

func iptPrefix(incoming, temp bool) byte {
	switch {
	case temp && incoming:
		return prefixHostInTemp
	case temp:
		return prefixHostOutTemp
	case incoming:
		return prefixHostIn
	default:
		return prefixHostOut
	}
}

func iptCreateTmpRootChains(fw *firewall, l layer, ifname string) {
	for _, c := range iptRootChains {
		fw.addRule(l, "-N", iptChain(c.p0, iptPrefix(c.incoming, true), ifname))
	}
}

func iptRemoveRootChains(fw *firewall, l layer, ifname string, temp bool) {
	for _, c := range iptRootChains {
		chain := iptChain(c.p0, iptPrefix(c.incoming, temp), ifname)
		fw.addRuleFull(l, true, nil, "-F", chain)
		fw.addRuleFull(l, true, nil, "-X", chain)
	}
}

func iptLinkTmpRootChains(fw *firewall, l layer, ifname string) {
	for _, c := range iptRootChains {
		chain := iptChain(c.p0, iptPrefix(c.incoming, true), ifname)
		if c.incoming {
			fw.addRule(l, "-A", c.base, "-m", "physdev", "--physdev-in", ifname, "-g", chain)
		} else {
			fw.addRule(l, "-A", c.base, "-m", "physdev", "--physdev-is-bridged", "--physdev-out", ifname, "-g", chain)
		}
	}
}

func iptSetupVirtInPost(fw *firewall, l layer, ifname string) {
	fw.addRuleFull(l, true, nil, "-D", virtInPostChain, "-m", "physdev", "--physdev-in", ifname, "-j", "ACCEPT")
	fw.addRule(l, "-A", virtInPostChain, "-m", "physdev", "--physdev-in", ifname, "-j", "ACCEPT")
}

func iptClearVirtInPost(fw *firewall, l layer, ifname string) {
	fw.addRuleFull(l, true, nil, "-D", virtInPostChain, "-m", "physdev", "--physdev-in", ifname, "-j", "ACCEPT")
}

func iptUnlinkRootChains(fw *firewall, l layer, ifname string, temp bool) {
	for _, c := range iptRootChains {
		chain := iptChain(c.p0, iptPrefix(c.incoming, temp), ifname)
		if c.incoming {
			fw.addRuleFull(l, true, nil, "-D", c.base, "-m", "physdev", "--physdev-in", ifname, "-g", chain)
		} else {
			fw.addRuleFull(l, true, nil, "-D", c.base, "-m", "physdev", "--physdev-is-bridged", "--physdev-out", ifname, "-g", chain)
			// older libvirt linked without --physdev-is-bridged
			fw.addRuleFull(l, true, nil, "-D", c.base, "-m", "physdev", "--physdev-out", ifname, "-g", chain)
		}
	}
}

func iptRenameTmpRootChains(fw *firewall, l layer, ifname string) {
	for _, c := range iptRootChains {
		fw.addRule(l, "-E", iptChain(c.p0, iptPrefix(c.incoming, true), ifname), iptChain(c.p0, iptPrefix(c.incoming, false), ifname))
	}
}

func ebPrefix(incoming, temp bool) byte { return iptPrefix(incoming, temp) }

func ebCreateTmpRootChain(fw *firewall, incoming bool, ifname string) {
	fw.addRule(layerEthernet, "-t", "nat", "-N", rootChain(ebPrefix(incoming, true), ifname))
}

func ebBaseChain(incoming bool) (string, string) {
	if incoming {
		return "PREROUTING", "-i"
	}
	return "POSTROUTING", "-o"
}

func ebLinkTmpRootChain(fw *firewall, incoming bool, ifname string) {
	base, dir := ebBaseChain(incoming)
	fw.addRule(layerEthernet, "-t", "nat", "-A", base, dir, ifname, "-j", rootChain(ebPrefix(incoming, true), ifname))
}

func ebRemoveRootChain(fw *firewall, incoming bool, ifname string, temp bool) {
	chain := rootChain(ebPrefix(incoming, temp), ifname)
	fw.addRuleFull(layerEthernet, true, nil, "-t", "nat", "-F", chain)
	fw.addRuleFull(layerEthernet, true, nil, "-t", "nat", "-X", chain)
}

func ebUnlinkRootChain(fw *firewall, incoming bool, ifname string, temp bool) {
	base, dir := ebBaseChain(incoming)
	fw.addRuleFull(layerEthernet, true, nil, "-t", "nat", "-D", base, dir, ifname, "-j", rootChain(ebPrefix(incoming, temp), ifname))
}

// l3Protocols are the sub chain kinds, in libvirt's prefix-matching order,
// with the ethertype the root chain dispatches on (0: none).
var l3Protocols = []struct {
	name  string
	etype uint16
}{
	{"ipv4", 0x0800},
	{"ipv6", 0x86dd},
	{"arp", 0x0806},
	{"rarp", 0x8035},
	{"mac", 0},
	{"vlan", 0x8100},
	{"stp", 0},
}

func protoIdxByChain(suffix string) int {
	for i, p := range l3Protocols {
		if strings.HasPrefix(suffix, p.name) {
			return i
		}
	}
	return -1
}

func ebCreateTmpSubChain(fw *firewall, incoming bool, ifname string, protoIdx int, suffix string) {
	prefix := ebPrefix(incoming, true)
	chain := subChain(prefix, ifname, suffix)
	fw.addRuleFull(layerEthernet, true, nil, "-t", "nat", "-F", chain)
	fw.addRuleFull(layerEthernet, true, nil, "-t", "nat", "-X", chain)
	fw.addRule(layerEthernet, "-t", "nat", "-N", chain)
	r := fw.addRule(layerEthernet, "-t", "nat", "-A", rootChain(prefix, ifname))
	switch l3Protocols[protoIdx].name {
	case "mac":
	case "stp":
		r.add("-d", macBGA)
	default:
		r.add("-p", fmt.Sprintf("0x%04x", l3Protocols[protoIdx].etype))
	}
	r.add("-j", chain)
}

// chainTarget returns the chain a "-j X" ebtables listing line jumps to.
func chainTarget(line string) (string, bool) {
	i := strings.Index(line, "-j ")
	if i < 0 {
		return "", false
	}
	t := line[i+3:]
	if len(t) < 2 || t[1] != '-' {
		return "", false
	}
	return t, true
}

func ebRemoveSubChainsQuery(prefixes string) queryFunc {
	var q queryFunc
	q = func(fw *firewall, l layer, lines []string) {
		for _, line := range lines {
			t, ok := chainTarget(line)
			if !ok || !strings.ContainsRune(prefixes, rune(t[0])) {
				continue
			}
			fw.addRuleFull(l, false, q, "-t", "nat", "-L", t)
			fw.addRuleFull(l, true, nil, "-t", "nat", "-F", t)
			fw.addRuleFull(l, true, nil, "-t", "nat", "-X", t)
		}
	}
	return q
}

func ebRemoveSubChains(fw *firewall, ifname string, temp bool) {
	prefixes := string([]byte{ebPrefix(true, temp), ebPrefix(false, temp)})
	for i := 0; i < len(prefixes); i++ {
		fw.addRuleFull(layerEthernet, false, ebRemoveSubChainsQuery(prefixes), "-t", "nat", "-L", rootChain(prefixes[i], ifname))
	}
}

func ebRenameTmpRootChain(fw *firewall, incoming bool, ifname string) {
	fw.addRule(layerEthernet, "-t", "nat", "-E", rootChain(ebPrefix(incoming, true), ifname), rootChain(ebPrefix(incoming, false), ifname))
}

func ebRenameTmpSubAndRootChainsQuery(fw *firewall, l layer, lines []string) {
	for _, line := range lines {
		t, ok := chainTarget(line)
		if !ok || (t[0] != prefixHostInTemp && t[0] != prefixHostOutTemp) {
			continue
		}
		p := byte(prefixHostOut)
		if t[0] == prefixHostInTemp {
			p = prefixHostIn
		}
		newChain := string(p) + t[1:]
		fw.addRuleFull(l, false, ebRenameTmpSubAndRootChainsQuery, "-t", "nat", "-L", t)
		fw.addRuleFull(l, true, nil, "-t", "nat", "-F", newChain)
		fw.addRuleFull(l, true, nil, "-t", "nat", "-X", newChain)
		fw.addRule(l, "-t", "nat", "-E", t, newChain)
	}
}

func ebRenameTmpSubAndRootChains(fw *firewall, ifname string) {
	for _, p := range []byte{prefixHostInTemp, prefixHostOutTemp} {
		fw.addRuleFull(layerEthernet, false, ebRenameTmpSubAndRootChainsQuery, "-t", "nat", "-L", rootChain(p, ifname))
	}
	ebRenameTmpRootChain(fw, true, ifname)
	ebRenameTmpRootChain(fw, false, ifname)
}

// ruleCommands writes every combination of a rule instance's values.
func ruleCommands(fw *firewall, ifname string, ri *gentech.RuleInst) error {
	return gentech.ForEachCombination(ri, func(ci *gentech.CombIter) error {
		g := &ruleGen{fw: fw, ci: ci, rule: ri.Rule, ifname: ifname}
		switch {
		case ri.IsEthernet():
			dir := ri.Rule.Direction
			if dir == "out" || dir == "inout" {
				if err := g.ebtablesRuleInstance(prefixHostInTemp, ri.ChainSuffix, dir == "inout"); err != nil {
					return err
				}
			}
			if dir == "in" || dir == "inout" {
				if err := g.ebtablesRuleInstance(prefixHostOutTemp, ri.ChainSuffix, false); err != nil {
					return err
				}
			}
			return nil
		case ri.IsIPv6():
			return g.iptablesRuleInstance(layerIPv6)
		case ri.IsIPv4():
			return g.iptablesRuleInstance(layerIPv4)
		}
		return internalErr("unexpected protocol type")
	})
}

type subChainInst struct {
	priority int
	incoming bool
	protoIdx int
	name     string
}

// subChainInsts lists the sub chains of one direction, ordered by
// priority (ties by name, where libvirt's order is its hash table's).
func subChainInsts(chains map[string]int, incoming bool) []subChainInst {
	names := make([]string, 0, len(chains))
	for n := range chains {
		names = append(names, n)
	}
	sort.Strings(names)
	sort.SliceStable(names, func(i, j int) bool { return chains[names[i]] < chains[names[j]] })
	var out []subChainInst
	for _, n := range names {
		idx := protoIdxByChain(n)
		if idx < 0 {
			continue
		}
		out = append(out, subChainInst{priority: chains[n], incoming: incoming, protoIdx: idx, name: n})
	}
	return out
}

// ApplyNewRules builds the rules in temporary chains and links them in
// beside the live ones (libvirt's ebiptablesApplyNewRules). The rules
// are sorted in place: root chain first, then by priority.
func (d *Driver) ApplyNewRules(ctx context.Context, ifname string, rules []*gentech.RuleInst) error {
	fw, err := newRulesFirewall(ifname, rules)
	if err != nil {
		return err
	}
	return d.apply(ctx, fw)
}

func newRulesFirewall(ifname string, rules []*gentech.RuleInst) (*firewall, error) {
	sort.SliceStable(rules, func(i, j int) bool {
		ri, rj := rules[i].ChainSuffix == "root", rules[j].ChainSuffix == "root"
		if ri != rj {
			return ri
		}
		return rules[i].Priority < rules[j].Priority
	})
	fw := &firewall{}
	fw.startTransaction(true)
	ebUnlinkRootChain(fw, true, ifname, true)
	ebUnlinkRootChain(fw, false, ifname, true)
	ebRemoveSubChains(fw, ifname, true)
	ebRemoveRootChain(fw, true, ifname, true)
	ebRemoveRootChain(fw, false, ifname, true)

	fw.startTransaction(false)
	// a rule sorting before its chain would be added before the chain
	// exists: move it up to the chain's priority (root rules stay)
	for _, r := range rules {
		if r.ChainPriority > r.Priority && !strings.Contains("root", r.ChainSuffix) {
			r.Priority = r.ChainPriority
		}
	}
	var haveEb, haveIPv4, haveIPv6 bool
	for _, r := range rules {
		switch {
		case r.IsEthernet():
			haveEb = true
		case r.IsIPv4():
			haveIPv4 = true
		case r.IsIPv6():
			haveIPv6 = true
		}
	}
	chainsIn, chainsOut := map[string]int{}, map[string]int{}
	if haveEb {
		for _, r := range rules {
			if !r.IsEthernet() {
				continue
			}
			if r.Rule.Direction == "out" || r.Rule.Direction == "inout" {
				chainsIn[r.ChainSuffix] = r.ChainPriority
			}
			if r.Rule.Direction == "in" || r.Rule.Direction == "inout" {
				chainsOut[r.ChainSuffix] = r.ChainPriority
			}
		}
		var subs []subChainInst
		if len(chainsIn) > 0 {
			ebCreateTmpRootChain(fw, true, ifname)
			subs = append(subs, subChainInsts(chainsIn, true)...)
		}
		if len(chainsOut) > 0 {
			ebCreateTmpRootChain(fw, false, ifname)
			subs = append(subs, subChainInsts(chainsOut, false)...)
		}
		sort.SliceStable(subs, func(i, j int) bool { return subs[i].priority < subs[j].priority })
		j := 0
		for _, r := range rules {
			if !r.IsEthernet() {
				continue
			}
			for j < len(subs) && subs[j].priority <= r.Priority {
				ebCreateTmpSubChain(fw, subs[j].incoming, ifname, subs[j].protoIdx, subs[j].name)
				j++
			}
			if err := ruleCommands(fw, ifname, r); err != nil {
				return nil, err
			}
		}
		for ; j < len(subs); j++ {
			ebCreateTmpSubChain(fw, subs[j].incoming, ifname, subs[j].protoIdx, subs[j].name)
		}
	}
	for _, fam := range []struct {
		have bool
		l    layer
		is   func(*gentech.RuleInst) bool
	}{
		{haveIPv4, layerIPv4, (*gentech.RuleInst).IsIPv4},
		{haveIPv6, layerIPv6, (*gentech.RuleInst).IsIPv6},
	} {
		if !fam.have {
			continue
		}
		iptUnlinkRootChains(fw, fam.l, ifname, true)
		iptRemoveRootChains(fw, fam.l, ifname, true)
		iptCreateBaseChains(fw, fam.l)
		iptCreateTmpRootChains(fw, fam.l, ifname)
		iptLinkTmpRootChains(fw, fam.l, ifname)
		iptSetupVirtInPost(fw, fam.l, ifname)
		for _, r := range rules {
			if fam.is(r) {
				if err := ruleCommands(fw, ifname, r); err != nil {
					return nil, err
				}
			}
		}
	}
	if len(chainsIn) > 0 {
		ebLinkTmpRootChain(fw, true, ifname)
	}
	if len(chainsOut) > 0 {
		ebLinkTmpRootChain(fw, false, ifname)
	}

	fw.startRollback()
	ebUnlinkRootChain(fw, true, ifname, true)
	ebUnlinkRootChain(fw, false, ifname, true)
	if haveIPv6 {
		iptUnlinkRootChains(fw, layerIPv6, ifname, true)
		iptRemoveRootChains(fw, layerIPv6, ifname, true)
	}
	if haveIPv4 {
		iptUnlinkRootChains(fw, layerIPv4, ifname, true)
		iptRemoveRootChains(fw, layerIPv4, ifname, true)
	}
	ebRemoveSubChains(fw, ifname, true)
	ebRemoveRootChain(fw, true, ifname, true)
	ebRemoveRootChain(fw, false, ifname, true)
	return fw, nil
}

// TearNewRules removes the temporary chains ApplyNewRules built, after a
// failure elsewhere (libvirt's ebiptablesTearNewRules).
func (d *Driver) TearNewRules(ctx context.Context, ifname string) error {
	fw := &firewall{}
	fw.startTransaction(true)
	for _, l := range []layer{layerIPv4, layerIPv6} {
		iptUnlinkRootChains(fw, l, ifname, true)
		iptRemoveRootChains(fw, l, ifname, true)
	}
	ebUnlinkRootChain(fw, true, ifname, true)
	ebUnlinkRootChain(fw, false, ifname, true)
	ebRemoveSubChains(fw, ifname, true)
	ebRemoveRootChain(fw, true, ifname, true)
	ebRemoveRootChain(fw, false, ifname, true)
	return d.apply(ctx, fw)
}

// TearOldRules removes the live chains and renames the temporary ones
// over them, completing a switch-over (libvirt's ebiptablesTearOldRules).
func (d *Driver) TearOldRules(ctx context.Context, ifname string) error {
	fw := &firewall{}
	fw.startTransaction(true)
	for _, l := range []layer{layerIPv4, layerIPv6} {
		iptUnlinkRootChains(fw, l, ifname, false)
		iptRemoveRootChains(fw, l, ifname, false)
		iptRenameTmpRootChains(fw, l, ifname)
	}
	ebUnlinkRootChain(fw, true, ifname, false)
	ebUnlinkRootChain(fw, false, ifname, false)
	ebRemoveSubChains(fw, ifname, false)
	ebRemoveRootChain(fw, true, ifname, false)
	ebRemoveRootChain(fw, false, ifname, false)
	ebRenameTmpSubAndRootChains(fw, ifname)
	return d.apply(ctx, fw)
}

// AllTeardown removes every live chain and rule of the interface
// (libvirt's ebiptablesAllTeardown).
func (d *Driver) AllTeardown(ctx context.Context, ifname string) error {
	return d.apply(ctx, allTeardownFirewall(ifname))
}

func allTeardownFirewall(ifname string) *firewall {
	fw := &firewall{}
	fw.startTransaction(true)
	for _, l := range []layer{layerIPv4, layerIPv6} {
		iptUnlinkRootChains(fw, l, ifname, false)
		iptClearVirtInPost(fw, l, ifname)
		iptRemoveRootChains(fw, l, ifname, false)
	}
	ebUnlinkRootChain(fw, true, ifname, false)
	ebUnlinkRootChain(fw, false, ifname, false)
	ebRemoveSubChains(fw, ifname, false)
	ebRemoveRootChain(fw, true, ifname, false)
	ebRemoveRootChain(fw, false, ifname, false)
	return fw
}

// cleanAll removes live and temporary ebtables chains (libvirt's
// ebtablesCleanAll).
func (d *Driver) cleanAll(ctx context.Context, ifname string) error {
	fw := &firewall{}
	fw.startTransaction(true)
	ebUnlinkRootChain(fw, true, ifname, false)
	ebUnlinkRootChain(fw, false, ifname, false)
	ebRemoveSubChains(fw, ifname, false)
	ebRemoveRootChain(fw, true, ifname, false)
	ebRemoveRootChain(fw, false, ifname, false)
	ebUnlinkRootChain(fw, true, ifname, true)
	ebUnlinkRootChain(fw, false, ifname, true)
	ebRemoveSubChains(fw, ifname, true)
	ebRemoveRootChain(fw, true, ifname, true)
	ebRemoveRootChain(fw, false, ifname, true)
	return d.apply(ctx, fw)
}

// RemoveBasicRules removes what the basic, DHCP-only and drop-all rules
// installed.
func (d *Driver) RemoveBasicRules(ctx context.Context, ifname string) error {
	return d.cleanAll(ctx, ifname)
}

// applyTemp runs a teardown and then fw; on failure everything is
// cleaned away again.
func (d *Driver) applyTemp(ctx context.Context, ifname string, fw *firewall) error {
	if err := d.AllTeardown(ctx, ifname); err != nil {
		return err
	}
	if err := d.apply(ctx, fw); err != nil {
		_ = d.cleanAll(ctx, ifname)
		return err
	}
	return nil
}

// ApplyBasicRules lets only the guest's own MAC address send IPv4 and ARP
// (used while its IP address is being learned from any packet).
func (d *Driver) ApplyBasicRules(ctx context.Context, ifname string, mac macaddr.MAC) error {
	fw := &firewall{}
	fw.startTransaction(false)
	ebCreateTmpRootChain(fw, true, ifname)
	chain := rootChain(prefixHostInTemp, ifname)
	m := mac.String()
	fw.addRule(layerEthernet, "-t", "nat", "-A", chain, "-s", "!", m, "-j", "DROP")
	fw.addRule(layerEthernet, "-t", "nat", "-A", chain, "-p", "IPv4", "-j", "ACCEPT")
	fw.addRule(layerEthernet, "-t", "nat", "-A", chain, "-p", "ARP", "-j", "ACCEPT")
	fw.addRule(layerEthernet, "-t", "nat", "-A", chain, "-j", "DROP")
	ebLinkTmpRootChain(fw, true, ifname)
	ebRenameTmpRootChain(fw, true, ifname)
	return d.applyTemp(ctx, ifname, fw)
}

// ApplyDHCPOnlyRules lets the guest do DHCP and nothing else, with
// replies only from dhcpServers when given (used while learning by DHCP).
func (d *Driver) ApplyDHCPOnlyRules(ctx context.Context, ifname string, mac macaddr.MAC, dhcpServers []string, leaveTemporary bool) error {
	fw := &firewall{}
	fw.startTransaction(false)
	ebCreateTmpRootChain(fw, true, ifname)
	ebCreateTmpRootChain(fw, false, ifname)
	in, out := rootChain(prefixHostInTemp, ifname), rootChain(prefixHostOutTemp, ifname)
	m := mac.String()
	fw.addRule(layerEthernet, "-t", "nat", "-A", in, "-s", m, "-p", "ipv4", "--ip-protocol", "udp",
		"--ip-sport", "68", "--ip-dport", "67", "-j", "ACCEPT")
	fw.addRule(layerEthernet, "-t", "nat", "-A", in, "-j", "DROP")
	for idx := 0; ; {
		server := ""
		if idx < len(dhcpServers) {
			server = dhcpServers[idx]
		}
		for _, dst := range []string{m, "ff:ff:ff:ff:ff:ff"} {
			args := []string{"-t", "nat", "-A", out, "-d", dst, "-p", "ipv4", "--ip-protocol", "udp"}
			if server != "" {
				args = append(args, "--ip-src", server)
			}
			args = append(args, "--ip-sport", "67", "--ip-dport", "68", "-j", "ACCEPT")
			fw.addRule(layerEthernet, args...)
		}
		idx++
		if idx >= len(dhcpServers) {
			break
		}
	}
	fw.addRule(layerEthernet, "-t", "nat", "-A", out, "-j", "DROP")
	ebLinkTmpRootChain(fw, true, ifname)
	ebLinkTmpRootChain(fw, false, ifname)
	if !leaveTemporary {
		ebRenameTmpRootChain(fw, true, ifname)
		ebRenameTmpRootChain(fw, false, ifname)
	}
	return d.applyTemp(ctx, ifname, fw)
}

// ApplyDropAllRules cuts the guest off completely.
func (d *Driver) ApplyDropAllRules(ctx context.Context, ifname string) error {
	fw := &firewall{}
	fw.startTransaction(false)
	ebCreateTmpRootChain(fw, true, ifname)
	ebCreateTmpRootChain(fw, false, ifname)
	fw.addRule(layerEthernet, "-t", "nat", "-A", rootChain(prefixHostInTemp, ifname), "-j", "DROP")
	fw.addRule(layerEthernet, "-t", "nat", "-A", rootChain(prefixHostOutTemp, ifname), "-j", "DROP")
	ebLinkTmpRootChain(fw, true, ifname)
	ebLinkTmpRootChain(fw, false, ifname)
	ebRenameTmpRootChain(fw, true, ifname)
	ebRenameTmpRootChain(fw, false, ifname)
	return d.applyTemp(ctx, ifname, fw)
}
