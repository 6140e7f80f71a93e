// Package networkport reads and writes libvirt's <networkport> XML
// (src/conf/virnetworkportdef.c): one guest interface's connection to a
// virtual network, as the network driver records it.
package networkport

import (
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Plug types (virNetworkPortPlugType); "" is none.
const (
	PlugNone       = ""
	PlugNetwork    = "network"
	PlugBridge     = "bridge"
	PlugDirect     = "direct"
	PlugHostdevPCI = "hostdev-pci"
)

// Macvtap modes of a direct plug (virNetDevMacVLanMode); the first is
// the default.
var directModes = []string{"vepa", "private", "bridge", "passthrough"}

// Def is a <networkport> (virNetworkPortDef).
type Def struct {
	UUID                uuid.UUID
	OwnerName           string
	OwnerUUID           uuid.UUID
	Group               string
	hasGroup            bool
	MAC                 macaddr.MAC
	VirtualPort         *netdev.VirtualPort
	Bandwidth           *netdev.Bandwidth
	ClassID             uint
	Vlan                *netdev.Vlan
	IsolatedPort        netdev.Tristate
	TrustGuestRxFilters netdev.Tristate
	Plug                Plug
}

// Plug is <plug>: how the port is attached on the host.
type Plug struct {
	// Type is one of the Plug* constants; unknown types are kept for
	// Validate to reject.
	Type string
	// Bridge and MACTableManager are for network and bridge plugs.
	Bridge          string
	MACTableManager string
	// Dev and Mode are for direct plugs; Mode "" is vepa.
	Dev  string
	Mode string
	// Managed, Driver and Address are for hostdev-pci plugs.
	Managed netdev.Tristate
	Driver  string
	Address network.PCIAddress
}

// attrOf reads an attribute of an element that may be missing.
func attrOf(n *xmltree.Node, name string) (string, bool) {
	if n == nil {
		return "", false
	}
	return n.Attr(name)
}

func internalErr(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNetwork, virterr.InternalError, format, args...)
}

// inXMLDomain moves an error of netdev's virXMLProp* ports, which leave
// the domain unset, into VIR_FROM_XML, where libvirt's XML helpers report.
func inXMLDomain(err error) error {
	if e, ok := err.(*virterr.Error); ok && e.Domain == virterr.FromNone {
		return e.WithDomain(virterr.FromXML)
	}
	return err
}

func xmlErr(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNetwork, virterr.XMLError, format, args...)
}

// Parse reads a <networkport> document (virNetworkPortDefParseString).
func Parse(data []byte) (*Def, error) {
	root, err := xmltree.ParseFrom(data, "(networkport_definition)", virterr.FromNetwork)
	if err != nil {
		return nil, err
	}
	return ParseNode(root)
}

// ParseNode reads a <networkport> element (virNetworkPortDefParseNode).
func ParseNode(root *xmltree.Node) (*Def, error) {
	if root.Name != "networkport" {
		return nil, xmlErr("unknown root element for network port")
	}
	def := &Def{}
	u, _ := root.ChildText("uuid")
	if root.Child("uuid") == nil || u == "" {
		return nil, internalErr("network port has no uuid")
	}
	var err error
	if def.UUID, err = uuid.Parse(u); err != nil {
		return nil, internalErr("Unable to parse UUID '%s'", u)
	}
	owner := root.Child("owner")
	var name string
	if owner != nil && owner.Child("name") != nil {
		name, _ = owner.ChildText("name")
	}
	if name == "" {
		return nil, internalErr("network port has no owner name")
	}
	def.OwnerName = name
	var ou string
	if owner.Child("uuid") != nil {
		ou, _ = owner.ChildText("uuid")
	}
	if ou == "" {
		return nil, internalErr("network port has no owner UUID")
	}
	if def.OwnerUUID, err = uuid.Parse(ou); err != nil {
		return nil, internalErr("Unable to parse UUID '%s'", ou)
	}
	if root.Child("group") != nil {
		def.Group, _ = root.ChildText("group")
		def.hasGroup = def.Group != ""
	}
	if n := root.Child("virtualport"); n != nil {
		if def.VirtualPort, err = netdev.ParseVirtualPort(n, 0); err != nil {
			return nil, err
		}
	}
	mac, ok := attrOf(root.Child("mac"), "address")
	if !ok || mac == "" {
		return nil, internalErr("network port has no mac")
	}
	if def.MAC, err = macaddr.Parse(mac); err != nil {
		return nil, internalErr("Unable to parse MAC '%s'", mac)
	}
	if n := root.Child("bandwidth"); n != nil {
		// Whether the port may have a floor is only known when it is
		// used, so parsing allows it.
		if def.Bandwidth, err = netdev.ParseBandwidth(n, netdev.BandwidthOptions{AllowFloor: true, ClassID: &def.ClassID}); err != nil {
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
	if rx := root.Child("rxfilters"); rx != nil {
		if def.TrustGuestRxFilters, err = netdev.ParseTristateAttr(rx, "trustGuest"); err != nil {
			return nil, inXMLDomain(err)
		}
	}
	if p := root.Child("plug"); p != nil {
		if err := def.Plug.parse(p); err != nil {
			return nil, err
		}
	}
	return def, nil
}

func (p *Plug) parse(n *xmltree.Node) error {
	t, ok := n.Attr("type")
	if !ok || t == "none" {
		return nil
	}
	if t == "" {
		return inXMLDomain(netdev.InvalidAttr(n, "type", t))
	}
	p.Type = t
	switch t {
	case PlugNetwork, PlugBridge:
		br, ok := n.Attr("bridge")
		if !ok {
			return xmlErr("Missing network port bridge name")
		}
		p.Bridge = br
		if m, ok := n.Attr("macTableManager"); ok {
			if m != "kernel" && m != "libvirt" {
				return xmlErr("Invalid macTableManager setting '%s' in network port", m)
			}
			p.MACTableManager = m
		}
	case PlugDirect:
		dev, ok := n.Attr("dev")
		if !ok {
			return xmlErr("Missing network port link device name")
		}
		p.Dev = dev
		if m, ok := n.Attr("mode"); ok {
			known := false
			for _, d := range directModes {
				known = known || d == m
			}
			if !known {
				return xmlErr("Invalid mode setting '%s' in network port", m)
			}
			p.Mode = m
		}
	case PlugHostdevPCI:
		var err error
		if p.Managed, err = netdev.ParseTristateAttr(n, "managed"); err != nil {
			return inXMLDomain(err)
		}
		if d, ok := attrOf(n.Child("driver"), "name"); ok && d != "" {
			if d != "kvm" && d != "vfio" {
				return xmlErr("Missing network port driver name")
			}
			p.Driver = d
		}
		a := n.Child("address")
		if a == nil {
			return xmlErr("Missing network port PCI address")
		}
		if p.Address, err = network.ParsePCIAddress(a); err != nil {
			return err
		}
	}
	return nil
}

// Validate rejects a plug type libvirt does not know.
func (def *Def) Validate() error {
	switch def.Plug.Type {
	case PlugNone, PlugNetwork, PlugBridge, PlugDirect, PlugHostdevPCI:
	default:
		return virterr.NewFrom(virterr.FromXML, virterr.XMLError, "Invalid value for attribute 'type' in element 'plug': '%s'.", def.Plug.Type)
	}
	if err := def.Vlan.Validate(); err != nil {
		return err
	}
	return def.VirtualPort.Validate()
}

// Format writes the port as libvirt does (virNetworkPortDefFormat).
func (def *Def) Format() string {
	buf := xmlbuf.New()
	def.FormatBuf(buf)
	return buf.String()
}

// FormatBuf writes the port into buf (virNetworkPortDefFormatBuf).
func (def *Def) FormatBuf(buf *xmlbuf.Buffer) {
	buf.AddLit("<networkport>\n")
	buf.AdjustIndent(2)
	buf.Asprintf("<uuid>%s</uuid>\n", def.UUID)
	buf.AddLit("<owner>\n")
	buf.AdjustIndent(2)
	buf.EscapeString("<name>%s</name>\n", def.OwnerName)
	buf.Asprintf("<uuid>%s</uuid>\n", def.OwnerUUID)
	buf.AdjustIndent(-2)
	buf.AddLit("</owner>\n")
	if def.hasGroup {
		buf.EscapeString("<group>%s</group>\n", def.Group)
	}
	buf.Asprintf("<mac address='%s'/>\n", def.MAC)
	def.VirtualPort.Format(buf)
	def.Bandwidth.Format(buf, def.ClassID)
	def.Vlan.Format(buf)
	if def.IsolatedPort != netdev.Absent {
		buf.Asprintf("<port isolated='%s'/>\n", def.IsolatedPort)
	}
	if def.TrustGuestRxFilters != netdev.Absent {
		buf.Asprintf("<rxfilters trustGuest='%s'/>\n", def.TrustGuestRxFilters)
	}
	def.Plug.format(buf)
	buf.AdjustIndent(-2)
	buf.AddLit("</networkport>\n")
}

func (p *Plug) format(buf *xmlbuf.Buffer) {
	if p.Type == PlugNone {
		return
	}
	buf.EscapeString("<plug type='%s'", p.Type)
	switch p.Type {
	case PlugNetwork, PlugBridge:
		buf.Attr("bridge", p.Bridge)
		if p.MACTableManager != "" {
			buf.Attr("macTableManager", p.MACTableManager)
		}
		buf.AddLit("/>\n")
	case PlugDirect:
		buf.Attr("dev", p.Dev)
		mode := p.Mode
		if mode == "" {
			mode = directModes[0]
		}
		buf.Attr("mode", mode)
		buf.AddLit("/>\n")
	case PlugHostdevPCI:
		if p.Managed != netdev.Absent {
			buf.Asprintf(" managed='%s'", p.Managed)
		}
		buf.AddLit(">\n")
		buf.AdjustIndent(2)
		if p.Driver != "" {
			buf.EscapeString("<driver name='%s'/>\n", p.Driver)
		}
		p.Address.Format(buf, false)
		buf.AdjustIndent(-2)
		buf.AddLit("</plug>\n")
	default:
		buf.AddLit("/>\n")
	}
}
