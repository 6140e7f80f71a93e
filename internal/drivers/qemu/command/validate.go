package command

import (
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	RegisterDomainValidator("emulator", validateDomain)
	RegisterValidator(validateSwtpmVersions)
}

// validateSwtpmVersions is qemuValidateDomainDeviceDefTPM's check that
// the host's swtpm can emulate the TPM version an emulator backend asks
// for (virTPMSwtpmSetupCapsGet).
func validateSwtpmVersions(b *Builder) error {
	if b.Ctx.SwtpmVersions == nil || b.Def.Devices == nil {
		return nil
	}
	for _, t := range b.Def.Devices.Kind("tpm") {
		be := t.Child("backend")
		if be == nil || be.Prop("type") != "emulator" {
			continue
		}
		v := be.Prop("version")
		if v == "" {
			continue
		}
		supported := false
		for _, s := range b.Ctx.SwtpmVersions {
			if s == v {
				supported = true
			}
		}
		if !supported {
			return Unsupported("TPM version '%s' is not supported", v)
		}
	}
	return nil
}

// validateDomain holds the domain-wide checks of qemuValidateDomainDef
// that do not concern one device: whether the emulator runs this guest at
// all, firmware and ACPI, lifecycle actions, power management.
func validateDomain(b *Builder) error {
	def := b.Def
	if def.OS == nil {
		return nil
	}
	emulator := b.emulator()
	if def.OS.Type != "hvm" {
		return Unsupported("Emulator '%s' does not support os type '%s'", emulator, def.OS.Type)
	}
	if b.Caps == nil {
		return nil
	}
	if !b.Caps.IsArchSupported(def.OS.Arch) {
		return Unsupported("Emulator '%s' does not support arch '%s'", emulator, def.OS.Arch)
	}
	if !b.Caps.IsVirtTypeSupported(def.Type) {
		return Unsupported("Emulator '%s' does not support virt type '%s'", emulator, def.Type)
	}
	accel := caps.AccelFor(def.Type)
	if !b.Caps.IsMachineSupported(accel, def.OS.Machine) {
		return Unsupported("Emulator '%s' does not support machine type '%s'", emulator, def.OS.Machine)
	}
	acpi := def.Features != nil && def.Features.ACPI
	if acpi && b.Caps.MachineACPI(accel, def.OS.Machine) == "no" {
		return Unsupported("machine type '%s' does not support ACPI", def.OS.Machine)
	}
	if def.MemTune != nil && def.MemTune.MinGuarantee != 0 && def.MemTune.MinGuarantee < domain.MemoryUnlimited {
		return Unsupported("Parameter 'min_guarantee' not supported by QEMU.")
	}
	efi := def.OS.Firmware == "efi" || (def.OS.Loader != nil && def.OS.Loader.Type == "pflash")
	if efi && archIsX86(def.OS.Arch) && !acpi {
		return Unsupported("UEFI requires ACPI on this architecture")
	}
	if acpi && def.OS.Arch == "aarch64" && !efi {
		return Unsupported("ACPI requires UEFI on this architecture")
	}
	if def.GenID != nil && !b.Has(caps.DeviceVmgenid) {
		return Unsupported("this QEMU does not support the 'genid' capability")
	}
	if def.OS.BIOSUseSerial == "yes" {
		if !archIsX86(def.OS.Arch) {
			return Unsupported("BIOS serial console only supported on x86 architectures")
		}
		if def.Devices == nil || len(def.Devices.Serials()) == 0 {
			return Errorf(virterr.XMLError, "need at least one serial port to use BIOS serial output")
		}
	}
	if err := validateLifecycle(def.OnPoweroff, def.OnReboot, def.OnCrash); err != nil {
		return err
	}
	if def.PM != nil && (def.PM.SuspendToMem != "" || def.PM.SuspendToDisk != "") && !archIsX86(def.OS.Arch) {
		return Unsupported("setting ACPI S3/S4 not supported")
	}
	return nil
}

// validateLifecycle is qemuValidateLifecycleAction.
func validateLifecycle(onPoweroff, onReboot, onCrash string) error {
	if onPoweroff == "rename-restart" || onReboot == "rename-restart" || onCrash == "rename-restart" {
		return Unsupported("qemu driver doesn't support the 'rename-restart' action for 'on_reboot'/'on_poweroff'/'on_crash'")
	}
	if onPoweroff == "preserve" || onReboot == "preserve" {
		return Unsupported("qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'")
	}
	if onPoweroff == "restart" && onReboot == "destroy" {
		return Unsupported("qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'")
	}
	return nil
}
