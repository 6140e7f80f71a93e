package difftest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Groups maps a virsh command name to its help keyword ("domain",
// "network", …), as the stock virsh's "help" lists them.
type Groups map[string]string

var (
	groupHeadRE = regexp.MustCompile(`^ .*\(help keyword '([^']+)'\):$`)
	groupCmdRE  = regexp.MustCompile(`^    (\S+)\s`)
)

// LoadGroups asks the given virsh for its grouped command list.
func LoadGroups(ctx context.Context, virsh string, dir string) Groups {
	o := Client{Binary: virsh, URI: DefaultURI}.Run(ctx, dir, []string{"help"})
	return ParseGroups(o.Stdout)
}

// ParseGroups reads the output of "virsh help".
func ParseGroups(help string) Groups {
	g := Groups{}
	group := ""
	sc := bufio.NewScanner(strings.NewReader(help))
	for sc.Scan() {
		line := sc.Text()
		if m := groupHeadRE.FindStringSubmatch(line); m != nil {
			group = m[1]
			continue
		}
		if m := groupCmdRE.FindStringSubmatch(line); m != nil && group != "" {
			g[m[1]] = group
		}
	}
	return g
}

// Of returns the group of a command name; names virsh does not list
// (deliberately unknown commands, aliases) count under "virsh".
func (g Groups) Of(cmd string) string {
	if k, ok := g[cmd]; ok {
		return k
	}
	return "virsh"
}

// Tally counts identical lines out of those that ran.
type Tally struct{ Identical, Total int }

func (t *Tally) add(identical bool) {
	t.Total++
	if identical {
		t.Identical++
	}
}

func (t Tally) String() string { return fmt.Sprintf("%d/%d", t.Identical, t.Total) }

// GroupStats is the coverage of one virsh group.
type GroupStats struct {
	Commands    map[string]bool // distinct commands exercised
	Invocations int             // commands run (a line may run several)
	Lines       Tally           // lines that touch the group
}

// Summary aggregates the results of a run.
type Summary struct {
	Mode         string
	Overall      Tally
	Invocations  int
	Scripts      map[string]*Tally
	Groups       map[string]*GroupStats
	Skipped      int
	Inconclusive int
}

// Summarise tallies results per script and per group.
func Summarise(mode string, results []LineResult, groups Groups) *Summary {
	s := &Summary{Mode: mode, Scripts: map[string]*Tally{}, Groups: map[string]*GroupStats{}}
	for _, r := range results {
		if s.Scripts[r.Script] == nil {
			s.Scripts[r.Script] = &Tally{}
		}
		if r.Skipped != "" {
			s.Skipped++
			continue
		}
		if r.Inconclusive != "" {
			s.Inconclusive++
		}
		s.Overall.add(r.Identical)
		s.Scripts[r.Script].add(r.Identical)
		touched := map[string]bool{}
		cmds := r.Line.Commands()
		if len(cmds) == 0 {
			cmds = []string{""} // global options only: virsh itself
		}
		for _, c := range cmds {
			g := groups.Of(c)
			gs := s.Groups[g]
			if gs == nil {
				gs = &GroupStats{Commands: map[string]bool{}}
				s.Groups[g] = gs
			}
			if c != "" {
				gs.Commands[c] = true
			}
			gs.Invocations++
			s.Invocations++
			if !touched[g] {
				touched[g] = true
				gs.Lines.add(r.Identical)
			}
		}
	}
	return s
}

// Report renders the summary as the lines CI logs show.
func (s *Summary) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "difftest %s: %s lines identical (%d invocations", s.Mode, s.Overall, s.Invocations)
	if s.Inconclusive > 0 {
		fmt.Fprintf(&b, ", %d lines inconclusive", s.Inconclusive)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(&b, ", %d lines skipped in this mode", s.Skipped)
	}
	b.WriteString(")\n")
	b.WriteString("per script:\n")
	for _, name := range sortedKeys(s.Scripts) {
		fmt.Fprintf(&b, "  %-28s %s\n", name, s.Scripts[name])
	}
	b.WriteString("per group (identical/total lines, invocations, distinct commands):\n")
	for _, name := range sortedKeys(s.Groups) {
		g := s.Groups[name]
		fmt.Fprintf(&b, "  %-12s %-9s %4d inv  %3d cmds: %s\n", name, g.Lines, g.Invocations,
			len(g.Commands), strings.Join(sortedKeys(g.Commands), " "))
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Baseline is the set of lines known to be identical, per mode. It only
// grows: a line in it that stops being identical is a regression.
type Baseline map[string]bool

// baselineKey joins mode and line key: "govirsh\tnetwork.txtar: net-list".
func baselineKey(mode, key string) string { return mode + "\t" + key }

// ReadBaseline reads a baseline file; a missing file is an empty baseline.
func ReadBaseline(path string) (Baseline, error) {
	b := Baseline{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		b[line] = true
	}
	return b, nil
}

// Check returns the baseline lines of mode that are no longer identical,
// and the identical lines not yet in the baseline.
func (b Baseline) Check(mode string, results []LineResult) (regressed []LineResult, fresh []string) {
	for _, r := range results {
		if r.Skipped != "" {
			continue
		}
		k := baselineKey(mode, r.Key)
		switch {
		case r.Inconclusive != "":
		case b[k] && !r.Identical:
			regressed = append(regressed, r)
		case !b[k] && r.Identical:
			fresh = append(fresh, k)
		}
	}
	return regressed, fresh
}

// Write writes the baseline sorted, with a header saying what it is.
func (b Baseline) Write(path string) error {
	var buf bytes.Buffer
	buf.WriteString("# Lines of cmd/govirsh/testdata/script/*.txtar whose output was identical\n" +
		"# to the stock virsh's (mode<TAB>script: line). Grown by go test -run TestDiff -update;\n" +
		"# a listed line that stops being identical fails the test.\n")
	for _, k := range sortedKeys(b) {
		buf.WriteString(k)
		buf.WriteByte('\n')
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// Diff renders a line's two outcomes for a failure message.
func (r LineResult) Diff(oracle, subject string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: %s\n", r.Script, r.Line.Num, r.Line.Text)
	if r.Oracle.Exit != r.Subject.Exit {
		fmt.Fprintf(&b, "  exit: %s %d, %s %d\n", oracle, r.Oracle.Exit, subject, r.Subject.Exit)
	}
	if r.Oracle.Stdout != r.Subject.Stdout {
		fmt.Fprintf(&b, "  stdout:\n%s", indentDiff(r.Oracle.Stdout, r.Subject.Stdout, oracle, subject))
	}
	if r.Oracle.Stderr != r.Subject.Stderr {
		fmt.Fprintf(&b, "  stderr:\n%s", indentDiff(r.Oracle.Stderr, r.Subject.Stderr, oracle, subject))
	}
	return b.String()
}

// indentDiff shows the first differing line with a little context.
func indentDiff(a, b, la, lb string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	get := func(l []string, i int) string {
		if i < len(l) {
			return fmt.Sprintf("%q", l[i])
		}
		return "(end)"
	}
	return fmt.Sprintf("    line %d:\n    %-8s %s\n    %-8s %s\n", i+1, la, get(al, i), lb, get(bl, i))
}
