package qemu

import (
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govirt/govirt/internal/atomicfile"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/domaindefaults"
	"github.com/govirt/govirt/virt/virterr"
)

// Domain states (virDomainState) and the reasons this driver reports.
const (
	stateNoState  int32 = 0
	stateRunning  int32 = 1
	statePaused   int32 = 3
	stateShutdown int32 = 4
	stateShutoff  int32 = 5
	stateCrashed  int32 = 6

	runningBooted   int32 = 1
	runningRestored int32 = 3
	runningUnpaused int32 = 5
	runningCrashed  int32 = 9

	pausedUser       int32 = 1
	pausedSave       int32 = 3
	pausedShutdown   int32 = 8
	pausedStartingUp int32 = 11

	shutdownUser int32 = 1

	shutoffUnknown   int32 = 0
	shutoffShutdown  int32 = 1
	shutoffDestroyed int32 = 2
	shutoffCrashed   int32 = 3
	shutoffSaved     int32 = 5
	shutoffFailed    int32 = 6
	shutoffDaemon    int32 = 8
)

// Lifecycle events (virDomainEventType) and details.
const (
	evDefined     int32 = 0
	evUndefined   int32 = 1
	evStarted     int32 = 2
	evSuspended   int32 = 3
	evResumed     int32 = 4
	evStopped     int32 = 5
	evShutdown    int32 = 6
	evCrashedType int32 = 8

	detDefinedAdded   int32 = 0
	detDefinedUpdated int32 = 1
	detUndefRemoved   int32 = 0

	detStartedBooted   int32 = 0
	detStartedRestored int32 = 2

	detSuspendedPaused int32 = 0
	detResumedUnpaused int32 = 0

	detStoppedShutdown  int32 = 0
	detStoppedDestroyed int32 = 1
	detStoppedCrashed   int32 = 2
	detStoppedSaved     int32 = 4
	detStoppedFailed    int32 = 5

	detShutdownFinished int32 = 0
	detShutdownGuest    int32 = 1
	detShutdownHost     int32 = 2
)

// Event IDs (VIR_DOMAIN_EVENT_ID_*).
const (
	eventIDLifecycle     int32 = 0
	eventIDReboot        int32 = 1
	eventIDDeviceRemoved int32 = 15
)

// domainObj is one domain (virDomainObj). mu guards every field and is
// held only briefly; long operations hold the job instead, so queries never
// wait behind them.
type domainObj struct {
	mu sync.Mutex
	// statusMu orders the status file's writes and its removal at stop;
	// taken before mu, never while holding it.
	statusMu sync.Mutex

	// agentWait is the guest agent's response timeout set through the
	// API (priv->agentTimeout), kept as its distance from
	// qga.TimeoutBlock so that the zero value blocks; atomic, as the
	// status file is formatted under mu.
	agentWait atomic.Int32

	// def is the persistent definition (or, for a transient domain, the
	// one it was created from); live is the running one; newDef holds a
	// config changed while running, applied at the next shutdown.
	def    *domain.Def
	live   *domain.Def
	newDef *domain.Def

	persistent bool
	autostart  bool
	id         int32
	state      int32
	reason     int32
	stateTime  time.Time

	proc *qemuProcess
	job  jobLock

	// removeOnStop drops a transient domain from the list when it stops.
	removing bool
}

func (o *domainObj) name() string { return o.def.Name }

func (o *domainObj) ref() driver.DomainRef {
	return driver.DomainRef{Name: o.def.Name, UUID: driver.UUID(o.def.UUID), ID: o.id}
}

func (o *domainObj) active() bool { return o.proc != nil }

// current is the definition queries show: the live one while running.
func (o *domainObj) current() *domain.Def {
	if o.live != nil {
		return o.live
	}
	return o.def
}

// inactiveDef is the definition the next start uses.
func (o *domainObj) inactiveDef() *domain.Def {
	if o.newDef != nil {
		return o.newDef
	}
	return o.def
}

func (o *domainObj) setState(state, reason int32) {
	o.state, o.reason = state, reason
	o.stateTime = time.Now()
}

// emit sends a lifecycle event for o.
func (d *Driver) emit(ref driver.DomainRef, event, detail int32) {
	d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDLifecycle,
		Payload: &driver.DomainEventLifecycleMsg{Dom: ref, Event: event, Detail: detail}})
}

// lookup finds a domain by the UUID of a reference (qemuDomainObjFromDomain).
func (d *Driver) lookup(ref driver.DomainRef) (*domainObj, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, o := range d.domains {
		if driver.UUID(o.def.UUID) == ref.UUID {
			return o, nil
		}
	}
	return nil, virterr.NewFrom(virterr.FromQemu, virterr.NoDomain,
		"no domain with matching uuid '%s' (%s)", uuid.UUID(ref.UUID), ref.Name)
}

func (d *Driver) findByName(name string) *domainObj {
	for _, o := range d.domains {
		if o.def.Name == name {
			return o
		}
	}
	return nil
}

func (d *Driver) findByUUID(u uuid.UUID) *domainObj {
	for _, o := range d.domains {
		if o.def.UUID == u {
			return o
		}
	}
	return nil
}

func (d *Driver) removeObj(o *domainObj) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, x := range d.domains {
		if x == o {
			d.domains = append(d.domains[:i], d.domains[i+1:]...)
			return
		}
	}
}

// parseDef reads domain XML with the QEMU driver's defaults.
func (d *Driver) parseDef(ctx context.Context, xml string, flags domain.ParseFlags) (*domain.Def, error) {
	opts := domaindefaults.Options{Flags: flags}
	if qc, err := d.caps.Lookup(ctx, d.emulatorOf(xml)); err == nil {
		opts.Caps = qc
	}
	return domaindefaults.Parse([]byte(xml), opts)
}

// emulatorOf finds <emulator> cheaply so the right capabilities apply.
func (d *Driver) emulatorOf(xml string) string {
	if i := strings.Index(xml, "<emulator>"); i >= 0 {
		rest := xml[i+len("<emulator>"):]
		if j := strings.Index(rest, "</emulator>"); j >= 0 {
			if p := strings.TrimSpace(rest[:j]); p != "" {
				return p
			}
		}
	}
	return d.Emulator
}

// copyDef duplicates a definition through its status form, which keeps
// runtime data (aliases, pty paths) that a plain copy would lose.
func copyDef(def *domain.Def) (*domain.Def, error) {
	return domain.Parse([]byte(def.Format(domain.FormatSecure|domain.FormatStatus)), domain.ParseStatus)
}

// saveConfig writes a persistent definition atomically.
func (d *Driver) saveConfig(def *domain.Def) error {
	data := xmlbuf.SaveWarning("edit", def.Name) + def.Format(domain.FormatInactive|domain.FormatSecure)
	return atomicfile.Write(d.paths.ConfigFile(def.Name), []byte(data), 0o600)
}

// loadConfigs reads every persistent definition (qemuStateInitialize's
// virDomainObjListLoadAllConfigs).
func (d *Driver) loadConfigs() error {
	entries, err := os.ReadDir(d.paths.ConfigDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".xml")
		if !ok || e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		data, err := os.ReadFile(d.paths.ConfigFile(name))
		if err != nil {
			continue
		}
		def, err := d.parseDef(context.Background(), string(data), domain.ParseInactive)
		if err != nil {
			d.log.Warn("cannot load domain config", "file", d.paths.ConfigFile(name), "err", err)
			continue
		}
		if def.Name != name {
			d.log.Warn("domain config name mismatch", "file", name, "name", def.Name)
			continue
		}
		o := &domainObj{def: def, persistent: true, id: -1}
		o.setState(stateShutoff, shutoffUnknown)
		if _, err := os.Stat(d.paths.AutostartLink(name)); err == nil {
			o.autostart = true
		}
		d.domains = append(d.domains, o)
	}
	return nil
}
