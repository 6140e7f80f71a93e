package domain

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
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
		"interface/driver":             {attrs: []string{"name", "txmode", "ioeventfd", "event_idx", "queues", "rx_queue_size", "tx_queue_size", "rss", "rss_hash_report", "iommu", "ats", "packed", "page_per_vq"}, children: []string{"host", "guest"}},
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
	normalizeNetModel(dev)
	virtio := isVirtioNetModel(dev)
	typ := dev.Attr("type")
	if err := canonicalNetdevChildren(dev, typ); err != nil {
		return err
	}
	if drv := dev.Child("driver"); drv != nil {
		// the virtio-net settings are read for virtio NICs only; the
		// virtio transport options for every NIC
		keep := []string{"iommu", "ats", "packed", "page_per_vq"}
		if typ == "hostdev" {
			// the host device's driver (vfio …)
			keep = append(keep, "name")
		}
		if virtio && typ != "hostdev" {
			keep = append(keep, "name", "txmode", "ioeventfd", "event_idx", "queues", "rx_queue_size", "tx_queue_size", "rss", "rss_hash_report")
		}
		c := *drv
		c.Attrs = nil
		for _, a := range drv.Attrs {
			if a.Name == "queues" && strings.TrimSpace(a.Value) == "1" {
				// one queue is the default, which libvirt leaves unset
				continue
			}
			for _, k := range keep {
				if a.Name == k {
					c.Attrs = append(c.Attrs, a)
				}
			}
		}
		if !(virtio && typ != "hostdev") {
			c.Children = nil
		}
		dev.replaceChild(drv, &c)
		if len(c.Attrs) == 0 && len(c.Children) == 0 {
			dev.removeChildren("driver")
		}
	}
	if typ == "hostdev" {
		if err := canonicalHostdevPCISource(dev, true); err != nil {
			return err
		}
		// the host device's <driver> and <source> print right after
		// the MAC (virDomainHostdevDefFormatSubsys)
		dev.moveChildrenFirst("source")
		dev.moveChildrenFirst("driver")
		dev.moveChildrenFirst("mac")
		dev.childOrder = []string{"mac", "driver", "source"}
	}
	if be := dev.Child("backend"); be != nil && !virtio {
		c := *be
		c.Attrs = nil
		for _, a := range be.Attrs {
			if a.Name != "vhost" {
				c.Attrs = append(c.Attrs, a)
			}
		}
		dev.replaceChild(be, &c)
	}
	if typ != "ethernet" && typ != "network" && typ != "bridge" {
		// only these types take a network filter
		dev.removeChildren("filterref")
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
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "unable to parse mac address '%s'", a)
		}
		if m.IsMulticast() {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "expected unicast mac address, found multicast '%s'", a)
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

// netModels are libvirt's NIC models (virDomainNetModel), which it reads
// whatever their case and prints as spelled here; other models are kept
// as written.
var netModels = []string{"netfront", "rtl8139", "virtio", "e1000", "e1000e",
	"virtio-transitional", "virtio-non-transitional", "usb-net", "spapr-vlan",
	"lan9118", "smc91c111", "vlance", "vmxnet", "vmxnet2", "vmxnet3",
	"Am79C970A", "Am79C973", "82540EM", "82545EM", "82543GC"}

func normalizeNetModel(dev *Device) {
	m := dev.Child("model")
	if m == nil {
		return
	}
	t, ok := m.Attr("type")
	if !ok {
		return
	}
	for _, known := range netModels {
		if strings.EqualFold(t, known) && t != known {
			c := *m
			c.Attrs = append([]xmltree.Attr(nil), m.Attrs...)
			for i := range c.Attrs {
				if c.Attrs[i].Name == "type" {
					c.Attrs[i].Value = known
				}
			}
			dev.replaceChild(m, &c)
			return
		}
	}
}

// isVirtioNetModel is virDomainNetIsVirtioModel.
func isVirtioNetModel(dev *Device) bool {
	m := dev.Child("model")
	if m == nil {
		return false
	}
	switch m.Prop("type") {
	case "virtio", "virtio-transitional", "virtio-non-transitional":
		return true
	}
	return false
}

// canonicalNetdevChildren reads an interface's <bandwidth>, <vlan>,
// <virtualport>, <port> and <filterref> with the shared network-device
// parsers, as virDomainNetDefParseXML does, and keeps them as those
// parsers' canonical output.
func canonicalNetdevChildren(dev *Device, typ string) error {
	if n := dev.Child("bandwidth"); n != nil {
		bw, err := netdev.ParseBandwidth(n, netdev.BandwidthOptions{AllowFloor: typ == "network"})
		if err != nil {
			return err
		}
		if bw == nil {
			dev.removeChildren("bandwidth")
		} else if err := replaceFormatted(dev, n, func(b *xmlbuf.Buffer) { bw.Format(b, 0) }); err != nil {
			return err
		}
	}
	if n := dev.Child("vlan"); n != nil {
		v, err := netdev.ParseVlan(n)
		if err != nil {
			return err
		}
		if err := replaceFormatted(dev, n, v.Format); err != nil {
			return err
		}
	}
	if n := dev.Child("virtualport"); n != nil {
		var flags netdev.VirtualPortFlags
		switch typ {
		case "network":
			flags = netdev.VPortGenerateMissingDefaults
		case "bridge", "direct", "hostdev":
			flags = netdev.VPortGenerateMissingDefaults | netdev.VPortRequireAllAttributes | netdev.VPortRequireType
		default:
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "<virtualport> element unsupported for <interface type='%s'>", typ)
		}
		vp, err := netdev.ParseVirtualPort(n, flags)
		if err != nil {
			return err
		}
		if err := replaceFormatted(dev, n, vp.Format); err != nil {
			return err
		}
	}
	if n := dev.Child("port"); n != nil {
		iso, err := netdev.PortIsolated(&xmltree.Node{Name: "interface", Children: []*xmltree.Node{n}})
		if err != nil {
			return err
		}
		if iso == netdev.Absent {
			dev.removeChildren("port")
		} else {
			dev.replaceChild(n, newNode("port", "isolated", iso.String()))
		}
	}
	if n := dev.Child("filterref"); n != nil {
		ref := nwfilter.ParseFilterRef(n)
		if err := replaceFormatted(dev, n, ref.Format); err != nil {
			return err
		}
	}
	return nil
}

// replaceFormatted puts in old's place the element that format writes.
func replaceFormatted(dev *Device, old *xmltree.Node, format func(*xmlbuf.Buffer)) error {
	b := xmlbuf.New()
	format(b)
	if b.Len() == 0 {
		dev.removeChildren(old.Name)
		return nil
	}
	n, err := xmltree.Parse(b.Bytes(), "("+old.Name+")")
	if err != nil {
		return err
	}
	n.Parent = nil
	dropIndentation(n)
	dev.replaceChild(old, n)
	return nil
}

// dropIndentation removes the whitespace-only text the formatter's
// indentation left, so the element reads like one written compactly.
func dropIndentation(n *xmltree.Node) {
	for i, seg := range n.Segments {
		if strings.TrimSpace(seg) == "" {
			n.Segments[i] = ""
		}
	}
	if strings.TrimSpace(n.Text) == "" {
		n.Text = ""
	}
	for _, c := range n.Children {
		dropIndentation(c)
	}
}

// validateInterfaces holds libvirt's interface checks that do not depend
// on the hypervisor (virDomainNetDefValidate).
func (d *Devices) validateInterfaces() error {
	for _, dev := range d.ByKind["interface"] {
		port := dev.Child("port")
		vp := dev.Child("virtualport")
		if port != nil && port.Prop("isolated") == "yes" && vp != nil && vp.Prop("type") == netdev.VPortOpenvSwitch {
			mac := ""
			if m := dev.Child("mac"); m != nil {
				mac = m.Prop("address")
			}
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "interface %s - <port isolated='yes'/> is not supported for network interfaces with virtualport type='openvswitch'", mac)
		}
	}
	return nil
}
