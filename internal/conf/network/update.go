package network

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/ipaddr"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// UpdateCommand is what net-update does (virNetworkUpdateCommand).
type UpdateCommand uint

// The commands, with libvirt's numbers.
const (
	UpdateNone     UpdateCommand = 0
	UpdateModify   UpdateCommand = 1
	UpdateDelete   UpdateCommand = 2
	UpdateAddLast  UpdateCommand = 3
	UpdateAddFirst UpdateCommand = 4
)

// UpdateSection is the part of the network net-update edits
// (virNetworkUpdateSection).
type UpdateSection uint

// The sections, with libvirt's numbers.
const (
	SectionNone             UpdateSection = 0
	SectionBridge           UpdateSection = 1
	SectionDomain           UpdateSection = 2
	SectionIP               UpdateSection = 3
	SectionIPDHCPHost       UpdateSection = 4
	SectionIPDHCPRange      UpdateSection = 5
	SectionForward          UpdateSection = 6
	SectionForwardInterface UpdateSection = 7
	SectionForwardPF        UpdateSection = 8
	SectionPortGroup        UpdateSection = 9
	SectionDNSHost          UpdateSection = 10
	SectionDNSTxt           UpdateSection = 11
	SectionDNSSrv           UpdateSection = 12
)

func (c UpdateCommand) isAdd() bool { return c == UpdateAddFirst || c == UpdateAddLast }

// insert puts v first or last in s.
func insert[T any](s []T, v T, first bool) []T {
	if first {
		return append([]T{v}, s...)
	}
	return append(s, v)
}

func remove[T any](s []T, i int) []T {
	return append(s[:i:i], s[i+1:]...)
}

// UpdateSection applies one net-update edit: xml is the element to add,
// modify or delete in section; parentIndex picks the <ip> for the DHCP
// sections (-1: the one that has DHCP). It reports libvirt's errors, and
// leaves def unchanged when it fails.
func (def *Def) UpdateSection(command UpdateCommand, section UpdateSection, parentIndex int, xml []byte) error {
	node, err := xmltree.ParseFrom(xml, "network_update_xml", virterr.FromNetwork)
	if err != nil {
		return err
	}
	switch section {
	case SectionBridge:
		return def.updateNoSupport("bridge")
	case SectionDomain:
		return def.updateNoSupport("domain")
	case SectionIP:
		return def.updateNoSupport("ip")
	case SectionIPDHCPHost:
		return def.updateDHCPHost(command, parentIndex, node)
	case SectionIPDHCPRange:
		return def.updateDHCPRange(command, parentIndex, node)
	case SectionForward:
		return def.updateNoSupport("forward")
	case SectionForwardInterface:
		return def.updateForwardInterface(command, node)
	case SectionForwardPF:
		return def.updateNoSupport("forward pf")
	case SectionPortGroup:
		return def.updatePortGroup(command, node)
	case SectionDNSHost:
		return def.updateDNSHost(command, node)
	case SectionDNSTxt:
		return def.updateDNSTxt(command, node)
	case SectionDNSSrv:
		return def.updateDNSSrv(command, node)
	}
	return netErr(virterr.OperationUnsupported, "can't update unrecognized section of network")
}

func (def *Def) updateNoSupport(section string) error {
	return netErr(virterr.OperationUnsupported, "can't update '%s' section of network '%s'", section, def.Name)
}

func unknownCommand(c UpdateCommand) error {
	return netErr(virterr.OperationUnsupported, "unrecognized network update command code %d", c)
}

func (def *Def) checkElementName(n *xmltree.Node, want string) error {
	if n.Name != want {
		return netErr(virterr.XMLError, "unexpected element <%s>, expecting <%s>, while updating network '%s'", n.Name, want, def.Name)
	}
	return nil
}

// ipForUpdate picks the <ip> a DHCP edit applies to
// (virNetworkIPDefByIndex).
func (def *Def) ipForUpdate(parentIndex int) (*IP, error) {
	if parentIndex >= 0 {
		ip := def.IPByIndex("", parentIndex)
		if ip == nil {
			return nil, netErr(virterr.OperationInvalid, "couldn't update dhcp host entry - no <ip> element found at index %d in network '%s'", parentIndex, def.Name)
		}
		return ip, nil
	}
	for _, ip := range def.IPs {
		if len(ip.Ranges) > 0 || len(ip.Hosts) > 0 {
			return ip, nil
		}
	}
	if ip := def.IPByIndex("ipv4", 0); ip != nil {
		return ip, nil
	}
	if ip := def.IPByIndex("ipv6", 0); ip != nil {
		return ip, nil
	}
	return nil, netErr(virterr.OperationInvalid, "couldn't update dhcp host entry - no <ip> element found in network '%s'", def.Name)
}

// checkMultiDHCP allows DHCP on only one <ip> of each family.
func (def *Def) checkMultiDHCP(ipdef *IP) error {
	for _, ip := range def.IPs {
		if ip != ipdef && sameFamily(ip.Address, ipdef.Address) && (len(ip.Ranges) > 0 || len(ip.Hosts) > 0) {
			fam := "IPv6"
			if isV4(ipdef.Address) {
				fam = "IPv4"
			}
			return netErr(virterr.OperationInvalid, "dhcp is supported only for a single %s address on each network", fam)
		}
	}
	return nil
}

func sameMAC(a, b string) bool {
	ma, errA := macaddr.Parse(a)
	mb, errB := macaddr.Parse(b)
	if errA != nil || errB != nil {
		return strings.EqualFold(a, b)
	}
	return ma == mb
}

func orUnknown(s string, has bool) string {
	if !has {
		return "unknown"
	}
	return s
}

func (def *Def) updateDHCPHost(command UpdateCommand, parentIndex int, n *xmltree.Node) error {
	ipdef, ipErr := def.ipForUpdate(parentIndex)
	partial := command == UpdateDelete
	if err := def.checkElementName(n, "host"); err != nil {
		return err
	}
	if ipErr != nil {
		return ipErr
	}
	host, err := ipdef.parseHost(def.Name, n, partial)
	if err != nil {
		return err
	}
	if !partial && !sameFamily(ipdef.Address, host.IP) {
		return netErr(virterr.OperationInvalid, "the address family of a host entry IP must match the address family of the dhcp element's parent")
	}
	ipStr := "unknown"
	if host.IP.IsValid() {
		ipStr = ipaddr.Format(host.IP)
	}
	nameStr := "(null)"
	if host.has.name {
		nameStr = host.Name
	}
	switch {
	case command == UpdateModify:
		i := 0
		for ; i < len(ipdef.Hosts); i++ {
			h := ipdef.Hosts[i]
			if (host.has.mac && h.has.mac && sameMAC(host.MAC, h.MAC)) ||
				(host.IP.IsValid() && host.IP == h.IP) ||
				(host.has.name && h.has.name && host.Name == h.Name) {
				break
			}
		}
		if i == len(ipdef.Hosts) {
			return netErr(virterr.OperationInvalid, "couldn't locate an existing dhcp host entry with \"mac='%s'\" \"name='%s'\" \"ip='%s'\" in network '%s'",
				orUnknown(host.MAC, host.has.mac), nameStr, ipStr, def.Name)
		}
		ipdef.Hosts[i] = host
	case command.isAdd():
		if err := def.checkMultiDHCP(ipdef); err != nil {
			return err
		}
		for _, h := range ipdef.Hosts {
			if (host.has.mac && h.has.mac && sameMAC(host.MAC, h.MAC)) ||
				(host.has.name && h.has.name && host.Name == h.Name) ||
				(host.IP.IsValid() && host.IP == h.IP) {
				return netErr(virterr.OperationInvalid, "there is an existing dhcp host entry in network '%s' that matches \"<host mac='%s' name='%s' ip='%s'/>\"",
					def.Name, orUnknown(host.MAC, host.has.mac), nameStr, ipStr)
			}
		}
		ipdef.Hosts = insert(ipdef.Hosts, host, command == UpdateAddFirst)
	case command == UpdateDelete:
		i := 0
		for ; i < len(ipdef.Hosts); i++ {
			h := ipdef.Hosts[i]
			if (!host.has.mac || !h.has.mac || sameMAC(host.MAC, h.MAC)) &&
				(!host.has.name || (h.has.name && host.Name == h.Name)) &&
				(!host.IP.IsValid() || host.IP == h.IP) {
				break
			}
		}
		if i == len(ipdef.Hosts) {
			return netErr(virterr.OperationInvalid, "couldn't locate a matching dhcp host entry in network '%s'", def.Name)
		}
		ipdef.Hosts = remove(ipdef.Hosts, i)
	default:
		return unknownCommand(command)
	}
	return nil
}

func (def *Def) updateDHCPRange(command UpdateCommand, parentIndex int, n *xmltree.Node) error {
	ipdef, ipErr := def.ipForUpdate(parentIndex)
	if err := def.checkElementName(n, "range"); err != nil {
		return err
	}
	if ipErr != nil {
		return ipErr
	}
	if command == UpdateModify {
		return netErr(virterr.OperationUnsupported, "dhcp ranges cannot be modified, only added or deleted")
	}
	rng, err := ipdef.parseRange(def.Name, n)
	if err != nil {
		return err
	}
	if !sameFamily(ipdef.Address, rng.Start) {
		return netErr(virterr.OperationInvalid, "the address family of a dhcp range must match the address family of the dhcp element's parent")
	}
	i := 0
	for ; i < len(ipdef.Ranges); i++ {
		if ipdef.Ranges[i].Start == rng.Start && ipdef.Ranges[i].End == rng.End {
			break
		}
	}
	switch {
	case command.isAdd():
		if err := def.checkMultiDHCP(ipdef); err != nil {
			return err
		}
		if i < len(ipdef.Ranges) {
			return netErr(virterr.OperationInvalid, "there is an existing dhcp range entry in network '%s' that matches \"<range start='%s' end='%s'/>\"",
				def.Name, ipaddr.Format(rng.Start), ipaddr.Format(rng.End))
		}
		ipdef.Ranges = insert(ipdef.Ranges, rng, command == UpdateAddFirst)
	case command == UpdateDelete:
		if i == len(ipdef.Ranges) {
			return netErr(virterr.OperationInvalid, "couldn't locate a matching dhcp range entry in network '%s'", def.Name)
		}
		ipdef.Ranges = remove(ipdef.Ranges, i)
	default:
		return unknownCommand(command)
	}
	return nil
}

func (def *Def) updateForwardInterface(command UpdateCommand, n *xmltree.Node) error {
	if err := def.checkElementName(n, "interface"); err != nil {
		return err
	}
	if command == UpdateModify {
		return netErr(virterr.OperationUnsupported, "forward interface entries cannot be modified, only added or deleted")
	}
	dev, ok := attr(n, "dev")
	if !ok {
		return netErr(virterr.XMLError, "missing dev attribute in <interface> element")
	}
	f := &def.Forward
	i := 0
	for ; i < len(f.Interfaces); i++ {
		if f.Interfaces[i].Type == ForwardDevNetdev && f.Interfaces[i].Dev == dev {
			break
		}
	}
	switch {
	case command.isAdd():
		if i < len(f.Interfaces) {
			return netErr(virterr.OperationInvalid, "there is an existing interface entry in network '%s' that matches \"<interface dev='%s'>\"", def.Name, dev)
		}
		f.Interfaces = insert(f.Interfaces, &ForwardIf{Type: ForwardDevNetdev, Dev: dev}, command == UpdateAddFirst)
	case command == UpdateDelete:
		if i == len(f.Interfaces) {
			return netErr(virterr.OperationInvalid, "couldn't find an interface entry in network '%s' matching <interface dev='%s'>", def.Name, dev)
		}
		if c := f.Interfaces[i].Connections; c > 0 {
			return netErr(virterr.OperationInvalid, "unable to delete interface '%s' in network '%s'. It is currently being used by %d domains.", dev, def.Name, c)
		}
		f.Interfaces = remove(f.Interfaces, i)
	default:
		return unknownCommand(command)
	}
	return nil
}

func (def *Def) updatePortGroup(command UpdateCommand, n *xmltree.Node) error {
	if err := def.checkElementName(n, "portgroup"); err != nil {
		return err
	}
	pg, err := parsePortGroup(n)
	if err != nil {
		return err
	}
	foundName, foundDefault := -1, -1
	for i, p := range def.PortGroups {
		if p.Name == pg.Name {
			foundName = i
		}
		if p.IsDefault {
			foundDefault = i
		}
	}
	if foundName == -1 && (command == UpdateModify || command == UpdateDelete) {
		return netErr(virterr.OperationInvalid, "couldn't find a portgroup entry in network '%s' matching <portgroup name='%s'>", def.Name, pg.Name)
	}
	if foundName >= 0 && command.isAdd() {
		return netErr(virterr.OperationInvalid, "there is an existing portgroup entry in network '%s' that matches \"<portgroup name='%s'>\"", def.Name, pg.Name)
	}
	if command != UpdateDelete && pg.IsDefault && foundDefault >= 0 && foundDefault != foundName {
		return netErr(virterr.OperationInvalid, "a different portgroup entry in network '%s' is already set as the default. Only one default is allowed.", def.Name)
	}
	switch {
	case command == UpdateModify:
		def.PortGroups[foundName] = pg
	case command.isAdd():
		def.PortGroups = insert(def.PortGroups, pg, command == UpdateAddFirst)
	case command == UpdateDelete:
		def.PortGroups = remove(def.PortGroups, foundName)
	default:
		return unknownCommand(command)
	}
	return nil
}

func (def *Def) updateDNSHost(command UpdateCommand, n *xmltree.Node) error {
	if command == UpdateModify {
		return netErr(virterr.OperationUnsupported, "DNS HOST records cannot be modified, only added or deleted")
	}
	if err := def.checkElementName(n, "host"); err != nil {
		return err
	}
	isAdd := command.isAdd()
	host, err := parseDNSHost(def.Name, n, !isAdd)
	if err != nil {
		return err
	}
	dns := &def.DNS
	foundIdx, foundCt := -1, 0
	for i, h := range dns.Hosts {
		found := host.IP == h.IP
		// adding checks only the address: several addresses may share a
		// hostname.
		if !isAdd && !found {
		names:
			for _, a := range host.Names {
				for _, b := range h.Names {
					if a == b {
						found = true
						break names
					}
				}
			}
		}
		if found {
			foundCt++
			foundIdx = i
		}
	}
	switch {
	case isAdd:
		if foundCt > 0 {
			return netErr(virterr.OperationInvalid, "there is already at least one DNS HOST record with a matching field in network %s", def.Name)
		}
		dns.Hosts = insert(dns.Hosts, host, command == UpdateAddFirst)
	case command == UpdateDelete:
		if foundCt == 0 {
			return netErr(virterr.OperationInvalid, "couldn't locate a matching DNS HOST record in network %s", def.Name)
		}
		if foundCt > 1 {
			return netErr(virterr.OperationInvalid, "multiple matching DNS HOST records were found in network %s", def.Name)
		}
		dns.Hosts = remove(dns.Hosts, foundIdx)
	default:
		return unknownCommand(command)
	}
	return nil
}

func (def *Def) updateDNSSrv(command UpdateCommand, n *xmltree.Node) error {
	if command == UpdateModify {
		return netErr(virterr.OperationUnsupported, "DNS SRV records cannot be modified, only added or deleted")
	}
	if err := def.checkElementName(n, "srv"); err != nil {
		return err
	}
	isAdd := command.isAdd()
	srv, err := parseDNSSrv(def.Name, n, !isAdd)
	if err != nil {
		return err
	}
	matches := func(want, have *string) bool { return want == nil || (have != nil && *want == *have) }
	dns := &def.DNS
	foundIdx, foundCt := -1, 0
	for i, s := range dns.SRVs {
		if matches(srv.Domain, s.Domain) && matches(srv.Service, s.Service) &&
			matches(srv.Protocol, s.Protocol) && matches(srv.Target, s.Target) {
			foundCt++
			foundIdx = i
		}
	}
	switch {
	case isAdd:
		if foundCt > 0 {
			return netErr(virterr.OperationInvalid, "there is already at least one DNS SRV record matching all specified fields in network %s", def.Name)
		}
		dns.SRVs = insert(dns.SRVs, srv, command == UpdateAddFirst)
	case command == UpdateDelete:
		if foundCt == 0 {
			return netErr(virterr.OperationInvalid, "couldn't locate a matching DNS SRV record in network %s", def.Name)
		}
		if foundCt > 1 {
			return netErr(virterr.OperationInvalid, "multiple DNS SRV records matching all specified fields were found in network %s", def.Name)
		}
		dns.SRVs = remove(dns.SRVs, foundIdx)
	default:
		return unknownCommand(command)
	}
	return nil
}

func (def *Def) updateDNSTxt(command UpdateCommand, n *xmltree.Node) error {
	if command == UpdateModify {
		return netErr(virterr.OperationUnsupported, "DNS TXT records cannot be modified, only added or deleted")
	}
	if err := def.checkElementName(n, "txt"); err != nil {
		return err
	}
	isAdd := command.isAdd()
	txt, err := parseDNSTxt(def.Name, n, !isAdd)
	if err != nil {
		return err
	}
	dns := &def.DNS
	i := 0
	for ; i < len(dns.TXTs); i++ {
		if dns.TXTs[i].Name == txt.Name {
			break
		}
	}
	switch {
	case isAdd:
		if i < len(dns.TXTs) {
			return netErr(virterr.OperationInvalid, "there is already a DNS TXT record with name '%s' in network %s", txt.Name, def.Name)
		}
		dns.TXTs = insert(dns.TXTs, txt, command == UpdateAddFirst)
	case command == UpdateDelete:
		if i == len(dns.TXTs) {
			return netErr(virterr.OperationInvalid, "couldn't locate a matching DNS TXT record in network %s", def.Name)
		}
		dns.TXTs = remove(dns.TXTs, i)
	default:
		return unknownCommand(command)
	}
	return nil
}

// Update applies one net-update edit the way the network object does
// (virNetworkObjUpdate): on a copy made by formatting with flags and
// parsing back, which is also checked the same way afterwards, so an edit
// that leaves an invalid network fails. def itself is not changed.
func (def *Def) Update(command UpdateCommand, section UpdateSection, parentIndex int, xml []byte, flags FormatFlags) (*Def, error) {
	cp, err := def.Copy(flags)
	if err != nil {
		return nil, err
	}
	if err := cp.UpdateSection(command, section, parentIndex, xml); err != nil {
		return nil, err
	}
	return cp.Copy(flags)
}

// Copy returns a deep copy made by a format/parse cycle (virNetworkDefCopy).
func (def *Def) Copy(flags FormatFlags) (*Def, error) {
	cp, err := Parse([]byte(def.Format(flags)))
	if err != nil {
		return nil, err
	}
	cp.Connections = def.Connections
	return cp, nil
}
