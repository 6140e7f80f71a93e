package virt

import (
	"context"

	"github.com/govirt/govirt/internal/driver"
)

func (c *Conn) nodeDevice(ref driver.NodeDeviceRef) *NodeDevice {
	return &NodeDevice{conn: c, ref: ref}
}

// Conn is the connection the handle belongs to.
func (d *NodeDevice) Conn() *Conn { return d.conn }

func (d *NodeDevice) n() driver.NodeDevice { return d.conn.c.NodeDevice }

// NumOfNodeDevices counts the devices with capability cap ("" for all).
//
// libvirt: virNodeNumOfDevices
func (c *Conn) NumOfNodeDevices(ctx context.Context, cap string, flags uint32) (int, error) {
	var p *string
	if cap != "" {
		p = &cap
	}
	n, err := c.c.NodeDevice.NodeNumOfDevices(ctx, p, flags)
	return int(n), err
}

// ListNodeDevices names the devices with capability cap ("" for all).
//
// libvirt: virNodeListDevices
func (c *Conn) ListNodeDevices(ctx context.Context, cap string, flags uint32) ([]string, error) {
	var p *string
	if cap != "" {
		p = &cap
	}
	n, err := c.c.NodeDevice.NodeNumOfDevices(ctx, p, flags)
	if err != nil {
		return nil, err
	}
	return c.c.NodeDevice.NodeListDevices(ctx, p, n, flags)
}

// LookupNodeDeviceSCSIHostByWWN finds the SCSI host (fc_host) with these
// WWNs.
//
// libvirt: virNodeDeviceLookupSCSIHostByWWN
func (c *Conn) LookupNodeDeviceSCSIHostByWWN(ctx context.Context, wwnn, wwpn string, flags uint32) (*NodeDevice, error) {
	r, err := c.c.NodeDevice.NodeDeviceLookupSCSIHostByWWN(ctx, wwnn, wwpn, flags)
	if err != nil {
		return nil, err
	}
	return c.nodeDevice(r), nil
}

// NodeDeviceCreateXML creates a device (a vHBA, a mediated device).
//
// libvirt: virNodeDeviceCreateXML
func (c *Conn) NodeDeviceCreateXML(ctx context.Context, xml string, flags NodeDeviceCreateXMLFlags) (*NodeDevice, error) {
	if err := c.denyReadOnly("virNodeDeviceCreateXML"); err != nil {
		return nil, err
	}
	r, err := c.c.NodeDevice.NodeDeviceCreateXML(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.nodeDevice(r), nil
}

// NodeDeviceDefineXML defines a persistent device (a mediated device).
//
// libvirt: virNodeDeviceDefineXML
func (c *Conn) NodeDeviceDefineXML(ctx context.Context, xml string, flags NodeDeviceDefineXMLFlags) (*NodeDevice, error) {
	if err := c.denyReadOnly("virNodeDeviceDefineXML"); err != nil {
		return nil, err
	}
	r, err := c.c.NodeDevice.NodeDeviceDefineXML(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.nodeDevice(r), nil
}

// XMLDescFlags is the device's XML.
//
// libvirt: virNodeDeviceGetXMLDesc
func (d *NodeDevice) XMLDescFlags(ctx context.Context, flags uint32) (string, error) {
	return d.n().NodeDeviceGetXMLDesc(ctx, d.ref.Name, flags)
}

// Parent names the device's parent, "" for none.
//
// libvirt: virNodeDeviceGetParent
func (d *NodeDevice) Parent(ctx context.Context) (string, error) {
	p, err := d.n().NodeDeviceGetParent(ctx, d.ref.Name)
	if err != nil || p == nil {
		return "", err
	}
	return *p, nil
}

// NumOfCaps counts the device's capabilities.
//
// libvirt: virNodeDeviceNumOfCaps
func (d *NodeDevice) NumOfCaps(ctx context.Context) (int, error) {
	n, err := d.n().NodeDeviceNumOfCaps(ctx, d.ref.Name)
	return int(n), err
}

// ListCaps names the device's capabilities.
//
// libvirt: virNodeDeviceListCaps
func (d *NodeDevice) ListCaps(ctx context.Context) ([]string, error) {
	n, err := d.n().NodeDeviceNumOfCaps(ctx, d.ref.Name)
	if err != nil {
		return nil, err
	}
	return d.n().NodeDeviceListCaps(ctx, d.ref.Name, n)
}

// Destroy removes a device NodeDeviceCreateXML created.
//
// libvirt: virNodeDeviceDestroy
func (d *NodeDevice) Destroy(ctx context.Context) error {
	if err := d.conn.denyReadOnly("virNodeDeviceDestroy"); err != nil {
		return err
	}
	return d.n().NodeDeviceDestroy(ctx, d.ref.Name)
}

// Undefine removes a device's persistent definition.
//
// libvirt: virNodeDeviceUndefine
func (d *NodeDevice) Undefine(ctx context.Context, flags uint32) error {
	if err := d.conn.denyReadOnly("virNodeDeviceUndefine"); err != nil {
		return err
	}
	return d.n().NodeDeviceUndefine(ctx, d.ref.Name, flags)
}

// Create starts a defined device.
//
// libvirt: virNodeDeviceCreate
func (d *NodeDevice) Create(ctx context.Context, flags uint32) error {
	if err := d.conn.denyReadOnly("virNodeDeviceCreate"); err != nil {
		return err
	}
	return d.n().NodeDeviceCreate(ctx, d.ref.Name, flags)
}

// Autostart reports whether the device starts with the host.
//
// libvirt: virNodeDeviceGetAutostart
func (d *NodeDevice) Autostart(ctx context.Context) (bool, error) {
	v, err := d.n().NodeDeviceGetAutostart(ctx, d.ref.Name)
	return v != 0, err
}

// SetAutostart sets whether the device starts with the host.
//
// libvirt: virNodeDeviceSetAutostart
func (d *NodeDevice) SetAutostart(ctx context.Context, autostart bool) error {
	if err := d.conn.denyReadOnly("virNodeDeviceSetAutostart"); err != nil {
		return err
	}
	v := int32(0)
	if autostart {
		v = 1
	}
	return d.n().NodeDeviceSetAutostart(ctx, d.ref.Name, v)
}

// IsActive reports whether the device is active.
//
// libvirt: virNodeDeviceIsActive
func (d *NodeDevice) IsActive(ctx context.Context) (bool, error) {
	v, err := d.n().NodeDeviceIsActive(ctx, d.ref.Name)
	return v == 1, err
}

// IsPersistent reports whether the device has a persistent definition.
//
// libvirt: virNodeDeviceIsPersistent
func (d *NodeDevice) IsPersistent(ctx context.Context) (bool, error) {
	v, err := d.n().NodeDeviceIsPersistent(ctx, d.ref.Name)
	return v == 1, err
}

// Detach detaches the device from its host driver for assignment.
//
// libvirt: virNodeDeviceDetachFlags
func (d *NodeDevice) Detach(ctx context.Context, driverName string, flags uint32) error {
	if err := d.conn.denyReadOnly("virNodeDeviceDetachFlags"); err != nil {
		return err
	}
	var p *string
	if driverName != "" {
		p = &driverName
	}
	return d.n().NodeDeviceDetachFlags(ctx, d.ref.Name, p, flags)
}

// ReAttach gives the device back to its host driver.
//
// libvirt: virNodeDeviceReAttach
func (d *NodeDevice) ReAttach(ctx context.Context) error {
	if err := d.conn.denyReadOnly("virNodeDeviceReAttach"); err != nil {
		return err
	}
	return d.n().NodeDeviceReAttach(ctx, d.ref.Name)
}

// Reset resets the device.
//
// libvirt: virNodeDeviceReset
func (d *NodeDevice) Reset(ctx context.Context) error {
	if err := d.conn.denyReadOnly("virNodeDeviceReset"); err != nil {
		return err
	}
	return d.n().NodeDeviceReset(ctx, d.ref.Name)
}

// NodeDeviceEventLifecycle is a device being created, deleted, defined or
// undefined (VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE).
type NodeDeviceEventLifecycle struct {
	Device *NodeDevice
	Event  NodeDeviceEventLifecycleType
	Detail int
}

// NodeDeviceEventRegisterAny calls cb with the raw payload of device event
// id (*NodeDeviceEventLifecycleMsg, *NodeDeviceEventUpdateMsg of
// internal/driver) about dev, or every device when dev is nil.
//
// libvirt: virConnectNodeDeviceEventRegisterAny
func (c *Conn) NodeDeviceEventRegisterAny(ctx context.Context, dev *NodeDevice, id NodeDeviceEventID, cb func(*Conn, any)) (int, error) {
	var filter any
	if dev != nil {
		filter = dev.ref
	}
	return c.eventRegister(ctx, driver.EventNodeDevice, int32(id), filter, cb)
}

// NodeDeviceEventLifecycleRegister calls cb for lifecycle events of dev,
// or of every device when dev is nil.
//
// libvirt: virConnectNodeDeviceEventRegisterAny (VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE)
func (c *Conn) NodeDeviceEventLifecycleRegister(ctx context.Context, dev *NodeDevice, cb func(*Conn, *NodeDeviceEventLifecycle)) (int, error) {
	return c.NodeDeviceEventRegisterAny(ctx, dev, NodeDeviceEventIDLifecycle, func(conn *Conn, payload any) {
		if m, ok := payload.(*driver.NodeDeviceEventLifecycleMsg); ok {
			cb(conn, &NodeDeviceEventLifecycle{Device: conn.nodeDevice(m.Dev), Event: NodeDeviceEventLifecycleType(m.Event), Detail: int(m.Detail)})
		}
	})
}

// NodeDeviceEventDeregisterAny ends a device event registration.
//
// libvirt: virConnectNodeDeviceEventDeregisterAny
func (c *Conn) NodeDeviceEventDeregisterAny(ctx context.Context, callbackID int) error {
	return c.c.Events.EventDeregister(ctx, int32(callbackID))
}
