package qemu

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"
)

// qmpFailure is an error answer of the scripted monitor.
type qmpFailure struct{ class, desc string }

// scriptedMonitor is a QMP peer that records the commands it gets, as
// "execute {arguments}", and answers each with answer's return value or
// error. With batch > 0 it answers nothing until it has read batch
// commands: a caller that waits for an answer before sending the next
// command of its batch never gets one.
type scriptedMonitor struct {
	mu   sync.Mutex
	cmds []string
}

func newScriptedMonitor(t *testing.T, batch int, answer func(execute string, args map[string]any) (any, *qmpFailure)) (*qmp.Conn, *scriptedMonitor) {
	t.Helper()
	sm := &scriptedMonitor{}
	client, server := net.Pipe()
	go sm.serve(server, batch, answer)
	mon, err := qmp.New(context.Background(), client, qmp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mon.Close() })
	return mon, sm
}

// serve plays QEMU on conn: the greeting, then an answer to every
// command. qmp_capabilities is answered at once and does not count
// towards batch.
func (sm *scriptedMonitor) serve(conn net.Conn, batch int, answer func(execute string, args map[string]any) (any, *qmpFailure)) {
	defer conn.Close()
	enc := json.NewEncoder(conn)
	enc.Encode(map[string]any{"QMP": map[string]any{"version": map[string]any{"qemu": map[string]int{"major": 7, "minor": 2, "micro": 0}}, "capabilities": []string{}}})
	dec := json.NewDecoder(conn)
	dec.UseNumber()
	var held []map[string]any
	for {
		var cmd struct {
			Execute   string          `json:"execute"`
			Arguments map[string]any  `json:"arguments"`
			ID        json.RawMessage `json:"id"`
		}
		if dec.Decode(&cmd) != nil {
			return
		}
		reply := map[string]any{"id": cmd.ID, "return": map[string]any{}}
		held = append(held, reply)
		if cmd.Execute != "qmp_capabilities" {
			args, _ := json.Marshal(cmd.Arguments)
			if cmd.Arguments == nil {
				args = []byte("{}")
			}
			sm.mu.Lock()
			sm.cmds = append(sm.cmds, cmd.Execute+" "+string(args))
			sm.mu.Unlock()
			if ret, fail := answer(cmd.Execute, cmd.Arguments); fail != nil {
				delete(reply, "return")
				reply["error"] = map[string]string{"class": fail.class, "desc": fail.desc}
			} else if ret != nil {
				reply["return"] = ret
			}
			if len(held) < batch {
				continue
			}
			batch = 0
		}
		for _, r := range held {
			if enc.Encode(r) != nil {
				return
			}
		}
		held = nil
	}
}

func (sm *scriptedMonitor) commands() []string {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return append([]string(nil), sm.cmds...)
}

// answerQEMU answers as a QEMU 7.2 guest with a balloon whose actual size
// is 128 MiB.
func answerQEMU(execute string, args map[string]any) (any, *qmpFailure) {
	switch execute {
	case "query-balloon":
		return map[string]any{"actual": 134217728}, nil
	case "query-cpus-fast":
		return []map[string]any{{"cpu-index": 0, "thread-id": 4242}}, nil
	}
	return nil, nil
}

const memoryTestXML = `<domain type='qemu'>
  <name>mem</name>
  <uuid>6f1b3c2e-6a55-4b8e-9d59-8d1e2c4a7b10</uuid>
  <memory unit='KiB'>131072</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
  <devices>
    <interface type='user'>
      <mac address='52:54:00:00:00:01'/>
      <model type='virtio'/>
      <alias name='net0'/>
    </interface>
    <interface type='user'>
      <mac address='52:54:00:00:00:02'/>
      <model type='virtio'/>
      <link state='down'/>
      <alias name='net1'/>
    </interface>
    %BALLOON%
  </devices>
</domain>
`

const periodBalloon = `<memballoon model='virtio'><stats period='10'/><alias name='balloon0'/></memballoon>`

func memoryTestDef(t *testing.T, balloon string) *domain.Def {
	t.Helper()
	def, err := domain.Parse([]byte(strings.Replace(memoryTestXML, "%BALLOON%", balloon, 1)), domain.ParseStatus)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func sameCommands(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s sent:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The start's runtime batch carries libvirt's pre-cont set-up: link down
// for each such NIC, the statistics period, the balloon target from
// <currentMemory> and the balloon size read back, all pipelined (the
// peer answers only once it has every command).
func TestStartSetupInRuntimeBatch(t *testing.T) {
	def := memoryTestDef(t, periodBalloon)
	mon, sm := newScriptedMonitor(t, 5, answerQEMU)
	p := &qemuProcess{mon: mon}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := p.queryRuntime(ctx, def, true); err != nil {
		t.Fatal(err)
	}
	sameCommands(t, "start", sm.commands(), []string{
		`query-cpus-fast {}`,
		`set_link {"name":"net1","up":false}`,
		`qom-set {"path":"/machine/peripheral/balloon0","property":"guest-stats-polling-interval","value":10}`,
		`balloon {"value":67108864}`,
		`query-balloon {}`,
	})
	// Before the guest runs, its balloon has not inflated: libvirt
	// records the size QEMU reports.
	if def.Memory.Current != 131072 {
		t.Errorf("current memory after start = %d KiB, want 131072", def.Memory.Current)
	}
	if len(p.vcpus) != 1 || p.vcpus[0] != 4242 {
		t.Errorf("vcpu threads = %v", p.vcpus)
	}
}

func TestStartSetupVariants(t *testing.T) {
	ctx := context.Background()
	t.Run("no balloon", func(t *testing.T) {
		def := memoryTestDef(t, `<memballoon model='none'/>`)
		mon, sm := newScriptedMonitor(t, 0, answerQEMU)
		if err := sendStartSetup(ctx, mon, def, true).wait(ctx, def); err != nil {
			t.Fatal(err)
		}
		sameCommands(t, "start", sm.commands(), []string{`set_link {"name":"net1","up":false}`})
		if def.Memory.Current != def.Memory.Total {
			t.Errorf("current memory without a balloon = %d, want %d", def.Memory.Current, def.Memory.Total)
		}
	})
	t.Run("restore", func(t *testing.T) {
		def := memoryTestDef(t, `<memballoon model='virtio'><alias name='balloon0'/></memballoon>`)
		mon, sm := newScriptedMonitor(t, 0, answerQEMU)
		if err := sendStartSetup(ctx, mon, def, false).wait(ctx, def); err != nil {
			t.Fatal(err)
		}
		sameCommands(t, "restore", sm.commands(), []string{`set_link {"name":"net1","up":false}`, `balloon {"value":67108864}`})
		if def.Memory.Current != 65536 {
			t.Errorf("current memory after restore = %d, want the saved 65536", def.Memory.Current)
		}
	})
	t.Run("soft failures", func(t *testing.T) {
		// A period QEMU refuses and a balloon that is not active do not
		// stop a start, as in libvirt.
		def := memoryTestDef(t, periodBalloon)
		mon, _ := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
			switch execute {
			case "qom-set":
				return nil, &qmpFailure{"GenericError", "Property 'guest-stats-polling-interval' not found"}
			case "balloon", "query-balloon":
				return nil, &qmpFailure{"DeviceNotActive", "No balloon device has been activated"}
			}
			return nil, nil
		})
		if err := sendStartSetup(ctx, mon, def, true).wait(ctx, def); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("link failure", func(t *testing.T) {
		def := memoryTestDef(t, periodBalloon)
		mon, sm := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
			if execute == "set_link" {
				return nil, &qmpFailure{"DeviceNotFound", "Device 'net1' not found"}
			}
			return answerQEMU(execute, args)
		})
		err := sendStartSetup(ctx, mon, def, true).wait(ctx, def)
		checkErr(t, err, virterr.OperationFailed, "operation failed: Couldn't set link state on interface: net1")
		// Every answer was collected: nothing is left pending.
		if n := len(sm.commands()); n != 4 {
			t.Errorf("%d commands sent, want 4", n)
		}
	})
	t.Run("balloon failure", func(t *testing.T) {
		def := memoryTestDef(t, periodBalloon)
		mon, _ := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
			if execute == "balloon" {
				return nil, &qmpFailure{"GenericError", "Parameter 'value' expects a size"}
			}
			return answerQEMU(execute, args)
		})
		err := sendStartSetup(ctx, mon, def, true).wait(ctx, def)
		checkErr(t, err, virterr.InternalError, "internal error: unable to execute QEMU command 'balloon': Parameter 'value' expects a size")
	})
	t.Run("missing alias", func(t *testing.T) {
		def := memoryTestDef(t, periodBalloon)
		def.Devices.Interfaces()[1].Info.Alias = ""
		mon, sm := newScriptedMonitor(t, 0, answerQEMU)
		err := sendStartSetup(ctx, mon, def, true).wait(ctx, def)
		checkErr(t, err, virterr.InternalError, "internal error: missing alias for network device")
		if n := len(sm.commands()); n != 0 {
			t.Errorf("%d commands sent after the alias check failed", n)
		}
	})
}

func checkErr(t *testing.T, err error, code virterr.Code, msg string) {
	t.Helper()
	if !isCode(err, code) || err.Error() != msg {
		t.Errorf("error = %v (code %v), want %v %q", err, codeOf(err), code, msg)
	}
}

func codeOf(err error) virterr.Code {
	var ve *virterr.Error
	if err != nil && asVirErr(err, &ve) {
		return ve.Code
	}
	return -1
}

func asVirErr(err error, target **virterr.Error) bool {
	for e := err; e != nil; {
		if v, ok := e.(*virterr.Error); ok {
			*target = v
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// memoryTestDriver is a driver with one domain, running on mon when mon
// is set.
func memoryTestDriver(t *testing.T, def *domain.Def, mon *qmp.Conn, persistent bool) (*conn, *domainObj) {
	t.Helper()
	root := t.TempDir()
	d := &Driver{paths: NewPaths(root, true), closeHooks: map[any][]func(){}}
	if err := d.paths.mkdirs(); err != nil {
		t.Fatal(err)
	}
	inactive, err := copyDef(def)
	if err != nil {
		t.Fatal(err)
	}
	o := &domainObj{def: inactive, id: -1, state: stateShutoff, persistent: persistent}
	if mon != nil {
		live, err := copyDef(def)
		if err != nil {
			t.Fatal(err)
		}
		o.live, o.id, o.state, o.reason = live, 1, stateRunning, runningBooted
		o.proc = &qemuProcess{d: d, o: o, mon: mon, pid: os.Getpid(), exited: make(chan struct{}), removed: map[string]chan struct{}{}}
	}
	d.domains = []*domainObj{o}
	return &conn{d: d}, o
}

func readConfig(t *testing.T, c *conn, name string) string {
	t.Helper()
	data, err := os.ReadFile(c.d.paths.ConfigFile(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestSetMemoryLive(t *testing.T) {
	ctx := context.Background()
	mon, sm := newScriptedMonitor(t, 0, answerQEMU)
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	ref := o.ref()

	if err := c.DomainSetMemory(ctx, ref, 98304); err != nil {
		t.Fatal(err)
	}
	if err := c.DomainSetMemoryFlags(ctx, ref, 131072, affectCurrent); err != nil {
		t.Fatal(err)
	}
	sameCommands(t, "setmem", sm.commands(), []string{`balloon {"value":100663296}`, `balloon {"value":134217728}`})
	// The live size changes when the guest says so, not before.
	if o.live.Memory.Current != 65536 {
		t.Errorf("live current memory changed before BALLOON_CHANGE: %d", o.live.Memory.Current)
	}

	checkErr(t, c.DomainSetMemory(ctx, ref, 131073), virterr.InvalidArg, "invalid argument: cannot set memory higher than max memory")
	checkErr(t, c.DomainSetMaxMemory(ctx, ref, 262144), virterr.OperationInvalid, "Requested operation is not valid: cannot resize the maximum memory on an active domain")
	checkErr(t, c.DomainSetMemoryFlags(ctx, ref, 0, affectLive), virterr.InvalidArg, "memory in virDomainSetMemoryFlags must not be zero")
	checkErr(t, c.DomainSetMemory(ctx, ref, 1<<60), virterr.Overflow, "numerical overflow: input too large: 1152921504606846976")
	checkErr(t, c.DomainSetMemoryFlags(ctx, ref, 1024, 1<<3), virterr.InvalidArg, "unsupported flags (0x8) in function qemuDomainSetMemoryFlags")

	// Config and live at once: the config gets <currentMemory>.
	if err := c.DomainSetMemoryFlags(ctx, ref, 32768, affectLive|affectConfig); err != nil {
		t.Fatal(err)
	}
	if cfg := readConfig(t, c, "mem"); !strings.Contains(cfg, "<currentMemory unit='KiB'>32768</currentMemory>") {
		t.Errorf("saved config:\n%s", cfg)
	}
	if o.newDef == nil || o.newDef.Memory.Current != 32768 || o.def.Memory.Current != 65536 {
		t.Errorf("the next start's definition was not the one changed")
	}
}

func TestSetMemoryWithoutBalloon(t *testing.T) {
	ctx := context.Background()
	mon, _ := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "balloon" {
			return nil, &qmpFailure{"DeviceNotActive", "No balloon device has been activated"}
		}
		return nil, nil
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, `<memballoon model='none'/>`), mon, false)
	checkErr(t, c.DomainSetMemory(ctx, o.ref(), 65536), virterr.OperationInvalid,
		"Requested operation is not valid: Unable to change memory of active domain without the balloon device and guest OS balloon driver")
	checkErr(t, c.DomainSetMemoryFlags(ctx, o.ref(), 65536, affectConfig), virterr.OperationInvalid,
		"Requested operation is not valid: transient domains do not have any persistent config")
	checkErr(t, c.DomainSetMemoryStatsPeriod(ctx, o.ref(), 5, affectLive), virterr.InternalError,
		"internal error: No memory balloon device configured, can not set the collection period")
	info, err := c.DomainGetInfo(ctx, o.ref())
	if err != nil || info.Memory != 131072 || info.MaxMem != 131072 {
		t.Errorf("dominfo of a running guest without a balloon: %+v %v", info, err)
	}
}

func TestSetMemoryInactive(t *testing.T) {
	ctx := context.Background()
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), nil, true)
	ref := o.ref()
	checkErr(t, c.DomainSetMemory(ctx, ref, 65536), virterr.OperationInvalid, "Requested operation is not valid: domain is not running")
	if err := c.DomainSetMaxMemory(ctx, ref, 49152); err != nil {
		t.Fatal(err)
	}
	cfg := readConfig(t, c, "mem")
	if !strings.Contains(cfg, "<memory unit='KiB'>49152</memory>") || !strings.Contains(cfg, "<currentMemory unit='KiB'>49152</currentMemory>") {
		t.Errorf("config after setmaxmem below the current size:\n%s", cfg)
	}
	if err := c.DomainSetMemoryFlags(ctx, ref, 16384, affectCurrent); err != nil {
		t.Fatal(err)
	}
	if o.def.Memory.Current != 16384 || o.newDef != nil {
		t.Errorf("inactive definition after setmem --config: current %d", o.def.Memory.Current)
	}
	info, err := c.DomainGetInfo(ctx, ref)
	if err != nil || info.Memory != 16384 || info.MaxMem != 49152 {
		t.Errorf("dominfo: %+v %v", info, err)
	}
	checkErr(t, c.DomainSetMemoryFlags(ctx, ref, 65536, affectConfig), virterr.InvalidArg, "invalid argument: cannot set memory higher than max memory")

	withMax := memoryTestDef(t, periodBalloon)
	withMax.Memory.Max, withMax.Memory.Slots = 262144, 4
	c2, o2 := memoryTestDriver(t, withMax, nil, true)
	checkErr(t, c2.DomainSetMaxMemory(ctx, o2.ref(), 524288), virterr.OperationInvalid,
		"Requested operation is not valid: cannot set initial memory size greater than the maximum memory size")
}

func TestSetMemoryStatsPeriod(t *testing.T) {
	ctx := context.Background()
	mon, sm := newScriptedMonitor(t, 0, answerQEMU)
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	ref := o.ref()

	if err := c.DomainSetMemoryStatsPeriod(ctx, ref, 3, affectLive|affectConfig); err != nil {
		t.Fatal(err)
	}
	sameCommands(t, "dommemstat --period", sm.commands(), []string{
		`qom-set {"path":"/machine/peripheral/balloon0","property":"guest-stats-polling-interval","value":3}`,
	})
	if live := o.live.Format(domain.FormatStatus); !strings.Contains(live, "<stats period='3'/>") {
		t.Errorf("live definition:\n%s", live)
	}
	status, err := os.ReadFile(c.d.paths.StatusFile("mem"))
	if err != nil || !bytes.Contains(status, []byte("<stats period='3'/>")) {
		t.Errorf("status file: %v\n%s", err, status)
	}
	if cfg := readConfig(t, c, "mem"); !strings.Contains(cfg, "<stats period='3'/>") {
		t.Errorf("config:\n%s", cfg)
	}

	// Period 0 stops the statistics: libvirt prints no <stats>.
	if err := c.DomainSetMemoryStatsPeriod(ctx, ref, 0, affectLive|affectConfig); err != nil {
		t.Fatal(err)
	}
	if live := o.live.Format(domain.FormatStatus); strings.Contains(live, "<stats") || !strings.Contains(live, "<alias name='balloon0'/>") {
		t.Errorf("live definition after period 0:\n%s", live)
	}
	if cfg := readConfig(t, c, "mem"); strings.Contains(cfg, "<stats") || !strings.Contains(cfg, "<memballoon model='virtio'") {
		t.Errorf("config after period 0:\n%s", cfg)
	}

	checkErr(t, c.DomainSetMemoryStatsPeriod(ctx, ref, -1, affectLive), virterr.InvalidArg, "period in virDomainSetMemoryStatsPeriod must be zero or greater")
	checkErr(t, c.DomainSetMemoryStatsPeriod(ctx, ref, 1, memMaximum), virterr.InvalidArg, "unsupported flags (0x4) in function qemuDomainSetMemoryStatsPeriod")

	failing, _ := newScriptedMonitor(t, 0, func(string, map[string]any) (any, *qmpFailure) {
		return nil, &qmpFailure{"DeviceNotFound", "Device 'balloon0' not found"}
	})
	c2, o2 := memoryTestDriver(t, memoryTestDef(t, periodBalloon), failing, true)
	checkErr(t, c2.DomainSetMemoryStatsPeriod(ctx, o2.ref(), 5, affectLive), virterr.OperationInvalid,
		"Requested operation is not valid: unable to set balloon driver collection period")
}

// BALLOON_CHANGE moves the live current memory (bytes rounded up to KiB),
// persists it and reaches event subscribers; dominfo reports it.
func TestBalloonChangeEvent(t *testing.T) {
	mon, _ := newScriptedMonitor(t, 0, answerQEMU)
	c, o := memoryTestDriver(t, memoryTestDef(t, periodBalloon), mon, true)
	var got []driver.Event
	if _, err := c.d.events.Register(c, driver.EventDomain, eventIDBalloonChange, nil, func(ev driver.Event) { got = append(got, ev) }); err != nil {
		t.Fatal(err)
	}
	o.proc.handleEvent(qmp.Event{Name: "BALLOON_CHANGE", Data: json.RawMessage(`{"actual": 67109888}`)})
	if o.live.Memory.Current != 65537 {
		t.Errorf("live current memory = %d, want 65537", o.live.Memory.Current)
	}
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	if msg, ok := got[0].Payload.(*driver.DomainEventBalloonChangeMsg); !ok || msg.Actual != 65537 || msg.Dom.Name != "mem" {
		t.Errorf("event payload %#v", got[0].Payload)
	}
	status, err := os.ReadFile(c.d.paths.StatusFile("mem"))
	if err != nil || !bytes.Contains(status, []byte("<currentMemory unit='KiB'>65537</currentMemory>")) {
		t.Errorf("status file: %v\n%s", err, status)
	}
	info, err := c.DomainGetInfo(context.Background(), o.ref())
	if err != nil || info.Memory != 65537 || info.MaxMem != 131072 {
		t.Errorf("dominfo: %+v %v", info, err)
	}
	// An event without a size changes nothing.
	o.proc.handleEvent(qmp.Event{Name: "BALLOON_CHANGE", Data: json.RawMessage(`{}`)})
	if len(got) != 1 || o.live.Memory.Current != 65537 {
		t.Errorf("an event without actual was handled")
	}
}

// balloonStats reads the balloon's size and the guest's statistics in one
// round trip; statistics QEMU does not have (-1) are left out, and
// last_update is there even before the guest reported (QEMU 7.2's
// answers, recorded).
func TestBalloonStats(t *testing.T) {
	ctx := context.Background()
	def := memoryTestDef(t, periodBalloon)
	answer := func(guestStats string) func(string, map[string]any) (any, *qmpFailure) {
		return func(execute string, args map[string]any) (any, *qmpFailure) {
			if execute == "qom-get" {
				return json.RawMessage(guestStats), nil
			}
			return answerQEMU(execute, args)
		}
	}
	unset := `{"stats": {"stat-htlb-pgalloc": 18446744073709551615, "stat-swap-out": 18446744073709551615, "stat-available-memory": 18446744073709551615, "stat-htlb-pgfail": 18446744073709551615, "stat-free-memory": 18446744073709551615, "stat-minor-faults": 18446744073709551615, "stat-major-faults": 18446744073709551615, "stat-total-memory": 18446744073709551615, "stat-swap-in": 18446744073709551615, "stat-disk-caches": 18446744073709551615}, "last-update": 0}`
	mon, sm := newScriptedMonitor(t, 2, answer(unset))
	p := &qemuProcess{mon: mon}
	got, err := p.balloonStats(ctx, def)
	if err != nil {
		t.Fatal(err)
	}
	if want := []driver.DomainMemoryStat{{Tag: memStatActualBalloon, Val: 131072}, {Tag: memStatLastUpdate, Val: 0}}; !slices.Equal(got, want) {
		t.Errorf("stats before the guest reported: %v, want %v", got, want)
	}
	sameCommands(t, "dommemstat", sm.commands(), []string{`query-balloon {}`, `qom-get {"path":"/machine/peripheral/balloon0","property":"guest-stats"}`})

	reported := `{"stats": {"stat-htlb-pgalloc": 0, "stat-swap-out": 0, "stat-available-memory": 52428800, "stat-htlb-pgfail": 0, "stat-free-memory": 41943040, "stat-minor-faults": 1200, "stat-major-faults": 3, "stat-total-memory": 100663296, "stat-swap-in": 0, "stat-disk-caches": 1048576}, "last-update": 1795379109}`
	mon, _ = newScriptedMonitor(t, 0, answer(reported))
	got, err = (&qemuProcess{mon: mon}).balloonStats(ctx, def)
	if err != nil {
		t.Fatal(err)
	}
	want := []driver.DomainMemoryStat{
		{Tag: memStatActualBalloon, Val: 131072}, {Tag: memStatSwapIn, Val: 0}, {Tag: memStatSwapOut, Val: 0},
		{Tag: memStatMajorFault, Val: 3}, {Tag: memStatMinorFault, Val: 1200}, {Tag: memStatUnused, Val: 40960},
		{Tag: memStatAvailable, Val: 98304}, {Tag: memStatUsable, Val: 51200}, {Tag: memStatLastUpdate, Val: 1795379109},
		{Tag: memStatDiskCaches, Val: 1024}, {Tag: memStatHugetlbPgalloc, Val: 0}, {Tag: memStatHugetlbPgfail, Val: 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("reported stats: %v\nwant %v", got, want)
	}

	mon, _ = newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "qom-get" {
			return nil, &qmpFailure{"GenericError", "guest hasn't updated any stats yet"}
		}
		return answerQEMU(execute, args)
	})
	_, err = (&qemuProcess{mon: mon}).balloonStats(ctx, def)
	checkErr(t, err, virterr.OperationUnsupported, "Operation not supported: the guest hasn't updated any stats yet")

	if got, err := (&qemuProcess{}).balloonStats(ctx, memoryTestDef(t, `<memballoon model='none'/>`)); got != nil || err != nil {
		t.Errorf("no balloon: %v %v", got, err)
	}
}

// virtio-mem memory is outside the balloon: setmem cannot reach it, and
// the balloon sizes QEMU reports are topped up with its current size.
func TestVirtioMemAccounting(t *testing.T) {
	ctx := context.Background()
	xml := strings.Replace(strings.Replace(memoryTestXML, "<memory unit='KiB'>131072</memory>",
		"<maxMemory slots='4' unit='KiB'>4194304</maxMemory>\n  <memory unit='KiB'>2097152</memory>", 1),
		"%BALLOON%", periodBalloon+`
    <memory model='virtio-mem'>
      <target><size unit='KiB'>1048576</size><node>0</node><block unit='KiB'>2048</block><requested unit='KiB'>524288</requested><current unit='KiB'>524288</current></target>
      <alias name='virtiomem0'/>
    </memory>`, 1)
	xml = strings.Replace(xml, "<vcpu>1</vcpu>", "<vcpu>1</vcpu>\n  <cpu><numa><cell id='0' cpus='0' memory='1048576' unit='KiB'/></numa></cpu>", 1)
	def, err := domain.Parse([]byte(xml), domain.ParseStatus)
	if err != nil {
		t.Fatal(err)
	}
	if got := virtioMemKiB(def, "size"); got != 1048576 {
		t.Fatalf("virtio-mem size = %d", got)
	}
	mon, _ := newScriptedMonitor(t, 0, answerQEMU)
	if err := sendStartSetup(ctx, mon, def, true).wait(ctx, def); err != nil {
		t.Fatal(err)
	}
	if def.Memory.Current != 131072+524288 {
		t.Errorf("current memory after start = %d, want the balloon's 131072 + virtio-mem's 524288", def.Memory.Current)
	}
	c, o := memoryTestDriver(t, def, mon, true)
	checkErr(t, c.DomainSetMemory(ctx, o.ref(), 1048577), virterr.InvalidArg, "invalid argument: cannot set memory higher than max memory")
	if err := c.DomainSetMemory(ctx, o.ref(), 1048576); err != nil {
		t.Fatal(err)
	}
	var got []driver.Event
	c.d.events.Register(c, driver.EventDomain, eventIDBalloonChange, nil, func(ev driver.Event) { got = append(got, ev) })
	o.proc.handleEvent(qmp.Event{Name: "BALLOON_CHANGE", Data: json.RawMessage(`{"actual": 1073741824}`)})
	if o.live.Memory.Current != 1048576+524288 || len(got) != 1 || got[0].Payload.(*driver.DomainEventBalloonChangeMsg).Actual != 1048576 {
		t.Errorf("after BALLOON_CHANGE: current %d, events %v", o.live.Memory.Current, got)
	}
}
