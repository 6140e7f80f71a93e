package network

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/hostnet"
	"github.com/govirt/govirt/virt/virterr"
)

// fakeHost records what the driver does to the host, so the driver's
// logic is tested without root.
type fakeHost struct {
	mu      sync.Mutex
	links   map[string]bool
	routes  []hostnet.Route
	sysctls map[string]string
	failOn  string
}

func newFakeHost() *fakeHost {
	return &fakeHost{links: map[string]bool{"lo": true, "eth0": true}, sysctls: map[string]string{}}
}

func (h *fakeHost) fail(op string) error {
	if h.failOn == op {
		return virterr.New(virterr.SystemError, "injected failure in %s", op)
	}
	return nil
}

func (h *fakeHost) Exists(name string) bool { h.mu.Lock(); defer h.mu.Unlock(); return h.links[name] }
func (h *fakeHost) CreateBridge(name string, opts hostnet.BridgeOptions) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.links[name] {
		return virterr.New(virterr.SystemError, "exists")
	}
	h.links[name] = true
	return h.fail("bridge")
}
func (h *fakeHost) DeleteLink(name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.links, name)
	var keep []hostnet.Route
	for _, r := range h.routes {
		if r.Dev != name {
			keep = append(keep, r)
		}
	}
	h.routes = keep
	return nil
}
func (h *fakeHost) SetUp(name string, up bool) error           { return h.fail("up") }
func (h *fakeHost) SetSTP(bridge string, on bool) error        { return nil }
func (h *fakeHost) SetSTPDelay(bridge string, ms uint64) error { return nil }
func (h *fakeHost) AddAddress(name string, a addr, p int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.routes = append(h.routes, hostnet.Route{Dev: name, Dst: netip.PrefixFrom(a, p).Masked()})
	return h.fail("address")
}
func (h *fakeHost) AddRoute(dev string, dst prefix, gw addr, metric int) error { return nil }
func (h *fakeHost) Routes(v6 bool) ([]hostnet.Route, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []hostnet.Route
	for _, r := range h.routes {
		if r.Dst.Addr().Is6() == v6 {
			out = append(out, r)
		}
	}
	return out, nil
}
func (h *fakeHost) Sysctl(key, value string) error { h.sysctls[key] = value; return nil }

type testEnv struct {
	d    *Driver
	host *fakeHost
	rec  *cmdrun.Recorder
	c    *conn
	root string
}

func newTestEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/libvirt"), 0o755)
	// iptables is the backend whose commands need no handle parsing.
	os.WriteFile(filepath.Join(root, "etc/libvirt/network.conf"), []byte("firewall_backend = \"iptables\"\n"), 0o644)
	h := newFakeHost()
	rec := cmdrun.NewRecorder()
	cfg.Layout = daemon.Layout{Root: root}
	cfg.Host, cfg.Runner = h, rec
	if cfg.Dnsmasq == "" {
		cfg.Dnsmasq = "/nonexistent/dnsmasq"
	}
	d := New(cfg)
	if err := d.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	conn := d.Connection(0).Network.(*conn)
	return &testEnv{d: d, host: h, rec: rec, c: conn, root: root}
}

const isolatedNoDHCP = `<network>
  <name>iso</name>
  <bridge name='gvtest0'/>
  <dns enable='no'/>
  <ip address='192.168.150.1' prefix='24'/>
</network>`

func (e *testEnv) define(t *testing.T, xml string) driver.NetworkRef {
	t.Helper()
	ref, err := e.c.NetworkDefineXML(context.Background(), xml)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestLifecycleRecordedRemoval(t *testing.T) {
	e := newTestEnv(t, Config{})
	ctx := context.Background()
	ref := e.define(t, isolatedNoDHCP)
	if err := e.c.NetworkCreate(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if !e.host.Exists("gvtest0") {
		t.Fatal("no bridge")
	}
	status, err := os.ReadFile(filepath.Join(e.root, "run/libvirt/network/iso.xml"))
	if err != nil || !strings.Contains(string(status), "<firewall backend='iptables'>") || !strings.Contains(string(status), "<class_id bitmap='0-2'/>") {
		t.Fatalf("status: %v\n%s", err, status)
	}
	// A restarted daemon knows the running network from its status.
	d2 := New(Config{Layout: e.d.cfg.Layout, Host: e.host, Runner: e.rec})
	if err := d2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	c2 := d2.Connection(0).Network.(*conn)
	if active, _ := c2.NetworkIsActive(ctx, ref); active != 1 {
		t.Fatal("reloaded network is not active")
	}
	// Stopping runs exactly the recorded removals, even if this build
	// would add different rules: edit the status to prove it.
	edited := strings.Replace(string(status), "<item>--delete</item>", "<item>--delete</item>", 1)
	os.WriteFile(filepath.Join(e.root, "run/libvirt/network/iso.xml"), []byte(edited), 0o600)
	e.rec.Reset()
	if err := c2.NetworkDestroy(ctx, ref); err != nil {
		t.Fatal(err)
	}
	var removals int
	for _, c := range e.rec.Commands() {
		for _, a := range c.Argv {
			if a == "--delete" || a == "-D" {
				removals++
				break
			}
		}
	}
	if removals == 0 {
		t.Errorf("stop ran no recorded removal:\n%s", e.rec.String())
	}
	if e.host.Exists("gvtest0") {
		t.Error("bridge left behind")
	}
	if _, err := os.Stat(filepath.Join(e.root, "run/libvirt/network/iso.xml")); err == nil {
		t.Error("status file left behind")
	}
}

func TestStartErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("overlapping subnet", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		e.host.routes = append(e.host.routes, hostnet.Route{Dev: "eth0", Dst: netip.MustParsePrefix("192.168.150.0/24")})
		ref := e.define(t, isolatedNoDHCP)
		err := e.c.NetworkCreate(ctx, ref)
		if err == nil || err.Error() != "internal error: Network is already in use by interface eth0" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("two networks one subnet", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		ref := e.define(t, isolatedNoDHCP)
		if err := e.c.NetworkCreate(ctx, ref); err != nil {
			t.Fatal(err)
		}
		other := strings.NewReplacer("<name>iso</name>", "<name>iso2</name>", "gvtest0", "gvtest1").Replace(isolatedNoDHCP)
		ref2 := e.define(t, other)
		if err := e.c.NetworkCreate(ctx, ref2); err == nil || !strings.Contains(err.Error(), "already in use by interface gvtest0") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bridge name in use", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		e.define(t, isolatedNoDHCP)
		other := strings.Replace(isolatedNoDHCP, "<name>iso</name>", "<name>iso2</name>", 1)
		_, err := e.c.NetworkDefineXML(ctx, other)
		if err == nil || err.Error() != "internal error: bridge name 'gvtest0' already in use." {
			t.Fatalf("got %v", err)
		}
		e.host.links["gvhost0"] = true
		ref := e.define(t, strings.NewReplacer("<name>iso</name>", "<name>iso3</name>", "gvtest0", "gvhost0").Replace(isolatedNoDHCP))
		if err := e.c.NetworkCreate(ctx, ref); err == nil || err.Error() != "internal error: bridge name 'gvhost0' already in use." {
			t.Fatalf("existing host device: got %v", err)
		}
	})
	t.Run("forward dev is the bridge", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		_, err := e.c.NetworkDefineXML(ctx, strings.Replace(isolatedNoDHCP, "<bridge", "<forward mode='nat' dev='gvtest0'/><bridge", 1))
		if err == nil || !errors.Is(err, virterr.ConfigUnsupported) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("dnsmasq missing", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		ref := e.define(t, strings.Replace(isolatedNoDHCP, "<dns enable='no'/>", "", 1))
		err := e.c.NetworkCreate(ctx, ref)
		if err == nil || !strings.Contains(err.Error(), "Cannot check dnsmasq binary /nonexistent/dnsmasq") {
			t.Fatalf("got %v", err)
		}
		if e.host.Exists("gvtest0") {
			t.Error("a failed start left the bridge")
		}
	})
	t.Run("failure rolls back", func(t *testing.T) {
		e := newTestEnv(t, Config{})
		e.host.failOn = "up"
		ref := e.define(t, isolatedNoDHCP)
		if err := e.c.NetworkCreate(ctx, ref); err == nil {
			t.Fatal("start succeeded")
		}
		if e.host.Exists("gvtest0") {
			t.Error("bridge left behind")
		}
		entries, _ := os.ReadDir(filepath.Join(e.root, "run/libvirt/network"))
		if len(entries) != 0 {
			t.Errorf("files left behind: %v", entries)
		}
		if active, _ := e.c.NetworkIsActive(ctx, ref); active != 0 {
			t.Error("network active after a failed start")
		}
	})
}

func TestBridgeNameAssigned(t *testing.T) {
	e := newTestEnv(t, Config{})
	e.host.links["virbr0"] = true
	ref := e.define(t, `<network><name>auto</name><dns enable='no'/></network>`)
	xml, err := e.c.NetworkGetXMLDesc(context.Background(), ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(xml, "<bridge name='virbr1'") || !strings.Contains(xml, "<mac address='52:54:00:") {
		t.Errorf("no bridge name or MAC assigned:\n%s", xml)
	}
}

func TestPortsAndFloor(t *testing.T) {
	e := newTestEnv(t, Config{})
	ctx := context.Background()
	ref := e.define(t, strings.Replace(isolatedNoDHCP, "<bridge", "<bandwidth><inbound average='1000'/></bandwidth><bridge", 1))
	if err := e.c.NetworkCreate(ctx, ref); err != nil {
		t.Fatal(err)
	}
	port := func(uuid, mac string, floor int) string {
		return `<networkport><uuid>` + uuid + `</uuid><owner><name>g</name><uuid>11111111-2222-3333-4444-555555555555</uuid></owner>
<mac address='` + mac + `'/><bandwidth><inbound average='100' floor='` + itoa(floor) + `'/></bandwidth></networkport>`
	}
	p1, err := e.c.NetworkPortCreateXML(ctx, ref, port("aaaaaaaa-2222-3333-4444-555555555555", "52:54:00:00:00:01", 600), 0)
	if err != nil {
		t.Fatal(err)
	}
	xml, _ := e.c.NetworkPortGetXMLDesc(ctx, p1, 0)
	if !strings.Contains(xml, "<plug type='network' bridge='gvtest0'/>") || !strings.Contains(xml, "classID='3'") {
		t.Errorf("port XML:\n%s", xml)
	}
	_, err = e.c.NetworkPortCreateXML(ctx, ref, port("bbbbbbbb-2222-3333-4444-555555555555", "52:54:00:00:00:02", 500), 0)
	if err == nil || !strings.Contains(err.Error(), "would overcommit inbound average=1000") {
		t.Fatalf("overcommitted floor: %v", err)
	}
	if err := e.c.NetworkPortDelete(ctx, p1, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.NetworkPortCreateXML(ctx, ref, port("bbbbbbbb-2222-3333-4444-555555555555", "52:54:00:00:00:02", 500), 0); err != nil {
		t.Fatalf("floor not given back: %v", err)
	}
	list, _ := e.c.NetworkListAllPorts(ctx, ref, 1, 0)
	if list.Ret != 1 {
		t.Errorf("%d ports", list.Ret)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
