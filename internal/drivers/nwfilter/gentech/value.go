package gentech

import (
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/ipaddr"
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
		return ipaddr.Format(v.IP), nil
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
