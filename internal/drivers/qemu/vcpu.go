package qemu

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/qga"
	"github.com/govirt/govirt/virt/virterr"
)

// vCPU information, pinning and counts (qemu_driver.c's
// qemuDomainGetVcpus, qemuDomainPinVcpuFlags, qemuDomainPinEmulator, their
// Get…PinInfo and qemuDomainSetVcpusFlags).

// VIR_DOMAIN_VCPU_* flags of virDomainSetVcpusFlags.
const (
	vcpuFlagMaximum      uint32 = 1 << 2
	vcpuFlagGuest        uint32 = 1 << 3
	vcpuFlagHotpluggable uint32 = 1 << 4
)

// eventIDTunable is VIR_DOMAIN_EVENT_ID_TUNABLE.
const eventIDTunable int32 = 17

// vcpuRunning is VIR_VCPU_RUNNING.
const vcpuRunning int32 = 1

func domainConfErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromDomain, code, format, args...)
}

// affectedDefs resolves VIR_DOMAIN_AFFECT_* against the domain's state
// (virDomainObjGetDefs / virDomainObjUpdateModificationImpact): whether
// the live definition, the persistent one, or both are changed. o.mu must
// be held.
func affectedDefs(o *domainObj, flags uint32) (live, config bool, err error) {
	flags &= affectLive | affectConfig
	if flags == 0 {
		if o.active() {
			flags = affectLive
		} else {
			flags = affectConfig
		}
	}
	if flags&affectLive != 0 && !o.active() {
		return false, false, domainConfErr(virterr.OperationInvalid, "domain is not running")
	}
	if flags&affectConfig != 0 && !o.persistent {
		return false, false, domainConfErr(virterr.OperationInvalid, "transient domains do not have any persistent config")
	}
	return flags&affectLive != 0, flags&affectConfig != 0, nil
}

// beginModifyJob looks the domain up, takes a modify job for api and
// resolves the flags to the definitions to change (affectedDefs); on
// success the caller ends the job.
func (d *Driver) beginModifyJob(ctx context.Context, dom driver.DomainRef, flags uint32, api string) (o *domainObj, live, config bool, err error) {
	if o, err = d.lookup(dom); err != nil {
		return nil, false, false, err
	}
	if err = o.job.acquire(ctx, "modify", api); err != nil {
		return nil, false, false, err
	}
	o.mu.Lock()
	live, config, err = affectedDefs(o, flags)
	o.mu.Unlock()
	if err != nil {
		o.job.end()
		return nil, false, false, err
	}
	return o, live, config, nil
}

// oneAffectedDef is virDomainObjGetOneDefState: the single definition the
// flags select, and whether it is the live one. o.mu must be held.
func oneAffectedDef(o *domainObj, flags uint32) (*domain.Def, bool, error) {
	if flags&affectLive != 0 && flags&affectConfig != 0 {
		return nil, false, domainConfErr(virterr.InvalidArg, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
	}
	live, _, err := affectedDefs(o, flags)
	if err != nil {
		return nil, false, err
	}
	if live {
		return o.live, true, nil
	}
	return o.inactiveDef(), false, nil
}

// The RPC protocol's bounds on CPU maps (remote_protocol.x).
const (
	remoteVcpuInfoMax = 16384
	remoteCPUMapsMax  = 8388608
)

// checkCPUMapsSize is the daemon's check of a request for n CPU maps of
// maplen bytes (remoteDispatchDomainGetVcpus / …GetVcpuPinInfo), made
// before anything is allocated for them.
func checkCPUMapsSize(what string, n, maplen int32) error {
	if n > remoteVcpuInfoMax {
		return virterr.NewFrom(virterr.FromRPC, virterr.RPC, "%s > REMOTE_VCPUINFO_MAX", what)
	}
	if n > 0 && maplen > 0 && int64(n)*int64(maplen) > remoteCPUMapsMax {
		return virterr.NewFrom(virterr.FromRPC, virterr.RPC, "maxinfo * maplen > REMOTE_CPUMAPS_MAX")
	}
	return nil
}

// vcpuOnline says whether vCPU id is plugged in.
func vcpuOnline(def *domain.Def, id uint) bool {
	if id < uint(len(def.VCPU.Individual)) {
		return def.VCPU.Individual[id].Enabled
	}
	return id < uint(vcpuCount(def))
}

// vcpuThreadIDs maps each online vCPU to its thread: QEMU lists the
// threads of the plugged vCPUs in cpu-index order.
func vcpuThreadIDs(def *domain.Def, threads []int) map[uint]int {
	m := map[uint]int{}
	k := 0
	for id := uint(0); id < def.VCPU.Max && k < len(threads); id++ {
		if vcpuOnline(def, id) {
			m[id] = threads[k]
			k++
		}
	}
	return m
}

// threadStat reads a thread's CPU time (ns) and the CPU it last ran on
// (qemuGetProcessInfo).
func threadStat(pid, tid int) (cpuTime uint64, cpu int32, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return 0, 0, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("malformed stat of thread %d", tid)
	}
	// Fields after the command, from the state (field 3 of proc(5)).
	f := strings.Fields(s[i+1:])
	if len(f) < 37 {
		return 0, 0, fmt.Errorf("malformed stat of thread %d", tid)
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	sy, _ := strconv.ParseUint(f[12], 10, 64)
	proc, _ := strconv.ParseInt(f[36], 10, 32)
	return (u + sy) * uint64(time.Second/100), int32(proc), nil
}

// DomainGetVcpus reports each online vCPU's state, CPU time, the host CPU
// it last ran on and its affinity (qemuDomainGetVcpus).
func (c *conn) DomainGetVcpus(ctx context.Context, dom driver.DomainRef, maxinfo int32, maplen int32) (driver.DomainGetVCPUsRet, error) {
	var ret driver.DomainGetVCPUsRet
	if err := checkCPUMapsSize("maxinfo", maxinfo, maplen); err != nil {
		return ret, err
	}
	if maxinfo < 1 {
		return ret, virterr.InvalidArgument(virterr.FromDomain, "virDomainGetVcpus", "maxinfo", "maxinfo in virDomainGetVcpus must be greater than zero")
	}
	if maplen < 0 {
		return ret, virterr.InvalidArgument(virterr.FromDomain, "virDomainGetVcpus", "maplen", "maplen in virDomainGetVcpus must be greater than zero")
	}
	err := c.d.read(dom, func(o *domainObj) error {
		if !o.active() {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cannot retrieve vcpu information for inactive domain")
		}
		p, def := o.proc, o.live
		if len(p.vcpus) == 0 {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cpu affinity is not supported")
		}
		threads := vcpuThreadIDs(def, p.vcpus)
		ret.Cpumaps = make([]byte, int(maxinfo)*int(maplen))
		n := 0
		for id := uint(0); id < def.VCPU.Max && n < int(maxinfo); id++ {
			tid, ok := threads[id]
			if !ok {
				continue
			}
			t, cpu, err := threadStat(p.pid, tid)
			if err != nil {
				return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "cannot get vCPU placement & pCPU time: %s", errnoText(err))
			}
			ret.Info = append(ret.Info, driver.VCPUInfo{Number: uint32(id), State: vcpuRunning, CPUTime: t, CPU: cpu})
			if maplen > 0 {
				set, err := threadAffinity(tid)
				if err != nil {
					return err
				}
				copy(ret.Cpumaps[n*int(maplen):], cpumapBytes(set, int(maplen)))
			}
			n++
		}
		return nil
	})
	if err != nil {
		return driver.DomainGetVCPUsRet{}, err
	}
	return ret, nil
}

// DomainGetVcpuPinInfo reports each vCPU's configured CPUs
// (virDomainDefGetVcpuPinInfoHelper): its <vcpupin>, else the domain's
// cpuset, else every online host CPU.
func (c *conn) DomainGetVcpuPinInfo(ctx context.Context, dom driver.DomainRef, ncpumaps int32, maplen int32, flags uint32) (driver.DomainGetVCPUPinInfoRet, error) {
	var ret driver.DomainGetVCPUPinInfoRet
	if err := checkCPUMapsSize("ncpumaps", ncpumaps, maplen); err != nil {
		return ret, err
	}
	for _, a := range []struct {
		name string
		v    int32
	}{{"ncpumaps", ncpumaps}, {"maplen", maplen}} {
		if a.v < 1 {
			return ret, virterr.InvalidArgument(virterr.FromDomain, "virDomainGetVcpuPinInfo", a.name, "%s in virDomainGetVcpuPinInfo must be greater than zero", a.name)
		}
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainGetVcpuPinInfo"); err != nil {
		return ret, err
	}
	err := c.d.read(dom, func(o *domainObj) error {
		def, _, err := oneAffectedDef(o, flags)
		if err != nil {
			return err
		}
		host := hostOnlineCPUs()
		ret.Cpumaps = make([]byte, int(ncpumaps)*int(maplen))
		i := 0
		for ; uint(i) < def.VCPU.Max && i < int(ncpumaps); i++ {
			set := vcpuCPUs(def, uint(i))
			if set == nil {
				set = host
			}
			copy(ret.Cpumaps[i*int(maplen):], cpumapBytes(set, int(maplen)))
		}
		ret.Num = int32(i)
		return nil
	})
	if err != nil {
		return driver.DomainGetVCPUPinInfoRet{}, err
	}
	return ret, nil
}

// DomainGetEmulatorPinInfo reports the emulator threads' configured CPUs:
// <emulatorpin>, else the domain's cpuset, else every host CPU.
func (c *conn) DomainGetEmulatorPinInfo(ctx context.Context, dom driver.DomainRef, maplen int32, flags uint32) (driver.DomainGetEmulatorPinInfoRet, error) {
	var ret driver.DomainGetEmulatorPinInfoRet
	if maplen > remoteCPUMapsMax {
		return ret, virterr.NewFrom(virterr.FromRPC, virterr.RPC, "maplen > REMOTE_CPUMAPS_MAX")
	}
	if maplen < 1 {
		return ret, virterr.InvalidArgument(virterr.FromDomain, "virDomainGetEmulatorPinInfo", "maplen", "maplen in virDomainGetEmulatorPinInfo must be greater than zero")
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainGetEmulatorPinInfo"); err != nil {
		return ret, err
	}
	err := c.d.read(dom, func(o *domainObj) error {
		def, _, err := oneAffectedDef(o, flags)
		if err != nil {
			return err
		}
		set := emulatorCPUs(def)
		if set == nil {
			set = hostOnlineCPUs()
		}
		ret.Cpumaps = cpumapBytes(set, int(maplen))
		ret.Ret = 1
		return nil
	})
	if err != nil {
		return driver.DomainGetEmulatorPinInfoRet{}, err
	}
	return ret, nil
}

// DomainGetMaxVcpus is the live domain's maximum vCPU count.
func (c *conn) DomainGetMaxVcpus(ctx context.Context, dom driver.DomainRef) (int32, error) {
	return c.DomainGetVcpusFlags(ctx, dom, affectLive|vcpuFlagMaximum)
}

// DomainPinVcpu pins a vCPU of the running domain.
func (c *conn) DomainPinVcpu(ctx context.Context, dom driver.DomainRef, vcpu uint32, cpumap []byte) error {
	return c.pinVcpu(ctx, dom, vcpu, cpumap, affectLive, "virDomainPinVcpu")
}

// DomainPinVcpuFlags pins a vCPU live (sched_setaffinity of its thread)
// and/or in the persistent definition (<cputune><vcpupin>).
func (c *conn) DomainPinVcpuFlags(ctx context.Context, dom driver.DomainRef, vcpu uint32, cpumap []byte, flags uint32) error {
	return c.pinVcpu(ctx, dom, vcpu, cpumap, flags, "virDomainPinVcpuFlags")
}

func (c *conn) pinVcpu(ctx context.Context, dom driver.DomainRef, vcpu uint32, cpumap []byte, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if len(cpumap) == 0 {
		return virterr.InvalidArgument(virterr.FromNone, function, "maplen", "maplen in %s must be greater than zero", function)
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainPinVcpuFlags"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainPinVcpuFlags"); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	live, config, err := affectedDefs(o, flags)
	var persistent *domain.Def
	if err == nil && config {
		persistent = o.inactiveDef()
	}
	o.mu.Unlock()
	if err != nil {
		return err
	}
	if persistent != nil && uint(vcpu) >= persistent.VCPU.Max {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "vcpu %d is out of range of persistent cpu count %d", vcpu, vcpuCount(persistent))
	}
	set := cpumapSet(cpumap)
	if len(set) == 0 {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "Empty cpu list for pinning")
	}
	if live {
		if err := c.pinVcpuLive(o, uint(vcpu), set); err != nil {
			return err
		}
	}
	if config {
		return d.editConfig(o, func(def *domain.Def) error {
			tuneOf(def).VCPUPins[uint(vcpu)] = set
			return nil
		})
	}
	return nil
}

// tuneOf returns def's <cputune>, creating it.
func tuneOf(def *domain.Def) *domain.CPUTune {
	if def.CPUTune == nil {
		def.CPUTune = &domain.CPUTune{}
	}
	t := def.CPUTune
	if t.Scalars == nil {
		t.Scalars = map[string]int64{}
	}
	if t.VCPUPins == nil {
		t.VCPUPins = map[uint]domain.CPUSet{}
	}
	if t.IOThreadPins == nil {
		t.IOThreadPins = map[uint]domain.CPUSet{}
	}
	if t.VCPUSched == nil {
		t.VCPUSched = map[uint]domain.Sched{}
	}
	if t.IOThreadSched == nil {
		t.IOThreadSched = map[uint]domain.Sched{}
	}
	return t
}

// pinVcpuLive is qemuDomainPinVcpuLive: an online vCPU's thread moves at
// once, an offline one keeps the pinning for when it is plugged.
func (c *conn) pinVcpuLive(o *domainObj, vcpu uint, set domain.CPUSet) error {
	d := c.d
	o.mu.Lock()
	p, def := o.proc, o.live
	if p == nil || def == nil {
		o.mu.Unlock()
		return notRunning()
	}
	if len(p.vcpus) == 0 {
		o.mu.Unlock()
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cpu affinity is not supported")
	}
	if vcpu >= def.VCPU.Max {
		o.mu.Unlock()
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "vcpu %d is out of range of live cpu count %d", vcpu, def.VCPU.Max)
	}
	if tid, ok := vcpuThreadIDs(def, p.vcpus)[vcpu]; ok {
		if err := setThreadAffinity(tid, set); err != nil {
			o.mu.Unlock()
			return err
		}
	}
	tuneOf(def).VCPUPins[vcpu] = set
	ref := o.ref()
	o.mu.Unlock()
	if err := d.writeStatus(o); err != nil {
		return err
	}
	d.emitTunable(ref, fmt.Sprintf("cputune.vcpupin%d", vcpu), set.String())
	return nil
}

// emitTunable announces a changed tunable (VIR_DOMAIN_EVENT_ID_TUNABLE).
func (d *Driver) emitTunable(ref driver.DomainRef, field, value string) {
	d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDTunable,
		Payload: &driver.DomainEventCallbackTunableMsg{Dom: ref, Params: []driver.TypedParam{
			{Field: field, Value: driver.TypedParamValue{Type: driver.ParamString, S: value}},
		}}})
}

// DomainPinEmulator pins QEMU's emulator thread live and/or in the
// persistent definition (<cputune><emulatorpin>).
func (c *conn) DomainPinEmulator(ctx context.Context, dom driver.DomainRef, cpumap []byte, flags uint32) error {
	if err := c.denyReadOnly("virDomainPinEmulator"); err != nil {
		return err
	}
	if len(cpumap) == 0 {
		return virterr.InvalidArgument(virterr.FromNone, "virDomainPinEmulator", "maplen", "maplen in virDomainPinEmulator must be greater than zero")
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainPinEmulator"); err != nil {
		return err
	}
	d := c.d
	o, live, config, err := d.beginModifyJob(ctx, dom, flags, "remoteDispatchDomainPinEmulator")
	if err != nil {
		return err
	}
	defer o.job.end()
	set := cpumapSet(cpumap)
	if len(set) == 0 {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "Empty cpu list for pinning")
	}
	if live {
		o.mu.Lock()
		p, def := o.proc, o.live
		o.mu.Unlock()
		if p == nil || def == nil {
			return notRunning()
		}
		iothreads, err := p.iothreadThreads(def)
		if err != nil {
			return err
		}
		o.mu.Lock()
		others := append([]int(nil), p.vcpus...)
		for _, tid := range iothreads {
			others = append(others, tid)
		}
		if err := setEmulatorAffinity(p.pid, others, set); err != nil {
			o.mu.Unlock()
			return err
		}
		tuneOf(def).EmulatorPin = set
		ref := o.ref()
		o.mu.Unlock()
		if err := d.writeStatus(o); err != nil {
			return err
		}
		d.emitTunable(ref, "cputune.emulatorpin", set.String())
	}
	if config {
		return d.editConfig(o, func(def *domain.Def) error {
			tuneOf(def).EmulatorPin = set
			return nil
		})
	}
	return nil
}

// DomainSetVcpus sets the running domain's vCPU count.
func (c *conn) DomainSetVcpus(ctx context.Context, dom driver.DomainRef, nvcpus uint32) error {
	return c.setVcpus(ctx, dom, nvcpus, affectLive, "virDomainSetVcpus")
}

// DomainSetVcpusFlags sets the vCPU count, or the maximum, of the live
// and/or persistent definition (qemuDomainSetVcpusFlags).
func (c *conn) DomainSetVcpusFlags(ctx context.Context, dom driver.DomainRef, nvcpus uint32, flags uint32) error {
	return c.setVcpus(ctx, dom, nvcpus, flags, "virDomainSetVcpusFlags")
}

func (c *conn) setVcpus(ctx context.Context, dom driver.DomainRef, nvcpus, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	// virDomainSetVcpusFlags' own checks.
	if nvcpus == 0 {
		return virterr.InvalidArgument(virterr.FromNone, function, "nvcpus", "nvcpus in %s must not be zero", function)
	}
	if uint32(uint16(nvcpus)) != nvcpus {
		return virterr.NewFrom(virterr.FromNone, virterr.Overflow, "input too large: %d", nvcpus)
	}
	if flags&vcpuFlagGuest != 0 && flags&affectConfig != 0 {
		return virterr.InvalidArgument(virterr.FromNone, function, "flags",
			"Flags 'VIR_DOMAIN_VCPU_GUEST' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig|vcpuFlagMaximum|vcpuFlagGuest|vcpuFlagHotpluggable, "qemuDomainSetVcpusFlags"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainSetVcpusFlags"); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	live, config, err := affectedDefs(o, flags)
	liveDef, persistent := o.live, o.inactiveDef()
	o.mu.Unlock()
	if err != nil {
		return err
	}
	switch {
	case flags&vcpuFlagGuest != 0:
		if liveDef == nil {
			return notRunning()
		}
		return c.setVcpusGuest(ctx, dom, uint(nvcpus), uint(vcpuCount(liveDef)))
	case flags&vcpuFlagMaximum != 0:
		if live {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported, "maximum vcpu count of a live domain can't be modified")
		}
		if err := checkMaxVcpus(persistent, uint(nvcpus)); err != nil {
			return err
		}
		return d.editConfig(o, func(def *domain.Def) error {
			setVcpusMax(def, uint(nvcpus))
			return nil
		})
	}
	if live && uint(nvcpus) > liveDef.VCPU.Max {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg,
			"requested vcpus is greater than max allowable vcpus for the live domain: %d > %d", nvcpus, liveDef.VCPU.Max)
	}
	if config && uint(nvcpus) > persistent.VCPU.Max {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg,
			"requested vcpus is greater than max allowable vcpus for the persistent domain: %d > %d", nvcpus, persistent.VCPU.Max)
	}
	if live {
		if err := c.setVcpusLive(ctx, o, uint(nvcpus)); err != nil {
			return err
		}
	}
	if config {
		return d.editConfig(o, func(def *domain.Def) error {
			setVcpusConfig(def, uint(nvcpus), flags&vcpuFlagHotpluggable != 0)
			return nil
		})
	}
	return nil
}

// checkMaxVcpus is qemuDomainSetVcpusMax's checks of a new maximum.
func checkMaxVcpus(def *domain.Def, n uint) error {
	if def.CPU != nil && def.CPU.NUMA != nil {
		total := uint(0)
		for _, cell := range def.CPU.NUMA.Cells {
			total += uint(len(cell.CPUs))
		}
		if total > n {
			return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "Number of CPUs in <numa> exceeds the desired maximum vcpu count")
		}
	}
	if topo := topologyCPUs(def); topo != 0 && topo != n {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "CPU topology doesn't match the desired vcpu count")
	}
	return nil
}

// topologyCPUs is the vCPU count <cpu><topology> describes, 0 without one
// (virDomainDefGetVcpusTopology).
func topologyCPUs(def *domain.Def) uint {
	if def.CPU == nil || def.CPU.Topology == nil {
		return 0
	}
	t := def.CPU.Topology
	n := uint(1)
	for _, v := range []uint{t.Sockets, t.Dies, t.Cores, t.Threads} {
		if v > 0 {
			n *= v
		}
	}
	return n
}

// setVcpusMax changes the maximum (virDomainDefSetVcpusMax after
// virDomainDefVcpuOrderClear): new vCPUs start unplugged, removed ones
// take their online state with them.
func setVcpusMax(def *domain.Def, n uint) {
	v := &def.VCPU
	cur := uint(vcpuCount(def))
	if v.Individual != nil {
		ind := make([]domain.VCPUInfo, n)
		copy(ind, v.Individual)
		for i := range ind {
			ind[i].Order = 0
		}
		v.Individual = ind
		cur = 0
		for _, i := range ind {
			if i.Enabled {
				cur++
			}
		}
	}
	if cur > n {
		cur = n
	}
	v.Max = n
	v.Current = cur
	// A removed vCPU takes its pinning and scheduler with it.
	if t := def.CPUTune; t != nil {
		for id := range t.VCPUPins {
			if id >= n {
				delete(t.VCPUPins, id)
			}
		}
		for id := range t.VCPUSched {
			if id >= n {
				delete(t.VCPUSched, id)
			}
		}
	}
}

// setVcpusConfig is qemuDomainSetVcpusConfig: plug the lowest unplugged
// vCPUs or unplug the highest plugged ones.
func setVcpusConfig(def *domain.Def, n uint, hotpluggable bool) {
	v := &def.VCPU
	for i := range v.Individual {
		v.Individual[i].Order = 0
	}
	cur := uint(vcpuCount(def))
	if cur == n {
		return
	}
	if v.Individual == nil && hotpluggable {
		v.Individual = make([]domain.VCPUInfo, v.Max)
		// Plugged vCPUs are not hotpluggable unless said so
		// (virDomainVcpuDefPostParse); unplugged ones say nothing.
		for i := uint(0); i < cur && i < v.Max; i++ {
			v.Individual[i] = domain.VCPUInfo{Enabled: true, Hotpluggable: "no"}
		}
	}
	if v.Individual == nil {
		v.Current = n
		return
	}
	if cur < n {
		for i := range v.Individual {
			vc := &v.Individual[i]
			if vc.Enabled {
				if vc.Hotpluggable == "yes" {
					hotpluggable = true
				}
				continue
			}
			vc.Enabled = true
			if hotpluggable {
				vc.Hotpluggable = "yes"
			} else {
				vc.Hotpluggable = "no"
			}
			cur++
			if cur == n {
				break
			}
		}
	} else {
		for i := len(v.Individual) - 1; i >= 0; i-- {
			vc := &v.Individual[i]
			if !vc.Enabled {
				continue
			}
			vc.Enabled = false
			vc.Hotpluggable = "yes"
			cur--
			if cur == n {
				break
			}
		}
	}
	v.Current = cur
}

// hotpluggableCPU is one entry of QMP query-hotpluggable-cpus: a unit of
// vCPUs QEMU can plug or unplug, at its place in the topology.
type hotpluggableCPU struct {
	Type       string           `json:"type"`
	VCPUsCount int              `json:"vcpus-count"`
	QOMPath    string           `json:"qom-path"`
	Props      map[string]int64 `json:"props"`
}

// vcpuEntities maps each hotpluggable unit to the id of its first vCPU:
// units sorted by socket, die, core and thread, numbered by their vCPU
// counts (qemuMonitorGetCPUInfoHotplug).
func (p *qemuProcess) vcpuEntities(ctx context.Context) (map[uint]hotpluggableCPU, error) {
	var list []hotpluggableCPU
	raw, err := p.mon.Execute(ctx, "query-hotpluggable-cpus", nil)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "query-hotpluggable-cpus reply data was not an array")
	}
	sort.SliceStable(list, func(i, j int) bool {
		for _, k := range []string{"socket-id", "die-id", "core-id", "thread-id"} {
			if list[i].Props[k] != list[j].Props[k] {
				return list[i].Props[k] < list[j].Props[k]
			}
		}
		return false
	})
	m := map[uint]hotpluggableCPU{}
	id := uint(0)
	for _, e := range list {
		if e.VCPUsCount < 1 {
			e.VCPUsCount = 1
		}
		m[id] = e
		id += uint(e.VCPUsCount)
	}
	return m, nil
}

// vcpuAlias is the device id of a hot-plugged vCPU.
func vcpuAlias(id uint) string { return fmt.Sprintf("vcpu%d", id) }

// refreshVcpuThreads asks QEMU for the vCPU threads again
// (qemuDomainRefreshVcpuInfo): the threads in cpu-index order, and the
// cpu indexes in the order QEMU lists them, which is the order the vCPUs
// came online.
func (p *qemuProcess) refreshVcpuThreads(ctx context.Context) (threads []int, enabled []uint, err error) {
	var cpus []struct {
		Index  int `json:"cpu-index"`
		Thread int `json:"thread-id"`
	}
	raw, err := p.mon.Execute(ctx, "query-cpus-fast", nil)
	if err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(raw, &cpus); err != nil {
		return nil, nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "query-cpus-fast reply data was not an array")
	}
	for _, c := range cpus {
		enabled = append(enabled, uint(c.Index))
	}
	sort.SliceStable(cpus, func(i, j int) bool { return cpus[i].Index < cpus[j].Index })
	threads = make([]int, len(cpus))
	for i, c := range cpus {
		threads[i] = c.Thread
	}
	return threads, enabled, nil
}

// individualVcpus makes def's <vcpus> list explicit: plugged vCPUs
// without a say are not hotpluggable (virDomainVcpuDefPostParse).
func individualVcpus(def *domain.Def) []domain.VCPUInfo {
	v := &def.VCPU
	if v.Individual == nil {
		v.Individual = make([]domain.VCPUInfo, v.Max)
		for i := uint(0); i < uint(vcpuCount(def)) && i < v.Max; i++ {
			v.Individual[i] = domain.VCPUInfo{Enabled: true, Hotpluggable: "no"}
		}
	}
	return v.Individual
}

// persistVcpuOrder numbers the plugged vCPUs in the order they came
// online (qemuDomainVcpuPersistOrder), given as QEMU lists them (nil: by
// id), and recounts them.
func persistVcpuOrder(def *domain.Def, enabled []uint) {
	rank := map[uint]int{}
	for i, id := range enabled {
		rank[id] = i
	}
	var online []uint
	for i := range def.VCPU.Individual {
		def.VCPU.Individual[i].Order = 0
		if def.VCPU.Individual[i].Enabled {
			online = append(online, uint(i))
		}
	}
	sort.SliceStable(online, func(a, b int) bool {
		ra, oka := rank[online[a]]
		rb, okb := rank[online[b]]
		if oka && okb {
			return ra < rb
		}
		return oka && !okb
	})
	for seq, id := range online {
		def.VCPU.Individual[id].Order = uint(seq + 1)
	}
	def.VCPU.Current = uint(len(online))
}

// plugVcpu hot-plugs the unit whose first vCPU is id (qemuDomainHotplugAddVcpu).
func (p *qemuProcess) plugVcpu(ctx context.Context, id uint, e hotpluggableCPU) error {
	args := map[string]any{"driver": e.Type, "id": vcpuAlias(id)}
	for k, v := range e.Props {
		args[k] = v
	}
	_, err := p.mon.Execute(ctx, "device_add", args)
	return err
}

// unplugVcpu asks the guest to give the vCPU back and waits for QEMU to
// say it has (qemuDomainHotplugDelVcpu).
func (p *qemuProcess) unplugVcpu(ctx context.Context, id uint) error {
	alias := vcpuAlias(id)
	ch := make(chan struct{})
	p.mu.Lock()
	p.removed[alias] = ch
	p.mu.Unlock()
	drop := func() {
		p.mu.Lock()
		delete(p.removed, alias)
		p.mu.Unlock()
	}
	if _, err := p.mon.Execute(ctx, "device_del", map[string]any{"id": alias}); err != nil {
		drop()
		return err
	}
	select {
	case <-ch:
		return nil
	case <-time.After(detachWait):
	case <-ctx.Done():
	}
	drop()
	return virterr.NewFrom(virterr.FromQemu, virterr.OperationTimeout, "vcpu unplug request timed out. Unplug result must be manually inspected in the domain")
}

// setVcpusLive plugs or unplugs vCPUs of the running guest until n are
// online (qemuDomainSetVcpusLive): the lowest unplugged ones are added,
// the highest hot-plugged ones removed; the vCPUs the guest booted with
// stay.
func (c *conn) setVcpusLive(ctx context.Context, o *domainObj, n uint) error {
	d := c.d
	o.mu.Lock()
	p, def := o.proc, o.live
	o.mu.Unlock()
	if p == nil || def == nil {
		return notRunning()
	}
	ents, err := p.vcpuEntities(ctx)
	if err != nil {
		return err
	}
	o.mu.Lock()
	cur := uint(vcpuCount(def))
	var selected []uint
	enable := n > cur
	granularity := virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "target vm vcpu granularity does not allow the desired vcpu count")
	if enable {
		for id := uint(0); id < def.VCPU.Max && cur < n; id++ {
			e, ok := ents[id]
			if vcpuOnline(def, id) || !ok {
				continue
			}
			cur += uint(e.VCPUsCount)
			if cur > n {
				o.mu.Unlock()
				return granularity
			}
			selected = append(selected, id)
		}
	} else {
		for id := def.VCPU.Max - 1; id >= 1 && cur > n; id-- {
			e, ok := ents[id]
			if !vcpuOnline(def, id) || !ok || id >= uint(len(def.VCPU.Individual)) || def.VCPU.Individual[id].Hotpluggable != "yes" {
				continue
			}
			if cur < uint(e.VCPUsCount)+n {
				o.mu.Unlock()
				return granularity
			}
			cur -= uint(e.VCPUsCount)
			selected = append(selected, id)
		}
	}
	o.mu.Unlock()
	if cur != n {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "failed to find appropriate hotpluggable vcpus to reach the desired target vcpu count")
	}
	var opErr error
	for _, id := range selected {
		if enable {
			opErr = p.plugVcpu(ctx, id, ents[id])
		} else {
			opErr = p.unplugVcpu(ctx, id)
		}
		if opErr != nil {
			break
		}
		o.mu.Lock()
		ind := individualVcpus(def)
		for k := id; k < id+uint(ents[id].VCPUsCount) && k < uint(len(ind)); k++ {
			ind[k].Enabled = enable
			ind[k].Hotpluggable = "yes"
		}
		persistVcpuOrder(def, nil)
		o.mu.Unlock()
	}
	// Whatever happened, the threads are asked again and the new ones
	// placed where the definition says.
	threads, enabled, err := p.refreshVcpuThreads(ctx)
	if err == nil {
		o.mu.Lock()
		p.vcpus = threads
		if def.VCPU.Individual != nil {
			persistVcpuOrder(def, enabled)
		}
		ids := vcpuThreadIDs(def, threads)
		for _, id := range selected {
			if tid, ok := ids[id]; ok && enable {
				if perr := setupVcpuThread(def, id, tid); perr != nil && opErr == nil {
					opErr = perr
				}
			}
		}
		o.mu.Unlock()
	} else if opErr == nil {
		opErr = err
	}
	if werr := d.writeStatus(o); werr != nil && opErr == nil {
		opErr = werr
	}
	return opErr
}

// plugStartupVcpus plugs the vCPUs a definition wants online but
// hotpluggable, which QEMU's command line cannot start with
// (qemuProcessSetupHotpluggableVcpus), in their order, asks QEMU for the
// vCPU threads again and numbers the plugged vCPUs
// (qemuDomainVcpuPersistOrder). pinThreads runs it once the vCPU threads
// are known, before they are pinned; a vCPU QEMU has already is left.
func (p *qemuProcess) plugStartupVcpus(ctx context.Context, def *domain.Def) error {
	if def.VCPU.Individual == nil {
		return nil
	}
	var want []uint
	for id, vc := range def.VCPU.Individual {
		if vc.Enabled && vc.Hotpluggable == "yes" {
			want = append(want, uint(id))
		}
	}
	if len(want) > 0 {
		sort.SliceStable(want, func(i, j int) bool {
			return def.VCPU.Individual[want[i]].Order < def.VCPU.Individual[want[j]].Order
		})
		ents, err := p.vcpuEntities(ctx)
		if err != nil {
			return err
		}
		plugged := false
		for _, id := range want {
			e, ok := ents[id]
			// A unit QEMU already has (a qom-path) was plugged before.
			if !ok || e.QOMPath != "" {
				continue
			}
			if err := p.plugVcpu(ctx, id, e); err != nil {
				return err
			}
			plugged = true
		}
		if plugged {
			threads, enabled, err := p.refreshVcpuThreads(ctx)
			if err != nil {
				return err
			}
			p.vcpus = threads
			persistVcpuOrder(def, enabled)
			return nil
		}
	}
	persistVcpuOrder(def, nil)
	return nil
}

// agentCPU is one entry of the agent's guest-get-vcpus.
type agentCPU struct {
	ID         int  `json:"logical-id"`
	Online     bool `json:"online"`
	Offlinable bool `json:"can-offline"`
	modified   bool
}

// setVcpusGuest onlines or offlines vCPUs inside the guest through its
// agent (qemuDomainSetVcpusAgent).
func (c *conn) setVcpusGuest(ctx context.Context, dom driver.DomainRef, n, enabled uint) error {
	return c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
		if n > enabled {
			return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg,
				"requested vcpu count is greater than the count of enabled vcpus in the domain: %d > %d", n, enabled)
		}
		var cpus []agentCPU
		if err := agentExecute(ctx, a, "guest-get-vcpus", nil, &cpus); err != nil {
			return err
		}
		if err := updateAgentCPUs(n, cpus); err != nil {
			return err
		}
		return setAgentCPUs(ctx, a, cpus)
	})
}

// updateAgentCPUs marks which guest CPUs to switch so n are online
// (qemuAgentUpdateCPUInfo); CPU 0 is kept online when every other one
// could go.
func updateAgentCPUs(n uint, cpus []agentCPU) error {
	online, offlinable, cpu0 := 0, 0, -1
	for i, c := range cpus {
		if c.ID == 0 {
			cpu0 = i
		}
		if c.Online {
			online++
			if c.Offlinable {
				offlinable++
			}
		}
		if !c.Online && !c.Offlinable {
			return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Invalid data provided by guest agent")
		}
	}
	if offlinable == online && cpu0 >= 0 && cpus[cpu0].Online {
		cpus[cpu0].Offlinable = false
		offlinable--
	}
	if int(n) > len(cpus) {
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "guest agent reports less cpu than requested")
	}
	if int(n) < online-offlinable {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "Cannot offline enough CPUs")
	}
	for i := range cpus {
		c := &cpus[i]
		switch {
		case int(n) < online:
			if c.Offlinable && c.Online {
				c.Online, c.modified = false, true
				online--
			}
		case int(n) > online:
			if !c.Online {
				c.Online, c.modified = true, true
				online++
			}
		default:
			return nil
		}
	}
	return nil
}

// setAgentCPUs sends the changed CPUs with guest-set-vcpus until the
// agent has handled them all (qemuAgentSetVCPUs).
func setAgentCPUs(ctx context.Context, a *qga.Conn, cpus []agentCPU) error {
	for {
		var list []map[string]any
		var idx []int
		for i, c := range cpus {
			if c.modified {
				list = append(list, map[string]any{"logical-id": c.ID, "online": c.Online})
				idx = append(idx, i)
			}
		}
		if len(list) == 0 {
			return nil
		}
		var done int
		if err := agentExecute(ctx, a, "guest-set-vcpus", map[string]any{"vcpus": list}, &done); err != nil {
			return err
		}
		if done <= 0 || done > len(list) {
			return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "guest agent returned malformed or invalid return value")
		}
		for _, i := range idx[:done] {
			cpus[i].modified = false
		}
	}
}

// vcpuRemoved handles DEVICE_DELETED for a hot-plugged vCPU, also one
// whose unplug timed out (qemuDomainRemoveVcpuAlias): it goes offline in
// the live definition once QEMU no longer lists its thread. It says
// whether alias named a vCPU; the work runs apart from the event.
func (p *qemuProcess) vcpuRemoved(alias string) bool {
	n, ok := strings.CutPrefix(alias, "vcpu")
	if !ok {
		return false
	}
	id, err := strconv.ParseUint(n, 10, 32)
	if err != nil || vcpuAlias(uint(id)) != alias {
		return false
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Under the job, as libvirt's processDeviceDeletedEvent: a vCPU
		// plugged meanwhile must not be overwritten by a stale answer.
		if err := p.o.job.acquire(ctx, "modify", "processDeviceDeletedEvent"); err != nil {
			return
		}
		defer p.o.job.end()
		threads, enabled, err := p.refreshVcpuThreads(ctx)
		if err != nil {
			return
		}
		o := p.o
		o.mu.Lock()
		def := o.live
		if o.proc != p || def == nil || uint(id) >= uint(len(def.VCPU.Individual)) || !def.VCPU.Individual[id].Enabled {
			o.mu.Unlock()
			return
		}
		def.VCPU.Individual[id].Enabled = false
		def.VCPU.Individual[id].Hotpluggable = "yes"
		persistVcpuOrder(def, enabled)
		p.vcpus = threads
		o.mu.Unlock()
		_ = p.d.writeStatus(o)
	}()
	return true
}

// getVcpusFlags is qemuDomainGetVcpusFlags: the current or maximum vCPU
// count of the live or persistent definition, or, with
// VIR_DOMAIN_VCPU_GUEST, what the guest agent reports. info.go's
// DomainGetVcpusFlags is to return it.
func (c *conn) getVcpusFlags(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig|vcpuFlagMaximum|vcpuFlagGuest, "qemuDomainGetVcpusFlags"); err != nil {
		return -1, err
	}
	var n int32
	var active bool
	err := c.d.read(dom, func(o *domainObj) error {
		def, _, err := oneAffectedDef(o, flags)
		if err != nil {
			return err
		}
		active = o.active()
		if flags&vcpuFlagMaximum != 0 {
			n = int32(def.VCPU.Max)
		} else {
			n = int32(vcpuCount(def))
		}
		return nil
	})
	if err != nil || flags&vcpuFlagGuest == 0 {
		return n, err
	}
	if !active {
		return -1, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "vCPU count provided by the guest agent can only be requested for live domains")
	}
	err = c.withAgent(ctx, dom, func(p *qemuProcess, a *qga.Conn) error {
		var cpus []agentCPU
		if err := agentExecute(ctx, a, "guest-get-vcpus", nil, &cpus); err != nil {
			return err
		}
		n = int32(len(cpus))
		if flags&vcpuFlagMaximum == 0 {
			n = 0
			for _, c := range cpus {
				if c.Online {
					n++
				}
			}
		}
		return nil
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}
