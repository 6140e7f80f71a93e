// Package netfw generates a virtual network's firewall rules the way
// libvirt's network driver does, for the nftables backend (a private
// libvirt_network table per address family) and the iptables backend
// (libvirt 9.0's LIBVIRT_* chains), and applies them as firewall
// transactions that record their own removal.
package netfw

import (
	"net/netip"
	"strconv"

	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/firewall"
	"github.com/govirt/govirt/virt/virterr"
)

// Destinations never masqueraded: local multicast stays on the link, and
// strict DHCP clients refuse replies to the broadcast address whose source
// port was rewritten.
const (
	localMulticastIPv4 = "224.0.0.0/24"
	localMulticastIPv6 = "ff02::/16"
	localBroadcast     = "255.255.255.255/32"
)

// ruleSet is what one backend must provide to express libvirt's network
// rules; Rules drives it in libvirt's order.
type ruleSet interface {
	generalIPv4(def *network.Def, tftp bool)
	generalIPv6(def *network.Def, withAddress bool)
	allowOut(net netip.Prefix, bridge, physdev string)
	allowRelatedIn(net netip.Prefix, bridge, physdev string)
	allowIn(net netip.Prefix, bridge, physdev string)
	masquerade(net netip.Prefix, physdev string, nat *network.NAT, protocol string) error
	dontMasquerade(net netip.Prefix, physdev, dest string)
	checksum(bridge string)
}

func layerOf(a netip.Addr) firewall.Layer {
	if a.Is4() {
		return firewall.IPv4
	}
	return firewall.IPv6
}

// ipsOf lists a network's addresses of one family ("" for all) in
// document order (virNetworkDefGetIPByIndex).
func ipsOf(def *network.Def, family string) []*network.IP {
	var out []*network.IP
	for _, ip := range def.IPs {
		if !ip.Address.IsValid() {
			continue
		}
		if family == "" || (family == "ipv4" && ip.Address.Is4()) || (family == "ipv6" && ip.Address.Is6()) {
			out = append(out, ip)
		}
	}
	return out
}

// firstDHCPv4 is the first IPv4 address with DHCP (or, with tftp set, a
// TFTP root): the one address libvirt serves DHCP on.
func firstDHCPv4(def *network.Def, tftp bool) *network.IP {
	for _, ip := range ipsOf(def, "ipv4") {
		if len(ip.Ranges) > 0 || len(ip.Hosts) > 0 || (tftp && ip.TFTPRoot != "") {
			return ip
		}
	}
	return nil
}

func subnet(def *network.Def, ip *network.IP) (netip.Prefix, error) {
	prefix := ip.Prefix()
	if prefix < 0 {
		return netip.Prefix{}, virterr.New(virterr.InternalError, "Invalid prefix or netmask for '%s'", def.Bridge)
	}
	p, err := ip.Address.Prefix(prefix)
	if err != nil {
		return netip.Prefix{}, virterr.New(virterr.InternalError, "Invalid prefix or netmask for '%s'", def.Bridge)
	}
	return p, nil
}

// addRules queues every rule of def: the general rules of each family,
// then each address's forwarding rules, then the DHCP checksum fix.
func addRules(rs ruleSet, def *network.Def) error {
	tftp := firstDHCPv4(def, true)
	rs.generalIPv4(def, tftp != nil && tftp.TFTPRoot != "")
	if len(ipsOf(def, "ipv6")) > 0 || def.IPv6NoGateway {
		rs.generalIPv6(def, len(ipsOf(def, "ipv6")) > 0)
	}
	for _, ip := range ipsOf(def, "") {
		if err := addIPRules(rs, def, ip); err != nil {
			return err
		}
	}
	if firstDHCPv4(def, false) != nil {
		rs.checksum(def.Bridge)
	}
	return nil
}

// addIPRules adds one address's forwarding rules. IPv6 has no NAT unless
// <nat ipv6='yes'>, so a NAT network routes its IPv6 subnets.
func addIPRules(rs ruleSet, def *network.Def, ip *network.IP) error {
	switch def.Forward.Mode {
	case network.ForwardNAT:
		if ip.Address.Is4() || def.Forward.NAT.IPv6 == netdev.Yes {
			return addMasqueradeRules(rs, def, ip)
		}
		return addRoutingRules(rs, def, ip)
	case network.ForwardRoute:
		return addRoutingRules(rs, def, ip)
	}
	return nil
}

func addMasqueradeRules(rs ruleSet, def *network.Def, ip *network.IP) error {
	net, err := subnet(def, ip)
	if err != nil {
		return err
	}
	physdev := def.ForwardDev(0)
	rs.allowOut(net, def.Bridge, physdev)
	rs.allowRelatedIn(net, def.Bridge, physdev)
	// Rules are inserted at the head of the chain, so they are added in
	// the reverse of their final order: generic masquerade, UDP and TCP
	// with source ports kept above 1023 (NFS trusts lower ones), then
	// the broadcast and multicast exemptions.
	for _, proto := range []string{"", "udp", "tcp"} {
		if err := rs.masquerade(net, physdev, &def.Forward.NAT, proto); err != nil {
			return err
		}
	}
	if ip.Address.Is4() {
		rs.dontMasquerade(net, physdev, localBroadcast)
		rs.dontMasquerade(net, physdev, localMulticastIPv4)
	} else {
		rs.dontMasquerade(net, physdev, localMulticastIPv6)
	}
	return nil
}

func addRoutingRules(rs ruleSet, def *network.Def, ip *network.IP) error {
	net, err := subnet(def, ip)
	if err != nil {
		return err
	}
	physdev := def.ForwardDev(0)
	rs.allowOut(net, def.Bridge, physdev)
	rs.allowIn(net, def.Bridge, physdev)
	return nil
}

// natTargets gives the SNAT address range text ("" for masquerade) and
// the port range suffix (":start-end", "" without a protocol) of a
// masquerade rule, with libvirt's default ports 1024-65535.
func natTargets(net netip.Prefix, nat *network.NAT, protocol string) (addrs, ports string, err error) {
	if nat.Start.IsValid() && nat.Start.Is4() == net.Addr().Is4() {
		addrs = nat.Start.String()
		if nat.End.IsValid() && nat.End.Is4() == net.Addr().Is4() {
			addrs += "-" + nat.End.String()
		}
	}
	if protocol != "" {
		start, end := nat.PortStart, nat.PortEnd
		if start == 0 && end == 0 {
			start, end = 1024, 65535
		}
		if !(start < end && end < 65536) {
			return "", "", virterr.New(virterr.InternalError, "Invalid port range '%d-%d'.", start, end)
		}
		ports = ":" + strconv.FormatUint(uint64(start), 10) + "-" + strconv.FormatUint(uint64(end), 10)
	}
	return addrs, ports, nil
}
