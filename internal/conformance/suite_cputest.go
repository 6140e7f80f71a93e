package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

// The cputestdata suite runs libvirt's tests/cputest.c over its data:
// CPUID dumps decoded into host and guest CPUs, baselines, guest/host
// comparisons and guest updates. Which comparisons and updates are made
// and what they must answer is cputest.c's table, repeated here; the
// CPUID and baseline cases are found from the files.

type cpuCompareCase struct {
	arch, host, cpu string
	want            cpumap.CompareResult
}

var cpuCompareCases = []cpuCompareCase{
	{"x86_64", "host", "host", cpumap.CompareIdentical},
	{"x86_64", "host", "host-better", cpumap.CompareIncompatible},
	{"x86_64", "host", "host-worse", cpumap.CompareSuperset},
	{"x86_64", "host", "host-amd-fake", cpumap.CompareIncompatible},
	{"x86_64", "host", "host-incomp-arch", cpumap.CompareIncompatible},
	{"x86_64", "host", "host-no-vendor", cpumap.CompareIdentical},
	{"x86_64", "host-no-vendor", "host", cpumap.CompareIncompatible},
	{"ppc64", "host", "host", cpumap.CompareIdentical},
	{"ppc64", "host", "host-better", cpumap.CompareIncompatible},
	{"ppc64", "host", "host-worse", cpumap.CompareIncompatible},
	{"ppc64", "host", "host-incomp-arch", cpumap.CompareIncompatible},
	{"ppc64", "host", "host-no-vendor", cpumap.CompareIdentical},
	{"ppc64", "host-no-vendor", "host", cpumap.CompareIncompatible},
	{"x86_64", "host", "bogus-model", cpumap.CompareError},
	{"x86_64", "host", "bogus-feature", cpumap.CompareError},
	{"x86_64", "host", "min", cpumap.CompareSuperset},
	{"x86_64", "host", "pentium3", cpumap.CompareSuperset},
	{"x86_64", "host", "exact", cpumap.CompareSuperset},
	{"x86_64", "host", "exact-forbid", cpumap.CompareIncompatible},
	{"x86_64", "host", "exact-forbid-extra", cpumap.CompareSuperset},
	{"x86_64", "host", "exact-disable", cpumap.CompareSuperset},
	{"x86_64", "host", "exact-disable2", cpumap.CompareSuperset},
	{"x86_64", "host", "exact-disable-extra", cpumap.CompareSuperset},
	{"x86_64", "host", "exact-require", cpumap.CompareSuperset},
	{"x86_64", "host", "exact-require-extra", cpumap.CompareIncompatible},
	{"x86_64", "host", "exact-force", cpumap.CompareSuperset},
	{"x86_64", "host", "strict", cpumap.CompareIncompatible},
	{"x86_64", "host", "strict-full", cpumap.CompareIdentical},
	{"x86_64", "host", "strict-disable", cpumap.CompareIdentical},
	{"x86_64", "host", "strict-force-extra", cpumap.CompareIdentical},
	{"x86_64", "host", "guest", cpumap.CompareSuperset},
	{"x86_64", "host", "pentium3-amd", cpumap.CompareIncompatible},
	{"x86_64", "host-amd", "pentium3-amd", cpumap.CompareSuperset},
	{"x86_64", "host-worse", "penryn-force", cpumap.CompareIdentical},
	{"x86_64", "host-SandyBridge", "exact-force-Haswell", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-strict", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-exact", cpumap.CompareIncompatible},
	{"ppc64", "host", "guest-legacy", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-legacy-incompatible", cpumap.CompareIncompatible},
	{"ppc64", "host", "guest-legacy-bad", cpumap.CompareError},
	{"ppc64", "host", "guest-compat-none", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-compat-valid", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-compat-bad", cpumap.CompareError},
	{"ppc64", "host", "guest-compat-incompatible", cpumap.CompareIncompatible},
}

// cpuUpdateCases are DO_TEST_UPDATE: the updated guest is compared with
// host+cpu.xml, and the host with that result (want; CompareError for
// DO_TEST_UPDATE_ONLY, which skips the comparison).
var cpuUpdateCases = []cpuCompareCase{
	{"x86_64", "host", "min", cpumap.CompareIdentical},
	{"x86_64", "host", "pentium3", cpumap.CompareIdentical},
	{"x86_64", "host", "guest", cpumap.CompareSuperset},
	{"x86_64", "host", "host-model", cpumap.CompareIdentical},
	{"x86_64", "host", "host-model-nofallback", cpumap.CompareIdentical},
	{"x86_64", "host-invtsc", "host-model", cpumap.CompareSuperset},
	{"x86_64", "host", "host-passthrough", cpumap.CompareError},
	{"x86_64", "host", "host-passthrough-features", cpumap.CompareError},
	{"ppc64", "host", "guest", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-nofallback", cpumap.CompareIncompatible},
	{"ppc64", "host", "guest-legacy", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-legacy-incompatible", cpumap.CompareIncompatible},
	{"ppc64", "host", "guest-legacy-bad", cpumap.CompareError},
	{"ppc64", "host", "guest-compat-none", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-compat-valid", cpumap.CompareIdentical},
	{"ppc64", "host", "guest-compat-bad", cpumap.CompareError},
	{"ppc64", "host", "guest-compat-incompatible", cpumap.CompareIncompatible},
}

// cpuidBaselines are DO_TEST_CPUID_BASELINE: the guest CPUs QEMU made of
// two hosts (cpuid-<host>-json.xml) and their expected baseline.
var cpuidBaselines = [][3]string{
	{"Ryzen+Rome", "Ryzen-7-1800X-Eight-Core", "Ryzen-9-3900X-12-Core"},
	{"EPYC+Rome", "EPYC-7601-32-Core", "EPYC-7502-32-Core"},
	{"Haswell-noTSX-IBRS+Skylake", "Xeon-E5-2609-v3", "Xeon-Gold-6148"},
	{"Haswell-noTSX-IBRS+Skylake-IBRS", "Xeon-E5-2609-v3", "Xeon-Gold-6130"},
	{"Broadwell-IBRS+Cascadelake", "Xeon-E5-2623-v4", "Xeon-Platinum-8268"},
	{"Cascadelake+Skylake-IBRS", "Xeon-Platinum-8268", "Xeon-Gold-6130"},
	{"Cascadelake+Skylake", "Xeon-Platinum-9242", "Xeon-Gold-6148"},
	{"Cascadelake+Icelake", "Xeon-Platinum-9242", "Ice-Lake-Server"},
	{"Cooperlake+Icelake", "Cooperlake", "Ice-Lake-Server"},
	{"Cooperlake+Cascadelake", "Cooperlake", "Xeon-Platinum-9242"},
	{"Skylake-Client+Server", "Core-i5-6600", "Xeon-Gold-6148"},
	{"Haswell-noTSX-IBRS+Broadwell", "Xeon-E5-2609-v3", "Xeon-E5-2650-v4"},
	{"Haswell+Skylake", "Xeon-E7-8890-v3", "Xeon-Gold-5115"},
}

// cpuidModelsRequired are the CPUID cases cputest.c marks
// JSON_MODELS_REQUIRED: their guest CPU is decoded from the models QEMU
// offered (query-cpu-definitions in the .json replies), blockers
// disabled.
var cpuidModelsRequired = []string{
	"Atom-P5362", "Core-i5-650", "Core-i7-2600-xsaveopt", "EPYC-7601-32-Core-ibpb", "Xeon-E7-4830",
}

// cpuTestJSONModels reads the CPU models of the query-cpu-definitions
// reply among the recorded QMP replies.
func cpuTestJSONModels(path string) ([]cpumap.HVModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for {
		var reply struct {
			Return json.RawMessage `json:"return"`
		}
		if err := dec.Decode(&reply); err != nil {
			return nil, fmt.Errorf("no query-cpu-definitions reply: %v", err)
		}
		var defs []struct {
			Name        string   `json:"name"`
			Unavailable []string `json:"unavailable-features"`
		}
		if json.Unmarshal(reply.Return, &defs) != nil {
			continue
		}
		models := []cpumap.HVModel{}
		for _, d := range defs {
			m := cpumap.HVModel{Name: d.Name}
			for _, b := range d.Unavailable {
				m.Blockers = append(m.Blockers, caps.FeatureFromQEMU("x86_64", b))
			}
			models = append(models, m)
		}
		return models, nil
	}
}

func cpuTestFile(dir, arch, name string) string {
	return filepath.Join(dir, arch+"-"+name+".xml")
}

func cpuTestLoad(dir, arch, name string) (*cpumap.CPU, error) {
	data, err := os.ReadFile(cpuTestFile(dir, arch, name))
	if err != nil {
		return nil, err
	}
	return cpumap.Parse(data, cpumap.Auto)
}

// cpuTestLoadMulti reads a <cpuTest> of host CPUs.
func cpuTestLoadMulti(path string) ([]*cpumap.CPU, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	root, err := xmltree.Parse(data, path)
	if err != nil {
		return nil, err
	}
	var cpus []*cpumap.CPU
	for _, n := range root.ChildrenNamed("cpu") {
		c, err := cpumap.ParseNode(n, cpumap.Host)
		if err != nil {
			return nil, err
		}
		cpus = append(cpus, c)
	}
	if len(cpus) == 0 {
		return nil, fmt.Errorf("no /cpuTest/cpu elements found")
	}
	return cpus, nil
}

func cpuTestCompareXML(dir, arch, name string, cpu *cpumap.CPU) error {
	want, err := os.ReadFile(cpuTestFile(dir, arch, name))
	if err != nil {
		return err
	}
	return Diff(string(want), cpu.Format())
}

func init() {
	register(Suite{Name: "cputestdata", Run: func(corpus string) ([]Result, error) {
		dir := filepath.Join(corpus, "cputestdata")
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var out []Result
		for _, c := range cpuCompareCases {
			if !exists(cpuTestFile(dir, c.arch, c.host)) || !exists(cpuTestFile(dir, c.arch, c.cpu)) {
				continue
			}
			out = append(out, Check(fmt.Sprintf("compare %s-%s/%s", c.arch, c.host, c.cpu), func() error {
				return cpuTestCompare(dir, c.arch, c.host, c.cpu, c.want)
			}))
		}
		for _, c := range cpuUpdateCases {
			result := c.host + "+" + c.cpu
			if !exists(cpuTestFile(dir, c.arch, result)) {
				continue
			}
			out = append(out, Check(fmt.Sprintf("update %s-%s on %s", c.arch, c.cpu, c.host), func() error {
				host, err := cpuTestLoad(dir, c.arch, c.host)
				if err != nil {
					return err
				}
				cpu, err := cpuTestLoad(dir, c.arch, c.cpu)
				if err != nil {
					return err
				}
				migHost, err := cpumap.CopyMigratable(c.arch, host)
				if err != nil {
					return err
				}
				if err := cpumap.Update(host.Arch, cpu, migHost); err != nil {
					return err
				}
				if err := cpuTestCompareXML(dir, c.arch, result, cpu); err != nil {
					return err
				}
				if c.want == cpumap.CompareError && c.arch == "x86_64" {
					return nil
				}
				return cpuTestCompare(dir, c.arch, c.host, result, c.want)
			}))
		}
		for _, e := range entries {
			name := e.Name()
			for _, arch := range []string{"x86_64", "ppc64"} {
				base, ok := strings.CutPrefix(name, arch+"-baseline-")
				if !ok || strings.HasSuffix(base, "-result.xml") || strings.HasSuffix(base, "-expanded.xml") || strings.HasSuffix(base, "-migratable.xml") {
					continue
				}
				base = strings.TrimSuffix(base, ".xml")
				out = append(out, cpuBaselineCases(dir, arch, base)...)
			}
			if host, ok := strings.CutPrefix(name, "x86_64-cpuid-"); ok && strings.HasSuffix(host, ".xml") {
				host = strings.TrimSuffix(host, ".xml")
				if strings.HasPrefix(host, "baseline-") || strings.HasSuffix(host, "-host") || strings.HasSuffix(host, "-guest") ||
					strings.HasSuffix(host, "-json") || strings.HasSuffix(host, "-enabled") || strings.HasSuffix(host, "-disabled") {
					continue
				}
				for _, guest := range []bool{false, true} {
					kind := "host"
					if guest {
						kind = "guest"
					}
					if !exists(cpuTestFile(dir, "x86_64", "cpuid-"+host+"-"+kind)) {
						continue
					}
					out = append(out, Check("cpuid "+kind+" "+host, func() error {
						return cpuTestCPUID(dir, host, guest)
					}))
				}
			}
		}
		for _, b := range cpuidBaselines {
			if !exists(cpuTestFile(dir, "x86_64", "cpuid-baseline-"+b[0])) {
				continue
			}
			out = append(out, Check("cpuid baseline "+b[0], func() error {
				var cpus []*cpumap.CPU
				for _, h := range b[1:] {
					c, err := cpuTestLoad(dir, "x86_64", "cpuid-"+h+"-json")
					if err != nil {
						return err
					}
					cpus = append(cpus, c)
				}
				baseline, err := cpumap.Baseline("x86_64", cpus, nil, nil, false)
				if err != nil {
					return err
				}
				if err := cpuTestCompareXML(dir, "x86_64", "cpuid-baseline-"+b[0], baseline); err != nil {
					return err
				}
				for i, c := range cpus {
					if r, err := cpumap.Compare("x86_64", c, baseline, false); err != nil || (r != cpumap.CompareSuperset && r != cpumap.CompareIdentical) {
						return fmt.Errorf("baseline CPU is incompatible with CPU %d: %v %v", i, r, err)
					}
				}
				return nil
			}))
		}
		return out, nil
	}})
}

func cpuTestCompare(dir, arch, hostName, cpuName string, want cpumap.CompareResult) error {
	host, err := cpuTestLoad(dir, arch, hostName)
	if err != nil {
		return err
	}
	cpu, err := cpuTestLoad(dir, arch, cpuName)
	if err != nil {
		if want == cpumap.CompareError {
			return nil
		}
		return err
	}
	got, _ := cpumap.Compare(host.Arch, host, cpu, false)
	if got != want {
		return fmt.Errorf("expected result %s, got %s", want, got)
	}
	return nil
}

// cpuBaselineCases are DO_TEST_BASELINE: plain, and with features
// expanded or migratable when an expected file for that exists; no
// expected file at all means the baseline must fail.
func cpuBaselineCases(dir, arch, name string) []Result {
	var out []Result
	variants := []struct {
		suffix             string
		expand, migratable bool
	}{{"result", false, false}, {"expanded", true, false}, {"migratable", false, true}}
	anyWant := false
	for _, v := range variants {
		if !exists(cpuTestFile(dir, arch, "baseline-"+name+"-"+v.suffix)) {
			continue
		}
		anyWant = true
		out = append(out, Check(fmt.Sprintf("baseline %s-%s (%s)", arch, name, v.suffix), func() error {
			cpus, err := cpuTestLoadMulti(cpuTestFile(dir, arch, "baseline-"+name))
			if err != nil {
				return err
			}
			b, err := cpumap.Baseline(arch, cpus, nil, nil, v.migratable)
			if err != nil {
				return err
			}
			if v.expand {
				if err := cpumap.ExpandFeatures(arch, b); err != nil {
					return err
				}
			}
			if err := cpuTestCompareXML(dir, arch, "baseline-"+name+"-"+v.suffix, b); err != nil {
				return err
			}
			for i, c := range cpus {
				if r, err := cpumap.Compare(c.Arch, c, b, false); err != nil || (r != cpumap.CompareSuperset && r != cpumap.CompareIdentical) {
					return fmt.Errorf("baseline CPU is incompatible with CPU %d: %v %v", i, r, err)
				}
			}
			return nil
		}))
	}
	if !anyWant {
		out = append(out, Check(fmt.Sprintf("baseline %s-%s (fails)", arch, name), func() error {
			cpus, err := cpuTestLoadMulti(cpuTestFile(dir, arch, "baseline-"+name))
			if err != nil {
				return nil
			}
			if b, err := cpumap.Baseline(arch, cpus, nil, nil, false); err == nil {
				return fmt.Errorf("cpuBaseline was expected to fail but it succeeded:\n%s", b.Format())
			}
			return nil
		}))
	}
	return out
}

// cpuTestCPUID decodes a CPUID dump as the host CPU (capabilities) or as
// a guest CPU of exact match.
func cpuTestCPUID(dir, host string, guest bool) error {
	raw, err := os.ReadFile(cpuTestFile(dir, "x86_64", "cpuid-"+host))
	if err != nil {
		return err
	}
	data, err := cpumap.ParseX86Data(raw)
	if err != nil {
		return err
	}
	cpu := &cpumap.CPU{Type: cpumap.Host, Arch: "x86_64", CacheLevel: -1, AddrBits: -1}
	kind := "host"
	if guest {
		cpu = cpumap.NewGuest()
		cpu.Match = "exact"
		cpu.Fallback = "forbid"
		kind = "guest"
	}
	var models []cpumap.HVModel
	if guest && slices.Contains(cpuidModelsRequired, host) {
		if models, err = cpuTestJSONModels(filepath.Join(dir, "x86_64-cpuid-"+host+".json")); err != nil {
			return err
		}
	}
	if err := cpumap.X86Decode(cpu, data, models, ""); err != nil {
		return err
	}
	if guest {
		cpu.SigFamily, cpu.SigModel, cpu.SigStepping = 0, 0, 0
	}
	return cpuTestCompareXML(dir, "x86_64", "cpuid-"+host+"-"+kind, cpu)
}
