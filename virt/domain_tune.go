package virt

import (
	"context"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// SetMemory sets the guest's current memory (balloon), in KiB.
//
// libvirt: virDomainSetMemoryFlags
func (d *Domain) SetMemory(ctx context.Context, kib uint64, flags DomainMemoryModFlags) error {
	if err := d.conn.denyReadOnly(pick(flags == 0, "virDomainSetMemory", "virDomainSetMemoryFlags")); err != nil {
		return err
	}
	if flags == 0 {
		return d.h().DomainSetMemory(ctx, d.ref, kib)
	}
	return d.h().DomainSetMemoryFlags(ctx, d.ref, kib, uint32(flags))
}

// SetMaxMemory sets the guest's maximum memory, in KiB.
//
// libvirt: virDomainSetMaxMemory
func (d *Domain) SetMaxMemory(ctx context.Context, kib uint64) error {
	if err := d.conn.denyReadOnly("virDomainSetMaxMemory"); err != nil {
		return err
	}
	return d.h().DomainSetMaxMemory(ctx, d.ref, kib)
}

// SetMemoryStatsPeriod sets how often the balloon driver refreshes its
// statistics, in seconds.
//
// libvirt: virDomainSetMemoryStatsPeriod
func (d *Domain) SetMemoryStatsPeriod(ctx context.Context, period int, flags DomainMemoryModFlags) error {
	if err := d.conn.denyReadOnly("virDomainSetMemoryStatsPeriod"); err != nil {
		return err
	}
	if period < 0 {
		return invalidArg(virterr.FromDomain, "period in virDomainSetMemoryStatsPeriod must be zero or greater")
	}
	return d.h().DomainSetMemoryStatsPeriod(ctx, d.ref, int32(period), uint32(flags))
}

// MemoryStat is one memory statistic (virDomainMemoryStatStruct).
type MemoryStat struct {
	Tag DomainMemoryStatTags
	Val uint64
}

// MemoryStats reports up to maxStats memory statistics.
//
// libvirt: virDomainMemoryStats
func (d *Domain) MemoryStats(ctx context.Context, maxStats uint, flags uint32) ([]MemoryStat, error) {
	r, err := d.h().DomainMemoryStats(ctx, d.ref, uint32(maxStats), flags)
	if err != nil {
		return nil, err
	}
	out := make([]MemoryStat, len(r))
	for i, s := range r {
		out[i] = MemoryStat{Tag: DomainMemoryStatTags(s.Tag), Val: s.Val}
	}
	return out, nil
}

// MemoryPeek reads size bytes of guest memory at start.
//
// libvirt: virDomainMemoryPeek
func (d *Domain) MemoryPeek(ctx context.Context, start uint64, size uint, flags DomainMemoryFlags) ([]byte, error) {
	if err := d.conn.denyReadOnly("virDomainMemoryPeek"); err != nil {
		return nil, err
	}
	if err := exclusiveFlags(virterr.FromDomain, uint32(flags), 1, 2, "VIR_MEMORY_VIRTUAL", "VIR_MEMORY_PHYSICAL"); err != nil {
		return nil, err
	}
	return d.h().DomainMemoryPeek(ctx, d.ref, start, uint32(size), uint32(flags))
}

// SetVcpus sets the number of vcpus (or with DomainVCPUMaximum the most
// the guest may have).
//
// libvirt: virDomainSetVcpusFlags
func (d *Domain) SetVcpus(ctx context.Context, n uint, flags DomainVcpuFlags) error {
	if err := d.conn.denyReadOnly(pick(flags == 0, "virDomainSetVcpus", "virDomainSetVcpusFlags")); err != nil {
		return err
	}
	if flags == 0 {
		return d.h().DomainSetVcpus(ctx, d.ref, uint32(n))
	}
	return d.h().DomainSetVcpusFlags(ctx, d.ref, uint32(n), uint32(flags))
}

// VcpusFlags reports the number of vcpus the flags ask about.
//
// libvirt: virDomainGetVcpusFlags
func (d *Domain) VcpusFlags(ctx context.Context, flags DomainVcpuFlags) (int, error) {
	if flags&DomainVCPUGuest != 0 {
		if err := d.conn.denyReadOnly("virDomainGetVcpusFlags"); err != nil {
			return -1, err
		}
	}
	n, err := d.h().DomainGetVcpusFlags(ctx, d.ref, uint32(flags))
	return int(n), err
}

// VcpuInfo is virVcpuInfo with the vcpu's host CPU affinity.
type VcpuInfo struct {
	Number  uint
	State   VcpuState
	CPUTime time.Duration
	CPU     int
	// CPUMap holds one bit per host CPU the vcpu may run on.
	CPUMap []byte
}

// Vcpus describes the running domain's vcpus.
//
// libvirt: virDomainGetVcpus
func (d *Domain) Vcpus(ctx context.Context) ([]VcpuInfo, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	maplen, err := d.conn.cpuMapLen(ctx)
	if err != nil {
		return nil, err
	}
	r, err := d.h().DomainGetVcpus(ctx, d.ref, int32(info.NrVirtCPU), int32(maplen))
	if err != nil {
		return nil, err
	}
	out := make([]VcpuInfo, len(r.Info))
	for i, v := range r.Info {
		out[i] = VcpuInfo{Number: uint(v.Number), State: VcpuState(v.State), CPUTime: time.Duration(v.CPUTime), CPU: int(v.CPU)}
		if (i+1)*maplen <= len(r.Cpumaps) {
			out[i].CPUMap = append([]byte(nil), r.Cpumaps[i*maplen:(i+1)*maplen]...)
		}
	}
	return out, nil
}

// cpuMapLen is VIR_CPU_MAPLEN of the host's CPU count.
func (c *Conn) cpuMapLen(ctx context.Context) (int, error) {
	ni, err := c.c.Hypervisor.NodeGetInfo(ctx)
	if err != nil {
		return 0, err
	}
	cpus := int(ni.Nodes * ni.Sockets * ni.Cores * ni.Threads)
	if cpus <= 0 {
		cpus = int(ni.Cpus)
	}
	return (cpus + 7) / 8, nil
}

// PinVcpu sets the host CPUs a vcpu may run on (one bit per CPU).
//
// libvirt: virDomainPinVcpuFlags
func (d *Domain) PinVcpu(ctx context.Context, vcpu uint, cpumap []byte, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly(pick(flags == 0, "virDomainPinVcpu", "virDomainPinVcpuFlags")); err != nil {
		return err
	}
	if flags == 0 {
		return d.h().DomainPinVcpu(ctx, d.ref, uint32(vcpu), cpumap)
	}
	return d.h().DomainPinVcpuFlags(ctx, d.ref, uint32(vcpu), cpumap, uint32(flags))
}

// VcpuPinInfo reports each vcpu's CPU affinity, one map per vcpu.
//
// libvirt: virDomainGetVcpuPinInfo
func (d *Domain) VcpuPinInfo(ctx context.Context, flags DomainModificationImpact) ([][]byte, error) {
	maplen, err := d.conn.cpuMapLen(ctx)
	if err != nil {
		return nil, err
	}
	n, err := d.h().DomainGetVcpusFlags(ctx, d.ref, uint32(flags)|uint32(DomainVCPUMaximum))
	if err != nil {
		return nil, err
	}
	r, err := d.h().DomainGetVcpuPinInfo(ctx, d.ref, n, int32(maplen), uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, r.Num)
	for i := 0; i < int(r.Num) && (i+1)*maplen <= len(r.Cpumaps); i++ {
		out = append(out, append([]byte(nil), r.Cpumaps[i*maplen:(i+1)*maplen]...))
	}
	return out, nil
}

// PinEmulator sets the host CPUs the emulator threads may run on.
//
// libvirt: virDomainPinEmulator
func (d *Domain) PinEmulator(ctx context.Context, cpumap []byte, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainPinEmulator"); err != nil {
		return err
	}
	return d.h().DomainPinEmulator(ctx, d.ref, cpumap, uint32(flags))
}

// EmulatorPinInfo reports the emulator threads' CPU affinity.
//
// libvirt: virDomainGetEmulatorPinInfo
func (d *Domain) EmulatorPinInfo(ctx context.Context, flags DomainModificationImpact) ([]byte, error) {
	maplen, err := d.conn.cpuMapLen(ctx)
	if err != nil {
		return nil, err
	}
	r, err := d.h().DomainGetEmulatorPinInfo(ctx, d.ref, int32(maplen), uint32(flags))
	if err != nil {
		return nil, err
	}
	return r.Cpumaps, nil
}

// IOThreadInfo describes one IOThread (virDomainIOThreadInfo).
type IOThreadInfo struct {
	ID     uint
	CPUMap []byte
}

// IOThreadInfo lists the domain's IOThreads.
//
// libvirt: virDomainGetIOThreadInfo
func (d *Domain) IOThreadInfo(ctx context.Context, flags DomainModificationImpact) ([]IOThreadInfo, error) {
	r, err := d.h().DomainGetIOThreadInfo(ctx, d.ref, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]IOThreadInfo, len(r.Info))
	for i, t := range r.Info {
		out[i] = IOThreadInfo{ID: uint(t.IOThreadID), CPUMap: t.Cpumap}
	}
	return out, nil
}

// PinIOThread sets the host CPUs an IOThread may run on.
//
// libvirt: virDomainPinIOThread
func (d *Domain) PinIOThread(ctx context.Context, id uint, cpumap []byte, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainPinIOThread"); err != nil {
		return err
	}
	return d.h().DomainPinIOThread(ctx, d.ref, uint32(id), cpumap, uint32(flags))
}

// AddIOThread adds an IOThread.
//
// libvirt: virDomainAddIOThread
func (d *Domain) AddIOThread(ctx context.Context, id uint, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainAddIOThread"); err != nil {
		return err
	}
	return d.h().DomainAddIOThread(ctx, d.ref, uint32(id), uint32(flags))
}

// DelIOThread removes an IOThread.
//
// libvirt: virDomainDelIOThread
func (d *Domain) DelIOThread(ctx context.Context, id uint, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainDelIOThread"); err != nil {
		return err
	}
	return d.h().DomainDelIOThread(ctx, d.ref, uint32(id), uint32(flags))
}

// SetIOThreadParams tunes an IOThread (polling, thread pool).
//
// libvirt: virDomainSetIOThreadParams
func (d *Domain) SetIOThreadParams(ctx context.Context, id uint, params []TypedParam, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetIOThreadParams"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainSetIOThreadParams(ctx, d.ref, uint32(id), p, uint32(flags))
}

// SchedulerType names the domain's CPU scheduler and how many parameters
// it has.
//
// libvirt: virDomainGetSchedulerType
func (d *Domain) SchedulerType(ctx context.Context) (string, int, error) {
	r, err := d.h().DomainGetSchedulerType(ctx, d.ref)
	if err != nil {
		return "", 0, err
	}
	return r.Type, int(r.Nparams), nil
}

// SchedulerParameters reports the scheduler's parameters.
//
// libvirt: virDomainGetSchedulerParametersFlags
func (d *Domain) SchedulerParameters(ctx context.Context, flags DomainModificationImpact) ([]TypedParam, error) {
	r, err := d.h().DomainGetSchedulerType(ctx, d.ref)
	if err != nil {
		return nil, err
	}
	var p []driver.TypedParam
	if flags == 0 {
		p, err = d.h().DomainGetSchedulerParameters(ctx, d.ref, r.Nparams)
	} else {
		p, err = d.h().DomainGetSchedulerParametersFlags(ctx, d.ref, r.Nparams, uint32(flags)|typedParamStringOkay)
	}
	if err != nil {
		return nil, err
	}
	return paramsFromDriver(p), nil
}

// SetSchedulerParameters changes scheduler parameters.
//
// libvirt: virDomainSetSchedulerParametersFlags
func (d *Domain) SetSchedulerParameters(ctx context.Context, params []TypedParam, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly(pick(flags == 0, "virDomainSetSchedulerParameters", "virDomainSetSchedulerParametersFlags")); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	if flags == 0 {
		return d.h().DomainSetSchedulerParameters(ctx, d.ref, p)
	}
	return d.h().DomainSetSchedulerParametersFlags(ctx, d.ref, p, uint32(flags))
}

// twoPass is libvirt's convention for typed-parameter getters: ask for the
// count with nparams 0, then fetch that many.
func twoPass(get func(nparams int32) ([]driver.TypedParam, int32, error)) ([]TypedParam, error) {
	_, n, err := get(0)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return []TypedParam{}, nil
	}
	p, _, err := get(n)
	if err != nil {
		return nil, err
	}
	return paramsFromDriver(p), nil
}

// MemoryParameters reports the memory tunables (hard_limit …), in KiB.
//
// libvirt: virDomainGetMemoryParameters
func (d *Domain) MemoryParameters(ctx context.Context, flags DomainModificationImpact) ([]TypedParam, error) {
	return twoPass(func(n int32) ([]driver.TypedParam, int32, error) {
		r, err := d.h().DomainGetMemoryParameters(ctx, d.ref, n, uint32(flags)|typedParamStringOkay)
		return r.Params, r.Nparams, err
	})
}

// SetMemoryParameters changes memory tunables.
//
// libvirt: virDomainSetMemoryParameters
func (d *Domain) SetMemoryParameters(ctx context.Context, params []TypedParam, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetMemoryParameters"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainSetMemoryParameters(ctx, d.ref, p, uint32(flags))
}

// BlkioParameters reports the block I/O tunables.
//
// libvirt: virDomainGetBlkioParameters
func (d *Domain) BlkioParameters(ctx context.Context, flags DomainModificationImpact) ([]TypedParam, error) {
	return twoPass(func(n int32) ([]driver.TypedParam, int32, error) {
		r, err := d.h().DomainGetBlkioParameters(ctx, d.ref, n, uint32(flags)|typedParamStringOkay)
		return r.Params, r.Nparams, err
	})
}

// SetBlkioParameters changes block I/O tunables.
//
// libvirt: virDomainSetBlkioParameters
func (d *Domain) SetBlkioParameters(ctx context.Context, params []TypedParam, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetBlkioParameters"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainSetBlkioParameters(ctx, d.ref, p, uint32(flags))
}

// NumaParameters reports the NUMA memory policy (numa_mode, numa_nodeset).
//
// libvirt: virDomainGetNumaParameters
func (d *Domain) NumaParameters(ctx context.Context, flags DomainModificationImpact) ([]TypedParam, error) {
	return twoPass(func(n int32) ([]driver.TypedParam, int32, error) {
		r, err := d.h().DomainGetNumaParameters(ctx, d.ref, n, uint32(flags)|typedParamStringOkay)
		return r.Params, r.Nparams, err
	})
}

// SetNumaParameters changes the NUMA memory policy.
//
// libvirt: virDomainSetNumaParameters
func (d *Domain) SetNumaParameters(ctx context.Context, params []TypedParam, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetNumaParameters"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainSetNumaParameters(ctx, d.ref, p, uint32(flags))
}

// InterfaceParameters reports an interface's bandwidth settings.
//
// libvirt: virDomainGetInterfaceParameters
func (d *Domain) InterfaceParameters(ctx context.Context, device string, flags DomainModificationImpact) ([]TypedParam, error) {
	return twoPass(func(n int32) ([]driver.TypedParam, int32, error) {
		r, err := d.h().DomainGetInterfaceParameters(ctx, d.ref, device, n, uint32(flags)|typedParamStringOkay)
		return r.Params, r.Nparams, err
	})
}

// SetInterfaceParameters changes an interface's bandwidth settings.
//
// libvirt: virDomainSetInterfaceParameters
func (d *Domain) SetInterfaceParameters(ctx context.Context, device string, params []TypedParam, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetInterfaceParameters"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainSetInterfaceParameters(ctx, d.ref, device, p, uint32(flags))
}

// BlockIoTune reports a disk's I/O throttling.
//
// libvirt: virDomainGetBlockIoTune
func (d *Domain) BlockIoTune(ctx context.Context, disk string, flags DomainModificationImpact) ([]TypedParam, error) {
	return twoPass(func(n int32) ([]driver.TypedParam, int32, error) {
		r, err := d.h().DomainGetBlockIoTune(ctx, d.ref, optString(disk), n, uint32(flags)|typedParamStringOkay)
		return r.Params, r.Nparams, err
	})
}

// SetBlockIoTune changes a disk's I/O throttling.
//
// libvirt: virDomainSetBlockIoTune
func (d *Domain) SetBlockIoTune(ctx context.Context, disk string, params []TypedParam, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetBlockIoTune"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainSetBlockIoTune(ctx, d.ref, disk, p, uint32(flags))
}

// PerfEvents reports which perf events are enabled.
//
// libvirt: virDomainGetPerfEvents
func (d *Domain) PerfEvents(ctx context.Context, flags DomainModificationImpact) ([]TypedParam, error) {
	p, err := d.h().DomainGetPerfEvents(ctx, d.ref, uint32(flags))
	if err != nil {
		return nil, err
	}
	return paramsFromDriver(p), nil
}

// SetPerfEvents enables or disables perf events.
//
// libvirt: virDomainSetPerfEvents
func (d *Domain) SetPerfEvents(ctx context.Context, params []TypedParam, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetPerfEvents"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainSetPerfEvents(ctx, d.ref, p, uint32(flags))
}

// LaunchSecurityInfo reports launch security measurements (SEV …).
//
// libvirt: virDomainGetLaunchSecurityInfo
func (d *Domain) LaunchSecurityInfo(ctx context.Context, flags uint32) ([]TypedParam, error) {
	p, err := d.h().DomainGetLaunchSecurityInfo(ctx, d.ref, flags|typedParamStringOkay)
	if err != nil {
		return nil, err
	}
	return paramsFromDriver(p), nil
}
