package test

import (
	"context"
	"slices"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// libvirt's domain states and reasons (virDomainState …); the driver layer
// does not import the public API, so the values it needs are named here.
const (
	stateRunning  int32 = 1
	statePaused   int32 = 3
	stateShutoff  int32 = 5
	stateLast     int32 = 7 // VIR_DOMAIN_PMSUSPENDED, the last state
	runningBooted int32 = 1 // VIR_DOMAIN_RUNNING_BOOTED
	runningUnpaus int32 = 5 // VIR_DOMAIN_RUNNING_UNPAUSED
	pausedUser    int32 = 1 // VIR_DOMAIN_PAUSED_USER
	shutoffDestr  int32 = 2 // VIR_DOMAIN_SHUTOFF_DESTROYED
)

// Lifecycle events (virDomainEventType) and their details.
const (
	eventDefined     int32  = 0
	eventUndefined   int32  = 1
	eventStarted     int32  = 2
	eventSuspended   int32  = 3
	eventResumed     int32  = 4
	eventStopped     int32  = 5
	detailAdded      int32  = 0 // VIR_DOMAIN_EVENT_DEFINED_ADDED
	detailUpdated    int32  = 1 // VIR_DOMAIN_EVENT_DEFINED_UPDATED
	detailRemoved    int32  = 0 // VIR_DOMAIN_EVENT_UNDEFINED_REMOVED
	detailBooted     int32  = 0 // VIR_DOMAIN_EVENT_STARTED_BOOTED
	detailPaused     int32  = 0 // VIR_DOMAIN_EVENT_SUSPENDED_PAUSED
	detailUnpaused   int32  = 0 // VIR_DOMAIN_EVENT_RESUMED_UNPAUSED
	detailDestroyed  int32  = 1 // VIR_DOMAIN_EVENT_STOPPED_DESTROYED
	eventIDLifecycle int32  = 0 // VIR_DOMAIN_EVENT_ID_LIFECYCLE
	xmlInactive      uint32 = 1 << 1
	destroyGraceful  uint32 = 1 << 0
	startPaused      uint32 = 1 << 0
	startValidate    uint32 = 1 << 4
	defineValidate   uint32 = 1 << 0
	// VIR_DOMAIN_UNDEFINE_MANAGED_SAVE and _SNAPSHOTS_METADATA: libvirt
	// 9.0's test driver refuses the NVRAM, checkpoint and TPM flags.
	undefineKnownFlags uint32 = 1<<0 | 1<<1
)

// domainObj is one domain (virDomainObj): the live definition and, while a
// persistent domain runs, the definition it will boot next.
type domainObj struct {
	def           *domain.Def
	newDef        *domain.Def
	state, reason int32
	priv          domainPrivate
	snapshots     *momentTree // nil until used: snapshotTree
	checkpoints   *momentTree // nil until used: checkpointTree
	// indexedName and indexedID are the keys st.byName and st.byID hold
	// this domain under.
	indexedName    string
	indexedID      int32
	persistent     bool
	autostart      bool
	hasManagedSave bool
}

func (o *domainObj) active() bool { return o.def.ID >= 0 }

func (o *domainObj) ref() driver.DomainRef {
	return driver.DomainRef{Name: o.def.Name, UUID: driver.UUID(o.def.UUID), ID: int32(o.def.ID)}
}

// persistentDef is the definition the domain boots with next.
func (o *domainObj) persistentDef() *domain.Def {
	if o.newDef != nil {
		return o.newDef
	}
	return o.def
}

// postParse applies what libvirt's parser and the test driver's callbacks
// fill in: defaults, with i686 as the guest architecture.
func postParse(def *domain.Def) error {
	return def.PostParse(domain.PostParseOptions{DefaultArch: func(string, string) string { return "i686" }})
}

// parseDomain reads a definition being defined or started; validate runs
// the semantic checks (not for a saved image's definition, which libvirt
// reads back without them).
func parseDomain(xml string, validate bool) (*domain.Def, error) {
	def, err := domain.Parse([]byte(xml), domain.ParseInactive)
	if err != nil {
		return nil, err
	}
	if err := checkVirtType(def); err != nil {
		return nil, err
	}
	if err := def.CheckOSType(); err != nil {
		return nil, err
	}
	if err := postParse(def); err != nil {
		return nil, err
	}
	if validate {
		if err := def.Validate(); err != nil {
			return nil, err
		}
	}
	return generateIfnames(def)
}

// virtTypes are the <domain type> values libvirt 9.0's parser knows
// (virDomainVirtType; "ch" is refused by the build virsh runs here).
var virtTypes = []string{"none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test",
	"vmware", "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz"}

// checkVirtType refuses a hypervisor type libvirt's parser does not know;
// domain.Parse keeps it, never rejecting what it once accepted.
func checkVirtType(def *domain.Def) error {
	if def.Type != "" && !slices.Contains(virtTypes, def.Type) {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "invalid domain type %s", def.Type)
	}
	return nil
}

// add puts def in the list as virDomainObjListAdd does: a UUID match
// replaces that domain's (next) definition, a name match under another
// UUID is refused. live says the definition is for a domain being started.
func (st *state) add(def *domain.Def, live bool) (obj *domainObj, existed bool, err error) {
	if o := st.byUUID[driver.UUID(def.UUID)]; o != nil {
		if o.def.Name != def.Name {
			return nil, false, virterr.NewFrom(virterr.FromTest, virterr.OperationFailed,
				"domain '%s' is already defined with uuid %s", o.def.Name, o.def.UUID)
		}
		if live {
			if o.active() {
				return nil, false, virterr.NewFrom(virterr.FromTest, virterr.OperationInvalid, "domain '%s' is already active", o.def.Name)
			}
			if !o.persistent {
				return nil, false, virterr.NewFrom(virterr.FromTest, virterr.OperationInvalid, "domain '%s' is already being started", o.def.Name)
			}
		}
		if o.active() && !live {
			o.newDef = def
		} else {
			def.ID = o.def.ID
			o.def = def
		}
		st.reindex(o)
		return o, true, nil
	}
	if o := st.byName[def.Name]; o != nil {
		return nil, false, virterr.NewFrom(virterr.FromTest, virterr.OperationFailed,
			"domain '%s' already exists with uuid %s", def.Name, o.def.UUID)
	}
	def.ID = -1
	obj = &domainObj{def: def, state: stateShutoff, priv: newPrivate(), indexedID: -1}
	st.domains = append(st.domains, obj)
	st.byUUID[driver.UUID(def.UUID)] = obj
	st.reindex(obj)
	return obj, false, nil
}

func (st *state) remove(obj *domainObj) {
	if st.byUUID[driver.UUID(obj.def.UUID)] == obj {
		delete(st.byUUID, driver.UUID(obj.def.UUID))
	}
	if st.byName[obj.indexedName] == obj {
		delete(st.byName, obj.indexedName)
	}
	if st.byID[obj.indexedID] == obj {
		delete(st.byID, obj.indexedID)
	}
	if i := slices.Index(st.domains, obj); i >= 0 {
		st.domains = slices.Delete(st.domains, i, i+1)
	}
}

// reindex files o under its current name and id (virDomainObjList keeps
// hash tables by UUID and name; the id one saves LOOKUP_BY_ID a scan).
// Whatever replaces or renames a definition, starts or stops a domain
// calls it; lookups still check what they find, so a missed call costs a
// scan, not a wrong answer.
func (st *state) reindex(o *domainObj) {
	if name := o.def.Name; name != o.indexedName {
		if st.byName[o.indexedName] == o {
			delete(st.byName, o.indexedName)
		}
		st.byName[name] = o
		o.indexedName = name
	}
	id := int32(-1)
	if o.active() {
		id = int32(o.def.ID)
	}
	if id != o.indexedID {
		if st.byID[o.indexedID] == o {
			delete(st.byID, o.indexedID)
		}
		if id >= 0 {
			st.byID[id] = o
		}
		o.indexedID = id
	}
}

// lookupName finds a domain by name.
func (st *state) lookupName(name string) *domainObj {
	if o := st.byName[name]; o != nil && o.def.Name == name {
		return o
	}
	for _, o := range st.domains {
		if o.def.Name == name {
			return o
		}
	}
	return nil
}

// startState gives a starting domain its id (testDomainStartState).
func (st *state) startState(obj *domainObj, reason int32) {
	obj.state, obj.reason = stateRunning, reason
	obj.def.ID = int(st.nextID)
	st.nextID++
	st.reindex(obj)
	if obj.persistent && obj.newDef == nil {
		// virDomainObjSetDefTransient: config changes while running go
		// to a copy that becomes the definition at shutdown.
		if cp, err := copyDef(obj.def); err == nil {
			cp.ID = -1
			obj.newDef = cp
		}
	}
	obj.hasManagedSave = false
}

// shutdownState stops a domain (testDomainShutdownState): a pending
// definition becomes the current one.
func (st *state) shutdownState(obj *domainObj, reason int32) {
	if obj.newDef != nil {
		obj.def, obj.newDef = obj.newDef, nil
	}
	obj.state, obj.reason = stateShutoff, reason
	obj.def.ID = -1
	st.reindex(obj)
}

func (st *state) lifecycle(obj *domainObj, event, detail int32) {
	ref := obj.ref()
	st.events.Emit(ref, driver.Event{
		Kind:    driver.EventDomain,
		ID:      eventIDLifecycle,
		Payload: &driver.DomainEventLifecycleMsg{Dom: ref, Event: event, Detail: detail},
	})
}

// find looks a domain up by the UUID of a reference (testDomObjFromDomain).
func (st *state) find(ref driver.DomainRef) (*domainObj, error) {
	if o := st.byUUID[ref.UUID]; o != nil && driver.UUID(o.def.UUID) == ref.UUID {
		return o, nil
	}
	for _, o := range st.domains {
		if driver.UUID(o.def.UUID) == ref.UUID {
			return o, nil
		}
	}
	return nil, virterr.NewFrom(virterr.FromTest, virterr.NoDomain,
		"no domain with matching uuid '%s' (%s)", uuid.UUID(ref.UUID), ref.Name)
}

func (c *conn) denyReadOnly(function string) error {
	if c.readOnly {
		return virterr.NewFrom(virterr.FromTest, virterr.OperationDenied, "read only access prevents %s", function)
	}
	return nil
}

func noDomain() error { return virterr.NewFrom(virterr.FromTest, virterr.NoDomain, "") }

// unsupportedFlags words libvirt's virCheckFlags error, which names the
// C function of the driver.
func unsupportedFlags(flags, known uint32, function string) error {
	if flags&^known != 0 {
		return virterr.UnsupportedFlags(virterr.FromTest, uint64(flags&^known), function)
	}
	return nil
}

// DomainLookupByID finds a running domain by id.
func (c *conn) DomainLookupByID(ctx context.Context, id int32) (driver.DomainRef, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	if o := c.st.byID[id]; o != nil && o.active() && int32(o.def.ID) == id {
		return o.ref(), nil
	}
	for _, o := range c.st.domains {
		if o.active() && int32(o.def.ID) == id {
			return o.ref(), nil
		}
	}
	return driver.DomainRef{}, noDomain()
}

// DomainLookupByName finds a domain by name.
func (c *conn) DomainLookupByName(ctx context.Context, name string) (driver.DomainRef, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	if o := c.st.lookupName(name); o != nil {
		return o.ref(), nil
	}
	return driver.DomainRef{}, noDomain()
}

// DomainLookupByUUID finds a domain by UUID.
func (c *conn) DomainLookupByUUID(ctx context.Context, u driver.UUID) (driver.DomainRef, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	if o, err := c.st.find(driver.DomainRef{UUID: u}); err == nil {
		return o.ref(), nil
	}
	return driver.DomainRef{}, noDomain()
}

// ConnectNumOfDomains counts running domains.
func (c *conn) ConnectNumOfDomains(ctx context.Context) (int32, error) {
	ids, _ := c.ConnectListDomains(ctx, 1<<30)
	return int32(len(ids)), nil
}

// ConnectListDomains lists the ids of running domains.
func (c *conn) ConnectListDomains(ctx context.Context, maxids int32) ([]int32, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	ids := []int32{}
	for _, o := range c.st.domains {
		if o.active() && int32(len(ids)) < maxids {
			ids = append(ids, int32(o.def.ID))
		}
	}
	return ids, nil
}

// ConnectNumOfDefinedDomains counts inactive domains.
func (c *conn) ConnectNumOfDefinedDomains(ctx context.Context) (int32, error) {
	names, _ := c.ConnectListDefinedDomains(ctx, 1<<30)
	return int32(len(names)), nil
}

// ConnectListDefinedDomains lists the names of inactive domains.
func (c *conn) ConnectListDefinedDomains(ctx context.Context, maxnames int32) ([]string, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	names := []string{}
	for _, o := range c.st.domains {
		if !o.active() && int32(len(names)) < maxnames {
			names = append(names, o.def.Name)
		}
	}
	return names, nil
}

// listFilters are the pairs of VIR_CONNECT_LIST_DOMAINS_* flags that each
// filter on one property; a pair with neither bit set lets all through.
var listFilters = []struct {
	yes, no uint32
	has     func(*domainObj) bool
}{
	{1 << 0, 1 << 1, (*domainObj).active},
	{1 << 2, 1 << 3, func(o *domainObj) bool { return o.persistent }},
	{1 << 8, 1 << 9, func(o *domainObj) bool { return o.hasManagedSave }},
	{1 << 10, 1 << 11, func(o *domainObj) bool { return o.autostart }},
	{1 << 12, 1 << 13, func(o *domainObj) bool { return o.snapshotCount() > 0 }},
	{1 << 14, 1 << 15, func(o *domainObj) bool { return o.checkpointCount() > 0 }},
}

const (
	listRunning = 1 << 4
	listPaused  = 1 << 5
	listShutoff = 1 << 6
	listOther   = 1 << 7
	listAll     = 1<<16 - 1
)

func matchesList(o *domainObj, flags uint32) bool {
	for _, f := range listFilters {
		if flags&(f.yes|f.no) != 0 && !driver.MatchesFilterPair(flags, f.yes, f.no, f.has(o)) {
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
	if err := unsupportedFlags(flags, listAll, "testConnectListAllDomains"); err != nil {
		return driver.ConnectListAllDomainsRet{}, err
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	var ret driver.ConnectListAllDomainsRet
	for _, o := range c.st.domains {
		if matchesList(o, flags) {
			if needResults != 0 {
				ret.Domains = append(ret.Domains, o.ref())
			}
			ret.Ret++
		}
	}
	return ret, nil
}

// DomainGetInfo reports state, memory, vcpus and (as libvirt's test
// driver does) the time of day as CPU time.
func (c *conn) DomainGetInfo(ctx context.Context, dom driver.DomainRef) (driver.DomainGetInfoRet, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return driver.DomainGetInfoRet{}, err
	}
	vcpus := o.def.VCPU.Current
	if vcpus == 0 {
		vcpus = o.def.VCPU.Max
	}
	return driver.DomainGetInfoRet{
		State:     uint8(o.state),
		MaxMem:    o.def.Memory.Total,
		Memory:    o.def.Memory.Current,
		NrVirtCPU: uint16(vcpus),
		CPUTime:   uint64(time.Now().UnixNano() / 1000 * 1000),
	}, nil
}

// DomainGetState reports state and reason.
func (c *conn) DomainGetState(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainGetStateRet, error) {
	if err := unsupportedFlags(flags, 0, "testDomainGetState"); err != nil {
		return driver.DomainGetStateRet{}, err
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return driver.DomainGetStateRet{}, err
	}
	return driver.DomainGetStateRet{State: o.state, Reason: o.reason}, nil
}

// DomainGetXMLDesc formats the live definition, or with
// VIR_DOMAIN_XML_INACTIVE the one the domain boots with next.
func (c *conn) DomainGetXMLDesc(ctx context.Context, dom driver.DomainRef, flags uint32) (string, error) {
	// VIR_DOMAIN_XML_UPDATE_CPU (1<<2) needs a host CPU model, which the
	// test driver does not have.
	if err := unsupportedFlags(flags, 1<<0|1<<1|1<<3, "testDomainGetXMLDesc"); err != nil {
		return "", err
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return "", err
	}
	def, ff := o.def, domain.FormatFlags(0)
	if flags&xmlInactive != 0 {
		def, ff = o.persistentDef(), domain.FormatInactive
	}
	if flags&1 != 0 { // VIR_DOMAIN_XML_SECURE
		ff |= domain.FormatSecure
	}
	if flags&(1<<3) != 0 { // VIR_DOMAIN_XML_MIGRATABLE, which keeps the ID
		ff |= domain.FormatMigratable
	}
	return def.Format(ff), nil
}

// DomainGetOSType is "linux" for every domain, as in libvirt's test driver.
func (c *conn) DomainGetOSType(ctx context.Context, dom driver.DomainRef) (string, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	if _, err := c.st.find(dom); err != nil {
		return "", err
	}
	return "linux", nil
}

// DomainGetMaxMemory reports the memory size.
func (c *conn) DomainGetMaxMemory(ctx context.Context, dom driver.DomainRef) (uint64, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return 0, err
	}
	return o.def.Memory.Total, nil
}

// DomainGetMaxVcpus reports the live definition's maximum vcpus; libvirt's
// test driver asks for the live definition, so an inactive domain fails.
func (c *conn) DomainGetMaxVcpus(ctx context.Context, dom driver.DomainRef) (int32, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return -1, err
	}
	def, _, err := oneDef(o, affectLive)
	if err != nil {
		return -1, err
	}
	return int32(def.VCPU.Max), nil
}

func (c *conn) domainFlag(dom driver.DomainRef, get func(*domainObj) bool) (int32, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return -1, err
	}
	if get(o) {
		return 1, nil
	}
	return 0, nil
}

// DomainIsActive reports whether the domain runs.
func (c *conn) DomainIsActive(ctx context.Context, dom driver.DomainRef) (int32, error) {
	return c.domainFlag(dom, (*domainObj).active)
}

// DomainIsPersistent reports whether the domain has a persistent config.
func (c *conn) DomainIsPersistent(ctx context.Context, dom driver.DomainRef) (int32, error) {
	return c.domainFlag(dom, func(o *domainObj) bool { return o.persistent })
}

// DomainIsUpdated is always 0 in the test driver.
func (c *conn) DomainIsUpdated(ctx context.Context, dom driver.DomainRef) (int32, error) {
	return 0, nil
}

// DomainGetAutostart reports the autostart flag.
func (c *conn) DomainGetAutostart(ctx context.Context, dom driver.DomainRef) (int32, error) {
	return c.domainFlag(dom, func(o *domainObj) bool { return o.autostart })
}

// DomainSetAutostart sets the autostart flag.
func (c *conn) DomainSetAutostart(ctx context.Context, dom driver.DomainRef, autostart int32) error {
	if err := c.denyReadOnly("virDomainSetAutostart"); err != nil {
		return err
	}
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return err
	}
	o.autostart = autostart != 0
	return nil
}

// DomainHasManagedSaveImage reports the managed-save flag.
func (c *conn) DomainHasManagedSaveImage(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "testDomainHasManagedSaveImage"); err != nil {
		return -1, err
	}
	return c.domainFlag(dom, func(o *domainObj) bool { return o.hasManagedSave })
}

// DomainGetSecurityLabel reports "libvirt-test", enforcing, for running
// domains and an empty label otherwise.
func (c *conn) DomainGetSecurityLabel(ctx context.Context, dom driver.DomainRef) (driver.DomainGetSecurityLabelRet, error) {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	o, err := c.st.find(dom)
	if err != nil {
		return driver.DomainGetSecurityLabelRet{}, err
	}
	if !o.active() {
		return driver.DomainGetSecurityLabelRet{Label: driver.CString("")}, nil
	}
	return driver.DomainGetSecurityLabelRet{Label: driver.CString("libvirt-test"), Enforcing: 1}, nil
}

// DomainDefineXML defines (or redefines) a persistent domain.
func (c *conn) DomainDefineXML(ctx context.Context, xml string) (driver.DomainRef, error) {
	return c.defineXML(xml, 0, "virDomainDefineXML")
}

// DomainDefineXMLFlags defines a domain; VIR_DOMAIN_DEFINE_VALIDATE
// validates the definition first.
func (c *conn) DomainDefineXMLFlags(ctx context.Context, xml string, flags uint32) (driver.DomainRef, error) {
	return c.defineXML(xml, flags, "virDomainDefineXMLFlags")
}

func (c *conn) defineXML(xml string, flags uint32, function string) (driver.DomainRef, error) {
	if err := c.denyReadOnly(function); err != nil {
		return driver.DomainRef{}, err
	}
	if err := unsupportedFlags(flags, defineValidate, "testDomainDefineXMLFlags"); err != nil {
		return driver.DomainRef{}, err
	}
	def, err := parseDomain(xml, true)
	if err != nil {
		return driver.DomainRef{}, err
	}
	if flags&defineValidate != 0 {
		if err := def.CheckSchema(); err != nil {
			return driver.DomainRef{}, err
		}
	}
	c.st.mu.Lock()
	obj, existed, err := c.st.add(def, false)
	if err != nil {
		c.st.mu.Unlock()
		return driver.DomainRef{}, err
	}
	obj.persistent = true
	ref := obj.ref()
	c.st.mu.Unlock()
	detail := detailAdded
	if existed {
		detail = detailUpdated
	}
	c.st.lifecycle(obj, eventDefined, detail)
	return ref, nil
}

// DomainUndefine removes a domain's persistent config.
func (c *conn) DomainUndefine(ctx context.Context, dom driver.DomainRef) error {
	return c.undefine(dom, 0, "virDomainUndefine")
}

// DomainUndefineFlags removes a domain's persistent config; the test
// driver has no managed save, snapshot or NVRAM files to remove.
func (c *conn) DomainUndefineFlags(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	return c.undefine(dom, flags, "virDomainUndefineFlags")
}

func (c *conn) undefine(dom driver.DomainRef, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, undefineKnownFlags, "testDomainUndefineFlags"); err != nil {
		return err
	}
	c.st.mu.Lock()
	o, err := c.st.find(dom)
	if err != nil {
		c.st.mu.Unlock()
		return err
	}
	if !o.persistent {
		c.st.mu.Unlock()
		return virterr.NewFrom(virterr.FromTest, virterr.OperationInvalid, "cannot undefine transient domain")
	}
	if o.hasManagedSave && flags&(1<<0) == 0 { // VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
		c.st.mu.Unlock()
		return virterr.NewFrom(virterr.FromTest, virterr.OperationInvalid, "Refusing to undefine while domain managed save image exists")
	}
	// Requiring an inactive domain is part of the contract of
	// VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA; there is nothing to remove.
	if n := o.snapshotCount(); !o.active() && n > 0 && flags&(1<<1) == 0 {
		c.st.mu.Unlock()
		return virterr.NewFrom(virterr.FromTest, virterr.OperationInvalid, "cannot delete inactive domain with %d snapshots", n)
	}
	o.hasManagedSave = false
	if o.active() {
		o.persistent = false
		o.newDef = nil
	} else {
		c.st.remove(o)
	}
	c.st.mu.Unlock()
	c.st.lifecycle(o, eventUndefined, detailRemoved)
	return nil
}

// DomainCreate starts a defined domain.
func (c *conn) DomainCreate(ctx context.Context, dom driver.DomainRef) error {
	_, err := c.create(dom, 0, "virDomainCreate")
	return err
}

// DomainCreateWithFlags starts a defined domain; VIR_DOMAIN_START_PAUSED
// leaves it paused.
func (c *conn) DomainCreateWithFlags(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainRef, error) {
	return c.create(dom, flags, "virDomainCreateWithFlags")
}

func (c *conn) create(dom driver.DomainRef, flags uint32, function string) (driver.DomainRef, error) {
	if err := c.denyReadOnly(function); err != nil {
		return driver.DomainRef{}, err
	}
	if err := unsupportedFlags(flags, 0, "testDomainCreateWithFlags"); err != nil {
		return driver.DomainRef{}, err
	}
	c.st.mu.Lock()
	o, err := c.st.find(dom)
	if err != nil {
		c.st.mu.Unlock()
		return driver.DomainRef{}, err
	}
	if o.state != stateShutoff {
		c.st.mu.Unlock()
		return driver.DomainRef{}, virterr.NewFrom(virterr.FromTest, virterr.InternalError, "Domain '%s' is already running", o.def.Name)
	}
	c.st.startState(o, runningBooted)
	o.hasManagedSave = false
	ref := o.ref()
	c.st.mu.Unlock()
	c.st.lifecycle(o, eventStarted, detailBooted)
	return ref, nil
}

// DomainCreateXML starts a transient domain.
func (c *conn) DomainCreateXML(ctx context.Context, xml string, flags uint32) (driver.DomainRef, error) {
	if err := c.denyReadOnly("virDomainCreateXML"); err != nil {
		return driver.DomainRef{}, err
	}
	if err := unsupportedFlags(flags, startValidate, "testDomainCreateXML"); err != nil {
		return driver.DomainRef{}, err
	}
	def, err := parseDomain(xml, true)
	if err != nil {
		return driver.DomainRef{}, err
	}
	c.st.mu.Lock()
	o, _, err := c.st.add(def, true)
	if err != nil {
		c.st.mu.Unlock()
		return driver.DomainRef{}, err
	}
	c.st.startState(o, runningBooted)
	ref := o.ref()
	c.st.mu.Unlock()
	c.st.lifecycle(o, eventStarted, detailBooted)
	return ref, nil
}

// DomainDestroy stops a domain at once.
func (c *conn) DomainDestroy(ctx context.Context, dom driver.DomainRef) error {
	return c.destroy(dom, 0, "virDomainDestroy")
}

// DomainDestroyFlags stops a domain; VIR_DOMAIN_DESTROY_GRACEFUL is
// accepted and changes nothing here.
func (c *conn) DomainDestroyFlags(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	return c.destroy(dom, flags, "virDomainDestroyFlags")
}

func (c *conn) destroy(dom driver.DomainRef, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, destroyGraceful, "testDomainDestroyFlags"); err != nil {
		return err
	}
	c.st.mu.Lock()
	o, err := c.st.find(dom)
	if err != nil {
		c.st.mu.Unlock()
		return err
	}
	if !o.active() {
		c.st.mu.Unlock()
		return domainErr(virterr.OperationInvalid, "domain is not running")
	}
	c.st.shutdownState(o, shutoffDestr)
	if !o.persistent {
		c.st.remove(o)
	}
	c.st.mu.Unlock()
	c.st.lifecycle(o, eventStopped, detailDestroyed)
	return nil
}

// DomainSuspend pauses a running domain.
func (c *conn) DomainSuspend(ctx context.Context, dom driver.DomainRef) error {
	if err := c.denyReadOnly("virDomainSuspend"); err != nil {
		return err
	}
	c.st.mu.Lock()
	o, err := c.st.find(dom)
	if err != nil {
		c.st.mu.Unlock()
		return err
	}
	if o.state == stateShutoff || o.state == statePaused {
		c.st.mu.Unlock()
		return virterr.NewFrom(virterr.FromTest, virterr.InternalError, "domain '%s' not running", dom.Name)
	}
	o.state, o.reason = statePaused, pausedUser
	c.st.mu.Unlock()
	c.st.lifecycle(o, eventSuspended, detailPaused)
	return nil
}

// DomainResume resumes a paused domain.
func (c *conn) DomainResume(ctx context.Context, dom driver.DomainRef) error {
	if err := c.denyReadOnly("virDomainResume"); err != nil {
		return err
	}
	c.st.mu.Lock()
	o, err := c.st.find(dom)
	if err != nil {
		c.st.mu.Unlock()
		return err
	}
	if o.state != statePaused {
		c.st.mu.Unlock()
		return virterr.NewFrom(virterr.FromTest, virterr.InternalError, "domain '%s' not paused", dom.Name)
	}
	o.state, o.reason = stateRunning, runningUnpaus
	c.st.mu.Unlock()
	c.st.lifecycle(o, eventResumed, detailUnpaused)
	return nil
}
