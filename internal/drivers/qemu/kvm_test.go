package qemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/driver"
)

// In-process driver tests against real QEMU/KVM (no guest OS needed):
// hotplug, stats, managed save and restore, events.

func requireKVM(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("QEMU test skipped under -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := os.Stat("/dev/kvm"); err != nil {
		t.Skip("needs /dev/kvm")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not installed")
	}
}

const kvmXML = `<domain type='kvm'>
  <name>k1</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <memballoon model='none'/>
  </devices>
</domain>`

type eventLog struct {
	mu  sync.Mutex
	evs []string
}

func (l *eventLog) add(ev driver.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch m := ev.Payload.(type) {
	case *driver.DomainEventLifecycleMsg:
		l.evs = append(l.evs, "lifecycle "+itoa(int(m.Event))+"/"+itoa(int(m.Detail)))
	case *driver.DomainEventDeviceRemovedMsg:
		l.evs = append(l.evs, "removed "+m.DevAlias)
	}
}

func (l *eventLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.evs, ", ")
}

func TestKVMHotplugStatsManagedSave(t *testing.T) {
	requireKVM(t)
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDriver(Config{Root: root, Privileged: true, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Connect(0)
	h := c.Hypervisor
	var events eventLog
	if _, err := c.Events.EventRegister(ctx, driver.EventDomain, eventIDLifecycle, nil, events.add); err != nil {
		t.Fatal(err)
	}
	ref, err := h.DomainDefineXML(ctx, kvmXML)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DomainCreateWithFlags(ctx, ref, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.DomainDestroy(ctx, ref) })

	// Hot-plug a disk, see it in the live XML and in the stats.
	img := filepath.Join(t.TempDir(), "data.img")
	os.WriteFile(img, make([]byte, 1<<20), 0o644)
	disk := "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + img + "'/><target dev='vdb' bus='virtio'/></disk>"
	if err := h.DomainAttachDeviceFlags(ctx, ref, disk, affectLive); err != nil {
		t.Fatal(err)
	}
	xml, _ := h.DomainGetXMLDesc(ctx, ref, 0)
	if !strings.Contains(xml, "<target dev='vdb' bus='virtio'/>") || !strings.Contains(xml, "virtio-disk1") {
		t.Fatalf("live XML after attach:\n%s", xml)
	}
	if _, err := h.DomainBlockStats(ctx, ref, "vdb"); err != nil {
		t.Fatalf("blockstats: %v", err)
	}
	recs, err := h.ConnectGetAllDomainStats(ctx, []driver.DomainRef{ref}, 0, 0)
	if err != nil || len(recs) != 1 {
		t.Fatalf("domstats: %v", err)
	}
	names := map[string]bool{}
	for _, p := range recs[0].Params {
		names[p.Field] = true
	}
	for _, want := range []string{"state.state", "cpu.time", "balloon.maximum", "vcpu.0.time", "block.count", "block.0.rd.reqs"} {
		if !names[want] {
			t.Errorf("domstats lacks %s", want)
		}
	}
	status, _ := os.ReadFile(d.paths.StatusFile("k1"))
	if !strings.Contains(string(status), "virtio-disk1") {
		t.Fatalf("status file does not know the hot-plugged disk:\n%s", status)
	}

	// Queries do not wait behind a job.
	o, _ := d.lookup(ref)
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainTest"); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if _, err := h.DomainGetInfo(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ConnectGetAllDomainStats(ctx, []driver.DomainRef{ref}, 0, 0); err != nil {
		t.Fatal(err)
	}
	// Waiting for the job would end in jobWait's (30 s) timeout error;
	// the bound stays below it but far above two queries on a loaded
	// machine.
	if time.Since(t0) > 20*time.Second {
		t.Fatal("queries waited for the job")
	}
	o.job.end()

	// Managed save, then start restores it.
	if err := h.DomainManagedSave(ctx, ref, 0); err != nil {
		t.Fatal(err)
	}
	st, _ := h.DomainGetState(ctx, ref, 0)
	if st.State != stateShutoff || st.Reason != shutoffSaved {
		t.Fatalf("state after managed save: %+v", st)
	}
	if has, _ := h.DomainHasManagedSaveImage(ctx, ref, 0); has != 1 {
		t.Fatal("no managed save image")
	}
	if _, err := h.DomainCreateWithFlags(ctx, ref, 0); err != nil {
		log, _ := os.ReadFile(d.paths.LogFile("k1"))
		t.Fatalf("restore: %v\n%s", err, log)
	}
	st, _ = h.DomainGetState(ctx, ref, 0)
	if st.State != stateRunning || st.Reason != runningRestored {
		t.Fatalf("state after restore: %+v", st)
	}
	if has, _ := h.DomainHasManagedSaveImage(ctx, ref, 0); has != 0 {
		t.Fatal("managed save image kept after restore")
	}
	if err := h.DomainDestroy(ctx, ref); err != nil {
		t.Fatal(err)
	}
	// As libvirtd 9.0 reports them: Defined Added, Resumed Unpaused and
	// Started Booted, Suspended Paused and Stopped Saved, Started
	// Restored and Resumed Snapshot, Shutdown Finished after host request
	// and Stopped Destroyed.
	want := "lifecycle 0/0, lifecycle 4/0, lifecycle 2/0, lifecycle 3/0, lifecycle 5/4, lifecycle 2/2, lifecycle 4/2, lifecycle 6/2, lifecycle 5/1"
	if got := events.String(); got != want {
		t.Fatalf("events:\n got %s\nwant %s", got, want)
	}
}

// TestKVMGuestAgentChannelListens: a guest-agent channel on a unix socket
// without a path (what virt-install writes) gets a path in the domain's
// channel directory and QEMU listens there, as libvirt's copy of the
// definition parsed as inactive makes it do.
func TestKVMGuestAgentChannelListens(t *testing.T) {
	requireKVM(t)
	ctx := context.Background()
	// A short root: the channel path must fit a unix socket address.
	root, err := os.MkdirTemp("/tmp", "ga")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	d, err := NewDriver(Config{Root: root, Privileged: true, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	h := d.Connect(0).Hypervisor
	xml := strings.Replace(kvmXML, "<memballoon model='none'/>",
		"<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>\n    <memballoon model='none'/>", 1)
	ref, err := h.DomainDefineXML(ctx, xml)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DomainCreateWithFlags(ctx, ref, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.DomainDestroy(ctx, ref) })
	live, _ := h.DomainGetXMLDesc(ctx, ref, 0)
	m := regexp.MustCompile(`<source mode='bind' path='([^']*/org\.qemu\.guest_agent\.0)'/>`).FindStringSubmatch(live)
	if m == nil {
		t.Fatalf("live channel:\n%s", live)
	}
	if fi, err := os.Stat(m[1]); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("QEMU does not listen at %s: %v", m[1], err)
	}
}
