package virt

import (
	"context"
	"time"

	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Domain is a handle on a guest (virDomainPtr): its name, UUID and, as of
// the call that returned it, its id.
type Domain struct {
	conn *Conn
	ref  driver.DomainRef
}

func (c *Conn) domain(ref driver.DomainRef) *Domain { return &Domain{conn: c, ref: ref} }

// Name is the domain's name.
//
// libvirt: virDomainGetName
func (d *Domain) Name() string { return d.ref.Name }

// UUID is the domain's raw UUID.
//
// libvirt: virDomainGetUUID
func (d *Domain) UUID() [16]byte { return d.ref.UUID }

// UUIDString is the domain's UUID in its usual form.
//
// libvirt: virDomainGetUUIDString
func (d *Domain) UUIDString() string { return uuid.UUID(d.ref.UUID).String() }

// ID is the running domain's id, -1 when the handle was obtained while the
// domain was not running.
//
// libvirt: virDomainGetID
func (d *Domain) ID() int { return int(d.ref.ID) }

// Conn is the connection the handle belongs to.
//
// libvirt: virDomainGetConnect
func (d *Domain) Conn() *Conn { return d.conn }

func (d *Domain) h() driver.Hypervisor { return d.conn.c.Hypervisor }

// refresh takes the domain's new id after it started or stopped.
func (d *Domain) refresh(ctx context.Context) {
	if r, err := d.h().DomainLookupByUUID(ctx, d.ref.UUID); err == nil {
		d.ref = r
	} else {
		d.ref.ID = -1
	}
}

// LookupDomainByName finds a domain by name.
//
// libvirt: virDomainLookupByName
func (c *Conn) LookupDomainByName(ctx context.Context, name string) (*Domain, error) {
	r, err := c.c.Hypervisor.DomainLookupByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return c.domain(r), nil
}

// LookupDomainByID finds a running domain by id.
//
// libvirt: virDomainLookupByID
func (c *Conn) LookupDomainByID(ctx context.Context, id int) (*Domain, error) {
	if id < 0 {
		return nil, virterr.InvalidArgument(virterr.FromDomain, "virDomainLookupByID", "id", "id in virDomainLookupByID must be zero or greater")
	}
	r, err := c.c.Hypervisor.DomainLookupByID(ctx, int32(id))
	if err != nil {
		return nil, err
	}
	return c.domain(r), nil
}

// LookupDomainByUUID finds a domain by raw UUID.
//
// libvirt: virDomainLookupByUUID
func (c *Conn) LookupDomainByUUID(ctx context.Context, u [16]byte) (*Domain, error) {
	r, err := c.c.Hypervisor.DomainLookupByUUID(ctx, u)
	if err != nil {
		return nil, err
	}
	return c.domain(r), nil
}

// LookupDomainByUUIDString finds a domain by UUID in text form.
//
// libvirt: virDomainLookupByUUIDString
func (c *Conn) LookupDomainByUUIDString(ctx context.Context, s string) (*Domain, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, virterr.InvalidArgument(virterr.FromDomain, "virDomainLookupByUUIDString", "uuidstr", "Invalid UUID")
	}
	return c.LookupDomainByUUID(ctx, u)
}

// ListAllDomains lists the domains that flags select (every domain for 0).
//
// libvirt: virConnectListAllDomains
func (c *Conn) ListAllDomains(ctx context.Context, flags ConnectListAllDomainsFlags) ([]*Domain, error) {
	r, err := c.c.Hypervisor.ConnectListAllDomains(ctx, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*Domain, len(r.Domains))
	for i, ref := range r.Domains {
		out[i] = c.domain(ref)
	}
	return out, nil
}

// ListDomains lists the ids of the running domains.
//
// libvirt: virConnectListDomains
func (c *Conn) ListDomains(ctx context.Context) ([]int, error) {
	n, err := c.c.Hypervisor.ConnectNumOfDomains(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := c.c.Hypervisor.ConnectListDomains(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out, nil
}

// ListDefinedDomains lists the names of the inactive domains.
//
// libvirt: virConnectListDefinedDomains
func (c *Conn) ListDefinedDomains(ctx context.Context) ([]string, error) {
	n, err := c.c.Hypervisor.ConnectNumOfDefinedDomains(ctx)
	if err != nil {
		return nil, err
	}
	return c.c.Hypervisor.ConnectListDefinedDomains(ctx, n)
}

// NumOfDomains counts the running domains.
//
// libvirt: virConnectNumOfDomains
func (c *Conn) NumOfDomains(ctx context.Context) (int, error) {
	n, err := c.c.Hypervisor.ConnectNumOfDomains(ctx)
	return int(n), err
}

// NumOfDefinedDomains counts the inactive domains.
//
// libvirt: virConnectNumOfDefinedDomains
func (c *Conn) NumOfDefinedDomains(ctx context.Context) (int, error) {
	n, err := c.c.Hypervisor.ConnectNumOfDefinedDomains(ctx)
	return int(n), err
}

// DefineDomainXML defines (or updates) a persistent domain.
//
// libvirt: virDomainDefineXMLFlags
func (c *Conn) DefineDomainXML(ctx context.Context, xml string, flags DomainDefineFlags) (*Domain, error) {
	if err := c.denyReadOnly(pick(flags == 0, "virDomainDefineXML", "virDomainDefineXMLFlags")); err != nil {
		return nil, err
	}
	var r driver.DomainRef
	var err error
	if flags == 0 {
		r, err = c.c.Hypervisor.DomainDefineXML(ctx, xml)
	} else {
		r, err = c.c.Hypervisor.DomainDefineXMLFlags(ctx, xml, uint32(flags))
	}
	if err != nil {
		return nil, err
	}
	return c.domain(r), nil
}

// CreateDomainXML starts a transient domain.
//
// libvirt: virDomainCreateXML
func (c *Conn) CreateDomainXML(ctx context.Context, xml string, flags DomainCreateFlags) (*Domain, error) {
	if err := c.denyReadOnly("virDomainCreateXML"); err != nil {
		return nil, err
	}
	r, err := c.c.Hypervisor.DomainCreateXML(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.domain(r), nil
}

// Create starts a defined domain.
//
// libvirt: virDomainCreateWithFlags
func (d *Domain) Create(ctx context.Context, flags DomainCreateFlags) error {
	if err := d.conn.denyReadOnly(pick(flags == 0, "virDomainCreate", "virDomainCreateWithFlags")); err != nil {
		return err
	}
	var err error
	if flags == 0 {
		err = d.h().DomainCreate(ctx, d.ref)
	} else {
		_, err = d.h().DomainCreateWithFlags(ctx, d.ref, uint32(flags))
	}
	if err == nil {
		d.refresh(ctx)
	}
	return err
}

// Destroy stops the domain at once.
//
// libvirt: virDomainDestroyFlags
func (d *Domain) Destroy(ctx context.Context, flags DomainDestroyFlags) error {
	if err := d.conn.denyReadOnly(pick(flags == 0, "virDomainDestroy", "virDomainDestroyFlags")); err != nil {
		return err
	}
	var err error
	if flags == 0 {
		err = d.h().DomainDestroy(ctx, d.ref)
	} else {
		err = d.h().DomainDestroyFlags(ctx, d.ref, uint32(flags))
	}
	if err == nil {
		d.ref.ID = -1
	}
	return err
}

// Undefine removes the domain's persistent configuration.
//
// libvirt: virDomainUndefineFlags
func (d *Domain) Undefine(ctx context.Context, flags DomainUndefineFlags) error {
	if err := d.conn.denyReadOnly(pick(flags == 0, "virDomainUndefine", "virDomainUndefineFlags")); err != nil {
		return err
	}
	if flags == 0 {
		return d.h().DomainUndefine(ctx, d.ref)
	}
	return d.h().DomainUndefineFlags(ctx, d.ref, uint32(flags))
}

// Suspend pauses the domain.
//
// libvirt: virDomainSuspend
func (d *Domain) Suspend(ctx context.Context) error {
	if err := d.conn.denyReadOnly("virDomainSuspend"); err != nil {
		return err
	}
	return d.h().DomainSuspend(ctx, d.ref)
}

// Resume resumes a paused domain.
//
// libvirt: virDomainResume
func (d *Domain) Resume(ctx context.Context) error {
	if err := d.conn.denyReadOnly("virDomainResume"); err != nil {
		return err
	}
	return d.h().DomainResume(ctx, d.ref)
}

// XMLDesc is the domain's XML description.
//
// libvirt: virDomainGetXMLDesc
func (d *Domain) XMLDesc(ctx context.Context, flags DomainXMLFlags) (string, error) {
	if flags&DomainXMLSecure != 0 {
		if err := d.conn.denyReadOnly("virDomainGetXMLDesc with secure flag"); err != nil {
			return "", err
		}
	}
	return d.h().DomainGetXMLDesc(ctx, d.ref, uint32(flags))
}

// DomainInfo is virDomainInfo: memory sizes in KiB, CPU time used.
type DomainInfo struct {
	State     DomainState
	MaxMem    uint64
	Memory    uint64
	NrVirtCPU uint
	CPUTime   time.Duration
}

// Info reports the domain's state, memory and CPU use.
//
// libvirt: virDomainGetInfo
func (d *Domain) Info(ctx context.Context) (*DomainInfo, error) {
	r, err := d.h().DomainGetInfo(ctx, d.ref)
	if err != nil {
		return nil, err
	}
	return &DomainInfo{State: DomainState(r.State), MaxMem: r.MaxMem, Memory: r.Memory, NrVirtCPU: uint(r.NrVirtCPU), CPUTime: time.Duration(r.CPUTime)}, nil
}

// State reports the domain's state and why it is in it (a value of the
// Domain…Reason type that goes with the state).
//
// libvirt: virDomainGetState
func (d *Domain) State(ctx context.Context) (DomainState, int, error) {
	r, err := d.h().DomainGetState(ctx, d.ref, 0)
	if err != nil {
		return DomainNostate, 0, err
	}
	return DomainState(r.State), int(r.Reason), nil
}

// IsActive reports whether the domain runs.
//
// libvirt: virDomainIsActive
func (d *Domain) IsActive(ctx context.Context) (bool, error) {
	n, err := d.h().DomainIsActive(ctx, d.ref)
	return n == 1, err
}

// IsPersistent reports whether the domain has a persistent configuration.
//
// libvirt: virDomainIsPersistent
func (d *Domain) IsPersistent(ctx context.Context) (bool, error) {
	n, err := d.h().DomainIsPersistent(ctx, d.ref)
	return n == 1, err
}

// Autostart reports whether the domain starts with the host.
//
// libvirt: virDomainGetAutostart
func (d *Domain) Autostart(ctx context.Context) (bool, error) {
	n, err := d.h().DomainGetAutostart(ctx, d.ref)
	return n != 0, err
}

// SetAutostart sets whether the domain starts with the host.
//
// libvirt: virDomainSetAutostart
func (d *Domain) SetAutostart(ctx context.Context, autostart bool) error {
	if err := d.conn.denyReadOnly("virDomainSetAutostart"); err != nil {
		return err
	}
	v := int32(0)
	if autostart {
		v = 1
	}
	return d.h().DomainSetAutostart(ctx, d.ref, v)
}

// HasManagedSaveImage reports whether a managed save image exists.
//
// libvirt: virDomainHasManagedSaveImage
func (d *Domain) HasManagedSaveImage(ctx context.Context) (bool, error) {
	n, err := d.h().DomainHasManagedSaveImage(ctx, d.ref, 0)
	return n == 1, err
}

// OSType is the guest's OS type.
//
// libvirt: virDomainGetOSType
func (d *Domain) OSType(ctx context.Context) (string, error) {
	return d.h().DomainGetOSType(ctx, d.ref)
}

// MaxMemory is the memory the domain may have, in KiB.
//
// libvirt: virDomainGetMaxMemory
func (d *Domain) MaxMemory(ctx context.Context) (uint64, error) {
	return d.h().DomainGetMaxMemory(ctx, d.ref)
}

// MaxVcpus is the most vcpus the domain may have.
//
// libvirt: virDomainGetMaxVcpus
func (d *Domain) MaxVcpus(ctx context.Context) (int, error) {
	n, err := d.h().DomainGetMaxVcpus(ctx, d.ref)
	return int(n), err
}

// SecurityLabel is virSecurityLabel.
type SecurityLabel struct {
	Label     string
	Enforcing bool
}

// SecurityLabel is the running domain's security label; Label is empty
// when the domain has none.
//
// libvirt: virDomainGetSecurityLabel
func (d *Domain) SecurityLabel(ctx context.Context) (*SecurityLabel, error) {
	r, err := d.h().DomainGetSecurityLabel(ctx, d.ref)
	if err != nil {
		return nil, err
	}
	return &SecurityLabel{Label: driver.GoString(r.Label), Enforcing: r.Enforcing != 0}, nil
}

// pick names the libvirt function a call maps to: the plain one without
// flags, as libvirt's clients call it, the …Flags one with.
func pick(plain bool, a, b string) string {
	if plain {
		return a
	}
	return b
}
