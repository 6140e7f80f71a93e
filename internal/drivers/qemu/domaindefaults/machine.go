package domaindefaults

import (
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

// machineDefaults is qemuDomainDefPostParseBasic and
// qemuDomainDefMachinePostParse: the emulator and machine type come from
// the capabilities when the definition names none, and machine aliases
// resolve to the versioned type.
func machineDefaults(def *domain.Def, o *Options) error {
	if o.Caps == nil {
		return nil
	}
	if def.Devices != nil && def.Devices.Emulator == "" {
		def.Devices.Emulator = o.Caps.Binary
	}
	if def.OS == nil {
		return nil
	}
	t := caps.AccelFor(def.Type)
	if def.OS.Machine == "" {
		def.OS.Machine = o.Caps.DefaultMachine(t)
		return nil
	}
	if !o.KeepMachineAliases {
		def.OS.Machine = o.Caps.CanonicalMachine(t, def.OS.Machine)
	}
	return nil
}

func init() { RegisterDefDefault(tsegPostParse) }

// tsegPostParse is qemuDomainDefTsegPostParse: an explicit SMM TSEG size
// needs a q35 machine, a QEMU that can set it, and whole MiB.
func tsegPostParse(def *domain.Def, o *Options) error {
	f := def.Features
	if f == nil || f.SMM == nil || f.SMM.TSeg == nil {
		return nil
	}
	if !isQ35(def) {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "SMM TSEG is only supported with q35 machine type")
	}
	if o.Caps != nil && !o.Caps.Has(caps.MCHExtendedTsegMbytes) {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "Setting TSEG size is not supported with this QEMU binary")
	}
	if *f.SMM.TSeg&(1<<20-1) != 0 {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "SMM TSEG size must be divisible by 1 MiB")
	}
	return nil
}
