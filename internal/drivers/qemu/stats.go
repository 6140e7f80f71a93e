package qemu

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/macaddr"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

// blockStat is one entry of query-blockstats.
type blockStat struct {
	Device   string `json:"device"`
	QDev     string `json:"qdev"`
	NodeName string `json:"node-name"`
	// Backing is the next image of the chain.
	Backing *blockStat `json:"backing"`
	Stats   struct {
		blockCounters
		// WrHighestOffset is the image's allocation as libvirt reports it.
		WrHighestOffset uint64 `json:"wr_highest_offset"`
	} `json:"stats"`
}

// blockCounters are a device's I/O counters.
type blockCounters struct {
	RdBytes   int64 `json:"rd_bytes"`
	WrBytes   int64 `json:"wr_bytes"`
	RdOps     int64 `json:"rd_operations"`
	WrOps     int64 `json:"wr_operations"`
	FlushOps  int64 `json:"flush_operations"`
	RdTimeNs  int64 `json:"rd_total_time_ns"`
	WrTimeNs  int64 `json:"wr_total_time_ns"`
	FlushTime int64 `json:"flush_total_time_ns"`
}

// add sums the counters libvirt totals (qemuDomainBlockStatsGatherTotals:
// positive ones).
func (b *blockCounters) add(o blockCounters) {
	for _, f := range []struct{ sum, v *int64 }{
		{&b.RdBytes, &o.RdBytes}, {&b.WrBytes, &o.WrBytes}, {&b.RdOps, &o.RdOps}, {&b.WrOps, &o.WrOps},
		{&b.FlushOps, &o.FlushOps}, {&b.RdTimeNs, &o.RdTimeNs}, {&b.WrTimeNs, &o.WrTimeNs}, {&b.FlushTime, &o.FlushTime},
	} {
		if *f.v > 0 {
			*f.sum += *f.v
		}
	}
}

// blockStatKey is the alias of the device a query-blockstats entry is
// for.
func blockStatKey(s blockStat) string {
	if s.QDev != "" {
		// /machine/peripheral/virtio-disk0/virtio-backend
		return strings.Split(strings.TrimPrefix(s.QDev, "/machine/peripheral/"), "/")[0]
	}
	return s.Device
}

// findDisk resolves a disk by target or source path (virDomainDiskByName).
func findDisk(def *domain.Def, path string) *domain.Disk {
	for _, d := range def.Devices.Disks {
		if d.Dst() == path || (d.Source != nil && d.Source.Path() == path) {
			return d
		}
	}
	return nil
}

// blockStatsGather is qemuDomainBlocksStatsGather: the counters of the
// disk path names (its target or source), or with an empty path their
// sum over every device. Like every query it takes no job (libvirt's
// query job would wait behind a long modify job).
func (c *conn) blockStatsGather(ctx context.Context, dom driver.DomainRef, path string) (blockCounters, error) {
	o, err := c.d.lookup(dom)
	if err != nil {
		return blockCounters{}, err
	}
	o.mu.Lock()
	p := o.proc
	var disk *domain.Disk
	var alias string
	if p != nil && path != "" {
		if disk = findDisk(o.live, path); disk != nil {
			alias = disk.Info.Alias
		}
	}
	o.mu.Unlock()
	if p == nil {
		return blockCounters{}, notRunning()
	}
	if path != "" && disk == nil {
		return blockCounters{}, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "invalid path: %s", path)
	}
	if path != "" && alias == "" {
		return blockCounters{}, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "missing disk device alias name for %s", disk.Dst())
	}
	var list []blockStat
	if err := p.mon.ExecuteInto(ctx, "query-blockstats", nil, &list); err != nil {
		return blockCounters{}, err
	}
	if path != "" {
		for _, s := range list {
			if blockStatKey(s) == alias {
				return s.Stats.blockCounters, nil
			}
		}
		return blockCounters{}, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "cannot find statistics for device '%s'", alias)
	}
	var total blockCounters
	for _, s := range list {
		total.add(s.Stats.blockCounters)
	}
	return total, nil
}

// DomainBlockStats reports a disk's I/O counters (qemuDomainBlockStats);
// QEMU counts no errors.
func (c *conn) DomainBlockStats(ctx context.Context, dom driver.DomainRef, path string) (driver.DomainBlockStatsRet, error) {
	s, err := c.blockStatsGather(ctx, dom, path)
	if err != nil {
		return driver.DomainBlockStatsRet{}, err
	}
	return driver.DomainBlockStatsRet{RdReq: s.RdOps, RdBytes: s.RdBytes, WrReq: s.WrOps, WrBytes: s.WrBytes, Errs: -1}, nil
}

func llong(name string, v int64) driver.TypedParam {
	return driver.TypedParam{Field: name, Value: driver.TypedParamValue{Type: driver.ParamLLong, L: v}}
}

func ullong(name string, v uint64) driver.TypedParam {
	return driver.TypedParam{Field: name, Value: driver.TypedParamValue{Type: driver.ParamULLong, UL: v}}
}

func uintParam(name string, v uint32) driver.TypedParam {
	return driver.TypedParam{Field: name, Value: driver.TypedParamValue{Type: driver.ParamUInt, UI: v}}
}

func intParam(name string, v int32) driver.TypedParam {
	return driver.TypedParam{Field: name, Value: driver.TypedParamValue{Type: driver.ParamInt, I: v}}
}

func strParam(name, v string) driver.TypedParam {
	return driver.TypedParam{Field: name, Value: driver.TypedParamValue{Type: driver.ParamString, S: v}}
}

// typedParamStringOkay is VIR_TYPED_PARAM_STRING_OKAY, which callers of
// the typed-parameter APIs may always pass.
const typedParamStringOkay uint32 = 1 << 2

// DomainBlockStatsFlags reports a disk's counters as typed parameters
// (qemuDomainBlockStatsFlags); nparams 0 asks how many there are.
func (c *conn) DomainBlockStatsFlags(ctx context.Context, dom driver.DomainRef, path string, nparams int32, flags uint32) (driver.DomainBlockStatsFlagsRet, error) {
	if err := unsupportedFlags(flags, typedParamStringOkay, "qemuDomainBlockStatsFlags"); err != nil {
		return driver.DomainBlockStatsFlagsRet{}, err
	}
	s, err := c.blockStatsGather(ctx, dom, path)
	if err != nil {
		return driver.DomainBlockStatsFlagsRet{}, err
	}
	params := []driver.TypedParam{
		llong("wr_bytes", s.WrBytes), llong("wr_operations", s.WrOps), llong("rd_bytes", s.RdBytes),
		llong("rd_operations", s.RdOps), llong("flush_operations", s.FlushOps),
		llong("wr_total_times", s.WrTimeNs), llong("rd_total_times", s.RdTimeNs), llong("flush_total_times", s.FlushTime),
	}
	if nparams == 0 {
		return driver.DomainBlockStatsFlagsRet{Nparams: int32(len(params))}, nil
	}
	if int(nparams) < len(params) {
		params = params[:nparams]
	}
	return driver.DomainBlockStatsFlagsRet{Params: params, Nparams: int32(len(params))}, nil
}

// netDevStats reads a host interface's counters from /proc/net/dev
// (virNetDevTapInterfaceStats). swapped tells the guest's view of a tap,
// whose rx is the host side's tx.
func netDevStats(dev string, swapped bool) (driver.DomainInterfaceStatsRet, bool) {
	f, err := os.Open("/proc/net/dev")
	if err != nil {
		return driver.DomainInterfaceStatsRet{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(name) != dev {
			continue
		}
		fs := strings.Fields(rest)
		if len(fs) < 16 {
			return driver.DomainInterfaceStatsRet{}, false
		}
		n := func(i int) int64 { v, _ := strconv.ParseInt(fs[i], 10, 64); return v }
		rx, tx := 0, 8
		if swapped {
			rx, tx = 8, 0
		}
		return driver.DomainInterfaceStatsRet{
			RxBytes: n(rx), RxPackets: n(rx + 1), RxErrs: n(rx + 2), RxDrop: n(rx + 3),
			TxBytes: n(tx), TxPackets: n(tx + 1), TxErrs: n(tx + 2), TxDrop: n(tx + 3),
		}, true
	}
	return driver.DomainInterfaceStatsRet{}, false
}

// findNIC is virDomainNetFind: device is a MAC address or the name of
// the host interface.
func findNIC(def *domain.Def, device string) (*domain.Device, error) {
	if def.Devices != nil {
		mac, macErr := macaddr.Parse(device)
		for _, nic := range def.Devices.Interfaces() {
			if macErr == nil {
				if m, err := macaddr.Parse(macOf(nic)); err == nil && m == mac {
					return nic, nil
				}
			} else if t := childProp(nic, "target", "dev"); t != "" && t == device {
				return nic, nil
			}
		}
	}
	return nil, virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "'%s' is not a known interface", device)
}

// DomainInterfaceStats reports a NIC's traffic counters
// (qemuDomainInterfaceStats).
func (c *conn) DomainInterfaceStats(ctx context.Context, dom driver.DomainRef, device string) (driver.DomainInterfaceStatsRet, error) {
	o, p, err := c.d.running(dom)
	if err != nil {
		return driver.DomainInterfaceStatsRet{}, err
	}
	o.mu.Lock()
	nic, err := findNIC(o.live, device)
	var n statNIC
	if err == nil {
		n = statNIC{ifname: childProp(nic, "target", "dev"), actual: nic.Attr("type")}
		if h := p.nicByDevice(nic); h != nil && h.Actual != "" {
			n.actual = h.Actual
		}
	}
	o.mu.Unlock()
	if err != nil {
		return driver.DomainInterfaceStatsRet{}, err
	}
	if n.ifname == "" {
		return driver.DomainInterfaceStatsRet{}, virterr.NewFrom(virterr.FromNone, virterr.InternalError, "Interface name not provided")
	}
	st, ok := netDevStats(n.ifname, !n.sharesHostView())
	if !ok {
		return driver.DomainInterfaceStatsRet{}, virterr.NewFrom(virterr.FromNone, virterr.InternalError, "/proc/net/dev: Interface not found")
	}
	return st, nil
}

// DomainGetBlockInfo reports a disk's capacity, allocation and physical
// size (qemuDomainGetBlockInfo): QEMU's figures for a running guest, the
// image's own for an inactive one.
func (c *conn) DomainGetBlockInfo(ctx context.Context, dom driver.DomainRef, path string, flags uint32) (driver.DomainGetBlockInfoRet, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainGetBlockInfo"); err != nil {
		return driver.DomainGetBlockInfoRet{}, err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return driver.DomainGetBlockInfoRet{}, err
	}
	o.mu.Lock()
	p := o.proc
	var sd statDisk
	disk := findDisk(o.current(), path)
	if disk != nil {
		sd = newStatDisk(disk)
	}
	o.mu.Unlock()
	if disk == nil {
		return driver.DomainGetBlockInfoRet{}, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "invalid path %s not assigned to domain", path)
	}
	if disk.Source == nil || disk.Source.Path() == "" {
		return driver.DomainGetBlockInfoRet{}, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "disk '%s' does not currently have a source assigned", path)
	}
	if p == nil {
		alloc, capacity, physical, err := sd.offlineSizes()
		if err != nil {
			return driver.DomainGetBlockInfoRet{}, err
		}
		return driver.DomainGetBlockInfoRet{Capacity: capacity, Allocation: alloc, Physical: physical}, nil
	}
	devs, nodes := p.blockStatsAndNodes(ctx)
	s, ok := devs[sd.alias]
	if !ok {
		return driver.DomainGetBlockInfoRet{}, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "cannot find statistics for device '%s'", sd.alias)
	}
	node := nodes[s.NodeName]
	capacity := node.Image.VirtualSize
	physical := capacity
	if node.Image.ActualSize != nil {
		physical = *node.Image.ActualSize
	}
	// A qcow2 file grows as it is written: what it holds is its size on
	// disk, not the highest offset the guest wrote.
	alloc := s.Stats.WrHighestOffset
	if sd.typ == "file" && sd.format == "qcow2" {
		alloc = physical
	}
	info := driver.DomainGetBlockInfoRet{Capacity: capacity, Allocation: alloc, Physical: physical}
	// Sparse files: libvirt reads the file's length for physical.
	if physical == 0 || alloc == 0 || alloc == physical {
		if alloc == 0 {
			info.Allocation = physical
		}
		if _, _, length, err := sd.offlineSizes(); err == nil {
			info.Physical = length
		}
	}
	return info, nil
}

// Memory statistic tags (virDomainMemoryStatTags).
const (
	memStatActualBalloon int32 = 6
	memStatRSS           int32 = 7
)

// rssKiB is a process's resident set size, as qemuGetProcessInfo reads
// it; ok is false when the process cannot be read.
func rssKiB(pid int) (kib uint64, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, found := strings.CutPrefix(line, "VmRSS:"); found {
			f := strings.Fields(v)
			if len(f) == 0 {
				return 0, false
			}
			n, err := strconv.ParseUint(f[0], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// balloonOnly is a definition holding def's balloon alone, taken under
// the domain's lock so that the monitor round trips that follow read
// nothing a hotplug may change meanwhile.
func balloonOnly(def *domain.Def) *domain.Def {
	out := &domain.Def{Devices: &domain.Devices{ByKind: map[string][]*domain.Device{}}}
	if m := memballoon(def); m != nil {
		out.Devices.ByKind["memballoon"] = []*domain.Device{m}
	}
	return out
}

// memoryStats is qemuDomainMemoryStatsInternal: what the balloon tells
// (its size and the guest's statistics), then QEMU's RSS, at most max of
// them in that order. A guest without a balloon has its RSS alone.
// balloon is balloonOnly's copy of the running definition.
func (p *qemuProcess) memoryStats(ctx context.Context, balloon *domain.Def, max int) ([]driver.DomainMemoryStat, error) {
	out, err := p.balloonStats(ctx, balloon)
	if err != nil {
		return nil, err
	}
	if len(out) >= max {
		return out[:max], nil
	}
	// libvirt goes on without the RSS when /proc cannot tell it.
	if rss, ok := rssKiB(p.pid); ok {
		out = append(out, driver.DomainMemoryStat{Tag: memStatRSS, Val: rss})
	}
	return out, nil
}

// memStatNR is VIR_DOMAIN_MEMORY_STAT_NR of libvirt 9.0: how many
// statistics there are, and so the most one call reports.
const memStatNR = 13

// DomainMemoryStats reports the guest's memory statistics
// (qemuDomainMemoryStats). It takes no job, as no query does here.
func (c *conn) DomainMemoryStats(ctx context.Context, dom driver.DomainRef, maxStats uint32, flags uint32) ([]driver.DomainMemoryStat, error) {
	// virDomainMemoryStats answers a request for nothing itself.
	if maxStats == 0 {
		return nil, nil
	}
	if err := unsupportedFlags(flags, 0, "qemuDomainMemoryStats"); err != nil {
		return nil, err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	p := o.proc
	var balloon *domain.Def
	if p != nil {
		balloon = balloonOnly(o.live)
	}
	o.mu.Unlock()
	if p == nil {
		return nil, notRunning()
	}
	return p.memoryStats(ctx, balloon, int(min(maxStats, memStatNR)))
}

// balloonStatNames are the domstats names of the memory statistics
// (qemuDomainGetStatsBalloon's STORE_MEM_RECORD): the balloon's size is
// not among them, balloon.current tells it.
var balloonStatNames = map[int32]string{
	memStatSwapIn:         "swap_in",
	memStatSwapOut:        "swap_out",
	memStatMajorFault:     "major_fault",
	memStatMinorFault:     "minor_fault",
	memStatUnused:         "unused",
	memStatAvailable:      "available",
	memStatRSS:            "rss",
	memStatLastUpdate:     "last-update",
	memStatUsable:         "usable",
	memStatDiskCaches:     "disk_caches",
	memStatHugetlbPgalloc: "hugetlb_pgalloc",
	memStatHugetlbPgfail:  "hugetlb_pgfail",
}

// balloonGroup is domstats' balloon group (qemuDomainGetStatsBalloon):
// the recorded balloon size, which BALLOON_CHANGE keeps current, and the
// maximum — for an inactive domain too — then, for a running one, the
// memory statistics in dommemstat's order. A guest whose statistics
// cannot be read has the first two alone.
type balloonGroup struct {
	current, maximum uint64
	balloon          *domain.Def // balloonOnly's, for a running domain
}

// newBalloonGroup reads what the group needs of def; the caller holds
// the domain's lock.
func newBalloonGroup(def *domain.Def, active bool) balloonGroup {
	g := balloonGroup{current: def.Memory.Current, maximum: def.Memory.Total}
	if memballoon(def) == nil || g.current == 0 {
		g.current = def.Memory.Total
	}
	if active {
		g.balloon = balloonOnly(def)
	}
	return g
}

func (g balloonGroup) params(ctx context.Context, p *qemuProcess) []driver.TypedParam {
	ps := []driver.TypedParam{ullong("balloon.current", g.current), ullong("balloon.maximum", g.maximum)}
	if p == nil || g.balloon == nil {
		return ps
	}
	stats, err := p.memoryStats(ctx, g.balloon, memStatNR)
	if err != nil {
		return ps
	}
	for _, st := range stats {
		if name, ok := balloonStatNames[st.Tag]; ok {
			ps = append(ps, ullong("balloon."+name, st.Val))
		}
	}
	return ps
}

// Stats groups of virConnectGetAllDomainStats.
const (
	statsState     uint32 = 1 << 0
	statsCPU       uint32 = 1 << 1
	statsBalloon   uint32 = 1 << 2
	statsVCPU      uint32 = 1 << 3
	statsInterface uint32 = 1 << 4
	statsBlock     uint32 = 1 << 5
	statsIOThread  uint32 = 1 << 7
	statsDirtyRate uint32 = 1 << 9
	statsSupported        = statsState | statsCPU | statsBalloon | statsVCPU | statsInterface | statsBlock | statsIOThread | statsDirtyRate
	statsEnforce   uint32 = 1 << 31
)

// Flags of virConnectGetAllDomainStats besides the list filters.
const (
	statsNoWait  uint32 = 1 << 29
	statsBacking uint32 = 1 << 30
	// statsListFilters are the list flags the call filters by: active,
	// persistent and state.
	statsListFilters uint32 = 1<<8 - 1
)

// ConnectGetAllDomainStats collects the stats groups for the domains
// asked for, or every domain, keeping those the filter flags match
// (qemuConnectGetAllDomainStats). A listed domain that has gone is
// skipped. Unknown groups are dropped, or refused with ENFORCE.
func (c *conn) ConnectGetAllDomainStats(ctx context.Context, doms []driver.DomainRef, stats uint32, flags uint32) ([]driver.DomainStatsRecord, error) {
	if err := unsupportedFlags(flags, statsListFilters|statsNoWait|statsBacking|statsEnforce, "qemuConnectGetAllDomainStats"); err != nil {
		return nil, err
	}
	if stats&^statsSupported != 0 && flags&statsEnforce != 0 {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.ArgumentUnsupported, "Stats types bits 0x%x are not supported by this daemon", stats&^statsSupported)
	}
	if stats == 0 {
		stats = statsSupported
	}
	stats &= statsSupported
	var candidates []*domainObj
	if len(doms) > 0 {
		for _, ref := range doms {
			if o, err := c.d.lookup(ref); err == nil {
				candidates = append(candidates, o)
			}
		}
	} else {
		candidates = c.d.snapshot()
	}
	var out []driver.DomainStatsRecord
	for _, o := range candidates {
		o.mu.Lock()
		ok := c.d.matches(o, flags&statsListFilters)
		o.mu.Unlock()
		if ok {
			out = append(out, driver.DomainStatsRecord{Dom: o.refLocked(), Params: c.d.domainStats(ctx, o, stats, flags&statsBacking != 0)})
		}
	}
	return out, nil
}

// domainStats is qemuDomainGetStats: the groups asked for, in libvirt's
// order, for a running domain or (fewer of them) an inactive one.
func (d *Driver) domainStats(ctx context.Context, o *domainObj, stats uint32, backing bool) []driver.TypedParam {
	o.mu.Lock()
	p := o.proc
	state, reason := o.state, o.reason
	def := o.current()
	balloon := newBalloonGroup(def, p != nil)
	vcpus, maxVcpus := vcpuCount(def), int(def.VCPU.Max)
	var threads []int // the vCPU threads, copied: setvcpus replaces them under o.mu
	if p != nil {
		threads = append(threads, p.vcpus...)
	}
	var disks []statDisk
	var nics []statNIC
	if def.Devices != nil {
		for _, disk := range def.Devices.Disks {
			disks = append(disks, newStatDisk(disk))
		}
		for _, nic := range def.Devices.Interfaces() {
			n := statNIC{ifname: childProp(nic, "target", "dev"), actual: nic.Attr("type")}
			if p != nil {
				if h := p.nicByDevice(nic); h != nil && h.Actual != "" {
					n.actual = h.Actual
				}
			}
			nics = append(nics, n)
		}
	}
	o.mu.Unlock()
	var ps []driver.TypedParam
	if stats&statsState != 0 {
		ps = append(ps, intParam("state.state", state), intParam("state.reason", reason))
	}
	if stats&statsCPU != 0 {
		ps = append(ps, cpuGroup(ctx, p)...)
	}
	if stats&statsBalloon != 0 {
		ps = append(ps, balloon.params(ctx, p)...)
	}
	if stats&statsVCPU != 0 {
		ps = append(ps, vcpuGroup(p, threads, vcpus, maxVcpus)...)
	}
	if stats&statsInterface != 0 && p != nil {
		ps = append(ps, interfaceGroup(nics)...)
	}
	if stats&statsBlock != 0 {
		ps = append(ps, blockGroup(ctx, p, disks, backing)...)
	}
	if stats&statsIOThread != 0 && p != nil {
		ps = append(ps, p.iothreadGroup(ctx)...)
	}
	if stats&statsDirtyRate != 0 && p != nil {
		ps = append(ps, p.dirtyRateGroup(ctx)...)
	}
	return ps
}

// iothreadGroup is qemuDomainGetStatsIOThread: the guest's I/O threads
// in QEMU's order with their polling parameters; nothing for a guest
// without any.
func (p *qemuProcess) iothreadGroup(ctx context.Context) []driver.TypedParam {
	var list []struct {
		ID         string  `json:"id"`
		PollMaxNs  *uint64 `json:"poll-max-ns"`
		PollGrow   uint64  `json:"poll-grow"`
		PollShrink uint64  `json:"poll-shrink"`
	}
	if p.mon.ExecuteInto(ctx, "query-iothreads", nil, &list) != nil || len(list) == 0 {
		return nil
	}
	ps := []driver.TypedParam{uintParam("iothread.count", uint32(len(list)))}
	for _, it := range list {
		id, err := strconv.ParseUint(strings.TrimPrefix(it.ID, "iothread"), 10, 32)
		if err != nil || it.PollMaxNs == nil {
			continue
		}
		pre := fmt.Sprintf("iothread.%d.", id)
		ps = append(ps, ullong(pre+"poll-max-ns", *it.PollMaxNs), uintParam(pre+"poll-grow", uint32(it.PollGrow)),
			uintParam(pre+"poll-shrink", uint32(it.PollShrink)))
	}
	return ps
}

// dirtyRateStatus numbers query-dirty-rate's status as
// virDomainDirtyRateStatus does.
var dirtyRateStatus = map[string]int32{"unstarted": 0, "measuring": 1, "measured": 2}

// dirtyRateGroup is qemuDomainGetStatsDirtyRate: the last dirty-page
// rate calculation, with the rate once it is measured (per vCPU in
// dirty-ring mode).
func (p *qemuProcess) dirtyRateGroup(ctx context.Context) []driver.TypedParam {
	var r struct {
		Status    string `json:"status"`
		StartTime int64  `json:"start-time"`
		CalcTime  int32  `json:"calc-time"`
		Mode      string `json:"mode"`
		DirtyRate int64  `json:"dirty-rate"`
		VCPUs     []struct {
			ID   int    `json:"id"`
			Rate uint64 `json:"dirty-rate"`
		} `json:"vcpu-dirty-rate"`
	}
	if p.mon.ExecuteInto(ctx, "query-dirty-rate", nil, &r) != nil {
		return nil
	}
	if r.Mode == "" {
		r.Mode = "page-sampling"
	}
	status := dirtyRateStatus[r.Status]
	ps := []driver.TypedParam{intParam("dirtyrate.calc_status", status), llong("dirtyrate.calc_start_time", r.StartTime),
		intParam("dirtyrate.calc_period", r.CalcTime), strParam("dirtyrate.calc_mode", r.Mode)}
	if status == dirtyRateStatus["measured"] {
		ps = append(ps, llong("dirtyrate.megabytes_per_second", r.DirtyRate))
		if r.Mode == "dirty-ring" {
			for _, v := range r.VCPUs {
				ps = append(ps, ullong(fmt.Sprintf("dirtyrate.vcpu.%d.megabytes_per_second", v.ID), v.Rate))
			}
		}
	}
	return ps
}

// cpuGroup is qemuDomainGetStatsCpu without cgroups: QEMU's CPU time from
// /proc, the cache monitors (none) and the halt-polling times KVM keeps.
// For an inactive domain libvirt reads the pid 0 it has, which
// virProcessGetStat takes for itself: the daemon's own CPU time.
func cpuGroup(ctx context.Context, p *qemuProcess) []driver.TypedParam {
	pid := os.Getpid()
	if p != nil {
		pid = p.pid
	}
	u, s := cpuTime(pid)
	ps := []driver.TypedParam{ullong("cpu.time", u+s), ullong("cpu.user", u), ullong("cpu.system", s)}
	if p == nil {
		return ps
	}
	ps = append(ps, uintParam("cpu.cache.monitor.count", 0))
	if success, fail, ok := p.haltPollTimes(ctx); ok {
		ps = append(ps, ullong("cpu.haltpoll.success.time", success), ullong("cpu.haltpoll.fail.time", fail))
	}
	return ps
}

// haltPollTimes sums KVM's halt-polling times over the vCPUs
// (qemuDomainGetStatsCpuHaltPollTimeFromStats): a guest KVM does not run
// has no vCPU statistics and so zero. ok is false when QEMU cannot tell;
// libvirt then looks in debugfs, which a host rarely mounts for it.
func (p *qemuProcess) haltPollTimes(ctx context.Context) (success, fail uint64, ok bool) {
	if p.caps == nil || !p.caps.Has(caps.QueryStats) || p.mon == nil {
		return 0, 0, false
	}
	var answer []struct {
		Stats []struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"stats"`
	}
	args := map[string]any{"target": "vcpu", "providers": []map[string]any{{"provider": "kvm", "names": []string{"halt_poll_success_ns", "halt_poll_fail_ns"}}}}
	if err := p.mon.ExecuteInto(ctx, "query-stats", args, &answer); err != nil {
		return 0, 0, false
	}
	for _, vcpu := range answer {
		var s, f *uint64
		for _, st := range vcpu.Stats {
			var v uint64
			if json.Unmarshal(st.Value, &v) != nil {
				continue
			}
			switch st.Name {
			case "halt_poll_success_ns":
				s = &v
			case "halt_poll_fail_ns":
				f = &v
			}
		}
		if s == nil || f == nil {
			return 0, 0, false
		}
		success += *s
		fail += *f
	}
	return success, fail, true
}

// vcpuGroup is qemuDomainGetStatsVcpu: the counts, then for a running
// guest whose vCPU threads are known each one's state, CPU time, time
// waiting for a host CPU (schedstats' wait_sum) and scheduling delay.
func vcpuGroup(p *qemuProcess, threads []int, vcpus, maxVcpus int) []driver.TypedParam {
	ps := []driver.TypedParam{uintParam("vcpu.current", uint32(vcpus)), uintParam("vcpu.maximum", uint32(maxVcpus))}
	if p == nil || len(threads) < vcpus {
		return ps
	}
	for i := 0; i < vcpus; i++ {
		tid := threads[i]
		ps = append(ps, intParam(fmt.Sprintf("vcpu.%d.state", i), 1),
			ullong(fmt.Sprintf("vcpu.%d.time", i), threadCPUTime(p.pid, tid)),
			ullong(fmt.Sprintf("vcpu.%d.wait", i), schedWait(p.pid, tid)),
			ullong(fmt.Sprintf("vcpu.%d.delay", i), schedDelay(p.pid, tid)))
	}
	return ps
}

// schedWait is a thread's time spent runnable but waiting, in ns, from
// the scheduler's debug file (qemuGetSchedInfo); 0 when the kernel keeps
// no such statistics.
func schedWait(pid, tid int) uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/sched", pid, tid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "se.statistics.wait_sum") && !strings.HasPrefix(line, "se.wait_sum") {
			continue
		}
		_, v, ok := strings.Cut(line, ":")
		if !ok {
			return 0
		}
		ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0
		}
		return uint64(ms * 1000000)
	}
	return 0
}

// schedDelay is a thread's run delay in ns, schedstat's second field
// (qemuGetSchedstatDelay).
func schedDelay(pid, tid int) uint64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/schedstat", pid, tid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseUint(f[1], 10, 64)
	return n
}

// statNIC is what the interface group needs of a NIC.
type statNIC struct {
	ifname string
	actual string // the type it was plugged in as
}

// sharesHostView is virDomainNetTypeSharesHostView: a macvtap or an
// ethernet tap counts traffic as the guest does, other taps the other
// way round.
func (n statNIC) sharesHostView() bool {
	return n.actual == "direct" || n.actual == "ethernet"
}

// interfaceGroup is qemuDomainGetStatsInterface: every NIC counts, those
// with a host interface are named and, when the host can tell, their
// traffic follows.
func interfaceGroup(nics []statNIC) []driver.TypedParam {
	ps := []driver.TypedParam{uintParam("net.count", uint32(len(nics)))}
	for i, nic := range nics {
		if nic.ifname == "" {
			continue
		}
		pre := fmt.Sprintf("net.%d.", i)
		ps = append(ps, strParam(pre+"name", nic.ifname))
		st, ok := netDevStats(nic.ifname, !nic.sharesHostView())
		if !ok {
			continue
		}
		ps = append(ps, ullong(pre+"rx.bytes", uint64(st.RxBytes)), ullong(pre+"rx.pkts", uint64(st.RxPackets)),
			ullong(pre+"rx.errs", uint64(st.RxErrs)), ullong(pre+"rx.drop", uint64(st.RxDrop)),
			ullong(pre+"tx.bytes", uint64(st.TxBytes)), ullong(pre+"tx.pkts", uint64(st.TxPackets)),
			ullong(pre+"tx.errs", uint64(st.TxErrs)), ullong(pre+"tx.drop", uint64(st.TxDrop)))
	}
	return ps
}

// statDisk is what the block group needs of a disk.
type statDisk struct {
	name, alias string
	// path is the source of local storage (file, block, dir), which
	// libvirt names and can measure itself.
	path   string
	typ    string
	format string
}

func newStatDisk(disk *domain.Disk) statDisk {
	d := statDisk{name: disk.Dst(), alias: disk.Info.Alias}
	if src := disk.Source; src != nil {
		d.typ, d.format = src.Type, src.Format
		switch src.Type {
		case "file", "block", "dir":
			d.path = src.Path()
		}
	}
	if v, ok := disk.DriverAttr("type"); ok && v != "" {
		d.format = v
	}
	return d
}

// blockNodeInfo is one entry of query-named-block-nodes.
type blockNodeInfo struct {
	NodeName string `json:"node-name"`
	File     string `json:"file"`
	Image    struct {
		VirtualSize uint64  `json:"virtual-size"`
		ActualSize  *uint64 `json:"actual-size"`
	} `json:"image"`
}

// blockStatsAndNodes asks QEMU for every device's counters and every
// node's sizes in one round trip. Either may be missing: libvirt reports
// what it has.
func (p *qemuProcess) blockStatsAndNodes(ctx context.Context) (map[string]blockStat, map[string]blockNodeInfo) {
	statsCall := p.mon.Send(ctx, "query-blockstats", nil)
	nodesCall := p.mon.Send(ctx, "query-named-block-nodes", map[string]any{"flat": true})
	var list []blockStat
	devs := map[string]blockStat{}
	if statsCall.WaitInto(ctx, &list) == nil {
		for _, s := range list {
			devs[blockStatKey(s)] = s
		}
	}
	var nodeList []blockNodeInfo
	nodes := map[string]blockNodeInfo{}
	if nodesCall.WaitInto(ctx, &nodeList) == nil {
		for _, n := range nodeList {
			nodes[n.NodeName] = n
		}
	}
	return devs, nodes
}

// backingIndex is the index libvirt gives a source, which its node names
// carry (libvirt-N-format); 0 for nodes named otherwise.
func backingIndex(nodeName string) uint32 {
	v, ok := strings.CutPrefix(nodeName, "libvirt-")
	if !ok {
		return 0
	}
	v, ok = strings.CutSuffix(v, "-format")
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// blockGroup is qemuDomainGetStatsBlock: a record per disk — or with
// backing per image of each running disk's chain, top down — with name,
// path and index, the device's counters (top image only), then the
// image's allocation (the highest offset written), capacity and physical
// size: QEMU's for a running guest, read from the image by the daemon
// for an inactive one.
func blockGroup(ctx context.Context, p *qemuProcess, disks []statDisk, backing bool) []driver.TypedParam {
	var devs map[string]blockStat
	var nodes map[string]blockNodeInfo
	if p != nil {
		devs, nodes = p.blockStatsAndNodes(ctx)
	}
	var ps []driver.TypedParam
	n := 0
	next := func() string {
		n++
		return fmt.Sprintf("block.%d.", n-1)
	}
	for _, disk := range disks {
		pre := next()
		ps = append(ps, strParam(pre+"name", disk.name))
		if disk.path != "" {
			ps = append(ps, strParam(pre+"path", disk.path))
		}
		if p == nil {
			if alloc, capacity, physical, err := disk.offlineSizes(); err == nil {
				for _, f := range []struct {
					name string
					v    uint64
				}{{"allocation", alloc}, {"capacity", capacity}, {"physical", physical}} {
					if f.v != 0 {
						ps = append(ps, ullong(pre+f.name, f.v))
					}
				}
			}
			continue
		}
		s, ok := devs[disk.alias]
		if !ok {
			continue
		}
		if idx := backingIndex(s.NodeName); idx != 0 {
			ps = append(ps, uintParam(pre+"backingIndex", idx))
		}
		ps = append(ps, ullong(pre+"rd.reqs", uint64(s.Stats.RdOps)), ullong(pre+"rd.bytes", uint64(s.Stats.RdBytes)),
			ullong(pre+"rd.times", uint64(s.Stats.RdTimeNs)), ullong(pre+"wr.reqs", uint64(s.Stats.WrOps)),
			ullong(pre+"wr.bytes", uint64(s.Stats.WrBytes)), ullong(pre+"wr.times", uint64(s.Stats.WrTimeNs)),
			ullong(pre+"fl.reqs", uint64(s.Stats.FlushOps)), ullong(pre+"fl.times", uint64(s.Stats.FlushTime)))
		if s.NodeName == "" {
			continue
		}
		ps = append(ps, imageSizes(pre, s, nodes[s.NodeName], disk.path)...)
		if !backing {
			continue
		}
		for b := s.Backing; b != nil; b = b.Backing {
			pre := next()
			node := nodes[b.NodeName]
			ps = append(ps, strParam(pre+"name", disk.name))
			local := strings.HasPrefix(node.File, "/")
			if local {
				ps = append(ps, strParam(pre+"path", node.File))
			}
			if idx := backingIndex(b.NodeName); idx != 0 {
				ps = append(ps, uintParam(pre+"backingIndex", idx))
			}
			path := ""
			if local {
				path = node.File
			}
			ps = append(ps, imageSizes(pre, *b, node, path)...)
		}
	}
	return append([]driver.TypedParam{uintParam("block.count", uint32(n))}, ps...)
}

// imageSizes are one running image's allocation, capacity and physical
// size (qemuDomainGetStatsOneBlock); path, when local, gives the
// physical size QEMU does not.
func imageSizes(pre string, s blockStat, node blockNodeInfo, path string) []driver.TypedParam {
	ps := []driver.TypedParam{ullong(pre+"allocation", s.Stats.WrHighestOffset)}
	if node.Image.VirtualSize != 0 {
		ps = append(ps, ullong(pre+"capacity", node.Image.VirtualSize))
	}
	// Without actual-size the image is not thin provisioned.
	physical := node.Image.VirtualSize
	if node.Image.ActualSize != nil {
		physical = *node.Image.ActualSize
	}
	if physical == 0 && path != "" {
		if fi, err := os.Stat(path); err == nil {
			physical = uint64(fi.Size())
		}
	}
	if physical != 0 {
		ps = append(ps, ullong(pre+"physical", physical))
	}
	return ps
}

// offlineSizes measures a local image as qemuStorageLimitsRefresh does:
// a file's allocation is its blocks and its physical size its length, a
// block device's are its size; the capacity is the physical size of a
// raw image and what the header says for qcow2 and qed. A capacity of 0
// is one this reader cannot tell (another format).
func (d statDisk) offlineSizes() (alloc, capacity, physical uint64, err error) {
	if d.path == "" {
		return 0, 0, 0, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "disk '%s' does not currently have a source assigned", d.name)
	}
	f, err := os.Open(d.path)
	if err != nil {
		return 0, 0, 0, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to open file '%s': %s", d.path, errnoText(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, 0, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "cannot stat file '%s': %s", d.path, errnoText(err))
	}
	switch {
	case fi.IsDir():
		return 0, 0, 0, nil
	case fi.Mode().IsRegular():
		physical = uint64(fi.Size())
		alloc = physical
		if bs := statBlocks(fi); bs >= 0 {
			alloc = uint64(bs) * 512
		}
	default:
		end, err := f.Seek(0, io.SeekEnd)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			return 0, 0, 0, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "failed to seek to end of %s: %s", d.path, errnoText(err))
		}
		physical, alloc = uint64(end), uint64(end)
	}
	header := make([]byte, 512)
	n, _ := io.ReadFull(f, header)
	header = header[:n]
	switch d.format {
	case "", "raw":
		capacity = physical
	case "qcow2", "qcow":
		if len(header) >= 32 && string(header[:4]) == "QFI\xfb" {
			capacity = binary.BigEndian.Uint64(header[24:32])
		}
	case "qed":
		if len(header) >= 56 && string(header[:4]) == "QED\x00" {
			capacity = binary.LittleEndian.Uint64(header[48:56])
		}
	}
	if capacity == 0 && (d.format == "qcow2" || d.format == "qcow" || d.format == "qed") {
		// A header without a size: libvirt falls back to the file's.
		capacity = physical
	}
	return alloc, capacity, physical, nil
}
