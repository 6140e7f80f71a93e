// Package cnum reads numbers the way libvirt's virStrToLong_* helpers do.
// They wrap C's strtoul/strtol with a NULL end pointer, so which spellings
// they accept (leading blanks, a plus sign, "0x" and "0" prefixes, a minus
// sign that wraps around) decides which documents parse at all; the rules
// here were checked against libvirt 9.0's parser through virsh's test
// driver.
package cnum

import "strconv"

// Strtoul reads s as C's strtoul does when the whole string must be the
// number: leading white space, an optional sign, a 0x prefix for base 16
// or 0 (0 also takes a leading 0 as octal), and digits up to the end of s.
// It returns the sign and the magnitude.
func Strtoul(s string, base int) (neg bool, mag uint64, ok bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	digits := s[i:]
	switch {
	case (base == 0 || base == 16) && len(digits) > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') && isHexDigit(digits[2]):
		digits, base = digits[2:], 16
	case base == 0 && len(digits) > 1 && digits[0] == '0':
		base = 8
	case base == 0:
		base = 10
	}
	// strconv takes no sign and, with an explicit base, no underscores or
	// prefix, so what is left must be digits only, as for strtoul.
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return false, 0, false
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return false, 0, false
	}
	return neg, v, true
}

// Unsigned reads an unsigned number of the given width: with positiveOnly
// a minus sign is refused (virStrToLong_uip, _ulp, _ullp); without it a
// minus wraps around as strtoul's does, as long as the magnitude fits
// (virStrToLong_ui, _ul, _ull: "-1" is the largest value).
func Unsigned(s string, base, bits int, positiveOnly bool) (uint64, bool) {
	neg, v, ok := Strtoul(s, base)
	if !ok || (neg && positiveOnly) {
		return 0, false
	}
	if bits < 64 && v >= 1<<bits {
		return 0, false
	}
	if neg {
		v = -v
		if bits < 64 {
			v &= 1<<bits - 1
		}
	}
	return v, true
}

// UIntP is virStrToLong_uip: non-negative, within 32 bits.
func UIntP(s string, base int) (uint32, bool) {
	v, ok := Unsigned(s, base, 32, true)
	return uint32(v), ok
}

// UInt is virStrToLong_ui: within 32 bits, "-N" wrapping when N fits.
func UInt(s string, base int) (uint32, bool) {
	v, ok := Unsigned(s, base, 32, false)
	return uint32(v), ok
}

// ULongLongP is virStrToLong_ullp (and _ulp on 64-bit hosts):
// non-negative, 64 bits.
func ULongLongP(s string, base int) (uint64, bool) {
	return Unsigned(s, base, 64, true)
}

// Int is virStrToLong_i: a value within a C int's 32 bits.
func Int(s string, base int) (int, bool) {
	neg, v, ok := Strtoul(s, base)
	if !ok {
		return 0, false
	}
	if neg {
		if v > 1<<31 {
			return 0, false
		}
		return -int(v), true
	}
	if v > 1<<31-1 {
		return 0, false
	}
	return int(v), true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
