package qemu

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

// ConnectGetType is the hypervisor name libvirt reports.
func (c *conn) ConnectGetType(ctx context.Context) (string, error) { return "QEMU", nil }

// ConnectGetVersion is QEMU's version as major*1,000,000+minor*1,000+micro.
func (c *conn) ConnectGetVersion(ctx context.Context) (uint64, error) {
	qc, err := c.d.caps.Lookup(ctx, c.d.Emulator)
	if err != nil {
		return 0, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Cannot find suitable emulator for x86_64")
	}
	return uint64(qc.Version), nil
}

// ConnectGetLibVersion is the libvirt version govirt stands in for.
func (c *conn) ConnectGetLibVersion(ctx context.Context) (uint64, error) { return 9000000, nil }

// ConnectGetHostname is the host's name.
func (c *conn) ConnectGetHostname(ctx context.Context) (string, error) { return os.Hostname() }

// ConnectGetURI is the driver's canonical URI.
func (c *conn) ConnectGetURI(ctx context.Context) (string, error) { return c.d.uri, nil }

// ConnectIsSecure: a local connection is secure.
func (c *conn) ConnectIsSecure(ctx context.Context) (int32, error) { return 1, nil }

// ConnectGetMaxVcpus is QEMU's limit for the default machine.
func (c *conn) ConnectGetMaxVcpus(ctx context.Context, typ *string) (int32, error) {
	qc, err := c.d.caps.Lookup(ctx, c.d.Emulator)
	if err != nil {
		return 0, err
	}
	t := caps.VirtKVM
	if typ != nil && strings.EqualFold(*typ, "qemu") {
		t = caps.VirtTCG
	}
	return int32(qc.MachineMaxCpus(t, qc.DefaultMachine(t))), nil
}

// ConnectSupportsFeature answers the driver features libvirt's QEMU
// driver has that govirt implements.
func (c *conn) ConnectSupportsFeature(ctx context.Context, feature int32) (int32, error) {
	switch feature {
	case 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15: // v2/v3 migration, typed params, fd passing …
		return 1, nil
	}
	return 0, nil
}

// ConnectGetCapabilities describes the host and the guests QEMU runs.
func (c *conn) ConnectGetCapabilities(ctx context.Context) (string, error) {
	hc := caps.NewHostCapabilities("x86_64")
	if qc, err := c.d.caps.Lookup(ctx, c.d.Emulator); err == nil {
		hc.Guests = append(hc.Guests, qc.Guest("x86_64"))
	}
	return hc.Format(), nil
}

func (d *Driver) snapshot() []*domainObj {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*domainObj(nil), d.domains...)
}

// ConnectListDomains lists the ids of running domains.
func (c *conn) ConnectListDomains(ctx context.Context, maxids int32) ([]int32, error) {
	var ids []int32
	for _, o := range c.d.snapshot() {
		o.mu.Lock()
		if o.active() && int32(len(ids)) < maxids {
			ids = append(ids, o.id)
		}
		o.mu.Unlock()
	}
	return ids, nil
}

// ConnectNumOfDomains counts running domains.
func (c *conn) ConnectNumOfDomains(ctx context.Context) (int32, error) {
	n := int32(0)
	for _, o := range c.d.snapshot() {
		o.mu.Lock()
		if o.active() {
			n++
		}
		o.mu.Unlock()
	}
	return n, nil
}

// ConnectListDefinedDomains lists the names of inactive persistent domains.
func (c *conn) ConnectListDefinedDomains(ctx context.Context, maxnames int32) ([]string, error) {
	var names []string
	for _, o := range c.d.snapshot() {
		o.mu.Lock()
		if !o.active() && int32(len(names)) < maxnames {
			names = append(names, o.def.Name)
		}
		o.mu.Unlock()
	}
	return names, nil
}

// ConnectNumOfDefinedDomains counts inactive persistent domains.
func (c *conn) ConnectNumOfDefinedDomains(ctx context.Context) (int32, error) {
	n := int32(0)
	for _, o := range c.d.snapshot() {
		o.mu.Lock()
		if !o.active() {
			n++
		}
		o.mu.Unlock()
	}
	return n, nil
}

// Filters of virConnectListAllDomains.
const (
	listActive        uint32 = 1 << 0
	listInactive      uint32 = 1 << 1
	listPersistent    uint32 = 1 << 2
	listTransient     uint32 = 1 << 3
	listRunning       uint32 = 1 << 4
	listPaused        uint32 = 1 << 5
	listShutoff       uint32 = 1 << 6
	listOther         uint32 = 1 << 7
	listManagedSave   uint32 = 1 << 8
	listNoManagedSave uint32 = 1 << 9
	listAutostart     uint32 = 1 << 10
	listNoAutostart   uint32 = 1 << 11
	listHasSnapshot   uint32 = 1 << 12
	listNoSnapshot    uint32 = 1 << 13
	listHasCheckpoint uint32 = 1 << 14
	listNoCheckpoint  uint32 = 1 << 15
	listAll                  = 1<<16 - 1
)

// matches is virDomainObjListFilter. The caller holds o.mu.
func (d *Driver) matches(o *domainObj, flags uint32) bool {
	pairs := []struct {
		yes, no uint32
		has     bool
	}{
		{listActive, listInactive, o.active()},
		{listPersistent, listTransient, o.persistent},
		{listManagedSave, listNoManagedSave, flags&(listManagedSave|listNoManagedSave) != 0 && d.hasManagedSave(o)},
		{listAutostart, listNoAutostart, o.autostart},
		{listHasSnapshot, listNoSnapshot, false},
		{listHasCheckpoint, listNoCheckpoint, false},
	}
	for _, f := range pairs {
		if flags&(f.yes|f.no) == 0 {
			continue
		}
		if !(f.has && flags&f.yes != 0 || !f.has && flags&f.no != 0) {
			return false
		}
	}
	if states := flags & (listRunning | listPaused | listShutoff | listOther); states != 0 {
		switch o.state {
		case stateRunning:
			return states&listRunning != 0
		case statePaused:
			return states&listPaused != 0
		case stateShutoff:
			return states&listShutoff != 0
		default:
			return states&listOther != 0
		}
	}
	return true
}

// ConnectListAllDomains lists the domains matching flags.
func (c *conn) ConnectListAllDomains(ctx context.Context, needResults int32, flags uint32) (driver.ConnectListAllDomainsRet, error) {
	if err := unsupportedFlags(flags, listAll, "qemuConnectListAllDomains"); err != nil {
		return driver.ConnectListAllDomainsRet{}, err
	}
	var ret driver.ConnectListAllDomainsRet
	for _, o := range c.d.snapshot() {
		o.mu.Lock()
		if c.d.matches(o, flags) {
			if needResults != 0 {
				ret.Domains = append(ret.Domains, o.ref())
			}
			ret.Ret++
		}
		o.mu.Unlock()
	}
	return ret, nil
}

// DomainLookupByID finds a running domain by id.
func (c *conn) DomainLookupByID(ctx context.Context, id int32) (driver.DomainRef, error) {
	for _, o := range c.d.snapshot() {
		o.mu.Lock()
		if o.active() && o.id == id {
			ref := o.ref()
			o.mu.Unlock()
			return ref, nil
		}
		o.mu.Unlock()
	}
	return driver.DomainRef{}, virterr.NewFrom(virterr.FromQemu, virterr.NoDomain, "no domain with matching id %d", id)
}

// DomainLookupByName finds a domain by name.
func (c *conn) DomainLookupByName(ctx context.Context, name string) (driver.DomainRef, error) {
	for _, o := range c.d.snapshot() {
		o.mu.Lock()
		if o.def.Name == name {
			ref := o.ref()
			o.mu.Unlock()
			return ref, nil
		}
		o.mu.Unlock()
	}
	return driver.DomainRef{}, virterr.NewFrom(virterr.FromQemu, virterr.NoDomain, "no domain with matching name '%s'", name)
}

// DomainLookupByUUID finds a domain by UUID.
func (c *conn) DomainLookupByUUID(ctx context.Context, u driver.UUID) (driver.DomainRef, error) {
	for _, o := range c.d.snapshot() {
		o.mu.Lock()
		if driver.UUID(o.def.UUID) == u {
			ref := o.ref()
			o.mu.Unlock()
			return ref, nil
		}
		o.mu.Unlock()
	}
	return driver.DomainRef{}, virterr.NewFrom(virterr.FromQemu, virterr.NoDomain, "no domain with matching uuid '%s'", uuid.UUID(u))
}

// read runs fn with o.mu held: queries never take the job.
func (d *Driver) read(dom driver.DomainRef, fn func(o *domainObj) error) error {
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return fn(o)
}

// cpuTime reads a process's CPU time (user, system) in nanoseconds.
func cpuTime(pid int) (user, system uint64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, 0
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	sy, _ := strconv.ParseUint(f[12], 10, 64)
	const tick = uint64(time.Second / 100)
	return u * tick, sy * tick
}

// threadCPUTime reads one thread's CPU time in nanoseconds.
func threadCPUTime(pid, tid int) uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/stat", pid, tid))
	if err != nil {
		return 0
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	sy, _ := strconv.ParseUint(f[12], 10, 64)
	return (u + sy) * uint64(time.Second/100)
}

func vcpuCount(def *domain.Def) int {
	if def.VCPU.Current > 0 {
		return int(def.VCPU.Current)
	}
	return int(def.VCPU.Max)
}

// DomainGetInfo reports state, memory, vcpus and CPU time.
func (c *conn) DomainGetInfo(ctx context.Context, dom driver.DomainRef) (driver.DomainGetInfoRet, error) {
	var ret driver.DomainGetInfoRet
	err := c.d.read(dom, func(o *domainObj) error {
		def := o.current()
		ret = driver.DomainGetInfoRet{State: uint8(o.state), MaxMem: def.Memory.Total, Memory: def.Memory.Current,
			NrVirtCPU: uint16(vcpuCount(def))}
		if ret.Memory == 0 {
			ret.Memory = ret.MaxMem
		}
		if o.proc != nil {
			u, s := cpuTime(o.proc.pid)
			ret.CPUTime = u + s
		} else {
			ret.Memory = def.Memory.Current
			if ret.Memory == 0 {
				ret.Memory = ret.MaxMem
			}
		}
		return nil
	})
	return ret, err
}

// DomainGetState reports state and reason.
func (c *conn) DomainGetState(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetStateRet, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainGetState"); err != nil {
		return driver.DomainGetStateRet{}, err
	}
	var ret driver.DomainGetStateRet
	err := c.d.read(dom, func(o *domainObj) error {
		ret = driver.DomainGetStateRet{State: o.state, Reason: o.reason}
		return nil
	})
	return ret, err
}

// DomainGetControlInfo reports whether a job or the monitor is busy.
func (c *conn) DomainGetControlInfo(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetControlInfoRet, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainGetControlInfo"); err != nil {
		return driver.DomainGetControlInfoRet{}, err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return driver.DomainGetControlInfoRet{}, err
	}
	o.mu.Lock()
	active := o.active()
	o.mu.Unlock()
	if !active {
		return driver.DomainGetControlInfoRet{}, notRunning()
	}
	job, since := o.job.current()
	if job == "" {
		return driver.DomainGetControlInfoRet{}, nil
	}
	// VIR_DOMAIN_CONTROL_JOB with the time the job has run.
	return driver.DomainGetControlInfoRet{State: 1, StateTime: uint64(time.Since(since).Milliseconds())}, nil
}

// DomainGetXMLDesc formats the live definition, or with
// VIR_DOMAIN_XML_INACTIVE the one the next start uses.
func (c *conn) DomainGetXMLDesc(ctx context.Context, dom driver.DomainRef, flags uint32) (string, error) {
	const xmlSecure, xmlInactive, xmlUpdateCPU, xmlMigratable = 1, 2, 4, 8
	if err := unsupportedFlags(flags, xmlSecure|xmlInactive|xmlUpdateCPU|xmlMigratable, "qemuDomainGetXMLDesc"); err != nil {
		return "", err
	}
	if flags&xmlSecure != 0 && c.readOnly {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.OperationDenied, "virDomainGetXMLDesc with secure flag")
	}
	var out string
	err := c.d.read(dom, func(o *domainObj) error {
		var ff domain.FormatFlags
		if flags&xmlSecure != 0 {
			ff |= domain.FormatSecure
		}
		if flags&xmlMigratable != 0 {
			ff |= domain.FormatMigratable
		}
		def := o.current()
		if flags&(xmlInactive|xmlMigratable) != 0 {
			ff |= domain.FormatInactive
			def = o.inactiveDef()
		}
		out = def.Format(ff)
		return nil
	})
	return out, err
}

// DomainIsActive reports whether the domain runs.
func (c *conn) DomainIsActive(ctx context.Context, dom driver.DomainRef) (int32, error) {
	var r int32
	err := c.d.read(dom, func(o *domainObj) error {
		if o.active() {
			r = 1
		}
		return nil
	})
	return r, err
}

// DomainIsPersistent reports whether the domain has a persistent config.
func (c *conn) DomainIsPersistent(ctx context.Context, dom driver.DomainRef) (int32, error) {
	var r int32
	err := c.d.read(dom, func(o *domainObj) error {
		if o.persistent {
			r = 1
		}
		return nil
	})
	return r, err
}

// DomainIsUpdated reports whether the config changed while running.
func (c *conn) DomainIsUpdated(ctx context.Context, dom driver.DomainRef) (int32, error) {
	var r int32
	err := c.d.read(dom, func(o *domainObj) error {
		if o.newDef != nil {
			r = 1
		}
		return nil
	})
	return r, err
}

// DomainGetOSType is the guest's OS type.
func (c *conn) DomainGetOSType(ctx context.Context, dom driver.DomainRef) (string, error) {
	var t string
	err := c.d.read(dom, func(o *domainObj) error {
		t = "hvm"
		if def := o.current(); def.OS != nil && def.OS.Type != "" {
			t = def.OS.Type
		}
		return nil
	})
	return t, err
}

// DomainGetMaxMemory is the domain's maximum memory in KiB.
func (c *conn) DomainGetMaxMemory(ctx context.Context, dom driver.DomainRef) (uint64, error) {
	var m uint64
	err := c.d.read(dom, func(o *domainObj) error {
		m = o.current().Memory.Total
		return nil
	})
	return m, err
}

// DomainGetVcpusFlags counts vcpus.
func (c *conn) DomainGetVcpusFlags(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	const vcpuMaximum = 1 << 2
	var n int32
	err := c.d.read(dom, func(o *domainObj) error {
		def := o.current()
		if flags&affectConfig != 0 {
			def = o.inactiveDef()
		} else if flags&affectLive != 0 && !o.active() {
			return notRunning()
		}
		if flags&vcpuMaximum != 0 {
			n = int32(def.VCPU.Max)
		} else {
			n = int32(vcpuCount(def))
		}
		return nil
	})
	return n, err
}

// DomainGetSchedulerType is the scheduler libvirt reports for QEMU guests.
func (c *conn) DomainGetSchedulerType(ctx context.Context, dom driver.DomainRef) (driver.DomainGetSchedulerTypeRet, error) {
	if _, err := c.d.lookup(dom); err != nil {
		return driver.DomainGetSchedulerTypeRet{}, err
	}
	return driver.DomainGetSchedulerTypeRet{Type: "posix", Nparams: 0}, nil
}
