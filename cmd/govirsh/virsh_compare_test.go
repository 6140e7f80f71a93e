package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// frameworkCases run the same command line through govirsh (in process)
// and the stock virsh against libvirt's test driver; stdout, stderr and
// the exit code must agree byte for byte.
var frameworkCases = [][]string{
	{"-h"}, {"-V"}, {"-v"}, {"--version=long"}, {"--version"}, {"-x"}, {"--bogus"}, {"-d"},
	{"-e", "ab"}, {"-k", "3x", "echo"}, {"--", "echo", "hi"}, {"-q", "echo", "hi"}, {"-c"},
	{"-c", "test:///default", "help"}, {"-c", "test:///default", "help network"},
	{"-c", "test:///default", "help net-update"}, {"-c", "test:///default", "help nosuch"},
	{"-c", "test:///default", "help --command"}, {"-c", "test:///default", "help a b"},
	{"-c", "test:///default", "net-info --help default"},
	{"-c", "test:///default", `echo a"b c"d 'e\f' "g\"h"`}, {"-c", "test:///default", "echo a # b"},
	{"-c", "test:///default", "echo --shell a 'b c' '' \"x'y\""}, {"-c", "test:///default", "echo --xml \"a'<>&\""},
	{"-c", "test:///default", "echo --split a,,b,c d"}, {"-c", "test:///default", "echo --str x --hi"},
	{"-c", "test:///default", "echo --shell --xml a"}, {"-c", "test:///default", "echo a \"b"},
	{"-c", "test:///default", "echo a\\"}, {"-c", "test:///default", "echo x; quit; echo y"},
	{"-c", "test:///default", "pwd"}, {"-c", "test:///default", "cd /tmp"},
	{"-c", "test:///default", "net-info ''"}, {"-c", "test:///default", "net-info --network"},
	{"-c", "test:///default", "net-info --bogus"}, {"-c", "test:///default", "net-info default --network x"},
	{"-c", "test:///default", "net-list --all=1"}, {"-c", "test:///default", "net-info default; nosuch; net-info default"},
	{"-c", "test:///default", "net-update default add ip-dhcp-host x --parent-index abc"},
	{"-c", "test:///default", "attach-disk test"},
}

var groupCases = []string{
	"net-list --name", "net-list --uuid", "net-list --name --uuid",
	"net-define net2.xml; net-list --all; net-start net2; net-autostart net2; net-list --autostart; net-autostart --disable net2; net-destroy net2; net-undefine net2",
	"net-name nosuch",
	"net-undefine nosuch",
	"net-event", "net-event --event foo", "net-define /nonexistent",
	`net-update default add ip-dhcp-host '<host mac="00:11:22:33:44:55" ip="192.168.122.5"/>' --live; net-dumpxml default`,
	"net-update default foo bar x", "net-update default add bar x", "net-port-dumpxml default abc",
	"pool-list --all --details", "pool-list --name", "pool-list --uuid --name", "pool-list --type foo",
	"pool-autostart default-pool; pool-list --autostart",
	"pool-create-as x netfs --source-host h --source-path /p --source-format nfs --target /t --print-xml",
	"pool-destroy default-pool; pool-list --all --details; pool-delete default-pool; pool-build default-pool",
	"vol-create-as default-pool v1 10M --format raw; vol-list default-pool --details; vol-info v1 --pool default-pool; vol-info --bytes v1 --pool default-pool; vol-key v1 --pool default-pool; vol-name /default-pool/v1; vol-pool /default-pool/v1; vol-dumpxml v1 --pool default-pool; vol-resize v1 20M --pool default-pool; vol-wipe v1 --pool default-pool; vol-clone v1 v2 --pool default-pool; vol-list default-pool; vol-delete v2 --pool default-pool",
	"vol-create-as default-pool v3 1G --allocation 10M --print-xml", "vol-create-as default-pool v3 1x",
	"vol-info v --pool nosuch", "vol-wipe v --pool default-pool --algorithm foo", "vol-resize x -5 --pool default-pool",
}

// runAllBoth runs every argument list through the stock virsh (ahead, in
// parallel, see stockVirshAhead) and through govirsh in process in dir,
// comparing stdout, stderr and the exit code byte for byte.
func runAllBoth(t *testing.T, dir string, cases [][]string) {
	t.Helper()
	jobs := make([]stockJob, len(cases))
	for i, args := range cases {
		jobs[i] = stockJob{dir, args}
	}
	stock := stockVirshAhead(jobs)
	for i, args := range cases {
		v := stock(i)
		if !v.ok {
			t.Logf("%q: the stock virsh hung three times; not compared", args)
			continue
		}
		var gout, gerr bytes.Buffer
		gcode := runWithInput(context.Background(), args, strings.NewReader(""), &gout, &gerr)
		if gout.String() != v.stdout {
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

// onDefault puts each command string after -c test:///default.
func onDefault(lines []string) [][]string {
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = []string{"-c", "test:///default", l}
	}
	return out
}

func TestFrameworkAndGroupsAgainstStockVirsh(t *testing.T) {
	if _, err := os.Stat(stockVirsh); err != nil {
		t.Skip("stock virsh not installed")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_CACHE_HOME", dir)
	net2 := "<network>\n  <name>net2</name>\n  <bridge name='virbr5'/>\n  <ip address='192.168.5.1' netmask='255.255.255.0'/>\n</network>\n"
	if err := os.WriteFile(filepath.Join(dir, "net2.xml"), []byte(net2), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	runAllBoth(t, dir, append(append([][]string{}, frameworkCases...), onDefault(groupCases)...))
}

func TestShellNonInteractive(t *testing.T) {
	if _, err := os.Stat(stockVirsh); err != nil {
		t.Skip("stock virsh not installed")
	}
	input := "echo hi\necho a \"b\n\nnosuch\nnet-list --name\nquit\necho b\n"
	var gout bytes.Buffer
	runWithInput(context.Background(), []string{"-c", "test:///default"}, strings.NewReader(input), &gout, &gout)
	cmd := exec.Command(stockVirsh, "-c", "test:///default")
	cmd.Stdin = strings.NewReader(input)
	var vout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &vout, &vout
	_ = cmd.Run()
	// stderr and stdout interleave differently across processes; compare
	// the stdout lines only.
	strip := func(s string) string {
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(l, "error: ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if strip(gout.String()) != strip(vout.String()) {
		t.Errorf("shell:\n--- virsh\n%s--- govirsh\n%s", vout.String(), gout.String())
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"nosuch", "unknown command: 'nosuch'"},
		{"net-info", "command 'net-info' requires <network> option"},
		{"net-info a b", "unexpected data 'b'"},
		{"echo a\\", "dangling \\"},
		{"echo \"a", "missing \""},
		{"net-list --all=1", "invalid '=' after option --all"},
	} {
		_, err := parseCommandString(tc.line)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: %v, want %q", tc.line, err, tc.want)
		}
	}
}

func FuzzParseCommandString(f *testing.F) {
	for _, s := range []string{"echo a", "net-list --all; help", `echo "a\"b" 'c'`, "# x\nhelp", "vol-create-as p n 1G 2G"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseCommandString(s)
	})
}
