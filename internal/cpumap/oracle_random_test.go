package cpumap

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRandomBaselineAgainstLibvirt baselines CPUs made of a model and
// random extra features, which makes the candidates need disabled
// features, and compares with libvirt 9.0's virsh when it is installed.
// This is what pins the candidate weighing of x86DecodeUseCandidate.
func TestRandomBaselineAgainstLibvirt(t *testing.T) {
	virsh, err := exec.LookPath("virsh")
	if err != nil || testing.Short() {
		t.Skip("virsh is not installed")
	}
	m, err := getX86Map()
	if err != nil {
		t.Fatal(err)
	}
	seed := uint64(777)
	rnd := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	dir := t.TempDir()
	for n := range 60 {
		vendor := []string{"AMD", "Intel"}[rnd(2)]
		var cpus []*CPU
		var xml strings.Builder
		xml.WriteString("<capabilities><host>")
		for range 2 + rnd(2) {
			mod := m.models[rnd(len(m.models))]
			for mod.vendor != nil && mod.vendor.name != vendor {
				mod = m.models[rnd(len(m.models))]
			}
			var s strings.Builder
			fmt.Fprintf(&s, "<cpu><arch>x86_64</arch><model>%s</model><vendor>%s</vendor>", mod.name, vendor)
			seen := map[string]bool{}
			for range rnd(40) {
				if f := m.features[rnd(len(m.features))].name; !seen[f] {
					seen[f] = true
					fmt.Fprintf(&s, "<feature name='%s'/>", f)
				}
			}
			s.WriteString("</cpu>")
			c, err := Parse([]byte(s.String()), Host)
			if err != nil {
				t.Fatal(err)
			}
			cpus = append(cpus, c)
			xml.WriteString(s.String())
		}
		xml.WriteString("</host></capabilities>")
		f := filepath.Join(dir, fmt.Sprintf("%d.xml", n))
		if err := os.WriteFile(f, []byte(xml.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(virsh, "-q", "-c", "test:///default", "cpu-baseline", f).CombinedOutput()
		want := strings.TrimSpace(string(out))
		got, gerr := Baseline("x86_64", cpus, nil, nil, false)
		switch {
		case err != nil && gerr == nil:
			t.Errorf("case %d: libvirt fails (%s), govirt gives\n%s", n, want, got.Format())
		case err == nil && gerr != nil:
			t.Errorf("case %d: %v, libvirt gives\n%s", n, gerr, want)
		case err == nil && strings.TrimSpace(got.Format()) != want:
			t.Errorf("case %d (%s):\n got %s\nwant %s", n, xml.String(), got.Format(), want)
		}
	}
}
