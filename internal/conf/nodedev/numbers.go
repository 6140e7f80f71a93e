package nodedev

import (
	"math"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

// The helpers below reproduce how libvirt 9.0's virXPath* and
// virStrToLong* functions read text and numbers, because which spellings
// are accepted (leading blanks, a plus sign, "0x" prefixes, trailing
// blanks, minus signs) decides which documents parse at all. They were
// checked against libvirt 9.0's own parser through virsh's test driver.

// xpathString is virXPathString("string(./name[1])"): the element's text,
// or absent when the element is missing or its text is empty.
func xpathString(n *xmltree.Node, name string) (string, bool) {
	c := n.Child(name)
	if c == nil || c.Text == "" {
		return "", false
	}
	return c.Text, true
}

// numStatus is what libvirt's virXPath{Int,UInt,ULongLong} helpers
// return: found, missing (-1) or invalid (-2).
type numStatus int

const (
	numOK numStatus = iota
	numMissing
	numInvalid
)

// xpathUInt is virXPathUInt("string(./name[1])", …) as libvirt 9.0 reads
// it: the text in base (leading blanks and a plus sign allowed, nothing
// after the digits), non-negative and within 32 bits.
func xpathUInt(text string, present bool, base int) (uint32, numStatus) {
	if !present || text == "" {
		return 0, numMissing
	}
	v, ok := strToUIntP(text, base)
	if !ok {
		return 0, numInvalid
	}
	return v, numOK
}

// xpathULongLong is virXPathULongLong on a string: non-negative, 64 bits.
func xpathULongLong(text string, present bool) (uint64, numStatus) {
	if !present || text == "" {
		return 0, numMissing
	}
	v, ok := strToULongP(text, 10)
	if !ok {
		return 0, numInvalid
	}
	return v, numOK
}

// xpathInt is virXPathInt on a string: a signed 32-bit base-10 number.
func xpathInt(text string, present bool) (int, numStatus) {
	if !present || text == "" {
		return 0, numMissing
	}
	v, ok := strToInt(text, 10)
	if !ok {
		return 0, numInvalid
	}
	return v, numOK
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
