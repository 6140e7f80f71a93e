package network

import (
	"net/netip"
	"strings"

	"github.com/govirt/govirt/internal/conf/ipaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Forward device kinds (virNetworkForwardHostdevDeviceType).
const (
	ForwardDevNetdev = "netdev"
	ForwardDevPCI    = "pci"
)

// Forward is <forward>: how traffic leaves the network.
type Forward struct {
	// Mode is one of the Forward* constants; "" when there is no
	// <forward>. Unknown modes are kept for Validate to reject.
	Mode    string
	Managed bool
	// Driver is the hostdev driver name ("" default, kvm, vfio).
	Driver     string
	Interfaces []*ForwardIf
	PFs        []string
	NAT        NAT
}

// ForwardIf is one device of the forward pool: a host interface
// (<interface dev>) or a PCI function (<address type='pci'>).
type ForwardIf struct {
	Type        string // ForwardDevNetdev or ForwardDevPCI
	Dev         string
	PCI         PCIAddress
	Connections int // live state only
}

// NAT is <nat>: the SNAT address and port ranges and IPv6 NAT.
type NAT struct {
	Start, End         netip.Addr
	PortStart, PortEnd uint
	IPv6               netdev.Tristate
}

func (f *Forward) parse(netName string, n *xmltree.Node) error {
	if mode, ok := xpathAttr(n, "mode"); ok {
		if mode == "none" {
			return netErr(virterr.ConfigUnsupported, "unknown forwarding type '%s'", mode)
		}
		f.Mode = mode
	} else {
		f.Mode = ForwardNAT
	}
	if m, ok := xpathAttr(n, "managed"); ok && strings.EqualFold(m, "yes") {
		f.Managed = true
	}
	if d, ok := xpathAttr(n.Child("driver"), "name"); ok {
		if d == "default" {
			return unknownDriver(d, netName)
		}
		f.Driver = d
	}
	ifNodes := n.ChildrenNamed("interface")
	addrNodes := n.ChildrenNamed("address")
	pfNodes := n.ChildrenNamed("pf")
	natNodes := n.ChildrenNamed("nat")
	if len(natNodes) > 1 {
		return netErr(virterr.XMLError, "Only one <nat> element is allowed in <forward> of network %s", netName)
	}
	if len(natNodes) == 1 {
		if err := f.parseNAT(netName, natNodes[0]); err != nil {
			return err
		}
	}
	dev, hasDev := xpathAttr(n, "dev")
	if hasDev && (len(addrNodes) > 0 || len(pfNodes) > 0) {
		// libvirt's message has a placeholder it never fills.
		return netErr(virterr.XMLError, "%s", "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network %s")
	}
	switch {
	case len(ifNodes) > 0 || hasDev:
		if hasDev {
			f.Interfaces = append(f.Interfaces, &ForwardIf{Type: ForwardDevNetdev, Dev: dev})
		}
		for i, in := range ifNodes {
			d, ok := attr(in, "dev")
			if !ok {
				return netErr(virterr.XMLError, "Missing required dev attribute in <forward> <interface> element of network %s", netName)
			}
			if i == 0 && hasDev {
				if d != dev {
					return netErr(virterr.XMLError, "<forward dev='%s'> must match first <interface dev='%s'/> in network %s", dev, d, netName)
				}
				continue
			}
			for _, prev := range f.Interfaces {
				if prev.Dev == d {
					return netErr(virterr.XMLError, "interface '%s' can only be listed once in network %s", d, netName)
				}
			}
			f.Interfaces = append(f.Interfaces, &ForwardIf{Type: ForwardDevNetdev, Dev: d})
		}
	case len(addrNodes) > 0:
		for _, an := range addrNodes {
			t, ok := attr(an, "type")
			if !ok {
				return netErr(virterr.XMLError, "missing address type in network %s", netName)
			}
			switch t {
			case ForwardDevPCI:
			case "none", ForwardDevNetdev:
				return netErr(virterr.XMLError, "unsupported address type '%s' in network %s", t, netName)
			default:
				return netErr(virterr.ConfigUnsupported, "unknown address type '%s' in network %s", t, netName)
			}
			a, err := ParsePCIAddress(an)
			if err != nil {
				return err
			}
			for _, prev := range f.Interfaces {
				if prev.PCI == a {
					return netErr(virterr.XMLError, "PCI device '%s' can only be listed once in network %s", a, netName)
				}
			}
			f.Interfaces = append(f.Interfaces, &ForwardIf{Type: ForwardDevPCI, PCI: a})
		}
	case len(pfNodes) > 1:
		return netErr(virterr.XMLError, "Only one <pf> element is allowed in <forward> of network %s", netName)
	case len(pfNodes) == 1:
		d, ok := attr(pfNodes[0], "dev")
		if !ok {
			return netErr(virterr.XMLError, "Missing required dev attribute in <pf> element of network '%s'", netName)
		}
		f.PFs = append(f.PFs, d)
	}
	return nil
}

func unknownDriver(d, netName string) error {
	return netErr(virterr.ConfigUnsupported, "Unknown forward <driver name='%s'/> in network %s", d, netName)
}

func (f *Forward) parseNAT(netName string, n *xmltree.Node) error {
	if f.Mode != ForwardNAT {
		return netErr(virterr.XMLError, "The <nat> element can only be used when <forward> 'mode' is 'nat' in network %s", netName)
	}
	var err error
	if f.NAT.IPv6, err = tristate(n, "ipv6"); err != nil {
		return err
	}
	addrs := n.ChildrenNamed("address")
	if len(addrs) > 1 {
		return netErr(virterr.XMLError, "Only one <address> element is allowed in <nat> in <forward> in network %s", netName)
	}
	if len(addrs) == 1 {
		start, ok := attr(addrs[0], "start")
		if !ok {
			return netErr(virterr.XMLError, "missing 'start' attribute in <address> element in <nat> in <forward> in network %s", netName)
		}
		end, ok := attr(addrs[0], "end")
		if !ok {
			return netErr(virterr.XMLError, "missing 'end' attribute in <address> element in <nat> in <forward> in network %s", netName)
		}
		s, err := parseAddr(start)
		if err != nil || !s.Is4() {
			return netErr(virterr.XMLError, "Bad ipv4 start address '%s' in <nat> in <forward> in network '%s'", start, netName)
		}
		e, err := parseAddr(end)
		if err != nil || !e.Is4() {
			return netErr(virterr.XMLError, "Bad ipv4 end address '%s' in <nat> in <forward> in network '%s'", end, netName)
		}
		if err := checkRange(s, e, netip.Addr{}, 0); err != nil {
			return err
		}
		f.NAT.Start, f.NAT.End = s, e
	}
	ports := n.ChildrenNamed("port")
	if len(ports) > 1 {
		return netErr(virterr.XMLError, "Only one <port> element is allowed in <nat> in <forward> in network %s", netName)
	}
	if len(ports) == 1 {
		s, present, _ := xpathUint(ports[0], "start", 32)
		if !present || s > 65535 {
			return netErr(virterr.XMLDetail, "Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network %s", netName)
		}
		e, present, _ := xpathUint(ports[0], "end", 32)
		if !present || e > 65535 || e < s {
			return netErr(virterr.XMLDetail, "Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network %s", netName)
		}
		f.NAT.PortStart, f.NAT.PortEnd = uint(s), uint(e)
	}
	return nil
}

func (f *Forward) format(buf *xmlbuf.Buffer, inactive bool) {
	if f.Mode == ForwardNone {
		return
	}
	buf.AddLit("<forward")
	if len(f.PFs) == 0 && len(f.Interfaces) > 0 && f.Interfaces[0].Type == ForwardDevNetdev {
		buf.Attr("dev", f.Interfaces[0].Dev)
	}
	buf.Attr("mode", f.Mode)
	if f.Mode == ForwardHostdev {
		if f.Managed {
			buf.AddLit(" managed='yes'")
		} else {
			buf.AddLit(" managed='no'")
		}
	}
	short := !(len(f.Interfaces) > 0 || len(f.PFs) > 0 || f.NAT.Start.IsValid() || f.NAT.End.IsValid() ||
		f.NAT.PortStart != 0 || f.NAT.PortEnd != 0 || f.Driver != "" || f.NAT.IPv6 != netdev.Absent)
	if short {
		buf.AddLit("/>\n")
	} else {
		buf.AddLit(">\n")
	}
	buf.AdjustIndent(2)
	if f.Driver != "" {
		buf.EscapeString("<driver name='%s'/>\n", f.Driver)
	}
	if f.Mode == ForwardNAT {
		f.NAT.format(buf)
	}
	if len(f.PFs) > 0 {
		buf.EscapeString("<pf dev='%s'/>\n", f.PFs[0])
	}
	if len(f.Interfaces) > 0 && (len(f.PFs) == 0 || !inactive) {
		for _, fi := range f.Interfaces {
			switch fi.Type {
			case ForwardDevNetdev:
				buf.EscapeString("<interface dev='%s'", fi.Dev)
				if !inactive && fi.Connections > 0 {
					buf.Asprintf(" connections='%d'", fi.Connections)
				}
				buf.AddLit("/>\n")
			case ForwardDevPCI:
				fi.PCI.Format(buf, true)
			}
		}
	}
	buf.AdjustIndent(-2)
	if !short {
		buf.AddLit("</forward>\n")
	}
}

func (n *NAT) format(buf *xmlbuf.Buffer) {
	hasAddr := n.Start.IsValid() || n.End.IsValid()
	hasPort := n.PortStart != 0 || n.PortEnd != 0
	if !hasAddr && !hasPort && n.IPv6 == netdev.Absent {
		return
	}
	buf.AddLit("<nat")
	if n.IPv6 != netdev.Absent {
		buf.Asprintf(" ipv6='%s'", n.IPv6)
	}
	if !hasAddr && !hasPort {
		buf.AddLit("/>\n")
		return
	}
	buf.AddLit(">\n")
	buf.AdjustIndent(2)
	if n.Start.IsValid() {
		buf.Asprintf("<address start='%s'", ipaddr.Format(n.Start))
		if n.End.IsValid() {
			buf.Asprintf(" end='%s'", ipaddr.Format(n.End))
		}
		buf.AddLit("/>\n")
	}
	if hasPort {
		buf.Asprintf("<port start='%d'", n.PortStart)
		if n.PortEnd != 0 {
			buf.Asprintf(" end='%d'", n.PortEnd)
		}
		buf.AddLit("/>\n")
	}
	buf.AdjustIndent(-2)
	buf.AddLit("</nat>\n")
}

// ForwardDev is the first forward interface's device name, or "" when
// the pool starts with a PCI device or is empty (virNetworkDefForwardIf).
func (def *Def) ForwardDev(n int) string {
	if n < len(def.Forward.Interfaces) && def.Forward.Interfaces[n].Type == ForwardDevNetdev {
		return def.Forward.Interfaces[n].Dev
	}
	return ""
}
