package interop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

func describeErr(err error) string {
	var le libvirt.Error
	switch {
	case errors.Is(err, libvirt.ErrUnsupported):
		return "ErrUnsupported"
	case errors.As(err, &le):
		return fmt.Sprintf("error %d (%s): %s", le.Code, libvirt.ErrorNumber(le.Code), le.Message)
	}
	return "client error: " + err.Error()
}

// goLibvirtConnect dials a daemon socket with go-libvirt's own dialer and
// opens test:///default.
func goLibvirtConnect(t *testing.T, sock string) *libvirt.Libvirt {
	t.Helper()
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(sock), dialers.WithLocalTimeout(5*time.Second)))
	if err := l.ConnectToURI(libvirt.TestDefault); err != nil {
		t.Fatalf("go-libvirt ConnectToURI(%s) on %s: %v", libvirt.TestDefault, sock, err)
	}
	return l
}

// bounded runs fn, failing the test (instead of hanging it) when fn does
// not return within limit.
func bounded(t *testing.T, what string, limit time.Duration, fn func()) bool {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
		return true
	case <-time.After(limit):
		t.Errorf("%s: no answer within %v (hang)", what, limit)
		return false
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGoLibvirtConnection: connect, the host and connection calls, listing
// and lookups of the default test node's objects.
func TestGoLibvirtConnection(t *testing.T) {
	eachDaemon(t, nil, func(t *testing.T, d *Daemon, tr *transcript) {
		l := goLibvirtConnect(t, d.RW)
		defer l.Disconnect()
		bounded(t, "connection calls", 30*time.Second, func() {
			typ, err := l.ConnectGetType()
			tr.result("ConnectGetType", err, "%s", typ)
			ver, err := l.ConnectGetVersion()
			tr.result("ConnectGetVersion", err, "%d", ver)
			lib, err := l.ConnectGetLibVersion()
			tr.result("ConnectGetLibVersion", err, "%d", lib)
			v, err := l.Version()
			tr.result("Version", err, "%s", v)
			uri, err := l.ConnectGetUri()
			tr.result("ConnectGetURI", err, "%s", uri)
			sec, err := l.ConnectIsSecure()
			tr.result("ConnectIsSecure", err, "%d", sec)
			maxv, err := l.ConnectGetMaxVcpus(libvirt.OptString{"test"})
			tr.result("ConnectGetMaxVcpus", err, "%d", maxv)
			model, mem, cpus, mhz, nodes, sockets, cores, threads, err := l.NodeGetInfo()
			tr.result("NodeGetInfo", err, "%s %d %d %d %d %d %d %d", int8String(model[:]), mem, cpus, mhz, nodes, sockets, cores, threads)
			free, err := l.NodeGetFreeMemory()
			tr.result("NodeGetFreeMemory", err, "%d", free)
			caps, err := l.Capabilities()
			tr.result("Capabilities", err, "%d bytes\n%s", len(caps), caps)

			doms, err := l.Domains()
			tr.result("Domains", err, "%s", domainList(doms))
			for _, flags := range []libvirt.ConnectListAllDomainsFlags{0, libvirt.ConnectListDomainsActive, libvirt.ConnectListDomainsInactive, libvirt.ConnectListDomainsPersistent | libvirt.ConnectListDomainsTransient} {
				doms, n, err := l.ConnectListAllDomains(1, flags)
				tr.result(fmt.Sprintf("ConnectListAllDomains(1, %d)", flags), err, "%d %s", n, domainList(doms))
				doms, n, err = l.ConnectListAllDomains(0, flags)
				tr.result(fmt.Sprintf("ConnectListAllDomains(0, %d)", flags), err, "%d %s", n, domainList(doms))
			}
			n, err := l.ConnectNumOfDomains()
			tr.result("ConnectNumOfDomains", err, "%d", n)
			ids, err := l.ConnectListDomains(10)
			tr.result("ConnectListDomains", err, "%v", ids)
			n, err = l.ConnectNumOfDefinedDomains()
			tr.result("ConnectNumOfDefinedDomains", err, "%d", n)

			dom, err := l.DomainLookupByName("test")
			tr.result("DomainLookupByName(test)", err, "%s", domainList([]libvirt.Domain{dom}))
			byID, err := l.DomainLookupByID(dom.ID)
			tr.result("DomainLookupByID", err, "%s", domainList([]libvirt.Domain{byID}))
			byUUID, err := l.DomainLookupByUUID(dom.UUID)
			tr.result("DomainLookupByUUID", err, "%s", domainList([]libvirt.Domain{byUUID}))
			state, reason, err := l.DomainGetState(dom, 0)
			tr.result("DomainGetState", err, "%d %d", state, reason)
			st, err := l.DomainState("test")
			tr.result("DomainState", err, "%d", st)
			rs, maxMem, mem2, nrCPU, _, err := l.DomainGetInfo(dom)
			tr.result("DomainGetInfo", err, "%d %d %d %d", rs, maxMem, mem2, nrCPU)
			os, err := l.DomainGetOsType(dom)
			tr.result("DomainGetOsType", err, "%s", os)
			xml, err := l.XML("test", 0)
			tr.result("XML(test)", err, "\n%s", xml)
			xml2, err := l.DomainGetXMLDesc(dom, libvirt.DomainXMLInactive)
			tr.result("DomainGetXMLDesc(INACTIVE)", err, "\n%s", xml2)
			a, err := l.DomainIsActive(dom)
			tr.result("DomainIsActive", err, "%d", a)
			p, err := l.DomainIsPersistent(dom)
			tr.result("DomainIsPersistent", err, "%d", p)
			as, err := l.DomainGetAutostart(dom)
			tr.result("DomainGetAutostart", err, "%d", as)

			nets, n2, err := l.ConnectListAllNetworks(1, 0)
			var netNames []string
			for _, n := range nets {
				netNames = append(netNames, n.Name)
			}
			tr.result("ConnectListAllNetworks", err, "%d %v", n2, netNames)
			net, err := l.NetworkLookupByName("default")
			tr.result("NetworkLookupByName(default)", err, "%s %x", net.Name, net.UUID)
			nxml, err := l.NetworkGetXMLDesc(net, 0)
			tr.result("NetworkGetXMLDesc", err, "\n%s", nxml)
			pools, err := l.StoragePools(0)
			var poolNames []string
			for _, p := range pools {
				poolNames = append(poolNames, p.Name)
			}
			tr.result("StoragePools", err, "%v", poolNames)
			pool, err := l.StoragePool("default-pool")
			tr.result("StoragePool(default-pool)", err, "%s", pool.Name)
			ps, pcap, palloc, pavail, err := l.StoragePoolGetInfo(pool)
			tr.result("StoragePoolGetInfo", err, "%d %d %d %d", ps, pcap, palloc, pavail)
		})
	})
}

// TestGoLibvirtLifecycle: define, create, suspend, resume, destroy and
// undefine a domain, plus a transient domain, with both of go-libvirt's
// event APIs watching; the events arrive in order.
func TestGoLibvirtLifecycle(t *testing.T) {
	demo := readTestdata(t, "demo.xml")
	transient := readTestdata(t, "transient.xml")
	eachDaemon(t, nil, func(t *testing.T, d *Daemon, tr *transcript) {
		// Two watchers on two connections: libvirtd refuses a second
		// registration of one event ID on one connection (go-libvirt,
		// unlike libvirt's C client, does not share registrations).
		l := goLibvirtConnect(t, d.RW)
		defer l.Disconnect()
		watcher := goLibvirtConnect(t, d.RW)
		defer watcher.Disconnect()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		lifecycle, err := l.LifecycleEvents(ctx)
		if err != nil {
			t.Fatalf("LifecycleEvents: %s", describeErr(err))
		}
		subscribed, err := watcher.SubscribeEvents(ctx, libvirt.DomainEventIDLifecycle, libvirt.OptDomain{})
		if err != nil {
			t.Fatalf("SubscribeEvents: %s", describeErr(err))
		}
		var evMu sync.Mutex
		var fromLifecycle, fromAny []string
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			for ev := range lifecycle {
				evMu.Lock()
				fromLifecycle = append(fromLifecycle, lifecycleString(ev))
				evMu.Unlock()
			}
		}()
		go func() {
			defer wg.Done()
			for ev := range subscribed {
				s := fmt.Sprintf("unexpected %T", ev)
				if m, ok := ev.(*libvirt.DomainEventCallbackLifecycleMsg); ok {
					s = lifecycleString(m.Msg)
				}
				evMu.Lock()
				fromAny = append(fromAny, s)
				evMu.Unlock()
			}
		}()

		bounded(t, "lifecycle calls", 30*time.Second, func() {
			dom, err := l.DomainDefineXML(demo)
			tr.result("DomainDefineXML", err, "%s", domainList([]libvirt.Domain{dom}))
			xml, err := l.DomainGetXMLDesc(dom, 0)
			tr.result("DomainGetXMLDesc", err, "\n%s", xml)
			err = l.DomainCreate(dom)
			tr.result("DomainCreate", err, "ok")
			dom, err = l.DomainLookupByUUID(dom.UUID)
			tr.result("DomainLookupByUUID", err, "%s", domainList([]libvirt.Domain{dom}))
			st, r, err := l.DomainGetState(dom, 0)
			tr.result("DomainGetState", err, "%d %d", st, r)
			err = l.DomainSuspend(dom)
			tr.result("DomainSuspend", err, "ok")
			st, r, err = l.DomainGetState(dom, 0)
			tr.result("DomainGetState", err, "%d %d", st, r)
			err = l.DomainResume(dom)
			tr.result("DomainResume", err, "ok")
			err = l.DomainSetAutostart(dom, 1)
			tr.result("DomainSetAutostart", err, "ok")
			as, err := l.DomainGetAutostart(dom)
			tr.result("DomainGetAutostart", err, "%d", as)
			err = l.DomainSetAutostart(dom, 0)
			tr.result("DomainSetAutostart", err, "ok")
			err = l.DomainDestroy(dom)
			tr.result("DomainDestroy", err, "ok")
			err = l.DomainDestroy(dom)
			tr.result("DomainDestroy(again)", err, "ok")
			err = l.DomainUndefine(dom)
			tr.result("DomainUndefine", err, "ok")
			_, err = l.DomainLookupByName("interop1")
			tr.result("DomainLookupByName(interop1)", err, "found")
			tr.set("IsNotFound", "%v", libvirt.IsNotFound(err))

			tdom, err := l.DomainCreateXML(transient, 0)
			tr.result("DomainCreateXML", err, "%s", domainList([]libvirt.Domain{tdom}))
			p, err := l.DomainIsPersistent(tdom)
			tr.result("DomainIsPersistent", err, "%d", p)
			err = l.DomainDestroy(tdom)
			tr.result("DomainDestroy(transient)", err, "ok")
			_, err = l.DomainLookupByUUID(tdom.UUID)
			tr.result("DomainLookupByUUID(transient)", err, "found")

			// go-libvirt's own wrappers by name.
			err = l.DefineXML([]byte(demo), 0)
			tr.result("DefineXML", err, "ok")
			err = l.Destroy("interop1", 0)
			tr.result("Destroy(inactive)", err, "ok")
			err = l.Undefine("interop1", 0)
			tr.result("Undefine", err, "ok")
		})

		// Events may trail the replies that caused them (libvirtd queues
		// them on a timer); wait until all have come.
		want := []string{
			"interop1 Defined/Added", "interop1 Started/Booted", "interop1 Suspended/Paused",
			"interop1 Resumed/Unpaused", "interop1 Stopped/Destroyed", "interop1 Undefined/Removed",
			"interop2 Started/Booted", "interop2 Stopped/Destroyed",
			"interop1 Defined/Added", "interop1 Undefined/Removed",
		}
		// A loaded CI machine can hold them back for seconds; the wait
		// ends as soon as they are all in.
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			evMu.Lock()
			n := len(fromLifecycle) + len(fromAny)
			evMu.Unlock()
			if n >= 2*len(want) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // anything extra would show up now
		cancel()
		if !bounded(t, "event streams closing", 10*time.Second, wg.Wait) {
			return
		}
		tr.set("LifecycleEvents", "%s", strings.Join(fromLifecycle, ", "))
		tr.set("SubscribeEvents", "%s", strings.Join(fromAny, ", "))
		if got := strings.Join(fromLifecycle, ", "); got != strings.Join(want, ", ") {
			t.Errorf("LifecycleEvents:\n%s\nwant\n%s", got, strings.Join(want, ", "))
		}
		if got := strings.Join(fromAny, ", "); got != strings.Join(want, ", ") {
			t.Errorf("SubscribeEvents:\n%s\nwant\n%s", got, strings.Join(want, ", "))
		}
	})
}

// errorsKnown: where govirtd's errors still differ from libvirtd's.
var errorsKnown = known{}

// TestGoLibvirtErrors: libvirt's error codes reach go-libvirt unchanged,
// and a procedure the daemon does not know is go-libvirt's ErrUnsupported.
func TestGoLibvirtErrors(t *testing.T) {
	eachDaemon(t, errorsKnown, func(t *testing.T, d *Daemon, tr *transcript) {
		l := goLibvirtConnect(t, d.RW)
		defer l.Disconnect()
		bounded(t, "error calls", 30*time.Second, func() {
			_, err := l.DomainLookupByName("nosuch")
			tr.result("DomainLookupByName(nosuch)", err, "found")
			if !libvirt.IsNotFound(err) {
				t.Errorf("DomainLookupByName(nosuch): %v, want ErrNoDomain", err)
			}
			_, err = l.DomainLookupByID(4711)
			tr.result("DomainLookupByID(4711)", err, "found")
			_, err = l.DomainLookupByUUID(libvirt.UUID{1, 2, 3})
			tr.result("DomainLookupByUUID(010203…)", err, "found")
			_, err = l.DomainDefineXML("<domain type='test'><name>broken")
			tr.result("DomainDefineXML(malformed)", err, "defined")
			_, err = l.DomainDefineXML("<domain type='test'><uuid>0f3a5c2e-8b1d-4e6f-9a27-3c5d7e9f1b99</uuid></domain>")
			tr.result("DomainDefineXML(no name)", err, "defined")
			dom, err := l.DomainLookupByName("test")
			tr.result("DomainLookupByName(test)", err, "%s", dom.Name)
			err = l.DomainCreate(dom)
			tr.result("DomainCreate(running)", err, "ok")
			err = l.DomainResume(dom)
			tr.result("DomainResume(running)", err, "ok")
			_, err = l.NetworkLookupByName("nosuch")
			tr.result("NetworkLookupByName(nosuch)", err, "found")
			_, err = l.StoragePool("nosuch")
			tr.result("StoragePool(nosuch)", err, "found")
			_, _, err = l.ConnectListAllDomains(1, 1<<30)
			tr.result("ConnectListAllDomains(bad flags)", err, "listed")
			// Procedures newer than libvirt 9.0 (go-libvirt knows them):
			// "unknown procedure" on the wire, ErrUnsupported in go-libvirt.
			_, err = l.DomainGetAutostartOnce(dom)
			tr.result("DomainGetAutostartOnce", err, "answered")
			if !errors.Is(err, libvirt.ErrUnsupported) {
				t.Errorf("DomainGetAutostartOnce: %v, want ErrUnsupported", err)
			}
			_, err = l.NetworkGetMetadata(libvirt.Network{Name: "default"}, 0, nil, 0)
			tr.result("NetworkGetMetadata", err, "answered")
			// One event ID registered twice on one connection.
			id1, err := l.ConnectDomainEventCallbackRegisterAny(int32(libvirt.DomainEventIDLifecycle), nil)
			tr.result("ConnectDomainEventCallbackRegisterAny(lifecycle)", err, "registered")
			_, err = l.ConnectDomainEventCallbackRegisterAny(int32(libvirt.DomainEventIDLifecycle), nil)
			tr.result("ConnectDomainEventCallbackRegisterAny(lifecycle again)", err, "registered")
			err = l.ConnectDomainEventCallbackDeregisterAny(id1)
			tr.result("ConnectDomainEventCallbackDeregisterAny", err, "ok")
			err = l.ConnectDomainEventCallbackDeregisterAny(id1)
			tr.result("ConnectDomainEventCallbackDeregisterAny(again)", err, "ok")
			_, err = l.ConnectDomainEventCallbackRegisterAny(4711, nil)
			tr.result("ConnectDomainEventCallbackRegisterAny(4711)", err, "registered")
			// The connection still works after the errors.
			doms, err := l.Domains()
			tr.result("Domains", err, "%s", domainList(doms))
		})
	})
}

// TestGoLibvirtReadOnly: on the read-only socket go-libvirt (which does
// not check read-only mode itself) can read but every change is refused
// with VIR_ERR_OPERATION_DENIED by the daemon.
func TestGoLibvirtReadOnly(t *testing.T) {
	demo := readTestdata(t, "demo.xml")
	eachDaemon(t, nil, func(t *testing.T, d *Daemon, tr *transcript) {
		l := goLibvirtConnect(t, d.RO)
		defer l.Disconnect()
		bounded(t, "read-only calls", 30*time.Second, func() {
			doms, err := l.Domains()
			tr.result("Domains", err, "%s", domainList(doms))
			dom, err := l.DomainLookupByName("test")
			tr.result("DomainLookupByName(test)", err, "%s", dom.Name)
			_, err = l.DomainGetXMLDesc(dom, 0)
			tr.result("DomainGetXMLDesc", err, "ok")
			_, err = l.DomainGetXMLDesc(dom, libvirt.DomainXMLSecure)
			tr.result("DomainGetXMLDesc(SECURE)", err, "ok")
			_, err = l.DomainDefineXML(demo)
			tr.result("DomainDefineXML", err, "defined")
			checkDenied(t, "DomainDefineXML", err)
			err = l.DomainDestroy(dom)
			tr.result("DomainDestroy", err, "destroyed")
			checkDenied(t, "DomainDestroy", err)
			err = l.DomainSuspend(dom)
			tr.result("DomainSuspend", err, "suspended")
			checkDenied(t, "DomainSuspend", err)
			err = l.DomainSetAutostart(dom, 1)
			tr.result("DomainSetAutostart", err, "set")
			checkDenied(t, "DomainSetAutostart", err)
			net, err := l.NetworkLookupByName("default")
			tr.result("NetworkLookupByName", err, "%s", net.Name)
			err = l.NetworkDestroy(net)
			tr.result("NetworkDestroy", err, "destroyed")
			checkDenied(t, "NetworkDestroy", err)
			st, _, err := l.DomainGetState(dom, 0)
			tr.result("DomainGetState", err, "%d", st)
		})
	})
}

func checkDenied(t *testing.T, what string, err error) {
	t.Helper()
	var le libvirt.Error
	if !errors.As(err, &le) || libvirt.ErrorNumber(le.Code) != libvirt.ErrOperationDenied {
		t.Errorf("%s on the read-only socket: %v, want VIR_ERR_OPERATION_DENIED", what, err)
	}
}

// TestGoLibvirtScreenshot: go-libvirt reads the screenshot stream of the
// running test domain to its end.
func TestGoLibvirtScreenshot(t *testing.T) {
	eachDaemon(t, nil, func(t *testing.T, d *Daemon, tr *transcript) {
		l := goLibvirtConnect(t, d.RW)
		var buf bytes.Buffer
		ok := bounded(t, "DomainScreenshot", 15*time.Second, func() {
			dom, err := l.DomainLookupByName("test")
			if err != nil {
				tr.result("DomainLookupByName", err, "")
				return
			}
			// go-libvirt decodes the reply from the stream's last packet
			// (the empty end of stream), so it reports an XDR error after
			// writing every byte, with libvirtd as with govirtd.
			mime, err := l.DomainScreenshot(dom, &buf, 0, 0)
			tr.result("DomainScreenshot", err, "%v", mime)
			tr.set("DomainScreenshot data", "%d bytes, %x…, sha256 %x", buf.Len(), head(buf.Bytes(), 8), sha256.Sum256(buf.Bytes()))
		})
		if !ok {
			tr.set("DomainScreenshot", "hang")
			return // the connection is stuck; Disconnect would hang too
		}
		bounded(t, "Disconnect", 10*time.Second, func() { l.Disconnect() })
	})
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func lifecycleString(m libvirt.DomainEventLifecycleMsg) string {
	ev := libvirt.DomainEventType(m.Event)
	return fmt.Sprintf("%s %s/%s", m.Dom.Name, strings.TrimPrefix(ev.String(), "DomainEvent"), lifecycleDetail(ev, m.Detail))
}

// lifecycleDetail names a detail as virsh event does, for readability.
func lifecycleDetail(ev libvirt.DomainEventType, detail int32) string {
	names := map[libvirt.DomainEventType][]string{
		libvirt.DomainEventDefined:     {"Added", "Updated", "Renamed", "Snapshot"},
		libvirt.DomainEventUndefined:   {"Removed", "Renamed"},
		libvirt.DomainEventStarted:     {"Booted", "Migrated", "Restored", "Snapshot", "Wakeup"},
		libvirt.DomainEventSuspended:   {"Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error", "Post-copy", "Post-copy Error"},
		libvirt.DomainEventResumed:     {"Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"},
		libvirt.DomainEventStopped:     {"Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"},
		libvirt.DomainEventShutdown:    {"Finished", "Guest", "Host"},
		libvirt.DomainEventPmsuspended: {"Memory", "Disk"},
	}
	if n := names[ev]; detail >= 0 && int(detail) < len(n) {
		return n[detail]
	}
	return fmt.Sprint(detail)
}

func domainList(doms []libvirt.Domain) string {
	var parts []string
	for _, d := range doms {
		parts = append(parts, fmt.Sprintf("%s(id %d, %x)", d.Name, d.ID, d.UUID))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func int8String(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

// TestGoLibvirtConcurrent: go-libvirt pipelines calls from many goroutines
// over one connection and routes the replies by serial; every answer must
// be the right one, with events for another connection's changes in
// between.
func TestGoLibvirtConcurrent(t *testing.T) {
	demo := readTestdata(t, "demo.xml")
	eachDaemon(t, nil, func(t *testing.T, d *Daemon, tr *transcript) {
		l := goLibvirtConnect(t, d.RW)
		defer l.Disconnect()
		other := goLibvirtConnect(t, d.RW)
		defer other.Disconnect()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		events, err := l.LifecycleEvents(ctx)
		if err != nil {
			t.Fatalf("LifecycleEvents: %s", describeErr(err))
		}
		var evMu sync.Mutex
		var seen []string
		evDone := make(chan struct{})
		go func() {
			defer close(evDone)
			for ev := range events {
				evMu.Lock()
				seen = append(seen, lifecycleString(ev))
				evMu.Unlock()
			}
		}()
		const workers, calls = 8, 100
		var wrong sync.Map
		bounded(t, "concurrent calls", 60*time.Second, func() {
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < calls; i++ {
						switch i % 4 {
						case 0:
							dom, err := l.DomainLookupByName("test")
							if err != nil || dom.Name != "test" {
								wrong.Store(fmt.Sprintf("lookup: %v %v", dom.Name, err), true)
							}
						case 1:
							if typ, err := l.ConnectGetType(); err != nil || typ != "TEST" {
								wrong.Store(fmt.Sprintf("type: %q %v", typ, err), true)
							}
						case 2:
							if _, err := l.DomainLookupByName("nosuch"); !libvirt.IsNotFound(err) {
								wrong.Store(fmt.Sprintf("nosuch: %v", err), true)
							}
						case 3:
							if xml, err := l.XML("test", 0); err != nil || !strings.Contains(string(xml), "<name>test</name>") {
								wrong.Store(fmt.Sprintf("xml: %v", err), true)
							}
						}
					}
				}(w)
			}
			for i := 0; i < 10; i++ {
				dom, err := other.DomainDefineXML(demo)
				if err == nil {
					err = other.DomainUndefine(dom)
				}
				if err != nil {
					wrong.Store("define/undefine: "+describeErr(err), true)
				}
			}
			wg.Wait()
		})
		wrong.Range(func(k, _ any) bool {
			t.Errorf("wrong answer under concurrency: %v", k)
			return true
		})
		deadline := time.Now().Add(30 * time.Second) // ends once all 20 came
		for time.Now().Before(deadline) {
			evMu.Lock()
			n := len(seen)
			evMu.Unlock()
			if n >= 20 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		bounded(t, "event stream closing", 10*time.Second, func() { <-evDone })
		evMu.Lock()
		tr.set("events", "%s", strings.Join(seen, ", "))
		evMu.Unlock()
		tr.set("calls", "%d", workers*calls)
	})
}
