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
		switch a := b.arch(); {
		case strings.HasPrefix(a, "ppc64"):
			s.WriteString("host")
		case a == "x86_64" || a == "i686":
			hm, err := b.hostModelCPU(cpu)
			if err != nil {
				return err
			}
			s.WriteString(hm.Model)
			if hm.VendorID != "" {
				fmt.Fprintf(s, ",vendor=%s", hm.VendorID)
			}
			for _, f := range hm.Features {
				writeCPUFeature(s, b.arch(), f.Name, f.Policy.String())
			}
			return nil
		default:
			return Internal("unexpected host-model CPU for %s architecture", a)
		}
	default:
		s.WriteString(cpu.Model)
	}
	if cpu.VendorID != "" {
		fmt.Fprintf(s, ",vendor=%s", cpu.VendorID)
	}
	for _, f := range cpu.Features {
		writeCPUFeature(s, b.arch(), f.Name, f.Policy)
	}
	return nil
}

// writeCPUFeature adds one feature to -cpu in QEMU's spelling.
func writeCPUFeature(s *strings.Builder, arch, name, policy string) {
	name = caps.FeatureToQEMU(arch, name)
	switch policy {
	case "force", "require":
		fmt.Fprintf(s, ",%s=on", name)
	case "disable", "forbid":
		fmt.Fprintf(s, ",%s=off", name)
	}
}
