package command_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/command"
	"github.com/govirt/govirt/internal/drivers/qemu/domaindefaults"
)

// TestCorpusCase builds one libvirt corpus case named by QEMU_ARGV_CASE
// (e.g. "net-user.x86_64-latest") and prints the whole difference; it is
// a debugging aid and skips when the variable or the corpus is absent.
func TestCorpusCase(t *testing.T) {
	name := os.Getenv("QEMU_ARGV_CASE")
	if name == "" {
		t.Skip("QEMU_ARGV_CASE not set")
	}
	corpus := filepath.Join("..", "..", "..", "..", "..", "shared", "libvirt-tests")
	dir := filepath.Join(corpus, "qemuxml2argvdata")
	i := strings.LastIndex(name, ".x86_64-")
	base, ver := name[:i], name[i+len(".x86_64-"):]
	capsVer := ver
	if ver == "latest" {
		capsVer = "8.0.0"
	}
	in, err := os.ReadFile(filepath.Join(dir, base+".xml"))
	if err != nil {
		t.Skip(err)
	}
	qc, err := loadCorpusCaps(corpus, capsVer, ver == "latest")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	def, err := domaindefaults.Parse(in, domaindefaults.Options{Caps: qc, HostArch: "x86_64", Flags: domain.ParseInactive})
	if err != nil {
		t.Fatal(err)
	}
	if err := def.Validate(); err != nil {
		t.Fatal(err)
	}
	cmd, err := command.Build(def, qc, command.TestContext(def.Name))
	want, _ := os.ReadFile(filepath.Join(dir, name+".args"))
	if err != nil {
		werr, _ := os.ReadFile(filepath.Join(dir, name+".err"))
		t.Fatalf("error: %v\nwant: %s", err, werr)
	}
	got := cmd.String() + "\n"
	if got != string(want) {
		wl := strings.Split(string(want), "\n")
		gl := strings.Split(got, "\n")
		gs := map[string]bool{}
		for _, l := range gl {
			gs[l] = true
		}
		ws := map[string]bool{}
		for _, l := range wl {
			ws[l] = true
		}
		for _, l := range wl {
			if !gs[l] {
				t.Logf("- %s", l)
			}
		}
		for _, l := range gl {
			if !ws[l] {
				t.Logf("+ %s", l)
			}
		}
		t.Fail()
	}
}

// TestCorpusMissing lists, over the whole corpus, the expected argv lines
// the builder does not produce, grouped by option and driver, when
// QEMU_ARGV_MISSING is set: it shows which device kinds still lack a
// builder even where other differences hide the first failing line.
func TestCorpusMissing(t *testing.T) {
	if os.Getenv("QEMU_ARGV_MISSING") == "" {
		t.Skip("QEMU_ARGV_MISSING not set")
	}
	corpus := filepath.Join("..", "..", "..", "..", "..", "shared", "libvirt-tests")
	dir := filepath.Join(corpus, "qemuxml2argvdata")
	files, _ := filepath.Glob(filepath.Join(dir, "*.x86_64-*.args"))
	counts := map[string]int{}
	examples := map[string]string{}
	errs := map[string]int{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".args")
		i := strings.LastIndex(name, ".x86_64-")
		base, ver := name[:i], name[i+len(".x86_64-"):]
		if ver == "latest" {
			ver = "8.0.0"
		}
		in, err := os.ReadFile(filepath.Join(dir, base+".xml"))
		if err != nil {
			continue
		}
		qc, err := loadCorpusCaps(corpus, ver, ver == "8.0.0")
		if err != nil {
			continue
		}
		got, err := func() (s string, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			def, err := domaindefaults.Parse(in, domaindefaults.Options{Caps: qc, HostArch: "x86_64", Flags: domain.ParseInactive})
			if err != nil {
				return "", err
			}
			cmd, err := command.Build(def, qc, command.TestContext(def.Name))
			if err != nil {
				return "", err
			}
			return cmd.String(), nil
		}()
		if err != nil {
			errs[err.Error()]++
			continue
		}
		want, _ := os.ReadFile(f)
		gs := map[string]bool{}
		for _, l := range strings.Split(got, "\n") {
			gs[l] = true
		}
		for _, l := range strings.Split(string(want), "\n") {
			if gs[l] || l == "" {
				continue
			}
			key := strings.Fields(l)[0]
			if j := strings.Index(l, `"driver":"`); j >= 0 {
				d := l[j+10:]
				key += " " + d[:strings.Index(d, `"`)]
			} else if j := strings.Index(l, `"qom-type":"`); j >= 0 {
				d := l[j+12:]
				key += " " + d[:strings.Index(d, `"`)]
			} else if j := strings.Index(l, `"type":"`); j >= 0 {
				d := l[j+8:]
				key += " " + d[:strings.Index(d, `"`)]
			}
			counts[key]++
			if examples[key] == "" {
				examples[key] = name + ": " + l
			}
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return counts[keys[i]] > counts[keys[j]] })
	for _, k := range keys {
		t.Logf("%4d %s\n        %s", counts[k], k, examples[k])
	}
	for e, n := range errs {
		t.Logf("ERR %3d %s", n, e)
	}
}

// loadCorpusCaps loads recorded capabilities as the conformance suite
// does: DO_TEST_CAPS_LATEST turns machine aliases into machines of their
// own (virQEMUCapsStripMachineAliases).
func loadCorpusCaps(corpus, ver string, latest bool) (*caps.Caps, error) {
	qc, err := caps.LoadFile(filepath.Join(corpus, "qemucapabilitiesdata", "caps_"+ver+".x86_64.xml"))
	if err != nil {
		return nil, err
	}
	if qc.Binary == "" {
		qc.Binary = "/usr/bin/qemu-system-x86_64"
	}
	if !latest {
		return qc, nil
	}
	for _, vt := range []caps.VirtType{caps.VirtKVM, caps.VirtTCG} {
		a := qc.Accel(vt)
		n := len(a.Machines)
		for i := 0; i < n; i++ {
			m := a.Machines[i]
			if m.Alias == "" {
				continue
			}
			a.Machines[i].Alias = ""
			m.Name, m.Alias = m.Alias, ""
			a.Machines = append(a.Machines, m)
		}
	}
	return qc, nil
}
