package gentech

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/nwfilter"
)

func sortStrings(s []string) { sort.Strings(s) }

// Print writes one attribute value for a firewall command as libvirt's
// printDataType does: a variable by its current value, untouched; numbers
// in decimal, or in hex when asHex; masks as prefix lengths. ipset flags
// are written by PrintIPSetFlags instead.
func (ci *CombIter) Print(v *nwfilter.Value, asHex bool) (string, error) {
	if v.Var != nil {
		return ci.Value(*v.Var)
	}
	num := func(n uint32) string {
		if asHex {
			return "0x" + strconv.FormatUint(uint64(n), 16)
		}
		return strconv.FormatUint(uint64(n), 10)
	}
	switch v.Type {
	case nwfilter.TypeIPAddr, nwfilter.TypeIPv6Addr:
		return FormatIP(v.IP), nil
	case nwfilter.TypeMAC, nwfilter.TypeMACMask:
		return v.MAC.String(), nil
	case nwfilter.TypeIPMask, nwfilter.TypeIPv6Mask:
		return strconv.FormatUint(uint64(v.Num&0xff), 10), nil
	case nwfilter.TypeUint32, nwfilter.TypeUint32Hex:
		return num(v.Num), nil
	case nwfilter.TypeUint16, nwfilter.TypeUint16Hex:
		return num(v.Num & 0xffff), nil
	case nwfilter.TypeUint8, nwfilter.TypeUint8Hex:
		return num(v.Num & 0xff), nil
	case nwfilter.TypeIPSetName:
		return v.Str, nil
	}
	return "", internalErr("Unhandled datatype %x", uint32(v.Type))
}

// PrintIPSetFlags writes ipset flags for iptables' --match-set: each
// "src" flag is the packet's source, which for traffic towards the guest
// (directionIn) is the other end, so the flags are swapped there.
func (ci *CombIter) PrintIPSetFlags(v *nwfilter.Value, directionIn bool) (string, error) {
	if v.Var != nil {
		return ci.Value(*v.Var)
	}
	parts := make([]string, len(v.IPSetFlags))
	for i, src := range v.IPSetFlags {
		if src != directionIn {
			parts[i] = "src"
		} else {
			parts[i] = "dst"
		}
	}
	return strings.Join(parts, ","), nil
}

// FormatIP writes an address as libvirt's virSocketAddrFormat (glibc's
// inet_ntop): IPv6 with the longest run of two or more zero groups
// compressed, and an IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d.
func FormatIP(a netip.Addr) string {
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
