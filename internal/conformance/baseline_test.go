package conformance

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var updateBaseline = flag.Bool("update", false, "add newly passing cases to testdata/baseline.txt")

// corpusDir is libvirt's test corpus beside the repository, as the project's
// machines and CI lay it out; a user's fresh clone has none.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "libvirt-tests")
	if env := os.Getenv("GOVIRT_CORPUS"); env != "" {
		dir = env
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("libvirt test corpus not found at %s (set GOVIRT_CORPUS)", dir)
	}
	return dir
}

// TestBaseline fails when a case listed in testdata/baseline.txt no longer
// passes. The baseline only grows: run with -update to add new passes.
func TestBaseline(t *testing.T) {
	corpus := corpusDir(t)
	baselinePath := filepath.Join("testdata", "baseline.txt")
	want := map[string]bool{}
	var notes []string // comment lines after the header, kept on -update
	if f, err := os.Open(baselinePath); err == nil {
		sc := bufio.NewScanner(f)
		for first := true; sc.Scan(); first = false {
			l := strings.TrimSpace(sc.Text())
			switch {
			case strings.HasPrefix(l, "#"):
				if !first {
					notes = append(notes, l)
				}
			case l != "":
				want[l] = true
			}
		}
		f.Close()
	}
	got := map[string]bool{}
	for _, r := range RunAll(corpus, "") {
		if r.Err != nil {
			t.Errorf("suite %s: %v", r.Suite, r.Err)
			continue
		}
		for _, c := range r.Results {
			key := r.Suite + "/" + c.Case
			if c.Pass {
				got[key] = true
			} else if want[key] {
				t.Errorf("regression: %s: %s", key, c.Reason)
			}
		}
		t.Logf("%s %d/%d", r.Suite, r.Passed(), len(r.Results))
	}
	for k := range want {
		if !got[k] && !t.Failed() {
			// listed, but the case no longer exists or its suite did not run
			t.Errorf("baseline case %s did not run", k)
		}
	}
	if *updateBaseline {
		for k := range want {
			got[k] = true
		}
		var lines []string
		for k := range got {
			lines = append(lines, k)
		}
		sort.Strings(lines)
		header := "# Conformance cases that pass; the baseline only grows (go test ./internal/conformance -update).\n"
		for _, n := range notes {
			header += n + "\n"
		}
		content := header + strings.Join(lines, "\n") + "\n"
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(baselinePath, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
