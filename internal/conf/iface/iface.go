// Package iface reads and writes libvirt's host interface XML
// (<interface type='ethernet|bridge|bond|vlan'>), as
// src/conf/interface_conf.c does in libvirt 9.0.
//
// Parse checks syntax only and keeps enum values it does not know as
// strings; Validate makes libvirt's value checks. Format writes libvirt's
// canonical XML.
package iface

import (
	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Interface types.
const (
	Ethernet = "ethernet"
	Bridge   = "bridge"
	Bond     = "bond"
	VLAN     = "vlan"
)

// DocName is what parse errors call the document, as libvirt does.
const DocName = "(interface_definition)"

// maxMTU is the largest MTU libvirt accepts.
const maxMTU = 100000

// Def is one host interface, or one member of a bridge or bond.
type Def struct {
	Type string
	Name string
	// StartMode is onboot, hotplug or none; "" when unspecified. Like MTU
	// and Protocols it exists only on a top-level interface.
	StartMode string
	MTU       uint32
	Protocols []*Protocol
	Link      Link
	// MAC is an ethernet interface's address, as written.
	MAC    string
	Bridge *BridgeDef
	Bond   *BondDef
	VLAN   *VLANDef
}

// Protocol is one <protocol family='ipv4|ipv6'>.
type Protocol struct {
	Family   string
	Autoconf bool
	DHCP     bool
	// PeerDNS is "yes", "no" or "" for DHCP.
	PeerDNS string
	IPs     []IP
	Gateway string
}

// IP is one static address; Prefix 0 means none given.
type IP struct {
	Address string
	Prefix  int
}

// BridgeDef is a bridge's <bridge> element.
type BridgeDef struct {
	// STP is "on", "off" or "" when unspecified.
	STP string
	// Delay is the forwarding delay in seconds as written, nil when absent.
	Delay      *string
	Interfaces []*Def
}

// BondDef is a bond's <bond> element.
type BondDef struct {
	// Mode is balance-rr, active-backup, balance-xor, broadcast, 802.3ad,
	// balance-tlb or balance-alb; "" when unspecified.
	Mode string
	// Monitor is "miimon", "arpmon" or "".
	Monitor string
	// MII monitoring.
	Freq      int
	DownDelay int
	UpDelay   int
	Carrier   string
	// ARP monitoring.
	Interval    int
	Target      string
	ArpValidate string
	Interfaces  []*Def
}

// VLANDef is a VLAN's <vlan> element.
type VLANDef struct {
	Tag string
	Dev string
}

var (
	startModes   = []string{"onboot", "hotplug", "none"}
	bondModes    = []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb"}
	miiCarriers  = []string{"ioctl", "netif"}
	arpValidates = []string{"active", "backup", "all"}
	ifaceTypes   = []string{Ethernet, Bridge, Bond, VLAN}
)

// errUnknownCause is what a libvirt client sees when the parser fails
// without reporting why: libvirt 9.0 reads the MTU with virXPathULong
// and returns on a value that is no number without an error of its own,
// so the RPC layer answers with its generic internal error.
func errUnknownCause() error {
	return &virterr.Error{Code: virterr.InternalError, Domain: virterr.FromNone, Level: virterr.LevelError,
		Message: "An error occurred, but the cause is unknown", Int1: -1, Int2: -1}
}

func xmlErr(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromInterface, virterr.XMLError, format, args...)
}

// Parse reads an <interface> document.
func Parse(data []byte) (*Def, error) {
	root, err := xmltree.ParseRootFrom(data, DocName, "interface", virterr.FromInterface)
	if err != nil {
		return nil, err
	}
	return ParseNode(root)
}

// ParseNode reads an already parsed top-level <interface> element.
func ParseNode(root *xmltree.Node) (*Def, error) {
	if root.Name != "interface" {
		return nil, xmlErr("unexpected root element <%s>, expecting <interface>", root.Name)
	}
	return parseDef(root, "")
}

// parseDef reads an interface; parent is the enclosing interface's type,
// "" at the top level.
func parseDef(n *xmltree.Node, parent string) (*Def, error) {
	t, ok := n.Attr("type")
	if !ok {
		return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLError,
			"Missing required attribute '%s' in element '%s'", "type", n.Name)
	}
	if !contains(ifaceTypes, t) {
		return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLError,
			"Invalid value for attribute '%s' in element '%s': '%s'.", "type", n.Name, t)
	}
	if (parent == Bond && t != Ethernet) ||
		(parent == Bridge && t != Ethernet && t != Bond && t != VLAN) ||
		parent == Ethernet || parent == VLAN {
		return nil, xmlErr("interface has unsupported type '%s'", t)
	}
	def := &Def{Type: t}
	if def.Name, ok = n.Attr("name"); !ok {
		return nil, xmlErr("interface has no name")
	}
	if parent == "" {
		if s := n.Child("start"); s != nil {
			def.StartMode = s.Prop("mode")
		}
		if m := n.Child("mtu"); m != nil {
			if s := m.Prop("size"); s != "" {
				v, ok := cnum.UIntP(s, 10)
				if !ok {
					return nil, errUnknownCause()
				}
				def.MTU = v
			}
		}
		for _, p := range n.ChildrenNamed("protocol") {
			proto, err := parseProtocol(p)
			if err != nil {
				return nil, err
			}
			def.Protocols = append(def.Protocols, proto)
		}
	}
	if t != Bridge {
		if l := n.Child("link"); l != nil {
			lnk, err := ParseLink(l)
			if err != nil {
				return nil, err
			}
			def.Link = lnk
		}
	}
	switch t {
	case Ethernet:
		if m := n.Child("mac"); m != nil {
			def.MAC = m.Prop("address")
		}
	case Bridge:
		br := n.Child("bridge")
		if br == nil {
			return nil, xmlErr("bridge interface misses the bridge element")
		}
		b, err := parseBridge(br)
		if err != nil {
			return nil, err
		}
		def.Bridge = b
	case Bond:
		bo := n.Child("bond")
		if bo == nil {
			return nil, xmlErr("bond interface misses the bond element")
		}
		b, err := parseBond(bo)
		if err != nil {
			return nil, err
		}
		def.Bond = b
	case VLAN:
		v := n.Child("vlan")
		if v == nil {
			return nil, xmlErr("vlan interface misses the vlan element")
		}
		vl := &VLANDef{Tag: v.Prop("tag")}
		if vl.Tag == "" {
			return nil, xmlErr("vlan interface misses the tag attribute")
		}
		if c := v.Child("interface"); c != nil {
			vl.Dev = c.Prop("name")
		}
		if vl.Dev == "" {
			return nil, xmlErr("vlan interface misses name attribute")
		}
		def.VLAN = vl
	}
	return def, nil
}

func parseProtocol(n *xmltree.Node) (*Protocol, error) {
	p := &Protocol{}
	var ok bool
	if p.Family, ok = n.Attr("family"); !ok {
		return nil, xmlErr("protocol misses the family attribute")
	}
	if r := n.Child("route"); r != nil {
		p.Gateway = r.Prop("gateway")
	}
	if p.Family != "ipv4" && n.Child("autoconf") != nil {
		p.Autoconf = true
	}
	if d := n.Child("dhcp"); d != nil {
		p.DHCP = true
		if v, ok := d.Attr("peerdns"); ok {
			if v == "" {
				return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLError,
					"Invalid value for attribute '%s' in element '%s': '%s'.", "peerdns", "dhcp", v)
			}
			p.PeerDNS = v
		}
	}
	for _, ipn := range n.ChildrenNamed("ip") {
		// An <ip> without an address carries nothing libvirt keeps; an
		// empty address is kept and written back.
		addr, ok := ipn.Attr("address")
		if !ok {
			continue
		}
		ip := IP{Address: addr}
		if s, has := ipn.Attr("prefix"); has {
			v, ok := cnum.Int(s, 0)
			if !ok {
				return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLError,
					"Invalid value for attribute '%s' in element '%s': '%s'. Expected integer value", "prefix", "ip", s)
			}
			ip.Prefix = v
		}
		p.IPs = append(p.IPs, ip)
	}
	return p, nil
}

func parseBridge(n *xmltree.Node) (*BridgeDef, error) {
	b := &BridgeDef{}
	if stp, ok := n.Attr("stp"); ok {
		if stp != "on" && stp != "off" {
			// libvirt reports the value but accepts the interface,
			// keeping nothing of the bridge element; do the same so the
			// interface formats as libvirt formats it.
			return b, nil
		}
		b.STP = stp
	}
	if d, ok := n.Attr("delay"); ok {
		b.Delay = &d
	}
	for _, c := range n.ChildrenNamed("interface") {
		d, err := parseDef(c, Bridge)
		if err != nil {
			return nil, err
		}
		b.Interfaces = append(b.Interfaces, d)
	}
	return b, nil
}

func parseBond(n *xmltree.Node) (*BondDef, error) {
	b := &BondDef{Mode: n.Prop("mode")}
	for _, c := range n.ChildrenNamed("interface") {
		d, err := parseDef(c, Bond)
		if err != nil {
			return nil, err
		}
		b.Interfaces = append(b.Interfaces, d)
	}
	if m := n.Child("miimon"); m != nil {
		b.Monitor = "miimon"
		v, ok := cnum.Int(m.Prop("freq"), 10)
		if !ok {
			return nil, xmlErr("bond interface miimon freq missing or invalid")
		}
		b.Freq = v
		if s := m.Prop("downdelay"); s != "" {
			if b.DownDelay, ok = cnum.Int(s, 10); !ok {
				return nil, xmlErr("bond interface miimon downdelay invalid")
			}
		}
		if s := m.Prop("updelay"); s != "" {
			if b.UpDelay, ok = cnum.Int(s, 10); !ok {
				return nil, xmlErr("bond interface miimon updelay invalid")
			}
		}
		b.Carrier = m.Prop("carrier")
	} else if a := n.Child("arpmon"); a != nil {
		b.Monitor = "arpmon"
		v, ok := cnum.Int(a.Prop("interval"), 10)
		if !ok {
			return nil, xmlErr("bond interface arpmon interval missing or invalid")
		}
		b.Interval = v
		if b.Target = a.Prop("target"); b.Target == "" {
			return nil, xmlErr("bond interface arpmon target missing")
		}
		b.ArpValidate = a.Prop("validate")
	}
	return b, nil
}

// Format writes the interface as libvirt's virInterfaceDefFormat does.
// Values Validate would reject are written back as they were read, so a
// definition from a newer version survives a load and save.
func (def *Def) Format() string {
	b := xmlbuf.New()
	def.format(b, true)
	return b.String()
}

func (def *Def) format(b *xmlbuf.Buffer, top bool) {
	b.Asprintf("<interface type='%s' ", xmlbuf.Escape(def.Type))
	b.EscapeString("name='%s'", def.Name)
	b.AddLit(">\n")
	b.AdjustIndent(2)
	if top {
		if def.StartMode != "" {
			b.Asprintf("<start mode='%s'/>\n", xmlbuf.Escape(def.StartMode))
		}
		if def.MTU != 0 {
			b.Asprintf("<mtu size='%d'/>\n", def.MTU)
		}
		for _, p := range def.Protocols {
			p.format(b)
		}
	}
	if def.Type != Bridge {
		def.Link.Format(b)
	}
	switch def.Type {
	case Ethernet:
		if def.MAC != "" {
			b.Asprintf("<mac address='%s'/>\n", xmlbuf.Escape(def.MAC))
		}
	case Bridge:
		if def.Bridge != nil {
			def.Bridge.format(b)
		}
	case Bond:
		if def.Bond != nil {
			def.Bond.format(b)
		}
	case VLAN:
		if def.VLAN != nil {
			def.VLAN.format(b)
		}
	}
	b.AdjustIndent(-2)
	b.AddLit("</interface>\n")
}

func (p *Protocol) format(b *xmlbuf.Buffer) {
	b.Asprintf("<protocol family='%s'>\n", xmlbuf.Escape(p.Family))
	b.AdjustIndent(2)
	if p.Autoconf {
		b.AddLit("<autoconf/>\n")
	}
	if p.DHCP {
		if p.PeerDNS != "" {
			b.Asprintf("<dhcp peerdns='%s'/>\n", xmlbuf.Escape(p.PeerDNS))
		} else {
			b.AddLit("<dhcp/>\n")
		}
	}
	for _, ip := range p.IPs {
		b.Asprintf("<ip address='%s'", xmlbuf.Escape(ip.Address))
		if ip.Prefix != 0 {
			b.Asprintf(" prefix='%d'", ip.Prefix)
		}
		b.AddLit("/>\n")
	}
	if p.Gateway != "" {
		b.Asprintf("<route gateway='%s'/>\n", xmlbuf.Escape(p.Gateway))
	}
	b.AdjustIndent(-2)
	b.AddLit("</protocol>\n")
}

func (br *BridgeDef) format(b *xmlbuf.Buffer) {
	b.AddLit("<bridge")
	if br.STP != "" {
		b.Asprintf(" stp='%s'", xmlbuf.Escape(br.STP))
	}
	if br.Delay != nil {
		b.Asprintf(" delay='%s'", xmlbuf.Escape(*br.Delay))
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	for _, d := range br.Interfaces {
		d.format(b, false)
	}
	b.AdjustIndent(-2)
	b.AddLit("</bridge>\n")
}

func (bo *BondDef) format(b *xmlbuf.Buffer) {
	b.AddLit("<bond")
	if bo.Mode != "" {
		b.Asprintf(" mode='%s'", xmlbuf.Escape(bo.Mode))
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	switch bo.Monitor {
	case "miimon":
		b.Asprintf("<miimon freq='%d'", bo.Freq)
		if bo.DownDelay > 0 {
			b.Asprintf(" downdelay='%d'", bo.DownDelay)
		}
		if bo.UpDelay > 0 {
			b.Asprintf(" updelay='%d'", bo.UpDelay)
		}
		if bo.Carrier != "" {
			b.Asprintf(" carrier='%s'", xmlbuf.Escape(bo.Carrier))
		}
		b.AddLit("/>\n")
	case "arpmon":
		b.Asprintf("<arpmon interval='%d' target='%s'", bo.Interval, xmlbuf.Escape(bo.Target))
		if bo.ArpValidate != "" {
			b.Asprintf(" validate='%s'", xmlbuf.Escape(bo.ArpValidate))
		}
		b.AddLit("/>\n")
	}
	for _, d := range bo.Interfaces {
		d.format(b, false)
	}
	b.AdjustIndent(-2)
	b.AddLit("</bond>\n")
}

func (v *VLANDef) format(b *xmlbuf.Buffer) {
	b.Asprintf("<vlan tag='%s'", xmlbuf.Escape(v.Tag))
	if v.Dev != "" {
		b.AddLit(">\n")
		b.AdjustIndent(2)
		b.Asprintf("<interface name='%s'/>\n", xmlbuf.Escape(v.Dev))
		b.AdjustIndent(-2)
		b.AddLit("</vlan>\n")
	} else {
		b.AddLit("/>\n")
	}
}

// Validate makes the value checks libvirt's parser makes: known start
// mode, bond mode, MII carrier, ARP validation, DHCP peerdns and link
// state, a known protocol family, and an MTU of at most 100000.
func (def *Def) Validate() error {
	return def.validate(true)
}

func (def *Def) validate(top bool) error {
	if top {
		if def.StartMode != "" && !contains(startModes, def.StartMode) {
			return xmlErr("unknown interface startmode %s", def.StartMode)
		}
		if def.MTU > maxMTU {
			return xmlErr("value of the 'size' attribute of 'mtu' element must be at most %d", maxMTU)
		}
		for _, p := range def.Protocols {
			if p.Family != "ipv4" && p.Family != "ipv6" {
				return xmlErr("unsupported protocol family '%s'", p.Family)
			}
			if p.DHCP && p.PeerDNS != "" && p.PeerDNS != "yes" && p.PeerDNS != "no" {
				return virterr.NewFrom(virterr.FromXML, virterr.XMLError,
					"Invalid value for attribute '%s' in element '%s': '%s'.", "peerdns", "dhcp", p.PeerDNS)
			}
		}
	}
	if err := def.Link.Validate(); err != nil {
		return err
	}
	var members []*Def
	switch {
	case def.Bridge != nil:
		members = def.Bridge.Interfaces
	case def.Bond != nil:
		bo := def.Bond
		if bo.Mode != "" && !contains(bondModes, bo.Mode) {
			return xmlErr("unknown bonding mode %s", bo.Mode)
		}
		if bo.Monitor == "miimon" && bo.Carrier != "" && !contains(miiCarriers, bo.Carrier) {
			return xmlErr("unknown mii bonding carrier %s", bo.Carrier)
		}
		if bo.Monitor == "arpmon" && bo.ArpValidate != "" && !contains(arpValidates, bo.ArpValidate) {
			return xmlErr("unknown arp bonding validate %s", bo.ArpValidate)
		}
		members = bo.Interfaces
	}
	for _, m := range members {
		if err := m.validate(false); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
