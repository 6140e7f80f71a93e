package cpumap

import (
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// family is the CPU driver an architecture belongs to (cpuGetSubDriver).
func family(arch string) (string, error) {
	switch arch {
	case "":
		return "", cpuErr(virterr.InternalError, "undefined hardware architecture")
	case "i686", "x86_64":
		return "x86", nil
	case "ppc64", "ppc64le":
		return "ppc64", nil
	case "armv6l", "armv7l", "armv7b", "aarch64":
		return "arm", nil
	case "s390", "s390x":
		return "s390", nil
	}
	return "", cpuErr(virterr.NoSupport, "'%s' architecture is not supported by CPU driver", arch)
}

// Baseline is virCPUBaseline: the guest CPU every one of cpus can run.
// models (nil for any) are the models the hypervisor offers; features,
// when not nil, limit the result to those features.
func Baseline(arch string, cpus []*CPU, models []HVModel, features []string, migratable bool) (*CPU, error) {
	if len(cpus) == 0 {
		return nil, cpuErr(virterr.InvalidArg, "no CPUs given")
	}
	for i, c := range cpus {
		if c == nil {
			return nil, cpuErr(virterr.InvalidArg, "invalid CPU definition at index %d", i)
		}
		if c.Model == "" {
			return nil, cpuErr(virterr.InvalidArg, "no CPU model specified at index %d", i)
		}
	}
	fam, err := family(arch)
	if err != nil {
		return nil, err
	}
	switch fam {
	case "x86":
		return x86Baseline(cpus, models, features, migratable)
	case "ppc64":
		return ppc64Baseline(cpus)
	case "arm":
		return armBaseline(cpus)
	}
	return nil, cpuErr(virterr.NoSupport, "cannot compute baseline CPU of %s architecture", arch)
}

// Compare is virCPUCompare: how host relates to cpu. With
// failIncompatible an incompatible CPU is an error (CPUIncompatible)
// naming the reason.
func Compare(arch string, host, cpu *CPU, failIncompatible bool) (CompareResult, error) {
	fam, err := family(arch)
	if err != nil {
		return CompareError, err
	}
	if fam != "x86" && fam != "ppc64" && fam != "arm" && fam != "s390" {
		return CompareError, cpuErr(virterr.NoSupport, "cannot compare CPUs of %s architecture", arch)
	}
	if fam == "arm" || fam == "s390" {
		// virCPUarmCompare, virCPUs390Compare: QEMU alone decides
		// whether such a CPU runs.
		return CompareIdentical, nil
	}
	if host == nil || host.Model == "" {
		if failIncompatible {
			return CompareError, cpuErr(virterr.CPUIncompatible, "unknown host CPU")
		}
		return CompareIncompatible, nil
	}
	var res CompareResult
	var msg string
	if fam == "x86" {
		res, msg, err = x86Compute(host, cpu)
	} else {
		res, msg, err = ppc64Compute(host, cpu)
	}
	if err != nil {
		return CompareError, err
	}
	if res == CompareIncompatible && failIncompatible {
		if msg == "" {
			return CompareError, cpuErr(virterr.CPUIncompatible, "")
		}
		return CompareError, cpuErr(virterr.CPUIncompatible, "%s", msg)
	}
	return res, nil
}

// Update is virCPUUpdate: a guest CPU's host-model or optional features
// resolved against the host CPU.
func Update(arch string, guest, host *CPU) error {
	fam, err := family(arch)
	if err != nil {
		return err
	}
	relative := false
	switch guest.Mode {
	case "host-passthrough", "maximum":
		return nil
	case "host-model":
		relative = true
	case "custom":
		relative = guest.Match == "minimum" || slices.ContainsFunc(guest.Features, func(f Feature) bool { return f.Policy == Optional })
	}
	if relative && host == nil {
		return cpuErr(virterr.ConfigUnsupported, "unknown host CPU model")
	}
	switch fam {
	case "x86":
		return x86Update(guest, host, relative)
	case "ppc64":
		// A POWER host-model CPU runs the host's CPU in a compatibility
		// mode and stays as it is.
		if guest.Mode == "custom" {
			guest.Match = "exact"
		}
		return nil
	case "s390":
		return s390Update(guest, host, relative)
	case "arm":
		if relative && guest.Mode == "host-model" {
			stealHostModel(guest, host, false)
		}
		return nil
	}
	return cpuErr(virterr.NoSupport, "cannot update guest CPU for %s architecture", arch)
}

// s390Update is virCPUs390Update: a host-model CPU becomes the host's
// model and features with the guest's own features on top; s390 has
// neither optional features nor match='minimum'.
func s390Update(guest, host *CPU, relative bool) error {
	if !relative {
		return nil
	}
	if guest.Mode == "custom" {
		if guest.Match == "minimum" {
			return cpuErr(virterr.ConfigUnsupported, "match mode %s not supported", guest.Match)
		}
		return cpuErr(virterr.ConfigUnsupported, "optional CPU features are not supported")
	}
	stealHostModel(guest, host, true)
	return nil
}

// stealHostModel turns a host-model guest CPU into a custom one with the
// host's model, vendor and features (virCPUDefCopyModel), the guest's
// features applied on top when withGuestFeatures.
func stealHostModel(guest, host *CPU, withGuestFeatures bool) {
	updated := &CPU{Type: Guest, Mode: "custom", Model: host.Model, Vendor: host.Vendor, VendorID: host.VendorID}
	for _, f := range host.Features {
		updated.Features = append(updated.Features, Feature{f.Name, Require})
		if f.Policy != PolicyNone {
			updated.Features[len(updated.Features)-1].Policy = f.Policy
		}
	}
	if withGuestFeatures {
		for _, f := range guest.Features {
			updated.UpdateFeature(f.Name, f.Policy)
		}
	}
	guest.Model, guest.Vendor, guest.VendorID = updated.Model, updated.Vendor, updated.VendorID
	guest.Features = updated.Features
	guest.Mode = "custom"
	guest.Match = "exact"
}

// ExpandFeatures is virCPUExpandFeatures: every feature of the CPU's
// model listed explicitly, sorted by name.
func ExpandFeatures(arch string, cpu *CPU) error {
	fam, err := family(arch)
	if err != nil {
		return err
	}
	if fam == "x86" {
		if err := x86ExpandFeatures(cpu); err != nil {
			return err
		}
	}
	slices.SortStableFunc(cpu.Features, func(a, b Feature) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// CopyMigratable is virCPUCopyMigratable: the CPU without the features
// that block migration.
func CopyMigratable(arch string, cpu *CPU) (*CPU, error) {
	fam, err := family(arch)
	if err != nil {
		return nil, err
	}
	c := cpu.Copy()
	if fam != "x86" {
		return c, nil
	}
	m, err := getX86Map()
	if err != nil {
		return nil, err
	}
	c.Features = slices.DeleteFunc(c.Features, func(f Feature) bool {
		feat := m.feature(f.Name)
		return feat != nil && !feat.migratable
	})
	return c, nil
}

// Translate is virCPUTranslate: a custom CPU whose model the hypervisor
// does not offer is rewritten with the closest model it does.
func Translate(arch string, cpu *CPU, models []HVModel) error {
	fam, err := family(arch)
	if err != nil {
		return err
	}
	if cpu.Mode != "custom" || cpu.Model == "" {
		return nil
	}
	if models == nil || findHV(models, cpu.Model) != nil {
		return nil
	}
	if fam != "x86" {
		return cpuErr(virterr.ConfigUnsupported, "cannot translate CPU model %s to a supported model", cpu.Model)
	}
	return x86Translate(cpu, models)
}

// CheckFeature is virCPUCheckFeature.
func CheckFeature(arch string, cpu *CPU, name string) (bool, error) {
	fam, err := family(arch)
	if err != nil {
		return false, err
	}
	if fam != "x86" {
		return false, cpuErr(virterr.NoSupport, "cannot check guest CPU feature for %s architecture", arch)
	}
	return x86CheckFeature(cpu, name)
}

func ppc64Model(name string) *PPC64Model {
	for i := range ppc64Models {
		if ppc64Models[i].Name == name {
			return &ppc64Models[i]
		}
	}
	return nil
}

// PPC64Models lists the POWER model names in map order.
func PPC64Models() []string {
	out := make([]string, len(ppc64Models))
	for i, m := range ppc64Models {
		out[i] = m.Name
	}
	return out
}

// ppc64ConvertLegacy is virCPUppc64ConvertLegacy: model names older
// libvirt used for POWER7 and POWER8.
func ppc64ConvertLegacy(model string) string {
	switch model {
	case "POWER7_v2.1", "POWER7_v2.3", "POWER7+_v2.1", "POWER8_v1.0":
		return model[:len("POWERx")]
	}
	return model
}

// ppc64Baseline is virCPUppc64Baseline: POWER CPUs only run each other's
// code when they are the same model.
func ppc64Baseline(cpus []*CPU) (*CPU, error) {
	model := ppc64Model(cpus[0].Model)
	if model == nil {
		return nil, cpuErr(virterr.InternalError, "Unknown CPU model %s", cpus[0].Model)
	}
	for _, c := range cpus {
		if c.Model != model.Name {
			return nil, cpuErr(virterr.OperationFailed, "CPUs are incompatible")
		}
		if c.Vendor == "" {
			continue
		}
		if !slices.Contains(ppc64Vendors, c.Vendor) {
			return nil, cpuErr(virterr.OperationFailed, "Unknown CPU vendor %s", c.Vendor)
		}
		if model.Vendor != "" && model.Vendor != c.Vendor {
			return nil, cpuErr(virterr.OperationFailed, "CPU vendor %s of model %s differs from vendor %s", model.Vendor, model.Name, c.Vendor)
		}
	}
	cpu := NewGuest()
	cpu.Match = "exact"
	cpu.Model = model.Name
	cpu.Fallback = "forbid"
	return cpu, nil
}

// ppc64CompatMode is ppc64CheckCompatibilityMode: a host-model guest may
// ask for an older POWER generation's compatibility mode.
func ppc64CompatMode(hostModel, compat string) (CompareResult, error) {
	if compat == "" {
		return CompareIdentical, nil
	}
	gen := func(s, prefix string) int {
		if !strings.HasPrefix(s, prefix) {
			return -1
		}
		n, err := strconv.Atoi(s[len(prefix):])
		if err != nil || n < 6 || n > 10 {
			return -1
		}
		return n
	}
	host := gen(hostModel, "POWER")
	if host < 0 {
		return CompareError, cpuErr(virterr.InternalError, "Host CPU does not support compatibility modes")
	}
	c := gen(compat, "power")
	if c < 0 {
		return CompareError, cpuErr(virterr.ConfigUnsupported, "Unknown compatibility mode %s", compat)
	}
	if c > host {
		return CompareIncompatible, nil
	}
	return CompareIdentical, nil
}

// ppc64Compute is ppc64Compute.
func ppc64Compute(host, other *CPU) (CompareResult, string, error) {
	cpu := other.Copy()
	cpu.Model = ppc64ConvertLegacy(cpu.Model)
	if cpu.Arch != "" && cpu.Arch != "ppc64" && cpu.Arch != "ppc64le" {
		return CompareIncompatible, "CPU arch " + cpu.Arch + " does not match host arch", nil
	}
	if cpu.Vendor != "" && (host.Vendor == "" || cpu.Vendor != host.Vendor) {
		return CompareIncompatible, "host CPU vendor does not match required CPU vendor " + cpu.Vendor, nil
	}
	hostModel := ppc64Model(host.Model)
	if hostModel == nil {
		return CompareError, "", cpuErr(virterr.InternalError, "Unknown CPU model %s", host.Model)
	}
	guestModel := hostModel
	if cpu.Type == Guest && cpu.Mode == "host-model" {
		if r, err := ppc64CompatMode(host.Model, cpu.Model); r != CompareIdentical {
			return r, "", err
		}
	} else if cpu.Type == Host || cpu.Mode == "custom" {
		if guestModel = ppc64Model(cpu.Model); guestModel == nil {
			return CompareError, "", cpuErr(virterr.InternalError, "Unknown CPU model %s", cpu.Model)
		}
	}
	if guestModel.Name != hostModel.Name {
		return CompareIncompatible, "host CPU model does not match required CPU model " + guestModel.Name, nil
	}
	return CompareIdentical, "", nil
}

// armBaseline is virCPUarmBaseline: the first CPU's model.
func armBaseline(cpus []*CPU) (*CPU, error) {
	cpu := NewGuest()
	cpu.Match = "exact"
	cpu.Model = cpus[0].Model
	return cpu, nil
}

// ARMModels lists the ARM model names in map order.
func ARMModels() []string {
	out := make([]string, len(armModels))
	for i, m := range armModels {
		out[i] = m.Name
	}
	return out
}

// ConvertLegacy is virCPUConvertLegacy: CPU model names older libvirt
// wrote are replaced by today's, as the CPU driver of arch (the host's,
// in libvirt's callers) knows them; only POWER has such names.
func ConvertLegacy(arch string, cpu *CPU) {
	if fam, err := family(arch); err == nil && fam == "ppc64" && cpu.Model != "" {
		cpu.Model = ppc64ConvertLegacy(cpu.Model)
	}
}
