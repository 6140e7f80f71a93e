package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// testContext bounds a test's calls, so a daemon that never answers
// fails the test instead of hanging it.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// errCode is err's libvirt code, or -1 when err is nil or not a libvirt error.
func errCode(err error) virterr.Code {
	if e := virterr.As(err); e != nil {
		return e.Code
	}
	return -1
}

func TestOpenListLookup(t *testing.T) {
	eachDaemon(t, func(t *testing.T, d daemon) {
		c := dial(t, d.uri(""), 0)
		ctx := testContext(t)
		typ, err := c.ConnectGetType(ctx)
		if err != nil || typ != "TEST" {
			t.Fatalf("type %q %v", typ, err)
		}
		list, err := c.ConnectListAllDomains(ctx, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Domains) != 1 || list.Domains[0].Name != "test" || list.Ret != 1 {
			t.Fatalf("domains %+v", list)
		}
		dom, err := c.DomainLookupByName(ctx, "test")
		if err != nil || dom.ID != 1 || dom.UUID != list.Domains[0].UUID {
			t.Fatalf("lookup %+v %v", dom, err)
		}
		info, err := c.DomainGetInfo(ctx, dom)
		if err != nil || info.State != 1 || info.NrVirtCPU != 2 {
			t.Fatalf("info %+v %v", info, err)
		}
		model, err := c.NodeGetSecurityModel(ctx)
		if err != nil || driver.GoString(model.Model) != "testSecurity" {
			t.Fatalf("security model %+v %v", model, err)
		}
		_, err = c.DomainLookupByName(ctx, "nosuch")
		var ve *virterr.Error
		if !errors.As(err, &ve) || ve.Code != virterr.NoDomain {
			t.Fatalf("lookup nosuch: %#v", err)
		}
		// An unknown procedure comes back as "not supported".
		if err := c.call(ctx, 9999, nil, nil); errCode(err) != virterr.NoSupport {
			t.Fatalf("unknown procedure: %v", err)
		}
	})
}

const demoXML = `<domain type='test'>
  <name>remote-demo</name>
  <memory>65536</memory>
  <os><type>hvm</type></os>
</domain>`

func TestLifecycleEvents(t *testing.T) {
	eachDaemon(t, func(t *testing.T, d daemon) {
		c := dial(t, d.uri(""), 0)
		ctx := testContext(t)
		type lc struct{ event, detail int32 }
		var mu sync.Mutex
		var got []lc
		seen := make(chan struct{}, 16)
		id, err := c.EventRegister(ctx, driver.EventDomain, 0, nil, func(ev driver.Event) {
			m, ok := ev.Payload.(*driver.DomainEventLifecycleMsg)
			if !ok || m.Dom.Name != "remote-demo" {
				return
			}
			mu.Lock()
			got = append(got, lc{m.Event, m.Detail})
			mu.Unlock()
			seen <- struct{}{}
		})
		if err != nil {
			t.Fatal(err)
		}
		dom, err := c.DomainDefineXML(ctx, demoXML)
		if err != nil {
			t.Fatal(err)
		}
		if dom.ID != -1 {
			t.Errorf("defined domain has id %d", dom.ID)
		}
		if err := c.DomainCreate(ctx, dom); err != nil {
			t.Fatal(err)
		}
		running, err := c.DomainLookupByUUID(ctx, dom.UUID)
		if err != nil || running.ID < 0 {
			t.Fatalf("after create: %+v %v", running, err)
		}
		if err := c.DomainDestroy(ctx, running); err != nil {
			t.Fatal(err)
		}
		if err := c.DomainUndefine(ctx, dom); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			select {
			case <-seen:
			case <-time.After(30 * time.Second):
				t.Fatalf("only %d events: %+v", i, got)
			}
		}
		mu.Lock()
		want := []lc{{0, 0}, {2, 0}, {5, 1}, {1, 0}} // defined/added, started/booted, stopped/destroyed, undefined/removed
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("events %v, want %v", got, want)
		}
		mu.Unlock()
		if err := c.EventDeregister(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := c.EventDeregister(ctx, id); err == nil {
			t.Error("second deregistration succeeded")
		}
	})
}

// sink is a driver.Stream that collects what a download delivers.
type sink struct {
	mu       sync.Mutex
	data     bytes.Buffer
	holes    int64
	finished chan struct{}
	aborted  chan struct{}
	once     sync.Once
}

func newSink() *sink { return &sink{finished: make(chan struct{}), aborted: make(chan struct{})} }

func (s *sink) Send(ctx context.Context, data []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Write(data)
}
func (s *sink) Recv(ctx context.Context, buf []byte) (int, error) { return 0, nil }
func (s *sink) SendHole(ctx context.Context, length int64, flags uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holes += length
	return nil
}
func (s *sink) Finish(ctx context.Context) error { s.once.Do(func() { close(s.finished) }); return nil }
func (s *sink) Abort(ctx context.Context) error  { s.once.Do(func() { close(s.aborted) }); return nil }

func TestScreenshotStream(t *testing.T) {
	eachDaemon(t, func(t *testing.T, d daemon) {
		c := dial(t, d.uri(""), 0)
		ctx := testContext(t)
		dom, err := c.DomainLookupByName(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		st := newSink()
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		mime, err := c.DomainScreenshot(callCtx, st, dom, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if mime == nil || *mime != "image/png" {
			t.Errorf("mime %v", mime)
		}
		select {
		case <-st.finished:
		case <-st.aborted:
			t.Fatal("stream aborted")
		case <-time.After(10 * time.Second):
			t.Fatal("stream did not finish")
		}
		if !bytes.HasPrefix(st.data.Bytes(), []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("not a PNG: %d bytes", st.data.Len())
		}
		// The connection is still usable after the stream.
		if _, err := c.DomainGetState(ctx, dom, 0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestConcurrentCalls(t *testing.T) {
	eachDaemon(t, func(t *testing.T, d daemon) {
		c := dial(t, d.uri(""), 0)
		ctx := testContext(t)
		dom, err := c.DomainLookupByName(ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 32; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					if g%2 == 0 {
						st, err := c.DomainGetState(ctx, dom, 0)
						if err == nil && st.State != 1 {
							err = fmt.Errorf("state %d", st.State)
						}
						if err != nil {
							errs <- err
							return
						}
					} else {
						name, err := c.DomainGetOSType(ctx, dom)
						if err == nil && name != "linux" {
							err = fmt.Errorf("os type %q", name)
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestCancelAndClose(t *testing.T) {
	eachDaemon(t, func(t *testing.T, d daemon) {
		c := dial(t, d.uri(""), 0)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.ConnectGetType(ctx); errCode(err) != virterr.OperationAborted {
			t.Fatalf("cancelled call: %v", err)
		}
		if _, err := c.ConnectGetType(context.Background()); err != nil {
			t.Fatalf("call after a cancelled one: %v", err)
		}
		if err := c.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-c.Done():
		case <-time.After(30 * time.Second):
			t.Fatal("not closed")
		}
		if _, err := c.ConnectGetType(context.Background()); err == nil {
			t.Fatal("call on a closed connection succeeded")
		}
	})
}

func TestReadOnly(t *testing.T) {
	eachDaemon(t, func(t *testing.T, d daemon) {
		c := dial(t, "test+unix:///default?socket="+d.socket+"-ro", driver.OpenReadOnly)
		ctx := testContext(t)
		if _, err := c.DomainLookupByName(ctx, "test"); err != nil {
			t.Fatal(err)
		}
		_, err := c.DomainDefineXML(ctx, demoXML)
		if errCode(err) != virterr.OperationDenied {
			t.Fatalf("define on a read-only connection: %v", err)
		}
	})
}
