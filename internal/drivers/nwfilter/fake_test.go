package nwfilter

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/driver"
)

// fakeHost has the interfaces a test says and packet sources it feeds.
type fakeHost struct {
	mu      sync.Mutex
	ifaces  map[string]int
	down    []string
	sources map[string]*fakeSource
	opened  chan string
}

func newFakeHost(ifaces ...string) *fakeHost {
	h := &fakeHost{ifaces: map[string]int{}, sources: map[string]*fakeSource{}, opened: make(chan string, 16)}
	for i, name := range ifaces {
		h.ifaces[name] = 10 + i
	}
	return h
}

func (h *fakeHost) IfIndex(name string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ifaces[name]
}

func (h *fakeHost) remove(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.ifaces, name)
}

func (h *fakeHost) SetLinkDown(name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = append(h.down, name)
	return nil
}

func (h *fakeHost) ListenPacket(ifname string, mac macaddr.MAC) (PacketSource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &fakeSource{frames: make(chan []byte, 16), closed: make(chan struct{})}
	h.sources[ifname] = s
	h.opened <- ifname
	return s, nil
}

func (h *fakeHost) source(t *testing.T, ifname string) *fakeSource {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.sources[ifname]
	if s == nil {
		t.Fatalf("no packet socket on %s", ifname)
	}
	return s
}

type fakeSource struct {
	frames    chan []byte
	closed    chan struct{}
	closeOnce sync.Once
}

func (s *fakeSource) ReadFrame(buf []byte) (int, error) {
	select {
	case f := <-s.frames:
		return copy(buf, f), nil
	case <-time.After(20 * time.Millisecond):
		return 0, errReadTimeout
	case <-s.closed:
		return 0, io.EOF
	}
}

func (s *fakeSource) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

func (s *fakeSource) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// testDriver starts a driver on the ebiptables backend with recorded
// commands under a fresh root.
func testDriver(t *testing.T, root string, rec *cmdrun.Recorder, host Host) (*Driver, driver.NWFilter) {
	t.Helper()
	if root == "" {
		root = t.TempDir()
	}
	d, err := NewDriver(context.Background(), Config{
		Root: root, Runner: rec, Backend: BackendEbiptables, Host: host,
		Logger: discardLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d, d.Connect(0).NWFilter
}

// checkNoLeaks fails the test when goroutines started during it are
// still running at its end.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(30 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf)
		}
	})
}

// commandsText renders the recorded commands one per line.
func commandsText(rec *cmdrun.Recorder) string {
	var b strings.Builder
	for _, c := range rec.Commands() {
		b.WriteString(strings.Join(c.Argv, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
