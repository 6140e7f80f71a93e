package cpumap

import (
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// UpdateLive is virCPUUpdateLive: once QEMU runs, the guest CPU is
// brought in line with the CPUID bits QEMU reports as enabled and as
// filtered out (disabled) for the vCPUs. updated says whether the
// definition now describes what the guest really got, which is when
// the driver marks it check='full'; on other architectures nothing is
// known and the CPU is left alone.
//
// With check='full' nothing may change: a feature QEMU added or removed
// is an error (OperationFailed) naming the features.
func UpdateLive(arch string, cpu *CPU, enabled, disabled X86Data) (updated bool, err error) {
	fam, err := family(arch)
	if err != nil {
		return false, err
	}
	if fam != "x86" {
		return false, nil
	}
	if err := x86UpdateLive(cpu, enabled, disabled); err != nil {
		return false, err
	}
	// A host-passthrough CPU keeps check='none': QEMU's features are
	// the host's, there is no model they could be checked against.
	return cpu.Mode != "host-passthrough" && cpu.Mode != "maximum", nil
}

// x86UpdateLive is virCPUx86UpdateLive.
func x86UpdateLive(cpu *CPU, dataEnabled, dataDisabled X86Data) error {
	m, err := getX86Map()
	if err != nil {
		return err
	}
	hostPassthrough := cpu.Mode == "host-passthrough" || cpu.Mode == "maximum"
	model, err := m.modelFromCPU(cpu, policyAll)
	if err != nil {
		return err
	}
	var modelDisabled *x86Model
	if hostPassthrough {
		if modelDisabled, err = m.modelFromCPU(cpu, Disable); err != nil {
			return err
		}
	}
	enabled, disabled := X86Data{}, X86Data{}
	if dataEnabled != nil {
		enabled = dataEnabled.clone()
	}
	if dataDisabled != nil {
		disabled = dataDisabled.clone()
	}
	full := cpu.Check == "full"
	var added, removed []string
	for _, f := range m.features {
		expected := PolicyNone
		if model.data.isSubset(f.data) {
			expected = Require
		} else if !hostPassthrough || modelDisabled.data.isSubset(f.data) {
			expected = Disable
		}
		if expected == Disable && enabled.isSubset(f.data) {
			if full {
				added = append(added, f.name)
			} else {
				cpu.UpdateFeature(f.name, Require)
			}
		}
		if disabled.isSubset(f.data) || (expected == Require && !enabled.isSubset(f.data)) {
			if full {
				removed = append(removed, f.name)
			} else {
				cpu.UpdateFeature(f.name, Disable)
			}
		}
	}
	disableRemoved(cpu, model)
	switch {
	case len(added) > 0 && len(removed) > 0:
		return cpuErr(virterr.OperationFailed, "guest CPU doesn't match specification: extra features: %s, missing features: %s",
			strings.Join(added, ","), strings.Join(removed, ","))
	case len(added) > 0:
		return cpuErr(virterr.OperationFailed, "guest CPU doesn't match specification: extra features: %s", strings.Join(added, ","))
	case len(removed) > 0:
		return cpuErr(virterr.OperationFailed, "guest CPU doesn't match specification: missing features: %s", strings.Join(removed, ","))
	}
	if full && !disabled.empty() {
		return cpuErr(virterr.OperationFailed, "guest CPU doesn't match specification")
	}
	return nil
}

// Equal is virCPUDefIsEqual without its error report: whether two
// definitions describe the same CPU, feature policies counting for
// guest CPUs.
func (c *CPU) Equal(o *CPU) bool {
	if c == nil || o == nil {
		return c == o
	}
	if c.Type != o.Type || c.Mode != o.Mode || c.Check != o.Check || c.Arch != o.Arch ||
		c.Model != o.Model || c.Vendor != o.Vendor || c.VendorID != o.VendorID ||
		c.Sockets != o.Sockets || c.Dies != o.Dies || c.Cores != o.Cores || c.Threads != o.Threads ||
		c.CacheLevel != o.CacheLevel || c.CacheMode != o.CacheMode ||
		len(c.Features) != len(o.Features) {
		return false
	}
	for i, f := range c.Features {
		if f.Name != o.Features[i].Name || (c.Type == Guest && f.Policy != o.Features[i].Policy) {
			return false
		}
	}
	return true
}
