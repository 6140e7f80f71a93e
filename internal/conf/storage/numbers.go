package storage

import (
	"math"
	"strconv"
	"strings"
)

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
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
