package virt

import (
	"context"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// CreateSnapshotXML takes (or with DomainSnapshotCreateRedefine restores
// the metadata of) a snapshot described by xml.
//
// libvirt: virDomainSnapshotCreateXML
func (d *Domain) CreateSnapshotXML(ctx context.Context, xml string, flags DomainSnapshotCreateFlags) (*DomainSnapshot, error) {
	if err := d.conn.denyReadOnly("virDomainSnapshotCreateXML"); err != nil {
		return nil, err
	}
	f := uint32(flags)
	const redefine, current, noMeta, halt = uint32(DomainSnapshotCreateRedefine), uint32(DomainSnapshotCreateCurrent), uint32(DomainSnapshotCreateNoMetadata), uint32(DomainSnapshotCreateHalt)
	if err := requireFlag(virterr.FromDomainSnapshot, f, current, redefine, "VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT", "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE"); err != nil {
		return nil, err
	}
	if err := exclusiveFlags(virterr.FromDomainSnapshot, f, redefine, noMeta, "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE", "VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA"); err != nil {
		return nil, err
	}
	if err := exclusiveFlags(virterr.FromDomainSnapshot, f, redefine, halt, "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE", "VIR_DOMAIN_SNAPSHOT_CREATE_HALT"); err != nil {
		return nil, err
	}
	r, err := d.h().DomainSnapshotCreateXML(ctx, d.ref, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	d.refresh(ctx)
	return &DomainSnapshot{conn: d.conn, ref: r}, nil
}

// SnapshotNum counts the snapshots flags select.
//
// libvirt: virDomainSnapshotNum
func (d *Domain) SnapshotNum(ctx context.Context, flags DomainSnapshotListFlags) (int, error) {
	n, err := d.h().DomainSnapshotNum(ctx, d.ref, uint32(flags))
	return int(n), err
}

// SnapshotListNames lists the names of the snapshots flags select.
//
// libvirt: virDomainSnapshotListNames
func (d *Domain) SnapshotListNames(ctx context.Context, flags DomainSnapshotListFlags) ([]string, error) {
	n, err := d.h().DomainSnapshotNum(ctx, d.ref, uint32(flags))
	if err != nil {
		return nil, err
	}
	return d.h().DomainSnapshotListNames(ctx, d.ref, n, uint32(flags))
}

// HasCurrentSnapshot reports whether the domain has a current snapshot.
//
// libvirt: virDomainHasCurrentSnapshot
func (d *Domain) HasCurrentSnapshot(ctx context.Context, flags uint32) (bool, error) {
	n, err := d.h().DomainHasCurrentSnapshot(ctx, d.ref, flags)
	return n == 1, err
}

// SnapshotCurrent is the domain's current snapshot.
//
// libvirt: virDomainSnapshotCurrent
func (d *Domain) SnapshotCurrent(ctx context.Context, flags uint32) (*DomainSnapshot, error) {
	r, err := d.h().DomainSnapshotCurrent(ctx, d.ref, flags)
	if err != nil {
		return nil, err
	}
	return &DomainSnapshot{conn: d.conn, ref: r}, nil
}

func (s *DomainSnapshot) h() driver.Hypervisor { return s.conn.c.Hypervisor }

// Parent is the snapshot's parent.
//
// libvirt: virDomainSnapshotGetParent
func (s *DomainSnapshot) Parent(ctx context.Context, flags uint32) (*DomainSnapshot, error) {
	r, err := s.h().DomainSnapshotGetParent(ctx, s.ref, flags)
	if err != nil {
		return nil, err
	}
	return &DomainSnapshot{conn: s.conn, ref: r}, nil
}

// NumChildren counts the children (or with DomainSnapshotListDescendants
// all descendants) that flags select.
//
// libvirt: virDomainSnapshotNumChildren
func (s *DomainSnapshot) NumChildren(ctx context.Context, flags DomainSnapshotListFlags) (int, error) {
	n, err := s.h().DomainSnapshotNumChildren(ctx, s.ref, uint32(flags))
	return int(n), err
}

// ListChildrenNames lists the names of the children flags select.
//
// libvirt: virDomainSnapshotListChildrenNames
func (s *DomainSnapshot) ListChildrenNames(ctx context.Context, flags DomainSnapshotListFlags) ([]string, error) {
	n, err := s.h().DomainSnapshotNumChildren(ctx, s.ref, uint32(flags))
	if err != nil {
		return nil, err
	}
	return s.h().DomainSnapshotListChildrenNames(ctx, s.ref, n, uint32(flags))
}

// ListAllChildren lists the children flags select.
//
// libvirt: virDomainSnapshotListAllChildren
func (s *DomainSnapshot) ListAllChildren(ctx context.Context, flags DomainSnapshotListFlags) ([]*DomainSnapshot, error) {
	r, err := s.h().DomainSnapshotListAllChildren(ctx, s.ref, 1, uint32(flags))
	if err != nil {
		return nil, err
	}
	out := make([]*DomainSnapshot, len(r.Snapshots))
	for i, ref := range r.Snapshots {
		out[i] = &DomainSnapshot{conn: s.conn, ref: ref}
	}
	return out, nil
}

// IsCurrent reports whether this is the domain's current snapshot.
//
// libvirt: virDomainSnapshotIsCurrent
func (s *DomainSnapshot) IsCurrent(ctx context.Context, flags uint32) (bool, error) {
	n, err := s.h().DomainSnapshotIsCurrent(ctx, s.ref, flags)
	return n == 1, err
}

// HasMetadata reports whether libvirt keeps metadata for the snapshot.
//
// libvirt: virDomainSnapshotHasMetadata
func (s *DomainSnapshot) HasMetadata(ctx context.Context, flags uint32) (bool, error) {
	n, err := s.h().DomainSnapshotHasMetadata(ctx, s.ref, flags)
	return n == 1, err
}

// Revert returns the domain to the snapshot's state.
//
// libvirt: virDomainRevertToSnapshot
func (s *DomainSnapshot) Revert(ctx context.Context, flags DomainSnapshotRevertFlags) error {
	if err := s.conn.denyReadOnly("virDomainRevertToSnapshot"); err != nil {
		return err
	}
	if err := exclusiveFlags(virterr.FromDomainSnapshot, uint32(flags), uint32(DomainSnapshotRevertRunning), uint32(DomainSnapshotRevertPaused),
		"VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING", "VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED"); err != nil {
		return err
	}
	return s.h().DomainRevertToSnapshot(ctx, s.ref, uint32(flags))
}

// Delete removes the snapshot (and with flags its children).
//
// libvirt: virDomainSnapshotDelete
func (s *DomainSnapshot) Delete(ctx context.Context, flags DomainSnapshotDeleteFlags) error {
	if err := s.conn.denyReadOnly("virDomainSnapshotDelete"); err != nil {
		return err
	}
	if err := exclusiveFlags(virterr.FromDomainSnapshot, uint32(flags), uint32(DomainSnapshotDeleteChildren), uint32(DomainSnapshotDeleteChildrenOnly),
		"VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN", "VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY"); err != nil {
		return err
	}
	return s.h().DomainSnapshotDelete(ctx, s.ref, uint32(flags))
}
