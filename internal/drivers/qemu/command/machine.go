package command

import (
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("machine", buildMachine)
	RegisterStep("accel", buildAccel)
	RegisterStep("tseg", buildTSEG)
}

// virtType is the accelerator the domain type asks for.
func (b *Builder) virtType() caps.VirtType { return caps.AccelFor(b.Def.Type) }

func (b *Builder) arch() string {
	if b.Def.OS != nil && b.Def.OS.Arch != "" {
		return b.Def.OS.Arch
	}
	return "x86_64"
}

func (b *Builder) machine() string {
	if b.Def.OS != nil {
		return b.Def.OS.Machine
	}
	return ""
}

func archIsX86(arch string) bool { return arch == "x86_64" || arch == "i686" }

// IsQ35 reports a q35 machine (qemuDomainIsQ35).
func (b *Builder) IsQ35() bool {
	m := b.machine()
	return m == "q35" || strings.HasPrefix(m, "pc-q35")
}

// IsI440FX reports an i440fx machine (qemuDomainIsI440FX).
func (b *Builder) IsI440FX() bool {
	m := b.machine()
	return m == "pc" || strings.HasPrefix(m, "pc-0.") || strings.HasPrefix(m, "pc-1.") || strings.HasPrefix(m, "pc-i440")
}

func (b *Builder) defaultRAMid() string {
	if b.Caps == nil {
		return ""
	}
	return b.Caps.MachineDefaultRAMid(b.virtType(), b.machine())
}

// buildMachine is qemuBuildMachineCommandLine.
func buildMachine(b *Builder) error {
	d := b.Def
	var s strings.Builder
	s.WriteString(b.machine())
	s.WriteString(",usb=off")
	if err := b.keyWrapMachineParams(&s); err != nil {
		return err
	}
	if err := b.featuresMachineParams(&s); err != nil {
		return err
	}
	if iommu := b.deviceAttr("iommu", "model"); iommu == "smmuv3" {
		s.WriteString(",iommu=smmuv3")
	}
	b.memoryMachineParams(&s)
	if cpu := d.CPU; cpu != nil && cpu.Model != "" && cpu.Mode == "host-model" && strings.HasPrefix(b.machine(), "pseries") {
		fmt.Fprintf(&s, ",max-cpu-compat=%s", cpu.Model)
	}
	if d.LaunchSecurity != nil {
		if b.Has(caps.MachineConfidentalGuestSupport) || d.LaunchSecurity.Type == "s390-pv" {
			s.WriteString(",confidential-guest-support=lsec0")
		} else {
			s.WriteString(",memory-encryption=lsec0")
		}
	}
	b.pflashMachineParams(&s)
	if d.CPU != nil && d.CPU.NUMA != nil && numaHasHMAT(d) {
		s.WriteString(",hmat=on")
	}
	if d.OS != nil && d.OS.BIOSUseSerial == "yes" {
		s.WriteString(",graphics=off")
	}
	if d.Clock != nil {
		for _, t := range d.Clock.Timers {
			if t.Name == "hpet" && b.Has(caps.MachineHPET) && t.Present != "" {
				fmt.Fprintf(&s, ",hpet=%s", onOff(t.Present == "yes"))
			}
		}
	}
	if b.Caps != nil && b.Caps.MachineACPI(b.virtType(), b.machine()) == "yes" {
		acpi := d.Features != nil && d.Features.ACPI
		fmt.Fprintf(&s, ",acpi=%s", onOff(acpi))
	}
	b.Cmd.Arg("-machine", s.String())
	return nil
}

func onOff(v bool) string {
	if v {
		return "on"
	}
	return "off"
}

// switchText maps libvirt's tristate spellings to on/off, "" if absent.
func switchText(v string) string {
	switch v {
	case "on", "yes":
		return "on"
	case "off", "no":
		return "off"
	}
	return ""
}

func (b *Builder) keyWrapMachineParams(s *strings.Builder) error {
	kw := b.Def.KeyWrap
	if kw == nil || (kw.AES == "" && kw.DEA == "") {
		return nil
	}
	if a := b.arch(); a != "s390" && a != "s390x" {
		return Unsupported("'aes-key-wrap'/'dea-key-wrap' is not available on this architecture")
	}
	if kw.AES != "" {
		fmt.Fprintf(s, ",aes-key-wrap=%s", switchText(kw.AES))
	}
	if kw.DEA != "" {
		fmt.Fprintf(s, ",dea-key-wrap=%s", switchText(kw.DEA))
	}
	return nil
}

// buildAccel is qemuBuildAccelCommandLine.
func buildAccel(b *Builder) error {
	f := b.Def.Features
	switch b.Def.Type {
	case "qemu":
		arg := "tcg"
		if f != nil && f.TBCache != nil && *f.TBCache > 0 {
			arg += fmt.Sprintf(",tb-size=%d", *f.TBCache>>20)
		}
		b.Cmd.Arg("-accel", arg)
	case "kvm":
		arg := "kvm"
		if f != nil && f.KVM != nil && f.KVM.States["dirty-ring"] == "on" {
			arg += fmt.Sprintf(",dirty-ring-size=%d", f.KVM.DirtyRingSize)
		}
		b.Cmd.Arg("-accel", arg)
	case "hvf":
		b.Cmd.Arg("-accel", "hvf")
	default:
		b.Cmd.Arg("-accel", "")
	}
	return nil
}

// buildTSEG is qemuBuildTSEGCommandLine.
func buildTSEG(b *Builder) error {
	f := b.Def.Features
	if f == nil || f.SMM == nil || f.SMM.TSeg == nil {
		return nil
	}
	b.Cmd.Arg("-global", fmt.Sprintf("mch.extended-tseg-mbytes=%d", *f.SMM.TSeg>>20))
	return nil
}

func init() {
	RegisterStep("global-controllers", buildGlobalControllers)
	RegisterDomainValidator("features", validateMachineFeatures)
}

// buildGlobalControllers is qemuBuildGlobalControllerCommandLine: the
// 64-bit PCI hole size is a property of the built-in host bridge, set
// with -global (the root bus's ACPI hotplug goes with the controllers).
func buildGlobalControllers(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, c := range b.Def.Devices.Controllers() {
		if c.Attr("type") != "pci" {
			continue
		}
		model := c.Attr("model")
		if hole := c.Child("pcihole64"); hole != nil {
			host := ""
			switch model {
			case "pci-root":
				host = "i440FX-pcihost"
			case "pcie-root":
				host = "q35-pcihost"
			default:
				return Internal("64-bit PCI hole setting is only for root PCI controllers")
			}
			b.Cmd.Arg("-global", fmt.Sprintf("%s.pci-hole64-size=%dK", host, scaledKiB(hole)))
		}
	}
	return nil
}

// validateMachineFeatures holds the machine-dependent feature checks of
// qemuValidateDomainDefFeatures.
func validateMachineFeatures(b *Builder) error {
	f := b.Def.Features
	if f != nil && f.SMM != nil && f.SMM.TSeg != nil && !b.IsQ35() {
		return Unsupported("SMM TSEG is only supported with q35 machine type")
	}
	if f != nil && f.VMCoreInfo == "on" && !b.Has(caps.DeviceVmcoreinfo) {
		return Unsupported("vmcoreinfo is not available with this QEMU binary")
	}
	return nil
}
