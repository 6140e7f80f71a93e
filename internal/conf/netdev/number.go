package netdev

import "strconv"

// parseUnsigned reads s as libvirt's virStrToLong_* helpers do (they wrap
// strtoul): leading white space, an optional sign, digits in base (0 means
// C's prefix rules), and nothing after them. A minus sign wraps around, as
// strtoul does, unless positiveOnly (virStrToLong_*p). bits bounds the
// result.
func parseUnsigned(s string, base int, bits int, positiveOnly bool) (uint64, bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if neg && positiveOnly {
		return 0, false
	}
	digits := s[i:]
	if base == 0 {
		switch {
		case len(digits) > 1 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'):
			base, digits = 16, digits[2:]
		case len(digits) > 1 && digits[0] == '0':
			base = 8
		default:
			base = 10
		}
	} else if base == 16 && len(digits) > 1 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') {
		digits = digits[2:]
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' || digits[0] == '_' {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		if bits < 64 && v > 1<<bits {
			return 0, false
		}
		v = -v
		if bits < 64 {
			v &= 1<<bits - 1
		}
		return v, true
	}
	if bits < 64 && v >= 1<<bits {
		return 0, false
	}
	return v, true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
