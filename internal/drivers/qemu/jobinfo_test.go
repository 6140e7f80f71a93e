package qemu

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"
)

// fakeSaveMonitor answers like a QEMU whose migration to the save file
// runs until migrate_cancel.
func fakeSaveMonitor(t *testing.T) *qmp.Conn {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	toConn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "qmp")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	client, server := toConn(fds[0]), toConn(fds[1])
	var mu sync.Mutex
	cancelled := false
	send := func(v any) {
		data, _ := json.Marshal(v)
		server.Write(append(data, '\r', '\n'))
	}
	go func() {
		defer server.Close()
		send(map[string]any{"QMP": map[string]any{
			"version":      map[string]any{"qemu": map[string]int{"major": 8, "minor": 0, "micro": 0}, "package": ""},
			"capabilities": []string{},
		}})
		dec := json.NewDecoder(server)
		for {
			var cmd struct {
				Execute string          `json:"execute"`
				ID      json.RawMessage `json:"id"`
			}
			if err := dec.Decode(&cmd); err != nil {
				return
			}
			var ret any = map[string]any{}
			switch cmd.Execute {
			case "query-migrate":
				mu.Lock()
				if cancelled {
					ret = map[string]any{"status": "cancelled"}
				} else {
					ret = map[string]any{"status": "active", "ram": map[string]any{"total": 134217728, "transferred": 33554432, "remaining": 100663296}}
				}
				mu.Unlock()
			case "migrate_cancel":
				mu.Lock()
				cancelled = true
				mu.Unlock()
			}
			send(map[string]any{"return": ret, "id": cmd.ID})
		}
	}()
	mon, err := qmp.New(context.Background(), client, qmp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mon.Close() })
	return mon
}

// During a save, domjobinfo shows an unbounded job with QEMU's progress;
// domjobabort cancels it: the save fails with "canceled by client", the
// file goes and the guest runs on.
func TestSaveJobInfoAndAbort(t *testing.T) {
	def, err := domain.Parse([]byte(`<domain type='qemu'><name>sj</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><memory>131072</memory><os><type>hvm</type></os></domain>`), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	d := &Driver{paths: NewPaths(root, true), closeHooks: map[any][]func(){}}
	if err := d.paths.mkdirs(); err != nil {
		t.Fatal(err)
	}
	o := &domainObj{def: def, live: def, id: 1, state: stateRunning, reason: runningBooted, persistent: true}
	p := &qemuProcess{d: d, o: o, mon: fakeSaveMonitor(t), exited: make(chan struct{}), removed: map[string]chan struct{}{}}
	o.proc = p
	d.domains = []*domainObj{o}
	c := &conn{d: d}
	ref := o.ref()

	if info, err := c.DomainGetJobInfo(context.Background(), ref); err != nil || info.Type != jobNone {
		t.Fatalf("job before the save: %+v %v", info, err)
	}
	if err := c.DomainAbortJob(context.Background(), ref); !isCode(err, virterr.OperationInvalid) {
		t.Fatalf("abort with no job: %v", err)
	}

	path := filepath.Join(root, "sj.save")
	done := make(chan error, 1)
	go func() { done <- d.saveTo(context.Background(), o, p, path, nil) }()
	var info driver.DomainGetJobInfoRet
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if info, err = c.DomainGetJobInfo(context.Background(), ref); err == nil && info.Type == jobUnbounded && info.MemProcessed > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if info.Type != jobUnbounded || info.MemTotal != 134217728 || info.MemProcessed != 33554432 || info.MemRemaining != 100663296 {
		t.Fatalf("job info during the save: %+v", info)
	}
	stats, err := c.DomainGetJobStats(context.Background(), ref, 0)
	if err != nil || stats.Type != jobUnbounded || len(stats.Params) == 0 || stats.Params[0].Field != "operation" {
		t.Fatalf("job stats during the save: %+v %v", stats, err)
	}
	if err := c.DomainAbortJob(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the save did not end after the abort")
	}
	if !isCode(err, virterr.OperationAborted) || err.Error() != "operation aborted: domain save job: canceled by client" {
		t.Fatalf("aborted save: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("save file left behind: %v", err)
	}
	if o.state != stateRunning {
		t.Fatalf("state after the aborted save: %d", o.state)
	}
	if info, _ := c.DomainGetJobInfo(context.Background(), ref); info.Type != jobNone {
		t.Fatalf("job after the abort: %+v", info)
	}
}

func isCode(err error, code virterr.Code) bool {
	var ve *virterr.Error
	return errors.As(err, &ve) && ve.Code == code
}
