package command

func init() { RegisterValidator(validateCPU) }

// validateCPU is qemuValidateDomainDefCpu's checks of <cpu><cache> and
// <cpu><maxphysaddr>: both are x86 properties, and each mode takes only
// the CPU modes and attributes QEMU can express.
func validateCPU(b *Builder) error {
	cpu := b.Def.CPU
	if cpu == nil {
		return nil
	}
	arch := b.arch()
	if c := cpu.Cache; c != nil {
		if !archIsX86(arch) {
			return Unsupported("CPU cache specification is not supported for '%s' architecture", arch)
		}
		switch c.Mode {
		case "emulate":
			if c.Level != 3 {
				return Unsupported("CPU cache mode '%s' can only be used with level='3'", c.Mode)
			}
		case "passthrough":
			if cpu.Mode != "host-passthrough" && cpu.Mode != "maximum" {
				return Unsupported("CPU cache mode '%s' can only be used with 'host-passthrough' / 'maximum' CPUs", c.Mode)
			}
			if c.Level != -1 {
				return Unsupported("unsupported CPU cache level for mode '%s'", c.Mode)
			}
		case "disable":
			if c.Level != -1 {
				return Unsupported("unsupported CPU cache level for mode '%s'", c.Mode)
			}
		}
	}
	if a := cpu.MaxPhysAddr; a != nil {
		if !archIsX86(arch) {
			return Unsupported("CPU maximum physical address bits specification is not supported for '%s' architecture", arch)
		}
		switch a.Mode {
		case "passthrough":
			if cpu.Mode != "host-passthrough" {
				return Unsupported("CPU maximum physical address bits mode '%s' can only be used with '%s' CPUs", a.Mode, "host-passthrough")
			}
			if a.Bits != -1 {
				return Unsupported("CPU maximum physical address bits number specification cannot be used with mode='passthrough'")
			}
		case "emulate":
			if a.Bits == -1 {
				return Unsupported("if using CPU maximum physical address mode='emulate', bits= must be specified too")
			}
		}
	}
	return nil
}
