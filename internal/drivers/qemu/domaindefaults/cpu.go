package domaindefaults

import (
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	// The machine type must be resolved before its default CPU is looked up.
	RegisterDefDefault(machineDefaults)
	RegisterDefDefault(setDefaultCPU)
	RegisterDefDefault(cpuPostParse)
	RegisterDefDefault(numaCPUsRectify)
}

func archIsS390(a string) bool  { return a == "s390" || a == "s390x" }
func archIsPPC64(a string) bool { return a == "ppc64" || a == "ppc64le" }

func defArch(def *domain.Def) string {
	if def.OS != nil {
		return def.OS.Arch
	}
	return ""
}

func defMachine(def *domain.Def) string {
	if def.OS != nil {
		return def.OS.Machine
	}
	return ""
}

// cpuArchSupported is virCPUArchIsSupported: the architectures libvirt
// has a CPU driver for.
func cpuArchSupported(a string) bool {
	switch a {
	case "x86_64", "i686", "ppc64", "ppc64le", "s390", "s390x", "aarch64", "armv6l", "armv7l", "armv7b", "riscv64":
		return true
	}
	return false
}

// setDefaultCPU is qemuDomainDefSetDefaultCPU: without a CPU model the
// machine type's default model becomes explicit.
func setDefaultCPU(def *domain.Def, o *Options) error {
	if o.Caps == nil {
		return nil
	}
	if def.CPU != nil && ((def.CPU.Mode != "" && def.CPU.Mode != "custom") || def.CPU.Model != "") {
		return nil
	}
	arch := defArch(def)
	if !cpuArchSupported(arch) {
		return nil
	}
	if !archIsX86(arch) && !archIsS390(arch) && !archIsPPC64(arch) && def.Type != "qemu" {
		return nil
	}
	model := o.Caps.MachineDefaultCPU(caps.AccelFor(def.Type), defMachine(def))
	if model == "" {
		return nil
	}
	if model == "host" && def.Type != "kvm" {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "%s", "QEMU reports invalid default CPU model \"host\" for non-kvm domain virt type")
	}
	if def.CPU == nil {
		def.CPU = &domain.CPU{}
	}
	if model == "host" {
		def.CPU.Mode = "host-passthrough"
		if archIsS390(arch) {
			def.CPU.Mode = "host-model"
		}
		return nil
	}
	def.CPU.Model = model
	def.CPU.Mode = "custom"
	def.CPU.Match = "exact"
	def.CPU.Fallback = "forbid"
	// The machine's own default needs no comparison with the host.
	if def.CPU.Check == "" {
		def.CPU.Check = "none"
	}
	return nil
}

// cpuPostParse is qemuDomainDefCPUPostParse's migratable and check
// defaults.
func cpuPostParse(def *domain.Def, o *Options) error {
	cpu := def.CPU
	if cpu == nil {
		return nil
	}
	// A new host-passthrough CPU states QEMU's migratable default; a
	// running guest's may predate QEMU reporting it, so it is left alone.
	if def.ID == -1 && o.Caps != nil && cpu.Mode == "host-passthrough" && cpu.Migratable == "" {
		if o.Caps.Has(caps.CPUMigratable) {
			cpu.Migratable = "on"
		} else if archIsX86(defArch(def)) {
			cpu.Migratable = "off"
		}
	}
	if (cpu.Mode == "" || cpu.Mode == "custom") && cpu.Model == "" {
		return nil
	}
	if cpu.Check != "" {
		return nil
	}
	switch cpu.Mode {
	case "host-passthrough", "maximum":
		cpu.Check = "none"
	case "host-model":
		cpu.Check = "partial"
	default:
		if def.Type == "qemu" {
			cpu.Check = "none"
		} else {
			cpu.Check = "partial"
		}
	}
	return nil
}

// numaCPUsRectify is qemuDomainDefNumaCPUsRectify: when the NUMA cells
// leave vCPUs out, cell 0 takes every vCPU no other cell has
// (virDomainNumaFillCPUsInNode), so QEMU sees all of them placed.
func numaCPUsRectify(def *domain.Def, _ *Options) error {
	if def.CPU == nil || def.CPU.NUMA == nil || len(def.CPU.NUMA.Cells) == 0 || def.CPU.NUMA.Cells[0] == nil {
		return nil
	}
	maxVCPUs := def.VCPU.Max
	total := uint(0)
	for _, c := range def.CPU.NUMA.Cells {
		if c != nil {
			total += uint(len(c.CPUs))
		}
	}
	if total >= maxVCPUs {
		return nil
	}
	taken := map[uint]bool{}
	for i, c := range def.CPU.NUMA.Cells {
		if i == 0 || c == nil {
			continue
		}
		for _, cpu := range c.CPUs {
			taken[cpu] = true
		}
	}
	var fill domain.CPUSet
	for cpu := uint(0); cpu < maxVCPUs; cpu++ {
		if !taken[cpu] {
			fill = append(fill, cpu)
		}
	}
	def.CPU.NUMA.Cells[0].CPUs = fill
	return nil
}
