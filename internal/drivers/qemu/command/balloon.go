package command

func init() {
	RegisterStep("memballoon", buildMemballoon)
}

// buildMemballoon is qemuBuildMemballoonCommandLine.
func buildMemballoon(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, m := range b.Def.Devices.Kind("memballoon") {
		model := m.Attr("model")
		if model == "none" || model == "xen" || model == "" {
			continue
		}
		p, err := b.virtioDevProps("virtio-balloon", m, &m.Info, model, true)
		if err != nil {
			return err
		}
		p.Str("id", m.Info.Alias).Tristate("deflate-on-oom", m.Attr("autodeflate")).Tristate("free-page-reporting", m.Attr("freePageReporting"))
		if err := b.addDeviceAddress(p, &m.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
