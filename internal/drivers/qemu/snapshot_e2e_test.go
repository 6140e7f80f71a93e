package qemu_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/testguest"
)

// qcow2Snapshots lists the internal snapshots qemu-img sees in an image
// (-U: the guest may hold it open).
func qcow2Snapshots(t *testing.T, image string) string {
	t.Helper()
	out, err := exec.Command("qemu-img", "snapshot", "-U", "-l", image).CombinedOutput()
	if err != nil {
		t.Fatalf("qemu-img snapshot -l: %v\n%s", err, out)
	}
	return string(out)
}

// snapshotListLine is how virsh snapshot-list prints one snapshot, as it
// does against libvirt's own drivers: name, creation time, state.
func snapshotListLine(name, state string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^ ?` + regexp.QuoteMeta(name) + ` +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} +` + state + `$`)
}

// Internal snapshots of a running guest and of a shut-off one, driven by
// the stock virsh against a private govirtd: savevm, loadvm and delvm on
// the guest's qcow2 disk, qemu-img while it is off, and the metadata
// across a daemon restart.
func TestE2ESnapshots(t *testing.T) {
	requireE2E(t)
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed")
	}
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	root := t.TempDir()
	d := startDaemon(t, bin, root)
	dir := t.TempDir()
	image := filepath.Join(dir, "disk.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", image, "16M").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img create: %v\n%s", err, out)
	}
	disk := fmt.Sprintf(`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>`, image)
	d.virsh("define", writeFile(t, filepath.Join(dir, "sg.xml"), guestXML("sg", kernel, initrd, disk)))
	d.virsh("start", "sg")

	// virsh runs with -q, which keeps the "created" and "deleted" lines.
	d.virsh("snapshot-create-as", "sg", "s1", "--description", "first")
	if got := d.virsh("domstate", "--reason", "sg"); got != "running (unpaused)" {
		t.Fatalf("state after a snapshot of a running guest = %q", got)
	}
	d.virsh("snapshot-create-as", "sg", "s2")
	list := d.virsh("snapshot-list", "sg")
	for _, name := range []string{"s1", "s2"} {
		if !snapshotListLine(name, "running").MatchString(list) {
			t.Fatalf("snapshot-list lacks %s:\n%s", name, list)
		}
	}
	if got := d.virsh("snapshot-list", "sg", "--tree"); got != "s1\n  |\n  +- s2" {
		t.Fatalf("snapshot-list --tree:\n%s", got)
	}
	if got := d.virsh("snapshot-list", "sg", "--parent"); !regexp.MustCompile(`(?m)^ ?s2 +.* running +s1$`).MatchString(got) {
		t.Fatalf("snapshot-list --parent:\n%s", got)
	}
	compareWithTestDriver(t, d)
	if got := d.virsh("snapshot-current", "--name", "sg"); got != "s2" {
		t.Fatalf("snapshot-current = %q", got)
	}
	if got := d.virsh("snapshot-parent", "sg", "s2"); got != "s1" {
		t.Fatalf("snapshot-parent = %q", got)
	}
	if img := qcow2Snapshots(t, image); !strings.Contains(img, " s1 ") || !strings.Contains(img, " s2 ") {
		t.Fatalf("image snapshots:\n%s", img)
	}
	xml := d.virsh("snapshot-dumpxml", "sg", "s1")
	for _, want := range []string{"<description>first</description>", "<state>running</state>", "<memory snapshot='internal'/>",
		"<disk name='vda' snapshot='internal'/>", "<inactiveDomain", "<cookie>"} {
		if !strings.Contains(xml, want) {
			t.Errorf("snapshot-dumpxml lacks %q:\n%s", want, xml)
		}
	}

	// Revert a running guest: loadvm, and it runs on from the snapshot.
	// The lifecycle events are libvirtd 9.0's for the same reverts.
	events := d.watchEvents("sg", "--live")
	d.virsh("snapshot-revert", "sg", "s1")
	d.waitState("sg", "running (from snapshot)", 60*time.Second)
	if got := d.virsh("snapshot-current", "--name", "sg"); got != "s1" {
		t.Fatalf("snapshot-current after revert = %q", got)
	}
	d.virsh("snapshot-revert", "sg", "s2", "--paused")
	d.waitState("sg", "paused (from snapshot)", 60*time.Second)
	events.expect("Stopped Snapshot", "Started Snapshot", "Resumed Snapshot", "Defined Snapshot",
		"Stopped Snapshot", "Started Snapshot", "Suspended Snapshot", "Defined Snapshot")
	events.close()

	d.virsh("snapshot-delete", "sg", "s2")
	if img := qcow2Snapshots(t, image); strings.Contains(img, " s2 ") || !strings.Contains(img, " s1 ") {
		t.Fatalf("image snapshots after delete:\n%s", img)
	}
	if got := d.virsh("snapshot-current", "--name", "sg"); got != "s1" {
		t.Fatalf("snapshot-current after deleting the current one = %q", got)
	}

	// Shut off: qemu-img takes the snapshot; reverting to the running
	// snapshot s1 starts the guest from it.
	d.virsh("destroy", "sg")
	d.virsh("snapshot-create-as", "sg", "off1")
	if !snapshotListLine("off1", "shutoff").MatchString(d.virsh("snapshot-list", "sg")) {
		t.Fatalf("offline snapshot not listed:\n%s", d.virsh("snapshot-list", "sg"))
	}
	if img := qcow2Snapshots(t, image); !strings.Contains(img, " off1 ") {
		t.Fatalf("image snapshots after offline snapshot:\n%s", img)
	}
	if got := d.virsh("snapshot-list", "sg", "--roots", "--name"); got != "s1" {
		t.Fatalf("roots = %q", got)
	}

	// The metadata survives a daemon restart.
	d.kill9()
	d.start()
	if got := d.virsh("snapshot-list", "sg", "--tree"); got != "s1\n  |\n  +- off1" {
		t.Fatalf("snapshot-list --tree after restart:\n%s", got)
	}
	if got := d.virsh("snapshot-current", "--name", "sg"); got != "off1" {
		t.Fatalf("snapshot-current after restart = %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "var", "lib", "libvirt", "qemu", "snapshot", "sg", "s1.xml")); err != nil {
		t.Fatalf("metadata file: %v", err)
	}

	events = d.watchEvents("sg", "--config")
	d.virsh("snapshot-revert", "sg", "s1")
	d.waitState("sg", "running (from snapshot)", 30*time.Second)
	d.virsh("snapshot-revert", "sg", "off1", "--force")
	d.waitState("sg", "shut off (from snapshot)", 30*time.Second)
	events.expect("Started Snapshot", "Resumed Snapshot", "Defined Snapshot",
		"Stopped Snapshot", "Defined Snapshot")
	events.close()

	// Raw disks take no internal snapshot.
	raw := filepath.Join(dir, "raw.img")
	if err := os.WriteFile(raw, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	d.virsh("define", writeFile(t, filepath.Join(dir, "raw.xml"), guestXML("rawg", kernel, initrd,
		fmt.Sprintf(`<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>`, raw))))
	out, err := d.virshErr("snapshot-create-as", "rawg", "r1")
	if err == nil || !strings.Contains(out, "unsupported configuration: internal snapshot for disk vda unsupported for storage type raw") {
		t.Fatalf("snapshot of a raw disk: %v\n%s", err, out)
	}

	d.virsh("snapshot-delete", "sg", "s1", "--children")
	if got := d.virsh("snapshot-list", "sg", "--name"); got != "" {
		t.Fatalf("snapshots left: %q", got)
	}
	if img := qcow2Snapshots(t, image); strings.Contains(img, " s1 ") || strings.Contains(img, " off1 ") {
		t.Fatalf("image snapshots after deleting all:\n%s", img)
	}
}

var creationTime = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}`)

// compareWithTestDriver lists the s1 → s2 tree of running snapshots as
// the stock virsh prints it from govirtd and from libvirt's own test
// driver (test:///default, whose domain runs), creation times masked:
// the tables and the tree must be the same text.
func compareWithTestDriver(t *testing.T, d *daemon) {
	t.Helper()
	listings := []string{"snapshot-list %s", "snapshot-list %s --tree", "snapshot-list %s --parent"}
	var script []string
	script = append(script, "snapshot-create-as test s1", "snapshot-create-as test s2")
	for _, l := range listings {
		script = append(script, "echo @@@@", fmt.Sprintf(l, "test"))
	}
	out, err := exec.Command("virsh", "-c", "test:///default", strings.Join(script, "; ")).CombinedOutput()
	if err != nil {
		t.Fatalf("virsh against the test driver: %v\n%s", err, out)
	}
	want := strings.Split(creationTime.ReplaceAllString(string(out), "TIME"), "@@@@\n")[1:]
	for i, l := range listings {
		args := append([]string{"-c", d.uri}, strings.Fields(fmt.Sprintf(l, "sg"))...)
		got, err := exec.Command("virsh", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("virsh %v: %v\n%s", args, err, got)
		}
		if g := creationTime.ReplaceAllString(string(got), "TIME"); g != want[i] {
			t.Errorf("%s differs from libvirt's test driver:\n--- test driver\n%s--- govirtd\n%s", l, want[i], g)
		}
	}
}

// eventWatch is the stock `virsh event --all --loop` watching one domain
// of the daemon.
type eventWatch struct {
	lockedBuffer // what virsh printed
	d            *daemon
	dom          string
	cmd          *exec.Cmd
	seen         int // lifecycle events already checked
}

// watchEvents starts virsh event and returns once it is known to be
// listening: it has reported a title change made through desc with
// scope (--live or --config) after it started.
func (d *daemon) watchEvents(dom, scope string) *eventWatch {
	d.t.Helper()
	w := &eventWatch{d: d, dom: dom}
	w.cmd = exec.Command("virsh", "-c", d.uri, "event", "--domain", dom, "--all", "--loop")
	w.cmd.Stdout, w.cmd.Stderr = w, w
	if err := w.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(w.close)
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; ; i++ {
		d.virsh("desc", dom, scope, "--title", fmt.Sprintf("sync%d", i))
		for wait := time.Now().Add(time.Second); time.Now().Before(wait); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(w.String(), "event 'metadata-change' for domain '"+dom+"'") {
				return w
			}
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("virsh event reported nothing:\n%s", w.String())
		}
	}
}

// lifecycle is the lifecycle events reported so far, virsh's words.
func (w *eventWatch) lifecycle() []string {
	prefix := "event 'lifecycle' for domain '" + w.dom + "': "
	var evs []string
	for _, line := range strings.Split(w.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
			evs = append(evs, rest)
		}
	}
	return evs
}

// expect waits for the next lifecycle events and checks they are want,
// in order.
func (w *eventWatch) expect(want ...string) {
	w.d.t.Helper()
	var got []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = w.lifecycle()[w.seen:]; len(got) >= len(want) {
			break
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		w.d.t.Errorf("lifecycle events:\n got %q\nwant %q\nvirsh event:\n%s", got, want, w.String())
	}
	w.seen += len(got)
}

func (w *eventWatch) close() {
	if w.cmd.Process == nil || w.cmd.ProcessState != nil {
		return
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	w.cmd.Wait()
}
