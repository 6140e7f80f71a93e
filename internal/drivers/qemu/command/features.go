package command

import (
	"fmt"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// featuresMachineParams is qemuAppendDomainFeaturesMachineParam.
func (b *Builder) featuresMachineParams(s *strings.Builder) error {
	f := b.Def.Features
	if f == nil {
		return nil
	}
	if v := switchText(f.VMPort); v != "" {
		fmt.Fprintf(s, ",vmport=%s", v)
	}
	if f.SMM != nil {
		if v := switchText(f.SMM.State); v != "" {
			fmt.Fprintf(s, ",smm=%s", v)
		}
	}
	if f.GIC != nil {
		hasVersion := b.Caps != nil && b.Caps.Arch == "aarch64"
		switch f.GIC.Version {
		case "2":
			if hasVersion {
				fmt.Fprintf(s, ",gic-version=%s", f.GIC.Version)
			}
		case "3", "host":
			if !hasVersion {
				return Unsupported("gic-version option is not available with this QEMU binary")
			}
			fmt.Fprintf(s, ",gic-version=%s", f.GIC.Version)
		}
	}
	switch f.IOAPICDriver {
	case "qemu":
		s.WriteString(",kernel_irqchip=split")
	case "kvm":
		s.WriteString(",kernel_irqchip=on")
	}
	if f.HPT != nil {
		if f.HPT.Resizing != "" {
			fmt.Fprintf(s, ",resize-hpt=%s", f.HPT.Resizing)
		}
		if f.HPT.MaxPageSize > 0 {
			fmt.Fprintf(s, ",cap-hpt-max-page-size=%dk", f.HPT.MaxPageSize)
		}
	}
	for _, c := range []struct{ name, v string }{{"cap-htm", f.HTM}, {"cap-nested-hv", f.NestedHV}, {"cap-ccf-assist", f.CCFAssist}} {
		if v := switchText(c.v); v != "" {
			fmt.Fprintf(s, ",%s=%s", c.name, v)
		}
	}
	for _, c := range []struct{ name, v string }{{"cap-cfpc", f.CFPC}, {"cap-sbbc", f.SBBC}, {"cap-ibs", f.IBS}} {
		if c.v != "" {
			fmt.Fprintf(s, ",%s=%s", c.name, c.v)
		}
	}
	return nil
}

// cpuFeatureFlags are the -cpu additions from <features> and paravirtual
// timers, in qemuBuildCpuCommandLine's order.
func (b *Builder) cpuFeatureFlags(s *strings.Builder) {
	d := b.Def
	if d.Clock != nil {
		for _, t := range d.Clock.Timers {
			switch t.Name {
			case "kvmclock":
				if t.Present != "" {
					fmt.Fprintf(s, ",kvmclock=%s", onOff(t.Present == "yes"))
				}
			case "hypervclock":
				if t.Present == "yes" {
					s.WriteString(",hv-time=on")
				}
			case "tsc":
				if t.Frequency > 0 {
					fmt.Fprintf(s, ",tsc-frequency=%d", t.Frequency)
				}
			case "armvtimer":
				switch t.TickPolicy {
				case "delay":
					s.WriteString(",kvm-no-adjvtime=off")
				case "discard":
					s.WriteString(",kvm-no-adjvtime=on")
				}
			}
		}
	}
	f := d.Features
	if f != nil {
		if v := switchText(f.APICEOI); v != "" {
			fmt.Fprintf(s, ",kvm-pv-eoi=%s", v)
		}
		if v := switchText(f.PVSpinlock); v != "" {
			fmt.Fprintf(s, ",kvm-pv-unhalt=%s", v)
		}
		if hv := f.HyperV; hv != nil {
			if hv.Mode == "passthrough" {
				s.WriteString(",hv-passthrough=on")
			}
			for _, name := range hypervOrder {
				if hv.States[name] != "on" {
					continue
				}
				switch name {
				case "spinlocks":
					fmt.Fprintf(s, ",hv-spinlocks=0x%x", hv.SpinlockRetries)
				case "vendor_id":
					fmt.Fprintf(s, ",hv-vendor-id=%s", hv.VendorID)
				default:
					fmt.Fprintf(s, ",hv-%s=on", name)
					if name == "stimer" && hv.STimerDirect == "on" {
						s.WriteString(",hv-stimer-direct=on")
					}
				}
			}
		}
	}
	if d.Devices != nil {
		for _, p := range d.Devices.Kind("panic") {
			if p.Attr("model") == "hyperv" {
				s.WriteString(",hv-crash")
				break
			}
		}
	}
	if f != nil && f.KVM != nil {
		st := f.KVM.States
		if st["hidden"] == "on" {
			s.WriteString(",kvm=off")
		}
		if st["hint-dedicated"] == "on" {
			s.WriteString(",kvm-hint-dedicated=on")
		}
		if st["poll-control"] == "on" {
			s.WriteString(",kvm-poll-control=on")
		}
		if st["pv-ipi"] == "off" {
			s.WriteString(",kvm-pv-ipi=off")
		}
	}
	if f != nil && f.PMU != "" && !strings.HasPrefix(b.arch(), "ppc64") {
		fmt.Fprintf(s, ",pmu=%s", switchText(f.PMU))
	}
	if cpu := d.CPU; cpu != nil && cpu.Cache != nil {
		hostOff, l3Off := false, false
		switch cpu.Cache.Mode {
		case "emulate":
			s.WriteString(",l3-cache=on")
			hostOff = true
		case "passthrough":
			s.WriteString(",host-cache-info=on")
			l3Off = true
		case "disable":
			hostOff, l3Off = true, true
		}
		if hostOff && (cpu.Mode == "host-passthrough" || cpu.Mode == "maximum") {
			s.WriteString(",host-cache-info=off")
		}
		if l3Off {
			s.WriteString(",l3-cache=off")
		}
	}
	if cpu := d.CPU; cpu != nil && cpu.MaxPhysAddr != nil {
		a := cpu.MaxPhysAddr
		switch a.Mode {
		case "passthrough":
			s.WriteString(",host-phys-bits=on")
			if lim := b.XML().Find("cpu/maxphysaddr").Prop("limit"); lim != "" && lim != "0" {
				fmt.Fprintf(s, ",host-phys-bits-limit=%s", lim)
			}
		case "emulate":
			if a.Bits > 0 {
				fmt.Fprintf(s, ",phys-bits=%d", a.Bits)
			} else {
				s.WriteString(",host-phys-bits=off")
			}
		}
	}
}

// hypervOrder is virDomainHyperv's enum order.
var hypervOrder = []string{
	"relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer",
	"reset", "vendor_id", "frequencies", "reenlightenment", "tlbflush", "ipi",
	"evmcs", "avic",
}

// deviceAttr returns an attribute of the first device of a kind.
func (b *Builder) deviceAttr(kind, attr string) string {
	if b.Def.Devices == nil {
		return ""
	}
	if ds := b.Def.Devices.Kind(kind); len(ds) > 0 {
		return ds[0].Attr(attr)
	}
	return ""
}

// XML returns the definition as libvirt would write it, parsed back into
// a tree: the way to read parts the domain package keeps unmodelled
// (kernel, initrd, …) without reaching into it.
func (b *Builder) XML() *xmltree.Node {
	if n, ok := b.state["xml"].(*xmltree.Node); ok {
		return n
	}
	text := b.Def.Format(domain.FormatSecure | domain.FormatInactive)
	n, err := xmltree.Parse([]byte(text), "(domain_definition)")
	if err != nil {
		n = &xmltree.Node{Name: "domain"}
	}
	b.state["xml"] = n
	return n
}

// osText returns the text of an <os> child (kernel, initrd, cmdline, dtb).
func (b *Builder) osText(name string) (string, bool) {
	os := b.XML().Child("os")
	if os == nil {
		return "", false
	}
	return os.ChildText(name)
}

func init() { RegisterStep("vmcoreinfo", buildVMCoreInfo) }

// buildVMCoreInfo is qemuBuildVMCoreInfoCommandLine: the device through
// which the guest kernel tells where its crash dump information lives.
func buildVMCoreInfo(b *Builder) error {
	if f := b.Def.Features; f == nil || f.VMCoreInfo != "on" {
		return nil
	}
	return b.AddDevice(NewProps().Str("driver", "vmcoreinfo"))
}
