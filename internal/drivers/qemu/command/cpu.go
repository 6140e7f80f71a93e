package command

import (
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("cpu", buildCPU)
}

// buildCPU is qemuBuildCpuCommandLine.
func buildCPU(b *Builder) error {
	d := b.Def
	var model strings.Builder
	if cpu := d.CPU; cpu != nil && (cpu.Mode != "" && cpu.Mode != "custom" || cpu.Model != "") {
		if err := b.cpuModelArg(&model); err != nil {
			return err
		}
	} else if b.arch() == "i686" && (strings.Contains(b.Cmd.Binary, "kvm") || strings.Contains(b.Cmd.Binary, "x86_64")) {
		model.WriteString("qemu32")
	}
	var flags strings.Builder
	b.cpuFeatureFlags(&flags)
	cpuArg := model.String()
	if flags.Len() > 0 && cpuArg == "" {
		switch b.arch() {
		case "i686":
			cpuArg = "qemu32"
		case "x86_64":
			cpuArg = "qemu64"
		default:
			return Unsupported("CPU flags requested but can't determine default CPU for arch %s", b.arch())
		}
	}
	if cpuArg != "" {
		b.Cmd.Arg("-cpu", cpuArg+flags.String())
	}
	return nil
}

// cpuModelArg is qemuBuildCpuModelArgStr.
func (b *Builder) cpuModelArg(s *strings.Builder) error {
	cpu := b.Def.CPU
	switch cpu.Mode {
	case "host-passthrough", "maximum":
		if cpu.Mode == "maximum" {
			s.WriteString("max")
		} else {
			s.WriteString("host")
		}
		if b.arch() == "armv7l" && b.Ctx.HostArch == "aarch64" {
			s.WriteString(",aarch64=off")
		}
		if cpu.Migratable != "" && b.Has(caps.CPUMigratable) {
			fmt.Fprintf(s, ",migratable=%s", switchText(cpu.Migratable))
		}
	case "host-model":
		if strings.HasPrefix(b.arch(), "ppc64") {
			s.WriteString("host")
		} else {
			return Internal("unexpected host-model CPU for %s architecture", b.arch())
		}
	default:
		s.WriteString(cpu.Model)
	}
	if cpu.VendorID != "" {
		fmt.Fprintf(s, ",vendor=%s", cpu.VendorID)
	}
	for _, f := range cpu.Features {
		name := caps.FeatureToQEMU(b.arch(), f.Name)
		switch f.Policy {
		case "force", "require":
			fmt.Fprintf(s, ",%s=on", name)
		case "disable", "forbid":
			fmt.Fprintf(s, ",%s=off", name)
		}
	}
	return nil
}
