package qga

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// startAgent runs the host's qemu-ga listening on a unix socket, as a
// guest's agent would answer on its channel, and connects to it; the
// test is skipped when qemu-ga is not installed.
func startAgent(t *testing.T) *Conn {
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
	// The socket file appears at bind(), before qemu-ga listens: dial
	// until it accepts (a loaded machine widens that gap; waiting for the
	// file alone once failed with "not connected").
	deadline := time.Now().Add(30 * time.Second)
	for {
		q, err := Dial(context.Background(), sock)
		if err == nil {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("qemu-ga did not listen: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRealAgent talks to a real qemu-ga: the handshake, answers, and
// its refusal of an unknown command.
func TestRealAgent(t *testing.T) {
	q := startAgent(t)
	ctx := context.Background()
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
