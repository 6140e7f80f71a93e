package interop

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// transcript records what a client saw, one entry per observation, so the
// same scenario run against libvirtd and govirtd can be compared entry by
// entry. Values that differ between two runs against libvirtd alone (the
// test driver's CPU time is the time of day) are left out by the scenario.
type transcript struct {
	mu      sync.Mutex
	entries []entry
}

type entry struct{ label, text string }

func (e entry) String() string { return e.label + ": " + e.text }

func (tr *transcript) set(label, format string, args ...any) {
	tr.mu.Lock()
	tr.entries = append(tr.entries, entry{label, fmt.Sprintf(format, args...)})
	tr.mu.Unlock()
}

// result records a call's outcome: its values, or the error as the client
// reports it (describe turns the client's error into one line).
func (tr *transcript) result(label string, err error, format string, args ...any) {
	if err != nil {
		tr.set(label, "%s", strings.ReplaceAll(describeErr(err), "\n", `\n`))
		return
	}
	tr.set(label, format, args...)
}

func (tr *transcript) snapshot() []entry {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]entry(nil), tr.entries...)
}

func (tr *transcript) String() string {
	var b strings.Builder
	for _, e := range tr.snapshot() {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// known lists the differences from libvirtd that govirtd still has, by
// transcript label, each with the reason: they are logged, not failed,
// so the suite guards everything else. An entry that no longer differs
// is reported so it can be removed.
type known map[string]string

// compareTranscripts fails the test on every difference between the
// oracle's and the subject's transcripts that is not a known one.
func compareTranscripts(t *testing.T, oracle, subject *transcript, k known) {
	t.Helper()
	want, got := oracle.snapshot(), subject.snapshot()
	mask := func(es []entry) string {
		var b strings.Builder
		for _, e := range es {
			if _, ok := k[e.label]; ok {
				e.text = "(known difference)"
			}
			b.WriteString(e.String())
			b.WriteByte('\n')
		}
		return b.String()
	}
	for label, why := range k {
		w, g := textsOf(want, label), textsOf(got, label)
		switch {
		case w == nil && g == nil:
			t.Errorf("known difference %q: no such entry in either transcript", label)
		case strings.Join(w, "\n") == strings.Join(g, "\n"):
			t.Logf("known difference %q is gone (both say %q): remove it from the list", label, w)
		default:
			t.Logf("known difference %q (%s):\n  libvirtd: %s\n  govirtd:  %s", label, why, strings.Join(w, "\n            "), strings.Join(g, "\n            "))
		}
	}
	if w, g := mask(want), mask(got); w != g {
		t.Errorf("govirtd and libvirtd differ (-libvirtd +govirtd):\n%s", lineDiff(w, g))
	}
}

func textsOf(es []entry, label string) []string {
	var out []string
	for _, e := range es {
		if e.label == label {
			out = append(out, e.text)
		}
	}
	return out
}

// eachDaemon runs the scenario against libvirtd (when installed) and
// govirtd and asks for identical transcripts.
func eachDaemon(t *testing.T, k known, scenario func(t *testing.T, d *Daemon, tr *transcript)) {
	var oracle, subject *transcript
	t.Run("libvirtd", func(t *testing.T) {
		d := startLibvirtd(t)
		oracle = &transcript{}
		scenario(t, d, oracle)
		t.Logf("libvirtd transcript:\n%s", oracle)
	})
	t.Run("govirtd", func(t *testing.T) {
		d := startGovirtd(t)
		subject = &transcript{}
		scenario(t, d, subject)
		if oracle == nil {
			t.Logf("no libvirtd to compare with; govirtd transcript:\n%s", subject)
			return
		}
		compareTranscripts(t, oracle, subject, k)
	})
}

// lineDiff is a unified-style diff of two transcripts (longest common
// subsequence of lines; transcripts are a few hundred lines at most), with
// two lines of context around each change.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	lcs := make([][]int, len(w)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte
		text string
	}
	var ops []op
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			ops = append(ops, op{' ', w[i]})
			i++
			j++
		case j < len(g) && (i == len(w) || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, op{'+', g[j]})
			j++
		default:
			ops = append(ops, op{'-', w[i]})
			i++
		}
	}
	const context = 2
	var b strings.Builder
	last := -1
	for k, o := range ops {
		if o.kind == ' ' {
			continue
		}
		from := max(k-context, last+1)
		if last >= 0 && from > last+1 {
			b.WriteString("@@\n")
		}
		for c := from; c < k; c++ {
			fmt.Fprintf(&b, "  %s\n", ops[c].text)
		}
		fmt.Fprintf(&b, "%c %s\n", o.kind, o.text)
		last = k
		for c := k + 1; c < len(ops) && c <= k+context && ops[c].kind == ' '; c++ {
			fmt.Fprintf(&b, "  %s\n", ops[c].text)
			last = c
		}
	}
	return b.String()
}
