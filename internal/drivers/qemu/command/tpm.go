package command

import (
	"github.com/govirt/govirt/internal/conf/domain"
)

func init() {
	RegisterStep("tpms", buildTPMs)
}

// TPMPaths locates what a TPM backend needs on the host: the swtpm
// socket of an emulator backend and the descriptors of a passed-through
// TPM and of its cancel file.
type TPMPaths interface {
	EmulatorSocket(tpm *domain.Device) string
	PassthroughFDs(tpm *domain.Device) (tpmFD, cancelFD int)
}

// testTPMPaths are libvirt's mocked values.
type testTPMPaths struct{}

func (testTPMPaths) EmulatorSocket(*domain.Device) string     { return "/dev/test" }
func (testTPMPaths) PassthroughFDs(*domain.Device) (int, int) { return 1730, 1731 }

func (b *Builder) tpmPaths() TPMPaths {
	if p := b.Ctx.TPMPaths; p != nil {
		return p
	}
	return testTPMPaths{}
}

// buildTPMs is qemuBuildTPMsCommandLine.
func buildTPMs(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, t := range b.Def.Devices.Kind("tpm") {
		model := t.Attr("model")
		be := t.Child("backend")
		if be == nil {
			continue
		}
		if model == "spapr-tpm-proxy" {
			path := ""
			if d := be.Child("device"); d != nil {
				path = d.Prop("path")
			}
			if err := b.AddDevice(NewProps().Str("driver", model).Str("id", t.Info.Alias).Str("host-path", path)); err != nil {
				return err
			}
			continue
		}
		id := "tpm-" + t.Info.Alias
		var dev string
		switch typ := be.Prop("type"); typ {
		case "passthrough":
			// the device path is opened by the caller (PassthroughFDs)
			tpmFD, cancelFD := b.tpmPaths().PassthroughFDs(t)
			tpmPath := b.addFD(tpmFD, t.Info.Alias+"-tpm")
			cancelPath := b.addFD(cancelFD, t.Info.Alias+"-cancel")
			dev = "passthrough,id=" + id + ",path=" + EscapeComma(tpmPath) + ",cancel-path=" + EscapeComma(cancelPath)
		case "emulator", "external":
			src := &domain.ChrSource{Type: "unix", Path: b.tpmPaths().EmulatorSocket(t)}
			if typ == "external" {
				if s := be.Child("source"); s != nil {
					src.Path = s.Prop("path")
				}
			}
			if err := b.AddChardev(src, "chrtpm", ChardevOptions{NoFDPass: true}); err != nil {
				return err
			}
			dev = "emulator,id=" + id + ",chardev=chrtpm"
		default:
			return Unsupported("unsupported TPM backend type '%s'", typ)
		}
		b.Cmd.Arg("-tpmdev", dev)
		if model == "tpm-tis" && b.Def.OS != nil && b.Def.OS.Arch != "" && b.Def.OS.Arch != "x86_64" && b.Def.OS.Arch != "i686" {
			model = "tpm-tis-device"
		}
		p := NewProps().Str("driver", model).Str("tpmdev", id).Str("id", t.Info.Alias)
		if err := b.addDeviceAddress(p, &t.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
