package difftest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file is the one place that decides which differences between two
// runs of the same command do not count. Every rule masks a value that
// changes from run to run even with the stock virsh alone (the test driver
// reads the clock for CPU time and I/O counters; libvirt generates UUIDs,
// MACs and snapshot names); anything else is compared byte for byte.

// Normaliser holds what the rules need to know about one comparison.
type Normaliser struct {
	// Known values are printed as they are even when they look generated:
	// those written in the script and those of the test driver's default
	// node.
	Known map[string]bool
	// From and To bound the wall clock of the run; only numbers and dates
	// inside [From-1 day, To+1 day] count as "now".
	From, To time.Time
	// Aliases are connection URIs that stand for test:///default (the
	// daemon's socket URI in daemon mode).
	Aliases []string
}

// defaultNodeValues are the fixed UUIDs and MACs of libvirt's built-in
// test:///default node: never masked.
var defaultNodeValues = []string{
	"6695eb01-f6a4-8304-79aa-97f2502e193f", // domain test
	"dd8fe884-6c02-601e-7551-cca97df1c5df", // network default
	"dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566", // pool default-pool
	"11111111-2222-3333-4444-555555555555", // node device computer
	"aa:bb:cc:dd:ee:ff",                    // eth1, test's NIC
}

// NewNormaliser returns a normaliser for a script whose text is given
// (input files and command lines): UUIDs and MACs found there are known.
func NewNormaliser(scriptText string, from, to time.Time) *Normaliser {
	n := &Normaliser{Known: map[string]bool{}, From: from, To: to}
	for _, v := range defaultNodeValues {
		n.Known[v] = true
	}
	for _, v := range uuidRE.FindAllString(scriptText, -1) {
		n.Known[strings.ToLower(v)] = true
	}
	for _, v := range macRE.FindAllString(scriptText, -1) {
		n.Known[strings.ToLower(v)] = true
	}
	return n
}

var (
	uuidRE = regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`)
	// libvirt generates MACs with QEMU's prefix 52:54:00.
	macRE = regexp.MustCompile(`\b52:54:00(:[0-9a-fA-F]{2}){3}\b`)
	// "CPU time:" lines of dominfo and vcpuinfo: the test driver reports
	// the time of day.
	cpuTimeRE = regexp.MustCompile(`(?m)^(CPU time:\s+)\S+$`)
	// Counters of domblkstat/domifstat, which the test driver derives from
	// the clock.
	counterRE = regexp.MustCompile(`(?m)^(\S+ (?:rd_req|rd_bytes|wr_req|wr_bytes|errs|flush_operations|rd_total_times|wr_total_times|flush_total_times|rx_bytes|rx_packets|rx_errs|rx_drop|tx_bytes|tx_packets|tx_errs|tx_drop) )\d+$`)
	// The same counters as domblkstat --human words them.
	humanCounterRE = regexp.MustCompile(`(?m)^( (?:number of [a-z ]+|error count|total duration of [a-z ]+(?: \(ns\))?):\s+)\d+$`)
	// Epoch times in seconds, ms, µs or ns, possibly with a fraction.
	epochRE = regexp.MustCompile(`\b\d{10}(?:\d{3}|\d{6}|\d{9})?(?:\.\d+)?\b`)
	// Dates as virsh prints them, and in screenshot's default file name
	// (DOMAIN-YYYY-MM-DD-HH:MM:SS.png).
	dateRE = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[ T-]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?: ?[+-]\d{4}|Z)?`)
)

// Apply returns s with the run-dependent values masked. Generated UUIDs
// and MACs become UUID#n/MAC#n numbered by first appearance, so that a
// value printed twice must still be the same value twice.
func (n *Normaliser) Apply(s string) string {
	for _, a := range n.Aliases {
		s = strings.ReplaceAll(s, a, "test:///default")
	}
	s = cpuTimeRE.ReplaceAllString(s, "${1}<cpu-time>")
	s = counterRE.ReplaceAllString(s, "${1}<counter>")
	s = humanCounterRE.ReplaceAllString(s, "${1}<counter>")
	s = dateRE.ReplaceAllStringFunc(s, func(m string) string {
		if n.nowDate(m) {
			return "<date>"
		}
		return m
	})
	s = epochRE.ReplaceAllStringFunc(s, func(m string) string {
		sec, err := strconv.ParseInt(m[:10], 10, 64)
		if err == nil && n.near(time.Unix(sec, 0)) {
			return "<now>"
		}
		return m
	})
	s = n.number(s, uuidRE, "UUID")
	s = n.number(s, macRE, "MAC")
	return s
}

func (n *Normaliser) number(s string, re *regexp.Regexp, label string) string {
	seen := map[string]string{}
	return re.ReplaceAllStringFunc(s, func(m string) string {
		k := strings.ToLower(m)
		if n.Known[k] {
			return m
		}
		if v, ok := seen[k]; ok {
			return v
		}
		v := fmt.Sprintf("%s#%d", label, len(seen)+1)
		seen[k] = v
		return v
	})
}

func (n *Normaliser) near(t time.Time) bool {
	return !t.Before(n.From.Add(-24*time.Hour)) && !t.After(n.To.Add(24*time.Hour))
}

func (n *Normaliser) nowDate(m string) bool {
	t, err := time.Parse("2006-01-02 15:04:05", m[:10]+" "+m[11:19])
	return err == nil && n.near(t)
}
