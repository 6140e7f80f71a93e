package virt

import (
	"context"

	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

func (c *Conn) network(ref driver.NetworkRef) *Network { return &Network{conn: c, ref: ref} }

func (c *Conn) networks(refs []driver.NetworkRef, err error) ([]*Network, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*Network, len(refs))
	for i, r := range refs {
		out[i] = c.network(r)
	}
	return out, nil
}

// UUID is the network's raw UUID.
//
// libvirt: virNetworkGetUUID
func (n *Network) UUID() [16]byte { return n.ref.UUID }

// Conn is the connection the handle belongs to.
//
// libvirt: virNetworkGetConnect
func (n *Network) Conn() *Conn { return n.conn }

// LookupNetworkByUUID finds a network by raw UUID.
//
// libvirt: virNetworkLookupByUUID
func (c *Conn) LookupNetworkByUUID(ctx context.Context, u [16]byte) (*Network, error) {
	r, err := c.c.Network.NetworkLookupByUUID(ctx, u)
	if err != nil {
		return nil, err
	}
	return c.network(r), nil
}

// LookupNetworkByUUIDString finds a network by UUID in text form.
//
// libvirt: virNetworkLookupByUUIDString
func (c *Conn) LookupNetworkByUUIDString(ctx context.Context, s string) (*Network, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, virterr.InvalidArgument(virterr.FromNetwork, "virNetworkLookupByUUIDString", "uuidstr", "uuidstr in virNetworkLookupByUUIDString must be a valid UUID")
	}
	return c.LookupNetworkByUUID(ctx, u)
}

// NumOfNetworks counts the active networks.
//
// libvirt: virConnectNumOfNetworks
func (c *Conn) NumOfNetworks(ctx context.Context) (int, error) {
	n, err := c.c.Network.ConnectNumOfNetworks(ctx)
	return int(n), err
}

// ListNetworks names the active networks.
//
// libvirt: virConnectListNetworks
func (c *Conn) ListNetworks(ctx context.Context) ([]string, error) {
	n, err := c.c.Network.ConnectNumOfNetworks(ctx)
	if err != nil {
		return nil, err
	}
	return c.c.Network.ConnectListNetworks(ctx, n)
}

// NumOfDefinedNetworks counts the inactive persistent networks.
//
// libvirt: virConnectNumOfDefinedNetworks
func (c *Conn) NumOfDefinedNetworks(ctx context.Context) (int, error) {
	n, err := c.c.Network.ConnectNumOfDefinedNetworks(ctx)
	return int(n), err
}

// ListDefinedNetworks names the inactive persistent networks.
//
// libvirt: virConnectListDefinedNetworks
func (c *Conn) ListDefinedNetworks(ctx context.Context) ([]string, error) {
	n, err := c.c.Network.ConnectNumOfDefinedNetworks(ctx)
	if err != nil {
		return nil, err
	}
	return c.c.Network.ConnectListDefinedNetworks(ctx, n)
}

// NetworkDefineXML defines (or redefines) a persistent network.
//
// libvirt: virNetworkDefineXML
func (c *Conn) NetworkDefineXML(ctx context.Context, xml string) (*Network, error) {
	if err := c.denyReadOnly("virNetworkDefineXML"); err != nil {
		return nil, err
	}
	r, err := c.c.Network.NetworkDefineXML(ctx, xml)
	if err != nil {
		return nil, err
	}
	return c.network(r), nil
}

// NetworkDefineXMLFlags defines a persistent network; NetworkDefineValidate
// checks the XML against libvirt's schema first.
//
// libvirt: virNetworkDefineXMLFlags
func (c *Conn) NetworkDefineXMLFlags(ctx context.Context, xml string, flags NetworkDefineFlags) (*Network, error) {
	if err := c.denyReadOnly("virNetworkDefineXMLFlags"); err != nil {
		return nil, err
	}
	r, err := c.c.Network.NetworkDefineXMLFlags(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.network(r), nil
}

// NetworkCreateXML creates and starts a transient network.
//
// libvirt: virNetworkCreateXML
func (c *Conn) NetworkCreateXML(ctx context.Context, xml string) (*Network, error) {
	if err := c.denyReadOnly("virNetworkCreateXML"); err != nil {
		return nil, err
	}
	r, err := c.c.Network.NetworkCreateXML(ctx, xml)
	if err != nil {
		return nil, err
	}
	return c.network(r), nil
}

// NetworkCreateXMLFlags creates and starts a transient network.
//
// libvirt: virNetworkCreateXMLFlags
func (c *Conn) NetworkCreateXMLFlags(ctx context.Context, xml string, flags NetworkCreateFlags) (*Network, error) {
	if err := c.denyReadOnly("virNetworkCreateXMLFlags"); err != nil {
		return nil, err
	}
	r, err := c.c.Network.NetworkCreateXMLFlags(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.network(r), nil
}

// Create starts a defined network.
//
// libvirt: virNetworkCreate
func (n *Network) Create(ctx context.Context) error {
	if err := n.conn.denyReadOnly("virNetworkCreate"); err != nil {
		return err
	}
	return n.conn.c.Network.NetworkCreate(ctx, n.ref)
}

// Destroy stops a network; a transient one disappears.
//
// libvirt: virNetworkDestroy
func (n *Network) Destroy(ctx context.Context) error {
	if err := n.conn.denyReadOnly("virNetworkDestroy"); err != nil {
		return err
	}
	return n.conn.c.Network.NetworkDestroy(ctx, n.ref)
}

// Undefine removes a network's persistent definition.
//
// libvirt: virNetworkUndefine
func (n *Network) Undefine(ctx context.Context) error {
	if err := n.conn.denyReadOnly("virNetworkUndefine"); err != nil {
		return err
	}
	return n.conn.c.Network.NetworkUndefine(ctx, n.ref)
}

// Update changes one section of the network's definition (live, persistent
// or both) without redefining it: command adds, modifies or deletes the
// element xml describes in section; parentIndex picks the <ip> element
// for DHCP sections (-1 for any).
//
// libvirt: virNetworkUpdate
func (n *Network) Update(ctx context.Context, command NetworkUpdateCommand, section NetworkUpdateSection, parentIndex int, xml string, flags NetworkUpdateFlags) error {
	if err := n.conn.denyReadOnly("virNetworkUpdate"); err != nil {
		return err
	}
	return n.conn.c.Network.NetworkUpdate(ctx, n.ref, uint32(command), uint32(section), int32(parentIndex), xml, uint32(flags))
}

// BridgeName is the name of the network's host bridge.
//
// libvirt: virNetworkGetBridgeName
func (n *Network) BridgeName(ctx context.Context) (string, error) {
	return n.conn.c.Network.NetworkGetBridgeName(ctx, n.ref)
}

// Autostart reports whether the network starts with the host.
//
// libvirt: virNetworkGetAutostart
func (n *Network) Autostart(ctx context.Context) (bool, error) {
	v, err := n.conn.c.Network.NetworkGetAutostart(ctx, n.ref)
	return v != 0, err
}

// SetAutostart sets whether the network starts with the host.
//
// libvirt: virNetworkSetAutostart
func (n *Network) SetAutostart(ctx context.Context, autostart bool) error {
	if err := n.conn.denyReadOnly("virNetworkSetAutostart"); err != nil {
		return err
	}
	v := int32(0)
	if autostart {
		v = 1
	}
	return n.conn.c.Network.NetworkSetAutostart(ctx, n.ref, v)
}

// IsActive reports whether the network is running.
//
// libvirt: virNetworkIsActive
func (n *Network) IsActive(ctx context.Context) (bool, error) {
	v, err := n.conn.c.Network.NetworkIsActive(ctx, n.ref)
	return v == 1, err
}

// IsPersistent reports whether the network has a persistent definition.
//
// libvirt: virNetworkIsPersistent
func (n *Network) IsPersistent(ctx context.Context) (bool, error) {
	v, err := n.conn.c.Network.NetworkIsPersistent(ctx, n.ref)
	return v == 1, err
}

// NetworkDHCPLease is one lease of a network's DHCP server
// (virNetworkDHCPLease); ExpiryTime is in seconds since the epoch.
type NetworkDHCPLease struct {
	Iface      string
	ExpiryTime int64
	Type       IPAddrType
	MAC        string
	IAID       string
	IPAddr     string
	Prefix     uint
	Hostname   string
	ClientID   string
}

// DHCPLeases lists the network's DHCP leases, only those of mac when it
// is not empty.
//
// libvirt: virNetworkGetDHCPLeases
func (n *Network) DHCPLeases(ctx context.Context, mac string, flags uint32) ([]NetworkDHCPLease, error) {
	var m *string
	if mac != "" {
		m = &mac
	}
	r, err := n.conn.c.Network.NetworkGetDHCPLeases(ctx, n.ref, m, 1, flags)
	if err != nil {
		return nil, err
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	out := make([]NetworkDHCPLease, len(r.Leases))
	for i, l := range r.Leases {
		out[i] = NetworkDHCPLease{
			Iface: l.Iface, ExpiryTime: l.Expirytime, Type: IPAddrType(l.Type), MAC: str(l.MAC),
			IAID: str(l.Iaid), IPAddr: l.Ipaddr, Prefix: uint(l.Prefix), Hostname: str(l.Hostname), ClientID: str(l.Clientid),
		}
	}
	return out, nil
}

// ListAllPortsFlags lists the network's ports with flags (none defined yet).
//
// libvirt: virNetworkListAllPorts
func (n *Network) ListAllPortsFlags(ctx context.Context, flags uint32) ([]*NetworkPort, error) {
	r, err := n.conn.c.Network.NetworkListAllPorts(ctx, n.ref, 1, flags)
	if err != nil {
		return nil, err
	}
	out := make([]*NetworkPort, len(r.Ports))
	for i, p := range r.Ports {
		out[i] = &NetworkPort{conn: n.conn, ref: p}
	}
	return out, nil
}

// PortLookupByUUID finds a port of the network.
//
// libvirt: virNetworkPortLookupByUUID
func (n *Network) PortLookupByUUID(ctx context.Context, u [16]byte) (*NetworkPort, error) {
	r, err := n.conn.c.Network.NetworkPortLookupByUUID(ctx, n.ref, u)
	if err != nil {
		return nil, err
	}
	return &NetworkPort{conn: n.conn, ref: r}, nil
}

// PortLookupByUUIDString finds a port of the network by UUID in text form.
//
// libvirt: virNetworkPortLookupByUUIDString
func (n *Network) PortLookupByUUIDString(ctx context.Context, s string) (*NetworkPort, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return nil, virterr.InvalidArgument(virterr.FromNetwork, "virNetworkPortLookupByUUIDString", "uuidstr", "uuidstr in virNetworkPortLookupByUUIDString must be a valid UUID")
	}
	return n.PortLookupByUUID(ctx, u)
}

// PortCreateXML adds a port to the network.
//
// libvirt: virNetworkPortCreateXML
func (n *Network) PortCreateXML(ctx context.Context, xml string, flags NetworkPortCreateFlags) (*NetworkPort, error) {
	if err := n.conn.denyReadOnly("virNetworkPortCreateXML"); err != nil {
		return nil, err
	}
	r, err := n.conn.c.Network.NetworkPortCreateXML(ctx, n.ref, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return &NetworkPort{conn: n.conn, ref: r}, nil
}

// UUID is the port's raw UUID.
//
// libvirt: virNetworkPortGetUUID
func (p *NetworkPort) UUID() [16]byte { return p.ref.UUID }

// Delete removes the port from its network.
//
// libvirt: virNetworkPortDelete
func (p *NetworkPort) Delete(ctx context.Context, flags uint32) error {
	if err := p.conn.denyReadOnly("virNetworkPortDelete"); err != nil {
		return err
	}
	return p.conn.c.Network.NetworkPortDelete(ctx, p.ref, flags)
}

// XMLDescFlags is the port's XML.
//
// libvirt: virNetworkPortGetXMLDesc
func (p *NetworkPort) XMLDescFlags(ctx context.Context, flags uint32) (string, error) {
	return p.conn.c.Network.NetworkPortGetXMLDesc(ctx, p.ref, flags)
}

// Parameters are the port's tunables (bandwidth).
//
// libvirt: virNetworkPortGetParameters
func (p *NetworkPort) Parameters(ctx context.Context, flags uint32) ([]TypedParam, error) {
	r, err := p.conn.c.Network.NetworkPortGetParameters(ctx, p.ref, 0, flags)
	if err != nil {
		return nil, err
	}
	return paramsFromDriver(r.Params), nil
}

// SetParameters changes the port's tunables.
//
// libvirt: virNetworkPortSetParameters
func (p *NetworkPort) SetParameters(ctx context.Context, params []TypedParam, flags uint32) error {
	if err := p.conn.denyReadOnly("virNetworkPortSetParameters"); err != nil {
		return err
	}
	dp, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return p.conn.c.Network.NetworkPortSetParameters(ctx, p.ref, dp, flags)
}

// NetworkEventLifecycle is a network being defined, started, stopped or
// undefined (VIR_NETWORK_EVENT_ID_LIFECYCLE).
type NetworkEventLifecycle struct {
	Network *Network
	Event   NetworkEventLifecycleType
	Detail  int
}

// NetworkEventLifecycleRegister calls cb for lifecycle events of net, or
// of every network when net is nil.
//
// libvirt: virConnectNetworkEventRegisterAny (VIR_NETWORK_EVENT_ID_LIFECYCLE)
func (c *Conn) NetworkEventLifecycleRegister(ctx context.Context, net *Network, cb func(*Conn, *NetworkEventLifecycle)) (int, error) {
	return c.NetworkEventRegisterAny(ctx, net, NetworkEventIDLifecycle, func(conn *Conn, payload any) {
		if m, ok := payload.(*driver.NetworkEventLifecycleMsg); ok {
			cb(conn, &NetworkEventLifecycle{Network: conn.network(m.Net), Event: NetworkEventLifecycleType(m.Event), Detail: int(m.Detail)})
		}
	})
}
