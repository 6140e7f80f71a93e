package virt

import (
	"context"

	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

func (c *Conn) storagePool(ref driver.StoragePoolRef) *StoragePool {
	return &StoragePool{conn: c, ref: ref}
}

func (c *Conn) storageVol(ref driver.StorageVolRef) *StorageVol {
	return &StorageVol{conn: c, ref: ref}
}

// UUID is the pool's raw UUID.
//
// libvirt: virStoragePoolGetUUID
func (p *StoragePool) UUID() [16]byte { return p.ref.UUID }

// Conn is the connection the handle belongs to.
//
// libvirt: virStoragePoolGetConnect
func (p *StoragePool) Conn() *Conn { return p.conn }

func (p *StoragePool) s() driver.Storage { return p.conn.c.Storage }

// LookupStoragePoolByUUID finds a pool by raw UUID.
//
// libvirt: virStoragePoolLookupByUUID
func (c *Conn) LookupStoragePoolByUUID(ctx context.Context, u [16]byte) (*StoragePool, error) {
	r, err := c.c.Storage.StoragePoolLookupByUUID(ctx, u)
	if err != nil {
		return nil, err
	}
	return c.storagePool(r), nil
}

// LookupStoragePoolByUUIDString finds a pool by UUID in text form.
//
// libvirt: virStoragePoolLookupByUUIDString
func (c *Conn) LookupStoragePoolByUUIDString(ctx context.Context, s string) (*StoragePool, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, virterr.InvalidArgument(virterr.FromStorage, "virStoragePoolLookupByUUIDString", "uuidstr", "uuidstr in virStoragePoolLookupByUUIDString must be a valid UUID")
	}
	return c.LookupStoragePoolByUUID(ctx, u)
}

// LookupStoragePoolByTargetPath finds the active pool whose target is path.
//
// libvirt: virStoragePoolLookupByTargetPath
func (c *Conn) LookupStoragePoolByTargetPath(ctx context.Context, path string) (*StoragePool, error) {
	r, err := c.c.Storage.StoragePoolLookupByTargetPath(ctx, path)
	if err != nil {
		return nil, err
	}
	return c.storagePool(r), nil
}

// NumOfStoragePools counts the active pools.
//
// libvirt: virConnectNumOfStoragePools
func (c *Conn) NumOfStoragePools(ctx context.Context) (int, error) {
	n, err := c.c.Storage.ConnectNumOfStoragePools(ctx)
	return int(n), err
}

// ListStoragePools names the active pools.
//
// libvirt: virConnectListStoragePools
func (c *Conn) ListStoragePools(ctx context.Context) ([]string, error) {
	n, err := c.c.Storage.ConnectNumOfStoragePools(ctx)
	if err != nil {
		return nil, err
	}
	return c.c.Storage.ConnectListStoragePools(ctx, n)
}

// NumOfDefinedStoragePools counts the inactive persistent pools.
//
// libvirt: virConnectNumOfDefinedStoragePools
func (c *Conn) NumOfDefinedStoragePools(ctx context.Context) (int, error) {
	n, err := c.c.Storage.ConnectNumOfDefinedStoragePools(ctx)
	return int(n), err
}

// ListDefinedStoragePools names the inactive persistent pools.
//
// libvirt: virConnectListDefinedStoragePools
func (c *Conn) ListDefinedStoragePools(ctx context.Context) ([]string, error) {
	n, err := c.c.Storage.ConnectNumOfDefinedStoragePools(ctx)
	if err != nil {
		return nil, err
	}
	return c.c.Storage.ConnectListDefinedStoragePools(ctx, n)
}

// FindStoragePoolSources discovers the sources a pool of type typ could
// use (srcSpec: an XML <source> narrowing the search, or "").
//
// libvirt: virConnectFindStoragePoolSources
func (c *Conn) FindStoragePoolSources(ctx context.Context, typ, srcSpec string, flags uint32) (string, error) {
	if err := c.denyReadOnly("virConnectFindStoragePoolSources"); err != nil {
		return "", err
	}
	var spec *string
	if srcSpec != "" {
		spec = &srcSpec
	}
	return c.c.Storage.ConnectFindStoragePoolSources(ctx, typ, spec, flags)
}

// StoragePoolCapabilities is the storage driver's pool capabilities XML.
//
// libvirt: virConnectGetStoragePoolCapabilities
func (c *Conn) StoragePoolCapabilities(ctx context.Context, flags uint32) (string, error) {
	return c.c.Storage.ConnectGetStoragePoolCapabilities(ctx, flags)
}

// StoragePoolDefineXML defines (or redefines) a persistent pool.
//
// libvirt: virStoragePoolDefineXML
func (c *Conn) StoragePoolDefineXML(ctx context.Context, xml string, flags StoragePoolDefineFlags) (*StoragePool, error) {
	if err := c.denyReadOnly("virStoragePoolDefineXML"); err != nil {
		return nil, err
	}
	r, err := c.c.Storage.StoragePoolDefineXML(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.storagePool(r), nil
}

// StoragePoolCreateXML creates and starts a transient pool.
//
// libvirt: virStoragePoolCreateXML
func (c *Conn) StoragePoolCreateXML(ctx context.Context, xml string, flags StoragePoolCreateFlags) (*StoragePool, error) {
	if err := c.denyReadOnly("virStoragePoolCreateXML"); err != nil {
		return nil, err
	}
	r, err := c.c.Storage.StoragePoolCreateXML(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.storagePool(r), nil
}

// Create starts a defined pool.
//
// libvirt: virStoragePoolCreate
func (p *StoragePool) Create(ctx context.Context, flags StoragePoolCreateFlags) error {
	if err := p.conn.denyReadOnly("virStoragePoolCreate"); err != nil {
		return err
	}
	return p.s().StoragePoolCreate(ctx, p.ref, uint32(flags))
}

// Build builds the pool's underlying storage.
//
// libvirt: virStoragePoolBuild
func (p *StoragePool) Build(ctx context.Context, flags StoragePoolBuildFlags) error {
	if err := p.conn.denyReadOnly("virStoragePoolBuild"); err != nil {
		return err
	}
	return p.s().StoragePoolBuild(ctx, p.ref, uint32(flags))
}

// Destroy stops the pool; a transient one disappears.
//
// libvirt: virStoragePoolDestroy
func (p *StoragePool) Destroy(ctx context.Context) error {
	if err := p.conn.denyReadOnly("virStoragePoolDestroy"); err != nil {
		return err
	}
	return p.s().StoragePoolDestroy(ctx, p.ref)
}

// Delete deletes the pool's underlying storage.
//
// libvirt: virStoragePoolDelete
func (p *StoragePool) Delete(ctx context.Context, flags StoragePoolDeleteFlags) error {
	if err := p.conn.denyReadOnly("virStoragePoolDelete"); err != nil {
		return err
	}
	return p.s().StoragePoolDelete(ctx, p.ref, uint32(flags))
}

// Undefine removes the pool's persistent definition.
//
// libvirt: virStoragePoolUndefine
func (p *StoragePool) Undefine(ctx context.Context) error {
	if err := p.conn.denyReadOnly("virStoragePoolUndefine"); err != nil {
		return err
	}
	return p.s().StoragePoolUndefine(ctx, p.ref)
}

// Refresh rescans the pool's volumes.
//
// libvirt: virStoragePoolRefresh
func (p *StoragePool) Refresh(ctx context.Context, flags uint32) error {
	if err := p.conn.denyReadOnly("virStoragePoolRefresh"); err != nil {
		return err
	}
	return p.s().StoragePoolRefresh(ctx, p.ref, flags)
}

// StoragePoolInfo is a pool's state and sizes in bytes (virStoragePoolInfo).
type StoragePoolInfo struct {
	State      StoragePoolState
	Capacity   uint64
	Allocation uint64
	Available  uint64
}

// Info is the pool's state and sizes.
//
// libvirt: virStoragePoolGetInfo
func (p *StoragePool) Info(ctx context.Context) (*StoragePoolInfo, error) {
	r, err := p.s().StoragePoolGetInfo(ctx, p.ref)
	if err != nil {
		return nil, err
	}
	return &StoragePoolInfo{State: StoragePoolState(r.State), Capacity: r.Capacity, Allocation: r.Allocation, Available: r.Available}, nil
}

// Autostart reports whether the pool starts with the host.
//
// libvirt: virStoragePoolGetAutostart
func (p *StoragePool) Autostart(ctx context.Context) (bool, error) {
	v, err := p.s().StoragePoolGetAutostart(ctx, p.ref)
	return v != 0, err
}

// SetAutostart sets whether the pool starts with the host.
//
// libvirt: virStoragePoolSetAutostart
func (p *StoragePool) SetAutostart(ctx context.Context, autostart bool) error {
	if err := p.conn.denyReadOnly("virStoragePoolSetAutostart"); err != nil {
		return err
	}
	v := int32(0)
	if autostart {
		v = 1
	}
	return p.s().StoragePoolSetAutostart(ctx, p.ref, v)
}

// IsActive reports whether the pool is running.
//
// libvirt: virStoragePoolIsActive
func (p *StoragePool) IsActive(ctx context.Context) (bool, error) {
	v, err := p.s().StoragePoolIsActive(ctx, p.ref)
	return v == 1, err
}

// IsPersistent reports whether the pool has a persistent definition.
//
// libvirt: virStoragePoolIsPersistent
func (p *StoragePool) IsPersistent(ctx context.Context) (bool, error) {
	v, err := p.s().StoragePoolIsPersistent(ctx, p.ref)
	return v == 1, err
}

// NumOfVolumes counts the pool's volumes.
//
// libvirt: virStoragePoolNumOfVolumes
func (p *StoragePool) NumOfVolumes(ctx context.Context) (int, error) {
	n, err := p.s().StoragePoolNumOfVolumes(ctx, p.ref)
	return int(n), err
}

// ListVolumes names the pool's volumes.
//
// libvirt: virStoragePoolListVolumes
func (p *StoragePool) ListVolumes(ctx context.Context) ([]string, error) {
	n, err := p.s().StoragePoolNumOfVolumes(ctx, p.ref)
	if err != nil {
		return nil, err
	}
	return p.s().StoragePoolListVolumes(ctx, p.ref, n)
}

// LookupStorageVolByName finds a volume of the pool.
//
// libvirt: virStorageVolLookupByName
func (p *StoragePool) LookupStorageVolByName(ctx context.Context, name string) (*StorageVol, error) {
	r, err := p.s().StorageVolLookupByName(ctx, p.ref, name)
	if err != nil {
		return nil, err
	}
	return p.conn.storageVol(r), nil
}

// StorageVolCreateXML creates a volume in the pool.
//
// libvirt: virStorageVolCreateXML
func (p *StoragePool) StorageVolCreateXML(ctx context.Context, xml string, flags StorageVolCreateFlags) (*StorageVol, error) {
	if err := p.conn.denyReadOnly("virStorageVolCreateXML"); err != nil {
		return nil, err
	}
	r, err := p.s().StorageVolCreateXML(ctx, p.ref, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return p.conn.storageVol(r), nil
}

// StorageVolCreateXMLFrom creates a volume in the pool as a copy of clone.
//
// libvirt: virStorageVolCreateXMLFrom
func (p *StoragePool) StorageVolCreateXMLFrom(ctx context.Context, xml string, clone *StorageVol, flags StorageVolCreateFlags) (*StorageVol, error) {
	if err := p.conn.denyReadOnly("virStorageVolCreateXMLFrom"); err != nil {
		return nil, err
	}
	if clone == nil {
		return nil, virterr.New(virterr.InvalidStorageVol, "clonevol in virStorageVolCreateXMLFrom must not be NULL")
	}
	r, err := p.s().StorageVolCreateXMLFrom(ctx, p.ref, xml, clone.ref, uint32(flags))
	if err != nil {
		return nil, err
	}
	return p.conn.storageVol(r), nil
}

// LookupStorageVolByKey finds a volume by its key.
//
// libvirt: virStorageVolLookupByKey
func (c *Conn) LookupStorageVolByKey(ctx context.Context, key string) (*StorageVol, error) {
	r, err := c.c.Storage.StorageVolLookupByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	return c.storageVol(r), nil
}

// LookupStorageVolByPath finds a volume by its path.
//
// libvirt: virStorageVolLookupByPath
func (c *Conn) LookupStorageVolByPath(ctx context.Context, path string) (*StorageVol, error) {
	r, err := c.c.Storage.StorageVolLookupByPath(ctx, path)
	if err != nil {
		return nil, err
	}
	return c.storageVol(r), nil
}

// StoragePoolEventLifecycle is a pool being defined, started, stopped …
// (VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE).
type StoragePoolEventLifecycle struct {
	Pool   *StoragePool
	Event  StoragePoolEventLifecycleType
	Detail int
}

// StoragePoolEventRegisterAny calls cb with the raw payload of pool event
// id (*StoragePoolEventLifecycleMsg, *StoragePoolEventRefreshMsg of
// internal/driver), about pool or every pool when pool is nil.
//
// libvirt: virConnectStoragePoolEventRegisterAny
func (c *Conn) StoragePoolEventRegisterAny(ctx context.Context, pool *StoragePool, id StoragePoolEventID, cb func(*Conn, any)) (int, error) {
	var filter any
	if pool != nil {
		filter = pool.ref
	}
	return c.eventRegister(ctx, driver.EventStoragePool, int32(id), filter, cb)
}

// StoragePoolEventLifecycleRegister calls cb for lifecycle events of
// pool, or of every pool when pool is nil.
//
// libvirt: virConnectStoragePoolEventRegisterAny (VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE)
func (c *Conn) StoragePoolEventLifecycleRegister(ctx context.Context, pool *StoragePool, cb func(*Conn, *StoragePoolEventLifecycle)) (int, error) {
	return c.StoragePoolEventRegisterAny(ctx, pool, StoragePoolEventIDLifecycle, func(conn *Conn, payload any) {
		if m, ok := payload.(*driver.StoragePoolEventLifecycleMsg); ok {
			cb(conn, &StoragePoolEventLifecycle{Pool: conn.storagePool(m.Pool), Event: StoragePoolEventLifecycleType(m.Event), Detail: int(m.Detail)})
		}
	})
}

// StoragePoolEventRefreshRegister calls cb when pool (or any pool, for
// nil) is refreshed.
//
// libvirt: virConnectStoragePoolEventRegisterAny (VIR_STORAGE_POOL_EVENT_ID_REFRESH)
func (c *Conn) StoragePoolEventRefreshRegister(ctx context.Context, pool *StoragePool, cb func(*Conn, *StoragePool)) (int, error) {
	return c.StoragePoolEventRegisterAny(ctx, pool, StoragePoolEventIDRefresh, func(conn *Conn, payload any) {
		if m, ok := payload.(*driver.StoragePoolEventRefreshMsg); ok {
			cb(conn, conn.storagePool(m.Pool))
		}
	})
}

// StoragePoolEventDeregisterAny ends a pool event registration.
//
// libvirt: virConnectStoragePoolEventDeregisterAny
func (c *Conn) StoragePoolEventDeregisterAny(ctx context.Context, callbackID int) error {
	return c.c.Events.EventDeregister(ctx, int32(callbackID))
}

// PoolName is the name of the volume's pool.
//
// libvirt: virStorageVolGetPoolName is not public; the handle carries it
func (v *StorageVol) PoolName() string { return v.ref.Pool }

// Conn is the connection the handle belongs to.
//
// libvirt: virStorageVolGetConnect
func (v *StorageVol) Conn() *Conn { return v.conn }

func (v *StorageVol) s() driver.Storage { return v.conn.c.Storage }

// LookupPool finds the pool holding the volume.
//
// libvirt: virStoragePoolLookupByVolume
func (v *StorageVol) LookupPool(ctx context.Context) (*StoragePool, error) {
	r, err := v.s().StoragePoolLookupByVolume(ctx, v.ref)
	if err != nil {
		return nil, err
	}
	return v.conn.storagePool(r), nil
}

// Delete removes the volume.
//
// libvirt: virStorageVolDelete
func (v *StorageVol) Delete(ctx context.Context, flags StorageVolDeleteFlags) error {
	if err := v.conn.denyReadOnly("virStorageVolDelete"); err != nil {
		return err
	}
	return v.s().StorageVolDelete(ctx, v.ref, uint32(flags))
}

// Wipe overwrites the volume's data with zeros.
//
// libvirt: virStorageVolWipe
func (v *StorageVol) Wipe(ctx context.Context, flags uint32) error {
	if err := v.conn.denyReadOnly("virStorageVolWipe"); err != nil {
		return err
	}
	return v.s().StorageVolWipe(ctx, v.ref, flags)
}

// WipePattern overwrites the volume's data with algorithm's pattern.
//
// libvirt: virStorageVolWipePattern
func (v *StorageVol) WipePattern(ctx context.Context, algorithm StorageVolWipeAlgorithm, flags uint32) error {
	if err := v.conn.denyReadOnly("virStorageVolWipePattern"); err != nil {
		return err
	}
	return v.s().StorageVolWipePattern(ctx, v.ref, uint32(algorithm), flags)
}

// Resize changes the volume's capacity.
//
// libvirt: virStorageVolResize
func (v *StorageVol) Resize(ctx context.Context, capacity uint64, flags StorageVolResizeFlags) error {
	if err := v.conn.denyReadOnly("virStorageVolResize"); err != nil {
		return err
	}
	return v.s().StorageVolResize(ctx, v.ref, capacity, uint32(flags))
}

// StorageVolInfo is a volume's type and sizes in bytes (virStorageVolInfo).
type StorageVolInfo struct {
	Type       StorageVolType
	Capacity   uint64
	Allocation uint64
}

// Info is the volume's type and sizes.
//
// libvirt: virStorageVolGetInfo
func (v *StorageVol) Info(ctx context.Context) (*StorageVolInfo, error) {
	r, err := v.s().StorageVolGetInfo(ctx, v.ref)
	if err != nil {
		return nil, err
	}
	return &StorageVolInfo{Type: StorageVolType(r.Type), Capacity: r.Capacity, Allocation: r.Allocation}, nil
}

// InfoFlags is the volume's type and sizes; StorageVolGetPhysical asks for
// the physical size in Allocation.
//
// libvirt: virStorageVolGetInfoFlags
func (v *StorageVol) InfoFlags(ctx context.Context, flags StorageVolInfoFlags) (*StorageVolInfo, error) {
	r, err := v.s().StorageVolGetInfoFlags(ctx, v.ref, uint32(flags))
	if err != nil {
		return nil, err
	}
	return &StorageVolInfo{Type: StorageVolType(r.Type), Capacity: r.Capacity, Allocation: r.Allocation}, nil
}

// XMLDescFlags is the volume's XML.
//
// libvirt: virStorageVolGetXMLDesc
func (v *StorageVol) XMLDescFlags(ctx context.Context, flags uint32) (string, error) {
	return v.s().StorageVolGetXMLDesc(ctx, v.ref, flags)
}

// Path is the volume's path on the host.
//
// libvirt: virStorageVolGetPath
func (v *StorageVol) Path(ctx context.Context) (string, error) {
	return v.s().StorageVolGetPath(ctx, v.ref)
}

// Upload writes the volume's content from length bytes at offset, read
// from st (0 length: to the end).
//
// libvirt: virStorageVolUpload
func (v *StorageVol) Upload(ctx context.Context, st *Stream, offset, length uint64, flags StorageVolUploadFlags) error {
	if err := v.conn.denyReadOnly("virStorageVolUpload"); err != nil {
		return err
	}
	if st == nil || st.st == nil {
		return virterr.New(virterr.InvalidStream, "stream in virStorageVolUpload must not be NULL")
	}
	return v.s().StorageVolUpload(ctx, st.st, v.ref, offset, length, uint32(flags))
}

// Download reads length bytes of the volume at offset into st (0 length:
// to the end).
//
// libvirt: virStorageVolDownload
func (v *StorageVol) Download(ctx context.Context, st *Stream, offset, length uint64, flags StorageVolDownloadFlags) error {
	if err := v.conn.denyReadOnly("virStorageVolDownload"); err != nil {
		return err
	}
	if st == nil || st.st == nil {
		return virterr.New(virterr.InvalidStream, "stream in virStorageVolDownload must not be NULL")
	}
	return v.s().StorageVolDownload(ctx, st.st, v.ref, offset, length, uint32(flags))
}
