package command

func init() {
	RegisterStep("watchdogs", buildWatchdogs)
}

// buildWatchdogs is qemuBuildWatchdogCommandLine.
func buildWatchdogs(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	wds := b.Def.Devices.Kind("watchdog")
	if len(wds) == 0 {
		return nil
	}
	itco := false
	for _, w := range wds {
		if w.Attr("model") == "itco" {
			itco = true
			continue
		}
		p := NewProps().Str("driver", w.Attr("model")).Str("id", w.Info.Alias)
		if err := b.addDeviceAddress(p, &w.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	if itco {
		b.Cmd.Arg("-global", "ICH9-LPC.noreboot=off")
	}
	action := wds[len(wds)-1].Attr("action")
	if action == "" {
		action = "reset"
	}
	if action == "dump" {
		action = "pause"
	}
	b.Cmd.Arg("-watchdog-action", action)
	return nil
}
