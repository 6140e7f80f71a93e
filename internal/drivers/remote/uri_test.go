package remote

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/driver"
)

func TestDaemonURI(t *testing.T) {
	for in, want := range map[string]string{
		"test+unix:///default?socket=/p&foo=bar&no_tty=1":   "test:///default?foo=bar",
		"qemu+ssh://root@host:2222/system?keyfile=/k":       "qemu:///system",
		"qemu+ssh://host/system?SOCKET=/x&Mode=legacy":      "qemu:///system",
		"qemu://host/system":                                "qemu:///system",
		"remote+unix:///":                                   "",
		"remote://host/":                                    "",
		"qemu+tcp://host/system?name=xen:///":               "xen:///",
		"test+tcp://h/default#frag":                         "test:///default#frag",
		"lxc+tls://h/?pkipath=/p&no_verify=1&tls_priority=": "lxc:///",
		"qemu+ext:///system?command=/bin/x&authfile=/a":     "qemu:///system",
	} {
		got, err := DaemonURI(mustURI(t, in))
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := DaemonURI(mustURI(t, "qemu+ssh://h/system?no_tty=yes")); err == nil {
		t.Error("no_tty=yes accepted")
	}
}

func TestTransport(t *testing.T) {
	for in, want := range map[string]string{
		"qemu:///system": "unix", "qemu://h/system": "tls", "qemu+TCP://h/system": "tcp",
		"qemu+ssh://h/system": "ssh", "qemu+ext:///system": "ext",
	} {
		got, err := transport(mustURI(t, in))
		if err != nil || got != want {
			t.Errorf("%s: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"qemu+bogus:///system", "qemu+unix://host/system"} {
		if _, err := transport(mustURI(t, in)); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func TestUnixSocket(t *testing.T) {
	saved := runDir
	runDir = t.TempDir()
	defer func() { runDir = saved }()
	sys := socketFlags{}
	ro := socketFlags{readOnly: true}
	check := func(drv, tr, mode string, f socketFlags, want string) {
		t.Helper()
		got, err := UnixSocket(drv, tr, mode, f)
		if err != nil || got != want {
			t.Errorf("%s %s %s %+v: %q %v, want %q", drv, tr, mode, f, got, err, want)
		}
	}
	check("qemu", "unix", "", sys, runDir+"/libvirt-sock")
	check("qemu", "unix", "", ro, runDir+"/libvirt-sock-ro")
	check("qemu", "unix", "direct", sys, runDir+"/virtqemud-sock")
	if err := os.WriteFile(runDir+"/virtqemud-sock", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	check("qemu", "unix", "auto", sys, runDir+"/virtqemud-sock")
	check("qemu", "unix", "legacy", sys, runDir+"/libvirt-sock")
	check("qemu", "ssh", "", sys, runDir+"/libvirt-sock")
	check("test", "unix", "", sys, runDir+"/libvirt-sock")
	if _, err := UnixSocket("qemu", "ssh", "direct", sys); err == nil {
		t.Error("direct mode over ssh accepted")
	}
	if _, err := UnixSocket("qemu", "unix", "bogus", sys); err == nil {
		t.Error("unknown mode accepted")
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	check("qemu", "unix", "legacy", socketFlags{user: true}, "/run/user/1000/libvirt/libvirt-sock")

	if f := daemonFlags(mustURI(t, "qemu:///system"), driver.OpenReadOnly); f.user || !f.readOnly {
		t.Errorf("flags %+v", f)
	}
}

func TestHelperCommand(t *testing.T) {
	cmd, err := helperCommand("auto", "", "/var/run/libvirt/libvirt-sock", "qemu:///system", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{HelperName + " 'qemu:///system'", "virt-ssh-helper 'qemu:///system'", "-U /var/run/libvirt/libvirt-sock"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("%s lacks %q", cmd, want)
		}
	}
	ro, _ := helperCommand("native", "", "", "test:///default?a=b c", true)
	if !strings.Contains(ro, HelperName+" -r ") {
		t.Errorf("read-only helper: %s", ro)
	}
	nc, _ := helperCommand("auto", "/opt/nc", "/s", "qemu:///system", false)
	if strings.Contains(nc, HelperName) || !strings.Contains(nc, "/opt/nc") {
		t.Errorf("netcat= must force netcat: %s", nc)
	}
	if _, err := helperCommand("native", "/opt/nc", "/s", "qemu:///system", false); err == nil {
		t.Error("netcat with native proxy accepted")
	}
	// What sshd hands to the remote shell must parse, whatever the URI.
	for _, c := range []string{cmd, ro, nc} {
		if out, err := exec.Command("sh", "-n", "-c", c).CombinedOutput(); err != nil {
			t.Errorf("%s: %v %s", c, err, out)
		}
	}
}

// TestGenerated checks that client_gen.go is what the generator writes
// from the protocol definition and the two packages it converts between.
func TestGenerated(t *testing.T) {
	in := "../../../../shared/reference/libvirt-9.0.0-protocol"
	if _, err := os.Stat(filepath.Join(in, "remote_protocol.x")); err != nil {
		t.Skip("../shared/reference is not present")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	tmp := t.TempDir()
	out, err := exec.Command("go", "run", "../../gen/apigen", "client", "-in", in, "-wire", "../../rpc/remote", "-driver", "../../driver", "-out", tmp).CombinedOutput()
	if err != nil {
		t.Fatalf("apigen client: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join(tmp, "client_gen.go"))
	have, _ := os.ReadFile("client_gen.go")
	if !bytes.Equal(want, have) {
		t.Error("client_gen.go is not what apigen generates; run go generate ./internal/drivers/remote")
	}
}
