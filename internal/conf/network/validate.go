package network

import (
	"slices"
	"strings"

	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/virt/virterr"
)

// CheckKnownValues reports the enum values libvirt's parser rejects but
// Parse keeps: an unknown forward mode, hostdev driver, bridge MAC table
// manager, VLAN native mode or virtual port type. A network that passes
// Parse and CheckKnownValues is one libvirt's parser accepts.
func (def *Def) CheckKnownValues() error {
	f := &def.Forward
	if f.Mode != ForwardNone && !slices.Contains(forwardModes, f.Mode) {
		return netErr(virterr.ConfigUnsupported, "unknown forwarding type '%s'", f.Mode)
	}
	if f.Driver != "" && f.Driver != "kvm" && f.Driver != "vfio" {
		return unknownDriver(f.Driver, def.Name)
	}
	if def.MACTableManager != "" && !slices.Contains(macTableManagers, def.MACTableManager) {
		return invalidMACTableManager(def.MACTableManager, def.Name)
	}
	if err := def.Vlan.Validate(); err != nil {
		return err
	}
	if err := def.VirtualPort.Validate(); err != nil {
		return err
	}
	for _, pg := range def.PortGroups {
		if err := pg.Vlan.Validate(); err != nil {
			return err
		}
		if err := pg.VirtualPort.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Validate is what the network driver checks before it defines or
// starts a network (CheckKnownValues, then bridge_driver.c's
// networkValidate, less what needs the host or the other networks:
// bridge name allocation and SR-IOV checks). It is not run on saved
// state being reloaded.
func (def *Def) Validate() error {
	if err := def.CheckKnownValues(); err != nil {
		return err
	}
	if i := strings.IndexByte(def.Name, '\n'); i >= 0 {
		// virXMLCheckIllegalChars, a virxml.c helper.
		return virterr.NewFrom(virterr.FromXML, virterr.XMLDetail, "invalid char in name: %c", def.Name[i])
	}
	mode := def.Forward.Mode
	bandwidthAllowed := false
	switch mode {
	case ForwardNone, ForwardNAT, ForwardRoute, ForwardOpen:
		bandwidthAllowed = true
	default:
		if mode == ForwardBridge && def.Bridge != "" {
			bandwidthAllowed = true
		}
		unsupported := ""
		switch {
		case def.MACSpecified:
			unsupported = "mac"
		case len(def.IPs) > 0:
			unsupported = "ip"
		case len(def.DNS.TXTs) > 0 || len(def.DNS.Hosts) > 0 || len(def.DNS.SRVs) > 0:
			unsupported = "dns"
		case def.Domain != nil:
			unsupported = "domain"
		}
		if unsupported != "" {
			return netErr(virterr.ConfigUnsupported, "Unsupported <%s> element in network %s with forward mode='%s'", unsupported, def.Name, mode)
		}
	}
	if def.Bandwidth != nil && !bandwidthAllowed {
		return netErr(virterr.ConfigUnsupported, "Unsupported network-wide <bandwidth> element in network %s with forward mode='%s'", def.Name, mode)
	}
	usesInterface, usesAddress := false, false
	for _, fi := range def.Forward.Interfaces {
		switch fi.Type {
		case ForwardDevNetdev:
			usesInterface = true
			if mode == ForwardHostdev {
				return netErr(virterr.ConfigUnsupported, "hostdev network '%s' lists '%s' in the device pool, but hostdev networks require all devices to be listed by PCI address, not network device name", def.Name, fi.Dev)
			}
		case ForwardDevPCI:
			usesAddress = true
			if mode != ForwardHostdev {
				return netErr(virterr.ConfigUnsupported, "network '%s' has forward mode '%s' but lists a device by PCI address in the device pool. This is only supported for networks with forward mode 'hostdev'", def.Name, mode)
			}
		}
	}
	kinds := 0
	for _, b := range []bool{len(def.Forward.PFs) > 0, usesInterface, usesAddress} {
		if b {
			kinds++
		}
	}
	if kinds > 1 {
		return netErr(virterr.ConfigUnsupported, "<address>, <interface>, and <pf> elements of <forward> in network %s are mutually exclusive", def.Name)
	}
	ipv4DHCP, ipv6DHCP := false, false
	for _, ip := range def.IPs {
		if len(ip.Ranges) == 0 && len(ip.Hosts) == 0 {
			continue
		}
		if isV4(ip.Address) {
			if ipv4DHCP {
				return netErr(virterr.ConfigUnsupported, "Multiple IPv4 dhcp sections found -- dhcp is supported only for a single IPv4 address on each network")
			}
			ipv4DHCP = true
		}
		if isV6(ip.Address) {
			if ipv6DHCP {
				return netErr(virterr.ConfigUnsupported, "Multiple IPv6 dhcp sections found -- dhcp is supported only for a single IPv6 address on each network")
			}
			ipv6DHCP = true
		}
	}
	// Only hostdev SR-IOV pools and Open vSwitch bridges can tag VLANs.
	vlanAllowed := mode == ForwardHostdev || mode == ForwardPassthrough ||
		(mode == ForwardBridge && def.VirtualPort != nil && def.VirtualPort.Type == netdev.VPortOpenvSwitch)
	vlanUsed := def.Vlan != nil && len(def.Vlan.Tags) > 0
	badVlanUse := false
	var defaultPG *PortGroup
	for i, pg := range def.PortGroups {
		if vlanUsed || (pg.Vlan != nil && len(pg.Vlan.Tags) > 0) {
			if pg.VirtualPort != nil {
				if mode != ForwardBridge || pg.VirtualPort.Type != netdev.VPortOpenvSwitch {
					badVlanUse = true
				}
			} else if !vlanAllowed {
				badVlanUse = true
			}
		}
		if pg.IsDefault {
			if defaultPG != nil {
				return netErr(virterr.ConfigUnsupported, "network '%s' has multiple default <portgroup> elements (%s and %s), but only one default is allowed", def.Name, defaultPG.Name, pg.Name)
			}
			defaultPG = pg
		}
		for _, other := range def.PortGroups[i+1:] {
			if other.Name == pg.Name {
				return netErr(virterr.ConfigUnsupported, "multiple <portgroup> elements with the same name (%s) in network '%s'", pg.Name, def.Name)
			}
		}
		if pg.Bandwidth != nil && !bandwidthAllowed {
			return netErr(virterr.ConfigUnsupported, "Unsupported <bandwidth> element in network '%s' in portgroup '%s' with forward mode='%s'", def.Name, pg.Name, mode)
		}
	}
	if badVlanUse || (vlanUsed && !vlanAllowed && defaultPG == nil) {
		return netErr(virterr.ConfigUnsupported, "<vlan> element specified for network %s, whose type doesn't support vlan configuration", def.Name)
	}
	if mode == ForwardHostdev {
		for _, pg := range def.PortGroups {
			if pg.Bandwidth != nil {
				return netErr(virterr.ConfigUnsupported, "unsupported <bandwidth> element in <portgroup name='%s'> of network '%s' with forward mode='%s'", pg.Name, def.Name, mode)
			}
		}
	}
	return nil
}

// SetBridgeMAC gives a network without <mac> a random one in libvirt's
// 52:54:00 range (virNetworkSetBridgeMacAddr), as the driver does for the
// modes whose bridge it creates.
func (def *Def) SetBridgeMAC() {
	if !def.MACSpecified {
		def.MAC = macaddr.Generate([3]byte{0x52, 0x54, 0x00})
		def.MACSpecified = true
	}
}
