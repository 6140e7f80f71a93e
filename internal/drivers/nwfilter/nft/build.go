package nft

import (
	"sort"
	"strings"

	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
)

// subChainDispatch is how a root chain picks the frames a sub chain of
// each kind sees, in libvirt's prefix-matching order.
var subChainDispatch = []struct{ prefix, match string }{
	{"ipv4", "ether type ip"},
	{"ipv6", "ether type ip6"},
	{"arp", "ether type arp"},
	{"rarp", "ether type 0x8035"},
	{"mac", ""},
	{"vlan", "ether type vlan"},
	{"stp", "ether daddr 01:80:c2:00:00:00"},
}

func dispatchFor(suffix string) (string, bool) {
	for _, d := range subChainDispatch {
		if strings.HasPrefix(suffix, d.prefix) {
			return d.match, true
		}
	}
	return "", false
}

func safeSuffix(s string) string { return strings.ReplaceAll(s, ":", "_") }

// buildRules orders the rules as the ebiptables driver does and emits
// their chains and rules.
func buildRules(ifname string, rules []*gentech.RuleInst, conntrack bool, newChain func(string), rule func(chain, text string)) error {
	sorted := append([]*gentech.RuleInst(nil), rules...)
	sort.SliceStable(sorted, func(i, j int) bool {
		ri, rj := sorted[i].ChainSuffix == "root", sorted[j].ChainSuffix == "root"
		if ri != rj {
			return ri
		}
		return sorted[i].Priority < sorted[j].Priority
	})
	prio := make([]int, len(sorted))
	for i, r := range sorted {
		prio[i] = r.Priority
		if r.ChainPriority > r.Priority && !strings.Contains("root", r.ChainSuffix) {
			prio[i] = r.ChainPriority
		}
	}

	// ethernet level
	type sub struct {
		prio  int
		kind  string
		name  string
		match string
	}
	sets := map[string]map[string]int{"ebout": {}, "ebin": {}}
	for _, r := range sorted {
		if !r.IsEthernet() {
			continue
		}
		d := r.Rule.Direction
		if d == "out" || d == "inout" {
			sets["ebout"][r.ChainSuffix] = r.ChainPriority
		}
		if d == "in" || d == "inout" {
			sets["ebin"][r.ChainSuffix] = r.ChainPriority
		}
	}
	var subs []sub
	for _, kind := range []string{"ebout", "ebin"} {
		if len(sets[kind]) == 0 {
			continue
		}
		newChain(chainName(ifname, kind))
		var names []string
		for n := range sets[kind] {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if m, ok := dispatchFor(n); ok {
				subs = append(subs, sub{prio: sets[kind][n], kind: kind, name: n, match: m})
			}
		}
	}
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].prio < subs[j].prio })
	createSub := func(s sub) {
		c := chainName(ifname, s.kind, safeSuffix(s.name))
		newChain(c)
		text := "jump " + c
		if s.match != "" {
			text = s.match + " " + text
		}
		rule(chainName(ifname, s.kind), text)
	}
	target := func(kind, suffix string) string {
		if suffix == "root" {
			return chainName(ifname, kind)
		}
		return chainName(ifname, kind, safeSuffix(suffix))
	}
	j := 0
	for i, r := range sorted {
		if !r.IsEthernet() {
			continue
		}
		for j < len(subs) && subs[j].prio <= prio[i] {
			createSub(subs[j])
			j++
		}
		err := gentech.ForEachCombination(r, func(ci *gentech.CombIter) error {
			d := r.Rule.Direction
			if d == "out" || d == "inout" {
				text, err := ethernetRule(ci, r.Rule, d == "inout")
				if err != nil {
					return err
				}
				rule(target("ebout", r.ChainSuffix), text)
			}
			if d == "in" || d == "inout" {
				text, err := ethernetRule(ci, r.Rule, false)
				if err != nil {
					return err
				}
				rule(target("ebin", r.ChainSuffix), text)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for ; j < len(subs); j++ {
		createSub(subs[j])
	}

	// IP level, IPv4 rules before IPv6 ones as in the ebiptables driver
	for _, isFam := range []func(*gentech.RuleInst) bool{(*gentech.RuleInst).IsIPv4, (*gentech.RuleInst).IsIPv6} {
		for _, r := range sorted {
			if !isFam(r) {
				continue
			}
			err := gentech.ForEachCombination(r, func(ci *gentech.CombIter) error {
				return ipRuleTriple(ifname, ci, r.Rule, conntrack, newChain, rule)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// ipRuleTriple writes a layer 3/4 rule into the forwarded-from-guest,
// forwarded-to-guest and guest-to-host chains with libvirt's conntrack
// logic; without conntrack in the bridge family the rules are stateless.
func ipRuleTriple(ifname string, ci *gentech.CombIter, rule *nwfilter.Rule, conntrack bool, newChain func(string), emit func(chain, text string)) error {
	directionIn := rule.Direction == "in" || rule.Direction == "inout"
	inout := rule.Direction == "inout"
	var flags uint32
	if v := rule.Attr("state"); v != nil && v.Var == nil {
		flags = v.Num
	}
	stateCtrl := !rule.NoStateMatch && flags != 0
	needState := conntrack && !inout && !rule.NoStateMatch
	hasICMPType := rule.Attr("type") != nil && (rule.Protocol == "icmp" || rule.Protocol == "icmpv6")

	one := func(kind string, dirIn bool, match string, defMatch bool, accept string, maySkipICMP bool) error {
		if hasICMPType && maySkipICMP {
			return nil
		}
		verdict := accept
		if rule.Action != "accept" {
			verdict = rule.Action
			if defMatch {
				match = ""
			}
		}
		dir := ""
		if defMatch && match != "" && !hasICMPType && !inout {
			dir = "original"
			if dirIn {
				dir = "reply"
			}
		}
		text, ok, err := ipRule(ci, rule, dirIn, match, dir, verdict)
		if err != nil || !ok {
			return err
		}
		c := chainName(ifname, kind)
		newChain(c)
		emit(c, text)
		return nil
	}
	if stateCtrl {
		match := ""
		if conntrack && flags&nwfilter.StateNone == 0 {
			match = nwfilter.FormatStateFlags(flags)
		}
		if !(directionIn && !inout) {
			if err := one("fwdout", directionIn, match, false, "return", directionIn || inout); err != nil {
				return err
			}
		}
		if directionIn {
			if err := one("fwdin", !directionIn, match, false, "accept", !directionIn || inout); err != nil {
				return err
			}
		}
		if !(directionIn && !inout) {
			return one("hostout", directionIn, match, false, "return", directionIn)
		}
		return nil
	}
	state := func(in bool) string {
		if !needState {
			return ""
		}
		if in {
			return "ESTABLISHED"
		}
		return "NEW,ESTABLISHED"
	}
	if err := one("fwdout", directionIn, state(directionIn), true, "return", directionIn || inout); err != nil {
		return err
	}
	if err := one("fwdin", !directionIn, state(!directionIn), true, "accept", !directionIn || inout); err != nil {
		return err
	}
	return one("hostout", directionIn, state(directionIn), true, "return", directionIn)
}
