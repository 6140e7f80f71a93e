package qemu_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// cpusAllowed reads the kernel's view of a task's CPUs.
func cpusAllowed(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no Cpus_allowed_list in %s", path)
	return ""
}

func requireTwoHostCPUs(t *testing.T) {
	t.Helper()
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
}

// TestE2EVcpuPinningMetadataKeys drives a private govirtd with the stock
// virsh against a real QEMU (no guest OS needed): the start's affinity,
// live and persistent pinning, vCPU hotplug, metadata, send-key and NMI,
// with the outputs libvirtd 9.0 gives for the same commands (virsh -q
// drops the tables' headers).
func TestE2EVcpuPinningMetadataKeys(t *testing.T) {
	requireE2E(t)
	requireTwoHostCPUs(t)
	bin := buildGovirtd(t)
	root := t.TempDir()
	d := startDaemon(t, bin, root)
	xml := `<domain type='qemu'>
  <name>pin</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static' current='1' cpuset='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><memballoon model='none'/></devices>
</domain>
`
	d.virsh("define", writeFile(t, filepath.Join(t.TempDir(), "pin.xml"), xml))
	d.virsh("start", "pin")
	pidData, err := os.ReadFile(filepath.Join(root, "run", "libvirt", "qemu", "pin.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.TrimSpace(string(pidData))
	// Every thread of QEMU starts on the domain's cpuset.
	tasks, _ := filepath.Glob("/proc/" + pid + "/task/*/status")
	if len(tasks) < 2 {
		t.Fatalf("QEMU threads: %v", tasks)
	}
	for _, task := range tasks {
		if got := cpusAllowed(t, task); got != "1" {
			t.Errorf("%s on %q, want 1", task, got)
		}
	}
	expect := func(want string, args ...string) {
		t.Helper()
		if got := d.virsh(args...); got != want {
			t.Errorf("virsh %s:\n%s\nwant\n%s", strings.Join(args, " "), got, want)
		}
	}
	expectErr := func(want string, args ...string) {
		t.Helper()
		got, err := d.virshErr(args...)
		if err == nil || got != want {
			t.Errorf("virsh %s: %v\n%s\nwant\n%s", strings.Join(args, " "), err, got, want)
		}
	}
	expect("0   1\n 1   1", "vcpupin", "pin")
	expect("1", "emulatorpin", "pin")

	d.virsh("emulatorpin", "pin", "0")
	// Every thread but the vCPUs' follows, as libvirt's emulator cgroup does.
	tasks, _ = filepath.Glob("/proc/" + pid + "/task/*")
	for _, task := range tasks {
		comm, _ := os.ReadFile(filepath.Join(task, "comm"))
		want := "0"
		if strings.HasPrefix(string(comm), "CPU ") {
			want = "1"
		}
		if got := cpusAllowed(t, filepath.Join(task, "status")); got != want {
			t.Errorf("thread %s (%s) on %q after emulatorpin, want %s", task, strings.TrimSpace(string(comm)), got, want)
		}
	}
	d.virsh("vcpupin", "pin", "0", "0")
	d.virsh("vcpupin", "pin", "1", "0")
	expectErr("error: invalid argument: vcpu 5 is out of range of live cpu count 2", "vcpupin", "pin", "5", "0")
	info := d.virsh("vcpuinfo", "pin")
	if !strings.Contains(info, "VCPU:           0") || !strings.Contains(info, "CPU Affinity:   y-") || strings.Contains(info, "VCPU:           1") {
		t.Errorf("vcpuinfo:\n%s", info)
	}

	// Hotplug: vCPU 1 comes online on the CPU its pin says.
	d.virsh("setvcpus", "pin", "2", "--live")
	expect("maximum      config         2\nmaximum      live           2\ncurrent      config         1\ncurrent      live           2", "vcpucount", "pin")
	info = d.virsh("vcpuinfo", "pin")
	if strings.Count(info, "CPU Affinity:   y-") != 2 {
		t.Errorf("vcpuinfo after hotplug:\n%s", info)
	}
	live := d.virsh("dumpxml", "pin")
	for _, want := range []string{"<vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>", "<vcpu id='1' enabled='yes' hotpluggable='yes' order='2'/>",
		"<vcpupin vcpu='0' cpuset='0'/>", "<emulatorpin cpuset='0'/>"} {
		if !strings.Contains(live, want) {
			t.Errorf("live XML lacks %s:\n%s", want, live)
		}
	}
	expectErr("error: invalid argument: requested vcpus is greater than max allowable vcpus for the live domain: 3 > 2", "setvcpus", "pin", "3")

	// Persistent changes go to the saved definition only.
	d.virsh("vcpupin", "pin", "0", "1", "--config")
	d.virsh("setvcpus", "pin", "3", "--maximum", "--config")
	inactive := d.virsh("dumpxml", "--inactive", "pin")
	if !strings.Contains(inactive, "<vcpu placement='static' cpuset='1' current='1'>3</vcpu>") || !strings.Contains(inactive, "<vcpupin vcpu='0' cpuset='1'/>") {
		t.Errorf("inactive XML:\n%s", inactive)
	}

	// Metadata, live and persistent.
	d.virsh("desc", "pin", "--live", "--title", "A title")
	d.virsh("metadata", "pin", "http://example.org/a", "--key", "app", "--set", `<foo x="1"><bar>t</bar></foo>`, "--config")
	expect("A title", "desc", "pin", "--title")
	expect("<foo x=\"1\">\n  <bar>t</bar>\n</foo>", "metadata", "pin", "http://example.org/a", "--config")
	expectErr("error: metadata not found: Requested metadata element is not present", "metadata", "pin", "http://example.org/a")

	// Keys and NMI reach QEMU.
	d.virsh("send-key", "pin", "KEY_LEFTCTRL", "KEY_LEFTALT", "KEY_DELETE")
	d.virsh("send-key", "pin", "--codeset", "usb", "4", "--holdtime", "50")
	expectErr("error: internal error: cannot translate keycode 700 of linux codeset to qnum keycode", "send-key", "pin", "--codeset", "linux", "700")
	d.virsh("inject-nmi", "pin")

	// A restarted daemon keeps the live pinning and metadata.
	d.kill9()
	d.start()
	expect("0   0\n 1   0", "vcpupin", "pin")
	expect("A title", "desc", "pin", "--title")
}
