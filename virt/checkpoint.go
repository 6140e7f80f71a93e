package virt

import (
	"context"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// DomainCheckpoint is a handle on a checkpoint of a domain
// (virDomainCheckpointPtr).
type DomainCheckpoint struct {
	conn *Conn
	ref  driver.DomainCheckpointRef
}

func (c *DomainCheckpoint) h() driver.Hypervisor { return c.conn.c.Hypervisor }

// Name is the checkpoint's name.
//
// libvirt: virDomainCheckpointGetName
func (c *DomainCheckpoint) Name() string { return c.ref.Name }

// Domain is the checkpoint's domain.
//
// libvirt: virDomainCheckpointGetDomain
func (c *DomainCheckpoint) Domain() *Domain { return c.conn.domain(c.ref.Dom) }

// CreateCheckpointXML creates (or with DomainCheckpointCreateRedefine
// restores the metadata of) a checkpoint described by xml.
//
// libvirt: virDomainCheckpointCreateXML
func (d *Domain) CreateCheckpointXML(ctx context.Context, xml string, flags DomainCheckpointCreateFlags) (*DomainCheckpoint, error) {
	if err := d.conn.denyReadOnly("virDomainCheckpointCreateXML"); err != nil {
		return nil, err
	}
	if err := requireFlag(virterr.FromDomainCheckpoint, uint32(flags), uint32(DomainCheckpointCreateRedefineValidate), uint32(DomainCheckpointCreateRedefine),
		"VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE", "VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE"); err != nil {
		return nil, err
	}
	r, err := d.h().DomainCheckpointCreateXML(ctx, d.ref, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return &DomainCheckpoint{conn: d.conn, ref: r}, nil
}

// ListAllCheckpoints lists the checkpoints flags select.
//
// libvirt: virDomainListAllCheckpoints
func (d *Domain) ListAllCheckpoints(ctx context.Context, flags DomainCheckpointListFlags) ([]*DomainCheckpoint, error) {
	r, err := d.h().DomainListAllCheckpoints(ctx, d.ref, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*DomainCheckpoint, len(r.Checkpoints))
	for i, ref := range r.Checkpoints {
		out[i] = &DomainCheckpoint{conn: d.conn, ref: ref}
	}
	return out, nil
}

// CheckpointLookupByName finds a checkpoint.
//
// libvirt: virDomainCheckpointLookupByName
func (d *Domain) CheckpointLookupByName(ctx context.Context, name string, flags uint32) (*DomainCheckpoint, error) {
	r, err := d.h().DomainCheckpointLookupByName(ctx, d.ref, name, flags)
	if err != nil {
		return nil, err
	}
	return &DomainCheckpoint{conn: d.conn, ref: r}, nil
}

// XMLDesc is the checkpoint's XML.
//
// libvirt: virDomainCheckpointGetXMLDesc
func (c *DomainCheckpoint) XMLDesc(ctx context.Context, flags DomainCheckpointXMLFlags) (string, error) {
	if flags&DomainCheckpointXMLSecure != 0 {
		if c.conn.readOnly {
			return "", virterr.NewFrom(virterr.FromDomainCheckpoint, virterr.OperationDenied, "virDomainCheckpointGetXMLDesc with secure flag")
		}
	}
	return c.h().DomainCheckpointGetXMLDesc(ctx, c.ref, uint32(flags))
}

// Parent is the checkpoint's parent.
//
// libvirt: virDomainCheckpointGetParent
func (c *DomainCheckpoint) Parent(ctx context.Context, flags uint32) (*DomainCheckpoint, error) {
	r, err := c.h().DomainCheckpointGetParent(ctx, c.ref, flags)
	if err != nil {
		return nil, err
	}
	return &DomainCheckpoint{conn: c.conn, ref: r}, nil
}

// ListAllChildren lists the children (or descendants) flags select.
//
// libvirt: virDomainCheckpointListAllChildren
func (c *DomainCheckpoint) ListAllChildren(ctx context.Context, flags DomainCheckpointListFlags) ([]*DomainCheckpoint, error) {
	r, err := c.h().DomainCheckpointListAllChildren(ctx, c.ref, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*DomainCheckpoint, len(r.Checkpoints))
	for i, ref := range r.Checkpoints {
		out[i] = &DomainCheckpoint{conn: c.conn, ref: ref}
	}
	return out, nil
}

// Delete removes the checkpoint (and with flags its children).
//
// libvirt: virDomainCheckpointDelete
func (c *DomainCheckpoint) Delete(ctx context.Context, flags DomainCheckpointDeleteFlags) error {
	if err := c.conn.denyReadOnly("virDomainCheckpointDelete"); err != nil {
		return err
	}
	if err := exclusiveFlags(virterr.FromDomainCheckpoint, uint32(flags), uint32(DomainCheckpointDeleteChildren), uint32(DomainCheckpointDeleteChildrenOnly),
		"VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN", "VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY"); err != nil {
		return err
	}
	return c.h().DomainCheckpointDelete(ctx, c.ref, uint32(flags))
}
