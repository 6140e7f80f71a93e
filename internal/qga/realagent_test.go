package qga

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/qga/qgatest"
)

// startAgent connects to the host's qemu-ga, as to a guest's agent on
// its channel; the test is skipped when qemu-ga is not installed.
func startAgent(t *testing.T) *Conn {
	t.Helper()
	q, err := Dial(context.Background(), qgatest.HostAgent(t, "qga.sock"))
	if err != nil {
		t.Fatal(err)
	}
	return q
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
