package network

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// parseAddr reads an IP address as libvirt's virSocketAddrParse does
// (getaddrinfo with AI_NUMERICHOST), which for IPv4 also takes the short
// and non-decimal forms inet_aton knows ("10.1", "0x7f.1").
func parseAddr(s string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a, nil
	}
	if a, ok := parseInetAton(s); ok {
		return a, nil
	}
	return netip.Addr{}, virterr.New(virterr.SystemError, "Cannot parse socket address '%s': Name or service not known", s)
}

func parseInetAton(s string) (netip.Addr, bool) {
	if s == "" || strings.ContainsAny(s, ":") {
		return netip.Addr{}, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		if p == "" {
			if base != 16 {
				return netip.Addr{}, false
			}
			// "0x" alone is zero to inet_aton
		}
		v := uint64(0)
		if p != "" {
			var err error
			v, err = strconv.ParseUint(p, base, 32)
			if err != nil {
				return netip.Addr{}, false
			}
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 0xff {
			return netip.Addr{}, false
		}
		n |= vals[i] << (24 - 8*i)
	}
	if vals[last] >= 1<<(32-8*last) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// formatAddr writes an address as libvirt's virSocketAddrFormat does
// (getnameinfo NI_NUMERICHOST, i.e. glibc's inet_ntop), which writes
// IPv4-compatible IPv6 addresses with a dotted tail.
func formatAddr(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		b := a.As16()
		zero := true
		for i := 0; i < 12; i++ {
			if b[i] != 0 {
				zero = false
				break
			}
		}
		if zero && (b[12] != 0 || b[13] != 0) {
			return fmt.Sprintf("::%d.%d.%d.%d", b[12], b[13], b[14], b[15])
		}
	}
	return a.String()
}

// familyName names an address family as libvirt's messages do.
func isV4(a netip.Addr) bool { return a.IsValid() && a.Is4() }
func isV6(a netip.Addr) bool { return a.IsValid() && a.Is6() }

func sameFamily(a, b netip.Addr) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	return a.Is4() == b.Is4()
}

// maskBits counts the leading one bits of a netmask, or -1 when it is not
// a contiguous mask (virSocketAddrGetNumNetmaskBits).
func maskBits(m netip.Addr) int {
	b := m.AsSlice()
	n := 0
	i := 0
	for ; i < len(b) && b[i] == 0xff; i++ {
		n += 8
	}
	if i < len(b) {
		c := b[i]
		for c&0x80 != 0 {
			n++
			c <<= 1
		}
		if c != 0 {
			return -1
		}
		for i++; i < len(b); i++ {
			if b[i] != 0 {
				return -1
			}
		}
	}
	return n
}

// ipPrefix is libvirt's virSocketAddrGetIPPrefix: the explicit prefix,
// else the netmask's, else the natural (classful) IPv4 prefix or 64 for
// IPv6; -1 when there is none.
func ipPrefix(address, netmask netip.Addr, prefix uint) int {
	switch {
	case prefix > 0:
		return int(prefix)
	case netmask.IsValid():
		return maskBits(netmask)
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
	startStr, endStr := formatAddr(start), formatAddr(end)
	if !sameFamily(start, end) {
		return virterr.New(virterr.InternalError, "mismatch of address family in range %s - %s", startStr, endStr)
	}
	if network.IsValid() {
		netStr := formatAddr(network)
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
