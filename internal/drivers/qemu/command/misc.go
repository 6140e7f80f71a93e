package command

import (
	"strconv"

	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("name", buildName)
	RegisterStep("freeze", func(b *Builder) error { b.Cmd.Arg("-S"); return nil })
	RegisterStep("fips", buildFIPS)
	RegisterStep("uuid", func(b *Builder) error { b.Cmd.Arg("-uuid", b.Def.UUID.String()); return nil })
	RegisterStep("display", buildDisplayNone)
	RegisterStep("defaults", func(b *Builder) error { b.Cmd.Arg("-no-user-config", "-nodefaults"); return nil })
	RegisterStep("qemu-namespace", buildQEMUNamespace)
	RegisterStep("msg", buildMsg)
}

// buildName is qemuBuildNameCommandLine.
func buildName(b *Builder) error {
	b.Cmd.Arg("-name", "guest="+EscapeComma(b.Def.Name)+",debug-threads=on")
	return nil
}

func buildFIPS(b *Builder) error {
	if b.Ctx.HostFIPS && b.Has(caps.EnableFIPS) {
		b.Cmd.Arg("-enable-fips")
	}
	return nil
}

// buildDisplayNone: without graphics QEMU must not open a window, and
// -display none has to come before serial and monitor options.
func buildDisplayNone(b *Builder) error {
	if b.Def.Devices == nil || len(b.Def.Devices.Graphics()) == 0 {
		b.Cmd.Arg("-display", "none")
	}
	return nil
}

// buildQEMUNamespace appends <qemu:commandline> arguments and environment.
func buildQEMUNamespace(b *Builder) error {
	ns := b.Def.Namespace
	if ns == nil {
		return nil
	}
	b.Cmd.Arg(ns.Args...)
	for _, e := range ns.Env {
		b.Cmd.SetEnv(e.Name, e.Value)
	}
	return nil
}

func buildMsg(b *Builder) error {
	if b.Ctx.LogTimestamp {
		b.Cmd.Arg("-msg", "timestamp=on")
	}
	return nil
}

// applyDeviceOverrides replaces -device properties named in
// <qemu:override> for the device with that alias
// (qemuBuildDeviceCommandlineHandleOverrides).
func (b *Builder) applyDeviceOverrides(props *Props) {
	ns := b.Def.Namespace
	if ns == nil || len(ns.Overrides) == 0 {
		return
	}
	alias := props.GetString("id")
	if alias == "" {
		return
	}
	for _, dev := range ns.Overrides {
		if dev.Alias != alias {
			continue
		}
		for _, p := range dev.Frontend {
			props.Remove(p.Name)
			switch p.Type {
			case "string":
				props.Set(p.Name, p.Value)
			case "signed":
				if n, err := strconv.ParseInt(p.Value, 0, 64); err == nil {
					props.Set(p.Name, n)
				}
			case "unsigned":
				if n, err := strconv.ParseUint(p.Value, 0, 64); err == nil {
					props.Set(p.Name, n)
				}
			case "bool":
				props.Set(p.Name, p.Value == "true")
			}
		}
	}
}
