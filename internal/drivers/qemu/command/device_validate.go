package command

func init() {
	RegisterValidator(validateInputsAndVideos)
}

// validateInputsAndVideos holds qemuValidateDomainDeviceDefInput's and
// qemuValidateDomainDeviceDefVideo's refusals.
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
	for _, v := range b.Def.Devices.Videos() {
		if videoModelAttr(v, "type") == "ramfb" && v.Info.Address != nil && v.Info.Address.Type != "" {
			return Unsupported("address not supported for video type ramfb")
		}
	}
	return nil
}
