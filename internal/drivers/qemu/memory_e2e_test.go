package qemu_test

import (
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
	"golang.org/x/sys/unix"
)

func balloonGuestXML(name, kernel, initrd string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>128</memory>
  <currentMemory unit='MiB'>112</currentMemory>
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
    <controller type='pci' index='3' model='pcie-root-port'/>
    <interface type='user'>
      <mac address='52:54:00:5a:11:01'/>
      <model type='virtio'/>
      <link state='down'/>
    </interface>
    <serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/></target></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='virtio'><stats period='2'/></memballoon>
  </devices>
</domain>
`, name, kernel, initrd)
}

// usedMemory is dominfo's "Used memory" line.
func (d *daemon) usedMemory(name string) string {
	for _, line := range strings.Split(d.virsh("dominfo", name), "\n") {
		if v, ok := strings.CutPrefix(line, "Used memory:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (d *daemon) waitUsedMemory(name, want string, timeout time.Duration) {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	got := ""
	for time.Now().Before(deadline) {
		if got = d.usedMemory(name); got == want {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	d.t.Fatalf("dominfo %s: used memory %q, want %q", name, got, want)
}

// A guest started with <currentMemory> below <memory> is ballooned down
// by its driver; setmem moves it again, the balloon-change event and
// dominfo follow, and the memory APIs refuse what libvirt refuses.
func TestE2EBalloon(t *testing.T) {
	requireE2E(t)
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	root := t.TempDir()
	d := startDaemon(t, bin, root)
	dir := t.TempDir()

	d.virsh("define", writeFile(t, filepath.Join(dir, "bg.xml"), balloonGuestXML("bg", kernel, initrd)))
	d.virsh("start", "bg")
	if got := d.virsh("domstate", "--reason", "bg"); got != "running (booted)" {
		t.Fatalf("state after start = %q", got)
	}
	con := d.openConsole("bg")
	con.waitCount(t, testguest.ReadyMarker, 1, 90*time.Second)
	d.waitUsedMemory("bg", "114688 KiB", 60*time.Second)

	// Balloon changes reach event listeners.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ev := exec.CommandContext(ctx, "virsh", "-c", d.uri, "event", "bg", "--event", "balloon-change", "--loop")
	var evOut lockedBuffer
	ev.Stdout, ev.Stderr = &evOut, &evOut
	ev.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := ev.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-ev.Process.Pid, syscall.SIGKILL)
		ev.Wait()
	}()
	// virsh event says nothing when it has registered: change the
	// balloon until it reports a change (once, unless a loaded machine
	// started it late), so it listens before the change checked below.
	sizes := []string{"98304", "94208"}
	for i, deadline := 0, time.Now().Add(3*time.Minute); !strings.Contains(evOut.String(), "event 'balloon-change' for domain 'bg'"); i++ {
		if time.Now().After(deadline) {
			t.Fatalf("virsh event never reported a balloon change:\n%s", evOut.String())
		}
		d.virsh("setmem", "bg", sizes[i%2])
		d.waitUsedMemory("bg", sizes[i%2]+" KiB", 60*time.Second)
		for wait := time.Now().Add(2 * time.Second); time.Now().Before(wait) && !strings.Contains(evOut.String(), "balloon-change"); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	d.virsh("setmem", "bg", "90112")
	d.waitUsedMemory("bg", "90112 KiB", 60*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(evOut.String(), "90112KiB") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(evOut.String(), "event 'balloon-change' for domain 'bg': 90112KiB") {
		t.Errorf("virsh event output:\n%s", evOut.String())
	}
	if xml := d.virsh("dumpxml", "bg"); !strings.Contains(xml, "<currentMemory unit='KiB'>90112</currentMemory>") || !strings.Contains(xml, "<stats period='2'/>") || !strings.Contains(xml, "<link state='down'/>") {
		t.Errorf("live XML:\n%s", xml)
	}
	if out := d.virsh("dommemstat", "bg"); !strings.Contains(out, "actual 90112") {
		t.Errorf("dommemstat:\n%s", out)
	}

	d.virsh("dommemstat", "bg", "--period", "5", "--live")
	if xml := d.virsh("dumpxml", "bg"); !strings.Contains(xml, "<stats period='5'/>") {
		t.Errorf("live XML after dommemstat --period 5:\n%s", xml)
	}
	if xml := d.virsh("dumpxml", "--inactive", "bg"); !strings.Contains(xml, "<stats period='2'/>") {
		t.Errorf("a live period change reached the config:\n%s", xml)
	}

	if out, err := d.virshErr("setmem", "bg", "262144"); err == nil || !strings.Contains(out, "cannot set memory higher than max memory") {
		t.Errorf("setmem above the maximum: %v %s", err, out)
	}
	if out, err := d.virshErr("setmaxmem", "bg", "262144"); err == nil || !strings.Contains(out, "cannot resize the maximum memory on an active domain") {
		t.Errorf("setmaxmem of a running guest: %v %s", err, out)
	}
	d.virsh("setmaxmem", "bg", "262144", "--config")
	d.virsh("setmem", "bg", "131072", "--config")
	xml := d.virsh("dumpxml", "--inactive", "bg")
	if !strings.Contains(xml, "<memory unit='KiB'>262144</memory>") || !strings.Contains(xml, "<currentMemory unit='KiB'>131072</currentMemory>") {
		t.Errorf("config after setmaxmem/setmem --config:\n%s", xml)
	}
	if got := d.virsh("dominfo", "bg"); !strings.Contains(got, "Max memory:     131072 KiB") {
		t.Errorf("a config change reached the running guest:\n%s", got)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The start path gives QEMU its CPUs before it runs and each vCPU thread
// its own once QEMU names them (affinity.go's steps, wired in process.go).
func TestE2EStartPinsThreads(t *testing.T) {
	requireE2E(t)
	if runtime.NumCPU() < 2 {
		t.Skip("needs two host CPUs")
	}
	kernel, initrd := testguest.Build(t)
	bin := buildGovirtd(t)
	root := t.TempDir()
	d := startDaemon(t, bin, root)
	xml := strings.Replace(guestXML("pg", kernel, initrd, ""), "<memory unit='MiB'>128</memory>",
		"<memory unit='MiB'>128</memory>\n  <vcpu cpuset='1'>2</vcpu>\n  <cputune><vcpupin vcpu='0' cpuset='0'/></cputune>", 1)
	d.virsh("define", writeFile(t, filepath.Join(t.TempDir(), "pg.xml"), xml))
	d.virsh("start", "pg", "--paused")
	data, err := os.ReadFile(filepath.Join(root, "run", "libvirt", "qemu", "pg.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	got := map[string]string{}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(filepath.Base(task))
		comm, _ := os.ReadFile(filepath.Join(task, "comm"))
		var set unix.CPUSet
		if unix.SchedGetaffinity(tid, &set) != nil {
			continue
		}
		var cpus []string
		for c := 0; c < runtime.NumCPU(); c++ {
			if set.IsSet(c) {
				cpus = append(cpus, strconv.Itoa(c))
			}
		}
		got[strings.TrimSpace(string(comm))] = strings.Join(cpus, ",")
	}
	for thread, want := range map[string]string{"qemu-system-x86": "1", "CPU 0/TCG": "0", "CPU 1/TCG": "1"} {
		if got[thread] != want {
			t.Errorf("thread %q runs on CPUs %q, want %q (all: %v)", thread, got[thread], want, got)
		}
	}
	// The threads QEMU made before anyone could move them (call_rcu …)
	// have the emulator's CPUs: QEMU was born with them.
	for thread, cpus := range got {
		if !strings.HasPrefix(thread, "CPU ") && cpus != "1" {
			t.Errorf("thread %q runs on CPUs %q, want the emulator's 1", thread, cpus)
		}
	}
}
