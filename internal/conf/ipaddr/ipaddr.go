// Package ipaddr reads and writes IP addresses as glibc does for libvirt's
// virSocketAddr helpers: getaddrinfo(AI_NUMERICHOST) takes inet_aton's
// IPv4 forms ("10.1", "0x7f.1", octal parts) and inet_pton's IPv6, and
// inet_ntop writes IPv6 with an IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d.
package ipaddr

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ParseIPv4 reads an IPv4 address the way getaddrinfo(AI_NUMERICHOST)
// does in glibc (inet_aton, exact): one to four parts separated by dots,
// each decimal, octal (leading 0) or hex (leading 0x), the last part
// filling the remaining bytes.
func ParseIPv4(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := atonPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var out uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 0xff {
			return netip.Addr{}, false
		}
		out |= vals[i] << (24 - 8*uint(i))
	}
	limit := uint64(1)<<(32-8*uint(last)) - 1
	if vals[last] > limit {
		return netip.Addr{}, false
	}
	out |= vals[last]
	return netip.AddrFrom4([4]byte{byte(out >> 24), byte(out >> 16), byte(out >> 8), byte(out)}), true
}

// parseCNumber reads one inet_aton part: digits only, in C's base 0.
func atonPart(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	digits := p
	switch {
	case len(p) > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, digits = 16, p[2:]
		if digits == "" {
			// inet_aton takes "0x" as zero
			return 0, true
		}
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, false
	}
	return v, true
}

// Parse reads an address of either family as libvirt's virSocketAddrParse
// does with AF_UNSPEC (getaddrinfo with AI_NUMERICHOST): inet_pton's IPv6,
// or inet_aton's IPv4 with its short and non-decimal forms.
func Parse(s string) (netip.Addr, bool) {
	if a, ok := ParseIPv6(s); ok {
		return a, true
	}
	return ParseIPv4(s)
}

// ParseIPv6 reads an IPv6 address as inet_pton(AF_INET6) does.
func ParseIPv6(s string) (netip.Addr, bool) {
	if !strings.Contains(s, ":") || strings.Contains(s, "%") {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return netip.Addr{}, false
	}
	return a, true
}

// Format writes an address as libvirt's virSocketAddrFormat (glibc's
// inet_ntop): IPv6 with the longest run of two or more zero groups
// compressed, and an IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d.
func Format(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	var w [8]uint16
	for i := range w {
		w[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	bestBase, bestLen := -1, 0
	for i := 0; i < 8; {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && w[j] == 0 {
			j++
		}
		if j-i > bestLen {
			bestBase, bestLen = i, j-i
		}
		i = j
	}
	if bestLen < 2 {
		bestBase = -1
	}
	var sb strings.Builder
	for i := 0; i < 8; i++ {
		if bestBase >= 0 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				sb.WriteByte(':')
			}
			continue
		}
		if i != 0 {
			sb.WriteByte(':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
			fmt.Fprintf(&sb, "%d.%d.%d.%d", b[12], b[13], b[14], b[15])
			break
		}
		fmt.Fprintf(&sb, "%x", w[i])
	}
	if bestBase >= 0 && bestBase+bestLen == 8 {
		sb.WriteByte(':')
	}
	return sb.String()
}

// MaskBits counts the leading one bits of a netmask (an address's bytes or
// a MAC mask's), or -1 when the ones are not contiguous
// (virSocketAddrGetNumNetmaskBits).
func MaskBits(b []byte) int {
	n := 0
	zero := false
	for _, c := range b {
		for bit := 7; bit >= 0; bit-- {
			if c&(1<<uint(bit)) != 0 {
				if zero {
					return -1
				}
				n++
			} else {
				zero = true
			}
		}
	}
	return n
}
