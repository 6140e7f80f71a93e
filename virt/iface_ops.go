package virt

import (
	"context"

	"github.com/govirt/govirt/internal/driver"
)

func (c *Conn) iface(ref driver.InterfaceRef) *Interface { return &Interface{conn: c, ref: ref} }

// Conn is the connection the handle belongs to.
//
// libvirt: virInterfaceGetConnect
func (i *Interface) Conn() *Conn { return i.conn }

func (i *Interface) d() driver.Interface { return i.conn.c.Interface }

// LookupInterfaceByMACString finds an interface by MAC address.
//
// libvirt: virInterfaceLookupByMACString
func (c *Conn) LookupInterfaceByMACString(ctx context.Context, mac string) (*Interface, error) {
	r, err := c.c.Interface.InterfaceLookupByMACString(ctx, mac)
	if err != nil {
		return nil, err
	}
	return c.iface(r), nil
}

// ListAllInterfaces lists the interfaces flags select (all for 0).
//
// libvirt: virConnectListAllInterfaces
func (c *Conn) ListAllInterfaces(ctx context.Context, flags ConnectListAllInterfacesFlags) ([]*Interface, error) {
	r, err := c.c.Interface.ConnectListAllInterfaces(ctx, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*Interface, len(r.Ifaces))
	for i, ref := range r.Ifaces {
		out[i] = c.iface(ref)
	}
	return out, nil
}

// NumOfInterfaces counts the active interfaces.
//
// libvirt: virConnectNumOfInterfaces
func (c *Conn) NumOfInterfaces(ctx context.Context) (int, error) {
	n, err := c.c.Interface.ConnectNumOfInterfaces(ctx)
	return int(n), err
}

// ListInterfaces names the active interfaces.
//
// libvirt: virConnectListInterfaces
func (c *Conn) ListInterfaces(ctx context.Context) ([]string, error) {
	n, err := c.c.Interface.ConnectNumOfInterfaces(ctx)
	if err != nil {
		return nil, err
	}
	return c.c.Interface.ConnectListInterfaces(ctx, n)
}

// NumOfDefinedInterfaces counts the inactive interfaces.
//
// libvirt: virConnectNumOfDefinedInterfaces
func (c *Conn) NumOfDefinedInterfaces(ctx context.Context) (int, error) {
	n, err := c.c.Interface.ConnectNumOfDefinedInterfaces(ctx)
	return int(n), err
}

// ListDefinedInterfaces names the inactive interfaces.
//
// libvirt: virConnectListDefinedInterfaces
func (c *Conn) ListDefinedInterfaces(ctx context.Context) ([]string, error) {
	n, err := c.c.Interface.ConnectNumOfDefinedInterfaces(ctx)
	if err != nil {
		return nil, err
	}
	return c.c.Interface.ConnectListDefinedInterfaces(ctx, n)
}

// InterfaceDefineXML defines (or redefines) an interface.
//
// libvirt: virInterfaceDefineXML
func (c *Conn) InterfaceDefineXML(ctx context.Context, xml string, flags InterfaceDefineFlags) (*Interface, error) {
	if err := c.denyReadOnly("virInterfaceDefineXML"); err != nil {
		return nil, err
	}
	r, err := c.c.Interface.InterfaceDefineXML(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.iface(r), nil
}

// Undefine removes the interface's definition.
//
// libvirt: virInterfaceUndefine
func (i *Interface) Undefine(ctx context.Context) error {
	if err := i.conn.denyReadOnly("virInterfaceUndefine"); err != nil {
		return err
	}
	return i.d().InterfaceUndefine(ctx, i.ref)
}

// Create brings the interface up.
//
// libvirt: virInterfaceCreate
func (i *Interface) Create(ctx context.Context, flags uint32) error {
	if err := i.conn.denyReadOnly("virInterfaceCreate"); err != nil {
		return err
	}
	return i.d().InterfaceCreate(ctx, i.ref, flags)
}

// Destroy brings the interface down.
//
// libvirt: virInterfaceDestroy
func (i *Interface) Destroy(ctx context.Context, flags uint32) error {
	if err := i.conn.denyReadOnly("virInterfaceDestroy"); err != nil {
		return err
	}
	return i.d().InterfaceDestroy(ctx, i.ref, flags)
}

// IsActive reports whether the interface is up.
//
// libvirt: virInterfaceIsActive
func (i *Interface) IsActive(ctx context.Context) (bool, error) {
	v, err := i.d().InterfaceIsActive(ctx, i.ref)
	return v == 1, err
}

// InterfaceChangeBegin snapshots the host's interface configuration so
// that InterfaceChangeRollback can restore it.
//
// libvirt: virInterfaceChangeBegin
func (c *Conn) InterfaceChangeBegin(ctx context.Context, flags uint32) error {
	if err := c.denyReadOnly("virInterfaceChangeBegin"); err != nil {
		return err
	}
	return c.c.Interface.InterfaceChangeBegin(ctx, flags)
}

// InterfaceChangeCommit keeps the changes made since InterfaceChangeBegin.
//
// libvirt: virInterfaceChangeCommit
func (c *Conn) InterfaceChangeCommit(ctx context.Context, flags uint32) error {
	if err := c.denyReadOnly("virInterfaceChangeCommit"); err != nil {
		return err
	}
	return c.c.Interface.InterfaceChangeCommit(ctx, flags)
}

// InterfaceChangeRollback restores the configuration InterfaceChangeBegin saved.
//
// libvirt: virInterfaceChangeRollback
func (c *Conn) InterfaceChangeRollback(ctx context.Context, flags uint32) error {
	if err := c.denyReadOnly("virInterfaceChangeRollback"); err != nil {
		return err
	}
	return c.c.Interface.InterfaceChangeRollback(ctx, flags)
}
