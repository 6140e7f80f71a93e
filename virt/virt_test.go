package virt_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/virt"
	"github.com/govirt/govirt/virt/virterr"
)

const fooXML = `<domain type='test'>
  <name>foo</name>
  <memory>1024</memory>
  <os><type>hvm</type></os>
</domain>`

func open(t *testing.T, ro bool) *virt.Conn {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var c *virt.Conn
	var err error
	if ro {
		c, err = virt.OpenReadOnly(context.Background(), "test:///default")
	} else {
		c, err = virt.Open(context.Background(), "test:///default")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func TestDomainLifecycle(t *testing.T) {
	ctx := context.Background()
	c := open(t, false)
	if typ, _ := c.Type(ctx); typ != "TEST" {
		t.Errorf("type %q", typ)
	}
	doms, err := c.ListAllDomains(ctx, 0)
	if err != nil || len(doms) != 1 || doms[0].Name() != "test" || doms[0].ID() != 1 {
		t.Fatalf("list: %v %v", doms, err)
	}
	if doms[0].UUIDString() != "6695eb01-f6a4-8304-79aa-97f2502e193f" {
		t.Errorf("uuid %s", doms[0].UUIDString())
	}

	var mu sync.Mutex
	var seen []virt.DomainEventType
	done := make(chan struct{}, 8)
	id, err := c.DomainEventLifecycleRegister(ctx, nil, func(_ *virt.Conn, ev *virt.DomainEventLifecycle) {
		mu.Lock()
		seen = append(seen, ev.Event)
		mu.Unlock()
		done <- struct{}{}
	})
	if err != nil {
		t.Fatal(err)
	}

	foo, err := c.DefineDomainXML(ctx, fooXML, 0)
	if err != nil {
		t.Fatal(err)
	}
	if foo.ID() != -1 {
		t.Errorf("defined domain has id %d", foo.ID())
	}
	if err := foo.Create(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if foo.ID() != 2 {
		t.Errorf("started domain id %d", foo.ID())
	}
	st, reason, _ := foo.State(ctx)
	if st != virt.DomainRunning || reason != int(virt.DomainRunningBooted) {
		t.Errorf("state %v %v", st, reason)
	}
	info, err := foo.Info(ctx)
	if err != nil || info.MaxMem != 1024 || info.NrVirtCPU != 1 || info.State != virt.DomainRunning {
		t.Errorf("info %+v %v", info, err)
	}
	if err := foo.Destroy(ctx, 0); err != nil {
		t.Fatal(err)
	}
	err = foo.Destroy(ctx, 0)
	if !errors.Is(err, virt.ErrOperationInvalid) {
		t.Errorf("destroy twice: %v", err)
	}
	var verr *virt.Error
	if !errors.As(err, &verr) || verr.Code != virterr.OperationInvalid {
		t.Errorf("not a *virt.Error: %T", err)
	}
	if err := foo.Undefine(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LookupDomainByName(ctx, "foo"); !errors.Is(err, virt.ErrNoDomain) {
		t.Errorf("lookup after undefine: %v", err)
	}
	for i := 0; i < 4; i++ {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("events not delivered")
		}
	}
	mu.Lock()
	want := []virt.DomainEventType{virt.DomainEventDefined, virt.DomainEventStarted, virt.DomainEventStopped, virt.DomainEventUndefined}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("events %v, want %v", seen, want)
			break
		}
	}
	mu.Unlock()
	if err := c.DomainEventDeregisterAny(ctx, id); err != nil {
		t.Error(err)
	}
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	c := open(t, true)
	d, err := c.LookupDomainByName(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	err = d.Destroy(ctx, 0)
	if !errors.Is(err, virt.ErrOperationDenied) || err.Error() != "operation forbidden: read only access prevents virDomainDestroy" {
		t.Errorf("destroy: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	// As in libvirt's client, URIs without an in-process driver go to the
	// remote driver, which reports the daemon it cannot reach.
	for _, u := range []string{"foo:///bar?socket=/nonexistent/x", "test+unix:///default?socket=/nonexistent/x"} {
		_, err := virt.Open(ctx, u)
		if !errors.Is(err, virt.ErrSystemError) || err.Error() != "Failed to connect socket to '/nonexistent/x': No such file or directory" {
			t.Errorf("%s: %v", u, err)
		}
	}
	t.Setenv("LIBVIRT_DEFAULT_URI", "test:///default")
	c, err := virt.Open(ctx, "")
	if err != nil {
		t.Fatalf("default URI: %v", err)
	}
	if u, _ := c.URI(ctx); u != "test:///default" {
		t.Errorf("uri %q", u)
	}
	c.Close(ctx)
}

func TestUnsupportedFamily(t *testing.T) {
	c := open(t, false)
	// libvirt's test driver has no secret driver.
	_, err := c.ListAllSecrets(context.Background(), 0)
	if !errors.Is(err, virt.ErrNoSupport) || err.Error() != "this function is not supported by the connection driver: virConnectListAllSecrets" {
		t.Errorf("secrets: %v", err)
	}
}
