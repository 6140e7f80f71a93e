package command

import (
	"strings"

	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("master-key", buildMasterKey)
	RegisterStep("sandbox", buildSandbox)
	RegisterStep("launch-security", buildLaunchSecurity)
	RegisterDomainValidator("launch-security", validateLaunchSecurity)
}

// validateLaunchSecurity is qemuValidateDomainDef's launch security
// check: the binary must offer the guest type's object.
func validateLaunchSecurity(b *Builder) error {
	ls := b.Def.LaunchSecurity
	if ls == nil || b.Caps == nil {
		return nil
	}
	switch ls.Type {
	case "sev":
		if !b.Has(caps.SEVGuest) {
			return Unsupported("%s", "SEV launch security is not supported with this QEMU binary")
		}
		if ls.SEV != nil && ls.SEV.KernelHashes != "" && !b.Has(caps.SEVGuestKernelHashes) {
			return Unsupported("%s", "SEV measured direct kernel boot is not supported with this QEMU binary")
		}
	case "s390-pv":
		if !b.Has(caps.MachineConfidentalGuestSupport) || !b.Has(caps.S390PvGuest) {
			return Unsupported("%s", "S390 PV launch security is not supported by this QEMU binary")
		}
	}
	return nil
}

// buildLaunchSecurity is qemuBuildSecCommandLine: the confidential guest
// object -machine names as lsec0. SEV's platform values missing from the
// definition come from the host's SEV capabilities
// (qemuProcessUpdateSEVInfo); the certificate and session blobs are files
// in the domain's private directory.
func buildLaunchSecurity(b *Builder) error {
	ls := b.Def.LaunchSecurity
	if ls == nil {
		return nil
	}
	switch ls.Type {
	case "sev":
		sev := ls.SEV
		if sev == nil {
			return nil
		}
		var cbitpos, reduced uint
		if b.Caps != nil && b.Caps.SEV != nil {
			cbitpos, reduced = b.Caps.SEV.CBitPos, b.Caps.SEV.ReducedPhysBits
		}
		if sev.CBitPos != nil {
			cbitpos = *sev.CBitPos
		}
		if sev.ReducedPhysBits != nil {
			reduced = *sev.ReducedPhysBits
		}
		p := ObjectProps("sev-guest", "lsec0").
			Uint("cbitpos", uint64(cbitpos)).
			Uint("reduced-phys-bits", uint64(reduced)).
			Uint("policy", sev.Policy)
		if sev.DHCert != "" {
			p.Str("dh-cert-file", b.Ctx.LibDir+"/dh_cert.base64")
		}
		if sev.Session != "" {
			p.Str("session-file", b.Ctx.LibDir+"/session.base64")
		}
		p.Tristate("kernel-hashes", sev.KernelHashes)
		return b.AddObject(p)
	case "s390-pv":
		return b.AddObject(ObjectProps("s390-pv-guest", "lsec0"))
	}
	return nil
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
