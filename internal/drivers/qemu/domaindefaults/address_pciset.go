package domaindefaults

import (
	"fmt"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/virt/virterr"
)

// pciConnect are libvirt's virDomainPCIConnectFlags: what a device needs
// from the slot it plugs into, and what a bus offers downstream.
type pciConnect uint32

const (
	connAutoassign pciConnect = 1 << iota
	connHotpluggable
	connAggregateSlot
	connIntegrated
	connPCIDevice
	connPCIeDevice
	connPCIBridge
	connPCIeRootPort
	connPCIeSwitchUpstreamPort
	connPCIeSwitchDownstreamPort
	connDMIToPCIBridge
	connPCIExpanderBus
	connPCIeExpanderBus
	connPCIeToPCIBridge
)

const (
	connTypesMask = connPCIDevice | connPCIeDevice | connPCIBridge |
		connPCIeRootPort | connPCIeSwitchUpstreamPort | connPCIeSwitchDownstreamPort |
		connDMIToPCIBridge | connPCIExpanderBus | connPCIeExpanderBus | connPCIeToPCIBridge
	connTypesEndpoint = connPCIDevice | connPCIeDevice
)

const pciSlotLast = 31

// pciBus is one PCI bus of the guest: the controller model providing it,
// what it accepts, and which functions of its slots are taken.
type pciBus struct {
	model            string
	flags            pciConnect
	minSlot, maxSlot uint64
	functions        [pciSlotLast + 1]uint8
	aggregate        [pciSlotLast + 1]bool
}

// pciAddressSet is virDomainPCIAddressSet.
type pciAddressSet struct {
	buses []*pciBus
	// dryRun lets the set grow: new buses are added (and later turned
	// into controllers) when no slot is free.
	dryRun                     bool
	isPCIeToPCIBridgeSupported bool
}

// pciAddr is a PCI address while it is being worked out.
type pciAddr struct {
	domain, bus, slot, function uint64
	multi                       string
}

func (a pciAddr) String() string {
	return fmt.Sprintf("%04x:%02x:%02x.%x", a.domain, a.bus, a.slot, a.function)
}

// modelConnectType is virDomainPCIControllerModelToConnectType: how a PCI
// controller of that model plugs in upstream.
func modelConnectType(model string) pciConnect {
	switch model {
	case "pci-bridge":
		return connPCIBridge
	case "pci-expander-bus":
		return connPCIExpanderBus
	case "pcie-expander-bus":
		return connPCIeExpanderBus
	case "dmi-to-pci-bridge":
		return connDMIToPCIBridge
	case "pcie-to-pci-bridge":
		return connPCIeToPCIBridge
	case "pcie-root-port":
		return connPCIeRootPort | connAggregateSlot
	case "pcie-switch-upstream-port":
		return connPCIeSwitchUpstreamPort
	case "pcie-switch-downstream-port":
		return connPCIeSwitchDownstreamPort
	}
	return 0
}

// connectTypeToModel is virDomainPCIControllerConnectTypeToModel.
func connectTypeToModel(f pciConnect) string {
	switch {
	case f&connPCIeRootPort != 0:
		return "pcie-root-port"
	case f&connPCIeSwitchUpstreamPort != 0:
		return "pcie-switch-upstream-port"
	case f&connPCIeSwitchDownstreamPort != 0:
		return "pcie-switch-downstream-port"
	case f&connDMIToPCIBridge != 0:
		return "dmi-to-pci-bridge"
	case f&connPCIExpanderBus != 0:
		return "pci-expander-bus"
	case f&connPCIeExpanderBus != 0:
		return "pcie-expander-bus"
	case f&connPCIBridge != 0:
		return "pci-bridge"
	}
	return ""
}

// setModel is virDomainPCIAddressBusSetModel: what a bus provided by a
// controller of that model accepts downstream.
func (bus *pciBus) setModel(model string, allowHotplug bool) error {
	var hotplug pciConnect
	if allowHotplug {
		hotplug = connHotpluggable
	}
	switch model {
	case "pci-root":
		bus.flags = connAutoassign | connPCIDevice | connPCIBridge | connPCIExpanderBus | hotplug
		bus.minSlot, bus.maxSlot = 1, pciSlotLast
	case "pci-bridge":
		bus.flags = connAutoassign | connPCIDevice | connPCIBridge | hotplug
		bus.minSlot, bus.maxSlot = 1, pciSlotLast
	case "pci-expander-bus":
		bus.flags = connAutoassign | connPCIDevice | connPCIBridge | hotplug
		bus.minSlot, bus.maxSlot = 0, pciSlotLast
	case "pcie-root":
		bus.flags = connPCIeDevice | connPCIeRootPort | connDMIToPCIBridge | connPCIeExpanderBus
		bus.minSlot, bus.maxSlot = 1, pciSlotLast
	case "dmi-to-pci-bridge":
		bus.flags = connPCIDevice | connPCIBridge
		bus.minSlot, bus.maxSlot = 0, pciSlotLast
	case "pcie-to-pci-bridge":
		bus.flags = connAutoassign | connPCIDevice | connPCIBridge | hotplug
		bus.minSlot, bus.maxSlot = 1, pciSlotLast
	case "pcie-root-port", "pcie-switch-downstream-port":
		bus.flags = connAutoassign | connPCIeDevice | connPCIeSwitchUpstreamPort | connPCIeToPCIBridge | hotplug
		bus.minSlot, bus.maxSlot = 0, 0
	case "pcie-switch-upstream-port":
		bus.flags = connPCIeSwitchDownstreamPort
		bus.minSlot, bus.maxSlot = 0, pciSlotLast
	case "pcie-expander-bus":
		bus.flags = connPCIeRootPort | connDMIToPCIBridge
		bus.minSlot, bus.maxSlot = 0, pciSlotLast
	default:
		return internalErr("PCI controller model was not set correctly")
	}
	bus.model = model
	return nil
}

func (bus *pciBus) fullyReserved() bool {
	for i := bus.minSlot; i <= bus.maxSlot; i++ {
		if bus.functions[i] == 0 {
			return false
		}
	}
	return true
}

func (bus *pciBus) empty() bool {
	for i := bus.minSlot; i <= bus.maxSlot; i++ {
		if bus.functions[i] != 0 {
			return false
		}
	}
	return true
}

func internalErr(format string, a ...any) error {
	return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, format, a...)
}

func xmlErr(format string, a ...any) error {
	return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, format, a...)
}

func addrErr(fromConfig bool, format string, a ...any) error {
	if fromConfig {
		return xmlErr(format, a...)
	}
	return internalErr(format, a...)
}

// flagsCompatible is virDomainPCIAddressFlagsCompatible.
func flagsCompatible(addr pciAddr, busFlags, devFlags pciConnect, reportError, fromConfig bool) error {
	addrStr := addr.String()
	fail := func(format string, a ...any) error {
		if !reportError {
			return errIncompatible
		}
		return addrErr(fromConfig, format, a...)
	}
	if devFlags&connIntegrated != 0 {
		if addr.bus == 0 {
			busFlags |= connAutoassign
		} else {
			return fail("The device at PCI address %s needs to be an integrated device (bus=0)", addrStr)
		}
	}
	if fromConfig {
		if busFlags&connTypesEndpoint != 0 {
			busFlags |= connTypesEndpoint
		}
		if devFlags&connPCIBridge != 0 {
			devFlags |= connPCIDevice
		}
	} else if devFlags&connAutoassign != 0 && busFlags&connAutoassign == 0 {
		return fail("The device at PCI address %s was auto-assigned this address, but the PCI controller with index='%d' doesn't allow auto-assignment", addrStr, addr.bus)
	}
	if devFlags&connHotpluggable != 0 && busFlags&connHotpluggable == 0 {
		return fail("The device at PCI address %s requires hotplug capability, but the PCI controller with index='%d' doesn't support hotplug", addrStr, addr.bus)
	}
	if devFlags&busFlags&connTypesMask == 0 {
		if !reportError {
			return errIncompatible
		}
		var connectStr string
		switch {
		case devFlags&connPCIDevice != 0:
			connectStr = "standard PCI device"
		case devFlags&connPCIeDevice != 0:
			connectStr = "PCI Express device"
		case devFlags&connPCIeRootPort != 0:
			connectStr = "pcie-root-port"
		case devFlags&connPCIeSwitchUpstreamPort != 0:
			connectStr = "pcie-switch-upstream-port"
		case devFlags&connPCIeSwitchDownstreamPort != 0:
			connectStr = "pcie-switch-downstream-port"
		case devFlags&connDMIToPCIBridge != 0:
			connectStr = "dmi-to-pci-bridge"
		case devFlags&connPCIeToPCIBridge != 0:
			connectStr = "pcie-to-pci-bridge"
		case devFlags&connPCIExpanderBus != 0:
			connectStr = "pci-expander-bus"
		case devFlags&connPCIeExpanderBus != 0:
			connectStr = "pcie-expander-bus"
		case devFlags&connPCIBridge != 0:
			connectStr = "pci-bridge"
		default:
			return addrErr(fromConfig, "The device at PCI address %s has unrecognized connection type flags 0x%.2x", addrStr, uint32(devFlags&connTypesMask))
		}
		return addrErr(fromConfig, "The device at PCI address %s cannot be plugged into the PCI controller with index='%d'. It requires a controller that accepts a %s.", addrStr, addr.bus, connectStr)
	}
	return nil
}

var errIncompatible = fmt.Errorf("incompatible")

// validate is virDomainPCIAddressValidate.
func (s *pciAddressSet) validate(addr pciAddr, flags pciConnect, fromConfig bool) error {
	addrStr := addr.String()
	if len(s.buses) == 0 {
		return addrErr(fromConfig, "No PCI buses available")
	}
	if addr.domain != 0 {
		return addrErr(fromConfig, "Invalid PCI address %s. Only PCI domain 0 is available", addrStr)
	}
	if addr.bus >= uint64(len(s.buses)) {
		return addrErr(fromConfig, "Invalid PCI address %s. Only PCI buses up to %d are available", addrStr, len(s.buses)-1)
	}
	bus := s.buses[addr.bus]
	if err := flagsCompatible(addr, bus.flags, flags, true, fromConfig); err != nil {
		return err
	}
	if bus.minSlot > 0 && addr.slot < bus.minSlot {
		return addrErr(fromConfig, "Invalid PCI address %s. slot must be >= %d", addrStr, bus.minSlot)
	}
	if addr.slot > bus.maxSlot {
		return addrErr(fromConfig, "Invalid PCI address %s. slot must be <= %d", addrStr, bus.maxSlot)
	}
	if addr.function > 7 {
		return addrErr(fromConfig, "Invalid PCI address %s. function must be <= %d", addrStr, 7)
	}
	return nil
}

// grow is virDomainPCIAddressSetGrow: add buses so that addr.bus exists,
// choosing controllers that give the device a slot it can use.
func (s *pciAddressSet) grow(addr *pciAddr, flags pciConnect) error {
	add := int(addr.bus) - len(s.buses) + 1
	if add <= 0 {
		return nil
	}
	var model string
	needDMIToPCIBridge, needPCIeToPCIBridge := false, false
	switch {
	case flags&connPCIDevice != 0:
		model = "pci-bridge"
		needDMIToPCIBridge, needPCIeToPCIBridge = true, true
		for _, b := range s.buses {
			if b.flags&connPCIBridge != 0 {
				needDMIToPCIBridge, needPCIeToPCIBridge = false, false
				break
			}
		}
		if s.isPCIeToPCIBridgeSupported {
			needDMIToPCIBridge = false
		} else {
			needPCIeToPCIBridge = false
		}
		if (needDMIToPCIBridge || needPCIeToPCIBridge) && add == 1 {
			add++
			addr.bus++
		}
	case flags&(connPCIeDevice|connPCIeSwitchUpstreamPort) != 0:
		model = "pcie-root-port"
	default:
		if m := connectTypeToModel(flags); m != "" {
			return internalErr("a PCI slot is needed to connect a PCI controller model='%s', but none is available, and it cannot be automatically added", m)
		}
		return internalErr("Cannot automatically add a new PCI bus for a device with connect flags %.2x", uint32(flags))
	}
	i := len(s.buses)
	for n := 0; n < add; n++ {
		s.buses = append(s.buses, &pciBus{})
	}
	if needDMIToPCIBridge {
		if err := s.buses[i].setModel("dmi-to-pci-bridge", false); err != nil {
			return err
		}
		i++
	}
	if needPCIeToPCIBridge {
		if err := s.buses[i].setModel("pcie-root-port", true); err != nil {
			return err
		}
		// only the pcie-to-pci-bridge may use this root port
		s.buses[i].flags = connPCIeToPCIBridge
		i++
		if err := s.buses[i].setModel("pcie-to-pci-bridge", true); err != nil {
			return err
		}
		i++
	}
	for ; i < len(s.buses); i++ {
		if err := s.buses[i].setModel(model, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *pciAddressSet) slotInUse(addr pciAddr) bool {
	if int(addr.bus) >= len(s.buses) || int(addr.slot) >= len(s.buses[addr.bus].functions) {
		return false
	}
	return s.buses[addr.bus].functions[addr.slot] != 0
}

// reserve is virDomainPCIAddressReserveAddrInternal.
func (s *pciAddressSet) reserve(addr *pciAddr, flags pciConnect, fromConfig bool) error {
	if s.dryRun {
		if err := s.grow(addr, flags); err != nil {
			return err
		}
	}
	if err := s.validate(*addr, flags, fromConfig); err != nil {
		return err
	}
	bus := s.buses[addr.bus]
	if bus.functions[addr.slot]&(1<<addr.function) != 0 {
		return addrErr(fromConfig, "Attempted double use of PCI Address %s", addr.String())
	}
	if bus.functions[addr.slot] == 0 && flags&connAggregateSlot != 0 {
		bus.aggregate[addr.slot] = true
	}
	bus.functions[addr.slot] |= 1 << addr.function
	return nil
}

// findUnusedFunctionOnBus is virDomainPCIAddressFindUnusedFunctionOnBus.
func findUnusedFunctionOnBus(bus *pciBus, a *pciAddr, function int, flags pciConnect) bool {
	if flagsCompatible(*a, bus.flags, flags, false, false) != nil {
		return false
	}
	for a.slot <= bus.maxSlot {
		if bus.functions[a.slot] == 0 {
			return true
		}
		if flags&connAggregateSlot != 0 && bus.aggregate[a.slot] {
			if bus.functions[a.slot]&(1<<a.function) == 0 {
				return true
			}
			if function == -1 {
				for a.function < 8 {
					if bus.functions[a.slot]&(1<<a.function) == 0 {
						return true
					}
					a.function++
				}
				a.function = 0
			}
		}
		a.slot++
	}
	return false
}

// nextAddr is virDomainPCIAddressGetNextAddr (isolation groups are all
// the default one outside pSeries).
func (s *pciAddressSet) nextAddr(flags pciConnect, function int) (pciAddr, error) {
	var a pciAddr
	if len(s.buses) == 0 {
		return a, xmlErr("No PCI buses available")
	}
	if function >= 0 {
		a.function = uint64(function)
	}
	for a.bus = 0; a.bus < uint64(len(s.buses)); a.bus++ {
		bus := s.buses[a.bus]
		a.slot = bus.minSlot
		if findUnusedFunctionOnBus(bus, &a, function, flags) {
			return a, nil
		}
	}
	if s.dryRun {
		if err := s.grow(&a, flags); err != nil {
			return a, err
		}
		a.slot = s.buses[a.bus].minSlot
		return a, nil
	}
	return a, internalErr("No more available PCI slots")
}

// reserveNext is virDomainPCIAddressReserveNextAddr: find and take a
// free slot; outside a dry run the address is stored in info.
func (s *pciAddressSet) reserveNext(info *domain.DeviceInfo, flags pciConnect, function int) (pciAddr, error) {
	a, err := s.nextAddr(flags, function)
	if err != nil {
		return a, err
	}
	if err := s.reserve(&a, flags, false); err != nil {
		return a, err
	}
	if !s.dryRun && info != nil {
		old := info.Address
		na := &domain.Address{Type: "pci", Domain: a.domain, Bus: a.bus, Slot: a.slot, Function: a.function}
		if old != nil && old.Type == "pci" {
			na.ZPCIUID, na.ZPCIFID = old.ZPCIUID, old.ZPCIFID
		}
		info.Address = na
	}
	return a, nil
}
