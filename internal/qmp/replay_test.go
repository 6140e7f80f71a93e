package qmp

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govirt/govirt/virt/virterr"
)

const corpusDir = "../../../shared/libvirt-tests"

// replayAll asks a Replay for every recorded command in order, as a
// capabilities prober would, and checks each answer against the file.
func replayAll(t *testing.T, exchanges []Exchange) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := NewReplay(exchanges, ReplayOptions{CheckArguments: true})
	c, err := r.Dial(ctx, Options{})
	if err != nil {
		t.Fatalf("negotiation: %v", err)
	}
	defer c.Close()
	for _, ex := range exchanges[1:] {
		var args any
		if len(ex.Arguments) > 0 {
			args = ex.Arguments
		}
		ret, err := c.Execute(ctx, ex.Execute, args)
		var want struct {
			Return json.RawMessage `json:"return"`
			Error  *struct{ Class, Desc string }
		}
		if err := json.Unmarshal(ex.Reply, &want); err != nil {
			t.Fatal(err)
		}
		if want.Error != nil {
			var ce *CommandError
			if !errors.As(err, &ce) || ce.Class != want.Error.Class || ce.Desc != want.Error.Desc {
				t.Fatalf("line %d %s: got %v, want error %s", ex.Line, ex.Execute, err, want.Error.Desc)
			}
			continue
		}
		if err != nil {
			t.Fatalf("line %d %s: %v", ex.Line, ex.Execute, err)
		}
		if !sameJSON(ret, want.Return) {
			t.Fatalf("line %d %s: reply differs", ex.Line, ex.Execute)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if n := r.Remaining(); n != 0 {
		t.Fatalf("%d recorded commands left", n)
	}
}

func TestReplaySmall(t *testing.T) {
	ex, err := LoadReplies(filepath.Join("testdata", "small.replies"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 4 || ex[2].Execute != "device-list-properties" || ex[3].Line != 45 || len(ex[3].Events) != 1 {
		t.Fatalf("parsed %+v", ex)
	}
	replayAll(t, ex)

	ctx := context.Background()
	r := NewReplay(ex, ReplayOptions{})
	c, err := r.Dial(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if g := c.Greeting(); g.Version.String() != "7.2.0" || g.Version.Package != "govirt-test" {
		t.Fatalf("greeting %+v", g)
	}
	var v Version
	if err := c.ExecuteInto(ctx, "query-version", nil, &v); err != nil || v.QEMU.Minor != 2 {
		t.Fatalf("query-version: %+v %v", v, err)
	}
	// Arguments are not compared unless asked for.
	_, err = c.Execute(ctx, "device-list-properties", map[string]string{"typename": "other"})
	if !IsClass(err, "DeviceNotFound") || !errors.Is(err, virterr.InternalError) {
		t.Fatalf("error reply: %v", err)
	}
	if want := "internal error: unable to execute QEMU command 'device-list-properties': Device 'no-such-device' not found"; err.Error() != want {
		t.Errorf("error text %q", err)
	}
	// The recorded event arrives before the reply.
	if _, err := c.Execute(ctx, "query-kvm", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-c.Events():
		if ev.Name != "RESUME" || ev.Time().Unix() != 1700000000 {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no event")
	}
	// Past the end of the recording.
	if _, err := c.Execute(ctx, "query-status", nil); !IsClass(err, "UnexpectedCommand") || r.Err() == nil {
		t.Fatalf("extra command: %v / %v", err, r.Err())
	}
}

func TestReplayMismatch(t *testing.T) {
	ex, err := LoadReplies(filepath.Join("testdata", "small.replies"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := NewReplay(ex, ReplayOptions{CheckArguments: true})
	c, err := r.Dial(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Execute(ctx, "query-target", nil); !IsClass(err, "UnexpectedCommand") {
		t.Fatalf("mismatch answered %v", err)
	}
	if err := r.Err(); err == nil || err.Error() != "replay line 12: expected command 'query-version' got 'query-target'" {
		t.Fatalf("Err %v", err)
	}
	// The recording did not advance.
	if _, err := c.Execute(ctx, "query-version", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Execute(ctx, "device-list-properties", map[string]string{"typename": "other"}); !IsClass(err, "UnexpectedCommand") {
		t.Fatalf("argument mismatch answered %v", err)
	}
}

func TestParseRepliesErrors(t *testing.T) {
	for name, text := range map[string]string{
		"reply first":   `{"return": {}}`,
		"no reply":      `{"execute": "a"}`,
		"garbage":       `{"execute": `,
		"unknown":       `{"execute": "a"} {"foo": 1}`,
		"double reply":  `{"execute": "a"} {"return": {}} {"return": {}}`,
		"not an object": `{"execute": "a"} [1]`,
	} {
		if _, err := ParseReplies([]byte(text)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestReplayCorpus replays every capabilities conversation libvirt
// recorded (qemucapabilitiesdata/caps_*.replies).
func TestReplayCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "qemucapabilitiesdata", "*.replies"))
	if len(files) == 0 {
		t.Skip("libvirt test corpus not present")
	}
	if raceEnabled || testing.Short() {
		// One recording per QEMU release family is enough to exercise the
		// transport; the full set runs without -race/-short.
		files = files[len(files)-3:]
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			ex, err := LoadReplies(f)
			if err != nil {
				t.Fatal(err)
			}
			if ex[0].Execute != "qmp_capabilities" {
				t.Fatalf("recording starts with %s", ex[0].Execute)
			}
			replayAll(t, ex)
		})
	}
}

func FuzzParseReplies(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "small.replies")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"execute":"x"} {"error":{"class":"c","desc":"d"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := ParseReplies(data)
		if err != nil {
			return
		}
		for _, e := range ex {
			if e.Execute == "" || e.Reply == nil {
				t.Fatalf("accepted incomplete exchange %+v", e)
			}
		}
	})
}
