package domaindefaults

import (
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
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
