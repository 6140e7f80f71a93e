package command

import "github.com/govirt/govirt/internal/drivers/qemu/caps"

func init() {
	RegisterStep("compat-deprecated", buildCompatDeprecated)
	RegisterStep("incoming", buildIncoming)
}

// buildCompatDeprecated is qemuBuildCompatDeprecatedCommandLine: how
// QEMU treats deprecated interfaces, from <qemu:deprecation behavior>
// or qemu.conf's deprecation_behavior. Every behaviour but none hides
// deprecated output; reject and crash also refuse deprecated input.
func buildCompatDeprecated(b *Builder) error {
	behavior := b.Ctx.DeprecationBehavior
	if ns := b.Def.Namespace; ns != nil && ns.DeprecationBehavior != "" {
		behavior = ns.DeprecationBehavior
	}
	p := NewProps()
	switch behavior {
	case "omit":
		p.Str("deprecated-output", "hide")
	case "reject", "crash":
		p.Str("deprecated-output", "hide").Str("deprecated-input", behavior)
	default:
		return nil
	}
	if !b.Has(caps.CompatDeprecated) {
		return nil
	}
	b.Cmd.Arg("-compat", p.JSON())
	return nil
}

// buildIncoming adds -incoming for a guest started to receive a
// migration or saved state (Context.IncomingURI).
func buildIncoming(b *Builder) error {
	if b.Ctx.IncomingURI != "" {
		b.Cmd.Arg("-incoming", b.Ctx.IncomingURI)
	}
	return nil
}
