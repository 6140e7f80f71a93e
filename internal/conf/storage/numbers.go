package storage

import (
	"math"
	"strconv"
	"strings"
)

// cNumber reads an integer the way C's strtol/strtoull family does inside
// libvirt's virStrToLong_* helpers: leading white space, an optional sign,
// base 0 meaning 0x-hex, 0-octal or decimal, and nothing after the digits.
// It returns the sign and the magnitude.
func cNumber(s string, base int) (neg bool, mag uint64, ok bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	rest := s[i:]
	if (base == 0 || base == 16) && len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') && isHex(rest[2]) {
		rest, base = rest[2:], 16
	} else if base == 0 && len(rest) > 1 && rest[0] == '0' {
		base = 8
	} else if base == 0 {
		base = 10
	}
	if rest == "" || rest[0] == '+' || rest[0] == '-' {
		return false, 0, false
	}
	v, err := strconv.ParseUint(rest, base, 64)
	if err != nil {
		return false, 0, false
	}
	return neg, v, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// parseULLP is virStrToLong_ullp: an unsigned 64-bit value, no minus sign.
func parseULLP(s string, base int) (uint64, bool) {
	neg, v, ok := cNumber(s, base)
	if !ok || neg {
		return 0, false
	}
	return v, true
}

// parseUIP is virStrToLong_uip: an unsigned 32-bit value, no minus sign.
func parseUIP(s string, base int) (uint32, bool) {
	v, ok := parseULLP(s, base)
	if !ok || v > math.MaxUint32 {
		return 0, false
	}
	return uint32(v), true
}

// parseInt is virStrToLong_i: a signed 32-bit value.
func parseInt(s string, base int) (int32, bool) {
	neg, v, ok := cNumber(s, base)
	if !ok {
		return 0, false
	}
	if neg {
		if v > -math.MinInt32 {
			return 0, false
		}
		return int32(-int64(v)), true
	}
	if v > math.MaxInt32 {
		return 0, false
	}
	return int32(v), true
}

// parseUI is virStrToLong_ui: an unsigned 32-bit value where "-N" wraps
// as long as N fits (so "-1" is UINT_MAX).
func parseUI(s string, base int) (uint32, bool) {
	neg, v, ok := cNumber(s, base)
	if !ok || v > math.MaxUint32 {
		return 0, false
	}
	if neg {
		return uint32(-int64(v)), true
	}
	return uint32(v), true
}

// xpathInteger evaluates XPath's number() on s and accepts it only when it
// is a whole number, as virXPathLongLong("number(…)") does: surrounding
// white space, an optional minus, digits with an optional fraction; no
// plus sign, no exponent.
func xpathInteger(s string) (int64, bool) {
	t := strings.Trim(s, " \t\n\r")
	if t == "" {
		return 0, false
	}
	body := strings.TrimPrefix(t, "-")
	if body == "" || body == "." {
		return 0, false
	}
	dot := false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c == '.' && !dot:
			dot = true
		case c >= '0' && c <= '9':
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	if f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	v := int64(f)
	if float64(v) != f {
		return 0, false
	}
	return v, true
}
