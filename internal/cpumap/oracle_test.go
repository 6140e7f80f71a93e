package cpumap

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBaselineAgainstLibvirt compares baselines of model pairs with what
// the stock virsh computes through libvirt 9.0's test driver, when it is
// installed.
func TestBaselineAgainstLibvirt(t *testing.T) {
	virsh, err := exec.LookPath("virsh")
	if err != nil || testing.Short() {
		t.Skip("virsh is not installed")
	}
	models := X86Models()
	dir := t.TempDir()
	n := 0
	for i := 0; i < len(models); i += 3 {
		for j := i + 5; j < len(models); j += 11 {
			a, b := models[i], models[j]
			va, vb := X86ModelVendor(a), X86ModelVendor(b)
			if va != "" && vb != "" && va != vb {
				continue
			}
			host := func(m, v string) string {
				s := "<cpu><arch>x86_64</arch><model>" + m + "</model>"
				if v != "" {
					s += "<vendor>" + v + "</vendor>"
				}
				return s + "</cpu>"
			}
			x := "<capabilities><host>" + host(a, va) + host(b, vb) + "</host></capabilities>"
			f := filepath.Join(dir, fmt.Sprintf("%d.xml", n))
			if err := os.WriteFile(f, []byte(x), 0o644); err != nil {
				t.Fatal(err)
			}
			n++
			out, err := exec.Command(virsh, "-q", "-c", "test:///default", "cpu-baseline", f).CombinedOutput()
			want := strings.TrimSpace(string(out))
			ca, _ := Parse([]byte(host(a, va)), Host)
			cb, _ := Parse([]byte(host(b, vb)), Host)
			got, gerr := Baseline("x86_64", []*CPU{ca, cb}, nil, nil, false)
			if err != nil {
				if gerr == nil {
					t.Errorf("%s+%s: libvirt fails (%s), govirt gives\n%s", a, b, want, got.Format())
				}
				continue
			}
			if gerr != nil {
				t.Errorf("%s+%s: %v, libvirt gives\n%s", a, b, gerr, want)
				continue
			}
			if g := strings.TrimSpace(got.Format()); g != want {
				t.Errorf("%s+%s:\n got %s\nwant %s", a, b, g, want)
			}
		}
	}
	t.Logf("%d pairs compared", n)
}
