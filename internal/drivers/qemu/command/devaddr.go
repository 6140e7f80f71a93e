package command

import (
	"fmt"
	"strconv"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

// findControllerAlias is virDomainControllerAliasFind.
func findControllerAlias(def *domain.Def, typ string, idx uint64) (string, error) {
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") == typ && c.Attr("index") == strconv.FormatUint(idx, 10) {
			if c.Info.Alias == "" {
				break
			}
			return c.Info.Alias, nil
		}
	}
	return "", Internal("Could not find %s controller with index %d required for device", typ, idx)
}

// pciBusAlias is qemuBuildDeviceAddressPCIGetBus.
func pciBusAlias(def *domain.Def, a *domain.Address) (string, error) {
	devStr := fmt.Sprintf("%04x:%02x:%02x.%x", a.Domain, a.Bus, a.Slot, a.Function)
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") != "pci" || c.Attr("index") != strconv.FormatUint(a.Bus, 10) {
			continue
		}
		alias := c.Info.Alias
		if alias == "" {
			return "", Internal("Device alias was not set for PCI controller with index '%d' required for device at address '%s'", a.Bus, devStr)
		}
		if userAlias(alias) {
			switch c.Attr("model") {
			case "pci-root":
				alias = "pci.0"
			case "pcie-root":
				alias = "pcie.0"
			}
		}
		return alias, nil
	}
	return "", Internal("Could not find PCI controller with index '%d' required for device at address '%s'", a.Bus, devStr)
}

// addDeviceAddress is qemuBuildDeviceAddressProps; diskBus is the disk's
// bus for drive addresses.
func (b *Builder) addDeviceAddress(p *Props, info *domain.DeviceInfo, diskBus string) error {
	a := info.Address
	if a == nil {
		return nil
	}
	def := b.Def
	switch a.Type {
	case "pci":
		bus, err := pciBusAlias(def, a)
		if err != nil {
			return err
		}
		addr := fmt.Sprintf("0x%x", a.Slot)
		if a.Function != 0 {
			addr = fmt.Sprintf("0x%x.0x%x", a.Slot, a.Function)
		}
		p.Str("bus", bus).Tristate("multifunction", a.Multifunction).Str("addr", addr)
		if v, err := strconv.ParseUint(info.ACPIIndex, 10, 32); err == nil && v > 0 {
			p.Uint("acpi-index", v)
		}
	case "usb":
		alias, err := findControllerAlias(def, "usb", a.Bus)
		if err != nil {
			return err
		}
		p.Str("bus", alias+".0").StrOpt("port", a.USBPort)
	case "spapr-vio":
		if a.Reg != nil && *a.Reg != 0 {
			p.Uint("reg", *a.Reg)
		}
	case "ccw":
		if a.CSSID != nil && a.SSID != nil && a.DevNo != nil {
			p.Str("devno", fmt.Sprintf("%x.%x.%04x", *a.CSSID, *a.SSID, *a.DevNo))
		}
	case "isa":
		p.Uint("iobase", a.IOBase).UintNZ("irq", a.IRQ)
	case "dimm":
		p.Uint("slot", a.Slot)
		if a.Base != nil && *a.Base != 0 {
			p.Uint("addr", *a.Base)
		}
	case "drive":
		return b.addDriveAddress(p, a, diskBus)
	case "virtio-serial":
		alias, err := findControllerAlias(def, "virtio-serial", a.Controller)
		if err != nil {
			return err
		}
		p.Str("bus", fmt.Sprintf("%s.%d", alias, a.Bus)).Int("nr", int64(a.Port))
	}
	return nil
}

// addDriveAddress is qemuBuildDeviceAddresDriveProps.
func (b *Builder) addDriveAddress(p *Props, a *domain.Address, diskBus string) error {
	def := b.Def
	switch diskBus {
	case "ide":
		alias := "ide"
		if !devHasBuiltinIDE(def) {
			var err error
			if alias, err = findControllerAlias(def, "ide", a.Controller); err != nil {
				return err
			}
		}
		p.Str("bus", fmt.Sprintf("%s.%d", alias, a.Bus)).Uint("unit", a.Unit)
	case "sata":
		alias := "ide"
		if !(devIsQ35(def) && a.Controller == 0) {
			var err error
			if alias, err = findControllerAlias(def, "sata", a.Controller); err != nil {
				return err
			}
		}
		p.Str("bus", fmt.Sprintf("%s.%d", alias, a.Unit))
	case "fdc":
		p.Uint("unit", a.Unit)
	case "scsi":
		var cont *domain.Device
		for _, c := range def.Devices.Controllers() {
			if c.Attr("type") == "scsi" && c.Attr("index") == strconv.FormatUint(a.Controller, 10) {
				cont = c
			}
		}
		if cont == nil {
			return Internal("unable to find a SCSI controller for idx=%d", a.Controller)
		}
		switch scsiModel(b, cont) {
		case "lsilogic", "ncr53c90", "dc390", "am53c974":
			p.Str("bus", fmt.Sprintf("%s.%d", cont.Info.Alias, a.Bus)).Uint("scsi-id", a.Unit)
		default:
			p.Str("bus", cont.Info.Alias+".0").Uint("channel", a.Bus).Uint("scsi-id", a.Target).Uint("lun", a.Unit)
		}
	default:
		return Internal("address type drive is not supported for bus '%s'", diskBus)
	}
	return nil
}

// scsiModel is the effective model of a SCSI controller.
func scsiModel(b *Builder, c *domain.Device) string {
	if m := c.Attr("model"); m != "" {
		return m
	}
	switch {
	case b.Has(caps.SCSILSI):
		return "lsilogic"
	case b.Has(caps.VirtioSCSI):
		return "virtio-scsi"
	}
	return ""
}

// virtioDevProps is qemuBuildVirtioDevProps: the driver name built from
// the base name, the address type and the (non-)transitional model, then
// the <driver> virtio options.
func (b *Builder) virtioDevProps(base string, dev *domain.Device, info *domain.DeviceInfo, model string, busSuffix bool) (*Props, error) {
	name := base
	implName := ""
	typ := ""
	if info.Address != nil {
		typ = info.Address.Type
	}
	switch typ {
	case "pci":
		implName = "pci"
	case "virtio-mmio":
		implName = "device"
	case "ccw":
		implName = "ccw"
	default:
		return nil, Internal("Unexpected address type for '%s'", base)
	}
	if busSuffix {
		name += "-" + implName
	}
	switch model {
	case "virtio-transitional":
		if b.Has(caps.VirtioPCITransitional) {
			name += "-transitional"
		}
	case "virtio-non-transitional":
		if b.Has(caps.VirtioPCITransitional) {
			name += "-non-transitional"
		} else {
			return nil, Unsupported("virtio non-transitional model not supported for this qemu")
		}
	}
	p := NewProps().Str("driver", name)
	if dev != nil {
		addVirtioOptions(p, dev.Child("driver"))
	}
	return p, nil
}

// addVirtioOptions adds the virtio <driver> options.
func addVirtioOptions(p *Props, drv *xmltree.Node) {
	if drv == nil {
		return
	}
	p.Tristate("iommu_platform", drv.Prop("iommu")).
		Tristate("ats", drv.Prop("ats")).
		Tristate("packed", drv.Prop("packed")).
		Tristate("page-per-vq", drv.Prop("page_per_vq"))
}

// addRomProps is qemuBuildRomProps.
func addRomProps(p *Props, info *domain.DeviceInfo) error {
	r := info.ROM
	if r == nil || (r.Enabled == "" && r.Bar == "" && !r.HasFile) {
		return nil
	}
	if info.Address == nil || info.Address.Type != "pci" {
		return Unsupported("ROM tuning is only supported for PCI devices")
	}
	if r.Enabled == "no" {
		p.Str("romfile", "")
		return nil
	}
	switch r.Bar {
	case "off":
		p.Int("rombar", 0)
	case "on":
		p.Int("rombar", 1)
	}
	if r.HasFile {
		p.StrOpt("romfile", r.File)
	}
	return nil
}

// bootIndex is the device's <boot order>, 0 when absent.
func bootIndex(info *domain.DeviceInfo) uint64 {
	v, _ := strconv.ParseUint(info.BootOrder, 10, 32)
	return v
}
