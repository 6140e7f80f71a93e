package qemu_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/testguest"
)

// The end-to-end tests start govirtd --root DIR and drive it with the
// stock virsh, booting the project's test guest under TCG.

var govirtdOnce struct {
	sync.Once
	path string
	err  error
}

func buildGovirtd(t *testing.T) string {
	t.Helper()
	govirtdOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		repo := filepath.Join(filepath.Dir(file), "..", "..", "..")
		dir, err := os.MkdirTemp("", "govirt-e2e-bin-")
		if err != nil {
			govirtdOnce.err = err
			return
		}
		out := filepath.Join(dir, "govirtd")
		cmd := exec.Command("go", "build", "-o", out, "./cmd/govirtd")
		cmd.Dir = repo
		if b, err := cmd.CombinedOutput(); err != nil {
			govirtdOnce.err = fmt.Errorf("go build govirtd: %v\n%s", err, b)
			return
		}
		govirtdOnce.path = out
	})
	if govirtdOnce.err != nil {
		t.Fatal(govirtdOnce.err)
	}
	return govirtdOnce.path
}

func requireE2E(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test skipped under -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end test needs root")
	}
	for _, bin := range []string{"qemu-system-x86_64", "virsh", "script"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed", bin)
		}
	}
}

// daemon is one govirtd under a private root.
type daemon struct {
	t    *testing.T
	bin  string
	root string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	uri  string
}

func startDaemon(t *testing.T, bin, root string) *daemon {
	d := &daemon{t: t, bin: bin, root: root, log: &bytes.Buffer{},
		uri: "qemu+unix:///system?socket=" + filepath.Join(root, "run", "libvirt", "libvirt-sock")}
	d.start()
	t.Cleanup(func() {
		// Guests first, as a clean host requires, then the daemon.
		out, _ := d.virshErr("list", "--name")
		for _, name := range strings.Fields(out) {
			d.virshErr("destroy", name)
		}
		if d.cmd != nil && d.cmd.Process != nil {
			d.cmd.Process.Signal(syscall.SIGTERM)
			d.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("govirtd log:\n%s", d.log.String())
		}
	})
	return d
}

func (d *daemon) start() {
	d.t.Helper()
	sock := filepath.Join(d.root, "run", "libvirt", "libvirt-sock")
	os.Remove(sock)
	d.cmd = exec.Command(d.bin, "--root", d.root)
	d.cmd.Env = append(os.Environ(), "GOVIRT_ROOT="+d.root)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second) // reconnecting to guests on a loaded machine
	for {
		if _, err := os.Stat(sock); err == nil {
			if _, err := d.virshErr("version"); err == nil {
				return
			}
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("govirtd did not come up:\n%s", d.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill9 kills the daemon as a crash would; its guests keep running.
func (d *daemon) kill9() {
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()
	d.cmd = nil
}

func (d *daemon) virshErr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "virsh", append([]string{"-q", "-c", d.uri}, args...)...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (d *daemon) virsh(args ...string) string {
	d.t.Helper()
	out, err := d.virshErr(args...)
	if err != nil {
		d.t.Fatalf("virsh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (d *daemon) waitState(name, want string, timeout time.Duration) {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	var got string
	for time.Now().Before(deadline) {
		got, _ = d.virshErr("domstate", "--reason", name)
		if got == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	d.t.Fatalf("domstate %s = %q, want %q", name, got, want)
}

// console reads the guest's console through `virsh console` (a stream
// from govirtd to the pty); script gives virsh the terminal it wants.
type console struct {
	lockedBuffer // what the guest printed
	cmd          *exec.Cmd
}

func (d *daemon) openConsole(name string) *console {
	c := &console{}
	c.cmd = exec.Command("script", "-qfec", fmt.Sprintf("virsh -c '%s' console %s --force", d.uri, name), "/dev/null")
	c.cmd.Stdout, c.cmd.Stderr = c, c
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(c.close)
	return c
}

func (c *console) close() {
	if c.cmd.Process != nil {
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		c.cmd.Wait()
	}
}

func (c *console) waitCount(t *testing.T, marker string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Count(c.String(), marker) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("console never showed %q %d time(s); got:\n%s", marker, n, c.String())
}

func guestXML(name, kernel, initrd, extraDevices string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>128</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>%s</kernel>
    <initrd>%s</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    %s
    <serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
`, name, kernel, initrd, extraDevices)
}

func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestE2EGuestLifecycle(t *testing.T) {
	requireE2E(t)
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	root := t.TempDir()
	d := startDaemon(t, bin, root)
	dir := t.TempDir()

	d.virsh("define", writeFile(t, filepath.Join(dir, "tg.xml"), guestXML("tg", kernel, initrd, "")))
	if got := d.virsh("domstate", "--reason", "tg"); got != "shut off (unknown)" {
		t.Fatalf("defined domain state = %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "etc", "libvirt", "qemu", "tg.xml")); err != nil {
		t.Fatalf("definition not persisted: %v", err)
	}

	// Boot: the console shows the guest's ready marker.
	d.virsh("start", "tg")
	if got := d.virsh("domstate", "--reason", "tg"); got != "running (booted)" {
		t.Fatalf("state after start = %q", got)
	}
	status := filepath.Join(root, "run", "libvirt", "qemu", "tg.xml")
	if data, err := os.ReadFile(status); err != nil || !strings.Contains(string(data), "<domstatus state='running' reason='booted'") {
		t.Fatalf("status file after start: %v\n%s", err, data)
	}
	con := d.openConsole("tg")
	con.waitCount(t, testguest.ReadyMarker, 1, 90*time.Second)

	// Suspend and resume.
	d.virsh("suspend", "tg")
	d.waitState("tg", "paused (user)", 60*time.Second)
	d.virsh("resume", "tg")
	d.waitState("tg", "running (unpaused)", 60*time.Second)

	// Reboot through ACPI: the guest powers off, QEMU is reset and the
	// guest boots again.
	d.virsh("reboot", "tg")
	con.waitCount(t, testguest.ReadyMarker, 2, 90*time.Second)
	d.waitState("tg", "running (booted)", 60*time.Second)

	// The daemon dies; the guest keeps running and the next daemon
	// reconnects from the status file.
	id := d.virsh("domid", "tg")
	d.kill9()
	d.start()
	if got := d.virsh("domstate", "--reason", "tg"); got != "running (booted)" {
		t.Fatalf("state after daemon restart = %q", got)
	}
	if got := d.virsh("domid", "tg"); got != id {
		t.Fatalf("id after daemon restart = %s, want %s", got, id)
	}
	if out := d.virsh("domstats", "tg"); !strings.Contains(out, "cpu.time=") || !strings.Contains(out, "vcpu.0.time=") {
		t.Fatalf("domstats after restart:\n%s", out)
	}
	con.close()
	con = d.openConsole("tg")

	// ACPI shutdown reaches shut off (shutdown) when the guest powers off.
	d.virsh("shutdown", "tg")
	d.waitState("tg", "shut off (shutdown)", 60*time.Second)
	if _, err := os.Stat(status); !os.IsNotExist(err) {
		t.Fatalf("status file left after shutdown: %v", err)
	}

	// Destroy, and a QEMU that dies on its own is a crash.
	d.virsh("start", "tg")
	d.virsh("destroy", "tg")
	d.waitState("tg", "shut off (destroyed)", 60*time.Second)
	d.virsh("start", "tg")
	pid, err := os.ReadFile(filepath.Join(root, "run", "libvirt", "qemu", "tg.pid"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
	syscall.Kill(n, syscall.SIGKILL)
	d.waitState("tg", "shut off (crashed)", 60*time.Second)

	// A guest that dies while no daemon watches is found shut off.
	d.virsh("start", "tg")
	pid, _ = os.ReadFile(filepath.Join(root, "run", "libvirt", "qemu", "tg.pid"))
	n, _ = strconv.Atoi(strings.TrimSpace(string(pid)))
	d.kill9()
	syscall.Kill(n, syscall.SIGKILL)
	for pidAlive(n) {
		time.Sleep(10 * time.Millisecond)
	}
	d.start()
	if got := d.virsh("domstate", "--reason", "tg"); got != "shut off (crashed)" {
		t.Fatalf("state of a guest that died with the daemon down = %q", got)
	}
	if _, err := os.Stat(status); !os.IsNotExist(err) {
		t.Fatalf("status file of a dead guest left: %v", err)
	}
	d.virsh("undefine", "tg")
}

func pidAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// A failed start leaves nothing behind: no process, no status, pid or
// private files.
func TestE2EFailedStartLeavesNothing(t *testing.T) {
	requireE2E(t)
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	root := t.TempDir()
	d := startDaemon(t, bin, root)
	dir := t.TempDir()

	missing := filepath.Join(dir, "missing.img")
	d.virsh("define", writeFile(t, filepath.Join(dir, "a.xml"), guestXML("broken", kernel, initrd,
		fmt.Sprintf(`<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>`, missing))))
	out, err := d.virshErr("start", "broken")
	if err == nil || !strings.Contains(out, "Cannot access storage file '"+missing+"'") {
		t.Fatalf("start with a missing disk: err=%v\n%s", err, out)
	}
	assertNothingLeft(t, root, "broken")

	// QEMU itself refuses the disk (not qcow2): the failure comes after
	// the process was spawned, and is undone all the same.
	raw := writeFile(t, filepath.Join(dir, "raw.img"), strings.Repeat("\x00", 1<<20))
	d.virsh("define", writeFile(t, filepath.Join(dir, "b.xml"), guestXML("badfmt", kernel, initrd,
		fmt.Sprintf(`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>`, raw))))
	out, err = d.virshErr("start", "badfmt")
	if err == nil {
		t.Fatalf("start with a raw file as qcow2 succeeded:\n%s", out)
	}
	assertNothingLeft(t, root, "badfmt")
	if got := d.virsh("domstate", "badfmt"); got != "shut off" {
		t.Fatalf("state after failed start = %q", got)
	}
}

func assertNothingLeft(t *testing.T, root, name string) {
	t.Helper()
	for _, p := range []string{
		filepath.Join(root, "run", "libvirt", "qemu", name+".xml"),
		filepath.Join(root, "run", "libvirt", "qemu", name+".pid"),
	} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind after a failed start", p)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(root, "var", "lib", "libvirt", "qemu"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "domain-") && strings.HasSuffix(e.Name(), "-"+name) {
			t.Errorf("private directory %s left behind", e.Name())
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte("guest="+name+",")) && bytes.Contains(data, []byte(root)) {
			t.Errorf("QEMU process %s left behind", filepath.Dir(p))
		}
	}
}
