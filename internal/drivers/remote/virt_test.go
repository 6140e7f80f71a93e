package remote_test

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/drivers/remote"
	"github.com/govirt/govirt/virt"
)

// TestVirtOpen drives a daemon through the public API: virt.Open hands
// URIs with a transport to the remote driver.
func TestVirtOpen(t *testing.T) {
	d := remote.StartLibvirtd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := virt.Open(ctx, "test+unix:///default?socket="+d.Socket())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	doms, err := conn.ListAllDomains(ctx, 0)
	if err != nil || len(doms) != 1 || doms[0].Name() != "test" {
		t.Fatalf("domains %v %v", doms, err)
	}
	state, _, err := doms[0].State(ctx)
	if err != nil || state != virt.DomainRunning {
		t.Fatalf("state %v %v", state, err)
	}
	mime, st, err := doms[0].Screenshot(ctx, 0, 0)
	if err != nil || mime != "image/png" {
		t.Fatalf("screenshot %q %v", mime, err)
	}
	var png bytes.Buffer
	buf := make([]byte, 64<<10)
	for {
		n, err := st.Recv(ctx, buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		png.Write(buf[:n])
	}
	if !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) {
		t.Errorf("screenshot is not a PNG (%d bytes)", png.Len())
	}
}

// TestGovirshAgainstLibvirtd runs govirsh against libvirtd's test driver
// and compares its output with the stock virsh running the test driver in
// process.
func TestGovirshAgainstLibvirtd(t *testing.T) {
	virsh, err := exec.LookPath("virsh")
	if err != nil {
		t.Skip("virsh is not installed (Debian package libvirt-clients)")
	}
	d := remote.StartLibvirtd(t)
	govirsh, ok := remote.GoBinary(t, "govirsh")
	if !ok {
		t.Skipf("govirsh does not build:\n%s", govirsh)
	}
	uri := "test+unix:///default?socket=" + d.Socket()
	for _, args := range [][]string{
		{"list", "--all"}, {"dominfo", "test"}, {"domstate", "test"}, {"dumpxml", "test"},
		{"net-list", "--all"}, {"pool-list", "--all"}, {"nodeinfo"}, {"hostname"}, {"dominfo", "nosuch"},
	} {
		want, wantErr := run(virsh, append([]string{"-c", "test:///default"}, args...))
		got, gotErr := run(govirsh, append([]string{"-c", uri}, args...))
		// The test driver reports the time of day as a running domain's
		// CPU time, so the two runs differ there by how far apart they ran.
		want, got = cpuTime.ReplaceAllString(want, "CPU time: (time of day)"), cpuTime.ReplaceAllString(got, "CPU time: (time of day)")
		if got != want || (wantErr == nil) != (gotErr == nil) {
			t.Errorf("%v:\ngovirsh over libvirtd (%v):\n%s\nvirsh -c test:///default (%v):\n%s", args, gotErr, got, wantErr, want)
		}
	}
}

var cpuTime = regexp.MustCompile(`(?m)^CPU time: .*$`)

func run(bin string, args []string) (string, error) {
	cmd := exec.Command(bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String() + "--- stderr ---\n" + errOut.String(), err
}
