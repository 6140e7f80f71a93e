package qemu

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/units"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"
)

// memMaximum is VIR_DOMAIN_MEM_MAXIMUM: the size changed is <memory>,
// not the balloon.
const memMaximum uint32 = 1 << 2

// eventIDBalloonChange is VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE.
const eventIDBalloonChange int32 = 13

// balloonStatsProperty is the virtio-balloon property that sets how often
// the guest driver refreshes its statistics, in seconds.
const balloonStatsProperty = "guest-stats-polling-interval"

// memballoon is the definition's balloon, nil when it has none
// (virDomainDefHasMemballoon: model 'none' is no balloon).
func memballoon(def *domain.Def) *domain.Device {
	if def == nil || def.Devices == nil {
		return nil
	}
	for _, m := range def.Devices.Kind("memballoon") {
		if m.Attr("model") != "none" {
			return m
		}
	}
	return nil
}

// virtioMemKiB sums one <target> size (elem: size or current) of the
// guest's virtio-mem devices: memory the balloon neither sees nor moves.
func virtioMemKiB(def *domain.Def, elem string) uint64 {
	if def == nil || def.Devices == nil {
		return 0
	}
	var sum uint64
	for _, dev := range def.Devices.Kind("memory") {
		if dev.Attr("model") != "virtio-mem" {
			continue
		}
		if t := dev.Child("target"); t != nil {
			if n := t.Child(elem); n != nil {
				if b, err := units.ParseScaled(n.Text, n.Prop("unit"), 1024, 0); err == nil {
					sum += b / 1024
				}
			}
		}
	}
	return sum
}

// balloonableKiB is the memory setmem may give the guest: all of it but
// the virtio-mem devices'.
func balloonableKiB(def *domain.Def) uint64 {
	if v := virtioMemKiB(def, "size"); v < def.Memory.Total {
		return def.Memory.Total - v
	}
	return 0
}

// balloonStatsPeriod is <memballoon><stats period>, 0 when unset.
func balloonStatsPeriod(m *domain.Device) int {
	if st := m.Child("stats"); st != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(st.Prop("period"))); err == nil {
			return n
		}
	}
	return 0
}

// balloonQOMPath is where QEMU keeps the balloon's properties: the PCI
// proxy of a virtio balloon under its alias forwards them. libvirt finds
// the same path by listing /machine/peripheral; the alias names it
// without those round trips.
func balloonQOMPath(m *domain.Device) string {
	alias := m.Info.Alias
	if alias == "" {
		alias = "balloon0"
	}
	return "/machine/peripheral/" + alias
}

// balloonSoftFailure is QEMU's answer when the guest has no active balloon
// device, which libvirt does not count as a monitor failure.
func balloonSoftFailure(err error) bool {
	return qmp.IsClass(err, "DeviceNotActive") || qmp.IsClass(err, "KVMMissingCap")
}

// monitorGone says whether err is QEMU going away rather than an answer,
// which a start failure words from the log instead.
func monitorGone(err error) bool {
	var de *qmp.DisconnectError
	return qmp.IsEOF(err) || errors.As(err, &de) || errors.Is(err, qmp.ErrClosed) || errors.Is(err, context.Canceled)
}

// startSetup is the guest set-up libvirt's qemuProcessLaunch does over
// the monitor before the guest runs: interfaces whose link is down
// (qemuProcessSetLinkStates), the balloon's statistics period and size
// (qemuProcessSetupBalloon), and the balloon size read back
// (qemuProcessRefreshBalloonState). Its commands ride in the start's one
// pipelined batch.
type startSetup struct {
	err     error // set before anything was sent
	links   []linkCall
	period  *qmp.Call
	balloon *qmp.Call
	query   *qmp.Call
	// fullSize: the guest has no balloon, so its current memory is all
	// of it.
	fullSize bool
}

type linkCall struct {
	alias string
	call  *qmp.Call
}

// sendStartSetup sends the set-up commands for def. refresh reads the
// balloon size back, as libvirt does for a fresh start but not for a
// restore (the saved size stands).
func sendStartSetup(ctx context.Context, mon *qmp.Conn, def *domain.Def, refresh bool) *startSetup {
	s := &startSetup{}
	var down []string
	if def.Devices != nil {
		for _, nic := range def.Devices.Interfaces() {
			if childProp(nic, "link", "state") != "down" {
				continue
			}
			if nic.Info.Alias == "" {
				s.err = virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "missing alias for network device")
				return s
			}
			down = append(down, nic.Info.Alias)
		}
	}
	for _, alias := range down {
		s.links = append(s.links, linkCall{alias, mon.Send(ctx, "set_link", map[string]any{"name": alias, "up": false})})
	}
	m := memballoon(def)
	if m == nil {
		// What qemuDomainUpdateCurrentMemorySize makes of it whenever the
		// size is read, after a restore too.
		s.fullSize = true
		return s
	}
	if period := balloonStatsPeriod(m); period > 0 {
		s.period = mon.Send(ctx, "qom-set", map[string]any{"path": balloonQOMPath(m), "property": balloonStatsProperty, "value": period})
	}
	s.balloon = mon.Send(ctx, "balloon", map[string]any{"value": def.Memory.Current * 1024})
	if refresh {
		s.query = mon.Send(ctx, "query-balloon", nil)
	}
	return s
}

// wait collects every answer and records the balloon size in def. The
// first failure is the start's, in libvirt's order.
func (s *startSetup) wait(ctx context.Context, def *domain.Def) error {
	if s == nil {
		return nil
	}
	errs := []error{s.err}
	for _, l := range s.links {
		if _, err := l.call.Wait(ctx); err != nil {
			if !monitorGone(err) {
				err = virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "Couldn't set link state on interface: %s", l.alias)
			}
			errs = append(errs, err)
		}
	}
	if s.period != nil {
		// libvirt goes on without statistics when the period cannot be
		// set; only a dead monitor stops the start.
		if _, err := s.period.Wait(ctx); err != nil && monitorGone(err) {
			errs = append(errs, err)
		}
	}
	if s.balloon != nil {
		if _, err := s.balloon.Wait(ctx); err != nil && !balloonSoftFailure(err) {
			errs = append(errs, err)
		}
	}
	if s.query != nil {
		var b struct {
			Actual *uint64 `json:"actual"`
		}
		err := s.query.WaitInto(ctx, &b)
		switch {
		case err != nil && !balloonSoftFailure(err):
			errs = append(errs, err)
		case err == nil && b.Actual == nil:
			errs = append(errs, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "info balloon reply was missing balloon data"))
		case err == nil:
			def.Memory.Current = *b.Actual/1024 + virtioMemKiB(def, "current")
		}
	}
	if s.fullSize {
		def.Memory.Current = def.Memory.Total
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// balloonChanged handles QEMU's BALLOON_CHANGE
// (qemuProcessHandleBalloonChange): the live current memory follows the
// guest, the status file keeps it and clients get the event.
func (p *qemuProcess) balloonChanged(data json.RawMessage) {
	var ev struct {
		Actual *uint64 `json:"actual"`
	}
	if json.Unmarshal(data, &ev) != nil || ev.Actual == nil {
		return
	}
	kib := (*ev.Actual + 1023) / 1024
	o := p.o
	o.mu.Lock()
	if o.proc != p || o.live == nil {
		o.mu.Unlock()
		return
	}
	// The event tells the balloon's size; the definition's counts the
	// virtio-mem memory too.
	o.live.Memory.Current = kib + virtioMemKiB(o.live, "current")
	ref := o.ref()
	o.mu.Unlock()
	_ = p.d.writeStatus(o)
	p.d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDBalloonChange,
		Payload: &driver.DomainEventBalloonChangeMsg{Dom: ref, Actual: kib}})
}

// currentMemory is the guest's current memory as qemuDomainGetInfo
// reports it: a running guest without a balloon has all of its memory
// (qemuDomainUpdateCurrentMemorySize).
func currentMemory(def *domain.Def, active bool) uint64 {
	if (active && memballoon(def) == nil) || def.Memory.Current == 0 {
		return def.Memory.Total
	}
	return def.Memory.Current
}

// DomainSetMemory sets the running guest's balloon target, in KiB.
func (c *conn) DomainSetMemory(ctx context.Context, dom driver.DomainRef, memory uint64) error {
	return c.setMemory(ctx, dom, memory, affectLive, "virDomainSetMemory")
}

// DomainSetMaxMemory sets <memory> of the persistent definition, in KiB.
func (c *conn) DomainSetMaxMemory(ctx context.Context, dom driver.DomainRef, memory uint64) error {
	return c.setMemory(ctx, dom, memory, memMaximum, "virDomainSetMaxMemory")
}

// DomainSetMemoryFlags sets the balloon target (live) or <currentMemory>
// (config), or with VIR_DOMAIN_MEM_MAXIMUM the persistent <memory>.
func (c *conn) DomainSetMemoryFlags(ctx context.Context, dom driver.DomainRef, memory uint64, flags uint32) error {
	return c.setMemory(ctx, dom, memory, flags, "virDomainSetMemoryFlags")
}

// setMemory is qemuDomainSetMemoryFlags, after the argument checks of
// libvirt's public API that libvirtd runs on the daemon side.
func (c *conn) setMemory(ctx context.Context, dom driver.DomainRef, memory uint64, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if memory == 0 {
		return virterr.InvalidArgument(virterr.FromDomain, function, "memory", "memory in %s must not be zero", function)
	}
	// virMemoryMaxValue: sizes in bytes must fit a long long.
	if memory >= math.MaxInt64/1024 {
		return virterr.NewFrom(virterr.FromDomain, virterr.Overflow, "input too large: %d", memory)
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig|memMaximum, "qemuDomainSetMemoryFlags"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatch"+strings.TrimPrefix(function, "vir")); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	p, live, config, err := o.modificationImpact(flags)
	var liveTotal, configTotal uint64
	var configDef *domain.Def
	if err == nil {
		if live {
			liveTotal = balloonableKiB(o.live)
		}
		if config {
			configDef = o.inactiveDef()
			configTotal = balloonableKiB(configDef)
		}
	}
	o.mu.Unlock()
	if err != nil {
		return err
	}

	if flags&memMaximum != 0 {
		if live {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cannot resize the maximum memory on an active domain")
		}
		if def := configDef; def.CPU != nil && def.CPU.NUMA != nil && len(def.CPU.NUMA.Cells) > 0 {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "initial memory size of a domain with NUMA nodes cannot be modified with this API")
		}
		if configDef.Memory.Max != 0 && configDef.Memory.Max < memory {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cannot set initial memory size greater than the maximum memory size")
		}
		return d.editConfig(o, func(def *domain.Def) error {
			def.Memory.Total = memory
			if def.Memory.Current > memory {
				def.Memory.Current = memory
			}
			return nil
		})
	}

	oldmax := liveTotal
	if config && (!live || oldmax > configTotal) {
		oldmax = configTotal
	}
	if memory > oldmax {
		return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "cannot set memory higher than max memory")
	}
	if live {
		// The live size follows the guest: BALLOON_CHANGE records it.
		if _, err := p.mon.Execute(ctx, "balloon", map[string]any{"value": memory * 1024}); err != nil {
			if balloonSoftFailure(err) {
				return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "Unable to change memory of active domain without the balloon device and guest OS balloon driver")
			}
			return err
		}
	}
	if config {
		return d.editConfig(o, func(def *domain.Def) error {
			def.Memory.Current = memory
			return nil
		})
	}
	return nil
}

// DomainSetMemoryStatsPeriod sets how often the balloon driver refreshes
// the guest's memory statistics, in seconds (0 stops it).
func (c *conn) DomainSetMemoryStatsPeriod(ctx context.Context, dom driver.DomainRef, period int32, flags uint32) error {
	const function = "virDomainSetMemoryStatsPeriod"
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if period < 0 {
		return virterr.InvalidArgument(virterr.FromDomain, function, "period", "period in %s must be zero or greater", function)
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "qemuDomainSetMemoryStatsPeriod"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainSetMemoryStatsPeriod"); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	p, live, config, err := o.modificationImpact(flags)
	var m *domain.Device
	if err == nil && live {
		m = memballoon(o.live)
	}
	o.mu.Unlock()
	if err != nil {
		return err
	}
	noBalloon := func() error {
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "No memory balloon device configured, can not set the collection period")
	}
	if live {
		if m == nil {
			return noBalloon()
		}
		args := map[string]any{"path": balloonQOMPath(m), "property": balloonStatsProperty, "value": period}
		if _, err := p.mon.Execute(ctx, "qom-set", args); err != nil {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "unable to set balloon driver collection period")
		}
		if err := setLiveStatsPeriod(o, int(period)); err != nil {
			return err
		}
		_ = d.writeStatus(o)
	}
	if config {
		return d.editConfig(o, func(def *domain.Def) error {
			if memballoon(def) == nil {
				return noBalloon()
			}
			setStatsPeriod(memballoon(def), int(period))
			return nil
		})
	}
	return nil
}

// setStatsPeriod writes <stats period>; a period of 0 is written as such
// and dropped by the next parse, as libvirt prints no <stats> for it.
func setStatsPeriod(m *domain.Device, period int) {
	m.SetChild(domain.NewNode("stats", "period", strconv.Itoa(period)))
}

// setLiveStatsPeriod changes the running definition's period. Its balloon
// device is replaced by a re-read copy rather than the definition, which
// other state points into.
func setLiveStatsPeriod(o *domainObj, period int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := memballoon(o.live)
	if m == nil {
		return nil
	}
	setStatsPeriod(m, period)
	if period != 0 {
		return nil
	}
	cp, err := copyDef(o.live)
	if err != nil {
		return err
	}
	list := o.live.Devices.ByKind["memballoon"]
	fresh := cp.Devices.Kind("memballoon")
	for i := range list {
		if list[i] == m && i < len(fresh) {
			list[i] = fresh[i]
		}
	}
	return nil
}

// modificationImpact resolves AFFECT_CURRENT and checks the flags against
// the domain (virDomainObjUpdateModificationImpact). The caller holds
// o.mu; p is the running process when live is set.
func (o *domainObj) modificationImpact(flags uint32) (p *qemuProcess, live, config bool, err error) {
	live, config = flags&affectLive != 0, flags&affectConfig != 0
	if !live && !config {
		live, config = o.active(), !o.active()
	}
	if live && !o.active() {
		return nil, false, false, notRunning()
	}
	if config && !o.persistent {
		return nil, false, false, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "transient domains do not have any persistent config")
	}
	return o.proc, live, config, nil
}

// editConfig changes a copy of the persistent definition, saves it and
// makes it the definition the next start uses (virDomainDefSave on the
// persistent definition).
func (d *Driver) editConfig(o *domainObj, edit func(def *domain.Def) error) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	def, err := copyDef(o.inactiveDef())
	if err != nil {
		return err
	}
	if err := edit(def); err != nil {
		return err
	}
	// A second copy settles what the edit wrote as a parse would (a
	// zero statistics period disappears).
	if def, err = copyDef(def); err != nil {
		return err
	}
	if err := d.saveConfig(def); err != nil {
		return err
	}
	if o.active() {
		o.newDef = def
	} else {
		o.def = def
	}
	return nil
}

// Memory statistic tags (virDomainMemoryStatTags) the balloon reports.
const (
	memStatSwapIn         int32 = 0
	memStatSwapOut        int32 = 1
	memStatMajorFault     int32 = 2
	memStatMinorFault     int32 = 3
	memStatUnused         int32 = 4
	memStatAvailable      int32 = 5
	memStatUsable         int32 = 8
	memStatLastUpdate     int32 = 9
	memStatDiskCaches     int32 = 10
	memStatHugetlbPgalloc int32 = 11
	memStatHugetlbPgfail  int32 = 12
)

// guestStatFields are the balloon's guest-stats in libvirt's order, with
// the divisor that makes bytes KiB (GET_BALLOON_STATS).
var guestStatFields = []struct {
	name    string
	tag     int32
	divisor uint64
}{
	{"stat-swap-in", memStatSwapIn, 1024},
	{"stat-swap-out", memStatSwapOut, 1024},
	{"stat-major-faults", memStatMajorFault, 1},
	{"stat-minor-faults", memStatMinorFault, 1},
	{"stat-free-memory", memStatUnused, 1024},
	{"stat-total-memory", memStatAvailable, 1024},
	{"stat-available-memory", memStatUsable, 1024},
	{"last-update", memStatLastUpdate, 1},
	{"stat-disk-caches", memStatDiskCaches, 1024},
	{"stat-htlb-pgalloc", memStatHugetlbPgalloc, 1},
	{"stat-htlb-pgfail", memStatHugetlbPgfail, 1},
}

// balloonStats is what the balloon tells of the guest's memory
// (qemuMonitorJSONGetMemoryStats): its size, then the statistics the
// guest driver last reported — none it does not collect (QEMU's -1), and
// last_update 0 while no period is set. The process's RSS, which
// libvirt's dommemstat adds, is not among them. Both questions go in one
// round trip.
func (p *qemuProcess) balloonStats(ctx context.Context, def *domain.Def) ([]driver.DomainMemoryStat, error) {
	m := memballoon(def)
	if m == nil {
		return nil, nil
	}
	sizeCall := p.mon.Send(ctx, "query-balloon", nil)
	statsCall := p.mon.Send(ctx, "qom-get", map[string]any{"path": balloonQOMPath(m), "property": "guest-stats"})
	var size struct {
		Actual *uint64 `json:"actual"`
	}
	sizeErr := sizeCall.WaitInto(ctx, &size)
	var guest struct {
		LastUpdate *json.Number            `json:"last-update"`
		Stats      map[string]*json.Number `json:"stats"`
	}
	statsErr := statsCall.WaitInto(ctx, &guest)
	var out []driver.DomainMemoryStat
	switch {
	case sizeErr == nil && size.Actual != nil:
		out = append(out, driver.DomainMemoryStat{Tag: memStatActualBalloon, Val: *size.Actual / 1024})
	case sizeErr == nil:
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "info balloon reply was missing balloon data")
	case !balloonSoftFailure(sizeErr):
		return nil, sizeErr
	}
	var ce *qmp.CommandError
	switch {
	case errors.As(statsErr, &ce) && ce.Class == "GenericError" && ce.Desc == "guest hasn't updated any stats yet":
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported, "the guest hasn't updated any stats yet")
	case errors.As(statsErr, &ce):
		// A balloon without the property: libvirt finds no path to ask.
		return out, nil
	case statsErr != nil:
		return nil, statsErr
	case guest.Stats == nil:
		return out, nil
	}
	for _, f := range guestStatFields {
		v := guest.Stats[f.name]
		if f.name == "last-update" {
			v = guest.LastUpdate
		}
		if v == nil {
			continue
		}
		n, err := strconv.ParseUint(v.String(), 10, 64)
		if err != nil || n == math.MaxUint64 {
			continue
		}
		out = append(out, driver.DomainMemoryStat{Tag: f.tag, Val: n / f.divisor})
	}
	return out, nil
}
