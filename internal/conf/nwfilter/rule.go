package nwfilter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/ipaddr"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Rule priorities: a rule's priority must lie in [-1000, 1000]; a missing
// or unusable one is 500.
const (
	MinRulePriority     = -1000
	MaxRulePriority     = 1000
	DefaultRulePriority = MaxRulePriority / 2
)

// Rule actions and directions libvirt knows.
var (
	ruleActions    = []string{"drop", "accept", "reject", "return", "continue"}
	ruleDirections = []string{"in", "out", "inout"}
)

// Value is one attribute value of a rule's protocol element, kept in the
// representation libvirt parses it into, so that it is written back the
// way libvirt writes it (a number in hex when it was given in hex, masks
// as prefix lengths, protocol numbers by name …).
type Value struct {
	// Neg is match='no' on the element the attribute came from.
	Neg bool
	// Var is set when the value is a variable reference ($IP, $X[@1]).
	Var *VarAccess
	// Type is the data type the value was parsed as (0 for a variable).
	Type DataType

	Num  uint32      // numbers, masks (as prefix length), protocol ids, opcodes, state flags
	MAC  macaddr.MAC // MAC addresses and masks
	IP   netip.Addr  // IPv4 and IPv6 addresses
	Str  string      // comments, ipset names
	Bool bool        // gratuitous

	TCPMask, TCPFlags uint8 // tcp flags='MASK/FLAGS'

	// IPSetFlags holds one entry per ipsetflags item, true for "src".
	IPSetFlags []bool
}

// Rule is one <rule>: an action on packets in a direction, optionally
// restricted by one protocol element's attributes.
type Rule struct {
	Action    string // drop, accept, reject, return, continue
	Direction string // in, out, inout
	Priority  int
	// NoStateMatch is statematch='false' (or '0').
	NoStateMatch bool

	// Protocol names the protocol element ("tcp", "arp", …); empty when the
	// rule has none.
	Protocol string
	// Attrs holds the protocol element's attributes by name.
	Attrs map[string]*Value
}

// Attr returns the named attribute of the rule's protocol element, or nil.
func (r *Rule) Attr(name string) *Value {
	if r == nil || r.Attrs == nil {
		return nil
	}
	return r.Attrs[name]
}

func nwError(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNwfilter, code, format, args...)
}

// parseRule reads a <rule> as virNWFilterRuleParse does.
func parseRule(n *xmltree.Node) (*Rule, error) {
	action, hasAction := n.Attr("action")
	direction, hasDirection := n.Attr("direction")
	if !hasAction {
		return nil, nwError(virterr.InternalError, "rule node requires action attribute")
	}
	if !oneOf(action, ruleActions) {
		return nil, nwError(virterr.ConfigUnsupported, "unknown rule action attribute value")
	}
	if !hasDirection {
		return nil, nwError(virterr.InternalError, "rule node requires direction attribute")
	}
	if !oneOf(direction, ruleDirections) {
		return nil, nwError(virterr.ConfigUnsupported, "unknown rule direction attribute value")
	}
	r := &Rule{Action: action, Direction: direction, Priority: DefaultRulePriority}
	// An unusable priority falls back to the default silently, as in libvirt.
	if prio, ok := n.Attr("priority"); ok {
		if p, err := strconv.ParseInt(strings.TrimLeft(prio, " \t\n\v\f\r"), 10, 32); err == nil &&
			p >= MinRulePriority && p <= MaxRulePriority {
			r.Priority = int(p)
		}
	}
	if sm, ok := n.Attr("statematch"); ok && (sm == "0" || equalFold(sm, "false")) {
		r.NoStateMatch = true
	}

	var proto *protocol
	for _, c := range n.Children {
		if proto == nil {
			proto = lookupProtocol(c.Name)
			if proto == nil {
				continue
			}
			r.Protocol = proto.name
			r.Attrs = map[string]*Value{}
		} else if c.Name != proto.name {
			// libvirt reads only further elements of the first protocol.
			continue
		}
		if err := parseRuleDetails(c, r, proto); err != nil {
			return nil, err
		}
	}
	if proto != nil {
		fixupRule(r, proto)
	}
	return r, nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// parseRuleDetails reads one protocol element's attributes into r, as
// virNWFilterRuleDetailsParse: each value is tried against the attribute's
// data types in order; a value none accepts fails the whole filter.
func parseRuleDetails(n *xmltree.Node, r *Rule, proto *protocol) error {
	neg := n.Prop("match") == "no"
	var lastErr error
	for _, ad := range proto.attrs {
		raw, ok := n.Attr(ad.name)
		if !ok {
			continue
		}
		v, err := parseValue(ad, raw)
		if err != nil {
			lastErr = err
			continue
		}
		v.Neg = neg
		r.Attrs[ad.name] = v
	}
	return lastErr
}

func illegalValue(ad attrDesc, raw string) error {
	return nwError(virterr.InternalError, "%s has illegal value %s", ad.name, raw)
}

func parseValue(ad attrDesc, raw string) (*Value, error) {
	v := &Value{}
	if strings.HasPrefix(raw, "$") {
		va, err := ParseVarAccess(raw[1:])
		if err != nil {
			return nil, illegalValue(ad, raw)
		}
		v.Var = &va
		return v, nil
	}
	remaining := ad.types
	found := false
	for dt := DataType(1); dt < typeLast && !found; dt <<= 1 {
		if remaining&dt == 0 {
			continue
		}
		remaining &^= dt
		if parseAs(v, dt, ad, raw) {
			found = true
			v.Type = dt
		}
	}
	if !found {
		return nil, illegalValue(ad, raw)
	}
	if v.Type == TypeMACMask && ipaddr.MaskBits(v.MAC[:]) < 0 {
		return nil, illegalValue(ad, raw)
	}
	if ad.check != checkNone && !checkValue(v, ad.check, raw) {
		return nil, illegalValue(ad, raw)
	}
	return v, nil
}

// parseAs tries one data type, filling v when raw is of that type.
func parseAs(v *Value, dt DataType, ad attrDesc, raw string) bool {
	switch dt {
	case TypeUint8, TypeUint8Hex, TypeUint16, TypeUint16Hex, TypeUint32, TypeUint32Hex:
		base := 10
		if dt == TypeUint8Hex || dt == TypeUint16Hex || dt == TypeUint32Hex {
			base = 16
		}
		n, ok := strToUint(raw, base)
		if !ok {
			return false
		}
		switch dt {
		case TypeUint8, TypeUint8Hex:
			if n > 0xff {
				return false
			}
		case TypeUint16, TypeUint16Hex:
			if n > 0xffff {
				return false
			}
		}
		v.Num = n
		return true
	case TypeIPAddr:
		a, ok := ipaddr.ParseIPv4(raw)
		v.IP = a
		return ok
	case TypeIPv6Addr:
		a, ok := ipaddr.ParseIPv6(raw)
		v.IP = a
		return ok
	case TypeIPMask, TypeIPv6Mask:
		max, parse := uint32(32), ipaddr.ParseIPv4
		if dt == TypeIPv6Mask {
			max, parse = 128, ipaddr.ParseIPv6
		}
		if n, ok := strToUint(raw, 10); ok {
			if n > max {
				return false
			}
			v.Num = n
			return true
		}
		a, ok := parse(raw)
		if !ok {
			return false
		}
		bits := ipaddr.MaskBits(a.AsSlice())
		if bits < 0 {
			return false
		}
		v.Num = uint32(bits)
		return true
	case TypeMAC, TypeMACMask:
		m, err := macaddr.Parse(raw)
		if err != nil {
			return false
		}
		v.MAC = m
		return true
	case TypeString, TypeIPSetName, TypeIPSetFlags:
		// only meaningful with a checker, which reads the raw text
		if ad.check == checkNone {
			return false
		}
		v.Str = raw
		return true
	case TypeStringCopy:
		s := raw
		if len(s) > maxCommentLength {
			s = s[:maxCommentLength]
		}
		v.Str = s
		return true
	case TypeBoolean:
		v.Bool = raw == "true" || raw == "1" || raw == "yes"
		return true
	}
	return false
}

// checkValue applies an attribute's own checker, which may also convert
// the value (a protocol name to its number, state names to flags …).
func checkValue(v *Value, check valueCheck, raw string) bool {
	switch check {
	case checkMacProtocolID, checkVlanProtocolID:
		min := uint32(0x600)
		if check == checkVlanProtocolID {
			min = 0x3c
		}
		if v.Type == TypeString {
			n, ok := macProtoMap.byNameFold(raw)
			if !ok {
				return false
			}
			v.Num, v.Type, v.Str = n, TypeUint16, ""
			return true
		}
		return v.Num >= min
	case checkVlanID:
		return v.Num <= 4095
	case checkArpOpcode:
		if v.Type == TypeString {
			n, ok := arpOpcodeMap.byNameFold(raw)
			if !ok {
				return false
			}
			v.Num, v.Type, v.Str = n, TypeUint16, ""
		}
		return true
	case checkIPProtocol:
		if v.Type == TypeString {
			n, ok := ipProtoMap.byNameFold(raw)
			if !ok {
				return false
			}
			v.Num, v.Type, v.Str = n, TypeUint8Hex, ""
		}
		return true
	case checkDSCP:
		return v.Num <= 63
	case checkState:
		flags, ok := parseStateMatch(raw)
		if !ok {
			return false
		}
		v.Num, v.Type, v.Str = flags, TypeUint16, ""
		return true
	case checkTCPFlags:
		mask, flags, ok := parseTCPFlags(raw)
		if !ok {
			return false
		}
		v.TCPMask, v.TCPFlags, v.Str = mask, flags, ""
		return true
	case checkIPSet:
		// libvirt copies the name into a 32-byte buffer
		if len(raw) >= 32 || !onlyFrom(raw, validIPSetName) {
			return false
		}
		return true
	case checkIPSetFlags:
		flags, ok := parseIPSetFlags(raw)
		if !ok {
			return false
		}
		v.IPSetFlags, v.Str = flags, ""
		return true
	}
	return true
}

const validIPSetName = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-+ "

// parseStringItems reads a list of names from m separated by sep and white
// space, each matched case-insensitively as a prefix of what remains, as
// libvirt's parseStringItems does.
func parseStringItems(m intMap, input string, sep byte) (uint32, bool) {
	var flags uint32
	i := 0
	for i < len(input) {
		for i < len(input) && (isSpace(input[i]) || input[i] == sep) {
			i++
		}
		if i >= len(input) {
			break
		}
		found := false
		for _, e := range m {
			if len(input)-i >= len(e.name) && equalFold(input[i:i+len(e.name)], e.name) {
				flags |= e.val
				i += len(e.name)
				found = true
				break
			}
		}
		if !found {
			return flags, false
		}
	}
	return flags, true
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func parseStateMatch(s string) (uint32, bool) {
	flags, ok := parseStringItems(stateMatchMap, s, ',')
	if flags&StateNone != 0 {
		flags = StateNone
	}
	return flags, ok
}

// printStringItems writes the names of the single-bit flags set, lowest
// bit first.
func printStringItems(m intMap, flags uint32, sep string) string {
	var parts []string
	for mask := uint32(1); flags != 0 && mask != 0; mask <<= 1 {
		if flags&mask == 0 {
			continue
		}
		for _, e := range m {
			if e.val == mask {
				parts = append(parts, e.name)
			}
		}
		flags &^= mask
	}
	return strings.Join(parts, sep)
}

// FormatStateFlags writes state match flags as libvirt does
// ("NEW,ESTABLISHED").
func FormatStateFlags(flags uint32) string {
	return printStringItems(stateMatchMap, flags, ",")
}

func parseTCPFlags(s string) (mask, flags uint8, ok bool) {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return 0, 0, false
	}
	m, ok1 := parseStringItems(tcpFlagMap, s[:i], ',')
	f, ok2 := parseStringItems(tcpFlagMap, s[i+1:], ',')
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return uint8(m & 0x3f), uint8(f & 0x3f), true
}

// FormatTCPFlags writes one side of a tcp flags value as libvirt does.
func FormatTCPFlags(f uint8) string {
	switch f {
	case 0:
		return "NONE"
	case 0x3f:
		return "ALL"
	}
	return printStringItems(tcpFlagMap, uint32(f), ",")
}

func parseIPSetFlags(s string) ([]bool, bool) {
	var out []bool
	idx := 0
	for len(out) < 6 {
		if len(s)-idx < 3 {
			return nil, false
		}
		switch {
		case equalFold(s[idx:idx+3], "src"):
			out = append(out, true)
		case equalFold(s[idx:idx+3], "dst"):
			out = append(out, false)
		default:
			return nil, false
		}
		idx += 3
		if idx >= len(s) || s[idx] != ',' {
			break
		}
		idx++
	}
	if idx != len(s) {
		return nil, false
	}
	return out, true
}

// fixupRule applies libvirt's post-parse fixups: the match='no' sign of
// some attributes follows another's, and a lone ipset gets ipsetflags
// 'src' while ipsetflags without ipset (or, in libvirt, both together) are
// dropped.
func fixupRule(r *Rule, proto *protocol) {
	for _, p := range proto.negPairs {
		if a := r.Attrs[p[0]]; a != nil {
			b := r.Attrs[p[1]]
			a.Neg = b != nil && b.Neg
		}
	}
	if proto.ipsetFixup {
		if r.Attrs["ipset"] != nil && r.Attrs["ipsetflags"] == nil {
			r.Attrs["ipsetflags"] = &Value{Type: TypeIPSetFlags, IPSetFlags: []bool{true}}
		} else {
			delete(r.Attrs, "ipset")
			delete(r.Attrs, "ipsetflags")
		}
	}
}

// Validate checks what libvirt checks before a rule can be instantiated:
// an ip or ipv6 rule with ports must name tcp, udp, dccp or sctp.
func (r *Rule) Validate() error {
	proto := lookupProtocol(r.Protocol)
	if proto == nil || !proto.portsNeedProtocol {
		return nil
	}
	hasPorts := false
	for _, n := range []string{"srcportstart", "dstportstart", "srcportend", "dstportend"} {
		if r.Attrs[n] != nil {
			hasPorts = true
		}
	}
	if !hasPorts {
		return nil
	}
	if p := r.Attrs["protocol"]; p != nil && p.Var == nil {
		switch p.Num {
		case 6, 17, 33, 132:
			return nil
		}
	}
	name := "IP"
	if r.Protocol == "ipv6" {
		name = "IPv6"
	}
	return nwError(virterr.InternalError, "%s rule with port specification requires protocol specification with protocol to be either one of tcp(6), udp(17), dccp(33), or sctp(132)", name)
}

// format writes the rule as virNWFilterRuleDefFormat does.
func (r *Rule) format(b *xmlbuf.Buffer) {
	b.Asprintf("<rule action='%s' direction='%s' priority='%d'", xmlbuf.Escape(r.Action), xmlbuf.Escape(r.Direction), r.Priority)
	if r.NoStateMatch {
		b.AddLit(" statematch='false'")
	}
	proto := lookupProtocol(r.Protocol)
	if proto == nil {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	formatRuleDetails(b, r, proto)
	b.AdjustIndent(-2)
	b.AddLit("</rule>\n")
}

// formatRuleDetails writes the protocol element. Attributes with and
// without match='no' cannot share an element, so libvirt closes the
// element and opens another of the same name whenever the sign changes.
func formatRuleDetails(b *xmlbuf.Buffer, r *Rule, proto *protocol) {
	const (
		matchNone = iota
		matchYes
		matchNo
	)
	typeShown := false
	neverShown := true
	matchShown := matchNone
	for i := 0; i < len(proto.attrs); {
		ad := proto.attrs[i]
		v := r.Attrs[ad.name]
		if v == nil {
			i++
			continue
		}
		if !typeShown {
			b.Asprintf("<%s", proto.name)
			typeShown = true
			neverShown = false
		}
		if v.Neg {
			if matchShown == matchNone {
				b.AddLit(" match='no'")
				matchShown = matchNo
			} else if matchShown == matchYes {
				b.AddLit("/>\n")
				typeShown = false
				matchShown = matchNone
				continue
			}
		} else {
			if matchShown == matchNo {
				b.AddLit("/>\n")
				typeShown = false
				matchShown = matchNone
				continue
			}
			matchShown = matchYes
		}
		b.AddLit(" " + ad.name + "='" + formatValue(v, ad) + "'")
		i++
	}
	if typeShown {
		b.AddLit("/>\n")
	}
	if neverShown {
		b.Asprintf("<%s/>\n", proto.name)
	}
}

func formatNum(n uint32, hex bool) string {
	if hex {
		return fmt.Sprintf("0x%x", n)
	}
	return strconv.FormatUint(uint64(n), 10)
}

// formatValue writes a value as libvirt's per-type printers and
// per-attribute formatters do.
func formatValue(v *Value, ad attrDesc) string {
	if v.Var != nil {
		return "$" + xmlbuf.Escape(v.Var.String())
	}
	switch ad.check {
	case checkMacProtocolID, checkVlanProtocolID:
		if name, ok := macProtoMap.byValue(v.Num & 0xffff); ok {
			return name
		}
		return formatNum(v.Num&0xffff, v.Type != TypeUint16)
	case checkArpOpcode:
		if name, ok := arpOpcodeMap.byValue(v.Num & 0xffff); ok {
			return name
		}
		return strconv.FormatUint(uint64(v.Num&0xffff), 10)
	case checkIPProtocol:
		if name, ok := ipProtoMap.byValue(v.Num & 0xff); ok {
			return name
		}
		return formatNum(v.Num&0xff, v.Type != TypeUint8)
	case checkState:
		return FormatStateFlags(v.Num)
	case checkTCPFlags:
		return FormatTCPFlags(v.TCPMask) + "/" + FormatTCPFlags(v.TCPFlags)
	case checkIPSet:
		return xmlbuf.Escape(v.Str)
	case checkIPSetFlags:
		parts := make([]string, len(v.IPSetFlags))
		for i, src := range v.IPSetFlags {
			parts[i] = "dst"
			if src {
				parts[i] = "src"
			}
		}
		return strings.Join(parts, ",")
	}
	switch v.Type {
	case TypeUint8, TypeUint8Hex, TypeIPMask, TypeIPv6Mask:
		return formatNum(v.Num&0xff, v.Type == TypeUint8Hex)
	case TypeUint16, TypeUint16Hex:
		return formatNum(v.Num&0xffff, v.Type == TypeUint16Hex)
	case TypeUint32, TypeUint32Hex:
		return formatNum(v.Num, v.Type == TypeUint32Hex)
	case TypeIPAddr, TypeIPv6Addr:
		return ipaddr.Format(v.IP)
	case TypeMAC, TypeMACMask:
		return v.MAC.String()
	case TypeStringCopy:
		return xmlbuf.Escape(v.Str)
	case TypeBoolean:
		if v.Bool {
			return "true"
		}
		return "false"
	}
	return fmt.Sprintf("UNSUPPORTED DATATYPE 0x%02x\n", uint32(ad.types))
}
