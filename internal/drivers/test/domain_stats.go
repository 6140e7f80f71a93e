package test

import (
	"context"
	"strconv"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Stat groups libvirt 9.0's test driver fills (virDomainStatsTypes).
const (
	statsState    uint32 = 1 << 0
	statsIOThread uint32 = 1 << 7
	statsTestAll         = statsState | statsIOThread

	statsNoWait  uint32 = 1 << 29
	statsBacking uint32 = 1 << 30
	statsEnforce uint32 = 1 << 31
	// The list filters of VIR_CONNECT_LIST_DOMAINS_* that apply here:
	// active/inactive, persistent/transient and the four states.
	statsListFilters uint32 = 0xff
)

// ConnectGetAllDomainStats reports the state and IOThread groups of the
// domains flags (or the doms list) select (testConnectGetAllDomainStats);
// other groups are dropped, or refused with ENFORCE_STATS.
func (c *conn) ConnectGetAllDomainStats(ctx context.Context, doms []driver.DomainRef, stats uint32, flags uint32) ([]driver.DomainStatsRecord, error) {
	if err := unsupportedFlags(flags, statsListFilters|statsNoWait|statsBacking|statsEnforce, "testConnectGetAllDomainStats"); err != nil {
		return nil, err
	}
	if stats == 0 {
		stats = statsTestAll
	} else if extra := stats &^ statsTestAll; extra != 0 && flags&statsEnforce != 0 {
		return nil, errf(virterr.ArgumentUnsupported, "Stats types bits 0x%x are not supported by this daemon", extra)
	}
	stats &= statsTestAll
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	var objs []*domainObj
	if len(doms) > 0 {
		for _, d := range doms {
			if o, err := c.st.find(d); err == nil {
				objs = append(objs, o)
			}
		}
	} else {
		objs = append(objs, c.st.domains...)
	}
	// The list filters use the same bits as ConnectListAllDomains.
	lflags := flags & statsListFilters
	out := []driver.DomainStatsRecord{}
	for _, o := range objs {
		if !matchesList(o, lflags) {
			continue
		}
		rec := driver.DomainStatsRecord{Dom: o.ref(), Params: []driver.TypedParam{}}
		if stats&statsState != 0 {
			rec.Params = append(rec.Params, intParam("state.state", o.state), intParam("state.reason", o.reason))
		}
		if stats&statsIOThread != 0 && o.active() && len(o.priv.iothreads) > 0 {
			rec.Params = append(rec.Params, uintParam("iothread.count", uint32(len(o.priv.iothreads))))
			for _, t := range o.priv.iothreads {
				prefix := "iothread." + strconv.FormatUint(uint64(t.id), 10) + "."
				rec.Params = append(rec.Params,
					ullongParam(prefix+"poll-max-ns", t.pollMaxNs),
					uintParam(prefix+"poll-grow", t.pollGrow),
					uintParam(prefix+"poll-shrink", t.pollShrink))
			}
		}
		out = append(out, rec)
	}
	return out, nil
}
