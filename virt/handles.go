package virt

import (
	"context"

	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Network is a handle on a virtual network (virNetworkPtr).
type Network struct {
	conn *Conn
	ref  driver.NetworkRef
}

// Name is the network's name. libvirt: virNetworkGetName
func (n *Network) Name() string { return n.ref.Name }

// UUIDString is the network's UUID. libvirt: virNetworkGetUUIDString
func (n *Network) UUIDString() string { return uuid.UUID(n.ref.UUID).String() }

// XMLDesc is the network's XML. libvirt: virNetworkGetXMLDesc
func (n *Network) XMLDesc(ctx context.Context, flags NetworkXMLFlags) (string, error) {
	return n.conn.c.Network.NetworkGetXMLDesc(ctx, n.ref, uint32(flags))
}

// ListAllPorts lists the network's ports. libvirt: virNetworkListAllPorts
func (n *Network) ListAllPorts(ctx context.Context) ([]*NetworkPort, error) {
	r, err := n.conn.c.Network.NetworkListAllPorts(ctx, n.ref, 1, 0)
	if err != nil {
		return nil, err
	}
	out := make([]*NetworkPort, len(r.Ports))
	for i, p := range r.Ports {
		out[i] = &NetworkPort{conn: n.conn, ref: p}
	}
	return out, nil
}

// LookupNetworkByName finds a network. libvirt: virNetworkLookupByName
func (c *Conn) LookupNetworkByName(ctx context.Context, name string) (*Network, error) {
	r, err := c.c.Network.NetworkLookupByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return &Network{conn: c, ref: r}, nil
}

// ListAllNetworks lists the networks flags select. libvirt: virConnectListAllNetworks
func (c *Conn) ListAllNetworks(ctx context.Context, flags ConnectListAllNetworksFlags) ([]*Network, error) {
	r, err := c.c.Network.ConnectListAllNetworks(ctx, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*Network, len(r.Nets))
	for i, ref := range r.Nets {
		out[i] = &Network{conn: c, ref: ref}
	}
	return out, nil
}

// NetworkPort is a handle on a port of a network (virNetworkPortPtr).
type NetworkPort struct {
	conn *Conn
	ref  driver.NetworkPortRef
}

// UUIDString is the port's UUID. libvirt: virNetworkPortGetUUIDString
func (p *NetworkPort) UUIDString() string { return uuid.UUID(p.ref.UUID).String() }

// Network is the port's network. libvirt: virNetworkPortGetNetwork
func (p *NetworkPort) Network() *Network { return &Network{conn: p.conn, ref: p.ref.Net} }

// XMLDesc is the port's XML. libvirt: virNetworkPortGetXMLDesc
func (p *NetworkPort) XMLDesc(ctx context.Context) (string, error) {
	return p.conn.c.Network.NetworkPortGetXMLDesc(ctx, p.ref, 0)
}

// StoragePool is a handle on a storage pool (virStoragePoolPtr).
type StoragePool struct {
	conn *Conn
	ref  driver.StoragePoolRef
}

// Name is the pool's name. libvirt: virStoragePoolGetName
func (p *StoragePool) Name() string { return p.ref.Name }

// UUIDString is the pool's UUID. libvirt: virStoragePoolGetUUIDString
func (p *StoragePool) UUIDString() string { return uuid.UUID(p.ref.UUID).String() }

// XMLDesc is the pool's XML. libvirt: virStoragePoolGetXMLDesc
func (p *StoragePool) XMLDesc(ctx context.Context, flags StorageXMLFlags) (string, error) {
	return p.conn.c.Storage.StoragePoolGetXMLDesc(ctx, p.ref, uint32(flags))
}

// ListAllVolumes lists the pool's volumes. libvirt: virStoragePoolListAllVolumes
func (p *StoragePool) ListAllVolumes(ctx context.Context) ([]*StorageVol, error) {
	r, err := p.conn.c.Storage.StoragePoolListAllVolumes(ctx, p.ref, 1, 0)
	if err != nil {
		return nil, err
	}
	out := make([]*StorageVol, len(r.Vols))
	for i, v := range r.Vols {
		out[i] = &StorageVol{conn: p.conn, ref: v}
	}
	return out, nil
}

// LookupStoragePoolByName finds a pool. libvirt: virStoragePoolLookupByName
func (c *Conn) LookupStoragePoolByName(ctx context.Context, name string) (*StoragePool, error) {
	r, err := c.c.Storage.StoragePoolLookupByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return &StoragePool{conn: c, ref: r}, nil
}

// ListAllStoragePools lists the pools flags select. libvirt: virConnectListAllStoragePools
func (c *Conn) ListAllStoragePools(ctx context.Context, flags ConnectListAllStoragePoolsFlags) ([]*StoragePool, error) {
	r, err := c.c.Storage.ConnectListAllStoragePools(ctx, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*StoragePool, len(r.Pools))
	for i, ref := range r.Pools {
		out[i] = &StoragePool{conn: c, ref: ref}
	}
	return out, nil
}

// StorageVol is a handle on a volume (virStorageVolPtr).
type StorageVol struct {
	conn *Conn
	ref  driver.StorageVolRef
}

// Name is the volume's name. libvirt: virStorageVolGetName
func (v *StorageVol) Name() string { return v.ref.Name }

// Key is the volume's unique key. libvirt: virStorageVolGetKey
func (v *StorageVol) Key() string { return v.ref.Key }

// XMLDesc is the volume's XML. libvirt: virStorageVolGetXMLDesc
func (v *StorageVol) XMLDesc(ctx context.Context) (string, error) {
	return v.conn.c.Storage.StorageVolGetXMLDesc(ctx, v.ref, 0)
}

// NodeDevice is a handle on a host device (virNodeDevicePtr).
type NodeDevice struct {
	conn *Conn
	ref  driver.NodeDeviceRef
}

// Name is the device's name. libvirt: virNodeDeviceGetName
func (d *NodeDevice) Name() string { return d.ref.Name }

// XMLDesc is the device's XML. libvirt: virNodeDeviceGetXMLDesc
func (d *NodeDevice) XMLDesc(ctx context.Context) (string, error) {
	return d.conn.c.NodeDevice.NodeDeviceGetXMLDesc(ctx, d.ref.Name, 0)
}

// LookupNodeDeviceByName finds a device. libvirt: virNodeDeviceLookupByName
func (c *Conn) LookupNodeDeviceByName(ctx context.Context, name string) (*NodeDevice, error) {
	r, err := c.c.NodeDevice.NodeDeviceLookupByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return &NodeDevice{conn: c, ref: r}, nil
}

// ListAllNodeDevices lists the devices flags select. libvirt: virConnectListAllNodeDevices
func (c *Conn) ListAllNodeDevices(ctx context.Context, flags ConnectListAllNodeDeviceFlags) ([]*NodeDevice, error) {
	r, err := c.c.NodeDevice.ConnectListAllNodeDevices(ctx, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*NodeDevice, len(r.Devices))
	for i, ref := range r.Devices {
		out[i] = &NodeDevice{conn: c, ref: ref}
	}
	return out, nil
}

// Secret is a handle on a secret (virSecretPtr).
type Secret struct {
	conn *Conn
	ref  driver.SecretRef
}

// UUIDString is the secret's UUID. libvirt: virSecretGetUUIDString
func (s *Secret) UUIDString() string { return uuid.UUID(s.ref.UUID).String() }

// UsageType is what the secret is for. libvirt: virSecretGetUsageType
func (s *Secret) UsageType() SecretUsageType { return SecretUsageType(s.ref.UsageType) }

// UsageID names the object the secret is for. libvirt: virSecretGetUsageID
func (s *Secret) UsageID() string { return s.ref.UsageID }

// XMLDesc is the secret's XML. libvirt: virSecretGetXMLDesc
func (s *Secret) XMLDesc(ctx context.Context) (string, error) {
	return s.conn.c.Secret.SecretGetXMLDesc(ctx, s.ref, 0)
}

// LookupSecretByUUIDString finds a secret. libvirt: virSecretLookupByUUIDString
func (c *Conn) LookupSecretByUUIDString(ctx context.Context, s string) (*Secret, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, virterr.InvalidArgument(virterr.FromSecret, "virSecretLookupByUUIDString", "uuidstr",
			"uuidstr in virSecretLookupByUUIDString must be a valid UUID")
	}
	r, err := c.c.Secret.SecretLookupByUUID(ctx, driver.UUID(u))
	if err != nil {
		return nil, err
	}
	return &Secret{conn: c, ref: r}, nil
}

// ListAllSecrets lists the secrets flags select. libvirt: virConnectListAllSecrets
func (c *Conn) ListAllSecrets(ctx context.Context, flags ConnectListAllSecretsFlags) ([]*Secret, error) {
	r, err := c.c.Secret.ConnectListAllSecrets(ctx, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*Secret, len(r.Secrets))
	for i, ref := range r.Secrets {
		out[i] = &Secret{conn: c, ref: ref}
	}
	return out, nil
}

// NWFilter is a handle on a network filter (virNWFilterPtr).
type NWFilter struct {
	conn *Conn
	ref  driver.NWFilterRef
}

// Name is the filter's name. libvirt: virNWFilterGetName
func (f *NWFilter) Name() string { return f.ref.Name }

// UUIDString is the filter's UUID. libvirt: virNWFilterGetUUIDString
func (f *NWFilter) UUIDString() string { return uuid.UUID(f.ref.UUID).String() }

// XMLDesc is the filter's XML. libvirt: virNWFilterGetXMLDesc
func (f *NWFilter) XMLDesc(ctx context.Context) (string, error) {
	return f.conn.c.NWFilter.NWFilterGetXMLDesc(ctx, f.ref, 0)
}

// LookupNWFilterByName finds a filter. libvirt: virNWFilterLookupByName
func (c *Conn) LookupNWFilterByName(ctx context.Context, name string) (*NWFilter, error) {
	r, err := c.c.NWFilter.NWFilterLookupByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return &NWFilter{conn: c, ref: r}, nil
}

// NWFilterBinding is a handle on a filter bound to a port (virNWFilterBindingPtr).
type NWFilterBinding struct {
	conn *Conn
	ref  driver.NWFilterBindingRef
}

// PortDev is the bound port's device. libvirt: virNWFilterBindingGetPortDev
func (b *NWFilterBinding) PortDev() string { return b.ref.Portdev }

// FilterName is the bound filter. libvirt: virNWFilterBindingGetFilterName
func (b *NWFilterBinding) FilterName() string { return b.ref.Filtername }

// XMLDesc is the binding's XML. libvirt: virNWFilterBindingGetXMLDesc
func (b *NWFilterBinding) XMLDesc(ctx context.Context) (string, error) {
	return b.conn.c.NWFilter.NWFilterBindingGetXMLDesc(ctx, b.ref, 0)
}

// Interface is a handle on a host network interface (virInterfacePtr).
type Interface struct {
	conn *Conn
	ref  driver.InterfaceRef
}

// Name is the interface's name. libvirt: virInterfaceGetName
func (i *Interface) Name() string { return i.ref.Name }

// MACString is the interface's MAC address. libvirt: virInterfaceGetMACString
func (i *Interface) MACString() string { return i.ref.MAC }

// XMLDesc is the interface's XML. libvirt: virInterfaceGetXMLDesc
func (i *Interface) XMLDesc(ctx context.Context, flags InterfaceXMLFlags) (string, error) {
	return i.conn.c.Interface.InterfaceGetXMLDesc(ctx, i.ref, uint32(flags))
}

// LookupInterfaceByName finds an interface. libvirt: virInterfaceLookupByName
func (c *Conn) LookupInterfaceByName(ctx context.Context, name string) (*Interface, error) {
	r, err := c.c.Interface.InterfaceLookupByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return &Interface{conn: c, ref: r}, nil
}

// DomainSnapshot is a handle on a snapshot of a domain (virDomainSnapshotPtr).
type DomainSnapshot struct {
	conn *Conn
	ref  driver.DomainSnapshotRef
}

// Name is the snapshot's name. libvirt: virDomainSnapshotGetName
func (s *DomainSnapshot) Name() string { return s.ref.Name }

// Domain is the snapshot's domain. libvirt: virDomainSnapshotGetDomain
func (s *DomainSnapshot) Domain() *Domain { return s.conn.domain(s.ref.Dom) }

// XMLDesc is the snapshot's XML. libvirt: virDomainSnapshotGetXMLDesc
func (s *DomainSnapshot) XMLDesc(ctx context.Context, flags DomainSnapshotXMLFlags) (string, error) {
	return s.conn.c.Hypervisor.DomainSnapshotGetXMLDesc(ctx, s.ref, uint32(flags))
}

// ListAllSnapshots lists the domain's snapshots. libvirt: virDomainListAllSnapshots
func (d *Domain) ListAllSnapshots(ctx context.Context, flags DomainSnapshotListFlags) ([]*DomainSnapshot, error) {
	r, err := d.h().DomainListAllSnapshots(ctx, d.ref, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*DomainSnapshot, len(r.Snapshots))
	for i, ref := range r.Snapshots {
		out[i] = &DomainSnapshot{conn: d.conn, ref: ref}
	}
	return out, nil
}

// SnapshotLookupByName finds a snapshot. libvirt: virDomainSnapshotLookupByName
func (d *Domain) SnapshotLookupByName(ctx context.Context, name string) (*DomainSnapshot, error) {
	r, err := d.h().DomainSnapshotLookupByName(ctx, d.ref, name, 0)
	if err != nil {
		return nil, err
	}
	return &DomainSnapshot{conn: d.conn, ref: r}, nil
}

// Stream is a data channel of a streaming call (virStreamPtr): volume
// upload and download, consoles. It is the driver's stream seen from the
// API.
type Stream struct {
	conn *Conn
	st   driver.Stream
}

// Send writes data. libvirt: virStreamSend
func (s *Stream) Send(ctx context.Context, data []byte) (int, error) { return s.st.Send(ctx, data) }

// Recv reads data; 0 bytes and no error is the end. libvirt: virStreamRecv
func (s *Stream) Recv(ctx context.Context, buf []byte) (int, error) { return s.st.Recv(ctx, buf) }

// Finish ends the stream cleanly. libvirt: virStreamFinish
func (s *Stream) Finish(ctx context.Context) error { return s.st.Finish(ctx) }

// Abort ends the stream with an error. libvirt: virStreamAbort
func (s *Stream) Abort(ctx context.Context) error { return s.st.Abort(ctx) }
