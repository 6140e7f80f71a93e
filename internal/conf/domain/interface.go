package domain

import (
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	addSpecs(map[string]elemSpec{
		"interface": {
			attrs: []string{"type", "managed", "trustGuestRxFilters"},
			children: []string{"mac", "source", "vlan", "virtualport", "bandwidth", "port", "ip", "route",
				"script", "downscript", "backenddomain", "target", "guest", "model", "driver", "backend",
				"filterref", "tune", "teaming", "link", "mtu", "coalesce"},
		},
		"interface/mac":                {attrs: []string{"address", "type", "check"}},
		"interface/source":             {attrs: []string{"network", "portgroup", "portid", "bridge", "dev", "type", "path", "mode", "address", "port", "name"}, children: []string{"address", "local", "reconnect"}},
		"interface/source/local":       {attrs: []string{"address", "port"}},
		"interface/ip":                 {attrs: []string{"address", "family", "prefix", "peer"}},
		"interface/route":              {attrs: []string{"family", "address", "netmask", "prefix", "gateway", "metric"}},
		"interface/target":             {attrs: []string{"dev", "managed"}},
		"interface/driver":             {attrs: []string{"name", "txmode", "ioeventfd", "event_idx", "queues", "rx_queue_size", "tx_queue_size", "iommu", "ats", "packed", "page_per_vq", "rss", "rss_hash_report"}, children: []string{"host", "guest"}},
		"interface/driver/host":        {attrs: []string{"csum", "gso", "tso4", "tso6", "ecn", "ufo", "mrg_rxbuf"}},
		"interface/driver/guest":       {attrs: []string{"csum", "tso4", "tso6", "ecn", "ufo"}},
		"interface/backend":            {attrs: []string{"tap", "vhost"}},
		"interface/teaming":            {attrs: []string{"type", "persistent"}},
		"interface/bandwidth":          {children: []string{"inbound", "outbound"}},
		"interface/bandwidth/inbound":  {attrs: []string{"average", "peak", "floor", "burst"}},
		"interface/bandwidth/outbound": {attrs: []string{"average", "peak", "floor", "burst"}},
	})
	kindParse["interface"] = parseInterfaceDefaults
}

// interfaceSourceAttrs lists, per interface type, the <source> attributes
// libvirt's virDomainNetDefParseXML reads; it ignores the others (a
// network interface's bridge='virbr0' is the actual device of a running
// guest, which only status XML carries). Unknown types keep everything.
var interfaceSourceAttrs = map[string][]string{
	"network":   {"network", "portgroup", "portid"},
	"bridge":    {"bridge"},
	"direct":    {"dev", "mode"},
	"vdpa":      {"dev"},
	"internal":  {"name"},
	"vhostuser": {"type", "path", "mode"},
	"server":    {"address", "port"},
	"client":    {"address", "port"},
	"mcast":     {"address", "port"},
	"udp":       {"address", "port"},
	"ethernet":  {},
	"user":      {},
	"hostdev":   {},
}

// parseInterfaceDefaults checks what libvirt's interface parser requires
// and gives a MAC-less interface a generated address, as libvirt does.
func parseInterfaceDefaults(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	if keep, known := interfaceSourceAttrs[dev.Attr("type")]; known && flags&ParseStatus == 0 {
		if src := dev.Child("source"); src != nil {
			c := *src
			c.Attrs = nil
			for _, a := range src.Attrs {
				for _, k := range keep {
					if a.Name == k {
						c.Attrs = append(c.Attrs, a)
					}
				}
			}
			dev.setChild(&c)
		}
	}
	mac := dev.Child("mac")
	if mac == nil {
		m := macaddr.Generate([3]byte{0x52, 0x54, 0x00})
		mac = newNode("mac", "address", m.String())
		dev.children = append([]*xmltree.Node{mac}, dev.children...)
		return nil
	}
	if a, ok := mac.Attr("address"); ok {
		m, err := macaddr.Parse(a)
		if err != nil {
			return virterr.New(virterr.InternalError, "unable to parse mac address '%s'", a)
		}
		if m.IsMulticast() {
			return virterr.New(virterr.XMLError, "expected unicast mac address, found multicast '%s'", a)
		}
		c := *mac
		c.Attrs = append([]xmltree.Attr(nil), mac.Attrs...)
		for i := range c.Attrs {
			if c.Attrs[i].Name == "address" {
				c.Attrs[i].Value = m.String()
			}
		}
		dev.setChild(&c)
	}
	return nil
}
