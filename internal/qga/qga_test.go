package qga

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/govirt/govirt/virt/virterr"
)

// fakeAgent answers like qemu-ga on the guest end of a unix socket:
// answers maps a command name to the line it writes back ("" for none).
func fakeAgent(t *testing.T, answers map[string]string, stale string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qga.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				return
			}
			for len(line) > 0 && line[0] == 0xff {
				line = line[1:]
			}
			var cmd struct {
				Execute   string          `json:"execute"`
				Arguments json.RawMessage `json:"arguments"`
			}
			if json.Unmarshal(line, &cmd) != nil {
				continue
			}
			if cmd.Execute == "guest-sync-delimited" {
				var a struct{ ID json.Number }
				_ = json.Unmarshal(cmd.Arguments, &a)
				// An answer left over from an abandoned command comes
				// first; the handshake must skip it.
				c.Write([]byte(stale + "\xff{\"return\": " + a.ID.String() + "}\n"))
				continue
			}
			if ans := answers[cmd.Execute]; ans != "" {
				c.Write([]byte(ans + "\n"))
			}
		}
	}()
	return path
}

func TestExecuteAfterSync(t *testing.T) {
	path := fakeAgent(t, map[string]string{
		"guest-get-time": `{"return": 1700000000123456789}`,
	}, `{"return": {"stale": true}}`+"\n")
	ctx := context.Background()
	q, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for range 2 {
		ret, err := q.Execute(ctx, "guest-get-time", nil, TimeoutBlock)
		if err != nil {
			t.Fatal(err)
		}
		if string(ret) != "1700000000123456789" {
			t.Fatalf("return %s", ret)
		}
	}
}

func TestCommandErrors(t *testing.T) {
	path := fakeAgent(t, map[string]string{
		"guest-foo":  `{"error": {"class": "CommandNotFound", "desc": "The command guest-foo has not been found"}}`,
		"guest-bare": `{"error": {"class": "GenericError"}}`,
	}, "")
	ctx := context.Background()
	q, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	_, err = q.Raw(ctx, "guest-foo", []byte(`{"execute":"guest-foo"}`), TimeoutBlock)
	want := "internal error: unable to execute QEMU agent command 'guest-foo': The command guest-foo has not been found"
	if err == nil || err.Error() != want || !Unsupported(err) || virterr.CodeOf(err) != virterr.InternalError {
		t.Fatalf("got %v, want %s", err, want)
	}
	_, err = q.Execute(ctx, "guest-bare", nil, TimeoutBlock)
	if err == nil || err.Error() != "internal error: unable to execute QEMU agent command 'guest-bare': An unspecified error occurred" {
		t.Fatalf("got %v", err)
	}
}

func TestSilentAgentTimesOut(t *testing.T) {
	path := fakeAgent(t, map[string]string{}, "")
	ctx := context.Background()
	q, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	_, err = q.Execute(ctx, "guest-silent", nil, 1)
	var ve *virterr.Error
	if !errors.As(err, &ve) || ve.Code != virterr.AgentUnresponsive || ve.Message != "Guest agent is not responding: Guest agent not available for now" && ve.Message != "Guest agent not available for now" {
		t.Fatalf("got %v", err)
	}
}

func TestDisappearedAgent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qga.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
	}()
	q, err := Dial(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	_, err = q.Execute(context.Background(), "guest-ping", nil, TimeoutBlock)
	if virterr.CodeOf(err) != virterr.AgentUnresponsive {
		t.Fatalf("got %v", err)
	}
}

func TestDialMissingSocket(t *testing.T) {
	_, err := Dial(context.Background(), filepath.Join(t.TempDir(), "none"))
	if virterr.CodeOf(err) != virterr.AgentUnresponsive {
		t.Fatalf("got %v", err)
	}
}

// A command the agent answers only by going away (guest-shutdown) ends
// with the event that wakes it, or with the agent hanging up.
func TestExecuteAwait(t *testing.T) {
	path := fakeAgent(t, map[string]string{
		"guest-refuse": `{"error": {"class": "GenericError", "desc": "no"}}`,
	}, "")
	ctx := context.Background()
	q, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	wake := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- q.ExecuteAwait(ctx, "guest-shutdown", map[string]string{"mode": "powerdown"}, 60, wake)
	}()
	select {
	case err := <-done:
		t.Fatalf("returned before the event: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(wake)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	err = q.ExecuteAwait(ctx, "guest-refuse", nil, 60, make(chan struct{}))
	if err == nil || err.Error() != "internal error: unable to execute QEMU agent command 'guest-refuse': no" {
		t.Fatalf("refusal: %v", err)
	}
}
