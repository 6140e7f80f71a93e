package network

import (
	"fmt"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// PCIAddress is a host PCI address (virPCIDeviceAddress), as <forward>
// <address type='pci'> and a network port's hostdev plug use it.
type PCIAddress struct {
	Domain, Bus, Slot, Function uint
}

// IsZero reports the empty address 0000:00:00.0.
func (a PCIAddress) IsZero() bool { return a == PCIAddress{} }

// ParsePCIAddress reads the domain, bus, slot and function attributes
// (virPCIDeviceAddressParseXML).
func ParsePCIAddress(n *xmltree.Node) (PCIAddress, error) {
	var a PCIAddress
	for _, f := range []struct {
		name string
		dst  *uint
	}{{"domain", &a.Domain}, {"bus", &a.Bus}, {"slot", &a.Slot}, {"function", &a.Function}} {
		v, _, err := propUint(n, f.name, 0, 32)
		if err != nil {
			return a, err
		}
		*f.dst = uint(v)
	}
	if !a.IsZero() {
		if err := a.Check(); err != nil {
			return a, err
		}
	}
	return a, nil
}

// Check reports a field out of PCI range (virPCIDeviceAddressIsValid).
func (a PCIAddress) Check() error {
	switch {
	case a.Domain > 0xffff:
		return virterr.New(virterr.XMLError, "Invalid PCI address domain='0x%x', must be <= 0xFFFF", a.Domain)
	case a.Bus > 0xff:
		return virterr.New(virterr.XMLError, "Invalid PCI address bus='0x%x', must be <= 0xFF", a.Bus)
	case a.Slot > 0x1f:
		return virterr.New(virterr.XMLError, "Invalid PCI address slot='0x%x', must be <= 0x1F", a.Slot)
	case a.Function > 7:
		return virterr.New(virterr.XMLError, "Invalid PCI address function=0x%x, must be <= 7", a.Function)
	case a.IsZero():
		return virterr.New(virterr.XMLError, "Invalid PCI address 0000:00:00, at least one of domain, bus, or slot must be > 0")
	}
	return nil
}

// String is the dddd:bb:ss.f form libvirt uses in messages.
func (a PCIAddress) String() string {
	return fmt.Sprintf("%04x:%02x:%02x.%x", a.Domain, a.Bus, a.Slot, a.Function)
}

// Format writes <address …/> (virPCIDeviceAddressFormat), with
// type='pci' when withType.
func (a PCIAddress) Format(buf *xmlbuf.Buffer, withType bool) {
	typ := ""
	if withType {
		typ = "type='pci' "
	}
	buf.Asprintf("<address %sdomain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%d'/>\n", typ, a.Domain, a.Bus, a.Slot, a.Function)
}
