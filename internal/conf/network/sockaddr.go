package network

import (
	"net/netip"

	"github.com/govirt/govirt/internal/conf/ipaddr"
	"github.com/govirt/govirt/virt/virterr"
)

// parseAddr reads an IP address as libvirt's virSocketAddrParse does
// (getaddrinfo with AI_NUMERICHOST), which for IPv4 also takes the short
// and non-decimal forms inet_aton knows ("10.1", "0x7f.1").
func parseAddr(s string) (netip.Addr, error) {
	if a, ok := ipaddr.Parse(s); ok {
		return a, nil
	}
	return netip.Addr{}, virterr.New(virterr.SystemError, "Cannot parse socket address '%s': Name or service not known", s)
}

// isV4 and isV6 tell a parsed address's family; the zero Addr is neither.
func isV4(a netip.Addr) bool { return a.IsValid() && a.Is4() }
func isV6(a netip.Addr) bool { return a.IsValid() && a.Is6() }

func sameFamily(a, b netip.Addr) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	return a.Is4() == b.Is4()
}

// ipPrefix is libvirt's virSocketAddrGetIPPrefix: the explicit prefix,
// else the netmask's, else the natural (classful) IPv4 prefix or 64 for
// IPv6; -1 when there is none.
func ipPrefix(address, netmask netip.Addr, prefix uint) int {
	switch {
	case prefix > 0:
		return int(prefix)
	case netmask.IsValid():
		return ipaddr.MaskBits(netmask.AsSlice())
	case isV4(address):
		b := address.As4()
		switch {
		case b[0]&0x80 == 0:
			return 8
		case b[0]&0xc0 == 0x80:
			return 16
		case b[0]&0xe0 == 0xc0:
			return 24
		}
		return -1
	case isV6(address):
		return 64
	}
	return -1
}

// maskByPrefix keeps the first prefix bits of a; invalid when the prefix
// does not fit the family.
func maskByPrefix(a netip.Addr, prefix int) netip.Addr {
	if !a.IsValid() || prefix < 0 || prefix > a.BitLen() {
		return netip.Addr{}
	}
	p, err := a.Prefix(prefix)
	if err != nil {
		return netip.Addr{}
	}
	return p.Addr()
}

func prefixToMask(prefix int, v4 bool) (netip.Addr, bool) {
	bits := 128
	if v4 {
		bits = 32
	}
	if prefix < 0 || prefix > bits {
		return netip.Addr{}, false
	}
	b := make([]byte, bits/8)
	for i := 0; i < prefix; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a, true
}

func andAddr(a, m netip.Addr, or bool) netip.Addr {
	x, y := a.AsSlice(), m.AsSlice()
	for i := range x {
		if or {
			x[i] |= ^y[i]
		} else {
			x[i] &= y[i]
		}
	}
	r, _ := netip.AddrFromSlice(x)
	return r
}

// checkRange is libvirt's virSocketAddrGetRange: both ends of the same
// family, inside the network when one is given, not its network or
// broadcast address, in order, and not too large.
func checkRange(start, end, network netip.Addr, prefix int) error {
	startStr, endStr := ipaddr.Format(start), ipaddr.Format(end)
	if !sameFamily(start, end) {
		return virterr.New(virterr.InternalError, "mismatch of address family in range %s - %s", startStr, endStr)
	}
	if network.IsValid() {
		netStr := ipaddr.Format(network)
		if !sameFamily(start, network) {
			return virterr.New(virterr.InternalError, "mismatch of address family in range %s - %s for network %s", startStr, endStr, netStr)
		}
		mask, ok := prefixToMask(prefix, network.Is4())
		if !ok {
			return virterr.New(virterr.InternalError, "bad prefix %d for network %s when  checking range %s - %s", prefix, netStr, startStr, endStr)
		}
		netaddr := andAddr(network, mask, false)
		if andAddr(start, mask, false) != netaddr || andAddr(end, mask, false) != netaddr {
			return virterr.New(virterr.InternalError, "range %s - %s is not entirely within network %s/%d", startStr, endStr, netStr, prefix)
		}
		if start.Is4() {
			if start == netaddr {
				return virterr.New(virterr.InternalError, "start of range %s - %s in network %s/%d is the network address", startStr, endStr, netStr, prefix)
			}
			if end == andAddr(network, mask, true) {
				return virterr.New(virterr.InternalError, "end of range %s - %s in network %s/%d is the broadcast address", startStr, endStr, netStr, prefix)
			}
		}
	}
	s, e := start.AsSlice(), end.AsSlice()
	if len(s) != 4 && len(s) != 16 {
		return virterr.New(virterr.InternalError, "unsupported address family for range %s - %s, must be ipv4 or ipv6", startStr, endStr)
	}
	// libvirt counts at most 65536 addresses: all but the last two bytes
	// must agree.
	for i := 0; i < len(s)-2; i++ {
		if s[i] != e[i] {
			return virterr.New(virterr.InternalError, "range %s - %s is too large (> 65535)", startStr, endStr)
		}
	}
	n := len(s)
	if int(e[n-2])<<8|int(e[n-1]) < int(s[n-2])<<8|int(s[n-1]) {
		return virterr.New(virterr.InternalError, "range %s - %s is reversed ", startStr, endStr)
	}
	return nil
}
