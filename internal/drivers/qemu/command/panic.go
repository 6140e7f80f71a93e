package command

func init() {
	RegisterStep("panic", buildPanics)
}

// buildPanics is qemuBuildPanicCommandLine: the ISA pvpanic takes its
// port as "ioport", the PCI one a normal address; the other models are
// machine features.
func buildPanics(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, p := range b.Def.Devices.Kind("panic") {
		switch p.Attr("model") {
		case "isa":
			props := NewProps().Str("driver", "pvpanic")
			if a := p.Info.Address; a != nil && a.Type == "isa" {
				props.Uint("ioport", a.IOBase)
			}
			if err := b.AddDevice(props); err != nil {
				return err
			}
		case "pvpanic":
			props := NewProps().Str("driver", "pvpanic-pci")
			if err := b.addDeviceAddress(props, &p.Info, ""); err != nil {
				return err
			}
			if err := b.AddDevice(props); err != nil {
				return err
			}
		}
	}
	return nil
}
