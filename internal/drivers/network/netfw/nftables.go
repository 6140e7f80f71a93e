package netfw

import (
	"net/netip"
	"strings"

	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/firewall"
)

// The private table and its chains (libvirt's network_nftables.c, as
// first released). The system's own filter and nat tables are never
// touched.
const (
	nftTable         = "libvirt_network"
	nftForwardChain  = "forward"
	nftFwdOutChain   = "guest_output"
	nftFwdInChain    = "guest_input"
	nftFwdCrossChain = "guest_cross"
	nftNATChain      = "guest_nat"
	nftMangleChain   = "postroute_mangle"
)

type nftChain struct {
	parent, child, hook string
}

// nftChains are created once per address family, in this order; a chain
// with a parent is reached by a jump rule from it.
var nftChains = []nftChain{
	{"", nftForwardChain, "{ type filter hook forward priority 0; policy accept; }"},
	{nftForwardChain, nftFwdOutChain, ""},
	{nftForwardChain, nftFwdInChain, ""},
	{nftForwardChain, nftFwdCrossChain, ""},
	{"", nftNATChain, "{ type nat hook postrouting priority 100; policy accept; }"},
	{"", nftMangleChain, "{ type filter hook postrouting priority 0; policy accept; }"},
}

func nftFamily(l firewall.Layer) string {
	if l == firewall.IPv6 {
		return "ip6"
	}
	return "ip"
}

// nftSetup queues the one-time creation of the private table of a family:
// it lists the table and adds whatever table, chain or jump is missing
// (nftablesSetupPrivateChains). changed is set when a chain was created.
func nftSetup(fw *firewall.Firewall, layer firewall.Layer, changed *bool) {
	fam := nftFamily(layer)
	g := fw.StartTransaction(0)
	g.AddQuery(layer, false, func(g *firewall.Group, lines []string) error {
		tableHeader := "table " + fam + " " + nftTable + " {"
		tableFound := false
		chains := map[string]bool{}
		links := map[string]string{}
		chain := ""
		for _, line := range lines {
			pos := strings.TrimLeft(line, " \t")
			switch {
			case pos == tableHeader:
				tableFound = true
			case strings.HasPrefix(pos, "chain "):
				name := pos[len("chain "):]
				if i := strings.IndexByte(name, ' '); i >= 0 {
					chain = name[:i]
					chains[chain] = true
				}
			default:
				if i := strings.Index(pos, "jump "); i >= 0 && chain != "" {
					links[pos[i+len("jump "):]] = chain
				}
			}
		}
		if !tableFound {
			g.Add(layer, "add", "table", fam, nftTable)
		}
		for _, c := range nftChains {
			if !(tableFound && chains[c.child]) {
				args := []string{"add", "chain", fam, nftTable, c.child}
				if c.hook != "" {
					args = append(args, c.hook)
				}
				g.Add(layer, args...)
				*changed = true
			}
			if c.parent != "" && links[c.child] != c.parent {
				g.Add(layer, "insert", "rule", fam, nftTable, c.parent, "counter", "jump", c.child)
			}
		}
		return nil
	}, "list", "table", fam, nftTable)
}

// nftRules expresses the network rules as nft commands.
type nftRules struct{ g *firewall.Group }

func (r nftRules) insert(layer firewall.Layer, chain string, args ...string) *firewall.Cmd {
	return r.g.Add(layer, append([]string{"insert", "rule", nftFamily(layer), nftTable, chain}, args...)...)
}

func (r nftRules) rejectOut(layer firewall.Layer, bridge string) {
	r.insert(layer, nftFwdOutChain, "iif", bridge, "counter", "reject")
}

func (r nftRules) rejectIn(layer firewall.Layer, bridge string) {
	r.insert(layer, nftFwdInChain, "oif", bridge, "counter", "reject")
}

func (r nftRules) allowCross(layer firewall.Layer, bridge string) {
	r.insert(layer, nftFwdCrossChain, "iif", bridge, "oif", bridge, "counter", "accept")
}

// generalIPv4: the new backend's own table accepts by default, so the
// iptables backend's DHCP/DNS/TFTP input and output rules are not needed.
func (r nftRules) generalIPv4(def *network.Def, tftp bool) {
	r.rejectOut(firewall.IPv4, def.Bridge)
	r.rejectIn(firewall.IPv4, def.Bridge)
	r.allowCross(firewall.IPv4, def.Bridge)
}

func (r nftRules) generalIPv6(def *network.Def, withAddress bool) {
	r.rejectOut(firewall.IPv6, def.Bridge)
	r.rejectIn(firewall.IPv6, def.Bridge)
	r.allowCross(firewall.IPv6, def.Bridge)
}

// The bridge is matched with iif/oif (nft resolves the name to the
// interface index once, and the bridge lives as long as the network); the
// forward device with iifname/oifname, so it may appear, vanish and come
// back with a new index while the network runs.

func (r nftRules) allowOut(net netip.Prefix, bridge, physdev string) {
	l := layerOf(net.Addr())
	c := r.insert(l, nftFwdOutChain, nftFamily(l), "saddr", net.String(), "iif", bridge)
	if physdev != "" {
		c.AddArgs("oifname", physdev)
	}
	c.AddArgs("counter", "accept")
}

func (r nftRules) allowRelatedIn(net netip.Prefix, bridge, physdev string) {
	l := layerOf(net.Addr())
	c := r.insert(l, nftFwdInChain)
	if physdev != "" {
		c.AddArgs("iifname", physdev)
	}
	c.AddArgs("oif", bridge, nftFamily(l), "daddr", net.String(), "ct", "state", "related,established", "counter", "accept")
}

func (r nftRules) allowIn(net netip.Prefix, bridge, physdev string) {
	l := layerOf(net.Addr())
	c := r.insert(l, nftFwdInChain, nftFamily(l), "daddr", net.String())
	if physdev != "" {
		c.AddArgs("iifname", physdev)
	}
	c.AddArgs("oif", bridge, "counter", "accept")
}

func (r nftRules) masquerade(net netip.Prefix, physdev string, nat *network.NAT, protocol string) error {
	addrs, ports, err := natTargets(net, nat, protocol)
	if err != nil {
		return err
	}
	l := layerOf(net.Addr())
	fam := nftFamily(l)
	c := r.insert(l, nftNATChain)
	if protocol != "" {
		c.AddArgs("meta", "l4proto", protocol)
	}
	c.AddArgs(fam, "saddr", net.String(), fam, "daddr", "!=", net.String())
	if physdev != "" {
		c.AddArgs("oifname", physdev)
	}
	if addrs != "" {
		c.AddArgs("counter", "snat", "to", addrs+ports)
	} else {
		c.AddArgs("counter", "masquerade")
		if ports != "" {
			c.AddArgs("to", ports)
		}
	}
	return nil
}

func (r nftRules) dontMasquerade(net netip.Prefix, physdev, dest string) {
	l := layerOf(net.Addr())
	fam := nftFamily(l)
	c := r.insert(l, nftNATChain)
	if physdev != "" {
		c.AddArgs("oifname", physdev)
	}
	c.AddArgs(fam, "saddr", net.String(), fam, "daddr", dest, "counter", "return")
}

// checksum fills in the UDP checksum of DHCP replies that a vhost-net
// guest would otherwise drop.
func (r nftRules) checksum(bridge string) {
	r.insert(firewall.IPv4, nftMangleChain, "oif", bridge, "udp", "dport", "68", "counter", "udp", "checksum", "set", "0")
}

func nftBuild(def *network.Def) (*firewall.Firewall, error) {
	fw := firewall.New(firewall.Nftables)
	g := fw.StartTransaction(firewall.AutoRollback)
	if err := addRules(nftRules{g}, def); err != nil {
		return nil, err
	}
	return fw, nil
}
