package qmp

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
)

// startQEMU launches an idle QEMU (-machine none, -S) with its monitor
// on the socket file given as fd 3, the way libvirt hands it over.
func startQEMU(t *testing.T, chardev string, monitor *os.File) cmdrun.Process {
	t.Helper()
	bin, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("qemu-system-x86_64 not installed")
	}
	c := &cmdrun.Cmd{
		Argv: []string{bin, "-machine", "none", "-nodefaults", "-nographic", "-S",
			"-chardev", chardev, "-mon", "chardev=charmonitor,id=monitor,mode=control"},
		ExtraFiles: []*os.File{monitor},
		Env:        []string{"LC_ALL=C"},
	}
	p, err := (&cmdrun.Exec{}).Start(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-p.Done():
		default:
			p.Signal(syscall.SIGKILL)
			p.Wait()
		}
	})
	return p
}

func checkQueries(t *testing.T, ctx context.Context, c *Conn) {
	t.Helper()
	var v Version
	if err := c.ExecuteInto(ctx, "query-version", nil, &v); err != nil {
		t.Fatal(err)
	}
	if v.QEMU.Major < 4 || v != c.Greeting().Version {
		t.Fatalf("query-version %+v, greeting %+v", v, c.Greeting().Version)
	}
	var cmds []struct{ Name string }
	if err := c.ExecuteInto(ctx, "query-commands", nil, &cmds); err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.Name
	}
	for _, want := range []string{"query-version", "query-machines", "getfd", "add-fd", "system_powerdown", "quit"} {
		if !slices.Contains(names, want) {
			t.Errorf("query-commands lacks %s", want)
		}
	}
	var machines []struct {
		Name  string `json:"name"`
		Alias string `json:"alias"`
	}
	if err := c.ExecuteInto(ctx, "query-machines", nil, &machines); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range machines {
		found = found || m.Alias == "q35" || m.Name == "q35"
	}
	if !found {
		t.Errorf("query-machines has no q35 among %d machines", len(machines))
	}
	_, err := c.Execute(ctx, "no-such-command", nil)
	if !IsClass(err, "CommandNotFound") {
		t.Errorf("unknown command: %v", err)
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	if err := c.GetFD(ctx, "testfd", w); err != nil {
		t.Errorf("getfd: %v", err)
	} else if err := c.CloseFD(ctx, "testfd"); err != nil {
		t.Errorf("closefd: %v", err)
	}
	info, err := c.AddFD(ctx, r, -1, "govirt")
	if err != nil {
		t.Errorf("add-fd: %v", err)
	} else {
		var sets []struct {
			ID  int `json:"fdset-id"`
			FDs []struct {
				Opaque string `json:"opaque"`
			} `json:"fds"`
		}
		if err := c.ExecuteInto(ctx, "query-fdsets", nil, &sets); err != nil || len(sets) != 1 || sets[0].ID != info.FDSetID || sets[0].FDs[0].Opaque != "govirt" {
			t.Errorf("query-fdsets %+v %v", sets, err)
		}
	}
}

// TestRealQEMUListeningSocket hands QEMU a listening socket (server=on,
// wait=off), connects to its path, queries, and quits: QEMU's exit shows
// as EOF after a SHUTDOWN event.
func TestRealQEMUListeningSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "monitor.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	lf, err := l.File()
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	p := startQEMU(t, "socket,id=charmonitor,fd=3,server=on,wait=off", lf)
	lf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, sock, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	checkQueries(t, ctx, c)

	if _, err := c.Execute(ctx, "quit", nil); err != nil && !IsEOF(err) {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("no EOF after quit")
	}
	if !IsEOF(c.Err()) {
		t.Fatalf("end of connection: %v", c.Err())
	}
	ev := c.ShutdownEvent()
	if ev == nil {
		t.Fatal("no SHUTDOWN event before EOF")
	}
	var data struct {
		Guest  bool
		Reason string
	}
	json.Unmarshal(ev.Data, &data)
	if data.Guest || data.Reason != "host-qmp-quit" {
		t.Errorf("SHUTDOWN data %s", ev.Data)
	}
	st, err := p.Wait()
	if err != nil || !st.Exited() || st.Code != 0 {
		t.Fatalf("qemu ended with %v %v", st, err)
	}
}

// TestRealQEMUConnectedFD gives QEMU one end of a socket pair and talks
// on the other; killing QEMU shows as EOF without SHUTDOWN (a crash).
func TestRealQEMUConnectedFD(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours := os.NewFile(uintptr(fds[0]), "monitor")
	theirs := os.NewFile(uintptr(fds[1]), "qemu-monitor")
	p := startQEMU(t, "socket,id=charmonitor,fd=3,server=off", theirs)
	theirs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := FromFile(ctx, ours, Options{})
	ours.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var status struct {
		Running bool   `json:"running"`
		Status  string `json:"status"`
	}
	if err := c.ExecuteInto(ctx, "query-status", nil, &status); err != nil || status.Running || status.Status != "prelaunch" {
		t.Fatalf("query-status %+v %v", status, err)
	}
	p.Signal(syscall.SIGKILL)
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("no EOF after kill")
	}
	if !IsEOF(c.Err()) || c.ShutdownEvent() != nil {
		t.Fatalf("after kill: err %v, shutdown %v", c.Err(), c.ShutdownEvent())
	}
	if st, _ := p.Wait(); st.Signal != syscall.SIGKILL {
		t.Fatalf("status %v", st)
	}
}
