// Package qgatest runs the host's QEMU guest agent for tests that need a
// real one to answer where a guest's agent channel would be.
package qgatest

import (
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// HostAgent starts qemu-ga listening on a unix socket named name in a
// fresh directory, returns the socket's path once qemu-ga accepts on it,
// and stops qemu-ga when the test ends. The test is skipped when qemu-ga
// is not installed.
func HostAgent(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath("qemu-ga")
	if err != nil {
		t.Skip("qemu-ga not installed")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, name)
	cmd := exec.Command(bin, "-m", "unix-listen", "-p", sock, "-t", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// The socket file appears at bind(), before qemu-ga listens (a loaded
	// machine widens that gap; waiting for the file alone once failed with
	// "not connected"): probe until it accepts. qemu-ga serves the next
	// client once the probe hangs up.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		probe, err := net.Dial("unix", sock)
		if err == nil {
			probe.Close()
			return sock
		}
		if time.Now().After(deadline) {
			t.Fatalf("qemu-ga did not listen: %v", err)
		}
	}
}
