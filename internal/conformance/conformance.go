// Package conformance runs govirt against libvirt's own data-driven test
// corpus (a folder laid out like libvirt 9.0's tests/ directory): each suite
// takes inputs from one corpus directory and compares what govirt produces
// with what libvirt produced.
package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Result is the outcome of one case.
type Result struct {
	Case   string // case name, unique within its suite (usually the input file name)
	Pass   bool
	Reason string // one line: why it failed
}

// Suite checks one corpus directory.
type Suite struct {
	// Name is the corpus directory holding the suite's inputs
	// ("genericxml2xmlindata", "networkxml2xmlin", …).
	Name string
	// Run runs every case found under corpus. It returns an error only when
	// the suite cannot run at all (its directory is missing).
	Run func(corpus string) ([]Result, error)
}

// Report is what one suite produced.
type Report struct {
	Suite   string
	Results []Result
	Err     error
}

// Passed counts passing cases.
func (r Report) Passed() int {
	n := 0
	for _, c := range r.Results {
		if c.Pass {
			n++
		}
	}
	return n
}

// RunAll runs the suites whose name matches only ("" for all), in order.
func RunAll(corpus string, only string) []Report {
	var out []Report
	for _, s := range Suites() {
		if only != "" && s.Name != only {
			continue
		}
		res, err := runSafely(s, corpus)
		sort.Slice(res, func(i, j int) bool { return res[i].Case < res[j].Case })
		out = append(out, Report{Suite: s.Name, Results: res, Err: err})
	}
	return out
}

// runSafely turns a panic in a suite into failed cases rather than a crash:
// the parsers must never panic, and the report should say where one did.
func runSafely(s Suite, corpus string) (res []Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("suite %s panicked: %v", s.Name, r)
		}
	}()
	return s.Run(corpus)
}

// Check runs fn on one case, turning a panic into a failure with a reason.
func Check(name string, fn func() error) (r Result) {
	r.Case = name
	defer func() {
		if p := recover(); p != nil {
			r.Pass = false
			r.Reason = fmt.Sprintf("panic: %v", p)
		}
	}()
	if err := fn(); err != nil {
		r.Reason = oneLine(err.Error())
		return r
	}
	r.Pass = true
	return r
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " | ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// Inputs lists the files in corpus/dir whose names end in suffix, sorted.
func Inputs(corpus, dir, suffix string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(corpus, dir))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), suffix) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// Diff describes the first difference between want and got in one line.
func Diff(want, got string) error {
	if want == got {
		return nil
	}
	wl := strings.Split(want, "\n")
	gl := strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Errorf("line %d: want %q, got %q", i+1, w, g)
		}
	}
	return fmt.Errorf("outputs differ")
}

// XML2XML is the common shape of libvirt's xml2xml tests: parse each input
// in inDir, format it, and compare with the file of the same name in outDir,
// or with the input itself when outDir is "" or has no such file.
func XML2XML(corpus, inDir, outDir string, roundTrip func(in []byte) ([]byte, error)) ([]Result, error) {
	names, err := Inputs(corpus, inDir, ".xml")
	if err != nil {
		return nil, err
	}
	var res []Result
	for _, n := range names {
		n := n
		res = append(res, Check(n, func() error {
			in, err := os.ReadFile(filepath.Join(corpus, inDir, n))
			if err != nil {
				return err
			}
			want := in
			if outDir != "" {
				if o, err := os.ReadFile(filepath.Join(corpus, outDir, n)); err == nil {
					want = o
				}
			}
			got, err := roundTrip(in)
			if err != nil {
				return err
			}
			return Diff(string(want), string(got))
		}))
	}
	return res, nil
}
