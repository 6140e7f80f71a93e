package command

import (
	"fmt"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"strings"
)

func init() {
	RegisterStep("pm", buildPM)
	RegisterStep("boot", buildBoot)
}

// buildPM is qemuBuildPMCommandLine.
func buildPM(b *Builder) error {
	d := b.Def
	if b.Has(caps.SetAction) {
		b.Cmd.Arg("-no-shutdown")
	} else if d.OnReboot == "destroy" {
		b.Cmd.Arg("-no-reboot")
	} else {
		b.Cmd.Arg("-no-shutdown")
	}
	acpiKnown := b.Caps != nil && b.Caps.MachineACPI(b.virtType(), b.machine()) != ""
	if a := b.arch(); !acpiKnown && (archIsX86(a) || a == "aarch64") {
		if d.Features == nil || !d.Features.ACPI {
			b.Cmd.Arg("-no-acpi")
		}
	}
	if pm := d.PM; pm != nil && (pm.SuspendToMem != "" || pm.SuspendToDisk != "") {
		obj := "PIIX4_PM"
		if b.IsQ35() {
			obj = "ICH9-LPC"
		}
		if pm.SuspendToMem != "" {
			b.Cmd.Arg("-global", fmt.Sprintf("%s.disable_s3=%d", obj, boolInt(pm.SuspendToMem == "no")))
		}
		if pm.SuspendToDisk != "" {
			b.Cmd.Arg("-global", fmt.Sprintf("%s.disable_s4=%d", obj, boolInt(pm.SuspendToDisk == "no")))
		}
	}
	return nil
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// buildBoot is qemuBuildBootCommandLine.
func buildBoot(b *Builder) error {
	os := b.Def.OS
	var s strings.Builder
	if os != nil {
		switch os.BootMenu {
		case "yes":
			s.WriteString("menu=on,")
		case "no":
			s.WriteString("menu=off,")
		}
		if os.BIOSRebootTimeout != nil {
			fmt.Fprintf(&s, "reboot-timeout=%d,", *os.BIOSRebootTimeout)
		}
		if os.BootMenuTimeout != nil {
			fmt.Fprintf(&s, "splash-time=%d,", *os.BootMenuTimeout)
		}
	}
	s.WriteString("strict=on")
	b.Cmd.Arg("-boot", s.String())
	for _, o := range []struct{ elem, opt string }{{"kernel", "-kernel"}, {"initrd", "-initrd"}, {"cmdline", "-append"}, {"dtb", "-dtb"}} {
		if v, ok := b.osText(o.elem); ok && (v != "" || o.elem == "cmdline") {
			if v == "" {
				continue
			}
			b.Cmd.Arg(o.opt, v)
		}
	}
	if acpi := b.XML().Find("os/acpi"); acpi != nil {
		for _, t := range acpi.ChildrenNamed("table") {
			if t.Prop("type") == "slic" {
				b.Cmd.Arg("-acpitable", "sig=SLIC,file="+EscapeComma(strings.TrimSpace(t.Text)))
			}
		}
	}
	return nil
}
