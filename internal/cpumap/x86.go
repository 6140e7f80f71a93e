package cpumap

import (
	"slices"

	"github.com/govirt/govirt/virt/virterr"
)

// policyAll asks modelFromCPU for all of a CPU's features (libvirt's -1).
const policyAll = PolicyNone

// modelFromCPU is x86ModelFromCPU: with policyAll the CPU's model plus
// its required and forced features minus the disabled and forbidden ones;
// with a policy only the features of that policy (and the model's, for
// Require).
func (m *x86Map) modelFromCPU(cpu *CPU, policy Policy) (*x86Model, error) {
	if cpu.Type == Host && policy != Require && policy != policyAll {
		return &x86Model{data: X86Data{}}, nil
	}
	mod := &x86Model{data: X86Data{}}
	if cpu.Model != "" && (policy == Require || policy == policyAll) {
		base := m.model(cpu.Model)
		if base == nil {
			return nil, cpuErr(virterr.InternalError, "Unknown CPU model %s", cpu.Model)
		}
		c := *base
		c.data = base.data.clone()
		mod = &c
	}
	for _, f := range cpu.Features {
		fpol := f.Policy
		if fpol == PolicyNone {
			fpol = Require
		}
		if (policy == policyAll && fpol == Optional) || (policy != policyAll && fpol != policy) {
			continue
		}
		feat := m.feature(f.Name)
		if feat == nil {
			return nil, cpuErr(virterr.InternalError, "Unknown CPU feature %s", f.Name)
		}
		if policy == policyAll {
			switch fpol {
			case Force, Require:
				mod.data.add(feat.data)
			case Disable, Forbid:
				mod.data.subtract(feat.data)
			}
		} else {
			mod.data.add(feat.data)
		}
	}
	return mod, nil
}

// dataToFeatures is x86DataToCPUFeatures: the map's features data holds,
// in map order, each taken away from data as it is found.
func (m *x86Map) dataToFeatures(cpu *CPU, policy Policy, data X86Data) error {
	for _, f := range m.features {
		if data.isSubset(f.data) {
			data.subtract(f.data)
			if err := cpu.addFeature(f.name, policy); err != nil {
				return err
			}
		}
	}
	return nil
}

// disableRemoved is virCPUx86DisableRemovedFeatures.
func disableRemoved(cpu *CPU, mod *x86Model) {
	for _, name := range mod.removed {
		cpu.AddFeatureIfMissing(name, Disable)
	}
}

// HVModel is a CPU model the hypervisor offers, with the features that
// keep it from running on this host (virDomainCapsCPUModel).
type HVModel struct {
	Name     string
	Blockers []string
}

// findHV is virDomainCapsCPUModelsGet.
func findHV(models []HVModel, name string) *HVModel {
	for i := range models {
		if models[i].Name == name {
			return &models[i]
		}
	}
	return nil
}

// dataToCPU is x86DataToCPU: a candidate definition of data as model.
func (m *x86Map) dataToCPU(data X86Data, mod *x86Model, hv *HVModel, typ Type) (*CPU, error) {
	cpu := &CPU{Type: Guest, Model: mod.name, CacheLevel: -1, AddrBits: -1}
	cp := data.clone()
	modelData := mod.data.clone()
	if v := m.toVendor(cp); v != nil {
		cpu.Vendor = v.name
	}
	cp.subtract(modelData)
	modelData.subtract(data)
	if hv != nil {
		for _, b := range hv.Blockers {
			if f := m.feature(b); f != nil && !cp.isSubset(f.data) {
				modelData.add(f.data)
			}
		}
	}
	if err := m.dataToFeatures(cpu, Require, cp); err != nil {
		return nil, err
	}
	if err := m.dataToFeatures(cpu, Disable, modelData); err != nil {
		return nil, err
	}
	if typ == Guest {
		disableRemoved(cpu, mod)
	}
	cpu.Type = typ
	return cpu, nil
}

// basePenalty is what the first disabled feature of a candidate costs.
const basePenalty = 2

// featureListCost is how virCPUx86CompareCandidateFeatureList weighs a
// guest candidate: each enabled feature costs 1, the disabled ones
// basePenalty, basePenalty+1, ... Its loop runs while the index is below
// the count of enabled features, a count it lowers at each disabled
// feature it meets; as the disabled features come last, only the first
// half (rounded up) of them is charged a penalty and the rest cost 1
// each like enabled ones. libvirt 9.0 picks its models that way (EPYC
// over Opteron_G3 for QEMU 7.2's TCG host CPU, for one), so it is kept.
func featureListCost(c *CPU) (total, disabled int) {
	enabled := len(c.Features)
	penalty := basePenalty
	for i := 0; i < enabled; i++ {
		if c.Features[i].Policy == Disable {
			enabled--
			disabled += penalty
			penalty++
		}
	}
	return enabled + disabled, disabled
}

// betterCandidate is virCPUx86CompareCandidateFeatureList.
func betterCandidate(current, candidate *CPU, isPreferred bool) bool {
	cur, curDisabled := len(current.Features), 0
	cand, candDisabled := len(candidate.Features), 0
	if candidate.Type != Host {
		cur, curDisabled = featureListCost(current)
		cand, candDisabled = featureListCost(candidate)
	}
	if cand < cur || (cand == cur && candDisabled < curDisabled) {
		return true
	}
	return isPreferred && candDisabled < curDisabled
}

// useCandidate is x86DecodeUseCandidate: 0 keeps the current model, 1
// takes the candidate, 2 takes it and stops the search.
func useCandidate(current *x86Model, cpuCurrent *CPU, candidate *x86Model, cpuCandidate *CPU, signature uint32, preferred []string) int {
	if cpuCandidate.Type == Host && !candidate.decodeHost {
		return 0
	}
	if cpuCandidate.Type == Guest && !candidate.decodeGuest {
		return 0
	}
	if cpuCandidate.Type == Host {
		for i := range cpuCandidate.Features {
			if cpuCandidate.Features[i].Policy == Disable {
				return 0
			}
			cpuCandidate.Features[i].Policy = PolicyNone
		}
	}
	isPreferred := false
	if len(preferred) > 0 {
		isPreferred = slices.Contains(preferred, cpuCandidate.Model)
		if isPreferred && len(preferred) == 1 {
			return 2
		}
	}
	if cpuCurrent == nil {
		return 1
	}
	if signature != 0 {
		curMatch := current.signaturesMatch(signature)
		candMatch := candidate.signaturesMatch(signature)
		if curMatch && !candMatch {
			return 0
		}
		if !curMatch && candMatch {
			return 1
		}
	}
	if betterCandidate(cpuCurrent, cpuCandidate, isPreferred) {
		return 1
	}
	return 0
}

// filterTSX is x86DataFilterTSX: Intel CPUs whose TSX is broken do not
// offer hle and rtm whatever CPUID says.
func (m *x86Map) filterTSX(data X86Data, vendor *x86Vendor) {
	if vendor == nil || vendor.name != "Intel" {
		return
	}
	family, model, stepping := data.Signature()
	if family == 6 && ((model == 63 && stepping < 4) || model == 60 || model == 69 || model == 70) {
		for _, name := range []string{"hle", "rtm"} {
			if f := m.feature(name); f != nil {
				data.subtract(f.data)
			}
		}
	}
}

// decode is x86Decode: fills cpu's model, vendor, features and signature
// with the model that describes data best. models (nil for any) limits
// the candidates to what the hypervisor offers.
func (m *x86Map) decode(cpu *CPU, cpuData X86Data, models []HVModel, preferred []string, migratable bool) error {
	data := cpuData.clone()
	vendor := m.toVendor(data)
	signature := data.signature()
	sigFamily, sigModel, sigStepping := signatureFromCPUID(signature)
	m.filterTSX(data, vendor)

	var model *x86Model
	var cpuModel *CPU
	for i := len(m.models) - 1; i >= 0; i-- {
		candidate := m.models[i]
		var hv *HVModel
		if models != nil {
			if hv = findHV(models, candidate.name); hv == nil {
				if len(preferred) == 1 && candidate.name == preferred[0] && cpu.Fallback != "allow" {
					return cpuErr(virterr.ConfigUnsupported, "CPU model %s is not supported by hypervisor", preferred[0])
				}
				continue
			}
		}
		if vendor != nil && candidate.vendor != nil && vendor != candidate.vendor {
			continue
		}
		cpuCandidate, err := m.dataToCPU(data, candidate, hv, cpu.Type)
		if err != nil {
			return err
		}
		if rc := useCandidate(model, cpuModel, candidate, cpuCandidate, signature, preferred); rc != 0 {
			cpuModel, model = cpuCandidate, candidate
			if rc == 2 {
				break
			}
		}
	}
	if cpuModel == nil {
		return cpuErr(virterr.InternalError, "Cannot find suitable CPU model for given data")
	}
	if migratable {
		cpuModel.Features = slices.DeleteFunc(cpuModel.Features, func(f Feature) bool {
			feat := m.feature(f.Name)
			return feat != nil && !feat.migratable
		})
	}
	if vendor != nil {
		cpu.Vendor = vendor.name
	}
	cpu.Model = cpuModel.Model
	cpu.Features = cpuModel.Features
	cpu.SigFamily, cpu.SigModel, cpu.SigStepping = uint(sigFamily), uint(sigModel), uint(sigStepping)
	return nil
}

// X86Decode is cpuDecode for x86: cpu (whose Type, and Fallback for
// guests, the caller sets) gets the model, vendor and features
// describing data. models, when not nil, are the models the hypervisor
// can run; preferred is the model to pick if it is a candidate.
func X86Decode(cpu *CPU, data X86Data, models []HVModel, preferred string) error {
	m, err := getX86Map()
	if err != nil {
		return err
	}
	var pref []string
	if preferred != "" {
		pref = []string{preferred}
	}
	return m.decode(cpu, data, models, pref, false)
}

// x86Baseline is virCPUx86Baseline.
func x86Baseline(cpus []*CPU, models []HVModel, features []string, migratable bool) (*CPU, error) {
	m, err := getX86Map()
	if err != nil {
		return nil, err
	}
	base, err := m.modelFromCPU(cpus[0], policyAll)
	if err != nil {
		return nil, err
	}
	cpu := NewGuest()
	cpu.Match = "exact"
	var vendor *x86Vendor
	outputVendor := true
	if cpus[0].Vendor == "" {
		outputVendor = false
	} else if vendor = m.vendor(cpus[0].Vendor); vendor == nil {
		return nil, cpuErr(virterr.OperationFailed, "Unknown CPU vendor %s", cpus[0].Vendor)
	}
	var names []string
	if cpus[0].Model != "" {
		names = append(names, cpus[0].Model)
	}
	for _, c := range cpus[1:] {
		if c.Model != "" && !slices.Contains(names, c.Model) {
			names = append(names, c.Model)
		}
		mod, err := m.modelFromCPU(c, policyAll)
		if err != nil {
			return nil, err
		}
		if c.Vendor != "" && mod.vendor != nil && c.Vendor != mod.vendor.name {
			return nil, cpuErr(virterr.OperationFailed, "CPU vendor %s of model %s differs from vendor %s", mod.vendor.name, mod.name, c.Vendor)
		}
		vn := c.Vendor
		if vn == "" {
			outputVendor = false
			if mod.vendor != nil {
				vn = mod.vendor.name
			}
		}
		if vn != "" {
			if vendor == nil {
				if vendor = m.vendor(vn); vendor == nil {
					return nil, cpuErr(virterr.OperationFailed, "Unknown CPU vendor %s", vn)
				}
			} else if vendor.name != vn {
				return nil, cpuErr(virterr.OperationFailed, "CPU vendors do not match")
			}
		}
		base.data.intersect(mod.data)
	}
	if features != nil {
		fd := X86Data{}
		for _, name := range features {
			if f := m.feature(name); f != nil {
				fd.add(f.data)
			}
		}
		base.data.intersect(fd)
	}
	if base.data.empty() {
		return nil, cpuErr(virterr.OperationFailed, "CPUs are incompatible")
	}
	if vendor != nil {
		base.data.add(vendor.data)
	}
	if err := m.decode(cpu, base.data, models, names, migratable); err != nil {
		return nil, err
	}
	cpu.SigFamily, cpu.SigModel, cpu.SigStepping = 0, 0, 0
	if len(names) == 1 && cpu.Model == names[0] {
		cpu.Fallback = "forbid"
	}
	if !outputVendor {
		cpu.Vendor = ""
	}
	return cpu, nil
}

// CompareResult is virCPUCompareResult.
type CompareResult int

const (
	CompareError        CompareResult = -1
	CompareIncompatible CompareResult = 0
	CompareIdentical    CompareResult = 1
	CompareSuperset     CompareResult = 2
)

func (r CompareResult) String() string {
	switch r {
	case CompareIncompatible:
		return "INCOMPATIBLE"
	case CompareIdentical:
		return "IDENTICAL"
	case CompareSuperset:
		return "SUPERSET"
	}
	return "ERROR"
}

type x86Relation int

const (
	relSubset x86Relation = iota
	relEqual
	relSuperset
	relUnrelated
)

// x86ModelCompare compares two models' data.
func x86ModelCompare(a, b X86Data) x86Relation {
	result := relEqual
	step := func(match x86Relation) bool {
		if result == relEqual {
			result = match
		} else if result != match {
			result = relUnrelated
			return false
		}
		return true
	}
	for k, r1 := range a {
		if r1 == (x86Regs{}) {
			continue
		}
		match := relSuperset
		if r2, ok := b[k]; ok {
			if r1 == r2 {
				continue
			}
			if !masked(r1, r2) {
				match = relSubset
			}
		}
		if !step(match) {
			return relUnrelated
		}
	}
	for k, r2 := range b {
		if r2 == (x86Regs{}) {
			continue
		}
		match := relSubset
		if r1, ok := a[k]; ok {
			if r1 == r2 {
				continue
			}
			if !masked(r2, r1) {
				match = relSuperset
			}
		}
		if !step(match) {
			return relUnrelated
		}
	}
	return result
}

// masked says whether every bit of mask is set in r.
func masked(r, mask x86Regs) bool {
	for i := range r {
		if r[i]&mask[i] != mask[i] {
			return false
		}
	}
	return true
}

var x86Archs = []string{"i686", "x86_64"}

// x86Compute is x86Compute: how host relates to cpu, with the reason
// when they are incompatible.
func x86Compute(host, cpu *CPU) (CompareResult, string, error) {
	if cpu.Arch != "" && !slices.Contains(x86Archs, cpu.Arch) {
		return CompareIncompatible, "CPU arch " + cpu.Arch + " does not match host arch", nil
	}
	if cpu.Vendor != "" && (host.Vendor == "" || cpu.Vendor != host.Vendor) {
		return CompareIncompatible, "host CPU vendor does not match required CPU vendor " + cpu.Vendor, nil
	}
	m, err := getX86Map()
	if err != nil {
		return CompareError, "", err
	}
	hostModel, err := m.modelFromCPU(host, policyAll)
	if err != nil {
		return CompareError, "", err
	}
	var parts [5]*x86Model
	for i, p := range []Policy{Force, Require, Optional, Disable, Forbid} {
		if parts[i], err = m.modelFromCPU(cpu, p); err != nil {
			return CompareError, "", err
		}
	}
	force, require, optional, disable, forbid := parts[0], parts[1], parts[2], parts[3], parts[4]
	forbid.data.intersect(hostModel.data)
	if !forbid.data.empty() {
		return CompareIncompatible, "Host CPU provides forbidden features: " + m.featureNames(forbid.data), nil
	}
	require.data.subtract(force.data)
	require.data.subtract(optional.data)
	require.data.subtract(disable.data)
	if r := x86ModelCompare(hostModel.data, require.data); r == relSubset || r == relUnrelated {
		require.data.subtract(hostModel.data)
		return CompareIncompatible, "Host CPU does not provide required features: " + m.featureNames(require.data), nil
	}
	diff := hostModel.data.clone()
	diff.subtract(optional.data)
	diff.subtract(require.data)
	diff.subtract(disable.data)
	diff.subtract(force.data)
	ret := CompareSuperset
	if diff.empty() {
		ret = CompareIdentical
	}
	if ret == CompareSuperset && cpu.Type == Guest && cpu.Match == "strict" {
		return CompareIncompatible, "Host CPU does not strictly match guest CPU: Extra features: " + m.featureNames(diff), nil
	}
	return ret, "", nil
}

// featureNames is x86FeatureNames with ", " between the names.
func (m *x86Map) featureNames(data X86Data) string {
	s := ""
	for _, f := range m.features {
		if data.isSubset(f.data) {
			if s != "" {
				s += ", "
			}
			s += f.name
		}
	}
	return s
}

// x86Update is virCPUx86Update.
func x86Update(guest, host *CPU, relative bool) error {
	m, err := getX86Map()
	if err != nil {
		return err
	}
	if relative {
		if host == nil {
			return cpuErr(virterr.ConfigUnsupported, "unknown host CPU model")
		}
		hostModel, err := m.modelFromCPU(host, policyAll)
		if err != nil {
			return err
		}
		for i := range guest.Features {
			f := &guest.Features[i]
			if f.Policy != Optional {
				continue
			}
			feat := m.feature(f.Name)
			if feat == nil {
				return cpuErr(virterr.InternalError, "unknown CPU feature %s", f.Name)
			}
			if hostModel.data.isSubset(feat.data) {
				f.Policy = Require
			} else {
				f.Policy = Disable
			}
		}
		if guest.Mode == "host-model" || guest.Match == "minimum" {
			updateHostModel(guest, host)
		}
	}
	mod := m.model(guest.Model)
	if mod == nil {
		return cpuErr(virterr.InternalError, "Unknown CPU model %s", guest.Model)
	}
	disableRemoved(guest, mod)
	return nil
}

// updateHostModel is x86UpdateHostModel: the guest takes the host's model,
// vendor and features, its own features applied on top.
func updateHostModel(guest, host *CPU) {
	updated := &CPU{Type: Guest, Mode: "custom", Model: host.Model, Vendor: host.Vendor, VendorID: host.VendorID}
	// virCPUDefCopyModel with resetPolicy: the host-model CPU's disabled
	// features (a TCG host-model has many) stay disabled.
	for _, f := range host.Features {
		p := f.Policy
		if p == PolicyNone {
			p = Require
		}
		updated.Features = append(updated.Features, Feature{f.Name, p})
	}
	if guest.VendorID != "" {
		updated.VendorID = guest.VendorID
	}
	for _, f := range guest.Features {
		updated.UpdateFeature(f.Name, f.Policy)
	}
	guest.Model = updated.Model
	// virCPUDefStealModel keeps a custom guest's own vendor.
	if guest.Mode != "custom" {
		guest.Vendor = updated.Vendor
		guest.VendorID = updated.VendorID
	}
	guest.Features = updated.Features
	guest.Mode = "custom"
	guest.Match = "exact"
}

// x86ExpandFeatures is virCPUx86ExpandFeatures.
func x86ExpandFeatures(cpu *CPU) error {
	m, err := getX86Map()
	if err != nil {
		return err
	}
	isHost := cpu.Type == Host
	mod := m.model(cpu.Model)
	if mod == nil {
		return cpuErr(virterr.InternalError, "unknown CPU model %s", cpu.Model)
	}
	expanded := &CPU{Type: cpu.Type}
	pol := Require
	if isHost {
		pol = PolicyNone
	}
	if err := m.dataToFeatures(expanded, pol, mod.data.clone()); err != nil {
		return err
	}
	for _, f := range cpu.Features {
		if !isHost && f.Policy != Require && f.Policy != Disable {
			continue
		}
		expanded.UpdateFeature(f.Name, f.Policy)
	}
	if !isHost {
		disableRemoved(expanded, mod)
	}
	cpu.Features = expanded.Features
	return nil
}

// x86Translate is virCPUx86Translate: the CPU's model replaced by the
// closest one the hypervisor offers, its features kept on top.
func x86Translate(cpu *CPU, models []HVModel) error {
	m, err := getX86Map()
	if err != nil {
		return err
	}
	mod, err := m.modelFromCPU(cpu, policyAll)
	if err != nil {
		return err
	}
	if mod.vendor != nil {
		mod.data.add(mod.vendor.data)
	}
	if len(mod.signatures) > 0 {
		s := mod.signatures[0]
		stepping := uint32(0)
		for i := range 16 {
			if s.steppings&(1<<i) != 0 {
				stepping = uint32(i)
				break
			}
		}
		mod.data.SetSignature(s.family, s.model, stepping)
	}
	translated := &CPU{Type: cpu.Type, Mode: cpu.Mode, Fallback: cpu.Fallback}
	if err := m.decode(translated, mod.data, models, nil, false); err != nil {
		return err
	}
	for _, f := range cpu.Features {
		translated.UpdateFeature(f.Name, f.Policy)
	}
	cpu.Model = translated.Model
	cpu.Vendor = translated.Vendor
	cpu.Features = translated.Features
	return nil
}

// x86CheckFeature is virCPUx86CheckFeature: 1 when the CPU has the
// feature, 0 when not.
func x86CheckFeature(cpu *CPU, name string) (bool, error) {
	m, err := getX86Map()
	if err != nil {
		return false, err
	}
	mod, err := m.modelFromCPU(cpu, policyAll)
	if err != nil {
		return false, err
	}
	f := m.feature(name)
	if f == nil {
		return false, cpuErr(virterr.InternalError, "unknown CPU feature %s", name)
	}
	return mod.data.isSubset(f.data), nil
}
