package test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

func open(t *testing.T, s string, flags driver.OpenFlags) *driver.Connection {
	t.Helper()
	u, err := uri.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	r := driver.NewRegistry()
	r.Register(Name, Open)
	c, err := r.Open(context.Background(), u, flags)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

const fooXML = `<domain type='test'>
  <name>foo</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory>1024</memory>
  <os><type>hvm</type></os>
</domain>`

func TestDefaultNode(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	h := c.Hypervisor
	ids, err := h.ConnectListDomains(ctx, 10)
	if err != nil || len(ids) != 1 || ids[0] != 1 {
		t.Fatalf("ids %v %v", ids, err)
	}
	dom, err := h.DomainLookupByName(ctx, "test")
	if err != nil || dom.ID != 1 {
		t.Fatalf("lookup: %+v %v", dom, err)
	}
	info, err := h.DomainGetInfo(ctx, dom)
	if err != nil || info.State != 1 || info.MaxMem != 8388608 || info.Memory != 2097152 || info.NrVirtCPU != 2 {
		t.Errorf("info %+v %v", info, err)
	}
	st, _ := h.DomainGetState(ctx, dom, 0)
	if st.State != stateRunning || st.Reason != 0 {
		t.Errorf("state %+v", st)
	}
	xml, err := h.DomainGetXMLDesc(ctx, dom, 0)
	if err != nil || !strings.HasPrefix(xml, "<domain type='test' id='1'>\n  <name>test</name>\n  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n") {
		t.Errorf("xml %q %v", xml, err)
	}
	if byID, err := h.DomainLookupByID(ctx, 1); err != nil || byID.Name != "test" {
		t.Errorf("by id %+v %v", byID, err)
	}
	if byUUID, err := h.DomainLookupByUUID(ctx, dom.UUID); err != nil || byUUID.Name != "test" {
		t.Errorf("by uuid %+v %v", byUUID, err)
	}
	_, err = h.DomainLookupByName(ctx, "nosuch")
	if !errors.Is(err, virterr.NoDomain) || err.Error() != "Domain not found" {
		t.Errorf("missing domain: %v", err)
	}
	ni, _ := h.NodeGetInfo(ctx)
	if ni.Cpus != 16 || ni.Memory != 3145728 || driver.GoString(ni.Model[:]) != "i686" {
		t.Errorf("node info %+v", ni)
	}
	// libvirt's test driver has no secret driver.
	if _, err := c.Secret.ConnectNumOfSecrets(ctx); !errors.Is(err, virterr.NoSupport) {
		t.Errorf("secret family: %v", err)
	}
}

// test:///default's connections share one node and see each other's events;
// the last close resets it.
func TestSharedStateAndEvents(t *testing.T) {
	ctx := context.Background()
	u, _ := uri.Parse("test:///default")
	c1, err := Open(ctx, u, 0)
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := Open(ctx, u, 0)
	var mu sync.Mutex
	var events []driver.DomainEventLifecycleMsg
	if _, err := c2.Events.EventRegister(ctx, driver.EventDomain, 0, nil, func(e driver.Event) {
		mu.Lock()
		events = append(events, *e.Payload.(*driver.DomainEventLifecycleMsg))
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	dom, err := c1.Hypervisor.DomainDefineXML(ctx, fooXML)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Hypervisor.DomainLookupByName(ctx, "foo"); err != nil {
		t.Fatalf("not shared: %v", err)
	}
	if err := c1.Hypervisor.DomainCreate(ctx, dom); err != nil {
		t.Fatal(err)
	}
	// testDomainCreateWithFlags reports VIR_ERR_INTERNAL_ERROR.
	err = c1.Hypervisor.DomainCreate(ctx, dom)
	if virterr.CodeOf(err) != virterr.InternalError {
		t.Errorf("double start: %v", err)
	}
	dom, _ = c1.Hypervisor.DomainLookupByName(ctx, "foo")
	if dom.ID != 2 {
		t.Errorf("id %d", dom.ID)
	}
	if err := c1.Hypervisor.DomainDestroy(ctx, dom); err != nil {
		t.Fatal(err)
	}
	if err := c1.Hypervisor.DomainDestroy(ctx, dom); err == nil || err.Error() != "Requested operation is not valid: domain is not running" {
		t.Errorf("double destroy: %v", err)
	}
	if err := c1.Hypervisor.DomainUndefine(ctx, dom); err != nil {
		t.Fatal(err)
	}
	_, err = c1.Hypervisor.DomainGetInfo(ctx, dom)
	if want := "Domain not found: no domain with matching uuid '11111111-2222-3333-4444-555555555555' (foo)"; err == nil || err.Error() != want {
		t.Errorf("gone: %v", err)
	}
	mu.Lock()
	want := []int32{eventDefined, eventStarted, eventStopped, eventUndefined}
	if len(events) != len(want) {
		t.Fatalf("events %+v", events)
	}
	for i, e := range events {
		if e.Event != want[i] || e.Dom.Name != "foo" {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	mu.Unlock()

	// Undefine the running default domain: it goes when destroyed.
	test, _ := c1.Hypervisor.DomainLookupByName(ctx, "test")
	_ = c1.Hypervisor.DomainUndefine(ctx, test)
	_ = c1.Hypervisor.DomainDestroy(ctx, test)
	if n, _ := c1.Hypervisor.ConnectListAllDomains(ctx, 1, 0); n.Ret != 0 {
		t.Errorf("domains left: %+v", n)
	}
	_ = c1.Close(ctx)
	_ = c2.Close(ctx)
	c3 := open(t, "test:///default", 0)
	if n, _ := c3.Hypervisor.ConnectListAllDomains(ctx, 1, 0); n.Ret != 1 {
		t.Errorf("state not reset after last close: %+v", n)
	}
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", driver.OpenReadOnly)
	dom, _ := c.Hypervisor.DomainLookupByName(ctx, "test")
	err := c.Hypervisor.DomainDestroy(ctx, dom)
	if want := "operation forbidden: read only access prevents virDomainDestroy"; err == nil || err.Error() != want {
		t.Errorf("read-only destroy: %v", err)
	}
}

func TestListAllFlags(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	if _, err := c.Hypervisor.DomainDefineXML(ctx, fooXML); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		flags uint32
		want  string
	}{
		{0, "test foo"},
		{1, "test"},
		{2, "foo"},
		{1 | 2, "test foo"},
		{1 << 6, "foo"},
		{1 << 4, "test"},
		{1 << 3, ""},
	}
	for _, tc := range cases {
		ret, err := c.Hypervisor.ConnectListAllDomains(ctx, 1, tc.flags)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, d := range ret.Domains {
			names = append(names, d.Name)
		}
		if got := strings.Join(names, " "); got != tc.want || int(ret.Ret) != len(names) {
			t.Errorf("flags %#x: %q (%d), want %q", tc.flags, got, ret.Ret, tc.want)
		}
	}
}

func TestOpenFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	node := `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores><threads>1</threads><mhz>2000</mhz><model>x86</model></cpu>
  <memory>1048576</memory>
  <domain file='dom.xml'/>
</node>`
	dom := `<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <name>fromfile</name><memory>2048</memory><os><type>hvm</type></os>
  <test:runstate>5</test:runstate>
</domain>`
	if err := os.WriteFile(filepath.Join(dir, "node.xml"), []byte(node), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dom.xml"), []byte(dom), 0o644); err != nil {
		t.Fatal(err)
	}
	c := open(t, "test://"+filepath.Join(dir, "node.xml"), 0)
	ni, _ := c.Hypervisor.NodeGetInfo(ctx)
	if ni.Cpus != 4 || ni.Mhz != 2000 || ni.Memory != 1048576 || driver.GoString(ni.Model[:]) != "x86" {
		t.Errorf("node %+v", ni)
	}
	names, _ := c.Hypervisor.ConnectListDefinedDomains(ctx, 10)
	if len(names) != 1 || names[0] != "fromfile" {
		t.Errorf("defined %v", names)
	}

	for _, bad := range []string{"test:///", "test://"} {
		u, _ := uri.Parse(bad)
		_, err := Open(ctx, u, 0)
		if want := "invalid argument: testOpen: supply a path or use test:///default"; err == nil || err.Error() != want {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// Many connections at once: run with -race.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	u, _ := uri.Parse("test:///default")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Open(ctx, u, 0)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close(ctx)
			for j := 0; j < 20; j++ {
				ret, _ := c.Hypervisor.ConnectListAllDomains(ctx, 1, 0)
				for _, d := range ret.Domains {
					_, _ = c.Hypervisor.DomainGetInfo(ctx, d)
					_, _ = c.Hypervisor.DomainGetXMLDesc(ctx, d, 0)
				}
			}
		}()
	}
	wg.Wait()
}
