// Package nwfilter reads and writes libvirt's network filter XML
// (<filter>, src/conf/nwfilter_conf.c), the filter parameters a
// <filterref> carries (nwfilter_params.c) and the network filter binding
// XML (<filterbinding>, virnwfilterbindingdef.c), byte for byte as
// libvirt 9.0 does.
package nwfilter

import (
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

const (
	validVarName  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
	validVarValue = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:"

	// MaxIterID is the largest iterator id a variable access may name
	// ($X[@1000]).
	MaxIterID = 1000
)

// Params is a filter parameter table: every name has one value, or a list
// of values when the same <parameter name=…> appears more than once (in
// document order).
type Params map[string][]string

// Names lists the parameter names in the order libvirt writes them
// (sorted, as virHashGetItems sorts its keys).
func (p Params) Names() []string {
	names := make([]string, 0, len(p))
	for n := range p {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Clone returns an independent copy.
func (p Params) Clone() Params {
	if p == nil {
		return nil
	}
	c := make(Params, len(p))
	for k, v := range p {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// ParseParams reads the <parameter name value> children of n as
// virNWFilterParseParamAttributes does: a parameter without a name or value,
// or whose name or value holds characters libvirt does not allow, is
// skipped silently. The result is never nil.
func ParseParams(n *xmltree.Node) Params {
	p := Params{}
	if n == nil {
		return p
	}
	for _, c := range n.Children {
		if c.Name != "parameter" {
			continue
		}
		name, okName := c.Attr("name")
		value, okValue := c.Attr("value")
		if !okName || !okValue || !validVarNameString(name) || !ValidVarValue(value) {
			continue
		}
		p[name] = append(p[name], value)
	}
	return p
}

// FilterRef is a reference to a filter with the parameters passed to it:
// <filterref filter='name'><parameter name='IP' value='…'/></filterref>, as
// it appears inside a <filter>, a <filterbinding> and a domain's
// <interface>.
type FilterRef struct {
	Filter string
	Params Params
}

// ParseFilterRef reads a <filterref> element. A missing filter attribute is
// left empty; each caller reports it as its own libvirt code does.
func ParseFilterRef(n *xmltree.Node) FilterRef {
	return FilterRef{Filter: n.Prop("filter"), Params: ParseParams(n)}
}

// Format writes the <filterref> element as virNWFilterFormatParamAttributes
// does: parameters sorted by name, a list as one <parameter> per value.
// libvirt writes the filter name and values unescaped; values can only hold
// safe characters, and the name is escaped here so the output stays
// well-formed.
func (r FilterRef) Format(b *xmlbuf.Buffer) {
	b.Asprintf("<filterref filter='%s'", xmlbuf.Escape(r.Filter))
	if len(r.Params) == 0 {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	for _, name := range r.Params.Names() {
		for _, v := range r.Params[name] {
			b.Asprintf("<parameter name='%s' value='%s'/>\n", xmlbuf.Escape(name), xmlbuf.Escape(v))
		}
	}
	b.AdjustIndent(-2)
	b.AddLit("</filterref>\n")
}

// libvirt accepts an empty parameter name.
func validVarNameString(s string) bool {
	return onlyFrom(s, validVarName)
}

// ValidVarValue reports whether s may be a parameter value: not empty and
// made only of letters, digits, '_', '.' and ':'.
func ValidVarValue(s string) bool {
	return s != "" && onlyFrom(s, validVarValue)
}

func onlyFrom(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

// VarAccessKind says how a rule attribute reads a variable.
type VarAccessKind int

const (
	// VarIterator walks the variable's values: $X is $X[@0]; $X[@n] walks
	// with iterator n, independently of other iterators.
	VarIterator VarAccessKind = iota
	// VarElement picks one value by index: $X[2].
	VarElement
)

// VarAccess is a reference to a variable in a rule attribute ($IP,
// $MAC[@1], $X[1]).
type VarAccess struct {
	Name  string
	Kind  VarAccessKind
	Index uint32 // the iterator id for VarIterator, the element index for VarElement
}

// ParseVarAccess reads what follows the '$' of a variable reference, as
// virNWFilterVarAccessParse: a name, optionally followed by "[n]" or "[@n]"
// with spaces allowed around the number.
func ParseVarAccess(s string) (VarAccess, error) {
	idx := 0
	for idx < len(s) && strings.IndexByte(validVarName, s[idx]) >= 0 {
		idx++
	}
	va := VarAccess{Name: s[:idx]}
	if idx == len(s) {
		return va, nil
	}
	if s[idx] != '[' {
		return VarAccess{}, virterr.NewFrom(virterr.FromNwfilter, virterr.InvalidArg, "Malformatted variable")
	}
	rest := skipSpaces(s[idx+1:])
	va.Kind = VarElement
	if strings.HasPrefix(rest, "@") {
		va.Kind = VarIterator
		rest = rest[1:]
	}
	num, end, ok := strtoul(rest, 10)
	if ok {
		rest = skipSpaces(rest[end:])
		ok = strings.HasPrefix(rest, "]")
	}
	if ok && num > 0xffffffff {
		ok = false
	}
	if !ok {
		if va.Kind == VarElement {
			return VarAccess{}, virterr.NewFrom(virterr.FromNwfilter, virterr.InvalidArg, "Malformatted array index")
		}
		return VarAccess{}, virterr.NewFrom(virterr.FromNwfilter, virterr.InvalidArg, "Malformatted iterator id")
	}
	if va.Kind == VarIterator && num > MaxIterID {
		return VarAccess{}, virterr.NewFrom(virterr.FromNwfilter, virterr.InvalidArg, "Iterator ID exceeds maximum ID of %d", MaxIterID)
	}
	va.Index = uint32(num)
	return va, nil
}

// String writes the reference without its '$' as virNWFilterVarAccessPrint
// does: the default iterator @0 is left implicit.
func (v VarAccess) String() string {
	switch v.Kind {
	case VarElement:
		return v.Name + "[" + strconv.FormatUint(uint64(v.Index), 10) + "]"
	default:
		if v.Index != 0 {
			return v.Name + "[@" + strconv.FormatUint(uint64(v.Index), 10) + "]"
		}
		return v.Name
	}
}

func skipSpaces(s string) string {
	return strings.TrimLeft(s, " \t\n\v\f\r")
}

// strtoul reads an unsigned number as C's strtoul does (leading white
// space, an optional sign, "0x" for base 16), returning the value, the
// index just past it, and whether any digit was read. A leading '-'
// negates the value modulo 2^64, as strtoul does; overflow saturates and
// reports ok=false.
func strtoul(s string, base int) (uint64, int, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && hexDigit(s[i+2]) >= 0 {
		i += 2
	}
	start := i
	var v uint64
	overflow := false
	for i < len(s) {
		d := hexDigit(s[i])
		if d < 0 || d >= base {
			break
		}
		nv := v*uint64(base) + uint64(d)
		if nv/uint64(base) != v {
			overflow = true
		}
		v = nv
		i++
	}
	if i == start {
		return 0, 0, false
	}
	if overflow {
		return ^uint64(0), i, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// strToUint is libvirt's virStrToLong_ui with no end pointer: the whole
// string must be one number that fits in 32 bits ("-1" is allowed and
// means 4294967295, as libvirt allows it).
func strToUint(s string, base int) (uint32, bool) {
	v, end, ok := strtoul(s, base)
	if !ok || end != len(s) {
		return 0, false
	}
	if strings.Contains(s[:end], "-") {
		neg := -v
		if neg > 0xffffffff {
			return 0, false
		}
		return uint32(v), true
	}
	if v > 0xffffffff {
		return 0, false
	}
	return uint32(v), true
}
