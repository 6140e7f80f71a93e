package nwfilter

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const corpus = "../../../../shared/libvirt-tests"

func readCorpusDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(corpus, dir))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".xml") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestCorpusFilters mirrors the nwfilterxml2xmlin conformance suite so the
// package can be checked on its own.
func TestCorpusFilters(t *testing.T) {
	for _, n := range readCorpusDir(t, "nwfilterxml2xmlin") {
		t.Run(n, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(corpus, "nwfilterxml2xmlin", n))
			if err != nil {
				t.Fatal(err)
			}
			def, perr := Parse(in)
			if perr == nil {
				perr = def.Validate()
			}
			if strings.HasSuffix(n, "-invalid.xml") {
				if perr == nil {
					t.Errorf("parsed, but libvirt rejects it:\n%s", def.Format())
				}
				return
			}
			if perr != nil {
				t.Fatal(perr)
			}
			want, err := os.ReadFile(filepath.Join(corpus, "nwfilterxml2xmlout", n))
			if err != nil {
				t.Fatal(err)
			}
			if got := def.Format(); got != string(want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestCorpusBindings(t *testing.T) {
	for _, n := range readCorpusDir(t, "virnwfilterbindingxml2xmldata") {
		in, err := os.ReadFile(filepath.Join(corpus, "virnwfilterbindingxml2xmldata", n))
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseBinding(in)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if got := b.Format(); got != string(in) {
			t.Errorf("%s: got\n%s\nwant\n%s", n, got, in)
		}
	}
}

// TestFilterLibrary parses every filter libvirt 9.0 ships and checks that
// what govirt writes back is valid against libvirt's schema.
func TestFilterLibrary(t *testing.T) {
	dir := "../../../../shared/reference/libvirt-9.0.0-nwfilter-library"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("filter library not available: %v", err)
	}
	xmllint, lintErr := exec.LookPath("xmllint")
	schema := filepath.Join(corpus, "schemas", "nwfilter.rng")
	if _, err := os.Stat(schema); err != nil {
		lintErr = err
	}
	tmp := t.TempDir()
	for _, e := range ents {
		in, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		def, err := Parse(in)
		if err == nil {
			err = def.Validate()
		}
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		out := def.Format()
		again, err := Parse([]byte(out))
		if err != nil || again.Format() != out {
			t.Errorf("%s: format is not a fixed point: %v", e.Name(), err)
		}
		if lintErr != nil {
			continue
		}
		f := filepath.Join(tmp, e.Name())
		if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := exec.Command(xmllint, "--noout", "--relaxng", schema, f).CombinedOutput(); err != nil {
			t.Errorf("%s: output does not validate: %s\n%s", e.Name(), msg, out)
		}
	}
	if lintErr != nil {
		t.Logf("schema check skipped: %v", lintErr)
	}
}
