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
	"net-list --all", "net-list --name", "net-list --uuid", "net-list --name --uuid", "net-info default",
	"net-define net2.xml; net-list --all; net-start net2; net-autostart net2; net-list --autostart; net-autostart --disable net2; net-destroy net2; net-undefine net2",
	"net-dhcp-leases default", "net-port-list default", "net-name nosuch", "net-uuid nosuch", "net-uuid default",
	"net-name dd8fe884-6c02-601e-7551-cca97df1c5df", "net-start default", "net-event --list", "net-undefine nosuch",
	"net-event", "net-event --event foo", "net-dumpxml default", "net-define /nonexistent",
	`net-update default add ip-dhcp-host '<host mac="00:11:22:33:44:55" ip="192.168.122.5"/>' --live; net-dumpxml default`,
	"net-update default foo bar x", "net-update default add bar x", "net-port-dumpxml default abc",
	"pool-list", "pool-list --all --details", "pool-list --name", "pool-list --uuid --name", "pool-list --type foo",
	"pool-info default-pool", "pool-info --bytes default-pool", "pool-uuid default-pool",
	"pool-name dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566", "pool-autostart default-pool; pool-list --autostart",
	"pool-refresh default-pool", "pool-event --list", "pool-capabilities", "pool-dumpxml default-pool",
	"pool-create-as x netfs --source-host h --source-path /p --source-format nfs --target /t --print-xml",
	"pool-destroy default-pool; pool-list --all --details; pool-delete default-pool; pool-build default-pool",
	"find-storage-pool-sources logical", "pool-info nosuch",
	"vol-create-as default-pool v1 10M --format raw; vol-list default-pool --details; vol-info v1 --pool default-pool; vol-info --bytes v1 --pool default-pool; vol-key v1 --pool default-pool; vol-name /default-pool/v1; vol-pool /default-pool/v1; vol-dumpxml v1 --pool default-pool; vol-resize v1 20M --pool default-pool; vol-wipe v1 --pool default-pool; vol-clone v1 v2 --pool default-pool; vol-list default-pool; vol-delete v2 --pool default-pool",
	"vol-create-as default-pool v3 1G --allocation 10M --print-xml", "vol-create-as default-pool v3 1x",
	"vol-info v --pool nosuch", "vol-wipe v --pool default-pool --algorithm foo", "vol-resize x -5 --pool default-pool",
	"capabilities", "domcapabilities", "hostname", "maxvcpus", "nodeinfo", "sysinfo", "uri", "version", "version --daemon",
}

func runBoth(t *testing.T, dir string, args []string) {
	t.Helper()
	var gout, gerr bytes.Buffer
	gcode := runWithInput(context.Background(), args, strings.NewReader(""), &gout, &gerr)
	cmd := exec.Command(stockVirsh, args...)
	cmd.Dir = dir
	var vout, verr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &vout, &verr
	vcode := 0
	if err := cmd.Run(); err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		vcode = ee.ExitCode()
	}
	if gout.String() != vout.String() {
		t.Errorf("%q stdout:\n--- virsh\n%s--- govirsh\n%s", args, vout.String(), gout.String())
	}
	if gerr.String() != verr.String() {
		t.Errorf("%q stderr:\n--- virsh\n%s--- govirsh\n%s", args, verr.String(), gerr.String())
	}
	if gcode != vcode {
		t.Errorf("%q: exit %d, virsh %d", args, gcode, vcode)
	}
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
	for _, args := range frameworkCases {
		runBoth(t, dir, args)
	}
	for _, line := range groupCases {
		runBoth(t, dir, []string{"-c", "test:///default", line})
	}
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
