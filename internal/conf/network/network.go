// Package network reads and writes libvirt's <network> XML
// (src/conf/network_conf.c): the definition of a virtual network with its
// forward mode, bridge, addressing, DHCP, DNS, routes and port groups, and
// applies net-update edits to it (virNetworkDefUpdateSection).
package network

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/ipaddr"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Forward modes (virNetworkForwardType); "" is an isolated network.
const (
	ForwardNone        = ""
	ForwardNAT         = "nat"
	ForwardRoute       = "route"
	ForwardOpen        = "open"
	ForwardBridge      = "bridge"
	ForwardPrivate     = "private"
	ForwardVEPA        = "vepa"
	ForwardPassthrough = "passthrough"
	ForwardHostdev     = "hostdev"
)

var forwardModes = []string{ForwardNAT, ForwardRoute, ForwardOpen, ForwardBridge, ForwardPrivate, ForwardVEPA, ForwardPassthrough, ForwardHostdev}

// MAC table managers of a bridge (virNetworkBridgeMACTableManager); ""
// is the default.
var macTableManagers = []string{"kernel", "libvirt"}

// DnsmasqNamespace is the XML namespace of <dnsmasq:options>.
const DnsmasqNamespace = "http://libvirt.org/schemas/network/dnsmasq/1.0"

// Def is a <network> definition (virNetworkDef).
type Def struct {
	Name string
	UUID uuid.UUID
	// UUIDSpecified is false when the document had no <uuid> and one was
	// made up.
	UUIDSpecified bool

	// Connections counts the guest interfaces using the network; only
	// live status XML carries it.
	Connections int
	// IPv6NoGateway is ipv6='yes': guest-to-guest IPv6 without a
	// gateway address.
	IPv6NoGateway       bool
	TrustGuestRxFilters netdev.Tristate

	Bridge          string
	BridgeZone      string
	STP             bool // true unless stp='off'
	stpGiven        bool
	Delay           uint64
	MACTableManager string // "", kernel or libvirt; others kept for Validate

	MAC          macaddr.MAC
	MACSpecified bool
	MTU          uint

	Domain         *DomainDef
	DNS            DNS
	Forward        Forward
	IPs            []*IP
	Routes         []*Route
	PortGroups     []*PortGroup
	VirtualPort    *netdev.VirtualPort
	Bandwidth      *netdev.Bandwidth
	Vlan           *netdev.Vlan
	IsolatedPort   netdev.Tristate
	Metadata       *xmltree.Node
	DnsmasqOptions []string
}

// DomainDef is <domain name localOnly>.
type DomainDef struct {
	Name      string
	LocalOnly netdev.Tristate
}

// FormatFlags select what Format writes.
type FormatFlags uint

// FormatInactive leaves out live-only state (VIR_NETWORK_XML_INACTIVE):
// connection counts, and the forward interfaces a <pf> expands to.
const FormatInactive FormatFlags = 1

// Parse reads a <network> document (virNetworkDefParse).
func Parse(data []byte) (*Def, error) {
	root, err := xmltree.ParseRootFrom(data, "(network_definition)", "network", virterr.FromNetwork)
	if err != nil {
		return nil, err
	}
	return ParseNode(root)
}

// ParseNode reads a <network> element (virNetworkDefParseXML).
func ParseNode(root *xmltree.Node) (*Def, error) {
	def := &Def{STP: true}
	name, _ := root.ChildText("name")
	if root.Child("name") == nil || name == "" {
		return nil, virterr.NewFrom(virterr.FromNetwork, virterr.NoName, "")
	}
	if i := strings.IndexByte(name, '/'); i >= 0 {
		// virXMLCheckIllegalChars, a virxml.c helper.
		return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "invalid char in name: %c", name[i])
	}
	def.Name = name
	if u, _ := root.ChildText("uuid"); root.Child("uuid") != nil && u != "" {
		parsed, err := uuid.Parse(u)
		if err != nil {
			return nil, netErr(virterr.InternalError, "malformed uuid element")
		}
		def.UUID = parsed
		def.UUIDSpecified = true
	} else {
		def.UUID = uuid.New()
	}
	if v, ok := xpathAttr(root, "ipv6"); ok {
		switch v {
		case "yes":
			def.IPv6NoGateway = true
		case "no":
		default:
			return nil, netErr(virterr.XMLError, "Invalid ipv6 setting '%s' in network '%s'", v, def.Name)
		}
	}
	var err error
	if def.TrustGuestRxFilters, err = tristate(root, "trustGuestRxFilters"); err != nil {
		return nil, err
	}
	if d := root.Child("domain"); d != nil {
		dom := &DomainDef{}
		name, hasName := attr(d, "name")
		dom.Name = name
		if dom.LocalOnly, err = tristate(d, "localOnly"); err != nil {
			return nil, err
		}
		if hasName {
			def.Domain = dom
		}
	}
	if n := root.Child("bandwidth"); n != nil {
		if def.Bandwidth, err = netdev.ParseBandwidth(n, netdev.BandwidthOptions{}); err != nil {
			return nil, err
		}
	}
	if n := root.Child("vlan"); n != nil {
		if def.Vlan, err = netdev.ParseVlan(n); err != nil {
			return nil, err
		}
	}
	if def.IsolatedPort, err = netdev.PortIsolated(root); err != nil {
		return nil, inXMLDomain(err)
	}
	if err := def.parseBridge(root.Child("bridge")); err != nil {
		return nil, err
	}
	if v, ok := xpathAttr(root.Child("mac"), "address"); ok {
		m, err := macaddr.Parse(v)
		if err != nil {
			return nil, netErr(virterr.XMLError, "Invalid bridge mac address '%s' in network '%s'", v, def.Name)
		}
		if m.IsMulticast() {
			return nil, netErr(virterr.XMLError, "Invalid multicast bridge mac address '%s' in network '%s'", v, def.Name)
		}
		def.MAC, def.MACSpecified = m, true
	}
	if v, ok := xpathAttr(root.Child("mtu"), "size"); ok {
		m, good := cnum.Unsigned(v, 10, 32, false)
		if !good {
			return nil, netErr(virterr.XMLError, "Invalid mtu size '%s' in network '%s'", v, def.Name)
		}
		def.MTU = uint(m)
	}
	if n := root.Child("dns"); n != nil {
		if err := def.DNS.parse(def.Name, n); err != nil {
			return nil, err
		}
	}
	if n := root.Child("virtualport"); n != nil {
		if def.VirtualPort, err = netdev.ParseVirtualPort(n, netdev.VPortRequireType); err != nil {
			return nil, err
		}
	}
	for _, n := range root.ChildrenNamed("portgroup") {
		pg, err := parsePortGroup(n)
		if err != nil {
			return nil, err
		}
		def.PortGroups = append(def.PortGroups, pg)
	}
	for _, n := range root.ChildrenNamed("ip") {
		ip, err := parseIP(def.Name, n)
		if err != nil {
			return nil, err
		}
		def.IPs = append(def.IPs, ip)
	}
	for _, n := range root.ChildrenNamed("route") {
		r, err := parseRoute(def.Name, n)
		if err != nil {
			return nil, err
		}
		def.Routes = append(def.Routes, r)
	}
	if err := def.checkRouteGateways(); err != nil {
		return nil, err
	}
	if n := root.Child("forward"); n != nil {
		if err := def.Forward.parse(def.Name, n); err != nil {
			return nil, err
		}
	}
	if err := def.checkForwardMode(); err != nil {
		return nil, err
	}
	if m := root.Child("metadata"); m != nil {
		def.Metadata = copyMetadata(m)
	}
	if err := def.parseDnsmasqOptions(root); err != nil {
		return nil, err
	}
	return def, nil
}

func netErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNetwork, code, format, args...)
}

func (def *Def) parseBridge(n *xmltree.Node) error {
	if n == nil {
		return nil
	}
	def.Bridge, _ = xpathAttr(n, "name")
	def.BridgeZone, _ = xpathAttr(n, "zone")
	if stp, ok := xpathAttr(n, "stp"); ok {
		def.stpGiven = true
		def.STP = stp != "off"
	}
	if v, ok := xpathAttr(n, "delay"); ok {
		d, good := cnum.Unsigned(v, 10, 64, true)
		if !good {
			return netErr(virterr.XMLError, "Invalid delay value in network '%s'", def.Name)
		}
		def.Delay = d
	}
	if v, ok := xpathAttr(n, "macTableManager"); ok {
		if v == "default" {
			return invalidMACTableManager(v, def.Name)
		}
		def.MACTableManager = v
	}
	return nil
}

func invalidMACTableManager(v, name string) error {
	return netErr(virterr.XMLError, "Invalid macTableManager setting '%s' in network '%s'", v, name)
}

// checkRouteGateways demands that every static route's gateway lie in one
// of the network's own subnets.
func (def *Def) checkRouteGateways() error {
	for _, r := range def.Routes {
		found := false
		for _, ip := range def.IPs {
			if !sameFamily(r.Gateway, ip.Address) {
				continue
			}
			prefix := ip.Prefix()
			a := maskByPrefix(ip.Address, prefix)
			g := maskByPrefix(r.Gateway, prefix)
			if a.IsValid() && g.IsValid() && a == g {
				found = true
				break
			}
		}
		if !found {
			return netErr(virterr.ConfigUnsupported, "unreachable static route gateway '%s' specified for network '%s'", ipaddr.Format(r.Gateway), def.Name)
		}
	}
	return nil
}

// checkForwardMode checks what must agree with the forward mode, as
// libvirt's parser does.
func (def *Def) checkForwardMode() error {
	mode := def.Forward.Mode
	f := &def.Forward
	switch mode {
	case ForwardNone:
	case ForwardRoute, ForwardNAT, ForwardOpen:
		if len(def.IPs) == 0 {
			return netErr(virterr.XMLError, "%s forwarding requested, but no IP address provided for network '%s'", mode, def.Name)
		}
		if len(f.Interfaces) > 1 {
			return netErr(virterr.XMLError, "multiple forwarding interfaces specified for network '%s', only one is supported", def.Name)
		}
		if mode == ForwardOpen && len(f.Interfaces) > 0 {
			return netErr(virterr.XMLError, "forward dev not allowed for network '%s' with forward mode='%s'", def.Name, mode)
		}
	case ForwardPrivate, ForwardVEPA, ForwardPassthrough, ForwardHostdev, ForwardBridge:
		if mode != ForwardBridge {
			if def.Bridge != "" {
				return netErr(virterr.XMLError, "bridge name not allowed in %s mode (network '%s')", mode, def.Name)
			}
			if def.BridgeZone != "" {
				return netErr(virterr.XMLError, "bridge zone not allowed in %s mode (network '%s')", mode, def.Name)
			}
			if def.MACTableManager != "" {
				return netErr(virterr.XMLError, "bridge macTableManager setting not allowed in %s mode (network '%s')", mode, def.Name)
			}
		}
		if def.Delay != 0 || def.stpGiven || def.BridgeZone != "" {
			return netErr(virterr.XMLError, "bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in %s (network '%s')", mode, def.Name)
		}
		if def.Bridge != "" && (len(f.Interfaces) > 0 || len(f.PFs) > 0) {
			return netErr(virterr.XMLError, "A network with forward mode='%s' can specify a bridge name or a forward dev, but not both (network '%s')", mode, def.Name)
		}
	default:
		// An unknown mode is kept for Validate to report.
		return nil
	}
	if def.MTU != 0 {
		switch mode {
		case ForwardBridge, ForwardPrivate, ForwardVEPA, ForwardPassthrough, ForwardHostdev:
			return netErr(virterr.XMLError, "mtu size only allowed in open, route, nat, and isolated mode, not in %s (network '%s')", mode, def.Name)
		}
	}
	return nil
}

// parseDnsmasqOptions reads <dnsmasq:options> (the network driver's XML
// namespace), whatever prefix the document binds to its URI and wherever
// it declares it.
func (def *Def) parseDnsmasqOptions(root *xmltree.Node) error {
	for _, opts := range root.Children {
		if localName(opts.Name) != "options" || namespaceURI(opts) != DnsmasqNamespace {
			continue
		}
		for _, o := range opts.Children {
			if localName(o.Name) != "option" || namespaceURI(o) != DnsmasqNamespace {
				continue
			}
			v, ok := o.Attr("value")
			if !ok {
				return netErr(virterr.XMLError, "No dnsmasq options value specified")
			}
			def.DnsmasqOptions = append(def.DnsmasqOptions, v)
		}
	}
	return nil
}

func localName(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Format writes the definition as libvirt does (virNetworkDefFormat).
func (def *Def) Format(flags FormatFlags) string {
	buf := xmlbuf.New()
	def.FormatBuf(buf, flags)
	return buf.String()
}

// FormatBuf writes the definition into buf (virNetworkDefFormatBuf).
func (def *Def) FormatBuf(buf *xmlbuf.Buffer, flags FormatFlags) {
	inactive := flags&FormatInactive != 0
	buf.AddLit("<network")
	if len(def.DnsmasqOptions) > 0 {
		buf.Attr("xmlns:dnsmasq", DnsmasqNamespace)
	}
	if !inactive && def.Connections > 0 {
		buf.Asprintf(" connections='%d'", def.Connections)
	}
	if def.IPv6NoGateway {
		buf.AddLit(" ipv6='yes'")
	}
	if def.TrustGuestRxFilters != netdev.Absent {
		buf.Asprintf(" trustGuestRxFilters='%s'", def.TrustGuestRxFilters)
	}
	buf.AddLit(">\n")
	buf.AdjustIndent(2)
	buf.EscapeString("<name>%s</name>\n", def.Name)
	buf.Asprintf("<uuid>%s</uuid>\n", def.UUID)
	if def.Metadata != nil {
		buf.FormatLibxmlNode(def.Metadata)
	}
	def.Forward.format(buf, inactive)

	hasBridge := false
	switch def.Forward.Mode {
	case ForwardNone, ForwardNAT, ForwardRoute, ForwardOpen:
		hasBridge = true
	}
	if hasBridge || def.Bridge != "" || def.MACTableManager != "" {
		buf.AddLit("<bridge")
		if def.Bridge != "" {
			buf.Attr("name", def.Bridge)
		}
		if def.BridgeZone != "" {
			buf.Attr("zone", def.BridgeZone)
		}
		if hasBridge {
			stp := "off"
			if def.STP {
				stp = "on"
			}
			buf.Asprintf(" stp='%s' delay='%d'", stp, def.Delay)
		}
		if def.MACTableManager != "" {
			buf.Attr("macTableManager", def.MACTableManager)
		}
		buf.AddLit("/>\n")
	}
	if def.MTU != 0 {
		buf.Asprintf("<mtu size='%d'/>\n", def.MTU)
	}
	if def.MACSpecified {
		buf.Asprintf("<mac address='%s'/>\n", def.MAC)
	}
	if def.Domain != nil {
		buf.AddLit("<domain")
		buf.Attr("name", def.Domain.Name)
		if def.Domain.LocalOnly != netdev.Absent {
			buf.Asprintf(" localOnly='%s'", def.Domain.LocalOnly)
		}
		buf.AddLit("/>\n")
	}
	def.DNS.format(buf)
	def.Vlan.Format(buf)
	def.Bandwidth.Format(buf, 0)
	if def.IsolatedPort != netdev.Absent {
		buf.Asprintf("<port isolated='%s'/>\n", def.IsolatedPort)
	}
	for _, ip := range def.IPs {
		ip.format(buf)
	}
	for _, r := range def.Routes {
		r.format(buf)
	}
	def.VirtualPort.Format(buf)
	for _, pg := range def.PortGroups {
		pg.format(buf)
	}
	if len(def.DnsmasqOptions) > 0 {
		buf.AddLit("<dnsmasq:options>\n")
		buf.AdjustIndent(2)
		for _, o := range def.DnsmasqOptions {
			buf.EscapeString("<dnsmasq:option value='%s'/>\n", o)
		}
		buf.AdjustIndent(-2)
		buf.AddLit("</dnsmasq:options>\n")
	}
	buf.AdjustIndent(-2)
	buf.AddLit("</network>\n")
}

// PortGroupByName finds a port group, or with name "" the default one
// (virPortGroupFindByName).
func (def *Def) PortGroupByName(name string) *PortGroup {
	for _, pg := range def.PortGroups {
		if (name != "" && pg.Name == name) || (name == "" && pg.IsDefault) {
			return pg
		}
	}
	return nil
}

// IPByIndex returns the nth <ip> of a family ("" any, "ipv4", "ipv6"),
// or nil (virNetworkDefGetIPByIndex).
func (def *Def) IPByIndex(family string, n int) *IP {
	if n < 0 || n >= len(def.IPs) {
		return nil
	}
	for _, ip := range def.IPs {
		if family == "" || (family == "ipv4" && isV4(ip.Address)) || (family == "ipv6" && isV6(ip.Address)) {
			if n == 0 {
				return ip
			}
			n--
		}
	}
	return nil
}
