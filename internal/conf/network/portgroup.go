package network

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// PortGroup is a <portgroup>: settings a guest interface picks by name.
type PortGroup struct {
	Name                string
	IsDefault           bool
	TrustGuestRxFilters netdev.Tristate
	VirtualPort         *netdev.VirtualPort
	Bandwidth           *netdev.Bandwidth
	Vlan                *netdev.Vlan
}

func parsePortGroup(n *xmltree.Node) (*PortGroup, error) {
	pg := &PortGroup{}
	name, ok := xpathAttr(n, "name")
	if !ok {
		return nil, netErr(virterr.XMLError, "Missing required name attribute in portgroup")
	}
	pg.Name = name
	if d, ok := xpathAttr(n, "default"); ok && strings.EqualFold(d, "yes") {
		pg.IsDefault = true
	}
	var err error
	if pg.TrustGuestRxFilters, err = tristate(n, "trustGuestRxFilters"); err != nil {
		return nil, err
	}
	if v := n.Child("virtualport"); v != nil {
		if pg.VirtualPort, err = netdev.ParseVirtualPort(v, 0); err != nil {
			return nil, err
		}
	}
	if b := n.Child("bandwidth"); b != nil {
		if pg.Bandwidth, err = netdev.ParseBandwidth(b, netdev.BandwidthOptions{}); err != nil {
			return nil, err
		}
	}
	if v := n.Child("vlan"); v != nil {
		if pg.Vlan, err = netdev.ParseVlan(v); err != nil {
			return nil, err
		}
	}
	return pg, nil
}

func (pg *PortGroup) format(buf *xmlbuf.Buffer) {
	buf.EscapeString("<portgroup name='%s'", pg.Name)
	if pg.IsDefault {
		buf.AddLit(" default='yes'")
	}
	if pg.TrustGuestRxFilters != netdev.Absent {
		buf.Asprintf(" trustGuestRxFilters='%s'", pg.TrustGuestRxFilters)
	}
	buf.AddLit(">\n")
	buf.AdjustIndent(2)
	pg.Vlan.Format(buf)
	pg.VirtualPort.Format(buf)
	pg.Bandwidth.Format(buf, 0)
	buf.AdjustIndent(-2)
	buf.AddLit("</portgroup>\n")
}
