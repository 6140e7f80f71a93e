package command

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() { RegisterDomainValidator("cpu", validateCPU) }

// validateCPU is qemuValidateDomainDefCpu: the CPU mode must be one the
// accelerator offers; <cpu><cache> and <cpu><maxphysaddr> are x86
// properties, and each of their modes takes only the CPU modes and
// attributes QEMU can express.
func validateCPU(b *Builder) error {
	cpu := b.Def.CPU
	if cpu == nil {
		return nil
	}
	arch := b.arch()
	// virQEMUCapsIsCPUModeSupported; host-model is checked when the
	// host's model is looked up.
	supported := true
	switch cpu.Mode {
	case "host-passthrough":
		supported = b.Def.Type == "kvm" || b.Def.Type == "hvf"
	case "maximum":
		supported = b.Has(caps.CPUMax)
	}
	if !supported {
		return Unsupported("CPU mode '%s' for %s %s domain on %s host is not supported by hypervisor", cpu.Mode, arch, b.Def.Type, b.hostArch())
	}
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

// maxVCPUsWithoutEIM is QEMU_MAX_VCPUS_WITHOUT_EIM: x86 guests past it
// need x2APIC interrupt remapping.
const maxVCPUsWithoutEIM = 255

func init() { RegisterDomainValidator("vcpus", validateVCPUs) }

// validateVCPUs is qemuValidateDomainDef's vCPU checks: since QEMU 2.7
// (query-hotpluggable-cpus) the topology must account for every vCPU and
// vCPUs come in hotplug units; the machine's limit; and x86 guests with
// more than 255 vCPUs need q35 and an IOMMU with EIM; cache and memory
// bandwidth allocations (resctrl) need KVM.
func validateVCPUs(b *Builder) error {
	def := b.Def
	max := def.VCPU.Max
	current := def.VCPU.Current
	if current == 0 {
		current = max
	}
	var top *domain.CPUTopology
	if def.CPU != nil && def.CPU.Topology != nil && def.CPU.Topology.Sockets != 0 {
		top = def.CPU.Topology
	}
	if b.Has(caps.QueryHotpluggableCPUs) {
		if top != nil {
			dies := top.Dies
			if dies == 0 {
				dies = 1
			}
			if uint64(top.Sockets)*uint64(dies)*uint64(top.Cores)*uint64(top.Threads) != uint64(max) {
				return Unsupported("CPU topology doesn't match maximum vcpu count")
			}
		}
		// pSeries guests hotplug whole cores.
		granularity := uint(1)
		if top != nil && strings.HasPrefix(b.machine(), "pseries") && top.Threads > 0 {
			granularity = top.Threads
		}
		if current%granularity != 0 {
			return Unsupported("vCPUs count must be a multiple of the vCPU hotplug granularity (%d)", granularity)
		}
	}
	if current == 0 {
		return Unsupported("Domain requires at least 1 vCPU")
	}
	if b.Caps != nil {
		if limit := b.Caps.MachineMaxCpus(b.virtType(), b.machine()); limit > 0 && max > limit {
			return Unsupported("Maximum CPUs greater than specified machine type limit %d", limit)
		}
	}
	if t := def.CPUTune; t != nil && (len(t.CacheTunes) > 0 || len(t.MemoryTunes) > 0) && def.Type != "kvm" {
		return Unsupported("cachetune is only supported for KVM domains")
	}
	if archIsX86(b.arch()) && max > maxVCPUsWithoutEIM {
		if !b.IsQ35() {
			return Unsupported("more than %d vCPUs are only supported on q35-based machine types", maxVCPUsWithoutEIM)
		}
		eim := false
		if def.Devices != nil {
			for _, i := range def.Devices.Kind("iommu") {
				if d := i.Child("driver"); d != nil && d.Prop("eim") == "on" {
					eim = true
				}
			}
		}
		if !eim {
			return Unsupported("more than %d vCPUs require extended interrupt mode enabled on the iommu device", maxVCPUsWithoutEIM)
		}
	}
	return nil
}
