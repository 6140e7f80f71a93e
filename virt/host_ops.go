package virt

import (
	"context"
)

// NodeCPUStats is one CPU statistic in nanoseconds ("kernel", "user",
// "idle", "iowait" …), as virNodeCPUStats carries it.
type NodeCPUStats struct {
	Field string
	Value uint64
}

// NodeCPUStats reads the host's CPU time counters for cpuNum
// (NodeCPUStatsAllCpus for the sum).
//
// libvirt: virNodeGetCPUStats
func (c *Conn) NodeCPUStats(ctx context.Context, cpuNum int, flags uint32) ([]NodeCPUStats, error) {
	r, err := c.c.Hypervisor.NodeGetCPUStats(ctx, int32(cpuNum), 0, flags)
	if err != nil {
		return nil, err
	}
	if len(r.Params) == 0 && r.Nparams > 0 {
		if r, err = c.c.Hypervisor.NodeGetCPUStats(ctx, int32(cpuNum), r.Nparams, flags); err != nil {
			return nil, err
		}
	}
	out := make([]NodeCPUStats, len(r.Params))
	for i, p := range r.Params {
		out[i] = NodeCPUStats{Field: p.Field, Value: p.Value}
	}
	return out, nil
}

// NodeMemoryStats is one memory statistic in KiB ("total", "free",
// "buffers", "cached"), as virNodeMemoryStats carries it.
type NodeMemoryStats struct {
	Field string
	Value uint64
}

// NodeMemoryStats reads the host's memory counters for NUMA cell cellNum
// (NodeMemoryStatsAllCells for the whole host).
//
// libvirt: virNodeGetMemoryStats
func (c *Conn) NodeMemoryStats(ctx context.Context, cellNum int, flags uint32) ([]NodeMemoryStats, error) {
	r, err := c.c.Hypervisor.NodeGetMemoryStats(ctx, 0, int32(cellNum), flags)
	if err != nil {
		return nil, err
	}
	if len(r.Params) == 0 && r.Nparams > 0 {
		if r, err = c.c.Hypervisor.NodeGetMemoryStats(ctx, r.Nparams, int32(cellNum), flags); err != nil {
			return nil, err
		}
	}
	out := make([]NodeMemoryStats, len(r.Params))
	for i, p := range r.Params {
		out[i] = NodeMemoryStats{Field: p.Field, Value: p.Value}
	}
	return out, nil
}

// NodeFreeMemory is the host's free memory in bytes.
//
// libvirt: virNodeGetFreeMemory
func (c *Conn) NodeFreeMemory(ctx context.Context) (uint64, error) {
	return c.c.Hypervisor.NodeGetFreeMemory(ctx)
}

// NodeCellsFreeMemory is the free memory in bytes of up to maxCells NUMA
// cells from startCell.
//
// libvirt: virNodeGetCellsFreeMemory
func (c *Conn) NodeCellsFreeMemory(ctx context.Context, startCell, maxCells int) ([]uint64, error) {
	return c.c.Hypervisor.NodeGetCellsFreeMemory(ctx, int32(startCell), int32(maxCells))
}

// NodeFreePages counts the free pages of each size in pages (KiB) for
// cellCount cells from startCell: the result holds cellCount groups of
// len(pages) counts.
//
// libvirt: virNodeGetFreePages
func (c *Conn) NodeFreePages(ctx context.Context, pages []uint32, startCell, cellCount int, flags uint32) ([]uint64, error) {
	return c.c.Hypervisor.NodeGetFreePages(ctx, pages, int32(startCell), uint32(cellCount), flags)
}

// NodeAllocPages allocates or frees huge pages; it returns how many cells
// it changed.
//
// libvirt: virNodeAllocPages
func (c *Conn) NodeAllocPages(ctx context.Context, pageSizes []uint32, pageCounts []uint64, startCell, cellCount int, flags NodeAllocPagesFlags) (int, error) {
	if err := c.denyReadOnly("virNodeAllocPages"); err != nil {
		return 0, err
	}
	n, err := c.c.Hypervisor.NodeAllocPages(ctx, pageSizes, pageCounts, int32(startCell), uint32(cellCount), uint32(flags))
	return int(n), err
}

// NodeCPUMap is the host's CPUs: which are online, and how many there are.
type NodeCPUMap struct {
	Online []bool
	CPUs   int
}

// NodeCPUMap reports which of the host's CPUs are online.
//
// libvirt: virNodeGetCPUMap
func (c *Conn) NodeCPUMap(ctx context.Context, flags uint32) (*NodeCPUMap, error) {
	r, err := c.c.Hypervisor.NodeGetCPUMap(ctx, 1, 1, flags)
	if err != nil {
		return nil, err
	}
	m := &NodeCPUMap{CPUs: int(r.Ret), Online: make([]bool, r.Ret)}
	for i := 0; i < int(r.Ret); i++ {
		if i/8 < len(r.Cpumap) && r.Cpumap[i/8]&(1<<(i%8)) != 0 {
			m.Online[i] = true
		}
	}
	return m, nil
}

// Sysinfo is the host's SMBIOS information as <sysinfo> XML.
//
// libvirt: virConnectGetSysinfo
func (c *Conn) Sysinfo(ctx context.Context, flags uint32) (string, error) {
	return c.c.Hypervisor.ConnectGetSysinfo(ctx, flags)
}

// DomainCapabilities is what the hypervisor offers guests of one kind
// (<domainCapabilities>); empty arguments let the driver choose.
//
// libvirt: virConnectGetDomainCapabilities
func (c *Conn) DomainCapabilities(ctx context.Context, emulator, arch, machine, virtType string, flags uint32) (string, error) {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return c.c.Hypervisor.ConnectGetDomainCapabilities(ctx, opt(emulator), opt(arch), opt(machine), opt(virtType), flags)
}

// CompareCPU compares the host CPU with the CPU xml describes.
//
// libvirt: virConnectCompareCPU
func (c *Conn) CompareCPU(ctx context.Context, xml string, flags ConnectCompareCPUFlags) (CPUCompareResult, error) {
	n, err := c.c.Hypervisor.ConnectCompareCPU(ctx, xml, uint32(flags))
	if err != nil {
		return CPUCompareError, err
	}
	return CPUCompareResult(n), nil
}

// BaselineCPU computes the most capable CPU that every CPU of xmlCPUs
// supports.
//
// libvirt: virConnectBaselineCPU
func (c *Conn) BaselineCPU(ctx context.Context, xmlCPUs []string, flags ConnectBaselineCPUFlags) (string, error) {
	return c.c.Hypervisor.ConnectBaselineCPU(ctx, xmlCPUs, uint32(flags))
}

// CPUModelNames lists the CPU models the hypervisor knows for arch.
//
// libvirt: virConnectGetCPUModelNames
func (c *Conn) CPUModelNames(ctx context.Context, arch string, flags uint32) ([]string, error) {
	r, err := c.c.Hypervisor.ConnectGetCPUModelNames(ctx, arch, 1, flags)
	if err != nil {
		return nil, err
	}
	return r.Models, nil
}

// SupportsFeature reports whether the driver has an internal feature
// (VIR_DRV_FEATURE_*); for drivers and RPC layers, not applications.
func (c *Conn) SupportsFeature(ctx context.Context, feature int) (bool, error) {
	n, err := c.c.Hypervisor.ConnectSupportsFeature(ctx, int32(feature))
	return n > 0, err
}
