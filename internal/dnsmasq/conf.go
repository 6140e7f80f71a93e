// Package dnsmasq writes the dnsmasq configuration a virtual network
// runs with, exactly as libvirt's networkDnsmasqConfContents does (the
// config file, the DHCP hosts file and the DNS additional-hosts file),
// and builds the command that starts dnsmasq on it.
package dnsmasq

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/virt/virterr"
)

// Paths are where a network's dnsmasq files live: all under the
// driver's dnsmasq state directory, named after the network
// (dnsmasqContextNew, networkDnsmasqConfigFileName).
type Paths struct {
	StateDir string
	Name     string
}

func (p Paths) file(suffix string) string { return filepath.Join(p.StateDir, p.Name+"."+suffix) }

// Conf is the config file's path.
func (p Paths) Conf() string { return p.file("conf") }

// Hostsfile is the dhcp-hostsfile's path.
func (p Paths) Hostsfile() string { return p.file("hostsfile") }

// Addnhosts is the addn-hosts file's path.
func (p Paths) Addnhosts() string { return p.file("addnhosts") }

// AddnHost is one line of the addn-hosts file: an address and its names.
type AddnHost struct {
	IP    string
	Names []string
}

// Files is everything generated for one network.
type Files struct {
	Conf string
	// DHCPHosts are the dhcp-hostsfile lines, one per static host.
	DHCPHosts []string
	AddnHosts []AddnHost
}

// HostsfileText is the dhcp-hostsfile's content; ok is false when the
// network has no static DHCP host (libvirt then produces none).
func (f *Files) HostsfileText() (text string, ok bool) {
	if len(f.DHCPHosts) == 0 {
		return "", false
	}
	return strings.Join(f.DHCPHosts, "\n") + "\n", true
}

// AddnhostsText is the addn-hosts file's content (addnhostsSave): the
// address and each name, every one followed by a tab.
func (f *Files) AddnhostsText() string {
	var b strings.Builder
	for _, h := range f.AddnHosts {
		b.WriteString(h.IP)
		b.WriteByte('\t')
		for _, n := range h.Names {
			b.WriteString(n)
			b.WriteByte('\t')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (f *Files) addDHCPHost(h *network.DHCPHost, leaseTime string, ipv6 bool) {
	ip := h.IP.String()
	var line string
	switch {
	case ipv6:
		switch {
		case h.Name != "" && h.ID != "":
			line = fmt.Sprintf("id:%s,%s,[%s]", h.ID, h.Name, ip)
		case h.Name != "":
			line = fmt.Sprintf("%s,[%s]", h.Name, ip)
		case h.ID != "":
			line = fmt.Sprintf("id:%s,[%s]", h.ID, ip)
		}
	case h.Name != "" && h.MAC != "":
		line = fmt.Sprintf("%s,%s,%s", h.MAC, ip, h.Name)
	case h.Name != "":
		line = fmt.Sprintf("%s,%s", h.Name, ip)
	default:
		line = fmt.Sprintf("%s,%s", h.MAC, ip)
	}
	if leaseTime != "" {
		line += "," + leaseTime
	}
	f.DHCPHosts = append(f.DHCPHosts, line)
}

func (f *Files) addHost(ip netip.Addr, name string) {
	s := ip.String()
	for i := range f.AddnHosts {
		if f.AddnHosts[i].IP == s {
			f.AddnHosts[i].Names = append(f.AddnHosts[i].Names, name)
			return
		}
	}
	f.AddnHosts = append(f.AddnHosts, AddnHost{IP: s, Names: []string{name}})
}

// leaseTime is dnsmasq's lease time for a <lease>: "infinite", or the
// number followed by the unit's first letter.
func leaseTime(l *network.Lease) string {
	if l == nil {
		return ""
	}
	if l.Expiry == 0 {
		return "infinite"
	}
	unit := l.Unit
	if unit == "" {
		unit = "minutes"
	}
	return fmt.Sprintf("%d%c", l.Expiry, unit[0])
}

func ipsOf(def *network.Def, v4, v6 bool) []*network.IP {
	var out []*network.IP
	for _, ip := range def.IPs {
		if ip.Address.IsValid() && ((v4 && ip.Address.Is4()) || (v6 && ip.Address.Is6())) {
			out = append(out, ip)
		}
	}
	return out
}

func hasDHCP(ip *network.IP) bool { return len(ip.Ranges) > 0 || len(ip.Hosts) > 0 }

// Contents generates the files for def (networkDnsmasqConfContents).
// pidfile may be "" (no pid-file line).
func Contents(def *network.Def, pidfile string, paths Paths, caps *Caps) (*Files, error) {
	if caps == nil {
		caps = DefaultCaps()
	}
	f := &Files{}
	var b strings.Builder
	wantDNS := def.DNS.Enable != netdev.No

	fmt.Fprintf(&b, "##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"+
		"##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n"+
		"##    virsh net-edit %s\n"+
		"## or other application using the libvirt API.\n"+
		"##\n## dnsmasq conf file created by libvirt\n"+
		"strict-order\n", def.Name)

	// Port 0 tells dnsmasq not to listen for DNS at all.
	if !wantDNS {
		b.WriteString("port=0\n")
	}

	if wantDNS && len(def.DNS.Forwarders) > 0 {
		// An address without a domain takes every query the others do
		// not claim, so the host's resolv.conf is no longer needed.
		noResolv := false
		for _, fwd := range def.DNS.Forwarders {
			b.WriteString("server=")
			if fwd.Domain != "" {
				fmt.Fprintf(&b, "/%s/", fwd.Domain)
			}
			if fwd.Addr.IsValid() {
				fmt.Fprintf(&b, "%s\n", fwd.Addr)
				if fwd.Domain == "" {
					noResolv = true
				}
			} else {
				// "do not forward requests for this domain"
				b.WriteString("#\n")
			}
		}
		if noResolv {
			b.WriteString("no-resolv\n")
		}
	}

	if def.Domain != nil && def.Domain.Name != "" {
		if def.Domain.LocalOnly == netdev.Yes {
			fmt.Fprintf(&b, "local=/%s/\n", def.Domain.Name)
		}
		fmt.Fprintf(&b, "domain=%s\nexpand-hosts\n", def.Domain.Name)
	}

	if wantDNS {
		for _, ip := range def.IPs {
			if ip.LocalPTR != netdev.Yes {
				continue
			}
			ptr, err := ptrDomain(ip.Address, ip.Prefix())
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "local=/%s/\n", ptr)
		}
	}

	if wantDNS && def.DNS.ForwardPlainNames == netdev.No {
		// local=// keeps plain (dotless) names from being forwarded,
		// with or without a domain.
		b.WriteString("domain-needed\nlocal=//\n")
	}

	if pidfile != "" {
		fmt.Fprintf(&b, "pid-file=%s\n", pidfile)
	}

	// dnsmasq always listens on localhost unless told otherwise.
	b.WriteString("except-interface=lo\n")

	if caps.BindDynamic {
		// --bind-dynamic with only --interface answers nothing that
		// arrives on another interface (CVE-2012-3411).
		fmt.Fprintf(&b, "bind-dynamic\ninterface=%s\n", def.Bridge)
	} else {
		b.WriteString("bind-interfaces\n")
		for _, ip := range ipsOf(def, true, true) {
			if !caps.BindToDevice && !isPrivate(ip.Address) {
				return nil, virterr.New(virterr.ConfigUnsupported,
					"Publicly routable address %s is prohibited. The version of dnsmasq on this host (%d.%d) doesn't support the bind-dynamic option or use SO_BINDTODEVICE on listening sockets, one of which is required for safe operation on a publicly routable subnet (see CVE-2012-3411). You must either upgrade dnsmasq, or use a private/local subnet range for this network (as described in RFC1918/RFC3484/RFC4193).",
					ip.Address, caps.Major, caps.Minor)
			}
			fmt.Fprintf(&b, "listen-address=%s\n", ip.Address)
		}
	}

	// An isolated network has no way out: advertise no default route
	// (DHCP option 3 empty, IPv6 router lifetime 0) and forward no DNS.
	if def.Forward.Mode == network.ForwardNone {
		b.WriteString("dhcp-option=3\nno-resolv\n")
		if caps.RAParam {
			b.WriteString("ra-param=*,0,0\n")
		}
	}

	if wantDNS {
		for _, t := range def.DNS.TXTs {
			fmt.Fprintf(&b, "txt-record=%s,%s\n", t.Name, t.Value)
		}
		for _, s := range def.DNS.SRVs {
			if s.Service == nil || s.Protocol == nil {
				return nil, virterr.New(virterr.InternalError, "Missing required 'service' attribute in SRV record of network '%s'", def.Name)
			}
			// RFC 2782 prefixes service and protocol with an underscore.
			fmt.Fprintf(&b, "srv-host=_%s._%s", *s.Service, *s.Protocol)
			if s.Domain != nil {
				fmt.Fprintf(&b, ".%s", *s.Domain)
			}
			// An empty or "." target means the service is decidedly not
			// available; port, priority and weight then do not matter.
			// They are positional, so a later one given forces the
			// earlier ones out (dnsmasq's default port is 1).
			if s.Target != nil && *s.Target != "." {
				fmt.Fprintf(&b, ",%s", *s.Target)
				if s.Port != 0 || s.Priority != 0 || s.Weight != 0 {
					port := s.Port
					if port == 0 {
						port = 1
					}
					fmt.Fprintf(&b, ",%d", port)
				}
				if s.Priority != 0 || s.Weight != 0 {
					fmt.Fprintf(&b, ",%d", s.Priority)
				}
				if s.Weight != 0 {
					fmt.Fprintf(&b, ",%d", s.Weight)
				}
			}
			b.WriteString("\n")
		}
	}

	// DHCP is served on the first address of each family that has it.
	var ipv4def, ipv6def *network.IP
	for _, ip := range ipsOf(def, true, true) {
		if !hasDHCP(ip) {
			continue
		}
		if ip.Address.Is4() {
			if ipv4def != nil {
				return nil, virterr.New(virterr.ConfigUnsupported, "For IPv4, multiple DHCP definitions cannot be specified.")
			}
			ipv4def = ip
			continue
		}
		if !caps.DHCPv6 {
			return nil, virterr.New(virterr.ConfigUnsupported,
				"The version of dnsmasq on this host (%d.%d) doesn't adequately support IPv6 dhcp range or dhcp host specification. Version %d.%d or later is required.",
				caps.Major, caps.Minor, 2, 64)
		}
		if ipv6def != nil {
			return nil, virterr.New(virterr.ConfigUnsupported, "For IPv6, multiple DHCP definitions cannot be specified.")
		}
		ipv6def = ip
	}

	// TFTP is served on IPv4 addresses, with or without DHCP.
	for _, ip := range ipsOf(def, true, false) {
		if ip.TFTPRoot != "" {
			fmt.Fprintf(&b, "enable-tftp\ntftp-root=%s\n", ip.TFTPRoot)
		}
	}

	leases := 0
	for _, ip := range []*network.IP{ipv4def, ipv6def} {
		if ip == nil {
			continue
		}
		prefix := ip.Prefix()
		if prefix < 0 {
			return nil, virterr.New(virterr.InternalError, "bridge '%s' has an invalid prefix", def.Bridge)
		}
		for _, r := range ip.Ranges {
			if ip.Address.Is6() {
				fmt.Fprintf(&b, "dhcp-range=%s,%s,%d", r.Start, r.End, prefix)
			} else {
				fmt.Fprintf(&b, "dhcp-range=%s,%s,%s", r.Start, r.End, netmaskOf(prefix))
			}
			if lt := leaseTime(r.Lease); lt != "" {
				fmt.Fprintf(&b, ",%s", lt)
			}
			b.WriteString("\n")
			n, err := rangeSize(r.Start, r.End)
			if err != nil {
				return nil, err
			}
			leases += n
		}
		// Static-only DHCP needs a "static" range to enable the service
		// for the hosts file.
		if len(ip.Ranges) == 0 && len(ip.Hosts) > 0 {
			fmt.Fprintf(&b, "dhcp-range=%s,static", ip.Address)
			if ip.Address.Is6() {
				fmt.Fprintf(&b, ",%d", prefix)
			}
			b.WriteString("\n")
		}
		for _, h := range ip.Hosts {
			if h.IP.IsValid() {
				f.addDHCPHost(h, leaseTime(h.Lease), ip.Address.Is6())
			}
		}
		if ip.Address.Is4() {
			b.WriteString("dhcp-no-override\ndhcp-authoritative\n")
			if ip.BootFile != "" {
				if ip.BootServer.IsValid() {
					fmt.Fprintf(&b, "dhcp-boot=%s,,%s\n", ip.BootFile, ip.BootServer)
				} else {
					fmt.Fprintf(&b, "dhcp-boot=%s\n", ip.BootFile)
				}
			}
		}
	}
	if leases > 0 {
		fmt.Fprintf(&b, "dhcp-lease-max=%d\n", leases)
	}

	for _, h := range def.DNS.Hosts {
		if h.IP.IsValid() {
			for _, n := range h.Names {
				f.addHost(h.IP, n)
			}
		}
	}

	// The hosts files are named even when empty, so hosts added at run
	// time reach dnsmasq with a SIGHUP.
	if ipv4def != nil || ipv6def != nil {
		fmt.Fprintf(&b, "dhcp-hostsfile=%s\n", xmlbuf.Escape(paths.Hostsfile()))
	}
	if wantDNS {
		fmt.Fprintf(&b, "addn-hosts=%s\n", xmlbuf.Escape(paths.Addnhosts()))
	}

	if def.MTU > 0 {
		fmt.Fprintf(&b, "dhcp-option=option:mtu,%d\n", def.MTU)
	}

	// dnsmasq does router advertisement (instead of radvd): for a
	// DHCPv6 network, or for each IPv6 address without DHCP.
	if caps.RA {
		if ipv6def != nil {
			b.WriteString("enable-ra\n")
		} else {
			for _, ip := range ipsOf(def, false, true) {
				if !hasDHCP(ip) {
					fmt.Fprintf(&b, "dhcp-range=%s,ra-only\n", ip.Address)
				}
			}
		}
	}

	for _, o := range def.DnsmasqOptions {
		fmt.Fprintf(&b, "%s\n", o)
	}
	f.Conf = b.String()
	return f, nil
}

func netmaskOf(prefix int) string {
	var m [4]byte
	for i := 0; i < prefix && i < 32; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(m).String()
}

// rangeSize counts the addresses of a DHCP range as libvirt's
// virSocketAddrGetRange does: only the last 16 bits may differ.
func rangeSize(start, end netip.Addr) (int, error) {
	s, e := start.AsSlice(), end.AsSlice()
	if len(s) != len(e) {
		return 0, virterr.New(virterr.InternalError, "mismatch of address family in range %s - %s", start, end)
	}
	n := len(s)
	for i := 0; i < n-2; i++ {
		if s[i] != e[i] {
			return 0, virterr.New(virterr.InternalError, "range %s - %s is too large (> 65535)", start, end)
		}
	}
	size := (int(e[n-2])<<8 | int(e[n-1])) - (int(s[n-2])<<8 | int(s[n-1]))
	if size < 0 {
		return 0, virterr.New(virterr.InternalError, "range %s - %s is reversed ", start, end)
	}
	return size + 1, nil
}

// ptrDomain is the reverse-lookup zone of a subnet (virSocketAddrPTRDomain);
// only whole octets (IPv4) or nibbles (IPv6) can be expressed.
func ptrDomain(a netip.Addr, prefix int) (string, error) {
	unit := 8
	family := "IPv4"
	if a.Is6() {
		unit, family = 4, "IPv6"
	}
	if prefix <= 0 || prefix%unit != 0 || prefix > a.BitLen() {
		return "", virterr.New(virterr.ConfigUnsupported, "PTR domain for %s network with prefix %d cannot be automatically created", family, prefix)
	}
	bytes := a.AsSlice()
	var labels []string
	if a.Is4() {
		for i := prefix/8 - 1; i >= 0; i-- {
			labels = append(labels, fmt.Sprint(bytes[i]))
		}
		return strings.Join(labels, ".") + ".in-addr.arpa", nil
	}
	for i := prefix/4 - 1; i >= 0; i-- {
		nib := bytes[i/2]
		if i%2 == 0 {
			nib >>= 4
		}
		labels = append(labels, fmt.Sprintf("%x", nib&0xf))
	}
	return strings.Join(labels, ".") + ".ip6.arpa", nil
}

// isPrivate reports RFC 1918 / RFC 3484 / RFC 4193 addresses
// (virSocketAddrIsPrivate).
func isPrivate(a netip.Addr) bool {
	if a.Is4() {
		b := a.As4()
		return b[0] == 10 || (b[0] == 172 && b[1]&0xf0 == 16) || (b[0] == 192 && b[1] == 168)
	}
	b := a.As16()
	return b[0]&0xfe == 0xfc || (b[0] == 0xfe && b[1]&0xc0 == 0xc0)
}
