package nodedev

import (
	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// The helpers below reproduce how libvirt 9.0's virXPath* functions read
// text and numbers; internal/conf/cnum has the virStrToLong* rules under
// them.

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
	v, ok := cnum.UIntP(text, base)
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
	v, ok := cnum.ULongLongP(text, 10)
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
	v, ok := cnum.Int(text, 10)
	if !ok {
		return 0, numInvalid
	}
	return v, numOK
}
