package qemu

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// CPU affinity of a guest's QEMU process and threads (libvirt's
// qemuProcessInitCpuAffinity, qemuProcessSetupEmulator and
// qemuProcessSetupVcpus, without cgroups): the process starts on the
// emulator's CPUs, and once QEMU has said which threads run the vCPUs each
// is moved to its own.

// hostCPUCount is how many CPUs the host has (virHostCPUGetCount: the
// highest present CPU plus one), the width of the CPU maps libvirt hands
// out.
func hostCPUCount() int {
	if set, err := readSysCPUList("/sys/devices/system/cpu/present"); err == nil && len(set) > 0 {
		return int(set[len(set)-1]) + 1
	}
	return runtime.NumCPU()
}

// hostOnlineCPUs are the CPUs a thread may run on when nothing pins it
// (virHostCPUGetAvailableCPUsBitmap, qemuProcessGetAllCpuAffinity).
func hostOnlineCPUs() domain.CPUSet {
	if set, err := readSysCPUList("/sys/devices/system/cpu/online"); err == nil && len(set) > 0 {
		return set
	}
	set := domain.CPUSet{}
	for i := 0; i < runtime.NumCPU(); i++ {
		set = append(set, uint(i))
	}
	return set
}

func readSysCPUList(path string) (domain.CPUSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return domain.ParseCPUSet(strings.TrimSpace(string(data)))
}

// needsPlacementAdvice is virDomainDefNeedsPlacementAdvice: automatic
// placement asks numad where the guest should run.
func needsPlacementAdvice(def *domain.Def) bool {
	if def.VCPU.Placement == "auto" {
		return true
	}
	return def.NumaTune != nil && def.NumaTune.Memory != nil && def.NumaTune.Memory.Placement == "auto"
}

// errNoNumad is what Debian's libvirt 9.0 (built with numad support)
// answers for automatic placement when it cannot get numad's advice
// (virNumaGetAutoPlacementAdvice); govirt has no numad client.
func errNoNumad() error {
	return virterr.NewFrom(virterr.FromNone, virterr.OperationFailed, "Failed to query numad for the advisory nodeset")
}

// emulatorCPUs is the CPU set of QEMU's main thread
// (qemuDomainEvaluateCPUMask for the emulator): <emulatorpin>, else the
// domain's <vcpu cpuset>; nil means every host CPU.
func emulatorCPUs(def *domain.Def) domain.CPUSet {
	if def.CPUTune != nil && len(def.CPUTune.EmulatorPin) > 0 {
		return def.CPUTune.EmulatorPin
	}
	if len(def.VCPU.CPUSet) > 0 {
		return def.VCPU.CPUSet
	}
	return nil
}

// vcpuCPUs is the CPU set of one vCPU (qemuDomainEvaluateCPUMask for a
// vCPU): its <vcpupin>, else the domain's <vcpu cpuset>; nil means every
// host CPU.
func vcpuCPUs(def *domain.Def, vcpu uint) domain.CPUSet {
	if def.CPUTune != nil {
		if set, ok := def.CPUTune.VCPUPins[vcpu]; ok && len(set) > 0 {
			return set
		}
	}
	if len(def.VCPU.CPUSet) > 0 {
		return def.VCPU.CPUSet
	}
	return nil
}

// spawnAffinity is the CPU set QEMU's process must start with, so that
// neither it nor any thread it creates ever runs elsewhere: libvirt sets
// it between fork and exec (qemuProcessInitCpuAffinity, then
// qemuProcessSetupEmulator's <emulatorpin>, else <vcpu cpuset>). CPUs at
// or beyond hostCPUs() are dropped, as the kernel ignores them (asked only
// when there is a set: it reads sysfs); nil means no
// pinning applies and QEMU inherits the daemon's affinity.
//
// Automatic placement needs numad's advice, which govirt cannot ask for:
// it answers libvirt's error for numad not answering.
func spawnAffinity(def *domain.Def, hostCPUs func() int) (*unix.CPUSet, error) {
	if needsPlacementAdvice(def) {
		return nil, errNoNumad()
	}
	set := emulatorCPUs(def)
	if set == nil {
		return nil, nil
	}
	return toUnixCPUSet(set, hostCPUs()), nil
}

// toUnixCPUSet converts a CPU set, keeping the CPUs below hostCPUs (and
// below the 1024 a unix.CPUSet holds).
func toUnixCPUSet(set domain.CPUSet, hostCPUs int) *unix.CPUSet {
	var cs unix.CPUSet
	for _, c := range set {
		if int(c) < hostCPUs && int(c) < len(cs)*64 {
			cs.Set(int(c))
		}
	}
	return &cs
}

// fromUnixCPUSet lists the CPUs of cs below limit.
func fromUnixCPUSet(cs *unix.CPUSet, limit int) domain.CPUSet {
	set := domain.CPUSet{}
	for i := 0; i < limit && i < len(cs)*64; i++ {
		if cs.IsSet(i) {
			set = append(set, uint(i))
		}
	}
	return set
}

// startPinned runs start (the fork and exec of QEMU) on an OS thread whose
// affinity is cpus, so the child inherits it before it runs a single
// instruction of QEMU: Go has no hook between fork and exec. The thread is
// put back as it was afterwards; if that fails it is discarded, never
// handed back to the scheduler with the guest's affinity. A nil cpus
// just runs start.
func startPinned(cpus *unix.CPUSet, start func() error) error {
	if cpus == nil {
		return start()
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		var saved unix.CPUSet
		if err := unix.SchedGetaffinity(0, &saved); err != nil {
			runtime.UnlockOSThread()
			done <- affinityError("cannot get CPU affinity of process %d", unix.Gettid(), err)
			return
		}
		if err := unix.SchedSetaffinity(0, cpus); err != nil {
			// A failed set leaves the mask untouched.
			runtime.UnlockOSThread()
			done <- affinityError("cannot set CPU affinity on process %d", unix.Gettid(), err)
			return
		}
		err := start()
		if unix.SchedSetaffinity(0, &saved) == nil {
			runtime.UnlockOSThread()
		}
		// Still locked: the goroutine ends and the runtime retires the
		// thread with it.
		done <- err
	}()
	return <-done
}

// affinityError is virReportSystemError's wording for a failed
// sched_{get,set}affinity.
func affinityError(format string, pid int, err error) error {
	return virterr.NewFrom(virterr.FromNone, virterr.SystemError, format+": %s", pid, errnoText(err))
}

// setThreadAffinity moves one thread of the guest (virProcessSetAffinity).
// A nil set means every host CPU and, as in libvirt, a failure to widen
// the mask is then not an error: the daemon may itself be confined.
func setThreadAffinity(tid int, set domain.CPUSet) error {
	quiet := set == nil
	if quiet {
		set = hostOnlineCPUs()
	}
	if err := unix.SchedSetaffinity(tid, toUnixCPUSet(set, hostCPUCount())); err != nil {
		if quiet {
			return nil
		}
		return affinityError("cannot set CPU affinity on process %d", tid, err)
	}
	return nil
}

// setEmulatorAffinity moves QEMU's threads other than the vCPUs': libvirt
// moves them together through the emulator's cpuset cgroup, govirt thread
// by thread. The main thread decides: a failure on a thread that has
// gone meanwhile is not one.
func setEmulatorAffinity(pid int, vcpus []int, set domain.CPUSet) error {
	if err := setThreadAffinity(pid, set); err != nil {
		return err
	}
	isVcpu := map[int]bool{}
	for _, tid := range vcpus {
		isVcpu[tid] = true
	}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil || tid == pid || isVcpu[tid] {
			continue
		}
		_ = setThreadAffinity(tid, set)
	}
	return nil
}

// threadAffinity reads a thread's CPU set (virProcessGetAffinity).
func threadAffinity(tid int) (domain.CPUSet, error) {
	var cs unix.CPUSet
	if err := unix.SchedGetaffinity(tid, &cs); err != nil {
		return nil, affinityError("cannot get CPU affinity of process %d", tid, err)
	}
	return fromUnixCPUSet(&cs, len(cs)*64), nil
}

// pinThreads plugs the definition's hotpluggable online vCPUs and gives
// QEMU's threads the CPUs the definition asks for (qemuProcessSetupEmulator,
// qemuProcessSetupIOThreads, qemuProcessSetupVcpus): it runs once the vCPU
// threads are known and before the guest runs.
func (p *qemuProcess) pinThreads(def *domain.Def) error {
	if needsPlacementAdvice(def) {
		return errNoNumad()
	}
	// The vCPUs the command line could not start come first, so that
	// they are placed with the others (qemuProcessSetupHotpluggableVcpus
	// runs just before qemuProcessSetupVcpus).
	if p.mon != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := p.plugStartupVcpus(ctx, def)
		cancel()
		if err != nil {
			return err
		}
	}
	iothreads, err := p.iothreadThreads(def)
	if err != nil {
		return err
	}
	// IOThreads are placed on their own (libvirt gives them their own
	// cgroups): the emulator's pinning leaves them alone.
	others := append([]int(nil), p.vcpus...)
	for _, tid := range iothreads {
		others = append(others, tid)
	}
	// libvirt gives every thread nothing pins all online CPUs
	// (qemuProcessSetupPid). QEMU's threads inherit its main thread's
	// mask, which already is that when QEMU was spawned on all of them:
	// no call is needed then.
	inheritedAll := p.spawnedOnAllCPUs && emulatorCPUs(def) == nil
	if !inheritedAll {
		if err := setEmulatorAffinity(p.pid, others, emulatorCPUs(def)); err != nil {
			return err
		}
	}
	// <emulatorsched> is for the main thread alone.
	if def.CPUTune != nil && def.CPUTune.EmulatorSched != nil {
		if err := setThreadScheduler(p.pid, *def.CPUTune.EmulatorSched); err != nil {
			return err
		}
	}
	for id, tid := range iothreads {
		if err := setupIOThread(def, id, tid); err != nil {
			return err
		}
	}
	for id, tid := range vcpuThreadIDs(def, p.vcpus) {
		if inheritedAll && vcpuCPUs(def, id) == nil && !hasVcpuSched(def, id) {
			continue
		}
		if err := setupVcpuThread(def, id, tid); err != nil {
			return err
		}
	}
	return nil
}

// hasVcpuSched reports whether <vcpusched> covers the vCPU.
func hasVcpuSched(def *domain.Def, id uint) bool {
	if def.CPUTune == nil {
		return false
	}
	_, ok := def.CPUTune.VCPUSched[id]
	return ok
}

// daemonConfined reports whether the daemon runs on fewer than all the
// host's online CPUs (so QEMU, forked from it, inherited less).
func daemonConfined() bool {
	var own unix.CPUSet
	if err := unix.SchedGetaffinity(0, &own); err != nil {
		return true
	}
	for _, c := range hostOnlineCPUs() {
		if int(c) < len(own)*64 && !own.IsSet(int(c)) {
			return true
		}
	}
	return false
}

// setupVcpuThread places one vCPU's thread (qemuProcessSetupVcpu without
// cgroups): its CPUs, then its real-time scheduler (<vcpusched>).
func setupVcpuThread(def *domain.Def, id uint, tid int) error {
	if tid <= 0 {
		return nil
	}
	if err := setThreadAffinity(tid, vcpuCPUs(def, id)); err != nil {
		return err
	}
	if def.CPUTune != nil {
		if sched, ok := def.CPUTune.VCPUSched[id]; ok {
			return setThreadScheduler(tid, sched)
		}
	}
	return nil
}

// qemuIOThread is one IOThread as QEMU lists it.
type qemuIOThread struct {
	id  uint
	tid int
}

// queryIOThreads lists QEMU's IOThreads in its order (query-iothreads).
func (p *qemuProcess) queryIOThreads(ctx context.Context) ([]qemuIOThread, error) {
	raw, err := p.mon.Execute(ctx, "query-iothreads", nil)
	if err != nil {
		return nil, err
	}
	var list []struct {
		ID     string `json:"id"`
		Thread int    `json:"thread-id"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "query-iothreads reply data was not an array")
	}
	var out []qemuIOThread
	for _, t := range list {
		if n, ok := strings.CutPrefix(t.ID, "iothread"); ok {
			if id, err := strconv.ParseUint(n, 10, 32); err == nil {
				out = append(out, qemuIOThread{uint(id), t.Thread})
			}
		}
	}
	return out, nil
}

// iothreadThreads maps the definition's IOThread ids to QEMU's threads
// (qemuProcessDetectIOThreadPIDs); nothing is asked of a guest without
// IOThreads.
func (p *qemuProcess) iothreadThreads(def *domain.Def) (map[uint]int, error) {
	if def.IOThreads == nil || len(def.IOThreads.IDs) == 0 || p.mon == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := p.queryIOThreads(ctx)
	if err != nil {
		return nil, err
	}
	m := map[uint]int{}
	for _, t := range list {
		m[t.id] = t.tid
	}
	for _, t := range def.IOThreads.IDs {
		if _, ok := m[t.ID]; !ok {
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "iothread %d not found", t.ID)
		}
	}
	return m, nil
}

// iothreadCPUs is the CPU set of one IOThread: its <iothreadpin>, else
// the domain's cpuset; nil means every host CPU.
func iothreadCPUs(def *domain.Def, id uint) domain.CPUSet {
	if def.CPUTune != nil && len(def.CPUTune.IOThreadPins[id]) > 0 {
		return def.CPUTune.IOThreadPins[id]
	}
	if len(def.VCPU.CPUSet) > 0 {
		return def.VCPU.CPUSet
	}
	return nil
}

// setupIOThread places one IOThread (qemuProcessSetupIOThread without
// cgroups): its <iothreadpin>, else the domain's cpuset, else every host
// CPU; then its <iothreadsched>.
func setupIOThread(def *domain.Def, id uint, tid int) error {
	if err := setThreadAffinity(tid, iothreadCPUs(def, id)); err != nil {
		return err
	}
	if def.CPUTune != nil {
		if sched, ok := def.CPUTune.IOThreadSched[id]; ok {
			return setThreadScheduler(tid, sched)
		}
	}
	return nil
}

// Linux scheduling policies (sched.h).
var schedPolicies = map[string]int{"other": 0, "fifo": 1, "rr": 2, "batch": 3, "idle": 5}

// setThreadScheduler is virProcessSetScheduler: real-time policies take
// a priority within the kernel's range.
func setThreadScheduler(tid int, sched domain.Sched) error {
	policy, ok := schedPolicies[sched.Scheduler]
	if !ok {
		return virterr.NewFrom(virterr.FromNone, virterr.ConfigUnsupported, "Scheduler '%s' is not supported on this platform", sched.Scheduler)
	}
	if sched.Scheduler == "other" {
		return nil
	}
	var param struct{ priority int32 }
	if policy == 1 || policy == 2 {
		prio := 0
		if sched.Priority != nil {
			prio = *sched.Priority
		}
		// SCHED_FIFO and SCHED_RR share Linux's 1..99.
		if prio < 1 || prio > 99 {
			return virterr.NewFrom(virterr.FromNone, virterr.ConfigUnsupported, "Scheduler priority %d out of range [%d, %d]", prio, 1, 99)
		}
		param.priority = int32(prio)
	}
	if _, _, e := unix.Syscall(unix.SYS_SCHED_SETSCHEDULER, uintptr(tid), uintptr(policy), uintptr(unsafe.Pointer(&param))); e != 0 {
		return virterr.NewFrom(virterr.FromNone, virterr.SystemError, "Cannot set scheduler parameters for pid %d: %s", tid, errnoText(e))
	}
	return nil
}

// cpumapBytes writes a CPU set as libvirt's cpumap: one bit a CPU, least
// significant first, maplen bytes (virBitmapToDataBuf).
func cpumapBytes(set domain.CPUSet, maplen int) []byte {
	out := make([]byte, maplen)
	for _, c := range set {
		if int(c/8) < maplen {
			out[c/8] |= 1 << (c % 8)
		}
	}
	return out
}

// cpumapSet reads a cpumap into a CPU set (virBitmapNewData).
func cpumapSet(cpumap []byte) domain.CPUSet {
	set := domain.CPUSet{}
	for i, b := range cpumap {
		for bit := 0; bit < 8; bit++ {
			if b&(1<<bit) != 0 {
				set = append(set, uint(i*8+bit))
			}
		}
	}
	return set
}

// NodeGetInfo describes the host (qemuNodeGetInfo over
// virCapabilitiesGetNodeInfo): virsh asks it first to size the CPU maps
// of vcpuinfo, vcpupin and emulatorpin.
func (c *conn) NodeGetInfo(ctx context.Context) (driver.NodeGetInfoRet, error) {
	var ret driver.NodeGetInfoRet
	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		machine := unix.ByteSliceToString(uts.Machine[:])
		for i := 0; i < len(machine) && i < len(ret.Model)-1; i++ {
			ret.Model[i] = int8(machine[i])
		}
	}
	ret.Memory = hostMemoryKiB()
	ret.Mhz = hostCPUMHz()
	online := hostOnlineCPUs()
	ret.Cpus = int32(len(online))
	ret.Nodes, ret.Sockets, ret.Cores, ret.Threads = hostTopology(online)
	return ret, nil
}

// hostMemoryKiB is the memory of the host's NUMA nodes together
// (virHostMemGetInfo), else what /proc/meminfo says.
func hostMemoryKiB() uint64 {
	nodes, _ := filepath.Glob("/sys/devices/system/node/node[0-9]*/meminfo")
	total := uint64(0)
	for _, f := range nodes {
		total += meminfoTotal(f)
	}
	if total > 0 {
		return total
	}
	return meminfoTotal("/proc/meminfo")
}

func meminfoTotal(path string) uint64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		for i, w := range f {
			if w == "MemTotal:" && i+1 < len(f) {
				v, _ := strconv.ParseUint(f[i+1], 10, 64)
				return v
			}
		}
	}
	return 0
}

// hostCPUMHz is the first CPU's clock as /proc/cpuinfo gives it, truncated.
func hostCPUMHz() int32 {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "cpu MHz" {
			mhz, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int32(mhz)
		}
	}
	return 0
}

// hostTopology counts NUMA nodes, sockets per node, cores per socket and
// threads per core from sysfs (virHostCPUGetInfoPopulateLinux); a topology
// that does not multiply out to the online CPUs is reported flat, as
// libvirt does.
func hostTopology(online domain.CPUSet) (nodes, sockets, cores, threads int32) {
	nodeDirs, _ := filepath.Glob("/sys/devices/system/node/node[0-9]*")
	nodes = int32(len(nodeDirs))
	if nodes == 0 {
		nodes = 1
	}
	type coreKey struct{ pkg, core int }
	perCore := map[coreKey]int32{}
	coresPerPkg := map[int]map[int]bool{}
	for _, cpu := range online {
		base := fmt.Sprintf("/sys/devices/system/cpu/cpu%d/topology/", cpu)
		pkg, err1 := readSysInt(base + "physical_package_id")
		core, err2 := readSysInt(base + "core_id")
		if err1 != nil || err2 != nil {
			return 1, 1, int32(len(online)), 1
		}
		perCore[coreKey{pkg, core}]++
		if coresPerPkg[pkg] == nil {
			coresPerPkg[pkg] = map[int]bool{}
		}
		coresPerPkg[pkg][core] = true
	}
	for _, n := range perCore {
		threads = max(threads, n)
	}
	for _, cs := range coresPerPkg {
		cores = max(cores, int32(len(cs)))
	}
	sockets = int32(len(coresPerPkg)) / nodes
	if sockets == 0 {
		sockets = 1
	}
	if nodes*sockets*cores*threads != int32(len(online)) {
		return 1, 1, int32(len(online)), 1
	}
	return nodes, sockets, cores, threads
}

func readSysInt(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

// DomainGetIOThreadInfo lists the IOThreads with their CPUs
// (qemuDomainGetIOThreadInfo): live, the threads QEMU runs and where they
// may run; from the persistent definition, the configured CPUs.
func (c *conn) DomainGetIOThreadInfo(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetIOThreadInfoRet, error) {
	var ret driver.DomainGetIOThreadInfoRet
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainGetIOThreadInfo"); err != nil {
		return ret, err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return ret, err
	}
	maplen := (hostCPUCount() + 7) / 8
	o.mu.Lock()
	live, _, err := affectedDefs(o, flags)
	p, def := o.proc, o.inactiveDef()
	o.mu.Unlock()
	if err != nil {
		return ret, err
	}
	if !live {
		host := hostOnlineCPUs()
		if def.IOThreads != nil {
			for _, t := range def.IOThreads.IDs {
				set := iothreadCPUs(def, t.ID)
				if set == nil {
					set = host
				}
				ret.Info = append(ret.Info, driver.DomainIOThreadInfo{IOThreadID: uint32(t.ID), Cpumap: cpumapBytes(set, maplen)})
			}
		}
		ret.Ret = uint32(len(ret.Info))
		return ret, nil
	}
	if err := o.job.acquire(ctx, "query", "remoteDispatchDomainGetIOThreadInfo"); err != nil {
		return ret, err
	}
	defer o.job.end()
	if p == nil {
		return ret, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cannot list IOThreads for an inactive domain")
	}
	list, err := p.queryIOThreads(ctx)
	if err != nil {
		return ret, err
	}
	for _, t := range list {
		set, err := threadAffinity(t.tid)
		if err != nil {
			return driver.DomainGetIOThreadInfoRet{}, err
		}
		ret.Info = append(ret.Info, driver.DomainIOThreadInfo{IOThreadID: uint32(t.id), Cpumap: cpumapBytes(set, maplen)})
	}
	ret.Ret = uint32(len(ret.Info))
	return ret, nil
}

// DomainPinIOThread pins an IOThread live (sched_setaffinity of its
// thread) and/or in the persistent definition (<iothreadpin>), as
// qemuDomainPinIOThread.
func (c *conn) DomainPinIOThread(ctx context.Context, dom driver.DomainRef, iothreadID uint32, cpumap []byte, flags uint32) error {
	if err := c.denyReadOnly("virDomainPinIOThread"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainPinIOThread"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainPinIOThread"); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	live, config, err := affectedDefs(o, flags)
	p, liveDef := o.proc, o.live
	o.mu.Unlock()
	if err != nil {
		return err
	}
	set := cpumapSet(cpumap)
	if len(set) == 0 {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "Empty iothread cpumap list for pinning")
	}
	id := uint(iothreadID)
	if live {
		if p == nil || liveDef == nil {
			return notRunning()
		}
		if !hasIOThread(liveDef, id) {
			return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "iothread %d not found", iothreadID)
		}
		threads, err := p.iothreadThreads(liveDef)
		if err != nil {
			return err
		}
		if err := setThreadAffinity(threads[id], set); err != nil {
			return err
		}
		o.mu.Lock()
		tuneOf(liveDef).IOThreadPins[id] = set
		explicitIOThread(liveDef, id)
		ref := o.ref()
		o.mu.Unlock()
		if err := d.writeStatus(o); err != nil {
			return err
		}
		d.emitTunable(ref, fmt.Sprintf("cputune.iothreadpin%d", id), set.String())
	}
	if config {
		return d.editConfig(o, func(def *domain.Def) error {
			if !hasIOThread(def, id) {
				return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "iothreadid %d not found", iothreadID)
			}
			tuneOf(def).IOThreadPins[id] = set
			explicitIOThread(def, id)
			return nil
		})
	}
	return nil
}

func hasIOThread(def *domain.Def, id uint) bool {
	if def.IOThreads == nil {
		return false
	}
	for _, t := range def.IOThreads.IDs {
		if t.ID == id {
			return true
		}
	}
	return false
}

// explicitIOThread drops a pinned IOThread's autofill mark, as libvirt
// does: the <iothreadids> list is then written out.
func explicitIOThread(def *domain.Def, id uint) {
	for i := range def.IOThreads.IDs {
		if def.IOThreads.IDs[i].ID == id {
			def.IOThreads.IDs[i].Autofill = false
		}
	}
}
