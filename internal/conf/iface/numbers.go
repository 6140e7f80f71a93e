package iface

import (
	"math"
	"strconv"
	"strings"
)

// The helpers below reproduce libvirt's virStrToLong* functions, because
// which spellings they accept (leading blanks, a plus sign, "0x" prefixes)
// decides which documents parse at all. internal/conf/nodedev has the
// same helpers; neither package depends on the other's internals.

// strtoul parses like C's strtoul: leading blanks, an optional sign, an
// optional 0x prefix for base 16 or 0, and digits up to the end of s (libvirt
// always passes a NULL end pointer, so trailing text is an error).
func strtoul(s string, base int) (neg bool, v uint64, ok bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if (base == 0 || base == 16) && len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isHexDigit(s[2]) {
		s = s[2:]
		base = 16
	} else if base == 0 {
		if len(s) > 1 && s[0] == '0' {
			base = 8
		} else {
			base = 10
		}
	}
	if s == "" {
		return false, 0, false
	}
	u, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return false, 0, false
	}
	return neg, u, true
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// strToUIntP is virStrToLong_uip: non-negative, fits in 32 bits.
func strToUIntP(s string, base int) (uint32, bool) {
	neg, v, ok := strtoul(s, base)
	if !ok || neg || v > math.MaxUint32 {
		return 0, false
	}
	return uint32(v), true
}

// strToInt is virStrToLong_i.
func strToInt(s string, base int) (int, bool) {
	neg, v, ok := strtoul(s, base)
	if !ok {
		return 0, false
	}
	if neg {
		if v > 1<<31 {
			return 0, false
		}
		return -int(v), true
	}
	if v > math.MaxInt32 {
		return 0, false
	}
	return int(v), true
}
