package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/govirt/govirt/internal/difftest"
)

// The differential suite: every line of testdata/script/*.txtar runs
// through the stock virsh on test:///default and through the side under
// test; see testdata/script/README.md.
var (
	diffUpdate  = flag.Bool("update", false, "add newly identical lines to testdata/diff-baseline.txt")
	diffVerbose = flag.Bool("difftest.v", false, "log the difference of every line that is not identical")
	diffRun     = flag.String("difftest.run", "", "only run scripts whose name matches this regexp")
	diffGovirsh = flag.String("difftest.govirsh", "", "use this govirsh binary instead of building one")
	diffGovirtd = flag.String("difftest.govirtd", "", "use this govirtd binary instead of building one")
)

const (
	diffScripts    = "testdata/script"
	diffBaseline   = "testdata/diff-baseline.txt"
	stockVirshPath = "/usr/bin/virsh"
)

func diffSuite(virsh string, env difftest.Env) difftest.Suite {
	return difftest.Suite{
		Scripts: diffScripts, Baseline: diffBaseline, Virsh: virsh, Env: env,
		Filter: *diffRun, Update: *diffUpdate, Verbose: *diffVerbose,
	}
}

// TestDiffGovirsh compares govirsh -c test:///default with the stock virsh.
func TestDiffGovirsh(t *testing.T) {
	t.Parallel()
	virsh := needVirsh(t)
	bin := buildOrUse(t, "govirsh", *diffGovirsh, ".")
	env := difftest.Direct{Subject: difftest.Client{Label: "govirsh", Binary: bin, URI: difftest.DefaultURI}}
	difftest.RunSuite(t, diffSuite(virsh, env))
}

// TestDiffGovirtd compares the stock virsh talking to a private govirtd
// (test+unix:///default?socket=…) with the stock virsh on test:///default.
func TestDiffGovirtd(t *testing.T) {
	t.Parallel()
	virsh := needVirsh(t)
	bin := buildOrUse(t, "govirtd", *diffGovirtd, "../govirtd")
	env := difftest.Daemon{Govirtd: bin, Client: virsh, Label: "govirtd"}
	_, stop, err := env.Start(context.Background(), &difftest.Script{Name: "probe"}, "")
	if err != nil {
		failOrSkipBuild(t, "govirtd", "govirtd does not serve virsh yet: "+err.Error())
	}
	stop()
	difftest.RunSuite(t, diffSuite(virsh, env))
}

// buildOrUse returns the given binary, or pkg built once per test binary.
func buildOrUse(t *testing.T, mode, given, pkg string) string {
	if given != "" {
		abs, err := filepath.Abs(given)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	bin, out, err := buildOnce(mode, pkg)
	if err != nil {
		failOrSkipBuild(t, mode, mode+" does not build:\n"+out)
	}
	return bin
}

type builtBinary struct {
	once sync.Once
	path string
	out  string
	err  error
}

var (
	builtMu  sync.Mutex
	built    = map[string]*builtBinary{}
	buildDir string
)

func buildOnce(mode, pkg string) (string, string, error) {
	builtMu.Lock()
	b := built[mode]
	if b == nil {
		b = &builtBinary{}
		built[mode] = b
	}
	builtMu.Unlock()
	b.once.Do(func() {
		if buildDir == "" {
			b.err = errors.New("no build directory")
			return
		}
		b.path = filepath.Join(buildDir, mode)
		out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput()
		b.out, b.err = string(out), err
	})
	return b.path, b.out, b.err
}

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "govirsh-test-bin")
	if err == nil {
		buildDir = dir
		// Start the builds now: they overlap the in-process compare
		// tests, which run before the parallel differential suites.
		if _, err := os.Stat(stockVirshPath); err == nil && !testing.Short() {
			if *diffGovirsh == "" {
				go buildOnce("govirsh", ".")
			}
			if *diffGovirtd == "" {
				go buildOnce("govirtd", "../govirtd")
			}
		}
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func needVirsh(t *testing.T) string {
	if _, err := os.Stat(stockVirshPath); err != nil {
		t.Skip("stock virsh not installed (" + stockVirshPath + "): the differential suite needs it as its oracle")
	}
	return stockVirshPath
}

// failOrSkipBuild skips while the side under test is not there yet, but
// fails once the baseline holds lines it used to get right.
func failOrSkipBuild(t *testing.T, mode, why string) {
	t.Helper()
	b, err := difftest.ReadBaseline(diffBaseline)
	if err != nil {
		t.Fatal(err)
	}
	for k := range b {
		if strings.HasPrefix(k, mode+"\t") {
			t.Fatal(why)
		}
	}
	t.Skip(why)
}
