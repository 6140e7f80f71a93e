package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for govirt-bench when the
// profiling pass re-executes it as serve-govirtd.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve-govirtd" {
		if err := serveGovirtd(os.Args[2:]); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSmoke runs every suite once at toy sizes and checks the report and
// the JSON have every daemon's figures. It asserts nothing about speed.
// With -short only govirtd is measured.
func TestSmoke(t *testing.T) {
	dir := t.TempDir()
	daemons := "libvirtd,govirtd"
	if testing.Short() {
		daemons = "govirtd"
	}
	out := filepath.Join(dir, "r.json")
	var report strings.Builder
	err := run([]string{"-runs", "1", "-domains", "20", "-list-reps", "2", "-calls", "50", "-duration", "200ms",
		"-event-iters", "5", "-daemons", daemons, "-json", out, "-profile", filepath.Join(dir, "prof")}, &report)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(report.String())
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	measured := []string{"govirtd"}
	if !testing.Short() && findLibvirtd() != "" {
		measured = append(measured, "libvirtd")
	}
	for _, d := range measured {
		for _, k := range []string{"libversion_p50_us", "calls_per_s_8conn", "list_all_ms", "define_per_s",
			"events_lost", "event_after_reply_p99_us", "same_conn_events_lost", "same_conn_event_after_reply_p99_us",
			"rss_idle_kib", "rss_bytes_per_domain"} {
			if _, ok := res.Summary[d][k]; !ok {
				t.Errorf("%s: no %s in the results", d, k)
			}
		}
		if res.Summary[d]["list_domains_seen"] < 20 {
			t.Errorf("%s: list saw %v domains, want at least the 20 defined", d, res.Summary[d]["list_domains_seen"])
		}
	}
	for _, k := range []string{"events_lost", "same_conn_events_lost"} {
		if res.Summary["govirtd"][k] != 0 {
			t.Errorf("govirtd: %s = %v", k, res.Summary["govirtd"][k])
		}
	}
	for _, p := range res.Profiles {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("profile %s missing or empty", p)
		}
	}
	if !strings.Contains(report.String(), "8-connection throughput") {
		t.Errorf("report lacks the targets table:\n%s", report.String())
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-runs", "0"}, {"-client", "spin"}, {"-event-wake", "fast"}, {"extra"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	if _, err := pickSuites("domains,nope"); err == nil {
		t.Error("unknown suite accepted")
	}
}
