package test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// The expectations below were checked against libvirt 9.0's test driver
// (virsh -c test:///default).
func TestLifecycleOps(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	h := c.Hypervisor
	dom, err := h.DomainLookupByName(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got [][2]int32
	if _, err := c.Events.EventRegister(ctx, driver.EventDomain, 0, nil, func(ev driver.Event) {
		m := ev.Payload.(*driver.DomainEventLifecycleMsg)
		mu.Lock()
		got = append(got, [2]int32{m.Event, m.Detail})
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "sv")
	steps := []struct {
		name   string
		do     func() error
		code   virterr.Code
		state  int32
		reason int32
	}{
		{"reset", func() error { return h.DomainReset(ctx, dom, 0) }, 0, 1, 0},
		{"save", func() error { return h.DomainSave(ctx, dom, img) }, 0, 5, 5},
		{"save again", func() error { return h.DomainSave(ctx, dom, img) }, virterr.OperationInvalid, 5, 5},
		{"restore", func() error { return h.DomainRestore(ctx, img) }, 0, 1, 3},
		{"shutdown", func() error { return h.DomainShutdown(ctx, dom) }, 0, 5, 1},
		{"shutdown again", func() error { return h.DomainShutdown(ctx, dom) }, virterr.InternalError, 5, 1},
		{"rename bad", func() error { n := "a/b"; _, err := h.DomainRename(ctx, dom, &n, 0); return err }, virterr.XMLError, 5, 1},
		{"start", func() error { return h.DomainCreate(ctx, dom) }, 0, 1, 1},
		{"rename running", func() error { n := "x"; _, err := h.DomainRename(ctx, dom, &n, 0); return err }, virterr.OperationInvalid, 1, 1},
		{"managedsave", func() error { return h.DomainManagedSave(ctx, dom, 0) }, 0, 5, 5},
		{"setmaxmem", func() error { return h.DomainSetMaxMemory(ctx, dom, 100000) }, 0, 5, 5},
		{"setvcpus too many", func() error { return h.DomainSetVcpusFlags(ctx, dom, 40, 2|4) }, virterr.InvalidArg, 5, 5},
	}
	for _, s := range steps {
		err := s.do()
		if virterr.CodeOf(err) != s.code && !(s.code == 0 && err == nil) {
			t.Errorf("%s: %v, want code %v", s.name, err, s.code)
		}
		st, err := h.DomainGetState(ctx, dom, 0)
		if err != nil || st.State != s.state || st.Reason != s.reason {
			t.Errorf("%s: state %+v %v, want %d/%d", s.name, st, err, s.state, s.reason)
		}
	}
	info, _ := h.DomainGetInfo(ctx, dom)
	if info.MaxMem != 100000 || info.Memory != 100000 {
		t.Errorf("info after setmaxmem %+v", info)
	}
	mu.Lock()
	defer mu.Unlock()
	want := [][2]int32{{5, 4}, {2, 2}, {5, 0}, {2, 0}, {5, 4}}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestGuestInfo(t *testing.T) {
	ctx := context.Background()
	c := open(t, "test:///default", 0)
	h := c.Hypervisor
	dom, _ := h.DomainLookupByName(ctx, "test")
	if n, err := h.DomainGetHostname(ctx, dom, 0); err != nil || n != "testhost" {
		t.Errorf("hostname %q %v", n, err)
	}
	if tm, err := h.DomainGetTime(ctx, dom, 0); err != nil || tm.Seconds != 627319920 {
		t.Errorf("time %+v %v", tm, err)
	}
	if n, err := h.DomainFSFreeze(ctx, dom, nil, 0); err != nil || n != 2 {
		t.Errorf("freeze %d %v", n, err)
	}
	if n, err := h.DomainFSThaw(ctx, dom, []string{"/"}, 0); err != nil || n != 1 {
		t.Errorf("thaw %d %v", n, err)
	}
	if _, err := h.DomainFSThaw(ctx, dom, []string{"/x"}, 0); virterr.CodeOf(err) != virterr.OperationInvalid {
		t.Errorf("thaw bad %v", err)
	}
	if bi, err := h.DomainGetBlockInfo(ctx, dom, "vda", 0); err != nil || bi.Capacity != 1099506450432 {
		t.Errorf("blockinfo %+v %v", bi, err)
	}
	if _, err := h.DomainInterfaceStats(ctx, dom, "vnet0"); virterr.CodeOf(err) != virterr.InvalidArg {
		t.Errorf("ifstat %v", err)
	}
	if p, err := h.DomainGetMemoryParameters(ctx, dom, 0, 0); err != nil || p.Nparams != 3 {
		t.Errorf("memtune count %+v %v", p, err)
	}
	if _, err := h.DomainGetSchedulerParametersFlags(ctx, dom, 1, 2|4); virterr.CodeOf(err) != virterr.InvalidArg {
		t.Errorf("schedinfo --config %v", err)
	}
	if err := h.DomainAddIOThread(ctx, dom, 3, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.DomainAddIOThread(ctx, dom, 3, 0); virterr.CodeOf(err) != virterr.InvalidArg {
		t.Errorf("iothread dup %v", err)
	}
	r, err := h.DomainGetIOThreadInfo(ctx, dom, 0)
	if err != nil || r.Ret != 1 || r.Info[0].IOThreadID != 3 {
		t.Errorf("iothreadinfo %+v %v", r, err)
	}
}
