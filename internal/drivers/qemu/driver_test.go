package qemu

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The status file is libvirt's <domstatus> layout, and reading then
// writing it again gives the same bytes (a reconnect loses nothing).
func TestStatusRoundTrip(t *testing.T) {
	path := filepath.Join("testdata", "status-running.xml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseStatus(data, path)
	if err != nil {
		t.Fatal(err)
	}
	if st.state != statePaused || st.reason != pausedUser || st.pid != 4242 || !st.fakeReboot {
		t.Fatalf("parsed %+v", st)
	}
	if len(st.vcpus) != 2 || st.vcpus[1] != 4244 || st.monPath != "/tmp/lib/domain-3-st/monitor.sock" {
		t.Fatalf("parsed %+v", st)
	}
	// The host side of the interfaces survives a daemon restart, so a
	// later destroy still releases the port, the tap and the binding.
	if len(st.nics) != 1 {
		t.Fatalf("parsed %d netdevs", len(st.nics))
	}
	if h := *st.nics[0]; h.Ifname != "vnet7" || !h.Created || h.Actual != "bridge" || h.Network != "default" ||
		h.PortID != "2f5fc3b4-7d5e-4a62-9b0f-0d7c2a3e1f11" || h.Bridge != "virbr0" || !h.Filter || h.Alias != "net0" {
		t.Fatalf("parsed netdev %+v", h)
	}
	got := formatParsedStatus(t, st)
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
	}
	if got != string(data) {
		t.Fatalf("status round trip differs:\n--- want\n%s\n--- got\n%s", data, got)
	}
}

func formatParsedStatus(t testing.TB, st *status) string {
	d := &Driver{paths: NewPaths("/tmp", true), privileged: true}
	d.paths.ChannelDir = "/tmp/lib/channel/target"
	qc := caps.New("/usr/bin/qemu-system-x86_64")
	qc.Set(st.flags...)
	o := &domainObj{def: st.def, live: st.def, id: int32(st.def.ID), state: st.state, reason: st.reason}
	o.proc = &qemuProcess{pid: st.pid, monPath: st.monPath, libDir: st.libDir, vcpus: st.vcpus, caps: qc, fakeReboot: st.fakeReboot, nics: st.nics}
	matchNICs(st.def, st.nics)
	// What reconnect takes back: the passthrough taints and the agent
	// timeout.
	o.proc.restoreTaints(st.taints)
	if st.agentTimeout != nil {
		o.restoreAgentTimeout(*st.agentTimeout)
	}
	return d.formatStatus(o)
}

func FuzzParseStatus(f *testing.F) {
	data, _ := os.ReadFile(filepath.Join("testdata", "status-running.xml"))
	f.Add(data)
	f.Add([]byte("<domstatus state='running' reason='booted' pid='1'><monitor path='/m'/><domain type='kvm'><name>x</name></domain></domstatus>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseStatus(data, "fuzz")
		if err != nil {
			return
		}
		once := formatParsedStatus(t, st)
		st2, err := parseStatus([]byte(once), "fuzz")
		if err != nil {
			t.Fatalf("re-reading written status: %v\n%s", err, once)
		}
		if twice := formatParsedStatus(t, st2); twice != once {
			t.Fatalf("format∘parse is not a fixed point:\n%s\n---\n%s", once, twice)
		}
	})
}

func TestReverterUndoesInReverse(t *testing.T) {
	var log []string
	var r reverter
	for _, name := range []string{"a", "b", "c"} {
		name := name
		if err := r.step(name, func() error { return nil }, func() { log = append(log, "undo "+name) }); err != nil {
			t.Fatal(err)
		}
	}
	failed := r.step("d", func() error { return virterr.New(virterr.InternalError, "boom") }, func() { log = append(log, "undo d") })
	if failed == nil {
		t.Fatal("failing step reported no error")
	}
	r.rollback()
	if got := strings.Join(log, ","); got != "undo c,undo b,undo a" {
		t.Fatalf("undo order %q", got)
	}
}

// A job that cannot get the lock names the holder as libvirt does.
func TestJobTimeoutNamesHolder(t *testing.T) {
	old := jobWait
	jobWait = 50 * time.Millisecond
	defer func() { jobWait = old }()
	var j jobLock
	if err := j.acquire(context.Background(), "modify", "remoteDispatchDomainSuspend"); err != nil {
		t.Fatal(err)
	}
	err := j.acquire(context.Background(), "modify", "remoteDispatchDomainResume")
	if err == nil {
		t.Fatal("second job got the lock")
	}
	want := "Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainSuspend)"
	if err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if virterr.CodeOf(err) != virterr.OperationTimeout {
		t.Fatalf("error code: %v", err)
	}
	j.end()
	if err := j.acquire(context.Background(), "modify", "x"); err != nil {
		t.Fatalf("lock not released: %v", err)
	}
}

func TestSaveHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "img")
	xml := "<domain type='kvm'><name>s</name></domain>"
	h := saveHeader{version: saveVersion, dataLen: uint32(len(xml) + 1), wasRunning: 1}
	data := append(h.encode(saveMagic), append([]byte(xml), 0)...)
	data = append(data, "QEVM"...)
	os.WriteFile(path, data, 0o600)
	got, gotXML, off, err := readSaveImage(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.wasRunning != 1 || gotXML != xml || off != int64(saveHeaderSize+len(xml)+1) {
		t.Fatalf("header %+v xml %q offset %d", got, gotXML, off)
	}
	os.WriteFile(path, append(h.encode(savePartialMagic), data[saveHeaderSize:]...), 0o600)
	if _, _, _, err := readSaveImage(path); err == nil {
		t.Fatal("partial image accepted")
	}
}

func TestPathsUnderRoot(t *testing.T) {
	p := NewPaths("/r", true)
	if p.ConfigFile("a") != "/r/etc/libvirt/qemu/a.xml" || p.StatusFile("a") != "/r/run/libvirt/qemu/a.xml" ||
		p.LogFile("a") != "/r/var/log/libvirt/qemu/a.log" || p.DomainLibDir(2, "a") != "/r/var/lib/libvirt/qemu/domain-2-a" {
		t.Fatalf("paths %+v", p)
	}
}

func TestDiskIndex(t *testing.T) {
	for dst, want := range map[string]int{"vda": 0, "vdb": 1, "sdz": 25, "vdaa": 26, "hdc": 2} {
		if got := diskIndex(dst); got != want {
			t.Errorf("diskIndex(%s) = %d, want %d", dst, got, want)
		}
	}
}

var _ = domain.ParseStatus

// A start's private directory is new and empty, whether a left-over one
// from a daemon that died is in the way or its parent is missing.
func TestFreshDir(t *testing.T) {
	base := t.TempDir()
	left := filepath.Join(base, "domain-1-x")
	if err := os.MkdirAll(filepath.Join(left, "sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(left, "monitor.sock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{left, filepath.Join(base, "missing", "domain-2-y"), filepath.Join(base, "domain-3-z")} {
		if err := freshDir(dir); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
			t.Errorf("%s: %v %v, want a new empty directory", dir, entries, err)
		}
	}
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	if err := mkdirOnce(file); err == nil {
		t.Error("mkdirOnce over a file succeeded")
	}
	if err := mkdirOnce(left); err != nil {
		t.Errorf("mkdirOnce of an existing directory: %v", err)
	}
}
