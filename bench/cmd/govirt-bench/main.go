// Command govirt-bench measures govirtd and a real libvirtd 9.0 side by
// side in one run, over libvirt's RPC protocol on their unix sockets, both
// serving test:///default: trivial-call latency, 8-connection throughput,
// virsh list --all over thousands of domains, define throughput, event
// latency and loss, idle and per-domain RSS. Every suite runs on freshly
// started daemons, the two daemons alternating which goes first; each
// figure is the median over -runs. It prints a table with the ratios
// against the project's targets and writes the results as JSON.
//
//	go run ./bench/cmd/govirt-bench [-runs 3] [-json FILE] [-profile DIR]
//
// -profile DIR then runs each suite once more against govirtd's core under
// pprof (serve-govirtd) and writes DIR/govirtd-<suite>.{cpu,heap}.pprof,
// and DIR/govirtd-events.trace (a runtime trace) for the events suite.
// -candidate BIN measures a second govirtd build in the same run, for an
// A/B of a daemon change (its ratios are against libvirtd too).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve-govirtd" {
		if err := serveGovirtd(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "govirt-bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "govirt-bench:", err)
		os.Exit(1)
	}
}

type config struct {
	params
	runs       int
	govirtd    string
	libvirtd   string
	jsonPath   string
	profileDir string
	suites     string
	daemons    string
	candidate  string
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("govirt-bench", flag.ContinueOnError)
	fs.IntVar(&c.runs, "runs", 3, "runs of every suite; figures are medians over runs")
	fs.IntVar(&c.domains, "domains", 5000, "domains defined for define throughput, list --all and RSS per domain")
	fs.IntVar(&c.listReps, "list-reps", 5, "list --all repetitions over the domains")
	fs.IntVar(&c.calls, "calls", 20000, "trivial calls timed for latency")
	fs.IntVar(&c.conns, "conns", 8, "connections for the throughput suite")
	fs.DurationVar(&c.duration, "duration", 3*time.Second, "throughput measuring time")
	fs.IntVar(&c.eventIters, "event-iters", 500, "define+undefine pairs while a subscriber listens")
	fs.StringVar(&c.govirtd, "govirtd", "", "govirtd `binary` (default: go build github.com/govirt/govirt/cmd/govirtd)")
	fs.StringVar(&c.libvirtd, "libvirtd", "", "libvirtd `binary` (default: libvirtd on PATH or /usr/sbin)")
	fs.StringVar(&c.jsonPath, "json", "", "write the results as JSON to `FILE`")
	fs.StringVar(&c.profileDir, "profile", "", "profile govirtd's core per suite into `DIR`")
	fs.StringVar(&c.suites, "suites", "domains,calls,throughput,events", "suites to run")
	fs.StringVar(&clientMode, "client", "blocking", "how the client waits: blocking (read(2) on a thread, like C clients) or poll (Go's network poller, like go-libvirt)")
	fs.StringVar(&eventWake, "event-wake", "rt", "events suite: the client threads waiting for the reply and the event run SCHED_FIFO (rt), idle CPUs do not halt (pmqos), or neither (plain); see bench/README.md")
	fs.StringVar(&c.candidate, "candidate", "", "a second govirtd `binary` measured alongside as \"candidate\" (A/B of a daemon change)")
	fs.StringVar(&c.daemons, "daemons", "libvirtd,govirtd", "daemons to measure (libvirtd is skipped with a note when not installed)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if clientMode != "blocking" && clientMode != "poll" {
		return c, fmt.Errorf("-client: blocking or poll, not %q", clientMode)
	}
	if err := parseEventWake(eventWake); err != nil {
		return c, err
	}
	if c.runs < 1 || c.domains < 1 || c.listReps < 1 || c.calls < 1 || c.conns < 1 || c.eventIters < 1 {
		return c, fmt.Errorf("sizes must be positive")
	}
	return c, nil
}

// Results is the JSON document.
type Results struct {
	Started time.Time `json:"started"`
	Host    Host      `json:"host"`
	Params  Params    `json:"params"`
	Notes   []string  `json:"notes,omitempty"`
	// Runs[daemon][metric] holds one value per run; Summary is their median.
	Runs     map[string]map[string][]float64 `json:"runs"`
	Summary  map[string]map[string]float64   `json:"summary"`
	Targets  []TargetResult                  `json:"targets"`
	Profiles []string                        `json:"profiles,omitempty"`
}

type Host struct {
	CPUs      int     `json:"cpus"`
	Kernel    string  `json:"kernel"`
	GoVersion string  `json:"go_version"`
	Libvirtd  string  `json:"libvirtd,omitempty"`
	Load1     float64 `json:"load1_at_start"`
	Load1End  float64 `json:"load1_at_end"`
}

type Params struct {
	Runs       int     `json:"runs"`
	Domains    int     `json:"domains"`
	ListReps   int     `json:"list_reps"`
	Calls      int     `json:"calls"`
	Conns      int     `json:"conns"`
	DurationS  float64 `json:"throughput_duration_s"`
	EventIters int     `json:"event_iters"`
	Client     string  `json:"client"`
	EventWake  string  `json:"event_wake"`
}

// TargetResult is one of the project's targets checked against the run.
type TargetResult struct {
	Metric   string   `json:"metric"`
	What     string   `json:"what"`
	Libvirtd *float64 `json:"libvirtd,omitempty"`
	Govirtd  *float64 `json:"govirtd,omitempty"`
	Ratio    *float64 `json:"ratio,omitempty"` // govirtd / libvirtd
	Target   string   `json:"target"`
	Met      *bool    `json:"met,omitempty"`
}

// target is a goal for one metric: a ratio of govirtd's figure to
// libvirtd's (ratio > 0), or a bound on govirtd's own figure. An info
// row has no goal: it is printed beside the targets for comparison.
type target struct {
	metric, what string
	ratio        float64 // govirtd/libvirtd must be ≤ ratio (atMost) or ≥ ratio
	bound        float64 // govirtd's value must be ≤ bound when ratio == 0
	atMost       bool
	text         string
	info         bool
}

func targets(p params) []target {
	return []target{
		{metric: "libversion_p50_us", what: "CONNECT_GET_LIB_VERSION latency p50 (µs)", ratio: 0.5, atMost: true, text: "≤ 0.5×"},
		{metric: "lookup_p50_us", what: "DOMAIN_LOOKUP_BY_NAME latency p50 (µs)", ratio: 0.5, atMost: true, text: "≤ 0.5×"},
		{metric: fmt.Sprintf("calls_per_s_%dconn", p.conns), what: fmt.Sprintf("%d-connection throughput (calls/s)", p.conns), ratio: 2, text: "≥ 2×"},
		{metric: "list_all_ms", what: fmt.Sprintf("list --all over %d domains (ms)", p.domains), ratio: 1.0 / 3, atMost: true, text: "≤ ⅓×"},
		{metric: "define_per_s", what: "define throughput (domains/s)", ratio: 2, text: "≥ 2×"},
		{metric: "events_lost", what: "lifecycle events lost, subscriber", bound: 0, atMost: true, text: "= 0"},
		{metric: "same_conn_events_lost", what: "lifecycle events lost, calling connection", bound: 0, atMost: true, text: "= 0"},
		// The figure, measured as its reference tool
		// (../shared/tools/vbench) measures it: the event against the
		// reply on the connection that made the call and subscribed.
		{metric: "same_conn_event_after_reply_p99_us", what: "event after its reply p99 (µs)", bound: 50, atMost: true, text: "≤ 50 µs"},
		// The same event at another client, whose thread must wake
		// separately: beside the target, without a goal of its own.
		{metric: "event_after_reply_p99_us", what: "  … at another connection (µs)", atMost: true, text: "info", info: true},
		{metric: "rss_idle_kib", what: "idle RSS (KiB)", ratio: 1, atMost: true, text: "≤ 1×"},
		{metric: "rss_bytes_per_domain", what: "RSS per domain (bytes)", ratio: 1, atMost: true, text: "≤ 1×"},
	}
}

func run(args []string, out io.Writer) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	res := &Results{
		Started: time.Now().UTC(),
		Host:    hostInfo(),
		Params: Params{Runs: cfg.runs, Domains: cfg.domains, ListReps: cfg.listReps, Calls: cfg.calls,
			Conns: cfg.conns, DurationS: cfg.duration.Seconds(), EventIters: cfg.eventIters, Client: clientMode, EventWake: wakeNote()},
		Runs:    map[string]map[string][]float64{},
		Summary: map[string]map[string]float64{},
	}

	starters := map[string]func() (*daemon, error){}
	var order []string
	for _, name := range strings.Split(cfg.daemons, ",") {
		switch name {
		case "libvirtd":
			bin := cfg.libvirtd
			if bin == "" {
				bin = findLibvirtd()
			}
			if bin == "" {
				res.Notes = append(res.Notes, "libvirtd is not installed (Debian package libvirt-daemon): govirtd alone")
				continue
			}
			res.Host.Libvirtd = libvirtdVersion(bin)
			starters[name] = func() (*daemon, error) { return startLibvirtd(bin) }
		case "govirtd":
			bin := cfg.govirtd
			if bin == "" {
				tmp, err := os.MkdirTemp("", "govirt-bench-bin-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				bin = filepath.Join(tmp, "govirtd")
				if b, err := exec.Command("go", "build", "-o", bin, "github.com/govirt/govirt/cmd/govirtd").CombinedOutput(); err != nil {
					return fmt.Errorf("building govirtd: %v\n%s", err, b)
				}
			}
			starters[name] = func() (*daemon, error) { return startGovirtd(bin) }
		default:
			return fmt.Errorf("unknown daemon %q", name)
		}
		order = append(order, name)
	}
	if cfg.candidate != "" {
		bin := cfg.candidate
		starters["candidate"] = func() (*daemon, error) {
			d, err := startGovirtd(bin)
			if d != nil {
				d.name = "candidate"
			}
			return d, err
		}
		order = append(order, "candidate")
	}
	if len(order) == 0 {
		return fmt.Errorf("no daemon to measure")
	}
	chosen, err := pickSuites(cfg.suites)
	if err != nil {
		return err
	}

	for r := 0; r < cfg.runs; r++ {
		for _, s := range chosen {
			names := append([]string(nil), order...)
			if r%2 == 1 {
				for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
					names[i], names[j] = names[j], names[i]
				}
			}
			for _, name := range names {
				fmt.Fprintf(os.Stderr, "run %d/%d: %s on %s\n", r+1, cfg.runs, s.name, name)
				m, err := runSuite(starters[name], s, cfg.params)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", s.name, name, err)
				}
				if res.Runs[name] == nil {
					res.Runs[name] = map[string][]float64{}
				}
				for k, v := range m {
					res.Runs[name][k] = append(res.Runs[name][k], v)
				}
			}
		}
	}
	for name, ms := range res.Runs {
		res.Summary[name] = map[string]float64{}
		for k, vs := range ms {
			res.Summary[name][k] = medianF(vs)
		}
	}
	res.Targets = checkTargets(targets(cfg.params), res.Summary)
	res.Host.Load1End = loadavg()

	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return err
		}
		for _, s := range chosen {
			fmt.Fprintf(os.Stderr, "profile: %s on govirtd under pprof\n", s.name)
			prefix := filepath.Join(cfg.profileDir, "govirtd-"+s.name)
			// The events suite is about scheduling, which a trace shows.
			withTrace := s.name == "events"
			if _, err := runSuite(func() (*daemon, error) { return startProfiledGovirtd(prefix, withTrace) }, s, cfg.params); err != nil {
				return fmt.Errorf("profiling %s: %w", s.name, err)
			}
			res.Profiles = append(res.Profiles, prefix+".cpu.pprof", prefix+".heap.pprof")
			if withTrace {
				res.Profiles = append(res.Profiles, prefix+".trace")
			}
		}
	}

	printReport(out, res)
	if cfg.jsonPath != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.jsonPath, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func pickSuites(list string) ([]suite, error) {
	var out []suite
	for _, n := range strings.Split(list, ",") {
		found := false
		for _, s := range suites {
			if s.name == n {
				out, found = append(out, s), true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown suite %q", n)
		}
	}
	return out, nil
}

func runSuite(start func() (*daemon, error), s suite, p params) (metrics, error) {
	d, err := start()
	if err != nil {
		return nil, err
	}
	defer d.stop()
	// Let start-up work (libvirtd's driver initialisation, the first GC)
	// finish before anything is measured.
	time.Sleep(time.Second)
	return s.run(d, p)
}

func checkTargets(ts []target, sum map[string]map[string]float64) []TargetResult {
	var out []TargetResult
	for _, t := range ts {
		tr := TargetResult{Metric: t.metric, What: t.what, Target: t.text}
		lv, lok := sum["libvirtd"][t.metric]
		gv, gok := sum["govirtd"][t.metric]
		if lok {
			tr.Libvirtd = &lv
		}
		if gok {
			tr.Govirtd = &gv
		}
		if lok && gok && lv != 0 {
			r := gv / lv
			tr.Ratio = &r
		}
		var met bool
		switch {
		case t.info:
		case t.ratio == 0 && gok:
			met = gv <= t.bound
			tr.Met = &met
		case t.ratio != 0 && tr.Ratio != nil:
			if t.atMost {
				met = *tr.Ratio <= t.ratio
			} else {
				met = *tr.Ratio >= t.ratio
			}
			tr.Met = &met
		}
		out = append(out, tr)
	}
	return out
}

func printReport(w io.Writer, res *Results) {
	fmt.Fprintf(w, "govirt-bench %s — %d CPUs, kernel %s, %s, libvirtd %s; %s client (events: %s); %d run(s), medians; load %.1f → %.1f\n\n",
		res.Started.Format(time.RFC3339), res.Host.CPUs, res.Host.Kernel, res.Host.GoVersion, orDash(res.Host.Libvirtd), res.Params.Client, orDash(res.Params.EventWake), res.Params.Runs,
		res.Host.Load1, res.Host.Load1End)
	for _, n := range res.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	_, withCandidate := res.Summary["candidate"]
	candCols := func(metric string) string {
		if !withCandidate {
			return ""
		}
		var c, r *float64
		if v, ok := res.Summary["candidate"][metric]; ok {
			c = &v
			if l, ok := res.Summary["libvirtd"][metric]; ok && l != 0 {
				x := v / l
				r = &x
			}
		}
		return fmt.Sprintf(" %12s %9s", fnum(c), ratio(r))
	}
	candHead := ""
	if withCandidate {
		candHead = fmt.Sprintf(" %12s %9s", "candidate", "ratio")
	}
	fmt.Fprintf(w, "%-44s %12s %12s %9s %8s %-6s%s\n", "target", "libvirtd", "govirtd", "ratio", "goal", "", candHead)
	for _, t := range res.Targets {
		status := ""
		if t.Met != nil {
			status = map[bool]string{true: "met", false: "MISSED"}[*t.Met]
		}
		fmt.Fprintf(w, "%-44s %12s %12s %9s %8s %-6s%s\n", t.What, fnum(t.Libvirtd), fnum(t.Govirtd), ratio(t.Ratio), t.Target, status, candCols(t.Metric))
	}
	fmt.Fprintln(w)
	keys := map[string]bool{}
	for _, m := range res.Summary {
		for k := range m {
			keys[k] = true
		}
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	fmt.Fprintf(w, "%-44s %12s %12s %9s%s\n", "all figures", "libvirtd", "govirtd", "ratio", candHead)
	for _, k := range sorted {
		var l, g *float64
		if v, ok := res.Summary["libvirtd"][k]; ok {
			l = &v
		}
		if v, ok := res.Summary["govirtd"][k]; ok {
			g = &v
		}
		var r *float64
		if l != nil && g != nil && *l != 0 {
			x := *g / *l
			r = &x
		}
		fmt.Fprintf(w, "%-44s %12s %12s %9s%s\n", k, fnum(l), fnum(g), ratio(r), candCols(k))
	}
	if len(res.Profiles) > 0 {
		fmt.Fprintln(w, "\nprofiles (go tool pprof -top FILE):")
		for _, p := range res.Profiles {
			fmt.Fprintln(w, " ", p)
		}
	}
}

func fnum(v *float64) string {
	if v == nil {
		return "—"
	}
	switch a := *v; {
	case a >= 1000 || a == float64(int64(a)):
		return fmt.Sprintf("%.0f", a)
	case a >= 10:
		return fmt.Sprintf("%.1f", a)
	default:
		return fmt.Sprintf("%.2f", a)
	}
}

func ratio(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f×", *v)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func medianF(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func hostInfo() Host {
	h := Host{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		h.Kernel = strings.TrimSpace(string(b))
	}
	h.Load1 = loadavg()
	return h
}

// loadavg is the 1-minute load average: other work on the machine skews
// every figure, the two daemons' alike only on average.
func loadavg() float64 {
	var l float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Sscan(string(b), &l)
	}
	return l
}

func libvirtdVersion(bin string) string {
	b, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[len(f)-1]
}
