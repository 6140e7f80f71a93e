package firmware

import (
	goos "os"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/virt/virterr"
)

// sevESPolicy is the SEV policy bit asking for SEV-ES
// (VIR_QEMU_FIRMWARE_AMD_SEV_ES_POLICY).
const sevESPolicy = 1 << 2

// wantedInterface is the descriptor interface a domain asks for: by
// <os firmware>, else by the type of an explicitly given loader.
func wantedInterface(def *domain.Def) string {
	switch def.OS.Firmware {
	case "bios":
		return "bios"
	case "efi":
		return "uefi"
	}
	if l := def.OS.Loader; l != nil {
		switch l.Type {
		case "rom":
			return "bios"
		case "pflash":
			return "uefi"
		}
	}
	return ""
}

// Matches is qemuFirmwareMatchDomain: whether fw satisfies def's
// firmware type, machine, power management, requested firmware features,
// secure loader, statelessness and launch security.
func Matches(def *domain.Def, fw *Descriptor) bool {
	os := def.OS
	loader := os.Loader
	want := wantedInterface(def)
	if os.Firmware == "" && loader != nil {
		// An explicit loader only ever matches its own description.
		if fw.Device != "flash" || loader.Path != fw.Executable.Filename {
			return false
		}
	}
	if !fw.hasInterface(want) {
		return false
	}
	if !fw.MatchesMachine(os.Machine, os.Arch) {
		return false
	}

	if pm := def.PM; pm != nil {
		if pm.SuspendToMem == "yes" && !fw.HasFeature("acpi-s3") {
			return false
		}
		if pm.SuspendToDisk == "yes" && !fw.HasFeature("acpi-s4") {
			return false
		}
	}

	for _, f := range []string{"secure-boot", "enrolled-keys"} {
		switch os.FirmwareFeatures[f] {
		case "yes":
			if !fw.HasFeature(f) {
				return false
			}
		case "no":
			if fw.HasFeature(f) {
				return false
			}
		}
	}

	if loader != nil && loader.Secure == "yes" && !fw.HasFeature("requires-smm") {
		return false
	}

	if fw.Device == "flash" {
		if loader != nil && loader.Stateless == "yes" {
			if fw.Mode != ModeStateless {
				return false
			}
		} else if fw.Mode != ModeSplit {
			return false
		}
	}

	if ls := def.LaunchSecurity; ls != nil && ls.Type == "sev" {
		if !fw.HasFeature("amd-sev") {
			return false
		}
		if ls.SEV != nil && ls.SEV.Policy&sevESPolicy != 0 && !fw.HasFeature("amd-sev-es") {
			return false
		}
	}
	return true
}

// Select returns the first description (in Paths order) that matches def.
func Select(def *domain.Def, fws []*Descriptor) *Descriptor {
	for _, fw := range fws {
		if Matches(def, fw) {
			return fw
		}
	}
	return nil
}

// Options are the host settings filling a domain depends on.
type Options struct {
	// NVRAMDir is where per-domain NVRAM files live (qemu.conf's
	// nvram_dir); a chosen split firmware's varstore defaults to
	// NVRAMDir/<name>_VARS.fd.
	NVRAMDir string
	// StartNew is a fresh start (not an incoming migration or restore):
	// only then is an <os firmware> choice made, since a migrated guest
	// keeps the firmware it was started with.
	StartNew bool
}

// Source gives the descriptors to choose from.
type Source interface {
	Load() ([]*Descriptor, error)
}

// FillDomain is qemuFirmwareFillDomain: with <os firmware='…'> it picks
// the first matching description and turns the definition into the
// explicit loader/NVRAM/SMM configuration it stands for, failing when
// nothing matches; for an old-style read-only UEFI loader without an
// NVRAM template it only looks the template up, tolerating no match.
func FillDomain(def *domain.Def, src Source, opts Options) error {
	os := def.OS
	if os == nil {
		return nil
	}
	needResult := true
	if os.Firmware == "" {
		l := os.Loader
		if l == nil || l.Type != "pflash" || l.ReadOnly != "yes" {
			return nil
		}
		if os.NVRAM != nil {
			if os.NVRAM.Template != "" {
				return nil
			}
			// A network varstore is never inspected, and an existing
			// local one needs no template.
			if src := os.NVRAM.Source; src != nil && (src.Type == "network" || src.Type == "block") {
				return nil
			}
		}
		if _, err := goos.Stat(nvramPath(def, opts)); err == nil {
			return nil
		}
		needResult = false
	} else if !opts.StartNew {
		return nil
	}

	fws, err := src.Load()
	if err != nil {
		return err
	}
	chosen := Select(def, fws)
	if chosen == nil {
		if needResult {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed,
				"Unable to find any firmware to satisfy '%s'", os.Firmware)
		}
		return nil
	}
	if err := enableFeatures(def, chosen, opts); err != nil {
		return err
	}
	os.Firmware = ""
	return nil
}

// enableFeatures is qemuFirmwareEnableFeatures: the chosen description
// becomes the domain's loader (and varstore), and a firmware that
// requires SMM gets SMM and a secure loader.
func enableFeatures(def *domain.Def, fw *Descriptor, opts Options) error {
	os := def.OS
	switch fw.Device {
	case "flash":
		if os.Loader == nil {
			os.Loader = &domain.Loader{}
		}
		os.Loader.Type = "pflash"
		os.Loader.ReadOnly = "yes"
		if fw.Executable.Format != "raw" {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported,
				"unsupported flash format '%s'", fw.Executable.Format)
		}
		os.Loader.Path = fw.Executable.Filename
		if fw.Mode == ModeSplit {
			if fw.NVRAMTemplate.Format != "raw" {
				return virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported,
					"unsupported nvram template format '%s'", fw.NVRAMTemplate.Format)
			}
			if os.NVRAM == nil {
				os.NVRAM = &domain.NVRAM{Path: nvramPath(def, opts)}
			}
			os.NVRAM.Template = fw.NVRAMTemplate.Filename
		}
	case "memory":
		if os.Loader == nil {
			os.Loader = &domain.Loader{}
		}
		os.Loader.Type = "rom"
		os.Loader.Path = fw.Filename
	}

	if fw.HasFeature("requires-smm") {
		if def.Features == nil {
			def.Features = &domain.Features{}
		}
		f := def.Features
		switch {
		case f.SMM != nil && f.SMM.State == "off":
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "%s",
				"domain has SMM turned off but chosen firmware requires it")
		case f.SMM == nil:
			f.SMM = &domain.SMM{State: "on"}
		case f.SMM.State == "":
			f.SMM.State = "on"
		}
		if os.Loader != nil {
			os.Loader.Secure = "yes"
		}
	}
	return nil
}

// nvramPath is the domain's varstore: the configured one, else
// qemuDomainNVRAMPathFormat's per-domain default.
func nvramPath(def *domain.Def, opts Options) string {
	if n := def.OS.NVRAM; n != nil {
		if n.Path != "" {
			return n.Path
		}
		if n.Source != nil && n.Source.Path() != "" {
			return n.Source.Path()
		}
	}
	return opts.NVRAMDir + "/" + def.Name + "_VARS.fd"
}
