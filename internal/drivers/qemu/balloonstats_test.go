package qemu

import (
	"context"
	"encoding/json"
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

func sameTags(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
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
	if !sameTags(statTags(got), want) {
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
	if got, err := c.DomainMemoryStats(ctx, o.ref(), 12, 0); err != nil || !sameTags(statTags(got), want[:12]) {
		t.Errorf("maxStats 12: %v %v", statTags(got), err)
	}
	if got, err := c.DomainMemoryStats(ctx, o.ref(), 2, 0); err != nil || !sameTags(statTags(got), want[:2]) {
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
	if want := []int32{memStatActualBalloon, memStatLastUpdate, memStatRSS}; !sameTags(statTags(got), want) {
		t.Errorf("tags %v, want %v", statTags(got), want)
	}
}

func TestDomainMemoryStatsVariants(t *testing.T) {
	ctx := context.Background()
	t.Run("no balloon", func(t *testing.T) {
		mon, sm := newScriptedMonitor(t, 0, answerQEMU)
		c, o := memoryTestDriver(t, memoryTestDef(t, `<memballoon model='none'/>`), mon, true)
		got, err := c.DomainMemoryStats(ctx, o.ref(), 13, 0)
		if err != nil || !sameTags(statTags(got), []int32{memStatRSS}) {
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
