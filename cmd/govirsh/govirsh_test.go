package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

const stockVirsh = "/usr/bin/virsh"

// cpuTime is the time of day for the test driver: it differs run to run.
var cpuTime = regexp.MustCompile(`(?m)^CPU time:.*$`)

func mask(b []byte) string { return cpuTime.ReplaceAllString(string(b), "CPU time: X") }

// Each case runs through govirsh in process and through the stock virsh
// against libvirt's own test driver; output, errors and exit code must
// match byte for byte.
func TestAgainstStockVirsh(t *testing.T) {
	if _, err := os.Stat(stockVirsh); err != nil {
		t.Skip("stock virsh not installed")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	foo, _ := filepath.Abs("testdata/foo.xml")
	cases := [][]string{
		{"list"},
		{"list", "--inactive"},
		{"list", "--all", "--name"},
		{"list", "--all", "--uuid"},
		{"list", "--name", "--uuid"},
		{"list", "--id"},
		{"-q", "list", "--all"},
		{"dominfo", "1"},
		{"dominfo", "6695eb01-f6a4-8304-79aa-97f2502e193f"},
		{"domstate", "test"},
		{"domstate", "--reason", "test"},
		{"destroy test; list --all; dominfo test; domstate --reason test; start test; list --all; domstate --reason test"},
		{"define " + foo + "; list --all; dominfo foo; start foo; list --all; list --all --name; destroy foo; undefine foo; list --all"},
		{"undefine test; list --all; destroy test; list --all"},
		{"-r", "destroy", "test"},
		{"-q", "start test; destroy test; start test"},
		{"start", "test"},
		{"dominfo", "nosuch"},
		{"destroy test; destroy test"},
		{"define", "/nonexistent/dom.xml"},
		{"nosuchcommand"},
		{"dominfo"},
		{"list", "--bogus"},
		{"dominfo test extra"},
		{"list", "--table", "--name"},
		{"--version"},
		{"-c", "foo:///bar", "list"},
	}
	full := make([][]string, len(cases))
	jobs := make([]stockJob, len(cases))
	for i, args := range cases {
		full[i] = args
		if args[0] != "-c" && args[0] != "--version" {
			full[i] = append([]string{"-c", "test:///default"}, args...)
		}
		jobs[i] = stockJob{"", full[i]}
	}
	stock := stockVirshAhead(jobs)
	for i, args := range cases {
		v := stock(i)
		if !v.ok {
			t.Logf("%q: the stock virsh hung three times; not compared", args)
			continue
		}
		var gout, gerr bytes.Buffer
		gcode := run(context.Background(), full[i], &gout, &gerr)
		if mask(gout.Bytes()) != mask([]byte(v.stdout)) {
			t.Errorf("%q stdout:\n--- virsh\n%s--- govirsh\n%s", args, v.stdout, gout.String())
		}
		if gerr.String() != v.stderr {
			t.Errorf("%q stderr:\n--- virsh\n%s--- govirsh\n%s", args, v.stderr, gerr.String())
		}
		if gcode != v.code {
			t.Errorf("%q: exit %d, virsh %d", args, gcode, v.code)
		}
	}
}

func TestTable(t *testing.T) {
	tb := newTable("Id", "Name", "State")
	tb.add("1", "test", "running")
	tb.add("-", "a-much-longer-name", "shut off")
	want := " Id   Name                 State\n" +
		"-------------------------------------\n" +
		" 1    test                 running\n" +
		" -    a-much-longer-name   shut off\n"
	if got := tb.render(true); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseCommandString(t *testing.T) {
	cmds, err := parseCommandString(`dominfo 'my dom'; list --all # comment`)
	if err != nil || len(cmds) != 2 {
		t.Fatalf("%v %v", cmds, err)
	}
	if v, _ := cmds[0].str("domain"); v != "my dom" {
		t.Errorf("domain %q", v)
	}
	if !cmds[1].bool("all") {
		t.Error("--all lost")
	}
	if _, err := parseCommandString(`dumpxml --domain=test --inactive`); err != nil {
		t.Error(err)
	}
}
