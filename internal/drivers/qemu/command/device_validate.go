package command

import "github.com/govirt/govirt/internal/drivers/qemu/caps"

func init() {
	RegisterValidator(validateInputsAndVideos)
}

// validateInputsAndVideos holds refusals of qemuValidateDomainDeviceDefInput,
// qemuValidateDomainDeviceDefControllerPCI and qemuValidateDomainDeviceDefVideo.
func validateInputsAndVideos(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, in := range b.Def.Devices.Kind("input") {
		if in.Attr("bus") != "virtio" {
			continue
		}
		switch in.Attr("model") {
		case "virtio-transitional", "virtio-non-transitional":
			if t := in.Attr("type"); t != "passthrough" {
				return Unsupported("virtio (non-)transitional models are not supported for input type=%s", t)
			}
		}
	}
	for _, c := range b.Def.Devices.Controllers() {
		// qemuValidateDomainDeviceDefControllerPCI's hotplug check.
		if c.Attr("type") == "pci" && c.Attr("model") == "pci-root" && controllerTarget(c, "hotplug") != "" &&
			!b.Has(caps.PIIX4ACPIRootPCIHotplug) {
			return Unsupported("setting the 'hotplug' property on a 'pci-root' device is not supported by this QEMU binary")
		}
	}
	for _, v := range b.Def.Devices.Videos() {
		if videoModelAttr(v, "type") == "ramfb" && v.Info.Address != nil && v.Info.Address.Type != "" {
			return Unsupported("address not supported for video type ramfb")
		}
	}
	return nil
}
