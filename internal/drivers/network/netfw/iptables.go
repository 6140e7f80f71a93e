package netfw

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/firewall"
)

type iptChain struct{ parent, child string }

var (
	iptFilterChains = []iptChain{
		{"INPUT", "LIBVIRT_INP"},
		{"OUTPUT", "LIBVIRT_OUT"},
		{"FORWARD", "LIBVIRT_FWO"},
		{"FORWARD", "LIBVIRT_FWI"},
		{"FORWARD", "LIBVIRT_FWX"},
	}
	iptPostroutingChains = []iptChain{{"POSTROUTING", "LIBVIRT_PRT"}}
)

// iptSetup queues the one-time creation of libvirt's chains in the
// filter, nat and mangle tables of a family and the jumps to them from
// the built-in chains (iptablesSetupPrivateChains).
func iptSetup(fw *firewall.Firewall, layer firewall.Layer, changed *bool) {
	g := fw.StartTransaction(0)
	tables := []struct {
		name   string
		chains []iptChain
	}{
		{"filter", iptFilterChains},
		{"nat", iptPostroutingChains},
		{"mangle", iptPostroutingChains},
	}
	for _, t := range tables {
		t := t
		g.AddQuery(layer, false, func(g *firewall.Group, lines []string) error {
			chains := map[string]bool{}
			links := map[string]string{}
			for _, line := range lines {
				switch {
				case strings.HasPrefix(line, "-N "):
					chains[line[3:]] = true
				case strings.HasPrefix(line, "-A "):
					from, rest, ok := strings.Cut(line[3:], " ")
					if ok && strings.HasPrefix(rest, "-j ") {
						links[rest[3:]] = from
					}
				}
			}
			for _, c := range t.chains {
				if !chains[c.child] {
					g.Add(layer, "--table", t.name, "--new-chain", c.child)
					*changed = true
				}
				if links[c.child] != c.parent {
					g.Add(layer, "--table", t.name, "--insert", c.parent, "--jump", c.child)
				}
			}
			return nil
		}, "--table", t.name, "--list-rules")
	}
}

// iptRules expresses the network rules as iptables/ip6tables commands.
type iptRules struct{ g *firewall.Group }

func (r iptRules) add(layer firewall.Layer, args ...string) *firewall.Cmd {
	return r.g.Add(layer, args...)
}

func (r iptRules) input(layer firewall.Layer, bridge string, port int, proto string) {
	r.add(layer, "--table", "filter", "--insert", "LIBVIRT_INP", "--in-interface", bridge,
		"--protocol", proto, "--destination-port", strconv.Itoa(port), "--jump", "ACCEPT")
}

func (r iptRules) output(layer firewall.Layer, bridge string, port int, proto string) {
	r.add(layer, "--table", "filter", "--insert", "LIBVIRT_OUT", "--out-interface", bridge,
		"--protocol", proto, "--destination-port", strconv.Itoa(port), "--jump", "ACCEPT")
}

func (r iptRules) forwardGeneral(layer firewall.Layer, bridge string) {
	r.add(layer, "--table", "filter", "--insert", "LIBVIRT_FWO", "--in-interface", bridge, "--jump", "REJECT")
	r.add(layer, "--table", "filter", "--insert", "LIBVIRT_FWI", "--out-interface", bridge, "--jump", "REJECT")
	r.add(layer, "--table", "filter", "--insert", "LIBVIRT_FWX", "--in-interface", bridge, "--out-interface", bridge, "--jump", "ACCEPT")
}

// generalIPv4 lets DHCP, DNS and (when served) TFTP reach dnsmasq and its
// replies out, then rejects forwarding to and from the bridge except
// between its own ports.
func (r iptRules) generalIPv4(def *network.Def, tftp bool) {
	l, br := firewall.IPv4, def.Bridge
	r.input(l, br, 67, "tcp")
	r.input(l, br, 67, "udp")
	r.output(l, br, 68, "tcp")
	r.output(l, br, 68, "udp")
	r.input(l, br, 53, "tcp")
	r.input(l, br, 53, "udp")
	r.output(l, br, 53, "tcp")
	r.output(l, br, 53, "udp")
	if tftp {
		r.input(l, br, 69, "udp")
		r.output(l, br, 69, "udp")
	}
	r.forwardGeneral(l, br)
}

func (r iptRules) generalIPv6(def *network.Def, withAddress bool) {
	l, br := firewall.IPv6, def.Bridge
	r.forwardGeneral(l, br)
	if withAddress {
		r.input(l, br, 53, "tcp")
		r.input(l, br, 53, "udp")
		r.output(l, br, 53, "tcp")
		r.output(l, br, 53, "udp")
		r.input(l, br, 547, "udp")
		r.output(l, br, 546, "udp")
	}
}

func (r iptRules) allowOut(net netip.Prefix, bridge, physdev string) {
	c := r.add(layerOf(net.Addr()), "--table", "filter", "--insert", "LIBVIRT_FWO", "--source", net.String(), "--in-interface", bridge)
	if physdev != "" {
		c.AddArgs("--out-interface", physdev)
	}
	c.AddArgs("--jump", "ACCEPT")
}

func (r iptRules) allowRelatedIn(net netip.Prefix, bridge, physdev string) {
	c := r.add(layerOf(net.Addr()), "--table", "filter", "--insert", "LIBVIRT_FWI", "--destination", net.String())
	if physdev != "" {
		c.AddArgs("--in-interface", physdev)
	}
	c.AddArgs("--out-interface", bridge, "--match", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "--jump", "ACCEPT")
}

func (r iptRules) allowIn(net netip.Prefix, bridge, physdev string) {
	c := r.add(layerOf(net.Addr()), "--table", "filter", "--insert", "LIBVIRT_FWI", "--destination", net.String())
	if physdev != "" {
		c.AddArgs("--in-interface", physdev)
	}
	c.AddArgs("--out-interface", bridge, "--jump", "ACCEPT")
}

func (r iptRules) masquerade(net netip.Prefix, physdev string, nat *network.NAT, protocol string) error {
	addrs, ports, err := natTargets(net, nat, protocol)
	if err != nil {
		return err
	}
	c := r.add(layerOf(net.Addr()), "--table", "nat", "--insert", "LIBVIRT_PRT", "--source", net.String())
	if protocol != "" {
		c.AddArgs("-p", protocol)
	}
	c.AddArgs("!", "--destination", net.String())
	if physdev != "" {
		c.AddArgs("--out-interface", physdev)
	}
	if addrs != "" {
		c.AddArgs("--jump", "SNAT", "--to-source", addrs+ports)
	} else {
		c.AddArgs("--jump", "MASQUERADE")
		if ports != "" {
			c.AddArgs("--to-ports", ports[1:])
		}
	}
	return nil
}

func (r iptRules) dontMasquerade(net netip.Prefix, physdev, dest string) {
	c := r.add(layerOf(net.Addr()), "--table", "nat", "--insert", "LIBVIRT_PRT")
	if physdev != "" {
		c.AddArgs("--out-interface", physdev)
	}
	c.AddArgs("--source", net.String(), "--destination", dest, "--jump", "RETURN")
}

func (r iptRules) checksum(bridge string) {
	r.add(firewall.IPv4, "--table", "mangle", "--insert", "LIBVIRT_PRT", "--out-interface", bridge,
		"--protocol", "udp", "--destination-port", "68", "--jump", "CHECKSUM", "--checksum-fill")
}

// checksumOnly routes the checksum rule to its own group: not every
// iptables build has the CHECKSUM target, so its failure is ignored.
type checksumOnly struct {
	iptRules
	fix iptRules
}

func (r checksumOnly) checksum(bridge string) { r.fix.checksum(bridge) }

func iptBuild(def *network.Def) (*firewall.Firewall, error) {
	fw := firewall.New(firewall.Iptables)
	main := fw.StartTransaction(firewall.AutoRollback)
	fix := fw.StartTransaction(firewall.AutoRollback | firewall.IgnoreErrors)
	if err := addRules(checksumOnly{iptRules{main}, iptRules{fix}}, def); err != nil {
		return nil, err
	}
	return fw, nil
}
