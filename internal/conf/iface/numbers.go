package iface

import (
	"math"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

// The helpers below reproduce how libvirt's virXPath* and virStrToLong*
// functions read numbers, because which spellings are accepted (leading
// blanks, "0x" prefixes, fractions, minus signs) decides which documents
// parse at all.

// xpathString is virXPathString("string(./name[1])"): the element's text,
// or absent when the element is missing or its text is empty.
func xpathString(n *xmltree.Node, name string) (string, bool) {
	c := n.Child(name)
	if c == nil || c.Text == "" {
		return "", false
	}
	return c.Text, true
}

// xpathNumber is XPath's number() on a string: surrounding XML blanks are
// ignored, an optional minus, digits with an optional fraction; anything
// else is NaN (reported as !ok).
func xpathNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\r\n")
	if s == "" {
		return 0, false
	}
	body := strings.TrimPrefix(s, "-")
	digits, dot := 0, 0
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dot++
		default:
			return 0, false
		}
	}
	if digits == 0 || dot > 1 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// numStatus is what virXPath{Int,UInt,ULong} return: found, missing (-1)
// or invalid (-2).
type numStatus int

const (
	numOK numStatus = iota
	numMissing
	numInvalid
)

// xpathNumberULong is virXPathULong("number(./name[1])", …): a missing
// element or a non-number is "missing"; a negative or fractional number is
// "invalid".
func xpathNumberULong(text string, present bool) (uint64, numStatus) {
	if !present {
		return 0, numMissing
	}
	f, ok := xpathNumber(text)
	if !ok {
		return 0, numMissing
	}
	if f < 0 || f != math.Trunc(f) || f >= 1<<64 {
		return 0, numInvalid
	}
	return uint64(f), numOK
}

// xpathNumberInt is virXPathInt("number(...)").
func xpathNumberInt(text string, present bool) (int, numStatus) {
	if !present {
		return 0, numMissing
	}
	f, ok := xpathNumber(text)
	if !ok {
		return 0, numMissing
	}
	if f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, numInvalid
	}
	return int(f), numOK
}

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

// strToULongP is virStrToLong_ulp.
func strToULongP(s string, base int) (uint64, bool) {
	neg, v, ok := strtoul(s, base)
	if !ok || neg {
		return 0, false
	}
	return v, true
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

// strToULong is virStrToLong_ul: like strtoul, a minus sign is rejected.
func strToULong(s string, base int) (uint64, bool) {
	return strToULongP(s, base)
}
