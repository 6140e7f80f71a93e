package qemu

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// blockStat is one entry of query-blockstats.
type blockStat struct {
	Device string `json:"device"`
	QDev   string `json:"qdev"`
	Stats  struct {
		RdBytes    int64 `json:"rd_bytes"`
		WrBytes    int64 `json:"wr_bytes"`
		RdOps      int64 `json:"rd_operations"`
		WrOps      int64 `json:"wr_operations"`
		FlushOps   int64 `json:"flush_operations"`
		RdTimeNs   int64 `json:"rd_total_time_ns"`
		WrTimeNs   int64 `json:"wr_total_time_ns"`
		FlushTime  int64 `json:"flush_total_time_ns"`
		FailedRd   int64 `json:"failed_rd_operations"`
		FailedWr   int64 `json:"failed_wr_operations"`
		FailedFlsh int64 `json:"failed_flush_operations"`
	} `json:"stats"`
}

// blockStats queries every disk's counters in one call, keyed by alias.
func (p *qemuProcess) blockStats(ctx context.Context) (map[string]blockStat, error) {
	var list []blockStat
	if err := p.mon.ExecuteInto(ctx, "query-blockstats", nil, &list); err != nil {
		return nil, err
	}
	out := map[string]blockStat{}
	for _, s := range list {
		key := s.Device
		if s.QDev != "" {
			// /machine/peripheral/virtio-disk0/virtio-backend
			parts := strings.Split(strings.TrimPrefix(s.QDev, "/machine/peripheral/"), "/")
			key = parts[0]
		}
		out[key] = s
	}
	return out, nil
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

// DomainBlockStats reports a disk's I/O counters.
func (c *conn) DomainBlockStats(ctx context.Context, dom driver.DomainRef, path string) (driver.DomainBlockStatsRet, error) {
	o, p, err := c.d.running(dom)
	if err != nil {
		return driver.DomainBlockStatsRet{}, err
	}
	o.mu.Lock()
	disk := findDisk(o.live, path)
	o.mu.Unlock()
	if disk == nil {
		return driver.DomainBlockStatsRet{}, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "invalid path: %s", path)
	}
	stats, err := p.blockStats(ctx)
	if err != nil {
		return driver.DomainBlockStatsRet{}, err
	}
	s, ok := stats[disk.Info.Alias]
	if !ok {
		return driver.DomainBlockStatsRet{}, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "cannot find statistics for device '%s'", disk.Info.Alias)
	}
	return driver.DomainBlockStatsRet{RdReq: s.Stats.RdOps, RdBytes: s.Stats.RdBytes, WrReq: s.Stats.WrOps, WrBytes: s.Stats.WrBytes, Errs: -1}, nil
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

// DomainBlockStatsFlags reports a disk's counters as typed parameters.
func (c *conn) DomainBlockStatsFlags(ctx context.Context, dom driver.DomainRef, path string, nparams int32, flags uint32) (driver.DomainBlockStatsFlagsRet, error) {
	o, p, err := c.d.running(dom)
	if err != nil {
		return driver.DomainBlockStatsFlagsRet{}, err
	}
	o.mu.Lock()
	disk := findDisk(o.live, path)
	o.mu.Unlock()
	if disk == nil {
		return driver.DomainBlockStatsFlagsRet{}, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "invalid path: %s", path)
	}
	stats, err := p.blockStats(ctx)
	if err != nil {
		return driver.DomainBlockStatsFlagsRet{}, err
	}
	s := stats[disk.Info.Alias].Stats
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

// netDevStats reads a host interface's counters from /proc/net/dev; the
// guest's rx is the host tap's tx (libvirt swaps them for taps).
func netDevStats(dev string) (driver.DomainInterfaceStatsRet, bool) {
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
		return driver.DomainInterfaceStatsRet{
			RxBytes: n(8), RxPackets: n(9), RxErrs: n(10), RxDrop: n(11),
			TxBytes: n(0), TxPackets: n(1), TxErrs: n(2), TxDrop: n(3),
		}, true
	}
	return driver.DomainInterfaceStatsRet{}, false
}

// DomainInterfaceStats reports a NIC's traffic counters.
func (c *conn) DomainInterfaceStats(ctx context.Context, dom driver.DomainRef, device string) (driver.DomainInterfaceStatsRet, error) {
	o, _, err := c.d.running(dom)
	if err != nil {
		return driver.DomainInterfaceStatsRet{}, err
	}
	o.mu.Lock()
	var target string
	for _, nic := range o.live.Devices.Interfaces() {
		t := childProp(nic, "target", "dev")
		if t == device || strings.EqualFold(macOf(nic), device) || nic.Info.Alias == device {
			target = t
		}
	}
	o.mu.Unlock()
	if target == "" {
		return driver.DomainInterfaceStatsRet{}, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "invalid path, '%s' is not a known interface", device)
	}
	st, ok := netDevStats(target)
	if !ok {
		return driver.DomainInterfaceStatsRet{}, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "/proc/net/dev: Interface not found")
	}
	return st, nil
}

// DomainGetBlockInfo reports a disk's capacity, allocation and size.
func (c *conn) DomainGetBlockInfo(ctx context.Context, dom driver.DomainRef, path string, flags uint32) (driver.DomainGetBlockInfoRet, error) {
	o, err := c.d.lookup(dom)
	if err != nil {
		return driver.DomainGetBlockInfoRet{}, err
	}
	o.mu.Lock()
	disk := findDisk(o.current(), path)
	o.mu.Unlock()
	if disk == nil {
		return driver.DomainGetBlockInfoRet{}, virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, "invalid path %s not assigned to domain", path)
	}
	if disk.Source == nil || disk.Source.Path() == "" {
		return driver.DomainGetBlockInfoRet{}, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "disk '%s' does not currently have a source assigned", path)
	}
	fi, err := os.Stat(disk.Source.Path())
	if err != nil {
		return driver.DomainGetBlockInfoRet{}, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "cannot stat file '%s': %s", disk.Source.Path(), errnoText(err))
	}
	size := uint64(fi.Size())
	alloc := size
	if st, ok := fi.Sys().(interface{ Blocks() int64 }); ok {
		alloc = uint64(st.Blocks()) * 512
	} else if bs := statBlocks(fi); bs >= 0 {
		alloc = uint64(bs) * 512
	}
	return driver.DomainGetBlockInfoRet{Capacity: size, Allocation: alloc, Physical: size}, nil
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
// (qemuDomainMemoryStats), under a query job.
func (c *conn) DomainMemoryStats(ctx context.Context, dom driver.DomainRef, maxStats uint32, flags uint32) ([]driver.DomainMemoryStat, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainMemoryStats"); err != nil {
		return nil, err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return nil, err
	}
	if err := o.job.acquire(ctx, "query", "remoteDispatchDomainMemoryStats"); err != nil {
		return nil, err
	}
	defer o.job.end()
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
	statsSupported        = statsState | statsCPU | statsBalloon | statsVCPU | statsInterface | statsBlock
	statsEnforce   uint32 = 1 << 31
)

// ConnectGetAllDomainStats collects the stats groups for the domains
// asked for (or every domain matching the list flags).
func (c *conn) ConnectGetAllDomainStats(ctx context.Context, doms []driver.DomainRef, stats uint32, flags uint32) ([]driver.DomainStatsRecord, error) {
	if stats&^statsSupported != 0 && flags&statsEnforce != 0 {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.ArgumentUnsupported, "Stats types bits 0x%x are not supported by this daemon", stats&^statsSupported)
	}
	if stats == 0 {
		stats = statsSupported
	}
	var objs []*domainObj
	if len(doms) > 0 {
		for _, ref := range doms {
			o, err := c.d.lookup(ref)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o)
		}
	} else {
		for _, o := range c.d.snapshot() {
			o.mu.Lock()
			ok := c.d.matches(o, flags&listAll)
			o.mu.Unlock()
			if ok {
				objs = append(objs, o)
			}
		}
	}
	var out []driver.DomainStatsRecord
	for _, o := range objs {
		out = append(out, driver.DomainStatsRecord{Dom: o.refLocked(), Params: c.d.domainStats(ctx, o, stats)})
	}
	return out, nil
}

func (d *Driver) domainStats(ctx context.Context, o *domainObj, stats uint32) []driver.TypedParam {
	o.mu.Lock()
	p := o.proc
	state, reason := o.state, o.reason
	def := o.current()
	balloon := newBalloonGroup(def, p != nil)
	vcpus, maxVcpus := vcpuCount(def), int(def.VCPU.Max)
	var disks []*domain.Disk
	var nics []*domain.Device
	if def.Devices != nil {
		disks = append(disks, def.Devices.Disks...)
		nics = append(nics, def.Devices.Interfaces()...)
	}
	o.mu.Unlock()
	var ps []driver.TypedParam
	if stats&statsState != 0 {
		ps = append(ps, intParam("state.state", state), intParam("state.reason", reason))
	}
	if stats&statsCPU != 0 && p != nil {
		u, s := cpuTime(p.pid)
		ps = append(ps, ullong("cpu.time", u+s), ullong("cpu.user", u), ullong("cpu.system", s))
	}
	if stats&statsBalloon != 0 {
		ps = append(ps, balloon.params(ctx, p)...)
	}
	if p == nil {
		return ps
	}
	if stats&statsVCPU != 0 {
		ps = append(ps, uintParam("vcpu.current", uint32(vcpus)), uintParam("vcpu.maximum", uint32(maxVcpus)))
		for i := 0; i < vcpus; i++ {
			ps = append(ps, intParam(fmt.Sprintf("vcpu.%d.state", i), 1))
			if i < len(p.vcpus) {
				ps = append(ps, ullong(fmt.Sprintf("vcpu.%d.time", i), threadCPUTime(p.pid, p.vcpus[i])))
			}
		}
	}
	if stats&statsInterface != 0 {
		ps = append(ps, uintParam("net.count", uint32(len(nics))))
		for i, nic := range nics {
			pre := fmt.Sprintf("net.%d.", i)
			t := childProp(nic, "target", "dev")
			ps = append(ps, strParam(pre+"name", t))
			if st, ok := netDevStats(t); ok {
				ps = append(ps, ullong(pre+"rx.bytes", uint64(st.RxBytes)), ullong(pre+"rx.pkts", uint64(st.RxPackets)),
					ullong(pre+"rx.errs", uint64(st.RxErrs)), ullong(pre+"rx.drop", uint64(st.RxDrop)),
					ullong(pre+"tx.bytes", uint64(st.TxBytes)), ullong(pre+"tx.pkts", uint64(st.TxPackets)),
					ullong(pre+"tx.errs", uint64(st.TxErrs)), ullong(pre+"tx.drop", uint64(st.TxDrop)))
			}
		}
	}
	if stats&statsBlock != 0 {
		bs, _ := p.blockStats(ctx)
		ps = append(ps, uintParam("block.count", uint32(len(disks))))
		for i, disk := range disks {
			pre := fmt.Sprintf("block.%d.", i)
			ps = append(ps, strParam(pre+"name", disk.Dst()))
			if disk.Source != nil && disk.Source.Path() != "" {
				ps = append(ps, strParam(pre+"path", disk.Source.Path()))
			}
			if s, ok := bs[disk.Info.Alias]; ok {
				ps = append(ps, ullong(pre+"rd.reqs", uint64(s.Stats.RdOps)), ullong(pre+"rd.bytes", uint64(s.Stats.RdBytes)),
					ullong(pre+"rd.times", uint64(s.Stats.RdTimeNs)), ullong(pre+"wr.reqs", uint64(s.Stats.WrOps)),
					ullong(pre+"wr.bytes", uint64(s.Stats.WrBytes)), ullong(pre+"wr.times", uint64(s.Stats.WrTimeNs)),
					ullong(pre+"fl.reqs", uint64(s.Stats.FlushOps)), ullong(pre+"fl.times", uint64(s.Stats.FlushTime)))
			}
		}
	}
	return ps
}
