package test

import (
	"context"
	"runtime"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

const memMaximum uint32 = 1 << 2 // VIR_DOMAIN_MEM_MAXIMUM

// DomainSetMemory sets the live balloon size.
func (c *conn) DomainSetMemory(ctx context.Context, dom driver.DomainRef, memory uint64) error {
	return c.setMemory(dom, memory, affectLive, "virDomainSetMemory")
}

// DomainSetMaxMemory sets the maximum memory of an inactive definition.
func (c *conn) DomainSetMaxMemory(ctx context.Context, dom driver.DomainRef, memory uint64) error {
	return c.setMemory(dom, memory, memMaximum, "virDomainSetMaxMemory")
}

// DomainSetMemoryFlags sets the balloon or (VIR_DOMAIN_MEM_MAXIMUM) the
// memory size.
func (c *conn) DomainSetMemoryFlags(ctx context.Context, dom driver.DomainRef, memory uint64, flags uint32) error {
	return c.setMemory(dom, memory, flags, "virDomainSetMemoryFlags")
}

func (c *conn) setMemory(dom driver.DomainRef, memory uint64, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig|memMaximum, "testDomainSetMemoryFlags"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, live, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		if flags&memMaximum != 0 {
			if live {
				return nil, errf(virterr.OperationInvalid, "cannot resize the maximum memory on an active domain")
			}
			if def.Memory.Max != 0 && def.Memory.Max < memory {
				return nil, errf(virterr.OperationInvalid, "cannot set initial memory size greater than the maximum memory size")
			}
			def.Memory.Total = memory
			if def.Memory.Current > memory {
				def.Memory.Current = memory
			}
			return nil, nil
		}
		if memory > def.Memory.Total {
			return nil, errf(virterr.InvalidArg, "cannot set memory higher than max memory")
		}
		def.Memory.Current = memory
		return nil, nil
	})
}

// DomainGetVcpusFlags counts the vcpus, or their maximum.
func (c *conn) DomainGetVcpusFlags(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig|1<<2, "testDomainGetVcpusFlags"); err != nil {
		return -1, err
	}
	var n int32
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return err
		}
		n = int32(def.VCPU.Max)
		if flags&(1<<2) == 0 {
			n = int32(onlineVcpus(def))
		}
		return nil
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

func onlineVcpus(def *domain.Def) uint {
	if def.VCPU.Current == 0 {
		return def.VCPU.Max
	}
	return def.VCPU.Current
}

// DomainSetVcpus sets the live vcpu count.
func (c *conn) DomainSetVcpus(ctx context.Context, dom driver.DomainRef, nvcpus uint32) error {
	return c.setVcpus(dom, nvcpus, affectLive, "virDomainSetVcpus")
}

// DomainSetVcpusFlags sets the vcpu count or (VIR_DOMAIN_VCPU_MAXIMUM) the
// maximum of the persistent definition.
func (c *conn) DomainSetVcpusFlags(ctx context.Context, dom driver.DomainRef, nvcpus uint32, flags uint32) error {
	return c.setVcpus(dom, nvcpus, flags, "virDomainSetVcpusFlags")
}

func (c *conn) setVcpus(dom driver.DomainRef, n uint32, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig|1<<2, "testDomainSetVcpusFlags"); err != nil {
		return err
	}
	if n > 32 {
		return errf(virterr.InvalidArg, "requested cpu amount exceeds maximum supported amount (%d > %d)", n, 32)
	}
	maximum := flags&(1<<2) != 0
	return c.update(dom, func(o *domainObj) ([]event, error) {
		live, config, err := bothDefs(o, flags)
		if err != nil {
			return nil, err
		}
		if live && o.def.VCPU.Max < uint(n) {
			return nil, errf(virterr.InvalidArg, "requested cpu amount exceeds maximum (%d > %d)", n, o.def.VCPU.Max)
		}
		pdef := o.persistentDef()
		if config && !maximum && pdef.VCPU.Max < uint(n) {
			return nil, errf(virterr.InvalidArg, "requested cpu amount exceeds maximum (%d > %d)", n, pdef.VCPU.Max)
		}
		if live {
			if maximum {
				return nil, errf(virterr.InvalidArg, "requested cpu amount exceeds maximum (%d > %d)", n, o.def.VCPU.Max)
			}
			setOnline(o.def, uint(n))
		}
		if config {
			if maximum {
				pdef.VCPU.Max = uint(n)
				if pdef.VCPU.Current > uint(n) {
					pdef.VCPU.Current = uint(n)
				}
				if len(pdef.VCPU.Individual) > int(n) {
					pdef.VCPU.Individual = pdef.VCPU.Individual[:n]
				}
			} else {
				setOnline(pdef, uint(n))
			}
		}
		return nil, nil
	})
}

func setOnline(def *domain.Def, n uint) {
	if n == 0 {
		return
	}
	def.VCPU.Current = n
	if def.VCPU.Individual != nil {
		for i := range def.VCPU.Individual {
			def.VCPU.Individual[i].Enabled = uint(i) < n
		}
	}
}

func (c *conn) hostCPUs() int {
	ni := c.st.node
	return int(ni.nodes * ni.sockets * ni.cores * ni.threads)
}

// vcpuPin is the CPUs vcpu i may use: its pin, the domain's cpuset, or
// every host CPU.
func vcpuPin(def *domain.Def, i uint, hostcpus int) domain.CPUSet {
	if def.CPUTune != nil {
		if p, ok := def.CPUTune.VCPUPins[i]; ok {
			return p
		}
	}
	if len(def.VCPU.CPUSet) > 0 {
		return def.VCPU.CPUSet
	}
	return allCPUs(hostcpus)
}

// DomainGetVcpus describes the running domain's vcpus.
func (c *conn) DomainGetVcpus(ctx context.Context, dom driver.DomainRef, maxinfo int32, maplen int32) (driver.DomainGetVCPUsRet, error) {
	var ret driver.DomainGetVCPUsRet
	err := c.read(dom, func(o *domainObj) error {
		if !o.active() {
			return errf(virterr.OperationInvalid, "cannot list vcpus for an inactive domain")
		}
		online := int32(onlineVcpus(o.def))
		if maxinfo > online {
			maxinfo = online
		}
		statbase := uint64(time.Now().UnixMicro())
		hostcpus := c.hostCPUs()
		for i := int32(0); i < maxinfo; i++ {
			set := vcpuPin(o.def, uint(i), hostcpus)
			last := int32(-1)
			if len(set) > 0 {
				last = int32(set[len(set)-1])
			}
			ret.Info = append(ret.Info, driver.VCPUInfo{Number: uint32(i), State: 1, CPU: last, CPUTime: statbase / 10})
			ret.Cpumaps = append(ret.Cpumaps, cpuMapBytes(set, int(maplen))...)
		}
		return nil
	})
	return ret, err
}

// DomainPinVcpu pins a vcpu of the running domain.
func (c *conn) DomainPinVcpu(ctx context.Context, dom driver.DomainRef, vcpu uint32, cpumap []byte) error {
	return c.pinVcpu(dom, vcpu, cpumap, 0, "virDomainPinVcpu")
}

// DomainPinVcpuFlags pins a vcpu of the running domain.
func (c *conn) DomainPinVcpuFlags(ctx context.Context, dom driver.DomainRef, vcpu uint32, cpumap []byte, flags uint32) error {
	return c.pinVcpu(dom, vcpu, cpumap, flags, "virDomainPinVcpuFlags")
}

func (c *conn) pinVcpu(dom driver.DomainRef, vcpu uint32, cpumap []byte, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainPinVcpuFlags"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		if !o.active() {
			return nil, errf(virterr.OperationInvalid, "cannot pin vcpus on an inactive domain")
		}
		if uint(vcpu) >= onlineVcpus(o.def) {
			return nil, errf(virterr.InvalidArg, "requested vcpu '%d' is not present in the domain", vcpu)
		}
		if o.def.CPUTune == nil {
			o.def.CPUTune = &domain.CPUTune{}
		}
		if o.def.CPUTune.VCPUPins == nil {
			o.def.CPUTune.VCPUPins = map[uint]domain.CPUSet{}
		}
		o.def.CPUTune.VCPUPins[uint(vcpu)] = cpuSetFromMap(cpumap)
		return nil, nil
	})
}

// DomainGetVcpuPinInfo reports every vcpu's affinity.
func (c *conn) DomainGetVcpuPinInfo(ctx context.Context, dom driver.DomainRef, ncpumaps int32, maplen int32, flags uint32) (driver.DomainGetVCPUPinInfoRet, error) {
	var ret driver.DomainGetVCPUPinInfoRet
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return err
		}
		n := int32(def.VCPU.Max)
		if ncpumaps < n {
			n = ncpumaps
		}
		for i := int32(0); i < n; i++ {
			ret.Cpumaps = append(ret.Cpumaps, cpuMapBytes(vcpuPin(def, uint(i), c.hostCPUs()), int(maplen))...)
		}
		ret.Num = n
		return nil
	})
	return ret, err
}

// DomainPinEmulator pins the emulator threads.
func (c *conn) DomainPinEmulator(ctx context.Context, dom driver.DomainRef, cpumap []byte, flags uint32) error {
	if err := c.denyReadOnly("virDomainPinEmulator"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainPinEmulator"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		set := cpuSetFromMap(cpumap)
		if len(set) == 0 {
			return nil, errf(virterr.InvalidArg, "Empty cpu list for pinning")
		}
		if def.CPUTune == nil {
			def.CPUTune = &domain.CPUTune{}
		}
		def.CPUTune.EmulatorPin = set
		return nil, nil
	})
}

// DomainGetEmulatorPinInfo reports the emulator threads' affinity.
func (c *conn) DomainGetEmulatorPinInfo(ctx context.Context, dom driver.DomainRef, maplen int32, flags uint32) (driver.DomainGetEmulatorPinInfoRet, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainGetEmulatorPinInfo"); err != nil {
		return driver.DomainGetEmulatorPinInfoRet{}, err
	}
	var ret driver.DomainGetEmulatorPinInfoRet
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return err
		}
		set := allCPUs(c.hostCPUs())
		if def.CPUTune != nil && len(def.CPUTune.EmulatorPin) > 0 {
			set = def.CPUTune.EmulatorPin
		} else if len(def.VCPU.CPUSet) > 0 {
			set = def.VCPU.CPUSet
		}
		ret = driver.DomainGetEmulatorPinInfoRet{Cpumaps: cpuMapBytes(set, int(maplen)), Ret: 1}
		return nil
	})
	return ret, err
}

// DomainGetIOThreadInfo lists the IOThreads with their affinity.
func (c *conn) DomainGetIOThreadInfo(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetIOThreadInfoRet, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainGetIOThreadInfo"); err != nil {
		return driver.DomainGetIOThreadInfoRet{}, err
	}
	var ret driver.DomainGetIOThreadInfoRet
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return err
		}
		if def.IOThreads == nil {
			return nil
		}
		hostcpus := runtime.NumCPU()
		maplen := (hostcpus + 7) / 8
		for _, t := range def.IOThreads.IDs {
			set := allCPUs(hostcpus)
			if def.CPUTune != nil && def.CPUTune.IOThreadPins[t.ID] != nil {
				set = def.CPUTune.IOThreadPins[t.ID]
			} else if len(def.VCPU.CPUSet) > 0 {
				set = def.VCPU.CPUSet
			}
			ret.Info = append(ret.Info, driver.DomainIOThreadInfo{IOThreadID: uint32(t.ID), Cpumap: cpuMapBytes(set, maplen)})
		}
		ret.Ret = uint32(len(ret.Info))
		return nil
	})
	return ret, err
}

func hasIOThread(def *domain.Def, id uint32) bool {
	if def.IOThreads == nil {
		return false
	}
	for _, t := range def.IOThreads.IDs {
		if t.ID == uint(id) {
			return true
		}
	}
	return false
}

// ioThreadDefs applies fn to each definition flags select, and then
// after to the domain's private IOThread list once per definition.
func (c *conn) ioThreadDefs(dom driver.DomainRef, flags uint32, function, cfunction string, fn func(def *domain.Def) error, after ...func(o *domainObj)) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, cfunction); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		live, config, err := bothDefs(o, flags)
		if err != nil {
			return nil, err
		}
		if live {
			if err := fn(o.def); err != nil {
				return nil, err
			}
			for _, a := range after {
				a(o)
			}
		}
		if config {
			if err := fn(o.persistentDef()); err != nil {
				return nil, err
			}
			for _, a := range after {
				a(o)
			}
		}
		return nil, nil
	})
}

// DomainAddIOThread adds an IOThread.
func (c *conn) DomainAddIOThread(ctx context.Context, dom driver.DomainRef, id uint32, flags uint32) error {
	return c.ioThreadDefs(dom, flags, "virDomainAddIOThread", "testDomainChgIOThread", func(def *domain.Def) error {
		if id == 0 {
			return errf(virterr.InvalidArg, "invalid value of 0 for iothread_id")
		}
		if hasIOThread(def, id) {
			return errf(virterr.InvalidArg, "an IOThread is already using iothread_id '%d'", id)
		}
		if def.IOThreads == nil {
			def.IOThreads = &domain.IOThreads{}
		}
		def.IOThreads.IDs = append(def.IOThreads.IDs, domain.IOThreadID{ID: uint(id)})
		return nil
	}, func(o *domainObj) {
		o.priv.iothreads = append(o.priv.iothreads, ioThreadPoll{id: id, pollMaxNs: 32768})
	})
}

// DomainDelIOThread removes an IOThread.
func (c *conn) DomainDelIOThread(ctx context.Context, dom driver.DomainRef, id uint32, flags uint32) error {
	return c.ioThreadDefs(dom, flags, "virDomainDelIOThread", "testDomainChgIOThread", func(def *domain.Def) error {
		if id == 0 {
			return errf(virterr.InvalidArg, "invalid value of 0 for iothread_id")
		}
		if !hasIOThread(def, id) {
			return errf(virterr.InvalidArg, "cannot find IOThread '%d' in iothreadids", id)
		}
		ids := def.IOThreads.IDs[:0]
		for _, t := range def.IOThreads.IDs {
			if t.ID != uint(id) {
				ids = append(ids, t)
			}
		}
		def.IOThreads.IDs = ids
		if len(ids) == 0 {
			def.IOThreads = nil
		}
		if def.CPUTune != nil {
			delete(def.CPUTune.IOThreadPins, uint(id))
		}
		return nil
	}, func(o *domainObj) {
		for i, t := range o.priv.iothreads {
			if t.id == id {
				o.priv.iothreads = append(o.priv.iothreads[:i:i], o.priv.iothreads[i+1:]...)
				break
			}
		}
	})
}

// DomainPinIOThread pins an IOThread.
func (c *conn) DomainPinIOThread(ctx context.Context, dom driver.DomainRef, id uint32, cpumap []byte, flags uint32) error {
	return c.ioThreadDefs(dom, flags, "virDomainPinIOThread", "testDomainPinIOThread", func(def *domain.Def) error {
		if !hasIOThread(def, id) {
			return errf(virterr.InvalidArg, "iothreadid %d not found", id)
		}
		set := cpuSetFromMap(cpumap)
		if len(set) == 0 {
			return errf(virterr.InvalidArg, "Empty iothread cpumap list for pinning")
		}
		if def.CPUTune == nil {
			def.CPUTune = &domain.CPUTune{}
		}
		if def.CPUTune.IOThreadPins == nil {
			def.CPUTune.IOThreadPins = map[uint]domain.CPUSet{}
		}
		def.CPUTune.IOThreadPins[uint(id)] = set
		return nil
	})
}

// DomainSetIOThreadParams accepts polling parameters of an existing
// IOThread; the test driver keeps none of them.
func (c *conn) DomainSetIOThreadParams(ctx context.Context, dom driver.DomainRef, id uint32, params []driver.TypedParam, flags uint32) error {
	if err := validateParams(params, map[string]int32{
		"poll_max_ns": driver.ParamULLong, "poll_grow": driver.ParamUInt, "poll_shrink": driver.ParamUInt,
		"thread_pool_min": driver.ParamInt, "thread_pool_max": driver.ParamInt,
	}); err != nil {
		return err
	}
	var o *domainObj
	err := c.ioThreadDefs(dom, flags, "virDomainSetIOThreadParams", "testDomainSetIOThreadParams", func(def *domain.Def) error {
		if !hasIOThread(def, id) {
			return errf(virterr.InvalidArg, "cannot find IOThread '%d' in iothreadids", id)
		}
		return nil
	}, func(obj *domainObj) { o = obj })
	if err != nil || o == nil {
		return err
	}
	// The polling settings live in the private list, which only knows the
	// IOThreads added through the API; libvirt fails without saying why
	// for the others.
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	for i := range o.priv.iothreads {
		t := &o.priv.iothreads[i]
		if t.id != id {
			continue
		}
		for _, p := range params {
			switch p.Field {
			case "poll_max_ns":
				t.pollMaxNs = p.Value.UL
			case "poll_grow":
				t.pollGrow = p.Value.UI
			case "poll_shrink":
				t.pollShrink = p.Value.UI
			}
		}
		return nil
	}
	return &virterr.Error{Message: "An error occurred, but the cause is unknown", Level: virterr.LevelError, Int1: -1, Int2: -1}
}

// DomainGetSchedulerType is the "fair" scheduler with one parameter.
func (c *conn) DomainGetSchedulerType(ctx context.Context, dom driver.DomainRef) (driver.DomainGetSchedulerTypeRet, error) {
	return driver.DomainGetSchedulerTypeRet{Type: "fair", Nparams: 1}, nil
}

// DomainGetSchedulerParameters reports the fixed weight of 50.
func (c *conn) DomainGetSchedulerParameters(ctx context.Context, dom driver.DomainRef, nparams int32) ([]driver.TypedParam, error) {
	return c.DomainGetSchedulerParametersFlags(ctx, dom, nparams, 0)
}

// DomainGetSchedulerParametersFlags reports the fixed weight of 50.
func (c *conn) DomainGetSchedulerParametersFlags(ctx context.Context, dom driver.DomainRef, nparams int32, flags uint32) ([]driver.TypedParam, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetSchedulerParametersFlags"); err != nil {
		return nil, err
	}
	if err := c.read(dom, func(*domainObj) error { return nil }); err != nil {
		return nil, err
	}
	return []driver.TypedParam{uintParam("weight", 50)}, nil
}

// DomainSetSchedulerParameters accepts a weight and keeps nothing.
func (c *conn) DomainSetSchedulerParameters(ctx context.Context, dom driver.DomainRef, params []driver.TypedParam) error {
	return c.setSched(dom, params, 0, "virDomainSetSchedulerParameters")
}

// DomainSetSchedulerParametersFlags accepts a weight and keeps nothing.
func (c *conn) DomainSetSchedulerParametersFlags(ctx context.Context, dom driver.DomainRef, params []driver.TypedParam, flags uint32) error {
	return c.setSched(dom, params, flags, "virDomainSetSchedulerParametersFlags")
}

func (c *conn) setSched(dom driver.DomainRef, params []driver.TypedParam, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainSetSchedulerParametersFlags"); err != nil {
		return err
	}
	if err := validateParams(params, map[string]int32{"weight": driver.ParamUInt}); err != nil {
		return err
	}
	return c.read(dom, func(*domainObj) error { return nil })
}

func memTune(def *domain.Def) domain.MemTune {
	if def.MemTune == nil {
		return domain.MemTune{HardLimit: domain.MemoryUnlimited, SoftLimit: domain.MemoryUnlimited, MinGuarantee: domain.MemoryUnlimited, SwapHardLimit: domain.MemoryUnlimited}
	}
	return *def.MemTune
}

// DomainSetMemoryParameters sets memtune limits.
func (c *conn) DomainSetMemoryParameters(ctx context.Context, dom driver.DomainRef, params []driver.TypedParam, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetMemoryParameters"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetMemoryParameters"); err != nil {
		return err
	}
	if err := validateParams(params, map[string]int32{"hard_limit": driver.ParamULLong, "soft_limit": driver.ParamULLong, "swap_hard_limit": driver.ParamULLong}); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		live := memTune(o.def)
		mt := memTune(def)
		hard, swap := live.HardLimit, live.SwapHardLimit
		setHard, setSwap := false, false
		for _, p := range params {
			switch p.Field {
			case "hard_limit":
				hard, setHard = p.Value.UL, true
			case "swap_hard_limit":
				swap, setSwap = p.Value.UL, true
			}
		}
		if (setHard || setSwap) && hard > swap {
			return nil, errf(virterr.InvalidArg, "memory hard_limit tunable value must be lower than or equal to swap_hard_limit")
		}
		for _, p := range params {
			v := p.Value.UL
			if v > domain.MemoryUnlimited {
				v = domain.MemoryUnlimited
			}
			switch p.Field {
			case "hard_limit":
				mt.HardLimit = v
			case "soft_limit":
				mt.SoftLimit = v
			case "swap_hard_limit":
				mt.SwapHardLimit = v
			}
		}
		def.MemTune = &mt
		return nil, nil
	})
}

// DomainGetMemoryParameters reports memtune limits.
func (c *conn) DomainGetMemoryParameters(ctx context.Context, dom driver.DomainRef, nparams int32, flags uint32) (driver.DomainGetMemoryParametersRet, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig|1<<2, "testDomainGetMemoryParameters"); err != nil {
		return driver.DomainGetMemoryParametersRet{}, err
	}
	if nparams == 0 {
		return driver.DomainGetMemoryParametersRet{Nparams: 3}, nil
	}
	var ret driver.DomainGetMemoryParametersRet
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags&^(1<<2))
		if err != nil {
			return err
		}
		mt := memTune(def)
		ret.Params = firstN([]driver.TypedParam{
			ullongParam("hard_limit", mt.HardLimit),
			ullongParam("soft_limit", mt.SoftLimit),
			ullongParam("swap_hard_limit", mt.SwapHardLimit),
		}, nparams)
		ret.Nparams = int32(len(ret.Params))
		return nil
	})
	return ret, err
}

var numaModes = []string{"strict", "preferred", "interleave", "restrictive"}

// DomainSetNumaParameters sets the numatune mode and nodeset.
func (c *conn) DomainSetNumaParameters(ctx context.Context, dom driver.DomainRef, params []driver.TypedParam, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetNumaParameters"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetNumaParameters"); err != nil {
		return err
	}
	if err := validateParams(params, map[string]int32{"numa_mode": driver.ParamInt, "numa_nodeset": driver.ParamString}); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, live, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		mode := -1
		var nodeset domain.CPUSet
		setNodes := false
		for _, p := range params {
			switch p.Field {
			case "numa_mode":
				mode = int(p.Value.I)
				if mode < 0 || mode >= len(numaModes) {
					return nil, errf(virterr.InvalidArg, "unsupported numatune mode: '%d'", mode)
				}
			case "numa_nodeset":
				set, err := domain.ParseCPUSet(p.Value.S)
				if err != nil {
					return nil, errf(virterr.InvalidArg, "Failed to parse bitmap '%s'", p.Value.S)
				}
				if len(set) == 0 {
					return nil, errf(virterr.OperationInvalid, "Invalid nodeset of 'numatune': %s", p.Value.S)
				}
				nodeset, setNodes = set, true
			}
		}
		cur := "strict"
		if def.NumaTune != nil && def.NumaTune.Memory != nil && def.NumaTune.Memory.Mode != "" {
			cur = def.NumaTune.Memory.Mode
		}
		if live && mode != -1 && def.NumaTune != nil && def.NumaTune.Memory != nil && cur != numaModes[mode] {
			return nil, errf(virterr.OperationInvalid, "can't change numatune mode for running domain")
		}
		if mode == -1 && !setNodes {
			return nil, nil
		}
		if def.NumaTune == nil {
			def.NumaTune = &domain.NumaTune{}
		}
		if def.NumaTune.Memory == nil {
			def.NumaTune.Memory = &domain.NumaMemory{}
		}
		m := def.NumaTune.Memory
		if mode != -1 {
			m.Mode = numaModes[mode]
		} else if m.Mode == "" {
			m.Mode = "strict"
		}
		if setNodes {
			m.Nodeset = nodeset
			m.Placement = "static"
		}
		return nil, nil
	})
}

// DomainGetNumaParameters reports the numatune mode and nodeset.
func (c *conn) DomainGetNumaParameters(ctx context.Context, dom driver.DomainRef, nparams int32, flags uint32) (driver.DomainGetNUMAParametersRet, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig|1<<2, "testDomainGetNumaParameters"); err != nil {
		return driver.DomainGetNUMAParametersRet{}, err
	}
	if nparams == 0 {
		return driver.DomainGetNUMAParametersRet{Nparams: 2}, nil
	}
	var ret driver.DomainGetNUMAParametersRet
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags&^(1<<2))
		if err != nil {
			return err
		}
		mode, nodes := int32(0), ""
		if def.NumaTune != nil && def.NumaTune.Memory != nil {
			for i, m := range numaModes {
				if m == def.NumaTune.Memory.Mode {
					mode = int32(i)
				}
			}
			nodes = def.NumaTune.Memory.Nodeset.String()
		}
		ret.Params = firstN([]driver.TypedParam{intParam("numa_mode", mode), stringParam("numa_nodeset", nodes)}, nparams)
		ret.Nparams = int32(len(ret.Params))
		return nil
	})
	return ret, err
}

var perfEventNames = []string{
	"cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references",
	"cache_misses", "branch_instructions", "branch_misses", "bus_cycles",
	"stalled_cycles_frontend", "stalled_cycles_backend", "ref_cpu_cycles",
	"cpu_clock", "task_clock", "page_faults", "context_switches",
	"cpu_migrations", "page_faults_min", "page_faults_maj",
	"alignment_faults", "emulation_faults",
}

// DomainSetPerfEvents enables or disables perf events.
func (c *conn) DomainSetPerfEvents(ctx context.Context, dom driver.DomainRef, params []driver.TypedParam, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetPerfEvents"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetPerfEvents"); err != nil {
		return err
	}
	allowed := map[string]int32{}
	for _, n := range perfEventNames {
		allowed[n] = driver.ParamBoolean
	}
	if err := validateParams(params, allowed); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		def, _, err := oneDef(o, flags)
		if err != nil {
			return nil, err
		}
		state := map[string]string{}
		if def.Perf != nil {
			for _, e := range def.Perf.Events {
				state[e.Name] = e.Enabled
			}
		}
		for _, p := range params {
			state[p.Field] = map[bool]string{true: "yes", false: "no"}[p.Value.B != 0]
		}
		perf := &domain.Perf{}
		for _, n := range perfEventNames {
			if v, ok := state[n]; ok {
				perf.Events = append(perf.Events, domain.PerfEvent{Name: n, Enabled: v})
			}
		}
		def.Perf = perf
		return nil, nil
	})
}

// DomainGetPerfEvents reports every perf event's state.
func (c *conn) DomainGetPerfEvents(ctx context.Context, dom driver.DomainRef, flags uint32) ([]driver.TypedParam, error) {
	if err := unsupportedFlags(flags, affectLive|affectConfig|1<<2, "testDomainGetPerfEvents"); err != nil {
		return nil, err
	}
	var out []driver.TypedParam
	err := c.read(dom, func(o *domainObj) error {
		def, _, err := oneDef(o, flags&^(1<<2))
		if err != nil {
			return err
		}
		on := map[string]bool{}
		if def.Perf != nil {
			for _, e := range def.Perf.Events {
				on[e.Name] = e.Enabled == "yes"
			}
		}
		for _, n := range perfEventNames {
			out = append(out, boolParam(n, on[n]))
		}
		return nil
	})
	return out, err
}

// DomainGetLaunchSecurityInfo has nothing to report.
func (c *conn) DomainGetLaunchSecurityInfo(ctx context.Context, dom driver.DomainRef, flags uint32) ([]driver.TypedParam, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetLaunchSecurityInfo"); err != nil {
		return nil, err
	}
	return []driver.TypedParam{}, nil
}
