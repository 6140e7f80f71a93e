package test

import (
	"strconv"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// More states, reasons and event details of libvirt's enums.
const (
	stateBlocked     int32 = 2
	stateShutdown    int32 = 4
	stateCrashed     int32 = 6
	statePMSuspended int32 = 7

	runningRestored     int32 = 3 // VIR_DOMAIN_RUNNING_RESTORED
	runningFromSnapshot int32 = 4 // VIR_DOMAIN_RUNNING_FROM_SNAPSHOT
	pausedFromSnapshot  int32 = 7 // VIR_DOMAIN_PAUSED_FROM_SNAPSHOT
	shutoffShutdown     int32 = 1 // VIR_DOMAIN_SHUTOFF_SHUTDOWN
	shutoffCrashed      int32 = 3
	shutoffSaved        int32 = 5
	shutoffFailed       int32 = 6
	shutoffFromSnapshot int32 = 7

	detailRenamedDefined   int32 = 2 // VIR_DOMAIN_EVENT_DEFINED_RENAMED
	detailRenamedUndefined int32 = 1 // VIR_DOMAIN_EVENT_UNDEFINED_RENAMED
	detailStartedRestored  int32 = 2
	detailStartedSnapshot  int32 = 3
	detailSuspendedSnap    int32 = 5 // VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT
	detailResumedSnapshot  int32 = 2 // VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT
	detailStoppedShutdown  int32 = 0
	detailStoppedCrashed   int32 = 2
	detailStoppedSaved     int32 = 4
	detailStoppedSnapshot  int32 = 6

	eventIDMetadataChange int32 = 23 // VIR_DOMAIN_EVENT_ID_METADATA_CHANGE

	affectLive   uint32 = 1 << 0
	affectConfig uint32 = 1 << 1
)

// domainPrivate is what libvirt's test driver keeps per domain besides
// the definition (testDomainObjPrivate): frozen filesystems, the guest
// clock.
type domainPrivate struct {
	frozen   [2]bool
	seconds  int64
	nseconds uint32
	// iothreads are the polling settings of IOThreads added through the
	// API (testIOThreadInfo); those of the XML have none.
	iothreads []ioThreadPoll
}

// ioThreadPoll is one IOThread's polling settings.
type ioThreadPoll struct {
	id                   uint32
	pollMaxNs            uint64
	pollGrow, pollShrink uint32
}

func newPrivate() domainPrivate { return domainPrivate{seconds: 627319920} }

// event is one emission to make once the state lock is released.
type event func()

// update runs fn on the domain with the node locked, then emits the events
// fn returned.
func (c *conn) update(dom driver.DomainRef, fn func(o *domainObj) ([]event, error)) error {
	c.st.mu.Lock()
	o, err := c.st.find(dom)
	var evs []event
	if err == nil {
		evs, err = fn(o)
	}
	c.st.mu.Unlock()
	for _, e := range evs {
		e()
	}
	return err
}

// read runs fn on the domain with the node locked.
func (c *conn) read(dom driver.DomainRef, fn func(o *domainObj) error) error {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return err
	}
	return fn(o)
}

func (st *state) lifecycleEvent(o *domainObj, event, detail int32) event {
	ref := o.ref()
	return func() {
		st.events.Emit(ref, driver.Event{
			Kind:    driver.EventDomain,
			ID:      eventIDLifecycle,
			Payload: &driver.DomainEventLifecycleMsg{Dom: ref, Event: event, Detail: detail},
		})
	}
}

func errf(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromTest, code, format, args...)
}

// checkActive is virDomainObjCheckActive, which reports from
// domain_conf.c (VIR_FROM_DOMAIN), not from the driver.
func checkActive(o *domainObj) error {
	if !o.active() {
		return domainErr(virterr.OperationInvalid, "domain is not running")
	}
	return nil
}

// copyDef copies a definition through its XML, as virDomainDefCopy does.
func copyDef(def *domain.Def) (*domain.Def, error) {
	return reparse(def, nil)
}

// reparse writes def, lets edit change the XML tree, and reads it back:
// the way this driver changes parts of a definition that the domain
// package keeps as XML.
func reparse(def *domain.Def, edit func(root *xmltree.Node) error) (*domain.Def, error) {
	root, err := xmltree.Parse([]byte(def.Format(domain.FormatSecure)), "(domain_definition)")
	if err != nil {
		return nil, err
	}
	if edit != nil {
		if err := edit(root); err != nil {
			return nil, err
		}
	}
	flags := domain.ParseFlags(0)
	if def.ID < 0 {
		flags = domain.ParseInactive
	}
	out, err := domain.ParseNode(root, flags)
	if err != nil {
		return nil, err
	}
	if err := postParse(out); err != nil {
		return nil, err
	}
	out.ID = def.ID
	return out, nil
}

// modificationImpact resolves VIR_DOMAIN_AFFECT_* against the domain's
// state (virDomainObjUpdateModificationImpact).
func modificationImpact(o *domainObj, flags uint32) (uint32, error) {
	flags &= affectLive | affectConfig
	if flags == 0 {
		if o.active() {
			flags = affectLive
		} else {
			flags = affectConfig
		}
	}
	if flags&affectLive != 0 && !o.active() {
		return 0, domainErr(virterr.OperationInvalid, "domain is not running")
	}
	if flags&affectConfig != 0 && !o.persistent {
		return 0, domainErr(virterr.OperationInvalid, "transient domains do not have any persistent config")
	}
	return flags, nil
}

// oneDef is virDomainObjGetOneDefState: the single definition flags
// select, and whether it is the live one.
func oneDef(o *domainObj, flags uint32) (*domain.Def, bool, error) {
	if flags&affectLive != 0 && flags&affectConfig != 0 {
		return nil, false, errf(virterr.InvalidArg, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive")
	}
	f, err := modificationImpact(o, flags)
	if err != nil {
		return nil, false, err
	}
	if f&affectLive != 0 {
		return o.def, true, nil
	}
	return o.persistentDef(), false, nil
}

// setDef stores a changed copy of the definition oneDef returned.
func setDef(o *domainObj, live bool, def *domain.Def) {
	if live || !o.active() || o.newDef == nil {
		def.ID = o.def.ID
		o.def = def
		return
	}
	def.ID = -1
	o.newDef = def
}

// bothDefs is virDomainObjGetDefs: the live and the persistent definition
// flags select (nil when not selected).
func bothDefs(o *domainObj, flags uint32) (live, config bool, err error) {
	f, err := modificationImpact(o, flags)
	if err != nil {
		return false, false, err
	}
	return f&affectLive != 0, f&affectConfig != 0, nil
}

// generateIfnames names every interface without a target device
// "testnetN" with the lowest N no interface uses (testDomainGenerateIfnames).
func generateIfnames(def *domain.Def) (*domain.Def, error) {
	if def.Devices == nil || len(def.Devices.Interfaces()) == 0 {
		return def, nil
	}
	return reparse(def, func(root *xmltree.Node) error {
		devs := root.Child("devices")
		if devs == nil {
			return nil
		}
		used := map[string]bool{}
		nets := devs.ChildrenNamed("interface")
		for _, n := range nets {
			if t := n.Child("target"); t != nil && t.Prop("dev") != "" {
				used[t.Prop("dev")] = true
			}
		}
		for _, n := range nets {
			t := n.Child("target")
			if t != nil && t.Prop("dev") != "" {
				continue
			}
			name := ""
			for i := 0; i < 1024; i++ {
				if cand := "testnet" + strconv.Itoa(i); !used[cand] {
					name = cand
					break
				}
			}
			if name == "" {
				return errf(virterr.InternalError, "Exceeded max iface limit %d", 1024)
			}
			used[name] = true
			if t == nil {
				t = &xmltree.Node{Name: "target", Parent: n, Segments: []string{""}}
				n.Children = append(n.Children, t)
				n.Segments = append(n.Segments, "")
			}
			t.Attrs = append(t.Attrs, xmltree.Attr{Name: "dev", Value: name})
		}
		return nil
	})
}
