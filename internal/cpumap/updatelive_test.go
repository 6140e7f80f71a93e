package cpumap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const cputestdata = "../../../shared/libvirt-tests/cputestdata"

// jsonModels reads the query-cpu-definitions reply among the QMP
// replies cputest.c records next to a CPUID dump.
func jsonModels(t *testing.T, path string) []HVModel {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for {
		var reply struct {
			Return json.RawMessage `json:"return"`
		}
		if dec.Decode(&reply) != nil {
			return nil
		}
		var defs []struct {
			Name        string   `json:"name"`
			Unavailable []string `json:"unavailable-features"`
		}
		if json.Unmarshal(reply.Return, &defs) != nil {
			continue
		}
		models := []HVModel{}
		for _, d := range defs {
			m := HVModel{Name: d.Name}
			for _, b := range d.Unavailable {
				m.Blockers = append(m.Blockers, X86FeatureAlias(b, "qemu"))
			}
			models = append(models, m)
		}
		return models
	}
}

// updateLiveCompare is cputest.c's cpuTestUpdateLiveCompare: both CPUs
// expanded, a feature one requires and the other disables or lacks is
// a mismatch.
func updateLiveCompare(actual, expected *CPU) []string {
	if err := ExpandFeatures("x86_64", actual); err != nil {
		return []string{err.Error()}
	}
	if err := ExpandFeatures("x86_64", expected); err != nil {
		return []string{err.Error()}
	}
	if actual.Model != expected.Model {
		return []string{"model " + actual.Model + ", want " + expected.Model}
	}
	var diffs []string
	i, j := 0, 0
	for i < len(actual.Features) || j < len(expected.Features) {
		var act, exp *Feature
		if i < len(actual.Features) {
			act = &actual.Features[i]
		}
		if j < len(expected.Features) {
			exp = &expected.Features[j]
		}
		var cmp int
		switch {
		case act != nil && exp != nil:
			cmp = strings.Compare(act.Name, exp.Name)
		case exp != nil:
			cmp = 1
		default:
			cmp = -1
		}
		if cmp <= 0 {
			i++
		}
		if cmp >= 0 {
			j++
		}
		if (cmp == 0 && act.Policy == Disable && exp.Policy == Require) || (cmp > 0 && exp.Policy == Require) {
			diffs = append(diffs, "lacks "+exp.Name)
			continue
		}
		if (cmp == 0 && act.Policy == Require && exp.Policy == Disable) || (cmp < 0 && act.Policy == Require) {
			diffs = append(diffs, "extra "+act.Name)
		}
	}
	return diffs
}

// TestUpdateLive is cputest.c's cpuTestUpdateLive over libvirt's
// recorded hosts: the guest CPU decoded from a host's CPUID, updated
// with what QEMU enabled and disabled, has the features of the CPU
// QEMU's own expansion decodes to.
func TestUpdateLive(t *testing.T) {
	enabledFiles, _ := filepath.Glob(filepath.Join(cputestdata, "x86_64-cpuid-*-enabled.xml"))
	if len(enabledFiles) == 0 {
		t.Skip("libvirt's test corpus is not there")
	}
	load := func(name string, typ Type) *CPU {
		data, err := os.ReadFile(filepath.Join(cputestdata, name))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Parse(data, typ)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c
	}
	loadData := func(name string) X86Data {
		raw, err := os.ReadFile(filepath.Join(cputestdata, name))
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseX86Data(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return d
	}
	for _, f := range enabledFiles {
		host := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "x86_64-cpuid-"), "-enabled.xml")
		t.Run(host, func(t *testing.T) {
			cpu := load("x86_64-cpuid-"+host+"-guest.xml", Guest)
			expected := load("x86_64-cpuid-"+host+"-json.xml", Guest)
			enabled := loadData("x86_64-cpuid-" + host + "-enabled.xml")
			disabled := loadData("x86_64-cpuid-" + host + "-disabled.xml")
			if cpu.Model != expected.Model {
				hv := HVModel{Name: expected.Model}
				models := jsonModels(t, filepath.Join(cputestdata, "x86_64-cpuid-"+host+".json"))
				if i := slices.IndexFunc(models, func(m HVModel) bool { return m.Name == expected.Model }); i >= 0 {
					hv.Blockers = models[i].Blockers
				}
				cpu.Fallback = "allow"
				_ = Translate("x86_64", cpu, []HVModel{hv})
				cpu.Fallback = "forbid"
			}
			if _, err := UpdateLive("x86_64", cpu, enabled, disabled); err != nil {
				t.Fatal(err)
			}
			if diffs := updateLiveCompare(cpu, expected); len(diffs) > 0 {
				t.Error(diffs)
			}
		})
	}
}

// TestUpdateLiveCheckFull: a feature QEMU could not give the guest is
// disabled in the live CPU, or an error once the CPU is checked fully.
func TestUpdateLiveCheckFull(t *testing.T) {
	m, err := getX86Map()
	if err != nil {
		t.Fatal(err)
	}
	mk := func() *CPU {
		c := NewGuest()
		c.Match, c.Model, c.Fallback = "exact", "qemu64", "forbid"
		c.Features = []Feature{{Name: "x2apic", Policy: Require}}
		return c
	}
	enabled := m.model("qemu64").data.clone()
	disabled := X86Data{}
	disabled.add(m.feature("x2apic").data)
	cpu := mk()
	updated, err := UpdateLive("x86_64", cpu, enabled, disabled)
	if err != nil || !updated {
		t.Fatalf("%v %v", updated, err)
	}
	if f := cpu.FindFeature("x2apic"); f == nil || f.Policy != Disable {
		t.Errorf("x2apic not disabled:\n%s", cpu.Format())
	}
	if cpu.Equal(mk()) {
		t.Error("updated CPU equal to the original")
	}
	cpu = mk()
	cpu.Check = "full"
	_, err = UpdateLive("x86_64", cpu, enabled, disabled)
	if err == nil || !strings.Contains(err.Error(), "missing features: x2apic") {
		t.Errorf("check='full': %v", err)
	}
	pass := &CPU{Type: Guest, Mode: "host-passthrough", CacheLevel: -1, AddrBits: -1}
	if updated, err := UpdateLive("x86_64", pass, enabled, nil); err != nil || updated || len(pass.Features) != 0 {
		t.Errorf("host-passthrough: %v %v %v", updated, err, pass.Features)
	}
	if updated, err := UpdateLive("ppc64", mk(), enabled, nil); err != nil || updated {
		t.Errorf("ppc64: %v %v", updated, err)
	}
}
