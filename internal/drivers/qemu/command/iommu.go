package command

func init() {
	RegisterStep("iommu", buildIOMMU)
	RegisterValidator(validateIOMMU)
}

func validateIOMMU(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, i := range b.Def.Devices.Kind("iommu") {
		switch i.Attr("model") {
		case "intel":
			if !devIsQ35(b.Def) {
				return Unsupported("IOMMU device: 'intel' is only supported with Q35 machines")
			}
		case "virtio":
			if !devIsQ35(b.Def) {
				return Unsupported("IOMMU device: 'virtio' is only supported with Q35 and ARM Virt machines")
			}
			if b.Def.Features == nil || !b.Def.Features.ACPI {
				return Unsupported("IOMMU device: 'virtio' requires ACPI")
			}
			if a := i.Info.Address; a != nil && a.Type != "" && a.Type != "pci" {
				return Unsupported("IOMMU device: 'virtio' needs a PCI address")
			}
		}
	}
	return nil
}

// buildIOMMU is qemuBuildIOMMUCommandLine.
func buildIOMMU(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, i := range b.Def.Devices.Kind("iommu") {
		drv := func(attr string) string {
			if d := i.Child("driver"); d != nil {
				return d.Prop(attr)
			}
			return ""
		}
		var p *Props
		switch i.Attr("model") {
		case "intel":
			p = NewProps().Str("driver", "intel-iommu").Str("id", i.Info.Alias).
				StrOpt("intremap", switchText(drv("intremap"))).
				Tristate("caching-mode", drv("caching_mode")).
				StrOpt("eim", switchText(drv("eim"))).
				Tristate("device-iotlb", drv("iotlb")).
				UintNZ("aw-bits", uintAttr(drv("aw_bits")))
		case "virtio":
			p = NewProps().Str("driver", "virtio-iommu").Str("id", i.Info.Alias)
			if err := b.addDeviceAddress(p, &i.Info, ""); err != nil {
				return err
			}
		default:
			continue
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
