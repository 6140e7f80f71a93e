package qemu

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func paramValues(ps []driver.TypedParam) map[string]driver.TypedParamValue {
	m := map[string]driver.TypedParamValue{}
	for _, p := range ps {
		m[p.Field] = p.Value
	}
	return m
}

// QEMU 7.2's answers for a running guest with one qcow2 disk (recorded,
// counters trimmed).
const (
	recordedBlockstats = `[{"device": "", "node-name": "libvirt-1-format", "qdev": "/machine/peripheral/virtio-disk0/virtio-backend",
  "stats": {"rd_bytes": 4608, "wr_bytes": 512, "rd_operations": 2, "wr_operations": 1, "flush_operations": 1,
    "rd_total_time_ns": 134059, "wr_total_time_ns": 1000, "flush_total_time_ns": 20, "wr_highest_offset": 327680},
  "parent": {"node-name": "libvirt-1-storage", "stats": {"wr_highest_offset": 393216}}}]`
	recordedNamedNodes = `[{"node-name": "libvirt-1-format", "image": {"virtual-size": 67108864, "actual-size": 200704, "format": "qcow2"}},
  {"node-name": "libvirt-1-storage", "image": {"virtual-size": 197120, "actual-size": 200704, "format": "file"}}]`
)

const statsDiskXML = `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/images/a.qcow2'/><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='sata'/><readonly/><alias name='sata0-0-0'/></disk>
    `

// The block group of a running guest: the header, the device's
// counters, then allocation (highest offset written), capacity and
// physical size of the top image, asked in one round trip; an empty
// cdrom has its name alone.
func TestDomainStatsBlockRunning(t *testing.T) {
	ctx := context.Background()
	mon, sm := newScriptedMonitor(t, 2, func(execute string, args map[string]any) (any, *qmpFailure) {
		switch execute {
		case "query-blockstats":
			return json.RawMessage(recordedBlockstats), nil
		case "query-named-block-nodes":
			return json.RawMessage(recordedNamedNodes), nil
		}
		return answerQEMU(execute, args)
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, statsDiskXML+periodBalloon), mon, true)
	recs, err := c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsBlock, 0)
	if err != nil || len(recs) != 1 {
		t.Fatal(recs, err)
	}
	want := "block.count block.0.name block.0.path block.0.backingIndex block.0.rd.reqs block.0.rd.bytes block.0.rd.times " +
		"block.0.wr.reqs block.0.wr.bytes block.0.wr.times block.0.fl.reqs block.0.fl.times " +
		"block.0.allocation block.0.capacity block.0.physical block.1.name"
	if got := paramNames(recs[0].Params); got != want {
		t.Fatalf("fields:\n%s\nwant\n%s", got, want)
	}
	v := paramValues(recs[0].Params)
	if v["block.count"].UI != 2 || v["block.0.backingIndex"].UI != 1 || v["block.0.allocation"].UL != 327680 ||
		v["block.0.capacity"].UL != 67108864 || v["block.0.physical"].UL != 200704 || v["block.0.rd.times"].UL != 134059 {
		t.Errorf("values %+v", v)
	}
	sameCommands(t, "domstats --block", sm.commands(), []string{`query-blockstats {}`, `query-named-block-nodes {"flat":true}`})
}

func TestBackingIndex(t *testing.T) {
	for name, want := range map[string]uint32{"libvirt-1-format": 1, "libvirt-12-format": 12, "libvirt-1-storage": 0,
		"libvirt-virtio-disk1-format": 0, "libvirt-CoR-vda": 0, "": 0} {
		if got := backingIndex(name); got != want {
			t.Errorf("backingIndex(%q) = %d, want %d", name, got, want)
		}
	}
}

// An inactive domain's images are measured by the daemon: a file's
// allocation is its blocks, its physical size its length, its capacity
// the header's (qcow2, qed) or the length (raw).
func TestOfflineSizes(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	qcow2 := make([]byte, 4096)
	copy(qcow2, "QFI\xfb")
	binary.BigEndian.PutUint32(qcow2[4:], 3)
	binary.BigEndian.PutUint64(qcow2[24:], 64<<20)
	qed := make([]byte, 4096)
	copy(qed, "QED\x00")
	binary.LittleEndian.PutUint64(qed[48:], 32<<20)
	for _, tc := range []struct {
		disk     statDisk
		capacity uint64
	}{
		{statDisk{path: write("a.qcow2", qcow2), format: "qcow2"}, 64 << 20},
		{statDisk{path: write("a.qed", qed), format: "qed"}, 32 << 20},
		{statDisk{path: write("a.raw", make([]byte, 8192)), format: "raw"}, 8192},
		{statDisk{path: write("b.raw", make([]byte, 1000))}, 1000},
		{statDisk{path: write("bad.qcow2", make([]byte, 100)), format: "qcow2"}, 100},
		{statDisk{path: write("a.vmdk", make([]byte, 100)), format: "vmdk"}, 0},
	} {
		alloc, capacity, physical, err := tc.disk.offlineSizes()
		fi, _ := os.Stat(tc.disk.path)
		if err != nil || capacity != tc.capacity || physical != uint64(fi.Size()) || alloc != uint64(statBlocks(fi))*512 {
			t.Errorf("%s: alloc %d capacity %d physical %d %v, want capacity %d", filepath.Base(tc.disk.path), alloc, capacity, physical, err, tc.capacity)
		}
	}
	missing := filepath.Join(dir, "missing")
	_, _, _, err := (statDisk{path: missing}).offlineSizes()
	checkErr(t, err, virterr.SystemError, "Failed to open file '"+missing+"': No such file or directory")
	if _, _, _, err := (statDisk{}).offlineSizes(); err == nil {
		t.Error("an empty source was measured")
	}
}

func TestDomainStatsInactive(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "a.raw")
	if err := os.WriteFile(img, make([]byte, 65536), 0o644); err != nil {
		t.Fatal(err)
	}
	xml := strings.Replace(statsDiskXML, "<driver name='qemu' type='qcow2'/><source file='/var/lib/images/a.qcow2'/>",
		"<driver name='qemu' type='raw'/><source file='"+img+"'/>", 1)
	c, _ := memoryTestDriver(t, memoryTestDef(t, xml+periodBalloon), nil, true)
	recs, err := c.ConnectGetAllDomainStats(context.Background(), nil, 0, 0)
	if err != nil || len(recs) != 1 {
		t.Fatal(recs, err)
	}
	want := "state.state state.reason cpu.time cpu.user cpu.system balloon.current balloon.maximum vcpu.current vcpu.maximum " +
		"block.count block.0.name block.0.path block.0.allocation block.0.capacity block.0.physical block.1.name"
	if got := paramNames(recs[0].Params); got != want {
		t.Errorf("fields:\n%s\nwant\n%s", got, want)
	}
	if v := paramValues(recs[0].Params); v["block.0.capacity"].UL != 65536 || v["block.0.physical"].UL != 65536 {
		t.Errorf("values %+v", v)
	}
}

// vCPU statistics need the vCPU threads; interfaces without a host
// interface count but are not named.
func TestDomainStatsVcpuInterface(t *testing.T) {
	mon, _ := newScriptedMonitor(t, 0, answerQEMU)
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	ctx := context.Background()
	recs, err := c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsVCPU|statsInterface, 0)
	if err != nil || paramNames(recs[0].Params) != "vcpu.current vcpu.maximum net.count" {
		t.Errorf("without vCPU threads: %v %v", recs, err)
	}
	o.proc.vcpus = []int{os.Getpid()}
	recs, _ = c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsVCPU, 0)
	if got := paramNames(recs[0].Params); got != "vcpu.current vcpu.maximum vcpu.0.state vcpu.0.time vcpu.0.wait vcpu.0.delay" {
		t.Errorf("with vCPU threads: %s", got)
	}
	if v := paramValues(recs[0].Params); v["vcpu.0.state"].I != 1 || v["vcpu.current"].UI != 1 {
		t.Errorf("values %+v", v)
	}
	nics := interfaceGroup([]statNIC{{actual: "user"}, {ifname: "lo", actual: "ethernet"}})
	if got := paramNames(nics); got != "net.count net.1.name net.1.rx.bytes net.1.rx.pkts net.1.rx.errs net.1.rx.drop net.1.tx.bytes net.1.tx.pkts net.1.tx.errs net.1.tx.drop" {
		t.Errorf("interface group: %s", got)
	}
}

// KVM's halt-polling times come from query-stats when QEMU has it: a TCG
// guest has no vCPU statistics and so zeros; vCPUs are summed; an answer
// without them leaves the fields out.
func TestHaltPollTimes(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		answer        string
		success, fail uint64
		ok            bool
	}{
		{`[]`, 0, 0, true},
		{`[{"provider": "kvm", "qom-path": "/machine/unattached/device[0]", "stats": [{"name": "halt_poll_success_ns", "value": 100}, {"name": "halt_poll_fail_ns", "value": 7}]},
		   {"provider": "kvm", "qom-path": "/machine/unattached/device[1]", "stats": [{"name": "halt_poll_fail_ns", "value": 3}, {"name": "halt_poll_success_ns", "value": 20}]}]`, 120, 10, true},
		{`[{"provider": "kvm", "qom-path": "/machine/unattached/device[0]", "stats": [{"name": "halt_poll_success_ns", "value": 100}]}]`, 0, 0, false},
	} {
		mon, sm := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
			return json.RawMessage(tc.answer), nil
		})
		qc := caps.New("qemu-system-x86_64")
		qc.Set(caps.QueryStats)
		p := &qemuProcess{mon: mon, caps: qc}
		s, f, ok := p.haltPollTimes(ctx)
		if s != tc.success || f != tc.fail || ok != tc.ok {
			t.Errorf("%s: %d %d %v", tc.answer, s, f, ok)
		}
		sameCommands(t, "query-stats", sm.commands(), []string{`query-stats {"providers":[{"names":["halt_poll_success_ns","halt_poll_fail_ns"],"provider":"kvm"}],"target":"vcpu"}`})
	}
	if _, _, ok := (&qemuProcess{caps: caps.New("qemu-system-x86_64")}).haltPollTimes(ctx); ok {
		t.Error("asked a QEMU without query-stats")
	}
}

// domifstat finds a NIC by MAC or host interface name (not by alias),
// and one without a host interface has no counters.
func TestDomainInterfaceStatsLookup(t *testing.T) {
	mon, _ := newScriptedMonitor(t, 0, answerQEMU)
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	ctx := context.Background()
	_, err := c.DomainInterfaceStats(ctx, o.ref(), "net0")
	checkErr(t, err, virterr.InvalidArg, "invalid argument: 'net0' is not a known interface")
	_, err = c.DomainInterfaceStats(ctx, o.ref(), "52:54:00:00:00:01")
	checkErr(t, err, virterr.InternalError, "internal error: Interface name not provided")
}

// domblkinfo of a running guest: a qcow2 file holds its size on disk and
// its physical size is the file's length; domblkstat without a disk sums
// every device.
func TestBlockInfoAndTotals(t *testing.T) {
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "a.qcow2")
	if err := os.WriteFile(img, make([]byte, 196616), 0o644); err != nil {
		t.Fatal(err)
	}
	blockstats := strings.Replace(recordedBlockstats, "]", `, {"device": "", "qdev": "/machine/peripheral/sata0-0-0", "stats": {"rd_operations": 5, "rd_bytes": 100}}]`, 1)
	mon, _ := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		switch execute {
		case "query-blockstats":
			return json.RawMessage(blockstats), nil
		case "query-named-block-nodes":
			return json.RawMessage(recordedNamedNodes), nil
		}
		return answerQEMU(execute, args)
	})
	xml := strings.Replace(statsDiskXML, "/var/lib/images/a.qcow2", img, 1)
	c, o := memoryTestDriver(t, memoryTestDef(t, xml+periodBalloon), mon, true)
	info, err := c.DomainGetBlockInfo(ctx, o.ref(), "vda", 0)
	if err != nil || info.Capacity != 67108864 || info.Allocation != 200704 || info.Physical != 196616 {
		t.Errorf("domblkinfo: %+v %v", info, err)
	}
	_, err = c.DomainGetBlockInfo(ctx, o.ref(), "sda", 0)
	checkErr(t, err, virterr.OperationInvalid, "Requested operation is not valid: disk 'sda' does not currently have a source assigned")
	_, err = c.DomainGetBlockInfo(ctx, o.ref(), "vdz", 0)
	checkErr(t, err, virterr.InvalidArg, "invalid argument: invalid path vdz not assigned to domain")

	st, err := c.DomainBlockStats(ctx, o.ref(), "")
	if err != nil || st.RdReq != 7 || st.RdBytes != 4708 || st.WrReq != 1 || st.Errs != -1 {
		t.Errorf("totals: %+v %v", st, err)
	}
	if st, err := c.DomainBlockStats(ctx, o.ref(), img); err != nil || st.RdReq != 2 {
		t.Errorf("by source path: %+v %v", st, err)
	}
	_, err = c.DomainBlockStats(ctx, o.ref(), "vdz")
	checkErr(t, err, virterr.InvalidArg, "invalid argument: invalid path: vdz")
	ret, err := c.DomainBlockStatsFlags(ctx, o.ref(), "vda", 0, typedParamStringOkay)
	if err != nil || ret.Nparams != 8 || len(ret.Params) != 0 {
		t.Errorf("nparams 0: %+v %v", ret, err)
	}
	ret, err = c.DomainBlockStatsFlags(ctx, o.ref(), "vda", 8, 0)
	if err != nil || paramNames(ret.Params) != "wr_bytes wr_operations rd_bytes rd_operations flush_operations wr_total_times rd_total_times flush_total_times" {
		t.Errorf("block stats flags: %+v %v", ret, err)
	}
}

// The iothread group lists QEMU's I/O threads in its order; the
// dirtyrate group the last calculation (QEMU 7.2's answers, recorded).
func TestDomainStatsIOThreadDirtyRate(t *testing.T) {
	ctx := context.Background()
	dirty := `{"status":"unstarted","sample-pages":0,"mode":"page-sampling","start-time":0,"calc-time":0}`
	mon, _ := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		switch execute {
		case "query-iothreads":
			return json.RawMessage(`[{"poll-shrink":0,"thread-id":12297,"aio-max-batch":0,"poll-grow":0,"poll-max-ns":32768,"id":"iothread2"},{"poll-shrink":0,"thread-id":12296,"aio-max-batch":0,"poll-grow":0,"poll-max-ns":32768,"id":"iothread1"}]`), nil
		case "query-dirty-rate":
			return json.RawMessage(dirty), nil
		}
		return answerQEMU(execute, args)
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	recs, err := c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsIOThread|statsDirtyRate, statsEnforce)
	if err != nil {
		t.Fatal(err)
	}
	want := "iothread.count iothread.2.poll-max-ns iothread.2.poll-grow iothread.2.poll-shrink iothread.1.poll-max-ns iothread.1.poll-grow iothread.1.poll-shrink " +
		"dirtyrate.calc_status dirtyrate.calc_start_time dirtyrate.calc_period dirtyrate.calc_mode"
	if got := paramNames(recs[0].Params); got != want {
		t.Errorf("fields:\n%s\nwant\n%s", got, want)
	}
	v := paramValues(recs[0].Params)
	if v["iothread.1.poll-max-ns"].UL != 32768 || v["iothread.count"].UI != 2 || v["dirtyrate.calc_mode"].S != "page-sampling" {
		t.Errorf("values %+v", v)
	}

	dirty = `{"status":"measured","sample-pages":0,"mode":"dirty-ring","start-time":1000,"calc-time":1,"dirty-rate":4,"vcpu-dirty-rate":[{"id":0,"dirty-rate":3},{"id":1,"dirty-rate":1}]}`
	recs, _ = c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsDirtyRate, 0)
	if got := paramNames(recs[0].Params); got != "dirtyrate.calc_status dirtyrate.calc_start_time dirtyrate.calc_period dirtyrate.calc_mode dirtyrate.megabytes_per_second dirtyrate.vcpu.0.megabytes_per_second dirtyrate.vcpu.1.megabytes_per_second" {
		t.Errorf("measured: %s", got)
	}
	if v := paramValues(recs[0].Params); v["dirtyrate.calc_status"].I != 2 || v["dirtyrate.megabytes_per_second"].L != 4 || v["dirtyrate.vcpu.0.megabytes_per_second"].UL != 3 {
		t.Errorf("measured values %+v", v)
	}

	_, err = c.ConnectGetAllDomainStats(ctx, nil, 1<<10, statsEnforce)
	checkErr(t, err, virterr.ArgumentUnsupported, "argument unsupported: Stats types bits 0x400 are not supported by this daemon")
}

// The filter flags apply to a list of domains too; a listed domain that
// has gone is skipped; flags of other list calls are refused.
func TestDomainStatsFilters(t *testing.T) {
	ctx := context.Background()
	mon, _ := newScriptedMonitor(t, 0, answerQEMU)
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	const listActive, listInactive, listAutostart = 1, 2, 1 << 10
	if recs, err := c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsState, listInactive); err != nil || len(recs) != 0 {
		t.Errorf("inactive filter on a running domain: %v %v", recs, err)
	}
	if recs, err := c.ConnectGetAllDomainStats(ctx, nil, statsState, listActive); err != nil || len(recs) != 1 {
		t.Errorf("active filter: %v %v", recs, err)
	}
	gone := o.ref()
	gone.Name, gone.UUID[0] = "gone", gone.UUID[0]^0xff
	if recs, err := c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{gone, o.ref()}, statsState, 0); err != nil || len(recs) != 1 || recs[0].Dom.Name != "mem" {
		t.Errorf("a missing domain in the list: %v %v", recs, err)
	}
	_, err := c.ConnectGetAllDomainStats(ctx, nil, statsState, listAutostart)
	checkErr(t, err, virterr.InvalidArg, "unsupported flags (0x400) in function qemuConnectGetAllDomainStats")
}

// With the backing flag each image of a running disk's chain is a
// record, top down, without the device's counters (recorded from a
// guest whose base image libvirt numbered 2).
func TestDomainStatsBlockBacking(t *testing.T) {
	ctx := context.Background()
	stats := `[{"device": "", "node-name": "libvirt-1-format", "qdev": "/machine/peripheral/virtio-disk0/virtio-backend",
	  "stats": {"rd_operations": 1, "wr_highest_offset": 0},
	  "backing": {"node-name": "libvirt-2-format", "stats": {"wr_highest_offset": 0}}}]`
	nodes := `[{"node-name": "libvirt-1-format", "file": "/var/lib/images/a.qcow2", "image": {"virtual-size": 67108864, "actual-size": 204800}},
	  {"node-name": "libvirt-2-format", "file": "/var/lib/images/base.qcow2", "image": {"virtual-size": 67108864, "actual-size": 200704}}]`
	mon, _ := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		switch execute {
		case "query-blockstats":
			return json.RawMessage(stats), nil
		case "query-named-block-nodes":
			return json.RawMessage(nodes), nil
		}
		return answerQEMU(execute, args)
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, statsDiskXML+periodBalloon), mon, true)
	recs, err := c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsBlock, statsBacking)
	if err != nil {
		t.Fatal(err)
	}
	want := "block.count block.0.name block.0.path block.0.backingIndex block.0.rd.reqs block.0.rd.bytes block.0.rd.times " +
		"block.0.wr.reqs block.0.wr.bytes block.0.wr.times block.0.fl.reqs block.0.fl.times " +
		"block.0.allocation block.0.capacity block.0.physical " +
		"block.1.name block.1.path block.1.backingIndex block.1.allocation block.1.capacity block.1.physical block.2.name"
	if got := paramNames(recs[0].Params); got != want {
		t.Fatalf("fields:\n%s\nwant\n%s", got, want)
	}
	v := paramValues(recs[0].Params)
	if v["block.count"].UI != 3 || v["block.1.path"].S != "/var/lib/images/base.qcow2" || v["block.1.backingIndex"].UI != 2 || v["block.1.physical"].UL != 200704 || v["block.2.name"].S != "sda" {
		t.Errorf("values %+v", v)
	}
}

// Stats queries never wait behind a modify job: with one held and no
// time left to wait, a query that took the job would fail.
func TestStatsQueriesTakeNoJob(t *testing.T) {
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "a.qcow2")
	if err := os.WriteFile(img, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	mon, _ := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		switch execute {
		case "query-blockstats":
			return json.RawMessage(recordedBlockstats), nil
		case "query-named-block-nodes":
			return json.RawMessage(recordedNamedNodes), nil
		case "qom-get":
			return json.RawMessage(reportedGuestStats), nil
		}
		return answerQEMU(execute, args)
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, strings.Replace(statsDiskXML, "/var/lib/images/a.qcow2", img, 1)+periodBalloon), mon, true)
	old := jobWait
	jobWait = 0
	defer func() { jobWait = old }()
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainTest"); err != nil {
		t.Fatal(err)
	}
	defer o.job.end()
	if _, err := c.DomainMemoryStats(ctx, o.ref(), 13, 0); err != nil {
		t.Errorf("dommemstat: %v", err)
	}
	if _, err := c.DomainBlockStats(ctx, o.ref(), "vda"); err != nil {
		t.Errorf("domblkstat: %v", err)
	}
	if _, err := c.DomainBlockStatsFlags(ctx, o.ref(), "", 8, 0); err != nil {
		t.Errorf("domblkstat --all: %v", err)
	}
	if _, err := c.DomainGetBlockInfo(ctx, o.ref(), "vda", 0); err != nil {
		t.Errorf("domblkinfo: %v", err)
	}
	if _, err := c.ConnectGetAllDomainStats(ctx, nil, 0, 0); err != nil {
		t.Errorf("domstats: %v", err)
	}
}
