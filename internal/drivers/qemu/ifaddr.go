package qemu

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/qga"
	"github.com/govirt/govirt/virt/virterr"
)

// Sources of virDomainInterfaceAddresses
// (virDomainInterfaceAddressesSource) and the address types of its answer.
const (
	ifaddrSourceLease uint32 = 0
	ifaddrSourceAgent uint32 = 1
	ifaddrSourceARP   uint32 = 2

	ipAddrIPv4 int32 = 0
	ipAddrIPv6 int32 = 1
)

// arpTable is where the host's IPv4 neighbours are read (libvirt asks
// netlink for the same table).
var arpTable = "/proc/net/arp"

// DomainInterfaceAddresses is qemuDomainInterfaceAddresses: the guest's
// addresses as the network's DHCP leases, the guest agent or the host's
// ARP table know them.
func (c *conn) DomainInterfaceAddresses(ctx context.Context, dom driver.DomainRef, source uint32, flags uint32) ([]driver.DomainInterface, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainInterfaceAddresses"); err != nil {
		return nil, err
	}
	if source == ifaddrSourceAgent {
		if err := c.denyReadOnly("virDomainInterfaceAddresses"); err != nil {
			return nil, err
		}
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	active, def := o.active(), o.current()
	o.mu.Unlock()
	if !active {
		return nil, notRunning()
	}
	switch source {
	case ifaddrSourceLease:
		return c.d.leaseInterfaces(ctx, def)
	case ifaddrSourceAgent:
		var ifaces []driver.DomainInterface
		err := c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
			var err error
			ifaces, err = agentInterfaces(ctx, a)
			return err
		})
		return ifaces, err
	case ifaddrSourceARP:
		return arpInterfaces(def)
	}
	return nil, virterr.NewFrom(virterr.FromQemu, virterr.ArgumentUnsupported, "Unknown IP address data source %d", source)
}

// guestNIC is what the address lookups need of one <interface>.
type guestNIC struct {
	ifname  string
	mac     string // as virMacAddrFormat writes it
	network string // <source network> of type='network'
}

func guestNICs(def *domain.Def) []guestNIC {
	if def == nil || def.Devices == nil {
		return nil
	}
	var nics []guestNIC
	for _, n := range def.Devices.Interfaces() {
		g := guestNIC{ifname: childProp(n, "target", "dev"), mac: strings.ToLower(macOf(n))}
		if hw, err := net.ParseMAC(macOf(n)); err == nil {
			g.mac = hw.String()
		}
		if n.Attr("type") == "network" {
			g.network = childProp(n, "source", "network")
		}
		nics = append(nics, g)
	}
	return nics
}

// leaseInterfaces is virDomainNetDHCPInterfaces: one entry per interface
// of type network whose network has leases for its MAC, one address per
// lease. A network that cannot be found is skipped.
func (d *Driver) leaseInterfaces(ctx context.Context, def *domain.Def) ([]driver.DomainInterface, error) {
	netConn, err := d.openDriver(ctx, networkURI, "network")
	if err != nil {
		return nil, err
	}
	defer closeConn(netConn)
	var out []driver.DomainInterface
	for _, g := range guestNICs(def) {
		if g.network == "" {
			continue
		}
		leases, err := networkLeases(ctx, netConn, g.network, g.mac)
		if err != nil {
			if virterr.CodeOf(err) == virterr.NoNetwork {
				continue
			}
			return nil, err
		}
		if len(leases) == 0 {
			continue
		}
		mac := g.mac
		iface := driver.DomainInterface{Name: g.ifname, Hwaddr: &mac}
		for _, l := range leases {
			iface.Addrs = append(iface.Addrs, driver.DomainIPAddr{Type: l.Type, Addr: l.Ipaddr, Prefix: l.Prefix})
		}
		out = append(out, iface)
	}
	return out, nil
}

// networkLeases asks the network driver for the leases of mac on the
// network named name.
func networkLeases(ctx context.Context, netConn *driver.Connection, name, mac string) ([]driver.NetworkDHCPLease, error) {
	ref, err := netConn.Network.NetworkLookupByName(ctx, name)
	if err != nil {
		return nil, err
	}
	ret, err := netConn.Network.NetworkGetDHCPLeases(ctx, ref, &mac, 1, 0)
	if err != nil {
		return nil, err
	}
	return ret.Leases, nil
}

// arpInterfaces is virDomainNetARPInterfaces: one entry per neighbour of
// the host whose MAC is an interface's, with its IPv4 address and no
// prefix.
func arpInterfaces(def *domain.Def) ([]driver.DomainInterface, error) {
	f, err := os.Open(arpTable)
	if err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "unable to read ARP table: %v", err)
	}
	defer f.Close()
	type neighbour struct{ ip, mac string }
	var table []neighbour
	s := bufio.NewScanner(f)
	s.Scan() // the header
	for s.Scan() {
		// IP address, HW type, Flags, HW address, Mask, Device.
		fields := strings.Fields(s.Text())
		if len(fields) < 4 || fields[2] == "0x0" {
			continue
		}
		hw, err := net.ParseMAC(fields[3])
		if err != nil {
			continue
		}
		table = append(table, neighbour{ip: fields[0], mac: hw.String()})
	}
	var out []driver.DomainInterface
	for _, g := range guestNICs(def) {
		for _, n := range table {
			if n.mac != g.mac {
				continue
			}
			mac := g.mac
			out = append(out, driver.DomainInterface{Name: g.ifname, Hwaddr: &mac,
				Addrs: []driver.DomainIPAddr{{Type: ipAddrIPv4, Addr: n.ip}}})
		}
	}
	return out, nil
}

// agentInterfaces is qemuAgentGetInterfaces: guest-network-get-interfaces,
// with an alias ("eth0:1") folded into its interface.
func agentInterfaces(ctx context.Context, a *qga.Conn) ([]driver.DomainInterface, error) {
	ret, err := a.Execute(ctx, "guest-network-get-interfaces", nil, qga.TimeoutDefault)
	if err != nil {
		return nil, err
	}
	return parseAgentInterfaces(ret)
}

// parseAgentInterfaces reads guest-network-get-interfaces' return value.
func parseAgentInterfaces(ret json.RawMessage) ([]driver.DomainInterface, error) {
	agentErr := func(format string, args ...any) error {
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, format, args...)
	}
	var list []json.RawMessage
	if json.Unmarshal(ret, &list) != nil {
		return nil, agentErr("qemu agent didn't return an array of interfaces")
	}
	var out []driver.DomainInterface
	index := map[string]int{}
	for _, raw := range list {
		var entry struct {
			Name      *string           `json:"name"`
			Hwaddr    *string           `json:"hardware-address"`
			Addresses []json.RawMessage `json:"ip-addresses"`
		}
		if json.Unmarshal(raw, &entry) != nil {
			return nil, agentErr("qemu agent reply missing interface entry in array")
		}
		if entry.Name == nil {
			return nil, agentErr("qemu agent didn't provide 'name' field")
		}
		name, _, _ := strings.Cut(*entry.Name, ":")
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, driver.DomainInterface{Name: name, Hwaddr: entry.Hwaddr})
		}
		for _, rawAddr := range entry.Addresses {
			var addr struct {
				Type   *string          `json:"ip-address-type"`
				Addr   *string          `json:"ip-address"`
				Prefix *json.RawMessage `json:"prefix"`
			}
			if json.Unmarshal(rawAddr, &addr) != nil {
				return nil, agentErr("qemu agent reply missing IP addr in array")
			}
			if addr.Type == nil {
				return nil, agentErr("qemu agent didn't provide 'ip-address-type' field for interface '%s'", *entry.Name)
			}
			if addr.Addr == nil {
				return nil, agentErr("qemu agent didn't provide 'ip-address' field for interface '%s'", *entry.Name)
			}
			ip := driver.DomainIPAddr{Addr: *addr.Addr}
			switch *addr.Type {
			case "ipv4":
				ip.Type = ipAddrIPv4
			case "ipv6":
				ip.Type = ipAddrIPv6
			default:
				return nil, agentErr("unknown ip address type '%s'", *addr.Type)
			}
			var prefix uint32
			if addr.Prefix == nil || json.Unmarshal(*addr.Prefix, &prefix) != nil {
				return nil, agentErr("malformed 'prefix' field")
			}
			ip.Prefix = prefix
			out[i].Addrs = append(out[i].Addrs, ip)
		}
	}
	return out, nil
}
