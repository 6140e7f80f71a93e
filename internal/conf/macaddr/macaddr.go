// Package macaddr parses and formats MAC addresses as libvirt does
// (virMacAddrParse / virMacAddrFormat).
package macaddr

import (
	"crypto/rand"
	"fmt"
	"strconv"
)

// MAC is a 6-byte Ethernet address.
type MAC [6]byte

// Parse reads "52:54:00:ab:cd:ef": six hex groups of one or two digits
// separated by colons; trailing characters up to and including space end it.
func Parse(s string) (MAC, error) {
	var m MAC
	i := 0
	for n := 0; n < 6; n++ {
		start := i
		for i < len(s) && i-start < 3 && isHex(s[i]) {
			i++
		}
		if i-start < 1 || i-start > 2 {
			return MAC{}, fmt.Errorf("unable to parse mac address '%s'", s)
		}
		v, _ := strconv.ParseUint(s[start:i], 16, 8)
		m[n] = byte(v)
		if n == 5 {
			if i == len(s) || s[i] <= ' ' {
				return m, nil
			}
			return MAC{}, fmt.Errorf("unable to parse mac address '%s'", s)
		}
		if i >= len(s) || s[i] != ':' {
			return MAC{}, fmt.Errorf("unable to parse mac address '%s'", s)
		}
		i++
	}
	return m, nil
}

// String formats lower-case, colon separated.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// IsMulticast reports whether the group bit is set.
func (m MAC) IsMulticast() bool { return m[0]&1 == 1 }

// IsZero reports an unset address.
func (m MAC) IsZero() bool { return m == MAC{} }

// Generate returns a random address with the given 3-byte prefix
// (libvirt uses 52:54:00 for QEMU).
func Generate(prefix [3]byte) MAC {
	var m MAC
	copy(m[:3], prefix[:])
	if _, err := rand.Read(m[3:]); err != nil {
		panic(err)
	}
	return m
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
