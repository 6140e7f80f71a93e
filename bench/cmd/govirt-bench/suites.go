package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
)

const testURI = "test:///default"

// clientMode is how the client waits for the daemon: "blocking" (a thread
// in read(2), as libvirt's C clients wait in poll(2)) or "poll" (Go's
// network poller, as go-libvirt and govirt's remote driver do).
var clientMode = "blocking"

// params sizes the suites.
type params struct {
	domains    int           // domains defined for define/list/RSS
	listReps   int           // list --all repetitions over them
	calls      int           // calls timed for latency
	conns      int           // connections for throughput
	duration   time.Duration // throughput measuring time
	eventIters int           // define+undefine pairs while subscribed
}

// metrics are one suite's figures for one daemon in one run.
type metrics map[string]float64

// suite is one measurement; it runs on a freshly started daemon.
type suite struct {
	name string
	run  func(d *daemon, p params) (metrics, error)
}

var suites = []suite{
	{"domains", runDomains},
	{"calls", runCalls},
	{"throughput", runThroughput},
	{"events", runEvents},
}

// domainXML is a small distinct test-driver domain.
func domainXML(name string) string {
	return "<domain type='test'><name>" + name + "</name><memory unit='KiB'>8192</memory>" +
		"<vcpu>1</vcpu><os><type>hvm</type></os></domain>"
}

// runDomains measures idle RSS on the fresh daemon, defines p.domains
// domains (define throughput, RSS per domain), times virsh list --all's
// calls over them, then undefines them all.
func runDomains(d *daemon, p params) (metrics, error) {
	m := metrics{}
	c, err := dial(d.socket, testURI)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := c.call(remote.ProcConnectGetLibVersion, nil, &remote.ConnectGetLibVersionRet{}); err != nil {
		return nil, err
	}
	time.Sleep(300 * time.Millisecond)
	idle, err := d.rssKiB()
	if err != nil {
		return nil, err
	}
	m["rss_idle_kib"] = float64(idle)

	doms := make([]remote.NonnullDomain, 0, p.domains)
	lat := make([]time.Duration, 0, p.domains)
	cpu0 := d.cpuTicks()
	start := time.Now()
	for i := 0; i < p.domains; i++ {
		var ret remote.DomainDefineXMLRet
		t := time.Now()
		if err := c.call(remote.ProcDomainDefineXML, &remote.DomainDefineXMLArgs{XML: domainXML(fmt.Sprintf("bench-%d", i))}, &ret); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
		doms = append(doms, ret.Dom)
	}
	el := time.Since(start)
	m["define_per_s"] = float64(p.domains) / el.Seconds()
	m["define_cpu_us_per_call"] = ticksToUs(d.cpuTicks()-cpu0) / float64(p.domains)
	addDist(m, "define", lat)

	time.Sleep(500 * time.Millisecond)
	full, err := d.rssKiB()
	if err != nil {
		return nil, err
	}
	m[fmt.Sprintf("rss_%d_domains_kib", p.domains)] = float64(full)
	m["rss_bytes_per_domain"] = float64(full-idle) * 1024 / float64(p.domains)
	d.heapSnapshot()

	var listAll, listOnly []time.Duration
	for r := 0; r < p.listReps; r++ {
		t := time.Now()
		var ret remote.ConnectListAllDomainsRet
		if err := c.call(remote.ProcConnectListAllDomains, &remote.ConnectListAllDomainsArgs{NeedResults: 1}, &ret); err != nil {
			return nil, err
		}
		listOnly = append(listOnly, time.Since(t))
		for i := range ret.Domains {
			var st remote.DomainGetStateRet
			if err := c.call(remote.ProcDomainGetState, &remote.DomainGetStateArgs{Dom: ret.Domains[i]}, &st); err != nil {
				return nil, err
			}
		}
		listAll = append(listAll, time.Since(t))
		m["list_domains_seen"] = float64(len(ret.Domains))
	}
	m["list_all_ms"] = ms(median(listAll))
	m["list_all_min_ms"] = ms(minDur(listAll))
	m["listall_call_only_ms"] = ms(median(listOnly))

	start = time.Now()
	for i := range doms {
		if err := c.call(remote.ProcDomainUndefine, &remote.DomainUndefineArgs{Dom: doms[i]}, nil); err != nil {
			return nil, err
		}
	}
	m["undefine_per_s"] = float64(len(doms)) / time.Since(start).Seconds()
	return m, nil
}

// runCalls times trivial calls one after another on one connection.
func runCalls(d *daemon, p params) (metrics, error) {
	m := metrics{}
	c, err := dial(d.socket, testURI)
	if err != nil {
		return nil, err
	}
	defer c.close()
	var ver remote.ConnectGetLibVersionRet
	name := &remote.DomainLookupByNameArgs{Name: "test"}
	var dom remote.DomainLookupByNameRet
	for i := 0; i < p.calls/10+100; i++ { // warm up
		if err := c.call(remote.ProcConnectGetLibVersion, nil, &ver); err != nil {
			return nil, err
		}
	}
	for _, k := range []struct {
		name string
		call func() error
	}{
		{"libversion", func() error { return c.call(remote.ProcConnectGetLibVersion, nil, &ver) }},
		{"lookup", func() error { return c.call(remote.ProcDomainLookupByName, name, &dom) }},
	} {
		lat := make([]time.Duration, p.calls)
		cpu0 := d.cpuTicks()
		start := time.Now()
		for i := range lat {
			t := time.Now()
			if err := k.call(); err != nil {
				return nil, err
			}
			lat[i] = time.Since(t)
		}
		el := time.Since(start)
		addDist(m, k.name, lat)
		m[k.name+"_1conn_calls_per_s"] = float64(p.calls) / el.Seconds()
		m[k.name+"_cpu_us_per_call"] = ticksToUs(d.cpuTicks()-cpu0) / float64(p.calls)
	}
	return m, nil
}

// runThroughput keeps p.conns connections busy with CONNECT_GET_LIB_VERSION,
// one call in flight on each, for p.duration.
func runThroughput(d *daemon, p params) (metrics, error) {
	conns := make([]*conn, p.conns)
	for i := range conns {
		c, err := dial(d.socket, testURI)
		if err != nil {
			return nil, err
		}
		defer c.close()
		conns[i] = c
	}
	var total atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	var begin sync.WaitGroup
	begin.Add(1)
	for _, c := range conns {
		wg.Add(1)
		go func(c *conn) {
			defer wg.Done()
			begin.Wait()
			var ver remote.ConnectGetLibVersionRet
			for !stop.Load() {
				if err := c.call(remote.ProcConnectGetLibVersion, nil, &ver); err != nil {
					errs <- err
					return
				}
				total.Add(1)
			}
		}(c)
	}
	begin.Done()
	time.Sleep(p.duration / 5) // warm up: every connection busy before counting
	n0, cpu0, self0 := total.Load(), d.cpuTicks(), selfCPU()
	start := time.Now()
	time.Sleep(p.duration)
	n := total.Load() - n0
	el := time.Since(start)
	cpu1, self1 := d.cpuTicks(), selfCPU()
	stop.Store(true)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	m := metrics{}
	m[fmt.Sprintf("calls_per_s_%dconn", p.conns)] = float64(n) / el.Seconds()
	m["throughput_cpu_us_per_call"] = ticksToUs(cpu1-cpu0) / float64(n)
	m["throughput_client_cpu_us_per_call"] = us(self1-self0) / float64(n)
	return m, nil
}

// runEvents defines and undefines domains on one connection while another
// is subscribed to lifecycle events, and times each event against the
// REPLY of the call that caused it, both taken as they come off the
// socket: event_after_reply_*. A negative time means the event arrived
// first. It then does the same with the subscription on the calling
// connection itself (same_conn_*), where the order on the wire is
// the order the daemon wrote them in.
func runEvents(d *daemon, p params) (metrics, error) {
	m := metrics{}
	defer holdPMQoS()()
	defer realtimeThread()()
	// The client's own garbage collector would take a P from the threads
	// timing the packets (a GC worker is not preempted the moment one of
	// them wakes); the few hundred KiB the suite allocates can wait.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	if wakeHas("rt") {
		// The two timing threads each keep a P while they wait
		// (timedReads); the rest of the client needs P's too.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 4)))
	}
	sub, err := dial(d.socket, testURI)
	if err != nil {
		return nil, err
	}
	defer sub.nc.Close()
	events, err := sub.subscribe()
	if err != nil {
		return nil, err
	}
	c, err := dial(d.socket, testURI)
	if err != nil {
		return nil, err
	}
	defer c.close()
	c.timedReads() // this goroutine is locked to its thread (realtimeThread)
	replies := map[eventKey]time.Time{}
	for i := 0; i < p.eventIters; i++ {
		name := fmt.Sprintf("bench-ev-%d", i)
		var ret remote.DomainDefineXMLRet
		at, err := c.callAt(remote.ProcDomainDefineXML, &remote.DomainDefineXMLArgs{XML: domainXML(name)}, &ret)
		if err != nil {
			return nil, err
		}
		replies[eventKey{name, 0}] = at // VIR_DOMAIN_EVENT_DEFINED
		at, err = c.callAt(remote.ProcDomainUndefine, &remote.DomainUndefineArgs{Dom: ret.Dom}, nil)
		if err != nil {
			return nil, err
		}
		replies[eventKey{name, 1}] = at // VIR_DOMAIN_EVENT_UNDEFINED
	}
	// the wait ends once all are in; the grace only bounds a loss
	got := events.await(len(replies), 30*time.Second)
	eventFigures(m, "", replies, got)

	// The same, subscribed on the calling connection.
	same, err := dial(d.socket, testURI)
	if err != nil {
		return nil, err
	}
	defer same.nc.Close()
	id, err := same.registerLifecycle()
	if err != nil {
		return nil, err
	}
	packets := same.readLoop()
	replies = map[eventKey]time.Time{}
	got = nil
	// await sends a call and waits for its reply, keeping the events that
	// come on the way.
	await := func(proc remote.Procedure, args, ret xdr.Marshaler) (time.Time, error) {
		serial, err := same.sendCall(proc, args)
		if err != nil {
			return time.Time{}, err
		}
		for pk := range packets {
			if ev, ok := asLifecycle(pk, id); ok {
				got = append(got, ev)
				continue
			}
			if pk.Type == netproto.Reply && pk.Serial == serial {
				return pk.at, decode(int32(proc), pk.Packet, ret)
			}
		}
		return time.Time{}, fmt.Errorf("connection closed")
	}
	for i := 0; i < p.eventIters; i++ {
		name := fmt.Sprintf("bench-ev-same-%d", i)
		var ret remote.DomainDefineXMLRet
		at, err := await(remote.ProcDomainDefineXML, &remote.DomainDefineXMLArgs{XML: domainXML(name)}, &ret)
		if err != nil {
			return nil, err
		}
		replies[eventKey{name, 0}] = at
		at, err = await(remote.ProcDomainUndefine, &remote.DomainUndefineArgs{Dom: ret.Dom}, nil)
		if err != nil {
			return nil, err
		}
		replies[eventKey{name, 1}] = at
	}
	grace := time.After(30 * time.Second) // ends early once all are in
drain:
	for len(got) < len(replies) {
		select {
		case pk, ok := <-packets:
			if !ok {
				break drain
			}
			if ev, ok := asLifecycle(pk, id); ok {
				got = append(got, ev)
			}
		case <-grace:
			break drain
		}
	}
	eventFigures(m, "same_conn_", replies, got)
	return m, nil
}

type eventKey struct {
	name  string
	event int32
}

// eventFigures matches events to the replies of the calls that caused
// them.
func eventFigures(m metrics, prefix string, replies map[eventKey]time.Time, got []lifecycleEvent) {
	var deltas []time.Duration
	before := 0
	seen := map[eventKey]bool{}
	for _, ev := range got {
		k := eventKey{ev.name, ev.event}
		at, ok := replies[k]
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		dt := ev.at.Sub(at)
		if dt < 0 {
			before++
		}
		deltas = append(deltas, dt)
	}
	m[prefix+"events_expected"] = float64(len(replies))
	m[prefix+"events_lost"] = float64(len(replies) - len(deltas))
	m[prefix+"events_before_reply"] = float64(before)
	addDist(m, prefix+"event_after_reply", deltas)
}

// selfCPU is this process's user+system CPU time: the client's share of
// a machine both sides run on.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func addDist(m metrics, prefix string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(f float64) float64 { return us(s[int(f*float64(len(s)-1))]) }
	m[prefix+"_p50_us"] = q(0.50)
	m[prefix+"_p90_us"] = q(0.90)
	m[prefix+"_p99_us"] = q(0.99)
	m[prefix+"_max_us"] = us(s[len(s)-1])
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func minDur(d []time.Duration) time.Duration {
	m := d[0]
	for _, v := range d {
		m = min(m, v)
	}
	return m
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ticksToUs converts clock ticks (USER_HZ, 100 on Linux) to microseconds.
func ticksToUs(t int64) float64 { return float64(t) * 10000 }
