package command

func init() {
	RegisterStep("inputs", buildInputs)
}

// buildInputs is qemuBuildInputCommandLine.
func buildInputs(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, in := range b.Def.Devices.Kind("input") {
		typ := in.Attr("type")
		var p *Props
		switch in.Attr("bus") {
		case "usb":
			drv := map[string]string{"mouse": "usb-mouse", "tablet": "usb-tablet", "keyboard": "usb-kbd"}[typ]
			if drv == "" {
				return Unsupported("unsupported input device type %s", typ)
			}
			p = NewProps().Str("driver", drv).Str("id", in.Info.Alias)
		case "virtio":
			base := map[string]string{"mouse": "virtio-mouse", "tablet": "virtio-tablet", "keyboard": "virtio-keyboard", "passthrough": "virtio-input-host"}[typ]
			if base == "" {
				return Unsupported("unsupported input device type %s", typ)
			}
			var err error
			if p, err = b.virtioDevProps(base, in, &in.Info, in.Attr("model"), true); err != nil {
				return err
			}
			p.Str("id", in.Info.Alias)
			if typ == "passthrough" {
				if s := in.Child("source"); s != nil {
					p.Str("evdev", s.Prop("evdev"))
				}
			}
		default:
			if typ == "evdev" {
				s := in.Child("source")
				if s == nil {
					continue
				}
				o := ObjectProps("input-linux", in.Info.Alias).Str("evdev", s.Prop("dev"))
				if s.Prop("repeat") == "on" {
					o.Bool("repeat", true)
				}
				if s.Prop("grab") == "all" {
					o.Bool("grab_all", true)
				}
				o.StrOpt("grab-toggle", s.Prop("grabToggle"))
				if err := b.AddObject(o); err != nil {
					return err
				}
			}
			continue
		}
		if err := b.addDeviceAddress(p, &in.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
