// Package netport holds what every hypervisor driver does with a guest
// interface once the network driver has given it a port: the one,
// hypervisor-agnostic check of the *actual* definition
// (virDomainActualNetDefValidate), and the mapping from a port's plug to
// the actual interface type. It imports no driver, so the QEMU, LXC or
// any other driver calls it at every place an interface is brought up:
// start, hotplug and update.
package netport

import (
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/virt/virterr"
)

// Interface types (virDomainNetType) as the domain XML names them.
const (
	TypeNetwork  = "network"
	TypeBridge   = "bridge"
	TypeDirect   = "direct"
	TypeHostdev  = "hostdev"
	TypeEthernet = "ethernet"
)

// Actual is an interface as it will really be set up: its type after the
// network resolved it, and the settings that came with the port.
type Actual struct {
	MAC macaddr.MAC
	// Type is the actual type: for <interface type='network'> the type
	// the port resolved to, otherwise the interface's own type.
	Type string
	// DirectMode is the macvtap mode of a direct interface ("" is vepa).
	DirectMode   string
	Vlan         *netdev.Vlan
	Bandwidth    *netdev.Bandwidth
	VirtualPort  *netdev.VirtualPort
	IsolatedPort netdev.Tristate
}

func unsupported(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, format, args...)
}

// Validate fails when the actual interface asks for something its
// resolved type cannot honour, with libvirt's errors: a VLAN tag on
// anything but SR-IOV passthrough or an openvswitch bridge, bandwidth on
// a hostdev, port isolation off a Linux bridge or with a virtualport.
func Validate(a Actual) error {
	mac := a.MAC.String()
	if a.Vlan != nil {
		ok := a.Type == TypeHostdev ||
			(a.Type == TypeDirect && a.DirectMode == "passthrough") ||
			(a.Type == TypeBridge && a.VirtualPort != nil && a.VirtualPort.Type == "openvswitch")
		if !ok {
			return unsupported("interface %s - vlan tag not supported for this connection type", mac)
		}
	}
	if a.Bandwidth != nil && a.Type == TypeHostdev {
		return unsupported("interface %s - bandwidth settings are not supported for hostdev interfaces", mac)
	}
	return ValidatePortOptions(mac, a.Type, a.VirtualPort, a.IsolatedPort)
}

// ValidatePortOptions is virDomainNetDefValidatePortOptions, shared by
// the configured and the actual definition.
func ValidatePortOptions(mac, typ string, vp *netdev.VirtualPort, isolated netdev.Tristate) error {
	if isolated != netdev.Yes {
		return nil
	}
	if typ != TypeNetwork && typ != TypeBridge {
		return unsupported("interface %s - <port isolated='yes'/> is not supported for network interfaces with type='%s'", mac, typ)
	}
	if vp != nil && vp.Type != "" && vp.Type != "none" {
		return unsupported("interface %s - <port isolated='yes'/> is not supported for network interfaces with virtualport type='%s'", mac, vp.Type)
	}
	return nil
}

// TypeOfPlug is the actual interface type a port's plug gives
// (virDomainNetDefActualFromNetworkPort): network and bridge plugs are
// bridges, direct is macvtap, hostdev-pci a host device.
func TypeOfPlug(plug string) string {
	switch plug {
	case networkport.PlugNetwork, networkport.PlugBridge:
		return TypeBridge
	case networkport.PlugDirect:
		return TypeDirect
	case networkport.PlugHostdevPCI:
		return TypeHostdev
	}
	return ""
}

// FromPort is the actual interface a network port describes.
func FromPort(p *networkport.Def) Actual {
	return Actual{
		MAC:          p.MAC,
		Type:         TypeOfPlug(p.Plug.Type),
		DirectMode:   p.Plug.Mode,
		Vlan:         p.Vlan,
		Bandwidth:    p.Bandwidth,
		VirtualPort:  p.VirtualPort,
		IsolatedPort: p.IsolatedPort,
	}
}
