package nwfilter

// DataType is the kind of value a rule attribute holds; an attribute may
// accept several, tried in this order (libvirt's enum attrDatatype).
type DataType uint32

// Data types, in libvirt's order: a value is tried against each type an
// attribute accepts from the lowest bit up.
const (
	TypeUint16 DataType = 1 << iota
	TypeUint8
	TypeUint16Hex
	TypeUint8Hex
	TypeMAC
	TypeMACMask
	TypeIPAddr
	TypeIPMask
	TypeString
	TypeIPv6Addr
	TypeIPv6Mask
	TypeStringCopy
	TypeBoolean
	TypeUint32
	TypeUint32Hex
	TypeIPSetName
	TypeIPSetFlags

	typeLast
)

// maxCommentLength is where libvirt cuts a rule's comment.
const maxCommentLength = 256

type valueCheck int

const (
	checkNone valueCheck = iota
	checkMacProtocolID
	checkVlanID
	checkVlanProtocolID
	checkArpOpcode
	checkIPProtocol
	checkDSCP
	checkState
	checkTCPFlags
	checkIPSet
	checkIPSetFlags
)

// attrDesc describes one attribute of a protocol element.
type attrDesc struct {
	name  string
	types DataType
	check valueCheck
}

// protocol is one protocol element a rule may hold, with its attributes in
// the order libvirt writes them.
type protocol struct {
	name  string
	attrs []attrDesc
	// negPairs copies the match='no' sign from the second attribute to the
	// first after parsing, as libvirt's virNWFilterRuleDefFixup does
	// (including its odd pairs, such as dstportstart following
	// srcportstart).
	negPairs [][2]string
	// ipsetFixup applies libvirt's ipset/ipsetflags fixup.
	ipsetFixup bool
	// portsNeedProtocol marks the ip and ipv6 elements, whose port
	// attributes require a port-carrying protocol.
	portsNeedProtocol bool
}

func commonMAC() []attrDesc {
	return []attrDesc{
		{name: "srcmacaddr", types: TypeMAC},
		{name: "srcmacmask", types: TypeMACMask},
		{name: "dstmacaddr", types: TypeMAC},
		{name: "dstmacmask", types: TypeMACMask},
	}
}

var comment = attrDesc{name: "comment", types: TypeStringCopy}

// commonIP lists the attributes every layer-3/4 element shares. dstipto
// is an IPv4 address even in the -ipv6 elements, as in libvirt.
func commonIP(addr, mask DataType) []attrDesc {
	return []attrDesc{
		{name: "srcmacaddr", types: TypeMAC},
		{name: "srcipaddr", types: addr},
		{name: "srcipmask", types: mask},
		{name: "dstipaddr", types: addr},
		{name: "dstipmask", types: mask},
		{name: "srcipfrom", types: addr},
		{name: "srcipto", types: addr},
		{name: "dstipfrom", types: addr},
		{name: "dstipto", types: TypeIPAddr},
		{name: "dscp", types: TypeUint8 | TypeUint8Hex, check: checkDSCP},
		{name: "connlimit-above", types: TypeUint16},
		{name: "state", types: TypeString, check: checkState},
		{name: "ipset", types: TypeIPSetName, check: checkIPSet},
		{name: "ipsetflags", types: TypeIPSetFlags, check: checkIPSetFlags},
	}
}

func commonPorts() []attrDesc {
	return []attrDesc{
		{name: "srcportstart", types: TypeUint16 | TypeUint16Hex},
		{name: "srcportend", types: TypeUint16 | TypeUint16Hex},
		{name: "dstportstart", types: TypeUint16 | TypeUint16Hex},
		{name: "dstportend", types: TypeUint16 | TypeUint16Hex},
	}
}

func join(parts ...[]attrDesc) []attrDesc {
	var out []attrDesc
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	u8  = TypeUint8 | TypeUint8Hex
	u16 = TypeUint16 | TypeUint16Hex
	u32 = TypeUint32 | TypeUint32Hex

	macNeg   = [][2]string{{"srcmacmask", "srcmacaddr"}, {"dstmacmask", "dstmacaddr"}}
	ipNeg    = [][2]string{{"srcipmask", "srcipaddr"}, {"dstipmask", "dstipaddr"}}
	rangeNeg = [][2]string{{"srcipto", "srcipfrom"}, {"dstipto", "dstipfrom"}}
	portNeg  = [][2]string{{"srcportend", "srcportstart"}, {"dstportstart", "srcportstart"}, {"dstportend", "srcportstart"}}
)

func negs(parts ...[][2]string) [][2]string {
	var out [][2]string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var (
	macAttrs = join(commonMAC(), []attrDesc{
		{name: "protocolid", types: TypeUint16 | TypeUint16Hex | TypeString, check: checkMacProtocolID},
		comment,
	})
	vlanAttrs = join(commonMAC(), []attrDesc{
		{name: "vlanid", types: u16, check: checkVlanID},
		{name: "encap-protocol", types: TypeUint16 | TypeUint16Hex | TypeString, check: checkVlanProtocolID},
		comment,
	})
	stpAttrs = []attrDesc{
		{name: "srcmacaddr", types: TypeMAC},
		{name: "srcmacmask", types: TypeMACMask},
		{name: "type", types: u8},
		{name: "flags", types: u8},
		{name: "root-priority", types: u16},
		{name: "root-priority-hi", types: u16},
		{name: "root-address", types: TypeMAC},
		{name: "root-address-mask", types: TypeMACMask},
		{name: "root-cost", types: u32},
		{name: "root-cost-hi", types: u32},
		{name: "sender-priority", types: u16},
		{name: "sender-priority-hi", types: u16},
		{name: "sender-address", types: TypeMAC},
		{name: "sender-address-mask", types: TypeMACMask},
		{name: "port", types: u16},
		{name: "port-hi", types: u16},
		{name: "age", types: u16},
		{name: "age-hi", types: u16},
		{name: "max-age", types: u16},
		{name: "max-age-hi", types: u16},
		{name: "hello-time", types: u16},
		{name: "hello-time-hi", types: u16},
		{name: "forward-delay", types: u16},
		{name: "forward-delay-hi", types: u16},
		comment,
	}
	arpAttrs = join(commonMAC(), []attrDesc{
		{name: "hwtype", types: u16},
		{name: "protocoltype", types: u16},
		{name: "opcode", types: TypeUint16 | TypeUint16Hex | TypeString, check: checkArpOpcode},
		{name: "arpsrcmacaddr", types: TypeMAC},
		{name: "arpdstmacaddr", types: TypeMAC},
		{name: "arpsrcipaddr", types: TypeIPAddr},
		{name: "arpsrcipmask", types: TypeIPMask},
		{name: "arpdstipaddr", types: TypeIPAddr},
		{name: "arpdstipmask", types: TypeIPMask},
		{name: "gratuitous", types: TypeBoolean},
		comment,
	})
	ipAttrs = join(commonMAC(), []attrDesc{
		{name: "srcipaddr", types: TypeIPAddr},
		{name: "srcipmask", types: TypeIPMask},
		{name: "dstipaddr", types: TypeIPAddr},
		{name: "dstipmask", types: TypeIPMask},
		{name: "protocol", types: TypeString | TypeUint8 | TypeUint8Hex, check: checkIPProtocol},
	}, commonPorts(), []attrDesc{
		{name: "dscp", types: u8, check: checkDSCP},
		comment,
	})
	ipv6Attrs = join(commonMAC(), []attrDesc{
		{name: "srcipaddr", types: TypeIPv6Addr},
		{name: "srcipmask", types: TypeIPv6Mask},
		{name: "dstipaddr", types: TypeIPv6Addr},
		{name: "dstipmask", types: TypeIPv6Mask},
		{name: "protocol", types: TypeString | TypeUint8 | TypeUint8Hex, check: checkIPProtocol},
	}, commonPorts(), []attrDesc{
		{name: "type", types: u8},
		{name: "typeend", types: u8},
		{name: "code", types: u8},
		{name: "codeend", types: u8},
		comment,
	})
)

func l4(addr, mask DataType, ports bool, extra ...attrDesc) []attrDesc {
	out := commonIP(addr, mask)
	if ports {
		out = append(out, commonPorts()...)
	}
	out = append(out, extra...)
	return append(out, comment)
}

var ipL4Neg = negs(ipNeg, rangeNeg)

// protocols lists every element a rule may hold, in libvirt's lookup and
// format order (virAttr).
var protocols = []*protocol{
	{name: "arp", attrs: arpAttrs},
	{name: "rarp", attrs: arpAttrs},
	{name: "mac", attrs: macAttrs, negPairs: macNeg},
	{name: "vlan", attrs: vlanAttrs, negPairs: macNeg},
	{name: "stp", attrs: stpAttrs, negPairs: [][2]string{
		{"srcmacmask", "srcmacaddr"},
		{"root-priority-hi", "root-priority"},
		{"root-address-mask", "root-address"},
		{"root-cost-hi", "root-cost"},
		{"sender-priority-hi", "sender-priority"},
		{"sender-address-mask", "sender-address"},
		{"port-hi", "port"},
		{"age-hi", "age"},
		{"max-age-hi", "max-age"},
		{"hello-time-hi", "hello-time"},
		{"forward-delay-hi", "forward-delay"},
	}},
	{name: "ip", attrs: ipAttrs, negPairs: ipNeg, ipsetFixup: true, portsNeedProtocol: true},
	{name: "ipv6", attrs: ipv6Attrs, negPairs: negs(ipNeg, [][2]string{{"typeend", "type"}, {"code", "type"}, {"codeend", "type"}}), ipsetFixup: true, portsNeedProtocol: true},
	{name: "tcp", attrs: l4(TypeIPAddr, TypeIPMask, true,
		attrDesc{name: "option", types: u8},
		attrDesc{name: "flags", types: TypeString, check: checkTCPFlags}), negPairs: negs(ipL4Neg, portNeg), ipsetFixup: true},
	{name: "udp", attrs: l4(TypeIPAddr, TypeIPMask, true), negPairs: negs(ipL4Neg, portNeg), ipsetFixup: true},
	{name: "udplite", attrs: l4(TypeIPAddr, TypeIPMask, false), negPairs: ipL4Neg, ipsetFixup: true},
	{name: "esp", attrs: l4(TypeIPAddr, TypeIPMask, false), negPairs: ipL4Neg, ipsetFixup: true},
	{name: "ah", attrs: l4(TypeIPAddr, TypeIPMask, false), negPairs: ipL4Neg, ipsetFixup: true},
	{name: "sctp", attrs: l4(TypeIPAddr, TypeIPMask, true), negPairs: negs(ipL4Neg, portNeg), ipsetFixup: true},
	{name: "icmp", attrs: l4(TypeIPAddr, TypeIPMask, false,
		attrDesc{name: "type", types: u8},
		attrDesc{name: "code", types: u8}), negPairs: negs(ipL4Neg, [][2]string{{"code", "type"}}), ipsetFixup: true},
	{name: "all", attrs: l4(TypeIPAddr, TypeIPMask, false), negPairs: ipL4Neg},
	{name: "igmp", attrs: l4(TypeIPAddr, TypeIPMask, false), negPairs: ipL4Neg, ipsetFixup: true},
	{name: "tcp-ipv6", attrs: l4(TypeIPv6Addr, TypeIPv6Mask, true,
		attrDesc{name: "option", types: u8}), negPairs: negs(ipL4Neg, portNeg), ipsetFixup: true},
	{name: "udp-ipv6", attrs: l4(TypeIPv6Addr, TypeIPv6Mask, true), negPairs: negs(ipL4Neg, portNeg), ipsetFixup: true},
	{name: "udplite-ipv6", attrs: l4(TypeIPv6Addr, TypeIPv6Mask, false), negPairs: ipL4Neg, ipsetFixup: true},
	{name: "esp-ipv6", attrs: l4(TypeIPv6Addr, TypeIPv6Mask, false), negPairs: ipL4Neg, ipsetFixup: true},
	{name: "ah-ipv6", attrs: l4(TypeIPv6Addr, TypeIPv6Mask, false), negPairs: ipL4Neg, ipsetFixup: true},
	{name: "sctp-ipv6", attrs: l4(TypeIPv6Addr, TypeIPv6Mask, true), negPairs: negs(ipL4Neg, portNeg), ipsetFixup: true},
	{name: "icmpv6", attrs: l4(TypeIPv6Addr, TypeIPv6Mask, false,
		attrDesc{name: "type", types: u8},
		attrDesc{name: "code", types: u8}), negPairs: negs(ipL4Neg, [][2]string{{"code", "type"}}), ipsetFixup: true},
	{name: "all-ipv6", attrs: l4(TypeIPv6Addr, TypeIPv6Mask, false), negPairs: ipL4Neg},
}

func lookupProtocol(name string) *protocol {
	for _, p := range protocols {
		if p.name == name {
			return p
		}
	}
	return nil
}

// ProtocolNames lists the protocol elements libvirt knows, in its order.
func ProtocolNames() []string {
	out := make([]string, len(protocols))
	for i, p := range protocols {
		out[i] = p.name
	}
	return out
}

// intMap is a small name table (libvirt's int_map).
type intMap []struct {
	val  uint32
	name string
}

func (m intMap) byValue(v uint32) (string, bool) {
	for _, e := range m {
		if e.val == v {
			return e.name, true
		}
	}
	return "", false
}

func (m intMap) byNameFold(s string) (uint32, bool) {
	for _, e := range m {
		if equalFold(e.name, s) {
			return e.val, true
		}
	}
	return 0, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

var macProtoMap = intMap{
	{0x0806, "arp"},
	{0x8035, "rarp"},
	{0x0800, "ipv4"},
	{0x86dd, "ipv6"},
	{0x8100, "vlan"},
}

var arpOpcodeMap = intMap{
	{1, "Request"},
	{2, "Reply"},
	{3, "Request_Reverse"},
	{4, "Reply_Reverse"},
	{5, "DRARP_Request"},
	{6, "DRARP_Reply"},
	{7, "DRARP_Error"},
	{8, "InARP_Request"},
	{9, "ARP_NAK"},
}

var ipProtoMap = intMap{
	{6, "tcp"},
	{17, "udp"},
	{136, "udplite"},
	{50, "esp"},
	{51, "ah"},
	{1, "icmp"},
	{2, "igmp"},
	{132, "sctp"},
	{58, "icmpv6"},
}

// State match flags (libvirt's RULE_FLAG_STATE_*).
const (
	StateNew         = 1 << 1
	StateEstablished = 1 << 2
	StateRelated     = 1 << 3
	StateInvalid     = 1 << 4
	StateNone        = 1 << 5
)

var stateMatchMap = intMap{
	{StateNew, "NEW"},
	{StateEstablished, "ESTABLISHED"},
	{StateRelated, "RELATED"},
	{StateInvalid, "INVALID"},
	{StateNone, "NONE"},
}

var tcpFlagMap = intMap{
	{0x1, "FIN"},
	{0x2, "SYN"},
	{0x4, "RST"},
	{0x8, "PSH"},
	{0x10, "ACK"},
	{0x20, "URG"},
	{0x3f, "ALL"},
	{0x0, "NONE"},
}
