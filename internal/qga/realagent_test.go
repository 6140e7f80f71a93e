package qga

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// startAgent runs the host's qemu-ga listening on a unix socket, as a
// guest's agent would answer on its channel; the test is skipped when
// qemu-ga is not installed.
func startAgent(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("qemu-ga")
	if err != nil {
		t.Skip("qemu-ga not installed")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "qga.sock")
	cmd := exec.Command(bin, "-m", "unix-listen", "-p", sock, "-t", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(sock); err == nil {
			return sock
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("qemu-ga did not listen")
	return ""
}

// TestRealAgent talks to a real qemu-ga: the handshake, answers, and
// its refusal of an unknown command.
func TestRealAgent(t *testing.T) {
	sock := startAgent(t)
	ctx := context.Background()
	q, err := Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Execute(ctx, "guest-ping", nil, TimeoutBlock); err != nil {
		t.Fatal(err)
	}
	ret, err := q.Execute(ctx, "guest-get-time", nil, 5)
	var ns int64
	if err != nil || json.Unmarshal(ret, &ns) != nil || ns < time.Now().Add(-time.Hour).UnixNano() {
		t.Fatalf("guest-get-time: %s %v", ret, err)
	}
	_, err = q.Execute(ctx, "guest-no-such-command", nil, TimeoutDefault)
	if !Unsupported(err) {
		t.Fatalf("unknown command: %v", err)
	}
	raw, err := q.Raw(ctx, "guest-info", []byte(`{"execute": "guest-info"}`), TimeoutDefault)
	if err != nil || !json.Valid(raw) {
		t.Fatalf("guest-info: %.100s %v", raw, err)
	}
}
