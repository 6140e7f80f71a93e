package qemu

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/virt/virterr"
)

// allowedList reads the kernel's view of a task's CPUs.
func allowedList(t *testing.T, path string) string {
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

func requireTwoCPUs(t *testing.T) {
	t.Helper()
	if len(hostOnlineCPUs()) < 2 {
		t.Skip("needs two online CPUs")
	}
}

func parseTestDef(t *testing.T, body string) *domain.Def {
	t.Helper()
	def, err := domain.Parse([]byte("<domain type='qemu'><name>a</name><memory>65536</memory>"+body+
		"<os><type>hvm</type></os></domain>"), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestSpawnAffinityPrecedence(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string // "" for no pinning
	}{
		{"<vcpu>2</vcpu>", ""},
		{"<vcpu cpuset='1'>2</vcpu>", "1"},
		{"<vcpu cpuset='1'>2</vcpu><cputune><emulatorpin cpuset='0'/></cputune>", "0"},
		{"<vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='1'/></cputune>", ""},
		{"<vcpu cpuset='0-1,7'>2</vcpu>", "0-1"},
	} {
		set, err := spawnAffinity(parseTestDef(t, tc.body), func() int { return 2 })
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		got := ""
		if set != nil {
			got = fromUnixCPUSet(set, 2).String()
		}
		if got != tc.want {
			t.Errorf("%s: spawn affinity %q, want %q", tc.body, got, tc.want)
		}
	}
	_, err := spawnAffinity(parseTestDef(t, "<vcpu placement='auto'>2</vcpu>"), func() int { return 2 })
	var ve *virterr.Error
	if !errors.As(err, &ve) || ve.Code != virterr.OperationFailed || ve.Message != "operation failed: Failed to query numad for the advisory nodeset" {
		t.Errorf("placement auto: %v", err)
	}
}

func TestStartPinnedChildInheritsAffinity(t *testing.T) {
	requireTwoCPUs(t)
	var cpus unix.CPUSet
	cpus.Set(1)
	var cmd *exec.Cmd
	err := startPinned(&cpus, func() error {
		cmd = exec.Command("sleep", "30")
		return cmd.Start()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if got := allowedList(t, "/proc/"+strconv.Itoa(cmd.Process.Pid)+"/status"); got != "1" {
		t.Errorf("child Cpus_allowed_list %q, want 1", got)
	}
	// The daemon keeps its own CPUs.
	if got := allowedList(t, "/proc/self/status"); got == "1" {
		t.Errorf("daemon's affinity changed to %q", got)
	}
	// No pinning: the child runs where the daemon does.
	var plain *exec.Cmd
	if err := startPinned(nil, func() error {
		plain = exec.Command("sleep", "30")
		return plain.Start()
	}); err != nil {
		t.Fatal(err)
	}
	defer func() { plain.Process.Kill(); plain.Wait() }()
	if got, want := allowedList(t, "/proc/"+strconv.Itoa(plain.Process.Pid)+"/status"), allowedList(t, "/proc/self/status"); got != want {
		t.Errorf("unpinned child %q, daemon %q", got, want)
	}
}

func TestStartPinnedReportsBadSet(t *testing.T) {
	var none unix.CPUSet
	ran := false
	err := startPinned(&none, func() error { ran = true; return nil })
	var ve *virterr.Error
	if !errors.As(err, &ve) || ve.Code != virterr.SystemError || !strings.Contains(ve.Message, "cannot set CPU affinity on process") {
		t.Errorf("empty set: %v", err)
	}
	if ran {
		t.Error("start ran despite the failed affinity")
	}
}

func TestPinThreads(t *testing.T) {
	requireTwoCPUs(t)
	start := func() *exec.Cmd {
		c := exec.Command("sleep", "30")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c
	}
	emu, v0, v1 := start(), start(), start()
	p := &qemuProcess{pid: emu.Process.Pid, vcpus: []int{v0.Process.Pid, v1.Process.Pid}}
	def := parseTestDef(t, "<vcpu cpuset='1'>2</vcpu><cputune><vcpupin vcpu='0' cpuset='0'/><emulatorpin cpuset='0'/></cputune>")
	if err := p.pinThreads(def); err != nil {
		t.Fatal(err)
	}
	status := func(c *exec.Cmd) string { return allowedList(t, "/proc/"+strconv.Itoa(c.Process.Pid)+"/status") }
	if got := status(emu); got != "0" {
		t.Errorf("emulator on %q, want 0", got)
	}
	if got := status(v0); got != "0" {
		t.Errorf("vcpu 0 on %q, want 0 (its vcpupin)", got)
	}
	if got := status(v1); got != "1" {
		t.Errorf("vcpu 1 on %q, want 1 (the domain cpuset)", got)
	}
	// A QEMU spawned on all CPUs has threads that inherited them: with
	// nothing pinned, none is moved (these were left pinned above, so a
	// call would show).
	spawnedOnAll := &qemuProcess{pid: p.pid, vcpus: p.vcpus, spawnedOnAllCPUs: true}
	if err := spawnedOnAll.pinThreads(parseTestDef(t, "<vcpu>2</vcpu>")); err != nil {
		t.Fatal(err)
	}
	if got := status(emu) + " " + status(v0) + " " + status(v1); got != "0 0 1" {
		t.Errorf("threads of a QEMU spawned on all CPUs were moved: %q, want \"0 0 1\"", got)
	}
	// Nothing pinned, QEMU spawned on fewer CPUs (say the daemon was
	// confined): every thread may use every host CPU again.
	if err := p.pinThreads(parseTestDef(t, "<vcpu>2</vcpu>")); err != nil {
		t.Fatal(err)
	}
	all := hostOnlineCPUs().String()
	for _, c := range []*exec.Cmd{emu, v0, v1} {
		if got := status(c); got != all {
			t.Errorf("unpinned thread on %q, want %q", got, all)
		}
	}
}

func TestCpumapBytes(t *testing.T) {
	set := domain.CPUSet{0, 3, 9}
	b := cpumapBytes(set, 2)
	if b[0] != 0x09 || b[1] != 0x02 {
		t.Errorf("cpumap % x", b)
	}
	if got := cpumapSet(b).String(); got != "0,3,9" {
		t.Errorf("round trip %q", got)
	}
	if got := cpumapBytes(set, 1); len(got) != 1 || got[0] != 0x09 {
		t.Errorf("short map % x", got)
	}
}

func TestVcpuSchedulerApplied(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("real-time scheduling needs root")
	}
	c := exec.Command("sleep", "30")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { c.Process.Kill(); c.Wait() }()
	def := parseTestDef(t, "<vcpu>1</vcpu><cputune><vcpusched vcpus='0' scheduler='fifo' priority='3'/></cputune>")
	p := &qemuProcess{pid: c.Process.Pid, vcpus: []int{c.Process.Pid}}
	if err := p.pinThreads(def); err != nil {
		t.Fatal(err)
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(c.Process.Pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
	// rt_priority and policy are fields 40 and 41 of proc(5).
	if f[37] != "3" || f[38] != "1" {
		t.Errorf("rt_priority %s policy %s, want 3 and SCHED_FIFO", f[37], f[38])
	}
	emu := exec.Command("sleep", "30")
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { emu.Process.Kill(); emu.Wait() }()
	pe := &qemuProcess{pid: emu.Process.Pid}
	if err := pe.pinThreads(parseTestDef(t, "<vcpu>1</vcpu><cputune><emulatorsched scheduler='rr' priority='2'/></cputune>")); err != nil {
		t.Fatal(err)
	}
	stat, _ = os.ReadFile("/proc/" + strconv.Itoa(emu.Process.Pid) + "/stat")
	f = strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
	if f[37] != "2" || f[38] != "2" {
		t.Errorf("emulator rt_priority %s policy %s, want 2 and SCHED_RR", f[37], f[38])
	}
	bad := parseTestDef(t, "<vcpu>1</vcpu><cputune><vcpusched vcpus='0' scheduler='rr' priority='100'/></cputune>")
	err = p.pinThreads(bad)
	var ve *virterr.Error
	if !errors.As(err, &ve) || ve.Code != virterr.ConfigUnsupported || ve.Message != "unsupported configuration: Scheduler priority 100 out of range [1, 99]" {
		t.Errorf("out of range priority: %v", err)
	}
}

// TestIOThreadsPlacedApart: IOThreads get their <iothreadpin>, else every
// host CPU, and the emulator's pinning leaves them alone, as libvirtd
// 9.0 places them (each in its own cgroup).
func TestIOThreadsPlacedApart(t *testing.T) {
	if os.Geteuid() != 0 || testing.Short() {
		t.Skip("starts QEMU as root")
	}
	requireTwoCPUs(t)
	d, h := abiTestDriver(t, t.TempDir())
	ctx := context.Background()
	xml := "<domain type='qemu'><name>io</name><memory unit='MiB'>64</memory><vcpu>2</vcpu><iothreads>2</iothreads>" +
		"<cputune><emulatorpin cpuset='0'/><iothreadpin iothread='1' cpuset='1'/></cputune>" +
		"<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><memballoon model='none'/></devices></domain>"
	ref, err := h.DomainCreateXML(ctx, xml, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h.DomainDestroy(ctx, ref)
	_, p, err := d.running(ref)
	if err != nil {
		t.Fatal(err)
	}
	all := hostOnlineCPUs().String()
	want := map[string]string{"IO iothread1": "1", "IO iothread2": all, "CPU 0/TCG": all, "CPU 1/TCG": all, "IO mon_iothread": "0"}
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(p.pid) + "/task/*")
	for _, task := range tasks {
		comm, _ := os.ReadFile(filepath.Join(task, "comm"))
		name := strings.TrimSpace(string(comm))
		w, ok := want[name]
		if !ok {
			w = "0" // the emulator's other threads
		}
		if got := allowedList(t, filepath.Join(task, "status")); got != w {
			t.Errorf("thread %s on %q, want %q", name, got, w)
		}
	}

	// iothreadinfo lists them in QEMU's order; iothreadpin moves one.
	info, err := h.DomainGetIOThreadInfo(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Ret != 2 || info.Info[0].IOThreadID != 2 || info.Info[1].IOThreadID != 1 || cpumapSet(info.Info[1].Cpumap).String() != "1" {
		t.Errorf("iothreadinfo %+v", info)
	}
	if err := h.DomainPinIOThread(ctx, ref, 2, []byte{0x1}, affectLive); err != nil {
		t.Fatal(err)
	}
	info, _ = h.DomainGetIOThreadInfo(ctx, ref, 0)
	if cpumapSet(info.Info[0].Cpumap).String() != "0" {
		t.Errorf("iothread 2 after pinning: %+v", info)
	}
	err = h.DomainPinIOThread(ctx, ref, 5, []byte{0x1}, affectLive)
	if virterr.CodeOf(err) != virterr.InvalidArg || err.Error() != "invalid argument: iothread 5 not found" {
		t.Errorf("unknown iothread: %v", err)
	}
	err = h.DomainPinIOThread(ctx, ref, 1, []byte{0x1}, affectConfig)
	if err == nil || err.Error() != "Requested operation is not valid: transient domains do not have any persistent config" {
		t.Errorf("config pin of a transient domain: %v", err)
	}
}
