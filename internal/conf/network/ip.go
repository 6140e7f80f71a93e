package network

import (
	"net/netip"
	"strings"

	"github.com/govirt/govirt/internal/conf/ipaddr"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// IP is one <ip> of a network: the bridge's address with its DHCP and TFTP
// service.
type IP struct {
	Family   string // "", ipv4 or ipv6 as written
	Address  netip.Addr
	Netmask  netip.Addr
	PrefixLn uint // 0 when not given
	LocalPTR netdev.Tristate

	Ranges     []*DHCPRange
	Hosts      []*DHCPHost
	TFTPRoot   string
	BootFile   string
	hasBoot    bool
	BootServer netip.Addr
}

// DHCPRange is <range start end> with an optional lease time.
type DHCPRange struct {
	Start, End netip.Addr
	Lease      *Lease
}

// DHCPHost is a static DHCP <host>.
type DHCPHost struct {
	MAC   string
	ID    string
	Name  string
	IP    netip.Addr
	Lease *Lease
	has   hostAttrs
}

type hostAttrs struct{ mac, id, name bool }

// Lease is <lease expiry unit>; Expiry 0 means infinite.
type Lease struct {
	Expiry uint64
	Unit   string // seconds, minutes or hours
}

// Prefix is the network prefix length of the address: explicit, from the
// netmask, or natural (virNetworkIPDefPrefix); -1 if none.
func (ip *IP) Prefix() int { return ipPrefix(ip.Address, ip.Netmask, ip.PrefixLn) }

func parseIP(netName string, n *xmltree.Node) (*IP, error) {
	ip := &IP{}
	ip.Family, _ = xpathAttr(n, "family")
	address, ok := xpathAttr(n, "address")
	if !ok {
		return nil, netErr(virterr.XMLError, "Missing required address attribute in network '%s'", netName)
	}
	a, err := parseAddr(address)
	if err != nil {
		return nil, netErr(virterr.XMLError, "Invalid address '%s' in network '%s'", address, netName)
	}
	ip.Address = a
	netmask, hasNetmask := xpathAttr(n, "netmask")
	if hasNetmask {
		m, err := parseAddr(netmask)
		if err != nil {
			return nil, netErr(virterr.XMLError, "Invalid netmask '%s' in network '%s'", netmask, netName)
		}
		ip.Netmask = m
	}
	p, _, err := propUint(n, "prefix", 10, 32)
	if err != nil {
		return nil, err
	}
	ip.PrefixLn = uint(p)
	if ip.LocalPTR, err = tristate(n, "localPtr"); err != nil {
		return nil, err
	}
	switch ip.Family {
	case "", "ipv4":
		if !isV4(ip.Address) {
			fam := "no"
			if ip.Family != "" {
				fam = "ipv4"
			}
			return nil, netErr(virterr.ConfigUnsupported, "%s family specified for non-IPv4 address '%s' in network '%s'", fam, address, netName)
		}
		if hasNetmask {
			if !isV4(ip.Netmask) {
				return nil, netErr(virterr.ConfigUnsupported, "Invalid netmask '%s' for address '%s' in network '%s' (both must be IPv4)", netmask, address, netName)
			}
			if ip.PrefixLn > 0 {
				return nil, netErr(virterr.ConfigUnsupported, "Network '%s' IP address cannot have both a prefix and a netmask", netName)
			}
		} else if ip.PrefixLn > 32 {
			return nil, netErr(virterr.ConfigUnsupported, "Invalid IPv4 prefix '%d' in network '%s'", ip.PrefixLn, netName)
		}
	case "ipv6":
		if !isV6(ip.Address) {
			return nil, netErr(virterr.ConfigUnsupported, "Family 'ipv6' specified for non-IPv6 address '%s' in network '%s'", address, netName)
		}
		if hasNetmask {
			return nil, netErr(virterr.ConfigUnsupported, "netmask not allowed for IPv6 address '%s' in network '%s'", address, netName)
		}
		if ip.PrefixLn > 128 {
			return nil, netErr(virterr.ConfigUnsupported, "Invalid IPv6 prefix '%d' in network '%s'", ip.PrefixLn, netName)
		}
	default:
		return nil, netErr(virterr.XMLError, "Unrecognized family '%s' in network '%s'", ip.Family, netName)
	}
	if d := n.Child("dhcp"); d != nil {
		if err := ip.parseDHCP(netName, d); err != nil {
			return nil, err
		}
	}
	if t := n.Child("tftp"); t != nil {
		if !isV4(ip.Address) {
			return nil, netErr(virterr.ConfigUnsupported, "Unsupported <tftp> element in an IPv6 element in network '%s'", netName)
		}
		ip.TFTPRoot, _ = xpathAttr(t, "root")
	}
	return ip, nil
}

func (ip *IP) parseDHCP(netName string, n *xmltree.Node) error {
	for _, r := range n.ChildrenNamed("range") {
		rng, err := ip.parseRange(netName, r)
		if err != nil {
			return err
		}
		ip.Ranges = append(ip.Ranges, rng)
	}
	for _, h := range n.ChildrenNamed("host") {
		host, err := ip.parseHost(netName, h, false)
		if err != nil {
			return err
		}
		ip.Hosts = append(ip.Hosts, host)
	}
	if b := n.Child("bootp"); b != nil && isV4(ip.Address) {
		file, ok := attr(b, "file")
		if !ok {
			// virNetworkDHCPDefParseXML skips a <bootp> without a file.
			return nil
		}
		ip.BootFile, ip.hasBoot = file, true
		if server, ok := attr(b, "server"); ok {
			s, err := parseAddr(server)
			if err != nil {
				return err
			}
			ip.BootServer = s
		}
	}
	return nil
}

func (ip *IP) parseRange(netName string, n *xmltree.Node) (*DHCPRange, error) {
	start, ok := attr(n, "start")
	if !ok {
		return nil, netErr(virterr.XMLError, "Missing 'start' attribute in dhcp range for network '%s'", netName)
	}
	s, err := parseAddr(start)
	if err != nil {
		return nil, err
	}
	end, ok := attr(n, "end")
	if !ok {
		return nil, netErr(virterr.XMLError, "Missing 'end' attribute in dhcp range for network '%s'", netName)
	}
	e, err := parseAddr(end)
	if err != nil {
		return nil, err
	}
	if err := checkRange(s, e, ip.Address, ip.Prefix()); err != nil {
		return nil, err
	}
	rng := &DHCPRange{Start: s, End: e}
	if l := n.Child("lease"); l != nil {
		if rng.Lease, err = parseLease(l); err != nil {
			return nil, err
		}
	}
	return rng, nil
}

func parseLease(n *xmltree.Node) (*Lease, error) {
	expiry, ok, err := propUint(n, "expiry", 0, 64)
	if err != nil || !ok {
		return nil, err
	}
	unit := "minutes"
	if u, has := attr(n, "unit"); has {
		switch u {
		case "seconds", "minutes", "hours":
			unit = u
		default:
			return nil, inXMLDomain(netdev.InvalidAttr(n, "unit", u))
		}
	}
	if expiry > 0 && ((unit == "seconds" && expiry < 120) || (unit == "minutes" && expiry < 2)) {
		return nil, netErr(virterr.ConfigUnsupported, "The minimum lease time should be greater than 2 minutes")
	}
	return &Lease{Expiry: expiry, Unit: unit}, nil
}

func (l *Lease) format(buf *xmlbuf.Buffer) {
	if l.Expiry == 0 {
		buf.AddLit("<lease expiry='0'/>\n")
		return
	}
	buf.Asprintf("<lease expiry='%d' unit='%s'/>\n", l.Expiry, l.Unit)
}

// parseHost reads a static DHCP host (virNetworkDHCPHostDefParseXML);
// partial allows the incomplete entries net-update uses to find one.
func (ip *IP) parseHost(netName string, n *xmltree.Node, partial bool) (*DHCPHost, error) {
	h := &DHCPHost{}
	if mac, ok := attr(n, "mac"); ok {
		if isV6(ip.Address) {
			return nil, netErr(virterr.XMLError, "Invalid to specify MAC address '%s' in network '%s' IPv6 static host definition", mac, netName)
		}
		m, err := macaddr.Parse(mac)
		if err != nil {
			return nil, netErr(virterr.XMLError, "Cannot parse MAC address '%s' in network '%s'", mac, netName)
		}
		if m.IsMulticast() {
			return nil, netErr(virterr.XMLError, "expected unicast mac address, found multicast '%s' in network '%s'", mac, netName)
		}
		h.MAC, h.has.mac = mac, true
	}
	if id, ok := attr(n, "id"); ok {
		if i := strings.IndexFunc(id, func(r rune) bool { return !strings.ContainsRune("0123456789abcdefABCDEF:", r) }); i >= 0 {
			return nil, netErr(virterr.XMLError, "Invalid character '%c' in id '%s' of network '%s'", id[i], id, netName)
		}
		h.ID, h.has.id = id, true
	}
	if name, ok := attr(n, "name"); ok {
		if name == "" || !isASCIIAlnum(name[0]) {
			return nil, netErr(virterr.XMLError, "Cannot use host name '%s' in network '%s'", name, netName)
		}
		h.Name, h.has.name = name, true
	}
	ipStr, hasIP := attr(n, "ip")
	if hasIP {
		a, err := parseAddr(ipStr)
		if err != nil {
			return nil, netErr(virterr.XMLError, "Invalid IP address in static host definition for network '%s'", netName)
		}
		h.IP = a
	}
	if partial {
		if !h.has.mac && !h.has.name && !hasIP {
			return nil, netErr(virterr.XMLError, "At least one of name, mac, or ip attribute must be specified for static host definition in network '%s'", netName)
		}
	} else {
		if isV6(ip.Address) {
			if !h.has.id && !h.has.name {
				return nil, netErr(virterr.XMLError, "Static host definition in IPv6 network '%s' must have id or name attribute", netName)
			}
		} else if !h.has.mac && !h.has.name {
			return nil, netErr(virterr.XMLError, "Static host definition in IPv4 network '%s' must have mac or name attribute", netName)
		}
		if !hasIP {
			return nil, netErr(virterr.XMLError, "Missing IP address in static host definition for network '%s'", netName)
		}
	}
	if l := n.Child("lease"); l != nil {
		var err error
		if h.Lease, err = parseLease(l); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func isASCIIAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func (ip *IP) format(buf *xmlbuf.Buffer) {
	buf.AddLit("<ip")
	if ip.Family != "" {
		buf.Attr("family", ip.Family)
	}
	if ip.Address.IsValid() {
		buf.Asprintf(" address='%s'", ipaddr.Format(ip.Address))
	}
	if ip.Netmask.IsValid() {
		buf.Asprintf(" netmask='%s'", ipaddr.Format(ip.Netmask))
	}
	if ip.PrefixLn > 0 {
		buf.Asprintf(" prefix='%d'", ip.PrefixLn)
	}
	if ip.LocalPTR != netdev.Absent {
		buf.Asprintf(" localPtr='%s'", ip.LocalPTR)
	}
	buf.AddLit(">\n")
	buf.AdjustIndent(2)
	if ip.TFTPRoot != "" {
		buf.EscapeString("<tftp root='%s'/>\n", ip.TFTPRoot)
	}
	if len(ip.Ranges) > 0 || len(ip.Hosts) > 0 {
		buf.AddLit("<dhcp>\n")
		buf.AdjustIndent(2)
		for _, r := range ip.Ranges {
			buf.Asprintf("<range start='%s' end='%s'", ipaddr.Format(r.Start), ipaddr.Format(r.End))
			if r.Lease != nil {
				buf.AddLit(">\n")
				buf.AdjustIndent(2)
				r.Lease.format(buf)
				buf.AdjustIndent(-2)
				buf.AddLit("</range>\n")
			} else {
				buf.AddLit("/>\n")
			}
		}
		for _, h := range ip.Hosts {
			buf.AddLit("<host")
			if h.has.mac {
				buf.Attr("mac", h.MAC)
			}
			if h.has.id {
				buf.Attr("id", h.ID)
			}
			if h.has.name {
				buf.Attr("name", h.Name)
			}
			if h.IP.IsValid() {
				buf.Asprintf(" ip='%s'", ipaddr.Format(h.IP))
			}
			if h.Lease != nil {
				buf.AddLit(">\n")
				buf.AdjustIndent(2)
				h.Lease.format(buf)
				buf.AdjustIndent(-2)
				buf.AddLit("</host>\n")
			} else {
				buf.AddLit("/>\n")
			}
		}
		if ip.hasBoot {
			buf.EscapeString("<bootp file='%s'", ip.BootFile)
			if ip.BootServer.IsValid() {
				buf.Asprintf(" server='%s'", ipaddr.Format(ip.BootServer))
			}
			buf.AddLit("/>\n")
		}
		buf.AdjustIndent(-2)
		buf.AddLit("</dhcp>\n")
	}
	buf.AdjustIndent(-2)
	buf.AddLit("</ip>\n")
}

// Route is a static <route> through a gateway on the network.
type Route struct {
	Family    string
	Address   netip.Addr
	Netmask   netip.Addr
	PrefixLn  uint
	HasPrefix bool
	Gateway   netip.Addr
	Metric    uint
	HasMetric bool
}

// parseRoute reads a <route> (virNetDevIPRouteParseXML and
// virNetDevIPRouteCreate); messages start with the network's name.
func parseRoute(detail string, n *xmltree.Node) (*Route, error) {
	r := &Route{}
	r.Family, _ = xpathAttr(n, "family")
	address, hasAddress := xpathAttr(n, "address")
	netmask, hasNetmask := xpathAttr(n, "netmask")
	gateway, hasGateway := xpathAttr(n, "gateway")
	p, present, err := propUint(n, "prefix", 10, 32)
	if err != nil {
		return nil, err
	}
	r.PrefixLn, r.HasPrefix = uint(p), present
	m, present, err := propUint(n, "metric", 10, 32)
	if err != nil {
		return nil, err
	}
	if present {
		if m == 0 {
			return nil, xmlHelperError("Invalid value for attribute 'metric' in element 'route': Zero is not permitted")
		}
		r.Metric, r.HasMetric = uint(m), true
	}
	if !hasAddress {
		return nil, netErr(virterr.XMLError, "%s: Missing required address attribute in route definition", detail)
	}
	if !hasGateway {
		return nil, netErr(virterr.XMLError, "%s: Missing required gateway attribute in route definition", detail)
	}
	if r.Address, err = parseAddr(address); err != nil {
		return nil, netErr(virterr.XMLError, "%s: Bad network address '%s' in route definition", detail, address)
	}
	if r.Gateway, err = parseAddr(gateway); err != nil {
		return nil, netErr(virterr.XMLError, "%s: Bad gateway address '%s' in route definition", detail, gateway)
	}
	switch r.Family {
	case "", "ipv4":
		if !isV4(r.Address) {
			if r.Family == "" {
				return nil, netErr(virterr.XMLError, "%s: No family specified for non-IPv4 address '%s' in route definition", detail, address)
			}
			return nil, netErr(virterr.XMLError, "%s: IPv4 family specified for non-IPv4 address '%s' in route definition", detail, address)
		}
		if !isV4(r.Gateway) {
			if r.Family == "" {
				return nil, netErr(virterr.XMLError, "%s: No family specified for non-IPv4 gateway '%s' in route definition", detail, address)
			}
			return nil, netErr(virterr.XMLError, "%s: IPv4 family specified for non-IPv4 gateway '%s' in route definition", detail, address)
		}
		if hasNetmask {
			if r.Netmask, err = parseAddr(netmask); err != nil {
				return nil, netErr(virterr.XMLError, "%s: Bad netmask address '%s' in route definition", detail, netmask)
			}
			if !isV4(r.Netmask) {
				return nil, netErr(virterr.XMLError, "%s: Invalid netmask '%s' for address '%s' (both must be IPv4)", detail, netmask, address)
			}
			if r.HasPrefix {
				return nil, netErr(virterr.XMLError, "%s: Route definition cannot have both a prefix and a netmask", detail)
			}
		}
		if r.PrefixLn > 32 {
			return nil, netErr(virterr.XMLError, "%s: Invalid prefix %d specified in route definition, must be 0 - 32", detail, r.PrefixLn)
		}
	case "ipv6":
		if !isV6(r.Address) {
			return nil, netErr(virterr.XMLError, "%s: ipv6 family specified for non-IPv6 address '%s' in route definition", detail, address)
		}
		if hasNetmask {
			return nil, netErr(virterr.XMLError, "%s: Specifying netmask invalid for IPv6 address '%s' in route definition", detail, address)
		}
		if !isV6(r.Gateway) {
			return nil, netErr(virterr.XMLError, "%s: ipv6 specified for non-IPv6 gateway address '%s' in route definition", detail, gateway)
		}
		if r.PrefixLn > 128 {
			return nil, netErr(virterr.XMLError, "%s: Invalid prefix %d specified in route definition, must be 0 - 128", detail, r.PrefixLn)
		}
	default:
		return nil, netErr(virterr.XMLError, "%s: Unrecognized family '%s' in route definition", detail, r.Family)
	}
	var network netip.Addr
	if hasNetmask {
		bits := ipaddr.MaskBits(r.Netmask.AsSlice())
		if bits < 0 {
			// a non-contiguous mask still masks bit by bit
			network = andAddr(r.Address, r.Netmask, false)
		} else {
			network = maskByPrefix(r.Address, bits)
		}
	} else {
		network = maskByPrefix(r.Address, int(r.PrefixLn))
	}
	if network != r.Address {
		return nil, netErr(virterr.XMLError, "%s: Address '%s' in route definition is not a network address", detail, address)
	}
	return r, nil
}

func (r *Route) format(buf *xmlbuf.Buffer) {
	buf.AddLit("<route")
	if r.Family != "" {
		buf.Attr("family", r.Family)
	}
	buf.Asprintf(" address='%s'", ipaddr.Format(r.Address))
	if r.Netmask.IsValid() {
		buf.Asprintf(" netmask='%s'", ipaddr.Format(r.Netmask))
	}
	if r.HasPrefix {
		buf.Asprintf(" prefix='%d'", r.PrefixLn)
	}
	buf.Asprintf(" gateway='%s'", ipaddr.Format(r.Gateway))
	if r.HasMetric && r.Metric > 0 {
		buf.Asprintf(" metric='%d'", r.Metric)
	}
	buf.AddLit("/>\n")
}
