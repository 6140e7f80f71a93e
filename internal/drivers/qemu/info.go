package qemu

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/cpumap"
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
		{listHasSnapshot, listNoSnapshot, flags&(listHasSnapshot|listNoSnapshot) != 0 && d.snapshotCountLocked(o) > 0},
		{listHasCheckpoint, listNoCheckpoint, false},
	}
	for _, f := range pairs {
		if !driver.MatchesFilterPair(flags, f.yes, f.no, f.has) {
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

// DomainGetInfo reports state, memory, vcpus and CPU time
// (qemuDomainGetInfo): the current memory is the balloon's as QEMU last
// reported it.
func (c *conn) DomainGetInfo(ctx context.Context, dom driver.DomainRef) (driver.DomainGetInfoRet, error) {
	var ret driver.DomainGetInfoRet
	err := c.d.read(dom, func(o *domainObj) error {
		def := o.current()
		ret = driver.DomainGetInfoRet{State: uint8(o.state), MaxMem: def.Memory.Total,
			Memory: currentMemory(def, o.active()), NrVirtCPU: uint16(vcpuCount(def))}
		if o.proc != nil {
			u, s := cpuTime(o.proc.pid)
			ret.CPUTime = u + s
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
// VIR_DOMAIN_XML_INACTIVE the one the next start uses
// (qemuDomainFormatXML). VIR_DOMAIN_XML_MIGRATABLE formats the same
// definition as migrations and save images carry it: a running guest's
// live definition with the CPU it asked for (migratableXML).
func (c *conn) DomainGetXMLDesc(ctx context.Context, dom driver.DomainRef, flags uint32) (string, error) {
	const xmlSecure, xmlInactive, xmlUpdateCPU, xmlMigratable = 1, 2, 4, 8
	if err := unsupportedFlags(flags, xmlSecure|xmlInactive|xmlUpdateCPU|xmlMigratable, "qemuDomainGetXMLDesc"); err != nil {
		return "", err
	}
	if flags&xmlSecure != 0 && c.readOnly {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.OperationDenied, "virDomainGetXMLDesc with secure flag")
	}
	// The CPU of a running guest is already updated (qemuDomainGetXMLDesc).
	var out string
	var orig *cpumap.CPU
	err := c.d.read(dom, func(o *domainObj) error {
		var ff domain.FormatFlags
		if flags&xmlSecure != 0 {
			ff |= domain.FormatSecure
		}
		if o.active() && flags&xmlInactive == 0 {
			flags &^= xmlUpdateCPU
		}
		// A running transient guest has no other definition than its
		// live one, which keeps its original CPU.
		def := o.current()
		if flags&xmlInactive != 0 && (o.live == nil || o.persistent) {
			def = o.inactiveDef()
		} else if o.proc != nil && o.proc.origCPU != nil {
			orig = o.proc.origCPU.Copy()
		}
		switch {
		case flags&xmlMigratable != 0:
			// formatted here, made migratable below, out of the lock
			out = migratableCopyXML(def)
		case flags&xmlUpdateCPU != 0:
			out = def.Format(domain.FormatInactive | domain.FormatSecure)
		default:
			if flags&xmlInactive != 0 {
				ff |= domain.FormatInactive
			}
			out = def.Format(ff)
		}
		return nil
	})
	if err != nil || flags&(xmlMigratable|xmlUpdateCPU) == 0 {
		return out, err
	}
	if flags&xmlMigratable == 0 {
		orig = nil
	}
	return c.d.formatCopy(ctx, out, orig, copyFlags{
		secure:     flags&xmlSecure != 0,
		inactive:   flags&xmlInactive != 0,
		migratable: flags&xmlMigratable != 0,
		updateCPU:  flags&xmlUpdateCPU != 0,
	})
}

// migratableCopyXML is the first half of virDomainDefCopy with
// migratable set: the definition formatted inactive, secure and
// migratable, to be parsed again by migratableXML.
func migratableCopyXML(def *domain.Def) string {
	return def.Format(domain.FormatInactive | domain.FormatSecure | domain.FormatMigratable)
}

// migratableXML is qemuDomainDefFormatBufInternal with
// VIR_DOMAIN_XML_MIGRATABLE: copyXML (migratableCopyXML) is parsed again
// as an inactive definition, then loses what libvirt releases older
// than the devices' elements would not understand (the lone default USB
// controller of an i440FX machine, a lone default pci-root, the default
// panic, ps2 and xen keyboards, the default audio backend, generated
// guest agent channel paths), and takes origCPU, the CPU the guest
// asked for before QEMU updated it (priv->origCPU; nil when it did not).
// The result is formatted inactive and migratable; secure adds secrets.
func (d *Driver) migratableXML(ctx context.Context, copyXML string, origCPU *cpumap.CPU, secure bool) (string, error) {
	return d.formatCopy(ctx, copyXML, origCPU, copyFlags{secure: secure, inactive: true, migratable: true})
}

// copyFlags are the VIR_DOMAIN_XML_* flags formatCopy honours.
type copyFlags struct{ secure, inactive, migratable, updateCPU bool }

// formatCopy is qemuDomainDefFormatBufInternal for the flags that work
// on a copy of the definition (virDomainDefCopy: copyXML parsed again as
// an inactive definition): VIR_DOMAIN_XML_UPDATE_CPU updates the guest
// CPU with the host's migratable host-model CPU (virCPUUpdate), and
// VIR_DOMAIN_XML_MIGRATABLE is described at migratableXML.
func (d *Driver) formatCopy(ctx context.Context, copyXML string, origCPU *cpumap.CPU, f copyFlags) (string, error) {
	def, err := d.parseDef(ctx, copyXML, domain.ParseInactive)
	if err != nil {
		return "", err
	}
	if f.updateCPU && def.CPU != nil && (def.CPU.Mode != "custom" || def.CPU.Model != "") {
		if err := d.updateCPUForXML(ctx, def); err != nil {
			return "", err
		}
	}
	var ff domain.FormatFlags
	if f.migratable {
		if def.Devices != nil {
			d.dropMigrationDefaults(ctx, def)
		}
		if origCPU != nil && def.CPU != nil {
			fromCPUDef(def.CPU, origCPU)
		}
		makeCPUMigratable(def.CPU)
		ff |= domain.FormatInactive | domain.FormatMigratable
	}
	if f.inactive {
		ff |= domain.FormatInactive
	}
	if f.secure {
		ff |= domain.FormatSecure
	}
	return def.Format(ff), nil
}

// updateCPUForXML is VIR_DOMAIN_XML_UPDATE_CPU's virCPUUpdate.
func (d *Driver) updateCPUForXML(ctx context.Context, def *domain.Def) error {
	qc, err := d.caps.Lookup(ctx, d.emulatorOf(copyEmulator(def)))
	if err != nil {
		return err
	}
	arch := ""
	if def.OS != nil {
		arch = def.OS.Arch
	}
	host, err := hostModel(qc, caps.AccelFor(def.Type), arch, probedHostCPU(), true)
	if err != nil {
		return err
	}
	cpu := toCPUDef(def.CPU)
	if err := cpumap.Update(arch, cpu, host); err != nil {
		return err
	}
	fromCPUDef(def.CPU, cpu)
	return nil
}

// copyEmulator is a definition's <emulator> in the form emulatorOf reads.
func copyEmulator(def *domain.Def) string {
	if def.Devices == nil || def.Devices.Emulator == "" {
		return ""
	}
	return "<emulator>" + def.Devices.Emulator + "</emulator>"
}

func (d *Driver) dropMigrationDefaults(ctx context.Context, def *domain.Def) {
	devs := def.Devices
	usb := loneController(devs, "usb")
	if usb != nil {
		ct := usb.Controller()
		if !migratableI440FX(def) || ct.Index != 0 || (ct.Model != "" && ct.Model != "piix3-uhci") || isUserAlias(usb.Info.Alias) {
			usb = nil
		}
	}
	pci := loneController(devs, "pci")
	if pci != nil {
		ct := pci.Controller()
		if ct.Index != 0 || ct.Model != "pci-root" || isUserAlias(pci.Info.Alias) || ct.HasPCIHole64 {
			pci = nil
		}
	}
	removeDevices(devs, "controller", func(g *domain.Device) bool { return g == usb || g == pci })
	removed := false
	removeDevices(devs, "panic", func(g *domain.Device) bool {
		if removed {
			return false
		}
		m := g.Attr("model")
		removed = m == "" || m == "s390"
		return removed
	})
	// virDomainInputDefFormat leaves these out of migratable XML.
	removeDevices(devs, "input", func(g *domain.Device) bool {
		b := g.Attr("bus")
		return g.Attr("type") == "keyboard" && (b == "ps2" || b == "xen")
	})
	for _, ch := range devs.Channels() {
		dropDefaultChannelPath(ch, d.paths.ChannelDir)
	}
	if d.isDefaultAudio(ctx, def) {
		devs.ByKind["audio"] = nil
	}
}

// migratableI440FX is qemuDomainIsI440FX.
func migratableI440FX(def *domain.Def) bool {
	if def.OS == nil || (def.OS.Arch != "x86_64" && def.OS.Arch != "i686") {
		return false
	}
	m := def.OS.Machine
	return m == "pc" || strings.HasPrefix(m, "pc-0.") || strings.HasPrefix(m, "pc-1.") ||
		strings.HasPrefix(m, "pc-i440fx-") || strings.HasPrefix(m, "rhel")
}

// loneController is the only controller of a type, nil when there are
// none or several.
func loneController(devs *domain.Devices, typ string) *domain.Device {
	var lone *domain.Device
	for _, c := range devs.Controllers() {
		if ct := c.Controller(); ct != nil && ct.Type == typ {
			if lone != nil {
				return nil
			}
			lone = c
		}
	}
	return lone
}

func isUserAlias(a string) bool { return strings.HasPrefix(a, "ua-") }

func removeDevices(devs *domain.Devices, kind string, drop func(*domain.Device) bool) {
	list := devs.Kind(kind)
	if len(list) == 0 {
		return
	}
	kept := list[:0:0]
	for _, g := range list {
		if !drop(g) {
			kept = append(kept, g)
		}
	}
	devs.ByKind[kind] = kept
}

// dropDefaultChannelPath is qemuDomainChrDefDropDefaultPath: a virtio
// channel's unix socket under the channel directory, as the driver names
// them, is generated again where the guest goes. The pattern is
// libvirt's, alternation precedence included.
func dropDefaultChannelPath(ch *domain.Device, channelDir string) {
	src := ch.Chr
	if src == nil || src.Type != "unix" || src.Path == "" {
		return
	}
	target := ch.Child("target")
	if target == nil || target.Prop("type") != "virtio" {
		return
	}
	re, err := regexp.Compile("^" + regexp.QuoteMeta(channelDir) + `/([^/]+\.)|(domain-[^/]+/)` + regexp.QuoteMeta(target.Prop("name")) + "$")
	if err == nil && re.MatchString(src.Path) {
		src.Path = ""
	}
}

// isDefaultAudio is qemuDomainDefClearDefaultAudioBackend's test: the
// guest's only <audio> is the one the driver would add to it anyway.
func (d *Driver) isDefaultAudio(ctx context.Context, def *domain.Def) bool {
	auds := def.Devices.Kind("audio")
	if len(auds) != 1 {
		return false
	}
	saved := def.Devices.ByKind["audio"]
	def.Devices.ByKind["audio"] = nil
	bare := def.Format(domain.FormatInactive | domain.FormatSecure)
	def.Devices.ByKind["audio"] = saved
	again, err := d.parseDef(ctx, bare, domain.ParseInactive)
	if err != nil || again.Devices == nil {
		return false
	}
	def2 := again.Devices.Kind("audio")
	if len(def2) != 1 {
		return false
	}
	return sameDevice(auds[0], def2[0])
}

// sameDevice compares two generic devices' attributes and content.
func sameDevice(a, b *domain.Device) bool {
	for _, name := range []string{"id", "type", "timerPeriod", "runtimeDir", "serverName", "driver", "path"} {
		if a.Attr(name) != b.Attr(name) || a.HasAttr(name) != b.HasAttr(name) {
			return false
		}
	}
	an, bn := a.ChildNodes(), b.ChildNodes()
	if len(an) != len(bn) {
		return false
	}
	for i := range an {
		if an[i].String() != bn[i].String() {
			return false
		}
	}
	return true
}

// makeCPUMigratable is qemuDomainMakeCPUMigratable: Icelake-Server once
// listed pconfig, which QEMU never enabled; disabling it explicitly keeps
// older libvirt on the destination from assuming it on.
func makeCPUMigratable(c *domain.CPU) {
	if c == nil || c.Mode != "custom" || c.Model != "Icelake-Server" {
		return
	}
	for i := range c.Features {
		if c.Features[i].Name == "pconfig" {
			c.Features[i].Policy = "disable"
			return
		}
	}
	c.Features = append(c.Features, domain.CPUFeature{Policy: "disable", Name: "pconfig"})
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

// DomainGetVcpusFlags counts vCPUs (vcpu.go, as qemuDomainGetVcpusFlags).
func (c *conn) DomainGetVcpusFlags(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	return c.getVcpusFlags(ctx, dom, flags)
}

// DomainGetSchedulerType is the scheduler libvirt reports for QEMU guests.
func (c *conn) DomainGetSchedulerType(ctx context.Context, dom driver.DomainRef) (driver.DomainGetSchedulerTypeRet, error) {
	if _, err := c.d.lookup(dom); err != nil {
		return driver.DomainGetSchedulerTypeRet{}, err
	}
	return driver.DomainGetSchedulerTypeRet{Type: "posix", Nparams: 0}, nil
}
