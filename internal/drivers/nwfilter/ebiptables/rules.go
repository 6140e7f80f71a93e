package ebiptables

import (
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/virt/virterr"
)

// Chain name prefixes: ebtables root chains are libvirt-<p>-<ifname>, sub
// chains <p>-<ifname>-<suffix>; iptables chains <F|H><p>-<ifname>. The
// temporary ones are built beside the live ones and renamed over them.
const (
	prefixHostIn      = 'I'
	prefixHostOut     = 'O'
	prefixHostInTemp  = 'J'
	prefixHostOutTemp = 'P'
)

const (
	virtInChain     = "libvirt-in"
	virtOutChain    = "libvirt-out"
	virtInPostChain = "libvirt-in-post"
	hostInChain     = "libvirt-host-in"

	macBGA = "01:80:c2:00:00:00"
)

func rootChain(prefix byte, ifname string) string {
	return fmt.Sprintf("libvirt-%c-%s", prefix, ifname)
}

func subChain(prefix byte, ifname, suffix string) string {
	return fmt.Sprintf("%c-%s-%s", prefix, ifname, suffix)
}

func iptChain(p0, p1 byte, ifname string) string {
	return fmt.Sprintf("%c%c-%s", p0, p1, ifname)
}

func internalErr(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNwfilter, virterr.InternalError, format, args...)
}

// jumpTarget is libvirt's virNWFilterJumpTargetType name of an action.
func jumpTarget(action string) string { return strings.ToUpper(action) }

// ruleGen writes the commands for one combination of a rule's values.
type ruleGen struct {
	fw     *firewall
	ci     *gentech.CombIter
	rule   *nwfilter.Rule
	ifname string
}

func (g *ruleGen) attr(name string) *nwfilter.Value { return g.rule.Attr(name) }

func (g *ruleGen) print(v *nwfilter.Value) (string, error) { return g.ci.Print(v, false) }

func negate(r *fwRule, v *nwfilter.Value) {
	if v.Neg {
		r.add("!")
	}
}

// stateFlags are the rule's conntrack state flags from a literal state
// attribute (libvirt's rule->flags).
func stateFlags(rule *nwfilter.Rule) uint32 {
	if v := rule.Attr("state"); v != nil && v.Var == nil {
		return v.Num
	}
	return 0
}

// stateMatch writes state flags for --ctstate; NONE means no match at all.
func stateMatch(flags uint32) string {
	if flags&nwfilter.StateNone != 0 {
		return ""
	}
	return nwfilter.FormatStateFlags(flags)
}

/************************ iptables ************************/

func (g *ruleGen) iptSrcMAC(r *fwRule, directionIn bool) (skipped bool, err error) {
	v := g.attr("srcmacaddr")
	if v == nil {
		return false, nil
	}
	if directionIn {
		return true, nil
	}
	mac, err := g.print(v)
	if err != nil {
		return false, err
	}
	r.add("-m", "mac")
	negate(r, v)
	r.add("--mac-source", mac)
	return false, nil
}

func (g *ruleGen) iptAddr(r *fwRule, addrName, maskName, fromName, toName, opt, rangeOpt string) error {
	if v := g.attr(addrName); v != nil {
		addr, err := g.print(v)
		if err != nil {
			return err
		}
		negate(r, v)
		r.add(opt)
		if m := g.attr(maskName); m != nil {
			mask, err := g.print(m)
			if err != nil {
				return err
			}
			r.add(addr + "/" + mask)
		} else {
			r.add(addr)
		}
	} else if v := g.attr(fromName); v != nil {
		from, err := g.print(v)
		if err != nil {
			return err
		}
		r.add("-m", "iprange")
		negate(r, v)
		r.add(rangeOpt)
		if t := g.attr(toName); t != nil {
			to, err := g.print(t)
			if err != nil {
				return err
			}
			r.add(from + "-" + to)
		} else {
			r.add(from)
		}
	}
	return nil
}

func (g *ruleGen) iptIPHdr(r *fwRule, directionIn bool) (skipRule, skipMatch bool, err error) {
	src, dst, srcRange, dstRange := "--source", "--destination", "--src-range", "--dst-range"
	if directionIn {
		src, dst, srcRange, dstRange = dst, src, dstRange, srcRange
	}
	if err := g.iptAddr(r, "srcipaddr", "srcipmask", "srcipfrom", "srcipto", src, srcRange); err != nil {
		return false, false, err
	}
	if err := g.iptAddr(r, "dstipaddr", "dstipmask", "dstipfrom", "dstipto", dst, dstRange); err != nil {
		return false, false, err
	}
	if v := g.attr("dscp"); v != nil {
		n, err := g.print(v)
		if err != nil {
			return false, false, err
		}
		r.add("-m", "dscp")
		negate(r, v)
		r.add("--dscp", n)
	}
	if g.attr("connlimit-above") != nil {
		if directionIn {
			// a connection limit only works on traffic from the guest
			skipRule = true
		} else {
			skipMatch = true
		}
	}
	return skipRule, skipMatch, nil
}

func (g *ruleGen) iptAfterStateMatch(r *fwRule, directionIn bool) error {
	if set, flags := g.attr("ipset"), g.attr("ipsetflags"); set != nil && flags != nil {
		name, err := g.print(set)
		if err != nil {
			return err
		}
		r.add("-m", "set", "--match-set", name)
		f, err := g.ci.PrintIPSetFlags(flags, directionIn)
		if err != nil {
			return err
		}
		r.add(f)
	}
	if v := g.attr("connlimit-above"); v != nil && !directionIn {
		n, err := g.print(v)
		if err != nil {
			return err
		}
		r.add("-m", "connlimit")
		negate(r, v)
		r.add("--connlimit-above", n)
	}
	if v := g.attr("comment"); v != nil {
		// comments go last: they never affect matching
		r.add("-m", "comment", "--comment", v.Str)
	}
	return nil
}

func (g *ruleGen) iptPorts(r *fwRule, directionIn bool) error {
	sport, dport := "--sport", "--dport"
	if directionIn {
		sport, dport = dport, sport
	}
	for _, p := range [][3]string{{"srcportstart", "srcportend", sport}, {"dstportstart", "dstportend", dport}} {
		v := g.attr(p[0])
		if v == nil {
			continue
		}
		start, err := g.print(v)
		if err != nil {
			return err
		}
		negate(r, v)
		r.add(p[2])
		if e := g.attr(p[1]); e != nil {
			end, err := g.print(e)
			if err != nil {
				return err
			}
			r.add(start + ":" + end)
		} else {
			r.add(start)
		}
	}
	return nil
}

var iptProtocolName = map[string]string{
	"tcp": "tcp", "tcp-ipv6": "tcp",
	"udp": "udp", "udp-ipv6": "udp",
	"udplite": "udplite", "udplite-ipv6": "udplite",
	"esp": "esp", "esp-ipv6": "esp",
	"ah": "ah", "ah-ipv6": "ah",
	"sctp": "sctp", "sctp-ipv6": "sctp",
	"icmp": "icmp", "icmpv6": "icmpv6",
	"igmp": "igmp",
	"all":  "all", "all-ipv6": "all",
}

// iptablesRule writes one iptables rule into the chain named by prefix
// (libvirt's _iptablesCreateRuleInstance). match is the conntrack state
// to require ("" for none).
func (g *ruleGen) iptablesRule(l layer, directionIn bool, p0, p1 byte, match string, defMatch bool, acceptTarget string, maySkipICMP bool) error {
	rule := g.rule
	name, ok := iptProtocolName[rule.Protocol]
	if !ok {
		return internalErr("Unexpected protocol %s", rule.Protocol)
	}
	r := g.fw.addRule(l, "-A", iptChain(p0, p1, g.ifname), "-p", name)
	nargs := len(r.args)
	srcMacSkipped, err := g.iptSrcMAC(r, directionIn)
	if err != nil {
		return err
	}
	skipRule, skipMatch, err := g.iptIPHdr(r, directionIn)
	if err != nil {
		return err
	}
	hasICMPType := false
	switch name {
	case "tcp":
		if v := g.attr("flags"); v != nil {
			negate(r, v)
			r.add("--tcp-flags", nwfilter.FormatTCPFlags(v.TCPMask), nwfilter.FormatTCPFlags(v.TCPFlags))
		}
		if err := g.iptPorts(r, directionIn); err != nil {
			return err
		}
		if v := g.attr("option"); v != nil {
			n, err := g.print(v)
			if err != nil {
				return err
			}
			negate(r, v)
			r.add("--tcp-option", n)
		}
	case "udp", "sctp":
		if err := g.iptPorts(r, directionIn); err != nil {
			return err
		}
	case "icmp", "icmpv6":
		if v := g.attr("type"); v != nil {
			hasICMPType = true
			if maySkipICMP {
				g.fw.removeRule(r)
				return nil
			}
			parm := "--icmp-type"
			if name == "icmpv6" {
				parm = "--icmpv6-type"
			}
			t, err := g.print(v)
			if err != nil {
				return err
			}
			negate(r, v)
			r.add(parm)
			if c := g.attr("code"); c != nil {
				code, err := g.print(c)
				if err != nil {
					return err
				}
				r.add(t + "/" + code)
			} else {
				r.add(t)
			}
		}
	}
	if (srcMacSkipped && nargs == len(r.args)) || skipRule {
		g.fw.removeRule(r)
		return nil
	}
	target := acceptTarget
	if rule.Action != "accept" {
		target = jumpTarget(rule.Action)
		skipMatch = defMatch
	}
	if match != "" && !skipMatch {
		r.add("-m", "conntrack", "--ctstate", match)
	}
	if defMatch && match != "" && !skipMatch && !hasICMPType && rule.Direction != "inout" {
		// the kernel's notion of conntrack direction is the reverse of
		// the packet direction here (Linux >= 2.6.39)
		dir := "Reply"
		if !directionIn {
			dir = "Original"
		}
		r.add("-m", "conntrack", "--ctdir", dir)
	}
	if err := g.iptAfterStateMatch(r, directionIn); err != nil {
		return err
	}
	r.add("-j", target)
	return nil
}

// iptablesRuleInstance writes a rule into the FJ (from guest), FP (to
// guest) and HJ (guest to host) chains (libvirt's
// iptablesCreateRuleInstance).
func (g *ruleGen) iptablesRuleInstance(l layer) error {
	rule := g.rule
	flags := stateFlags(rule)
	if !rule.NoStateMatch && flags != 0 {
		return g.iptablesRuleStateCtrl(l, flags)
	}
	directionIn := rule.Direction == "in" || rule.Direction == "inout"
	inout := rule.Direction == "inout"
	needState := !inout && !rule.NoStateMatch
	state := func(in bool) string {
		if !needState {
			return ""
		}
		if in {
			return "ESTABLISHED"
		}
		return "NEW,ESTABLISHED"
	}
	if err := g.iptablesRule(l, directionIn, 'F', prefixHostInTemp, state(directionIn), true, "RETURN", directionIn || inout); err != nil {
		return err
	}
	if err := g.iptablesRule(l, !directionIn, 'F', prefixHostOutTemp, state(!directionIn), true, "ACCEPT", !directionIn || inout); err != nil {
		return err
	}
	return g.iptablesRule(l, directionIn, 'H', prefixHostInTemp, state(directionIn), true, "RETURN", directionIn)
}

// iptablesRuleStateCtrl is the variant for rules with an explicit state
// attribute (libvirt's iptablesCreateRuleInstanceStateCtrl).
func (g *ruleGen) iptablesRuleStateCtrl(l layer, flags uint32) error {
	rule := g.rule
	directionIn := rule.Direction == "in" || rule.Direction == "inout"
	inout := rule.Direction == "inout"
	match := stateMatch(flags)

	if !(directionIn && !inout) {
		if err := g.iptablesRule(l, directionIn, 'F', prefixHostInTemp, match, false, "RETURN", directionIn || inout); err != nil {
			return err
		}
	}
	if directionIn {
		if err := g.iptablesRule(l, !directionIn, 'F', prefixHostOutTemp, match, false, "ACCEPT", !directionIn || inout); err != nil {
			return err
		}
	}
	if !(directionIn && !inout) {
		return g.iptablesRule(l, directionIn, 'H', prefixHostInTemp, match, false, "RETURN", directionIn)
	}
	return nil
}

/************************ ebtables ************************/

func (g *ruleGen) ebEthHdr(r *fwRule, reverse bool) error {
	for _, p := range [][3]string{{"srcmacaddr", "srcmacmask", "-s"}, {"dstmacaddr", "dstmacmask", "-d"}} {
		v := g.attr(p[0])
		if v == nil {
			continue
		}
		mac, err := g.print(v)
		if err != nil {
			return err
		}
		opt := p[2]
		if reverse {
			if opt == "-s" {
				opt = "-d"
			} else {
				opt = "-s"
			}
		}
		r.add(opt)
		negate(r, v)
		if m := g.attr(p[1]); m != nil {
			mask, err := g.print(m)
			if err != nil {
				return err
			}
			r.add(mac + "/" + mask)
		} else {
			r.add(mac)
		}
	}
	return nil
}

// ebItem writes CLI [!] VALUE[SEP HI] for an attribute and its optional
// upper bound or mask.
func (g *ruleGen) ebItem(r *fwRule, name, hi, cli, sep string) error {
	v := g.attr(name)
	if v == nil {
		return nil
	}
	field, err := g.print(v)
	if err != nil {
		return err
	}
	r.add(cli)
	negate(r, v)
	if hi != "" {
		if h := g.attr(hi); h != nil {
			alt, err := g.print(h)
			if err != nil {
				return err
			}
			r.add(field + sep + alt)
			return nil
		}
	}
	r.add(field)
	return nil
}

// ebOpt writes OPT [!] VALUE, VALUE printed in hex when asHex.
func (g *ruleGen) ebOpt(r *fwRule, name, opt string, asHex bool) error {
	v := g.attr(name)
	if v == nil {
		return nil
	}
	s, err := g.ci.Print(v, asHex)
	if err != nil {
		return err
	}
	r.add(opt)
	negate(r, v)
	r.add(s)
	return nil
}

func swap(reverse bool, a, b string) string {
	if reverse {
		return b
	}
	return a
}

// ebAddrPorts writes the address, protocol and port matches of an ip or
// ipv6 element with ebtables' option family fam ("ip" or "ip6").
func (g *ruleGen) ebAddrPorts(r *fwRule, fam string, reverse bool) error {
	for _, p := range [][3]string{
		{"srcipaddr", "srcipmask", swap(reverse, "--"+fam+"-source", "--"+fam+"-destination")},
		{"dstipaddr", "dstipmask", swap(reverse, "--"+fam+"-destination", "--"+fam+"-source")},
	} {
		v := g.attr(p[0])
		if v == nil {
			continue
		}
		addr, err := g.print(v)
		if err != nil {
			return err
		}
		r.add(p[2])
		negate(r, v)
		if m := g.attr(p[1]); m != nil {
			mask, err := g.print(m)
			if err != nil {
				return err
			}
			r.add(addr + "/" + mask)
		} else {
			r.add(addr)
		}
	}
	if err := g.ebOpt(r, "protocol", "--"+fam+"-protocol", false); err != nil {
		return err
	}
	for _, p := range [][3]string{
		{"srcportstart", "srcportend", swap(reverse, "--"+fam+"-source-port", "--"+fam+"-destination-port")},
		{"dstportstart", "dstportend", swap(reverse, "--"+fam+"-destination-port", "--"+fam+"-source-port")},
	} {
		if err := g.ebItem(r, p[0], p[1], p[2], ":"); err != nil {
			return err
		}
	}
	return nil
}

// ebtablesRuleInstance writes one ebtables rule into the chain for
// prefix (libvirt's ebtablesCreateRuleInstance); reverse swaps source and
// destination for the from-guest half of an inout rule.
func (g *ruleGen) ebtablesRuleInstance(prefix byte, chainSuffix string, reverse bool) error {
	rule := g.rule
	chain := subChain(prefix, g.ifname, chainSuffix)
	if chainSuffix == "root" {
		chain = rootChain(prefix, g.ifname)
	}
	var r *fwRule
	switch rule.Protocol {
	case "mac":
		r = g.fw.addRule(layerEthernet, "-t", "nat", "-A", chain)
		if err := g.ebEthHdr(r, reverse); err != nil {
			return err
		}
		if v := g.attr("protocolid"); v != nil {
			n, err := g.ci.Print(v, true)
			if err != nil {
				return err
			}
			r.add("-p")
			negate(r, v)
			r.add(n)
		}
	case "vlan":
		r = g.fw.addRule(layerEthernet, "-t", "nat", "-A", chain)
		if err := g.ebEthHdr(r, reverse); err != nil {
			return err
		}
		r.add("-p", "0x8100")
		if err := g.ebItem(r, "vlanid", "", "--vlan-id", ""); err != nil {
			return err
		}
		if err := g.ebItem(r, "encap-protocol", "", "--vlan-encap", ""); err != nil {
			return err
		}
	case "stp":
		if reverse && g.attr("srcmacaddr") != nil {
			return internalErr("STP filtering in %s direction with source MAC address set is not supported", "inout")
		}
		r = g.fw.addRule(layerEthernet, "-t", "nat", "-A", chain)
		if err := g.ebEthHdr(r, reverse); err != nil {
			return err
		}
		r.add("-d", macBGA)
		for _, it := range [][4]string{
			{"type", "", "--stp-type", ""},
			{"flags", "", "--stp-flags", ""},
			{"root-priority", "root-priority-hi", "--stp-root-pri", ":"},
			{"root-address", "root-address-mask", "--stp-root-addr", "/"},
			{"root-cost", "root-cost-hi", "--stp-root-cost", ":"},
			{"sender-priority", "sender-priority-hi", "--stp-sender-prio", ":"},
			{"sender-address", "sender-address-mask", "--stp-sender-addr", "/"},
			{"port", "port-hi", "--stp-port", ":"},
			{"age", "age-hi", "--stp-msg-age", ":"},
			{"max-age", "max-age-hi", "--stp-max-age", ":"},
			{"hello-time", "hello-time-hi", "--stp-hello-time", ":"},
			{"forward-delay", "forward-delay-hi", "--stp-forward-delay", ":"},
		} {
			if err := g.ebItem(r, it[0], it[1], it[2], it[3]); err != nil {
				return err
			}
		}
	case "arp", "rarp":
		r = g.fw.addRule(layerEthernet, "-t", "nat", "-A", chain)
		if err := g.ebEthHdr(r, reverse); err != nil {
			return err
		}
		if rule.Protocol == "arp" {
			r.add("-p", "0x806")
		} else {
			r.add("-p", "0x8035")
		}
		if err := g.ebOpt(r, "hwtype", "--arp-htype", false); err != nil {
			return err
		}
		if err := g.ebOpt(r, "opcode", "--arp-opcode", false); err != nil {
			return err
		}
		if err := g.ebOpt(r, "protocoltype", "--arp-ptype", true); err != nil {
			return err
		}
		// libvirt keeps the source mask for a destination address without
		// one; reproduced for identical commands
		ipmask, hasMask := "", false
		for _, p := range [][3]string{
			{"arpsrcipaddr", "arpsrcipmask", swap(reverse, "--arp-ip-src", "--arp-ip-dst")},
			{"arpdstipaddr", "arpdstipmask", swap(reverse, "--arp-ip-dst", "--arp-ip-src")},
		} {
			v := g.attr(p[0])
			if v == nil {
				continue
			}
			addr, err := g.print(v)
			if err != nil {
				return err
			}
			if m := g.attr(p[1]); m != nil {
				if ipmask, err = g.print(m); err != nil {
					return err
				}
				hasMask = true
			}
			r.add(p[2])
			negate(r, v)
			if hasMask {
				r.add(addr + "/" + ipmask)
			} else {
				r.add(addr + "/32")
			}
		}
		for _, p := range [][2]string{
			{"arpsrcmacaddr", swap(reverse, "--arp-mac-src", "--arp-mac-dst")},
			{"arpdstmacaddr", swap(reverse, "--arp-mac-dst", "--arp-mac-src")},
		} {
			if err := g.ebOpt(r, p[0], p[1], false); err != nil {
				return err
			}
		}
		if v := g.attr("gratuitous"); v != nil && v.Var == nil && v.Bool {
			negate(r, v)
			r.add("--arp-gratuitous")
		}
	case "ip":
		r = g.fw.addRule(layerEthernet, "-t", "nat", "-A", chain)
		if err := g.ebEthHdr(r, reverse); err != nil {
			return err
		}
		r.add("-p", "ipv4")
		if err := g.ebAddrPorts(r, "ip", reverse); err != nil {
			return err
		}
		if err := g.ebOpt(r, "dscp", "--ip-tos", true); err != nil {
			return err
		}
	case "ipv6":
		r = g.fw.addRule(layerEthernet, "-t", "nat", "-A", chain)
		if err := g.ebEthHdr(r, reverse); err != nil {
			return err
		}
		r.add("-p", "ipv6")
		if err := g.ebAddrPorts(r, "ip6", reverse); err != nil {
			return err
		}
		if err := g.ebICMPv6(r); err != nil {
			return err
		}
	case "":
		r = g.fw.addRule(layerEthernet, "-t", "nat", "-A", chain)
	default:
		return internalErr("Unexpected rule protocol %s", rule.Protocol)
	}
	target := jumpTarget(rule.Action)
	if rule.Action == "reject" {
		// ebtables cannot reject
		target = "DROP"
	}
	r.add("-j", target)
	return nil
}

// ebICMPv6 writes --ip6-icmp-type TYPE:TYPEEND/CODE:CODEEND, a missing
// bound being the other bound or the full range.
func (g *ruleGen) ebICMPv6(r *fwRule) error {
	ts, te, cs, ce := g.attr("type"), g.attr("typeend"), g.attr("code"), g.attr("codeend")
	if ts == nil && te == nil && cs == nil && ce == nil {
		return nil
	}
	r.add("--ip6-icmp-type")
	rangeOf := func(lo, hi *nwfilter.Value) (string, error) {
		a, b := "0", "255"
		var err error
		if lo != nil {
			if a, err = g.print(lo); err != nil {
				return "", err
			}
			b = a
		}
		if hi != nil {
			if b, err = g.print(hi); err != nil {
				return "", err
			}
		}
		return a + ":" + b, nil
	}
	t, err := rangeOf(ts, te)
	if err != nil {
		return err
	}
	c, err := rangeOf(cs, ce)
	if err != nil {
		return err
	}
	if ts != nil && ts.Neg {
		r.add("!")
	}
	r.add(t + "/" + c)
	return nil
}
