package virt

import (
	"context"
	"os"

	"github.com/govirt/govirt/virt/virterr"
)

// ListGetStats reports statistics of the given domains, which must all
// belong to c.
//
// libvirt: virDomainListGetStats
func (c *Conn) ListGetStats(ctx context.Context, doms []*Domain, stats DomainStatsTypes, flags ConnectGetAllDomainStatsFlags) ([]DomainStats, error) {
	if len(doms) == 0 {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "doms array in virDomainListGetStats must contain at least one domain")
	}
	for _, d := range doms {
		if d.conn != c {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "domains in virDomainListGetStats must belong to a single connection")
		}
	}
	return c.GetAllDomainStats(ctx, doms, stats, flags)
}

// CreateWithFiles starts a defined domain, handing it files (for LXC
// guests). In-process drivers receive no descriptors; libvirt's test
// driver ignores them too.
//
// libvirt: virDomainCreateWithFiles
func (d *Domain) CreateWithFiles(ctx context.Context, files []*os.File, flags DomainCreateFlags) error {
	if err := d.conn.denyReadOnly("virDomainCreateWithFiles"); err != nil {
		return err
	}
	if _, err := d.h().DomainCreateWithFiles(ctx, d.ref, uint32(flags)); err != nil {
		return err
	}
	d.refresh(ctx)
	return nil
}

// CreateDomainXMLWithFiles starts a transient domain, handing it files
// (see CreateWithFiles).
//
// libvirt: virDomainCreateXMLWithFiles
func (c *Conn) CreateDomainXMLWithFiles(ctx context.Context, xml string, files []*os.File, flags DomainCreateFlags) (*Domain, error) {
	if err := c.denyReadOnly("virDomainCreateXMLWithFiles"); err != nil {
		return nil, err
	}
	r, err := c.c.Hypervisor.DomainCreateXMLWithFiles(ctx, xml, uint32(flags))
	if err != nil {
		return nil, err
	}
	return c.domain(r), nil
}
