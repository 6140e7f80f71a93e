package qemu

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// reportedGuestStats is QEMU 7.2's guest-stats once the guest driver has
// reported (recorded from a TCG guest).
const reportedGuestStats = `{"stats": {"stat-htlb-pgalloc": 0, "stat-swap-out": 0, "stat-available-memory": 52428800, "stat-htlb-pgfail": 0, "stat-free-memory": 41943040, "stat-minor-faults": 1200, "stat-major-faults": 3, "stat-total-memory": 100663296, "stat-swap-in": 0, "stat-disk-caches": 1048576}, "last-update": 1795379109}`

func answerGuestStats(guestStats string) func(string, map[string]any) (any, *qmpFailure) {
	return func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "qom-get" {
			return json.RawMessage(guestStats), nil
		}
		return answerQEMU(execute, args)
	}
}

func statTags(stats []driver.DomainMemoryStat) []int32 {
	var tags []int32
	for _, s := range stats {
		tags = append(tags, s.Tag)
	}
	return tags
}

// dommemstat is the balloon's size and statistics, in libvirt's order,
// then QEMU's RSS; a short buffer keeps the first ones (libvirt leaves
// the RSS out when the balloon filled it).
func TestDomainMemoryStats(t *testing.T) {
	ctx := context.Background()
	mon, sm := newScriptedMonitor(t, 0, answerGuestStats(reportedGuestStats))
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	got, err := c.DomainMemoryStats(ctx, o.ref(), 13, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{memStatActualBalloon, memStatSwapIn, memStatSwapOut, memStatMajorFault, memStatMinorFault,
		memStatUnused, memStatAvailable, memStatUsable, memStatLastUpdate, memStatDiskCaches,
		memStatHugetlbPgalloc, memStatHugetlbPgfail, memStatRSS}
	if !slices.Equal(statTags(got), want) {
		t.Fatalf("tags %v, want %v", statTags(got), want)
	}
	if got[0].Val != 131072 || got[5].Val != 40960 || got[8].Val != 1795379109 || got[12].Val == 0 {
		t.Errorf("values %v", got)
	}
	sameCommands(t, "dommemstat", sm.commands(), []string{`query-balloon {}`, `qom-get {"path":"/machine/peripheral/balloon0","property":"guest-stats"}`})

	// virsh asks for VIR_DOMAIN_MEMORY_STAT_NR; a client may ask more.
	if got, err := c.DomainMemoryStats(ctx, o.ref(), 64, 0); err != nil || len(got) != 13 {
		t.Errorf("maxStats 64: %d stats, %v", len(got), err)
	}
	if got, err := c.DomainMemoryStats(ctx, o.ref(), 12, 0); err != nil || !slices.Equal(statTags(got), want[:12]) {
		t.Errorf("maxStats 12: %v %v", statTags(got), err)
	}
	if got, err := c.DomainMemoryStats(ctx, o.ref(), 2, 0); err != nil || !slices.Equal(statTags(got), want[:2]) {
		t.Errorf("maxStats 2: %v %v", statTags(got), err)
	}
	_, err = c.DomainMemoryStats(ctx, o.ref(), 13, 1)
	if !isCode(err, virterr.InvalidArg) {
		t.Errorf("unknown flag: %v (code %v)", err, codeOf(err))
	}
}

// Before the guest reported, dommemstat shows actual, last_update 0 and
// rss, as libvirt 9.0 does right after a start.
func TestDomainMemoryStatsBeforeReport(t *testing.T) {
	unset := `{"stats": {"stat-htlb-pgalloc": 18446744073709551615, "stat-swap-out": 18446744073709551615, "stat-available-memory": 18446744073709551615, "stat-htlb-pgfail": 18446744073709551615, "stat-free-memory": 18446744073709551615, "stat-minor-faults": 18446744073709551615, "stat-major-faults": 18446744073709551615, "stat-total-memory": 18446744073709551615, "stat-swap-in": 18446744073709551615, "stat-disk-caches": 18446744073709551615}, "last-update": 0}`
	mon, _ := newScriptedMonitor(t, 0, answerGuestStats(unset))
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	got, err := c.DomainMemoryStats(context.Background(), o.ref(), 13, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{memStatActualBalloon, memStatLastUpdate, memStatRSS}; !slices.Equal(statTags(got), want) {
		t.Errorf("tags %v, want %v", statTags(got), want)
	}
}

func TestDomainMemoryStatsVariants(t *testing.T) {
	ctx := context.Background()
	t.Run("no balloon", func(t *testing.T) {
		mon, sm := newScriptedMonitor(t, 0, answerQEMU)
		c, o := memoryTestDriver(t, memoryTestDef(t, `<memballoon model='none'/>`), mon, true)
		got, err := c.DomainMemoryStats(ctx, o.ref(), 13, 0)
		if err != nil || !slices.Equal(statTags(got), []int32{memStatRSS}) {
			t.Errorf("stats %v, %v", got, err)
		}
		if cmds := sm.commands(); len(cmds) != 0 {
			t.Errorf("asked QEMU %v", cmds)
		}
	})
	t.Run("not yet updated", func(t *testing.T) {
		mon, _ := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
			if execute == "qom-get" {
				return nil, &qmpFailure{"GenericError", "guest hasn't updated any stats yet"}
			}
			return answerQEMU(execute, args)
		})
		c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
		_, err := c.DomainMemoryStats(ctx, o.ref(), 13, 0)
		checkErr(t, err, virterr.OperationUnsupported, "Operation not supported: the guest hasn't updated any stats yet")
		// domstats goes on without the statistics.
		recs, err := c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsBalloon, 0)
		if err != nil || len(recs) != 1 || paramNames(recs[0].Params) != "balloon.current balloon.maximum" {
			t.Errorf("domstats: %v %v", recs, err)
		}
	})
	t.Run("inactive", func(t *testing.T) {
		c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), nil, true)
		_, err := c.DomainMemoryStats(ctx, o.ref(), 13, 0)
		checkErr(t, err, virterr.OperationInvalid, "Requested operation is not valid: domain is not running")
		// libvirt's public API answers a request for no statistics itself.
		if got, err := c.DomainMemoryStats(ctx, o.ref(), 0, 0); got != nil || err != nil {
			t.Errorf("maxStats 0: %v %v", got, err)
		}
	})
}

func paramNames(ps []driver.TypedParam) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Field)
	}
	return strings.Join(names, " ")
}

// domstats --balloon: the recorded size (not a fresh query-balloon) and
// the maximum, then the statistics under libvirt's names and RSS last;
// an inactive domain has the first two, and one without a balloon has
// all its memory (checked against libvirtd 9.0).
func TestDomainStatsBalloon(t *testing.T) {
	ctx := context.Background()
	mon, _ := newScriptedMonitor(t, 0, answerGuestStats(reportedGuestStats))
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	recs, err := c.ConnectGetAllDomainStats(ctx, []driver.DomainRef{o.ref()}, statsBalloon, 0)
	if err != nil || len(recs) != 1 {
		t.Fatal(recs, err)
	}
	ps := recs[0].Params
	want := "balloon.current balloon.maximum balloon.swap_in balloon.swap_out balloon.major_fault balloon.minor_fault " +
		"balloon.unused balloon.available balloon.usable balloon.last-update balloon.disk_caches " +
		"balloon.hugetlb_pgalloc balloon.hugetlb_pgfail balloon.rss"
	if got := paramNames(ps); got != want {
		t.Fatalf("fields:\n%s\nwant\n%s", got, want)
	}
	for i, v := range map[int]uint64{0: 65536, 1: 131072, 4: 3, 6: 40960, 9: 1795379109, 10: 1024} {
		if ps[i].Value.Type != driver.ParamULLong || ps[i].Value.UL != v {
			t.Errorf("%s = %+v, want %d", ps[i].Field, ps[i].Value, v)
		}
	}

	inactive, _ := memoryTestDriver(t, memoryTestDef(t, periodBalloon), nil, true)
	recs, err = inactive.ConnectGetAllDomainStats(ctx, nil, statsBalloon, 0)
	if err != nil || len(recs) != 1 || paramNames(recs[0].Params) != "balloon.current balloon.maximum" || recs[0].Params[0].Value.UL != 65536 {
		t.Errorf("inactive: %v %v", recs, err)
	}

	none, _ := memoryTestDriver(t, memoryTestDef(t, `<memballoon model='none'/>`), nil, true)
	recs, err = none.ConnectGetAllDomainStats(ctx, nil, statsBalloon, 0)
	if err != nil || len(recs) != 1 || recs[0].Params[0].Value.UL != 131072 {
		t.Errorf("no balloon: %v %v", recs, err)
	}
}

// serveScriptedQMP answers QMP on a unix socket at path as
// newScriptedMonitor's peer does (batch: nothing is answered before that
// many commands arrived), for code that dials the monitor itself.
func serveScriptedQMP(t *testing.T, path string, batch int, answer func(string, map[string]any) (any, *qmpFailure)) *scriptedMonitor {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	sm := &scriptedMonitor{}
	go func() {
		server, err := l.Accept()
		if err != nil {
			return
		}
		sm.serve(server, batch, answer)
	}()
	return sm
}

// reconnectFixture leaves a status file for a running "mem" guest whose
// recorded balloon size is 65536 KiB, its QEMU played by a sleeping
// process and a scripted monitor, as a killed daemon would, and returns
// the driver that will reconnect to it.
func reconnectFixture(t *testing.T, balloon string, batch int, answer func(string, map[string]any) (any, *qmpFailure)) (*Driver, *domainObj, *scriptedMonitor, *exec.Cmd) {
	t.Helper()
	qemu := exec.Command("sleep", "300")
	if err := qemu.Start(); err != nil {
		t.Skip("no sleep:", err)
	}
	reaped := make(chan struct{})
	go func() { qemu.Wait(); close(reaped) }()
	t.Cleanup(func() {
		qemu.Process.Kill()
		<-reaped
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, balloon), nil, true)
	d := c.d
	d.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	monPath := filepath.Join(t.TempDir(), "monitor.sock")
	sm := serveScriptedQMP(t, monPath, batch, answer)
	live, err := copyDef(o.def)
	if err != nil {
		t.Fatal(err)
	}
	live.ID = 1
	o.live, o.id, o.state, o.reason = live, 1, stateRunning, runningBooted
	o.proc = &qemuProcess{d: d, o: o, pid: qemu.Process.Pid, monPath: monPath, exited: make(chan struct{}), removed: map[string]chan struct{}{}}
	if err := d.writeStatus(o); err != nil {
		t.Fatal(err)
	}
	// The new daemon knows the persistent definition alone.
	o.live, o.proc, o.id, o.state, o.reason = nil, nil, -1, stateShutoff, 0
	t.Cleanup(func() {
		o.mu.Lock()
		p := o.proc
		o.mu.Unlock()
		if p != nil {
			p.mu.Lock()
			p.detached = true
			p.mu.Unlock()
			p.mon.Close()
		}
	})
	return d, o, sm, qemu
}

// After a daemon restart the balloon size is QEMU's, not the status
// file's, asked in the same round trip as the run state; the status file
// keeps the new size.
func TestReconnectRefreshesBalloon(t *testing.T) {
	d, o, sm, _ := reconnectFixture(t, periodBalloon, 3, answerReconnect)
	d.reconnect("mem")
	o.mu.Lock()
	active, live, state := o.proc != nil, o.live, o.state
	o.mu.Unlock()
	if !active || live == nil || state != stateRunning {
		t.Fatalf("not reconnected: active %v state %d", active, state)
	}
	cur := live.Memory.Current
	if cur != 131072 {
		t.Errorf("current memory after reconnect = %d, want QEMU's 131072", cur)
	}
	sameCommands(t, "reconnect", sm.commands(), []string{`query-status {}`, `query-chardev {}`, `query-balloon {}`})
	status, err := os.ReadFile(d.paths.StatusFile("mem"))
	if err != nil || !strings.Contains(string(status), "<currentMemory unit='KiB'>131072</currentMemory>") {
		t.Errorf("status file after reconnect: %v\n%s", err, status)
	}
}

// answerReconnect answers a reconnect's questions as a running QEMU 7.2
// guest with a 128 MiB balloon and no channels.
func answerReconnect(execute string, args map[string]any) (any, *qmpFailure) {
	switch execute {
	case "query-status":
		return map[string]any{"running": true, "status": "running"}, nil
	case "query-chardev":
		return []map[string]any{{"label": "charserial0", "filename": "pty:/dev/pts/3", "frontend-open": false}}, nil
	}
	return answerQEMU(execute, args)
}

func TestReconnectBalloonVariants(t *testing.T) {
	running := answerReconnect
	t.Run("no balloon", func(t *testing.T) {
		d, o, sm, _ := reconnectFixture(t, `<memballoon model='none'/>`, 0, running)
		d.reconnect("mem")
		if o.live == nil || o.live.Memory.Current != o.live.Memory.Total {
			t.Errorf("a guest without a balloon has all its memory: %+v", o.live)
		}
		sameCommands(t, "reconnect", sm.commands(), []string{`query-status {}`, `query-chardev {}`})
	})
	t.Run("balloon not active", func(t *testing.T) {
		d, o, _, _ := reconnectFixture(t, periodBalloon, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
			if execute == "query-balloon" {
				return nil, &qmpFailure{"DeviceNotActive", "No balloon device has been activated"}
			}
			return running(execute, args)
		})
		d.reconnect("mem")
		if o.proc == nil || o.live.Memory.Current != 65536 {
			t.Errorf("a soft failure keeps the recorded size: proc %v", o.proc)
		}
	})
	t.Run("broken answer", func(t *testing.T) {
		// libvirt stops a guest it could not fully reconnect to.
		d, o, _, qemu := reconnectFixture(t, periodBalloon, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
			if execute == "query-balloon" {
				return map[string]any{}, nil
			}
			return running(execute, args)
		})
		d.reconnect("mem")
		if o.proc != nil || o.state != stateShutoff || o.reason != shutoffDaemon {
			t.Errorf("state %d reason %d, proc %v", o.state, o.reason, o.proc)
		}
		if pidAlive(qemu.Process.Pid) {
			t.Errorf("QEMU left running")
		}
		if _, err := os.Stat(d.paths.StatusFile("mem")); !os.IsNotExist(err) {
			t.Errorf("status file left: %v", err)
		}
	})
}

// The reconnect reads the channels' state in the same round trip
// (qemuRefreshVirtioChannelState): the agent's channel takes it and an
// agent lifecycle event with reason "channel" announces it.
func TestReconnectRefreshesChannels(t *testing.T) {
	agent := `<channel type='unix'><source mode='bind' path='/run/ga.sock'/><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/><alias name='channel0'/></channel>
    ` + periodBalloon
	d, o, _, _ := reconnectFixture(t, agent, 3, func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "query-chardev" {
			return []map[string]any{{"label": "charchannel0", "filename": "unix:/run/ga.sock,server=on", "frontend-open": true}}, nil
		}
		return answerReconnect(execute, args)
	})
	var got []driver.Event
	if _, err := d.events.Register(&conn{d: d}, driver.EventDomain, eventIDAgentLifecycle, nil, func(ev driver.Event) { got = append(got, ev) }); err != nil {
		t.Fatal(err)
	}
	d.reconnect("mem")
	if o.live == nil {
		t.Fatal("not reconnected")
	}
	if ch := o.live.Devices.Channels(); len(ch) != 1 || childProp(ch[0], "target", "state") != "connected" {
		t.Errorf("channel after reconnect: %+v", ch)
	}
	if len(got) != 1 {
		t.Fatalf("%d agent events", len(got))
	}
	if msg, ok := got[0].Payload.(*driver.DomainEventCallbackAgentLifecycleMsg); !ok || msg.State != agentConnected || msg.Reason != agentReasonChannel || msg.Dom.Name != "mem" {
		t.Errorf("event %+v", got[0].Payload)
	}
}
