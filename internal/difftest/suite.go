package difftest

import (
	"context"
	"regexp"
	"sync"
	"testing"
)

// Suite describes one differential run for RunSuite.
type Suite struct {
	Scripts  string // directory of *.txtar scripts
	Baseline string // baseline file
	Virsh    string // the stock virsh: the oracle
	Env      Env    // the side under test
	Filter   string // regexp on script names; empty runs all
	Update   bool   // add newly identical lines to the baseline
	Verbose  bool   // log every line that differs
}

// RunSuite runs every script as a parallel subtest, logs the figures, and
// fails for baseline lines that are no longer identical and for lines
// whose '!' marker contradicts the oracle.
func RunSuite(t *testing.T, s Suite) *Summary {
	t.Helper()
	scripts, err := LoadDir(s.Scripts)
	if err != nil {
		t.Fatal(err)
	}
	if s.Filter != "" {
		re, err := regexp.Compile(s.Filter)
		if err != nil {
			t.Fatal(err)
		}
		var keep []*Script
		for _, sc := range scripts {
			if re.MatchString(sc.Name) {
				keep = append(keep, sc)
			}
		}
		scripts = keep
	}
	oracle := Client{Label: "virsh", Binary: s.Virsh, URI: DefaultURI}
	ctx := context.Background()
	mode := s.Env.Mode()

	var mu sync.Mutex
	var all []LineResult
	t.Run("scripts", func(t *testing.T) {
		for _, sc := range scripts {
			t.Run(sc.Name, func(t *testing.T) {
				t.Parallel()
				res, err := RunScript(ctx, sc, oracle, s.Env, t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				var tally Tally
				for _, r := range res {
					if r.ScriptError != "" {
						t.Errorf("%s:%d: %s: %s\n%s", r.Script, r.Line.Num, r.Line.Text, r.ScriptError, r.Oracle)
					}
					if r.Skipped != "" {
						continue
					}
					if r.Inconclusive != "" {
						t.Logf("%s:%d: %s: inconclusive: %s", r.Script, r.Line.Num, r.Line.Text, r.Inconclusive)
					}
					tally.add(r.Identical)
					if !r.Identical && s.Verbose {
						t.Log(r.Diff("virsh", mode))
					}
				}
				t.Logf("%s identical", tally)
				mu.Lock()
				all = append(all, res...)
				mu.Unlock()
			})
		}
	})

	sum := Summarise(mode, all, LoadGroups(ctx, s.Virsh, t.TempDir()))
	t.Log("\n" + sum.Report())

	base, err := ReadBaseline(s.Baseline)
	if err != nil {
		t.Fatal(err)
	}
	regressed, fresh := base.Check(mode, all)
	for _, r := range regressed {
		t.Errorf("was identical (listed in %s), now differs:\n%s", s.Baseline, r.Diff("virsh", mode))
	}
	switch {
	case len(fresh) == 0:
	case s.Update:
		for _, k := range fresh {
			base[k] = true
		}
		if err := base.Write(s.Baseline); err != nil {
			t.Fatal(err)
		}
		t.Logf("added %d newly identical lines to %s", len(fresh), s.Baseline)
	default:
		t.Logf("%d identical lines not yet in %s (run with -update to add them)", len(fresh), s.Baseline)
	}
	return sum
}
