package nft

import (
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/virt/virterr"
)

func unsupported(proto, attr string) error {
	return virterr.NewFrom(virterr.FromNwfilter, virterr.ConfigUnsupported,
		"the nftables filter backend does not support '%s' in a '%s' rule", attr, proto)
}

// expr collects one rule's match expressions.
type expr struct {
	ci    *gentech.CombIter
	rule  *nwfilter.Rule
	parts []string
	used  map[string]bool
}

func (e *expr) attr(name string) *nwfilter.Value {
	v := e.rule.Attr(name)
	if v != nil {
		e.used[name] = true
	}
	return v
}

func (e *expr) add(s ...string) { e.parts = append(e.parts, s...) }

func (e *expr) print(v *nwfilter.Value, hex bool) (string, error) { return e.ci.Print(v, hex) }

func op(v *nwfilter.Value) string {
	if v.Neg {
		return "!= "
	}
	return ""
}

// match writes "KEY [!=] VALUE" for an attribute.
func (e *expr) match(name, key string, hex bool) error {
	v := e.attr(name)
	if v == nil {
		return nil
	}
	s, err := e.print(v, hex)
	if err != nil {
		return err
	}
	e.add(key + " " + op(v) + s)
	return nil
}

// pair writes "KEY [!=] LO-HI" or "KEY [!=] ADDR/MASK" from an attribute
// and its optional partner.
func (e *expr) pair(name, partner, key, sep string) error {
	v := e.attr(name)
	if v == nil {
		return nil
	}
	s, err := e.print(v, false)
	if err != nil {
		return err
	}
	if p := e.attr(partner); p != nil {
		t, err := e.print(p, false)
		if err != nil {
			return err
		}
		s += sep + t
	}
	e.add(key + " " + op(v) + s)
	return nil
}

// macMatch writes an ether address match, masked when a mask is given.
func (e *expr) macMatch(name, mask, key string) error {
	v := e.attr(name)
	if v == nil {
		return nil
	}
	s, err := e.print(v, false)
	if err != nil {
		return err
	}
	if m := e.attr(mask); m != nil {
		ms, err := e.print(m, false)
		if err != nil {
			return err
		}
		cmp := "=="
		if v.Neg {
			cmp = "!="
		}
		e.add(fmt.Sprintf("%s & %s %s %s", key, ms, cmp, s))
		return nil
	}
	e.add(key + " " + op(v) + s)
	return nil
}

// checkUsed refuses attributes the translation did not consume, so a rule
// is never installed with a condition silently missing.
func (e *expr) checkUsed(ignore ...string) error {
	for name := range e.rule.Attrs {
		if e.used[name] || name == "comment" {
			continue
		}
		skip := false
		for _, i := range ignore {
			skip = skip || i == name
		}
		if !skip {
			return unsupported(e.rule.Protocol, name)
		}
	}
	return nil
}

func (e *expr) comment() string {
	if v := e.rule.Attr("comment"); v != nil && v.Var == nil {
		return " comment " + quote(v.Str)
	}
	return ""
}

// quote writes an nft string literal; nft strings cannot hold a double
// quote, so one is replaced.
func quote(s string) string {
	s = strings.ReplaceAll(s, `"`, "'")
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 128 {
		s = s[:128]
	}
	return `"` + s + `"`
}

// ebVerdict is an ethernet-level action; reject cannot happen on the
// bridge and drops, as with ebtables.
func ebVerdict(action string) string {
	if action == "reject" {
		return "drop"
	}
	return action
}

// ethernetRule translates a layer 2/3 rule for the from-guest (reverse
// for the from-guest half of inout) or to-guest chain.
func ethernetRule(ci *gentech.CombIter, rule *nwfilter.Rule, reverse bool) (string, error) {
	e := &expr{ci: ci, rule: rule, used: map[string]bool{}}
	saddr, daddr := "ether saddr", "ether daddr"
	if reverse {
		saddr, daddr = daddr, saddr
	}
	if err := e.macMatch("srcmacaddr", "srcmacmask", saddr); err != nil {
		return "", err
	}
	if err := e.macMatch("dstmacaddr", "dstmacmask", daddr); err != nil {
		return "", err
	}
	sw := func(a, b string) string {
		if reverse {
			return b
		}
		return a
	}
	switch rule.Protocol {
	case "":
	case "mac":
		if err := e.match("protocolid", "ether type", true); err != nil {
			return "", err
		}
	case "vlan":
		e.add("ether type vlan")
		if err := e.match("vlanid", "vlan id", false); err != nil {
			return "", err
		}
		if err := e.match("encap-protocol", "vlan type", true); err != nil {
			return "", err
		}
	case "arp", "rarp":
		if rule.Protocol == "arp" {
			e.add("ether type arp")
		} else {
			e.add("ether type 0x8035")
		}
		for _, m := range [][3]string{{"hwtype", "arp htype", ""}, {"opcode", "arp operation", ""}, {"protocoltype", "arp ptype", "hex"}} {
			if err := e.match(m[0], m[1], m[2] == "hex"); err != nil {
				return "", err
			}
		}
		if err := e.pair("arpsrcipaddr", "arpsrcipmask", sw("arp saddr ip", "arp daddr ip"), "/"); err != nil {
			return "", err
		}
		if err := e.pair("arpdstipaddr", "arpdstipmask", sw("arp daddr ip", "arp saddr ip"), "/"); err != nil {
			return "", err
		}
		if err := e.match("arpsrcmacaddr", sw("arp saddr ether", "arp daddr ether"), false); err != nil {
			return "", err
		}
		if err := e.match("arpdstmacaddr", sw("arp daddr ether", "arp saddr ether"), false); err != nil {
			return "", err
		}
		if v := e.attr("gratuitous"); v != nil && v.Var == nil && v.Bool {
			// a gratuitous ARP announces its own address
			e.add("arp saddr ip " + map[bool]string{false: "==", true: "!="}[v.Neg] + " arp daddr ip")
		}
	case "ip", "ipv6":
		fam, l3 := "ip", "ip"
		if rule.Protocol == "ipv6" {
			fam, l3 = "ip6", "ip6"
		}
		e.add("ether type " + fam)
		if err := e.pair("srcipaddr", "srcipmask", sw(l3+" saddr", l3+" daddr"), "/"); err != nil {
			return "", err
		}
		if err := e.pair("dstipaddr", "dstipmask", sw(l3+" daddr", l3+" saddr"), "/"); err != nil {
			return "", err
		}
		protoKey := "ip protocol"
		if fam == "ip6" {
			protoKey = "ip6 nexthdr"
		}
		if err := e.match("protocol", protoKey, false); err != nil {
			return "", err
		}
		if err := e.pair("srcportstart", "srcportend", sw("th sport", "th dport"), "-"); err != nil {
			return "", err
		}
		if err := e.pair("dstportstart", "dstportend", sw("th dport", "th sport"), "-"); err != nil {
			return "", err
		}
		if err := e.match("dscp", fam+" dscp", true); err != nil {
			return "", err
		}
		if fam == "ip6" {
			if err := e.pair("type", "typeend", "icmpv6 type", "-"); err != nil {
				return "", err
			}
			if err := e.pair("code", "codeend", "icmpv6 code", "-"); err != nil {
				return "", err
			}
		}
	default:
		return "", unsupported(rule.Protocol, "protocol")
	}
	if err := e.checkUsed(); err != nil {
		return "", err
	}
	return strings.Join(append(e.parts, ebVerdict(rule.Action)), " ") + e.comment(), nil
}

var l4Name = map[string]string{
	"tcp": "tcp", "tcp-ipv6": "tcp", "udp": "udp", "udp-ipv6": "udp",
	"udplite": "udplite", "udplite-ipv6": "udplite", "esp": "esp", "esp-ipv6": "esp",
	"ah": "ah", "ah-ipv6": "ah", "sctp": "sctp", "sctp-ipv6": "sctp",
	"icmp": "icmp", "icmpv6": "ipv6-icmp", "igmp": "igmp", "all": "", "all-ipv6": "",
}

// ipRule translates a layer 3/4 rule for one of the three iptables-like
// chains; directionIn swaps source and destination as libvirt's does.
// match is the conntrack state to require, "" for none.
func ipRule(ci *gentech.CombIter, rule *nwfilter.Rule, directionIn bool, match string, dir string, verdict string) (string, bool, error) {
	e := &expr{ci: ci, rule: rule, used: map[string]bool{}}
	fam := "ip"
	if gentech.IsIPv6Protocol(rule.Protocol) {
		fam = "ip6"
	}
	e.add("meta protocol " + fam)
	if p := l4Name[rule.Protocol]; p != "" {
		if fam == "ip" {
			e.add("ip protocol " + p)
		} else {
			e.add("meta l4proto " + p)
		}
	}
	if v := e.attr("srcmacaddr"); v != nil {
		if directionIn {
			e.used["srcmacaddr"] = true
			// the guest's MAC is not the source of traffic towards it
			if len(rule.Attrs) == 1 {
				return "", false, nil
			}
		} else {
			s, err := e.print(v, false)
			if err != nil {
				return "", false, err
			}
			e.add("ether saddr " + op(v) + s)
		}
	}
	src, dst := fam+" saddr", fam+" daddr"
	sport, dport := "th sport", "th dport"
	if directionIn {
		src, dst, sport, dport = dst, src, dport, sport
	}
	if err := e.pair("srcipaddr", "srcipmask", src, "/"); err != nil {
		return "", false, err
	}
	if e.rule.Attr("srcipaddr") == nil {
		if err := e.pair("srcipfrom", "srcipto", src, "-"); err != nil {
			return "", false, err
		}
	}
	if err := e.pair("dstipaddr", "dstipmask", dst, "/"); err != nil {
		return "", false, err
	}
	if e.rule.Attr("dstipaddr") == nil {
		if err := e.pair("dstipfrom", "dstipto", dst, "-"); err != nil {
			return "", false, err
		}
	}
	if err := e.match("dscp", fam+" dscp", false); err != nil {
		return "", false, err
	}
	if err := e.pair("srcportstart", "srcportend", sport, "-"); err != nil {
		return "", false, err
	}
	if err := e.pair("dstportstart", "dstportend", dport, "-"); err != nil {
		return "", false, err
	}
	if v := e.attr("flags"); v != nil {
		e.add(fmt.Sprintf("tcp flags & %#x %s %#x", v.TCPMask, map[bool]string{false: "==", true: "!="}[v.Neg], v.TCPFlags))
	}
	icmp := "icmp"
	if fam == "ip6" {
		icmp = "icmpv6"
	}
	if err := e.match("type", icmp+" type", false); err != nil {
		return "", false, err
	}
	if err := e.match("code", icmp+" code", false); err != nil {
		return "", false, err
	}
	e.used["state"] = true
	if err := e.checkUsed(); err != nil {
		return "", false, err
	}
	if match != "" {
		e.add("ct state " + strings.ToLower(match))
		if dir != "" {
			e.add("ct direction " + dir)
		}
	}
	return strings.Join(append(e.parts, verdict), " ") + e.comment(), true, nil
}
