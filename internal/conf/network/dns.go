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

// DNS is <dns>: the network's DNS server settings and records.
type DNS struct {
	Enable            netdev.Tristate
	ForwardPlainNames netdev.Tristate
	Forwarders        []*DNSForwarder
	TXTs              []*DNSTxt
	Hosts             []*DNSHost
	SRVs              []*DNSSrv
}

// DNSForwarder is <forwarder addr domain>.
type DNSForwarder struct {
	Addr      netip.Addr
	Domain    string
	hasDomain bool
}

// DNSTxt is <txt name value>.
type DNSTxt struct {
	Name     string
	Value    string
	hasValue bool
}

// DNSHost is <host ip> with its <hostname>s.
type DNSHost struct {
	IP    netip.Addr
	Names []string
}

// DNSSrv is <srv>; nil strings are absent attributes.
type DNSSrv struct {
	Service, Protocol, Domain, Target *string
	Port, Priority, Weight            uint
}

// dnsRecordLengthSRV bounds a service name (DNS_RECORD_LENGTH_SRV).
const dnsRecordLengthSRV = 512 - 30

const (
	protocolChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+/"
	serviceChars  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+/*"
)

func (d *DNS) parse(netName string, n *xmltree.Node) error {
	var err error
	if d.Enable, err = tristate(n, "enable"); err != nil {
		return err
	}
	if d.ForwardPlainNames, err = tristate(n, "forwardPlainNames"); err != nil {
		return err
	}
	for _, f := range n.ChildrenNamed("forwarder") {
		fwd := &DNSForwarder{}
		addr, hasAddr := attr(f, "addr")
		if hasAddr {
			a, err := parseAddr(addr)
			if err != nil {
				return netErr(virterr.XMLError, "Invalid forwarder IP address '%s' in network '%s'", addr, netName)
			}
			fwd.Addr = a
		}
		fwd.Domain, fwd.hasDomain = attr(f, "domain")
		if !hasAddr && !fwd.hasDomain {
			return netErr(virterr.XMLError, "Invalid forwarder element, must contain at least one of addr or domain")
		}
		d.Forwarders = append(d.Forwarders, fwd)
	}
	for _, h := range n.ChildrenNamed("host") {
		host, err := parseDNSHost(netName, h, false)
		if err != nil {
			return err
		}
		d.Hosts = append(d.Hosts, host)
	}
	for _, s := range n.ChildrenNamed("srv") {
		srv, err := parseDNSSrv(netName, s, false)
		if err != nil {
			return err
		}
		d.SRVs = append(d.SRVs, srv)
	}
	for _, t := range n.ChildrenNamed("txt") {
		txt, err := parseDNSTxt(netName, t, false)
		if err != nil {
			return err
		}
		d.TXTs = append(d.TXTs, txt)
	}
	if d.Enable == netdev.No && (len(d.Forwarders) > 0 || len(d.Hosts) > 0 || len(d.SRVs) > 0 || len(d.TXTs) > 0) {
		return netErr(virterr.XMLError, "Extra data in disabled network '%s'", netName)
	}
	return nil
}

func parseDNSHost(netName string, n *xmltree.Node, partial bool) (*DNSHost, error) {
	h := &DNSHost{}
	names := n.ChildrenNamed("hostname")
	for _, hn := range names {
		if hn.Text == "" {
			return nil, netErr(virterr.XMLDetail, "Missing hostname in network '%s' DNS HOST record", netName)
		}
		h.Names = append(h.Names, hn.Text)
	}
	if len(names) == 0 && !partial {
		return nil, netErr(virterr.XMLDetail, "Missing hostname in network '%s' DNS HOST record", netName)
	}
	if ip, ok := attr(n, "ip"); ok {
		a, err := parseAddr(ip)
		if err != nil {
			return nil, netErr(virterr.XMLDetail, "Invalid IP address in network '%s' DNS HOST record", netName)
		}
		h.IP = a
	} else {
		if !partial {
			return nil, netErr(virterr.XMLDetail, "Missing IP address in network '%s' DNS HOST record", netName)
		}
		if len(names) == 0 {
			return nil, netErr(virterr.XMLDetail, "Missing ip and hostname in network '%s' DNS HOST record", netName)
		}
	}
	return h, nil
}

func optAttr(n *xmltree.Node, name string) *string {
	if v, ok := n.Attr(name); ok {
		return &v
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return "(null)"
	}
	return *p
}

func onlyChars(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

func parseDNSSrv(netName string, n *xmltree.Node, partial bool) (*DNSSrv, error) {
	s := &DNSSrv{}
	s.Service = optAttr(n, "service")
	if s.Service == nil && !partial {
		return nil, netErr(virterr.XMLDetail, "missing required service attribute in DNS SRV record of network '%s'", netName)
	}
	if s.Service != nil {
		if len(*s.Service) > dnsRecordLengthSRV {
			return nil, netErr(virterr.XMLDetail, "service attribute '%s' in network '%s' is too long, limit is %d bytes", *s.Service, netName, dnsRecordLengthSRV)
		}
		if !onlyChars(*s.Service, serviceChars) {
			return nil, netErr(virterr.XMLDetail, "invalid character in service attribute '%s' in DNS SRV record of network '%s'", *s.Service, netName)
		}
	}
	s.Protocol = optAttr(n, "protocol")
	if s.Protocol == nil && !partial {
		return nil, netErr(virterr.XMLDetail, "missing required protocol attribute in DNS SRV record '%s' of network '%s'", str(s.Service), netName)
	}
	if s.Protocol != nil && !onlyChars(*s.Protocol, protocolChars) {
		return nil, netErr(virterr.XMLDetail, "invalid character in protocol attribute '%s' in DNS SRV record of network '%s'", *s.Protocol, netName)
	}
	s.Domain = optAttr(n, "domain")
	s.Target = optAttr(n, "target")
	for _, f := range []struct {
		name, invalid string
		dst           *uint
		min           uint64
	}{
		{"port", "invalid DNS SRV port attribute", &s.Port, 1},
		{"priority", "Invalid DNS SRV priority attribute", &s.Priority, 0},
		{"weight", "invalid DNS SRV weight attribute", &s.Weight, 0},
	} {
		v, present, bad := xpathUint(n, f.name, 32)
		if present && s.Target == nil {
			return nil, netErr(virterr.XMLDetail, "DNS SRV %s attribute not permitted without target for service '%s' in network '%s'", f.name, str(s.Service), netName)
		}
		if bad || (present && (v < f.min || v > 65535)) {
			return nil, netErr(virterr.XMLDetail, "%s for service '%s' in network '%s'", f.invalid, str(s.Service), netName)
		}
		*f.dst = uint(v)
	}
	return s, nil
}

func parseDNSTxt(netName string, n *xmltree.Node, partial bool) (*DNSTxt, error) {
	t := &DNSTxt{}
	name, ok := attr(n, "name")
	if !ok {
		return nil, netErr(virterr.XMLDetail, "missing required name attribute in DNS TXT record of network %s", netName)
	}
	if strings.ContainsAny(name, " ,") {
		return nil, netErr(virterr.XMLDetail, "prohibited character in DNS TXT record name '%s' of network %s", name, netName)
	}
	t.Name = name
	t.Value, t.hasValue = attr(n, "value")
	if !t.hasValue && !partial {
		return nil, netErr(virterr.XMLDetail, "missing required value attribute in DNS TXT record named '%s' of network %s", name, netName)
	}
	return t, nil
}

func (d *DNS) format(buf *xmlbuf.Buffer) {
	hasRecords := len(d.Forwarders) > 0 || len(d.Hosts) > 0 || len(d.SRVs) > 0 || len(d.TXTs) > 0
	if d.Enable == netdev.Absent && d.ForwardPlainNames == netdev.Absent && !hasRecords {
		return
	}
	buf.AddLit("<dns")
	if d.Enable != netdev.Absent {
		buf.Asprintf(" enable='%s'", d.Enable)
	}
	if d.ForwardPlainNames != netdev.Absent {
		buf.Asprintf(" forwardPlainNames='%s'", d.ForwardPlainNames)
	}
	if !hasRecords {
		buf.AddLit("/>\n")
		return
	}
	buf.AddLit(">\n")
	buf.AdjustIndent(2)
	for _, f := range d.Forwarders {
		buf.AddLit("<forwarder")
		if f.hasDomain {
			buf.Attr("domain", f.Domain)
		}
		if f.Addr.IsValid() {
			buf.Asprintf(" addr='%s'", ipaddr.Format(f.Addr))
		}
		buf.AddLit("/>\n")
	}
	for _, t := range d.TXTs {
		buf.EscapeString("<txt name='%s' ", t.Name)
		if t.hasValue {
			buf.EscapeString("value='%s'/>\n", t.Value)
		}
	}
	for _, s := range d.SRVs {
		if s.Service == nil || s.Protocol == nil {
			continue
		}
		buf.EscapeString("<srv service='%s' ", *s.Service)
		buf.EscapeString("protocol='%s'", *s.Protocol)
		if s.Domain != nil {
			buf.Attr("domain", *s.Domain)
		}
		if s.Target != nil {
			buf.Attr("target", *s.Target)
		}
		if s.Port != 0 {
			buf.Asprintf(" port='%d'", s.Port)
		}
		if s.Priority != 0 {
			buf.Asprintf(" priority='%d'", s.Priority)
		}
		if s.Weight != 0 {
			buf.Asprintf(" weight='%d'", s.Weight)
		}
		buf.AddLit("/>\n")
	}
	for _, h := range d.Hosts {
		buf.Asprintf("<host ip='%s'>\n", ipaddr.Format(h.IP))
		buf.AdjustIndent(2)
		for _, name := range h.Names {
			buf.EscapeString("<hostname>%s</hostname>\n", name)
		}
		buf.AdjustIndent(-2)
		buf.AddLit("</host>\n")
	}
	buf.AdjustIndent(-2)
	buf.AddLit("</dns>\n")
}
