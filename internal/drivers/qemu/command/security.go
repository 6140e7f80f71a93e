package command

import (
	"strings"
)

func init() {
	RegisterStep("master-key", buildMasterKey)
	RegisterStep("sandbox", buildSandbox)
}

// buildMasterKey is qemuBuildMasterKeyCommandLine: the secret QEMU
// decrypts every other secret with.
func buildMasterKey(b *Builder) error {
	return b.AddObject(ObjectProps("secret", "masterKey0").
		Str("format", "raw").
		Str("file", b.Ctx.LibDir+"/master-key.aes"))
}

// buildSandbox is qemuBuildSeccompSandboxCommandLine.
func buildSandbox(b *Builder) error {
	switch b.Ctx.SeccompSandbox {
	case 0:
		b.Cmd.Arg("-sandbox", "off")
	default:
		// QEMU's default sandbox with the dangerous syscalls denied
		// (-1 and 1 alike with a QEMU that supports it).
		b.Cmd.Arg("-sandbox", strings.Join([]string{"on", "obsolete=deny", "elevateprivileges=deny", "spawn=deny", "resourcecontrol=deny"}, ","))
	}
	return nil
}
