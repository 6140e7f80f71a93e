package command

func init() { RegisterValidator(validatePCIRoots) }

// validatePCIRoots is qemuValidateDomainDeviceDefControllerPCI's check
// that the root buses, which are no devices, carry no address.
func validatePCIRoots(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, c := range b.Def.Devices.Controllers() {
		if c.Attr("type") != "pci" {
			continue
		}
		switch c.Attr("model") {
		case "pci-root", "pcie-root":
			if a := c.Info.Address; a != nil && a.Type != "" && a.Type != "none" {
				return Unsupported("pci-root and pcie-root controllers should not have an address")
			}
		}
	}
	return nil
}
