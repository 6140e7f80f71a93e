package test

import (
	"context"
	"fmt"

	"github.com/govirt/govirt/internal/conf/storage"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Pool lifecycle events (virStoragePoolEventLifecycleType), event IDs and
// the flags the storage calls take.
const (
	poolEventDefined   int32 = 0
	poolEventUndefined int32 = 1
	poolEventStarted   int32 = 2
	poolEventStopped   int32 = 3
	poolEventCreated   int32 = 4
	poolEventDeleted   int32 = 5

	poolEventIDLifecycle int32 = 0
	poolEventIDRefresh   int32 = 1

	poolDefineValidate uint32 = 1 << 0 // VIR_STORAGE_POOL_DEFINE_VALIDATE

	listPoolInactive    uint32 = 1 << 0
	listPoolActive      uint32 = 1 << 1
	listPoolPersistent  uint32 = 1 << 2
	listPoolTransient   uint32 = 1 << 3
	listPoolAutostart   uint32 = 1 << 4
	listPoolNoAutostart uint32 = 1 << 5
)

// listPoolTypes maps VIR_CONNECT_LIST_STORAGE_POOLS_<TYPE> to pool types.
var listPoolTypes = []struct {
	flag uint32
	typ  string
}{
	{1 << 6, storage.PoolDir}, {1 << 7, storage.PoolFS}, {1 << 8, storage.PoolNetFS},
	{1 << 9, storage.PoolLogical}, {1 << 10, storage.PoolDisk}, {1 << 11, storage.PoolISCSI},
	{1 << 12, storage.PoolSCSI}, {1 << 13, storage.PoolMpath}, {1 << 14, storage.PoolRBD},
	{1 << 15, storage.PoolSheepdog}, {1 << 16, storage.PoolGluster}, {1 << 17, storage.PoolZFS},
	{1 << 18, storage.PoolVStorage}, {1 << 19, storage.PoolISCSIDirect},
}

// The test driver's pools are 100 GiB, empty when defined.
const defaultPoolCapacity uint64 = 100 * 1024 * 1024 * 1024

// poolObj is one storage pool (virStoragePoolObj). persistent stands for
// libvirt's config file, which the test driver sets to "" for defined
// pools and leaves unset for transient ones.
type poolObj struct {
	def        *storage.PoolDef
	active     bool
	persistent bool
	autostart  bool
	vols       []*storage.VolDef
}

func (o *poolObj) ref() driver.StoragePoolRef {
	return driver.StoragePoolRef{Name: o.def.Name, UUID: driver.UUID(o.def.UUID)}
}

func (o *poolObj) volRef(v *storage.VolDef) driver.StorageVolRef {
	return driver.StorageVolRef{Pool: o.def.Name, Name: v.Name, Key: v.Key}
}

// storageDriver serves the Storage table of a connection.
type storageDriver struct {
	driver.UnsupportedStorage
	c *conn
}

var _ driver.Storage = storageDriver{}

func (d storageDriver) lock() *state {
	d.c.st.mu.Lock()
	return d.c.st
}

func testErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromTest, code, format, args...)
}

func storageErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromStorage, code, format, args...)
}

// parsePoolDef reads a pool document as virStoragePoolDefParseString does.
func parsePoolDef(data []byte) (*storage.PoolDef, error) {
	def, err := storage.ParsePool(data)
	if err != nil {
		return nil, err
	}
	return checkPoolDef(def)
}

func checkPoolDef(def *storage.PoolDef) (*storage.PoolDef, error) {
	def.SetDefaults()
	if err := def.Validate(); err != nil {
		return nil, err
	}
	return def, nil
}

func setPoolDefaults(def *storage.PoolDef) {
	def.Capacity = defaultPoolCapacity
	def.Allocation = 0
	def.Available = defaultPoolCapacity
}

// loadPool adds a running pool of the node file with its volumes
// (testParseStorage, testOpenVolumesForPool).
func (st *state) loadPool(n *xmltree.Node, volumes []*xmltree.Node, dir string) error {
	def, err := storage.ParsePoolNode(n)
	if err != nil {
		return err
	}
	if def, err = checkPoolDef(def); err != nil {
		return err
	}
	obj, err := st.addPool(def, false)
	if err != nil {
		return err
	}
	setPoolDefaults(obj.def)
	obj.persistent = true
	obj.active = true
	for _, vn := range volumes {
		vn, err := fromFile(vn, dir, "volume")
		if err != nil {
			return err
		}
		vol, err := parseVolDef(vn, obj.def)
		if err != nil {
			return err
		}
		if vol.Target.Path == "" {
			vol.Target.Path = obj.def.Target.Path + "/" + vol.Name
		}
		if vol.Key == "" {
			vol.Key = vol.Target.Path
		}
		obj.vols = append(obj.vols, vol)
		obj.def.Allocation += vol.Allocation
		obj.def.Available = obj.def.Capacity - obj.def.Allocation
	}
	return nil
}

func parseVolDef(n *xmltree.Node, pool *storage.PoolDef) (*storage.VolDef, error) {
	vol, err := storage.ParseVolumeNode(n, pool, 0)
	if err != nil {
		return nil, err
	}
	vol.SetDefaults()
	if err := vol.Validate(); err != nil {
		return nil, err
	}
	return vol, nil
}

// addPool puts def in the pool list as virStoragePoolObjListAdd does:
// another pool using the same source is a conflict, a UUID match replaces
// that pool's definition, a name match under another UUID is refused.
func (st *state) addPool(def *storage.PoolDef, checkLive bool) (*poolObj, error) {
	for _, o := range st.hostObjs.pools {
		if o.def.Name != def.Name && sameSource(o.def, def) {
			return nil, storageErr(virterr.OperationFailed, "Storage source conflict with pool: '%s'", o.def.Name)
		}
	}
	for _, o := range st.hostObjs.pools {
		if o.def.UUID != def.UUID {
			continue
		}
		if o.def.Name != def.Name {
			return nil, storageErr(virterr.OperationFailed, "pool '%s' is already defined with uuid %s", o.def.Name, o.def.UUID)
		}
		if checkLive && o.active {
			return nil, storageErr(virterr.OperationInvalid, "pool is already active as '%s'", o.def.Name)
		}
		if !o.active {
			o.def = def
		}
		return o, nil
	}
	for _, o := range st.hostObjs.pools {
		if o.def.Name == def.Name {
			return nil, storageErr(virterr.OperationFailed, "pool '%s' already exists with uuid %s", def.Name, o.def.UUID)
		}
	}
	obj := &poolObj{def: def}
	st.hostObjs.pools = append(st.hostObjs.pools, obj)
	return obj, nil
}

// sameSource is virStoragePoolObjSourceFindDuplicate's test: two pools of
// one type that would use the same storage.
func sameSource(a, b *storage.PoolDef) bool {
	if a.Type != b.Type {
		return false
	}
	firstDevice := func(p *storage.PoolDef) string {
		if len(p.Source.Devices) == 0 {
			return ""
		}
		return p.Source.Devices[0].Path
	}
	firstHost := func(p *storage.PoolDef) string {
		if len(p.Source.Hosts) == 0 {
			return ""
		}
		return p.Source.Hosts[0].Name
	}
	switch a.Type {
	case storage.PoolDir:
		return a.Target.Path == b.Target.Path
	case storage.PoolFS, storage.PoolLogical, storage.PoolDisk, storage.PoolZFS:
		return firstDevice(a) != "" && firstDevice(a) == firstDevice(b)
	case storage.PoolNetFS, storage.PoolGluster:
		return firstHost(a) == firstHost(b) && a.Source.Dir == b.Source.Dir && a.Source.Name == b.Source.Name
	case storage.PoolISCSI, storage.PoolISCSIDirect:
		return firstHost(a) == firstHost(b) && firstDevice(a) == firstDevice(b) && firstDevice(a) != ""
	case storage.PoolRBD, storage.PoolSheepdog, storage.PoolVStorage:
		return a.Source.Name != "" && a.Source.Name == b.Source.Name && firstHost(a) == firstHost(b)
	}
	return false
}

func (st *state) removePool(obj *poolObj) {
	pools := st.hostObjs.pools
	for i, o := range pools {
		if o == obj {
			st.hostObjs.pools = append(pools[:i:i], pools[i+1:]...)
			return
		}
	}
}

func (st *state) poolByName(name string) (*poolObj, error) {
	for _, o := range st.hostObjs.pools {
		if o.def.Name == name {
			return o, nil
		}
	}
	return nil, testErr(virterr.NoStoragePool, "no storage pool with matching name '%s'", name)
}

func (st *state) activePool(name string) (*poolObj, error) {
	o, err := st.poolByName(name)
	if err == nil && !o.active {
		err = testErr(virterr.OperationInvalid, "storage pool '%s' is not active", name)
	}
	return o, err
}

func (st *state) inactivePool(name string) (*poolObj, error) {
	o, err := st.poolByName(name)
	if err == nil && o.active {
		err = testErr(virterr.OperationInvalid, "storage pool '%s' is active", name)
	}
	return o, err
}

func (st *state) poolByUUID(u driver.UUID) (*poolObj, error) {
	for _, o := range st.hostObjs.pools {
		if driver.UUID(o.def.UUID) == u {
			return o, nil
		}
	}
	return nil, testErr(virterr.NoStoragePool, "no storage pool with matching uuid '%s'", uuid.UUID(u))
}

func (st *state) poolEvent(ref driver.StoragePoolRef, event int32) {
	st.events.Emit(ref, driver.Event{Kind: driver.EventStoragePool, ID: poolEventIDLifecycle,
		Payload: &driver.StoragePoolEventLifecycleMsg{Pool: ref, Event: event}})
}

// StoragePoolLookupByName finds a pool by name.
func (d storageDriver) StoragePoolLookupByName(ctx context.Context, name string) (driver.StoragePoolRef, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByName(name)
	if err != nil {
		return driver.StoragePoolRef{}, err
	}
	return o.ref(), nil
}

// StoragePoolLookupByUUID finds a pool by UUID.
func (d storageDriver) StoragePoolLookupByUUID(ctx context.Context, u driver.UUID) (driver.StoragePoolRef, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByUUID(u)
	if err != nil {
		return driver.StoragePoolRef{}, err
	}
	return o.ref(), nil
}

// StoragePoolLookupByVolume finds a volume's pool by the pool's name.
func (d storageDriver) StoragePoolLookupByVolume(ctx context.Context, vol driver.StorageVolRef) (driver.StoragePoolRef, error) {
	return d.StoragePoolLookupByName(ctx, vol.Pool)
}

func (d storageDriver) poolNames(active bool, max int32) []string {
	st := d.lock()
	defer st.mu.Unlock()
	var out []string
	for _, o := range st.hostObjs.pools {
		if o.active == active && int32(len(out)) < max {
			out = append(out, o.def.Name)
		}
	}
	return out
}

// ConnectNumOfStoragePools counts the active pools.
func (d storageDriver) ConnectNumOfStoragePools(ctx context.Context) (int32, error) {
	return int32(len(d.poolNames(true, 1<<30))), nil
}

// ConnectListStoragePools names the active pools.
func (d storageDriver) ConnectListStoragePools(ctx context.Context, maxnames int32) ([]string, error) {
	return d.poolNames(true, maxnames), nil
}

// ConnectNumOfDefinedStoragePools counts the inactive pools.
func (d storageDriver) ConnectNumOfDefinedStoragePools(ctx context.Context) (int32, error) {
	return int32(len(d.poolNames(false, 1<<30))), nil
}

// ConnectListDefinedStoragePools names the inactive pools.
func (d storageDriver) ConnectListDefinedStoragePools(ctx context.Context, maxnames int32) ([]string, error) {
	return d.poolNames(false, maxnames), nil
}

// ConnectListAllStoragePools lists the pools the filters select
// (virStoragePoolObjListExport).
func (d storageDriver) ConnectListAllStoragePools(ctx context.Context, needResults int32, flags uint32) (driver.ConnectListAllStoragePoolsRet, error) {
	all := listPoolInactive | listPoolActive | listPoolPersistent | listPoolTransient | listPoolAutostart | listPoolNoAutostart
	var typeFlags uint32
	for _, t := range listPoolTypes {
		typeFlags |= t.flag
	}
	if err := unsupportedFlags(flags, all|typeFlags, "testConnectListAllStoragePools"); err != nil {
		return driver.ConnectListAllStoragePoolsRet{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	var ret driver.ConnectListAllStoragePoolsRet
	for _, o := range st.hostObjs.pools {
		if !driver.MatchesFilterPair(flags, listPoolActive, listPoolInactive, o.active) ||
			!driver.MatchesFilterPair(flags, listPoolPersistent, listPoolTransient, o.persistent) ||
			!driver.MatchesFilterPair(flags, listPoolAutostart, listPoolNoAutostart, o.autostart) {
			continue
		}
		if flags&typeFlags != 0 {
			match := false
			for _, t := range listPoolTypes {
				if flags&t.flag != 0 && o.def.Type == t.typ {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		if needResults != 0 {
			ret.Pools = append(ret.Pools, o.ref())
		}
		ret.Ret++
	}
	return ret, nil
}

// StoragePoolIsActive reports whether the pool runs.
func (d storageDriver) StoragePoolIsActive(ctx context.Context, pool driver.StoragePoolRef) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByUUID(pool.UUID)
	if err != nil {
		return -1, err
	}
	return boolInt(o.active), nil
}

// StoragePoolIsPersistent reports whether the pool has a configuration.
func (d storageDriver) StoragePoolIsPersistent(ctx context.Context, pool driver.StoragePoolRef) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByUUID(pool.UUID)
	if err != nil {
		return -1, err
	}
	return boolInt(o.persistent), nil
}

// StoragePoolCreate starts an inactive pool.
func (d storageDriver) StoragePoolCreate(ctx context.Context, pool driver.StoragePoolRef, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "testStoragePoolCreate"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virStoragePoolCreate"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.inactivePool(pool.Name)
	if err != nil {
		return err
	}
	o.active = true
	st.poolEvent(pool, poolEventStarted)
	return nil
}

// Source discovery answers of the test driver.
const (
	testPoolSourcesLogical = `<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
`
	testPoolSourcesNetFS = `<sources>
  <source>
    <host name='%s'/>
    <dir path='/testshare'/>
    <format type='nfs'/>
  </source>
</sources>
`
)

func knownPoolType(typ string) bool {
	for _, t := range listPoolTypes {
		if t.typ == typ {
			return true
		}
	}
	return false
}

// ConnectFindStoragePoolSources gives logical and netfs pools made-up
// sources and refuses the other types.
func (d storageDriver) ConnectFindStoragePoolSources(ctx context.Context, typ string, srcSpec *string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "testConnectFindStoragePoolSources"); err != nil {
		return "", err
	}
	if err := d.c.denyReadOnly("virConnectFindStoragePoolSources"); err != nil {
		return "", err
	}
	// virStoragePoolTypeFromString gives dir 0, which the test driver's
	// !pool_type check takes for an unknown type; a really unknown type
	// (-1) passes it and is refused below.
	if typ == storage.PoolDir {
		return "", testErr(virterr.InternalError, "unknown storage pool type %s", typ)
	}
	var source *storage.PoolSource
	if srcSpec != nil && knownPoolType(typ) {
		var err error
		if source, err = storage.ParsePoolSource([]byte(*srcSpec), typ); err != nil {
			return "", err
		}
	} else if srcSpec != nil {
		// libvirt parses the source for type -1 too: the document is
		// read, then no pool options exist for the type.
		if _, err := xmltree.ParseRootFrom([]byte(*srcSpec), "(storage_source_specification)", "source", virterr.FromStorage); err != nil {
			return "", err
		}
		return "", virterr.NewFrom(virterr.FromStorage, virterr.InternalError, "missing backend for pool type -1")
	}
	switch typ {
	case storage.PoolLogical:
		return testPoolSourcesLogical, nil
	case storage.PoolNetFS:
		if source == nil || len(source.Hosts) == 0 || source.Hosts[0].Name == "" {
			return "", testErr(virterr.InvalidArg, "hostname must be specified for netfs sources")
		}
		return fmt.Sprintf(testPoolSourcesNetFS, source.Hosts[0].Name), nil
	}
	return "", testErr(virterr.NoSupport, "pool type '%s' does not support source discovery", typ)
}

// StoragePoolCreateXML creates a transient running pool; an fc_host
// adapter makes the test driver create its vHBA first.
func (d storageDriver) StoragePoolCreateXML(ctx context.Context, xml string, flags uint32) (driver.StoragePoolRef, error) {
	if err := unsupportedFlags(flags, 0, "testStoragePoolCreateXML"); err != nil {
		return driver.StoragePoolRef{}, err
	}
	if err := d.c.denyReadOnly("virStoragePoolCreateXML"); err != nil {
		return driver.StoragePoolRef{}, err
	}
	def, err := parsePoolDef([]byte(xml))
	if err != nil {
		return driver.StoragePoolRef{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.addPool(def, true)
	if err != nil {
		return driver.StoragePoolRef{}, err
	}
	if a := o.def.Source.Adapter; a != nil && a.Type == storage.AdapterFCHost {
		if _, err := st.mockCreateVport(a.WWNN, a.WWPN); err != nil {
			st.removePool(o)
			return driver.StoragePoolRef{}, err
		}
	}
	setPoolDefaults(o.def)
	o.persistent = false
	o.active = true
	st.poolEvent(o.ref(), poolEventStarted)
	return o.ref(), nil
}

// StoragePoolDefineXML defines a persistent pool.
func (d storageDriver) StoragePoolDefineXML(ctx context.Context, xml string, flags uint32) (driver.StoragePoolRef, error) {
	if err := unsupportedFlags(flags, poolDefineValidate, "testStoragePoolDefineXML"); err != nil {
		return driver.StoragePoolRef{}, err
	}
	if err := d.c.denyReadOnly("virStoragePoolDefineXML"); err != nil {
		return driver.StoragePoolRef{}, err
	}
	def, err := parsePoolDef([]byte(xml))
	if err != nil {
		return driver.StoragePoolRef{}, err
	}
	setPoolDefaults(def)
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.addPool(def, false)
	if err != nil {
		return driver.StoragePoolRef{}, err
	}
	st.poolEvent(o.ref(), poolEventDefined)
	setPoolDefaults(o.def)
	o.persistent = true
	return o.ref(), nil
}

// StoragePoolUndefine removes an inactive pool.
func (d storageDriver) StoragePoolUndefine(ctx context.Context, pool driver.StoragePoolRef) error {
	if err := d.c.denyReadOnly("virStoragePoolUndefine"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.inactivePool(pool.Name)
	if err != nil {
		return err
	}
	st.removePool(o)
	st.poolEvent(pool, poolEventUndefined)
	return nil
}

// StoragePoolBuild only reports the build of an inactive pool.
func (d storageDriver) StoragePoolBuild(ctx context.Context, pool driver.StoragePoolRef, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "testStoragePoolBuild"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virStoragePoolBuild"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	if _, err := st.inactivePool(pool.Name); err != nil {
		return err
	}
	st.poolEvent(pool, poolEventCreated)
	return nil
}

// StoragePoolDestroy stops a running pool (and the vHBA of an fc_host
// pool); a transient pool goes away.
func (d storageDriver) StoragePoolDestroy(ctx context.Context, pool driver.StoragePoolRef) error {
	if err := d.c.denyReadOnly("virStoragePoolDestroy"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.activePool(pool.Name)
	if err != nil {
		return err
	}
	o.active = false
	if a := o.def.Source.Adapter; a != nil && a.Type == storage.AdapterFCHost {
		if err := st.destroyVport(); err != nil {
			return err
		}
	}
	st.poolEvent(o.ref(), poolEventStopped)
	if !o.persistent {
		st.removePool(o)
	}
	return nil
}

// StoragePoolDelete only reports the deletion of an inactive pool.
func (d storageDriver) StoragePoolDelete(ctx context.Context, pool driver.StoragePoolRef, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "testStoragePoolDelete"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virStoragePoolDelete"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	if _, err := st.inactivePool(pool.Name); err != nil {
		return err
	}
	st.poolEvent(pool, poolEventDeleted)
	return nil
}

// StoragePoolRefresh only reports the refresh of a running pool.
func (d storageDriver) StoragePoolRefresh(ctx context.Context, pool driver.StoragePoolRef, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "testStoragePoolRefresh"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virStoragePoolRefresh"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	if _, err := st.activePool(pool.Name); err != nil {
		return err
	}
	st.events.Emit(pool, driver.Event{Kind: driver.EventStoragePool, ID: poolEventIDRefresh,
		Payload: &driver.StoragePoolEventRefreshMsg{Pool: pool}})
	return nil
}

// Pool states (virStoragePoolState).
const (
	poolStateInactive uint8 = 0
	poolStateRunning  uint8 = 2
)

// StoragePoolGetInfo reports state and sizes.
func (d storageDriver) StoragePoolGetInfo(ctx context.Context, pool driver.StoragePoolRef) (driver.StoragePoolGetInfoRet, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByName(pool.Name)
	if err != nil {
		return driver.StoragePoolGetInfoRet{}, err
	}
	ret := driver.StoragePoolGetInfoRet{State: poolStateInactive, Capacity: o.def.Capacity, Allocation: o.def.Allocation, Available: o.def.Available}
	if o.active {
		ret.State = poolStateRunning
	}
	return ret, nil
}

// StoragePoolGetXMLDesc formats the pool; the test driver takes no flags.
func (d storageDriver) StoragePoolGetXMLDesc(ctx context.Context, pool driver.StoragePoolRef, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "testStoragePoolGetXMLDesc"); err != nil {
		return "", err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByName(pool.Name)
	if err != nil {
		return "", err
	}
	return o.def.Format(), nil
}

// StoragePoolGetAutostart reports the autostart flag (never for a
// transient pool).
func (d storageDriver) StoragePoolGetAutostart(ctx context.Context, pool driver.StoragePoolRef) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByName(pool.Name)
	if err != nil {
		return -1, err
	}
	return boolInt(o.persistent && o.autostart), nil
}

// StoragePoolSetAutostart sets the autostart flag of a persistent pool.
func (d storageDriver) StoragePoolSetAutostart(ctx context.Context, pool driver.StoragePoolRef, autostart int32) error {
	if err := d.c.denyReadOnly("virStoragePoolSetAutostart"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByName(pool.Name)
	if err != nil {
		return err
	}
	if !o.persistent {
		return testErr(virterr.InvalidArg, "pool has no config file")
	}
	o.autostart = autostart != 0
	return nil
}

// StoragePoolNumOfVolumes counts a running pool's volumes.
func (d storageDriver) StoragePoolNumOfVolumes(ctx context.Context, pool driver.StoragePoolRef) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.activePool(pool.Name)
	if err != nil {
		return -1, err
	}
	return int32(len(o.vols)), nil
}

// StoragePoolListVolumes names a running pool's volumes.
func (d storageDriver) StoragePoolListVolumes(ctx context.Context, pool driver.StoragePoolRef, maxnames int32) ([]string, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.activePool(pool.Name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range o.vols {
		if int32(len(out)) < maxnames {
			out = append(out, v.Name)
		}
	}
	return out, nil
}

// StoragePoolListAllVolumes lists a running pool's volumes.
func (d storageDriver) StoragePoolListAllVolumes(ctx context.Context, pool driver.StoragePoolRef, needResults int32, flags uint32) (driver.StoragePoolListAllVolumesRet, error) {
	if err := unsupportedFlags(flags, 0, "testStoragePoolListAllVolumes"); err != nil {
		return driver.StoragePoolListAllVolumesRet{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.poolByUUID(pool.UUID)
	if err != nil {
		return driver.StoragePoolListAllVolumesRet{}, err
	}
	if !o.active {
		return driver.StoragePoolListAllVolumesRet{}, testErr(virterr.OperationInvalid, "storage pool is not active")
	}
	ret := driver.StoragePoolListAllVolumesRet{Ret: uint32(len(o.vols))}
	if needResults != 0 {
		for _, v := range o.vols {
			ret.Vols = append(ret.Vols, o.volRef(v))
		}
	}
	return ret, nil
}

func (o *poolObj) volByName(name string) *storage.VolDef {
	for _, v := range o.vols {
		if v.Name == name {
			return v
		}
	}
	return nil
}

func noVolNamed(name string) error {
	return testErr(virterr.NoStorageVol, "no storage vol with matching name '%s'", name)
}

// vol finds a volume of a running pool by its reference.
func (st *state) vol(ref driver.StorageVolRef) (*poolObj, *storage.VolDef, error) {
	o, err := st.activePool(ref.Pool)
	if err != nil {
		return nil, nil, err
	}
	v := o.volByName(ref.Name)
	if v == nil {
		return nil, nil, noVolNamed(ref.Name)
	}
	return o, v, nil
}

// StorageVolLookupByName finds a volume of a running pool.
func (d storageDriver) StorageVolLookupByName(ctx context.Context, pool driver.StoragePoolRef, name string) (driver.StorageVolRef, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, v, err := st.vol(driver.StorageVolRef{Pool: pool.Name, Name: name})
	if err != nil {
		return driver.StorageVolRef{}, err
	}
	return o.volRef(v), nil
}

func (d storageDriver) findVol(match func(*storage.VolDef) bool) (driver.StorageVolRef, bool) {
	st := d.lock()
	defer st.mu.Unlock()
	for _, o := range st.hostObjs.pools {
		if !o.active {
			continue
		}
		for _, v := range o.vols {
			if match(v) {
				return o.volRef(v), true
			}
		}
	}
	return driver.StorageVolRef{}, false
}

// StorageVolLookupByKey finds a volume of any running pool by key.
func (d storageDriver) StorageVolLookupByKey(ctx context.Context, key string) (driver.StorageVolRef, error) {
	if ref, ok := d.findVol(func(v *storage.VolDef) bool { return v.Key == key }); ok {
		return ref, nil
	}
	return driver.StorageVolRef{}, testErr(virterr.NoStorageVol, "no storage vol with matching key '%s'", key)
}

// StorageVolLookupByPath finds a volume of any running pool by path.
func (d storageDriver) StorageVolLookupByPath(ctx context.Context, path string) (driver.StorageVolRef, error) {
	if ref, ok := d.findVol(func(v *storage.VolDef) bool { return v.Target.Path == path }); ok {
		return ref, nil
	}
	return driver.StorageVolRef{}, testErr(virterr.NoStorageVol, "no storage vol with matching path '%s'", path)
}

// StorageVolCreateXML adds a volume to a running pool with room for it.
func (d storageDriver) StorageVolCreateXML(ctx context.Context, pool driver.StoragePoolRef, xml string, flags uint32) (driver.StorageVolRef, error) {
	return d.createVol(pool, xml, nil, flags, "testStorageVolCreateXML", "virStorageVolCreateXML")
}

// StorageVolCreateXMLFrom adds a volume described by xml as a clone of
// clonevol, which must be in the same pool.
func (d storageDriver) StorageVolCreateXMLFrom(ctx context.Context, pool driver.StoragePoolRef, xml string, clonevol driver.StorageVolRef, flags uint32) (driver.StorageVolRef, error) {
	return d.createVol(pool, xml, &clonevol, flags, "testStorageVolCreateXMLFrom", "virStorageVolCreateXMLFrom")
}

func (d storageDriver) createVol(pool driver.StoragePoolRef, xml string, clone *driver.StorageVolRef, flags uint32, cfunc, function string) (driver.StorageVolRef, error) {
	if err := unsupportedFlags(flags, 0, cfunc); err != nil {
		return driver.StorageVolRef{}, err
	}
	if err := d.c.denyReadOnly(function); err != nil {
		return driver.StorageVolRef{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.activePool(pool.Name)
	if err != nil {
		return driver.StorageVolRef{}, err
	}
	root, err := xmltree.ParseRootFrom([]byte(xml), "(storage_volume_definition)", "volume", virterr.FromStorage)
	if err != nil {
		return driver.StorageVolRef{}, err
	}
	v, err := parseVolDef(root, o.def)
	if err != nil {
		return driver.StorageVolRef{}, err
	}
	if o.volByName(v.Name) != nil {
		return driver.StorageVolRef{}, testErr(virterr.OperationFailed, "storage vol already exists")
	}
	if clone != nil && o.volByName(clone.Name) == nil {
		return driver.StorageVolRef{}, noVolNamed(clone.Name)
	}
	if o.def.Allocation+v.Allocation > o.def.Capacity {
		return driver.StorageVolRef{}, testErr(virterr.InternalError, "Not enough free space in pool for volume '%s'", v.Name)
	}
	v.Target.Path = o.def.Target.Path + "/" + v.Name
	v.Key = v.Target.Path
	o.vols = append(o.vols, v)
	o.def.Allocation += v.Allocation
	o.def.Available = o.def.Capacity - o.def.Allocation
	return o.volRef(v), nil
}

// StorageVolDelete removes a volume and gives its space back.
func (d storageDriver) StorageVolDelete(ctx context.Context, vol driver.StorageVolRef, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "testStorageVolDelete"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virStorageVolDelete"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, v, err := st.vol(vol)
	if err != nil {
		return err
	}
	o.def.Allocation -= v.Allocation
	o.def.Available = o.def.Capacity - o.def.Allocation
	for i, x := range o.vols {
		if x == v {
			o.vols = append(o.vols[:i:i], o.vols[i+1:]...)
			break
		}
	}
	return nil
}

// Volume types (virStorageVolType) by pool type (testStorageVolumeTypeForPool).
func volTypeForPool(poolType string) int8 {
	switch poolType {
	case storage.PoolSheepdog, storage.PoolISCSIDirect, storage.PoolGluster, storage.PoolRBD:
		return 3 // VIR_STORAGE_VOL_NETWORK
	case storage.PoolLogical, storage.PoolDisk, storage.PoolMpath, storage.PoolISCSI, storage.PoolSCSI, storage.PoolZFS:
		return 1 // VIR_STORAGE_VOL_BLOCK
	}
	return 0 // VIR_STORAGE_VOL_FILE
}

// StorageVolGetInfo reports the type the pool implies and the sizes.
func (d storageDriver) StorageVolGetInfo(ctx context.Context, vol driver.StorageVolRef) (driver.StorageVolGetInfoRet, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, v, err := st.vol(vol)
	if err != nil {
		return driver.StorageVolGetInfoRet{}, err
	}
	return driver.StorageVolGetInfoRet{Type: volTypeForPool(o.def.Type), Capacity: v.Capacity, Allocation: v.Allocation}, nil
}

// StorageVolGetXMLDesc formats the volume; the test driver takes no flags.
func (d storageDriver) StorageVolGetXMLDesc(ctx context.Context, vol driver.StorageVolRef, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "testStorageVolGetXMLDesc"); err != nil {
		return "", err
	}
	st := d.lock()
	defer st.mu.Unlock()
	_, v, err := st.vol(vol)
	if err != nil {
		return "", err
	}
	return v.Format(), nil
}

// StorageVolGetPath is the volume's path.
func (d storageDriver) StorageVolGetPath(ctx context.Context, vol driver.StorageVolRef) (string, error) {
	st := d.lock()
	defer st.mu.Unlock()
	_, v, err := st.vol(vol)
	if err != nil {
		return "", err
	}
	return v.Target.Path, nil
}
