package qemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virjson"
	"github.com/govirt/govirt/virt/virterr"
)

var _ driver.QemuMonitor = (*conn)(nil)

// Taints libvirt records on a domain whose monitor or agent a client
// drove directly (virDomainTaintFlags).
const (
	taintCustomMonitor   = "custom-monitor"
	taintCustomGACommand = "custom-ga-command"
)

// taintFlags returns the taint flags set on p by passthrough calls, in the
// order they were set, for the status file's <taint flag='…'/> lines.
func (p *qemuProcess) taintFlags() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.taints...)
}

// taintOrder is virDomainTaintFlags' order, the order of the status
// file's <taint flag='…'/> lines.
var taintOrder = []string{"custom-argv", taintCustomMonitor, "high-privileges", "shell-scripts", "disk-probing",
	"external-launch", "host-cpu", "hook-script", "cdrom-passthrough", "custom-dtb", taintCustomGACommand,
	"custom-hypervisor-feature", "deprecated-config"}

// statusTaints lists the flags of the status file's <taint> lines in
// libvirt's order: high-privileges for a privileged driver, and what
// passthrough calls set.
func (p *qemuProcess) statusTaints(privileged bool) []string {
	set := map[string]bool{"high-privileges": privileged}
	for _, f := range p.taintFlags() {
		set[f] = true
	}
	var out []string
	for _, f := range taintOrder {
		if set[f] {
			out = append(out, f)
		}
	}
	return out
}

// restoreTaints takes back, on reconnect, the passthrough taints a
// status file recorded.
func (p *qemuProcess) restoreTaints(flags []string) {
	for _, f := range flags {
		if f == taintCustomMonitor || f == taintCustomGACommand {
			p.addTaint(f)
		}
	}
}

// addTaint records flag once and says whether it is new.
func (p *qemuProcess) addTaint(flag string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if slices.Contains(p.taints, flag) {
		return false
	}
	p.taints = append(p.taints, flag)
	return true
}

// taint records flag on the running guest once, and logs it to the
// domain's log as qemuDomainObjTaint does.
func (p *qemuProcess) taint(flag string) {
	if !p.addTaint(flag) {
		return
	}
	p.o.mu.Lock()
	id := p.o.id
	p.o.mu.Unlock()
	p.d.log.Warn("domain is tainted", "id", id, "name", p.o.name(), "taint", flag)
	if f, err := os.OpenFile(p.logPath, os.O_WRONLY|os.O_APPEND, 0); err == nil {
		fmt.Fprintf(f, "%s: Domain id=%d is tainted: %s\n", logTime(time.Now()), id, flag)
		f.Close()
	}
}

// runningProcess takes a query job on dom and returns its QEMU process
// (virDomainObjBeginJob(VIR_JOB_QUERY) + virDomainObjCheckActive); end
// releases the job.
func (c *conn) runningProcess(ctx context.Context, dom driver.DomainRef, api string) (p *qemuProcess, end func(), err error) {
	o, err := c.d.lookup(dom)
	if err != nil {
		return nil, nil, err
	}
	if err := o.job.acquire(ctx, "query", api); err != nil {
		return nil, nil, err
	}
	o.mu.Lock()
	p = o.proc
	o.mu.Unlock()
	if p == nil || p.mon == nil {
		o.job.end()
		return nil, nil, notRunning()
	}
	return p, o.job.end, nil
}

// DomainQemuMonitorCommand is qemuDomainQemuMonitorCommandWithFiles
// without files: a QMP command passed through as written (libvirt adds
// the command id and answers QEMU's whole reply, error answers included),
// or with the HMP flag a human monitor command whose output is the
// answer. The guest is tainted custom-monitor.
func (c *conn) DomainQemuMonitorCommand(ctx context.Context, dom driver.DomainRef, cmd string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, driver.QemuMonitorCommandHMP, "qemuDomainQemuMonitorCommandWithFiles"); err != nil {
		return "", err
	}
	if err := c.denyReadOnly("virDomainQemuMonitorCommand"); err != nil {
		return "", err
	}
	p, end, err := c.runningProcess(ctx, dom, "remoteDispatchDomainQemuMonitorCommand")
	if err != nil {
		return "", err
	}
	defer end()
	p.taint(taintCustomMonitor)
	if flags&driver.QemuMonitorCommandHMP != 0 {
		return humanCommand(ctx, p.mon, cmd)
	}
	return arbitraryCommand(ctx, p, cmd)
}

// humanCommand is qemuMonitorJSONHumanCommand.
func humanCommand(ctx context.Context, mon *qmp.Conn, cmd string) (string, error) {
	ret, err := mon.Execute(ctx, "human-monitor-command", map[string]string{"command-line": cmd})
	if qmp.IsClass(err, "CommandNotFound") {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported, "Human monitor command is not available to run %s", cmd)
	}
	if err != nil {
		return "", err
	}
	var out string
	if err := json.Unmarshal(ret, &out); err != nil {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "human monitor command was missing return data")
	}
	return out, nil
}

// monitorIDs numbers the ids this file gives passthrough commands, as
// libvirt's monitor numbers every command "libvirt-N".
var monitorIDs struct {
	mu sync.Mutex
	m  map[*qemuProcess]int
}

func (p *qemuProcess) nextPassthroughID() string {
	monitorIDs.mu.Lock()
	defer monitorIDs.mu.Unlock()
	if monitorIDs.m == nil {
		monitorIDs.m = map[*qemuProcess]int{}
	}
	if _, ok := monitorIDs.m[p]; !ok {
		go func() {
			<-p.exited
			monitorIDs.mu.Lock()
			delete(monitorIDs.m, p)
			monitorIDs.mu.Unlock()
		}()
	}
	monitorIDs.m[p]++
	return fmt.Sprintf("libvirt-%d", monitorIDs.m[p])
}

// arbitraryCommand is qemuMonitorJSONArbitraryCommand: the command's
// members go to QEMU and its reply comes back as libvirt writes JSON
// (virJSONValueToString), with the "id" libvirt's monitor adds.
func arbitraryCommand(ctx context.Context, p *qemuProcess, cmd string) (string, error) {
	members, err := parseObject(cmd)
	if err != nil {
		return "", err
	}
	// libvirt's monitor numbers every command that has "execute"; QEMU
	// echoes the id even when it refuses the command.
	hasExecute := hasMember(members, "execute")
	id := ""
	if hasExecute {
		if hasMember(members, "id") {
			return "", virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Unable to append command 'id' string")
		}
		id = p.nextPassthroughID()
	}
	var execute string
	var argv any
	for _, m := range members {
		switch m.Key {
		case "execute":
			if err := json.Unmarshal(m.Value, &execute); err != nil {
				return qmpErrorReply(id, "GenericError", "QMP input member 'execute' must be a string")
			}
		case "arguments":
			if !bytes.HasPrefix(bytes.TrimSpace(m.Value), []byte("{")) {
				return qmpErrorReply(id, "GenericError", "QMP input member 'arguments' must be an object")
			}
			argv = m.Value
		case "id", "exec-oob", "control":
		default:
			return qmpErrorReply(id, "GenericError", fmt.Sprintf("QMP input member '%s' is unexpected", m.Key))
		}
	}
	if !hasExecute {
		return qmpErrorReply(id, "GenericError", "QMP input lacks member 'execute'")
	}
	ret, err := p.mon.Execute(ctx, execute, argv)
	var ce *qmp.CommandError
	if errors.As(err, &ce) {
		return qmpErrorReply(id, ce.Class, ce.Desc)
	}
	if err != nil {
		return "", err
	}
	body, err := libvirtJSON(ret)
	if err != nil {
		return "", err
	}
	return `{"return":` + body + `,"id":` + virjson.Quote(id) + `}`, nil
}

// qmpErrorReply is QEMU's error answer as libvirt passes it on: QEMU puts
// the id first.
func qmpErrorReply(id, class, desc string) (string, error) {
	var b strings.Builder
	b.WriteString("{")
	if id != "" {
		b.WriteString(`"id":` + virjson.Quote(id) + ",")
	}
	b.WriteString(`"error":{"class":` + virjson.Quote(class) + `,"desc":` + virjson.Quote(desc) + "}}")
	return b.String(), nil
}

// parseObject reads the command a client passes through; text that is
// not JSON is libvirt's virJSONValueFromString failure, and JSON that is
// not an object cannot take the id libvirt's monitor adds.
func parseObject(text string) ([]virjson.Member, error) {
	members, ok, err := virjson.Members(text)
	if err != nil {
		return nil, virterr.NewFrom(virterr.FromNone, virterr.InternalError, "cannot parse json %s: %v", text, err)
	}
	if !ok {
		return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Unable to append command 'id' string")
	}
	return members, nil
}

func hasMember(members []virjson.Member, key string) bool {
	for _, m := range members {
		if m.Key == key {
			return true
		}
	}
	return false
}

// libvirtJSON re-writes JSON text as libvirt's virJSONValueToString(…,
// false) does.
func libvirtJSON(data []byte) (string, error) {
	out, err := virjson.Reformat(data, false)
	if err != nil {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "cannot parse json %s: %v", data, err)
	}
	return out, nil
}

// monitorSubscription is one qemu-monitor-event registration
// (virDomainQemuMonitorEventData with its filter).
type monitorSubscription struct {
	id     int32
	owner  *conn
	uuid   *driver.UUID
	event  string
	any    bool
	nocase bool
	regex  *regexp.Regexp
	cb     func(driver.QemuMonitorEvent)
}

func (s *monitorSubscription) matches(ref driver.DomainRef, name string) bool {
	if s.uuid != nil && *s.uuid != ref.UUID {
		return false
	}
	switch {
	case s.any:
		return true
	case s.regex != nil:
		return s.regex.MatchString(name)
	case s.nocase:
		return strings.EqualFold(s.event, name)
	}
	return s.event == name
}

// monitorEventState is a driver's qemu-monitor-event registrations.
type monitorEventState struct {
	mu     sync.Mutex
	nextID int32
	subs   []*monitorSubscription
	// delivery keeps events of one driver in order across subscribers.
	delivery sync.Mutex
}

var monitorEventStates struct {
	mu sync.Mutex
	m  map[*Driver]*monitorEventState
}

func (d *Driver) monitorEvents() *monitorEventState {
	monitorEventStates.mu.Lock()
	defer monitorEventStates.mu.Unlock()
	if monitorEventStates.m == nil {
		monitorEventStates.m = map[*Driver]*monitorEventState{}
	}
	st := monitorEventStates.m[d]
	if st == nil {
		st = &monitorEventState{}
		monitorEventStates.m[d] = st
	}
	return st
}

// QemuMonitorEventRegister is virDomainQemuMonitorEventStateRegisterID.
func (c *conn) QemuMonitorEventRegister(ctx context.Context, dom *driver.DomainRef, event *string, flags uint32, cb func(driver.QemuMonitorEvent)) (int32, error) {
	const known = driver.QemuMonitorEventRegex | driver.QemuMonitorEventNoCase
	if err := unsupportedFlags(flags, known, "virDomainQemuMonitorEventStateRegisterID"); err != nil {
		return -1, err
	}
	sub := &monitorSubscription{owner: c, cb: cb, nocase: flags&driver.QemuMonitorEventNoCase != 0}
	// Like libvirt, the domain only filters: it need not exist (yet).
	if dom != nil {
		u := dom.UUID
		sub.uuid = &u
	}
	switch {
	case event == nil:
		sub.any = true
	case flags&driver.QemuMonitorEventRegex != 0:
		expr := *event
		if sub.nocase {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return -1, virterr.NewFrom(virterr.FromNone, virterr.InvalidArg, "failed to compile regex '%s': %s", *event, regerror(err))
		}
		sub.regex = re
	default:
		sub.event = *event
	}
	st := c.d.monitorEvents()
	st.mu.Lock()
	first := true
	for _, s := range st.subs {
		if s.owner == c {
			first = false
		}
	}
	sub.id = st.nextID
	st.nextID++
	st.subs = append(st.subs, sub)
	st.mu.Unlock()
	if first {
		c.onClose(func() { st.dropOwner(c) })
	}
	return sub.id, nil
}

// regerror words a regular expression's error as glibc's regerror does
// for the mistakes it shares with Go's syntax.
func regerror(err error) string {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	switch se.Code {
	case syntax.ErrMissingParen:
		return `Unmatched ( or \(`
	case syntax.ErrUnexpectedParen:
		return `Unmatched ) or \)`
	case syntax.ErrMissingBracket:
		return "Unmatched [, [^, [:, [., or [="
	case syntax.ErrTrailingBackslash:
		return "Trailing backslash"
	case syntax.ErrInvalidCharRange:
		return "Invalid range end"
	case syntax.ErrMissingRepeatArgument:
		return "Invalid preceding regular expression"
	case syntax.ErrInvalidRepeatSize:
		return `Invalid content of \{\}`
	}
	return err.Error()
}

// QemuMonitorEventDeregister is virObjectEventStateDeregisterID.
func (c *conn) QemuMonitorEventDeregister(ctx context.Context, callbackID int32) error {
	st := c.d.monitorEvents()
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, s := range st.subs {
		if s.id == callbackID && s.owner == c {
			st.subs = append(st.subs[:i:i], st.subs[i+1:]...)
			return nil
		}
	}
	return virterr.NewFrom(virterr.FromNone, virterr.InvalidArg, "could not find event callback %d for deletion", callbackID)
}

func (st *monitorEventState) dropOwner(c *conn) {
	st.mu.Lock()
	defer st.mu.Unlock()
	kept := st.subs[:0:0]
	for _, s := range st.subs {
		if s.owner != c {
			kept = append(kept, s)
		}
	}
	st.subs = kept
}

// relayMonitorEvent hands every QMP event of the guest to the
// qemu-monitor-event subscribers (qemuProcessHandleEvent): the event's
// data goes as libvirt writes JSON, or nothing when it has none.
func (p *qemuProcess) relayMonitorEvent(ev qmp.Event) {
	st := p.d.monitorEvents()
	st.mu.Lock()
	if len(st.subs) == 0 {
		st.mu.Unlock()
		return
	}
	st.mu.Unlock()
	p.o.mu.Lock()
	ref := p.o.ref()
	p.o.mu.Unlock()
	msg := driver.QemuMonitorEvent{Dom: ref, Event: ev.Name, Seconds: ev.Timestamp.Seconds, Micros: uint32(ev.Timestamp.Microseconds)}
	if data := bytes.TrimSpace(ev.Data); len(data) > 0 && !bytes.Equal(data, []byte("null")) {
		if details, err := libvirtJSON(data); err == nil {
			msg.Details = &details
		}
	}
	st.delivery.Lock()
	defer st.delivery.Unlock()
	st.mu.Lock()
	var targets []*monitorSubscription
	for _, s := range st.subs {
		if s.matches(ref, ev.Name) {
			targets = append(targets, s)
		}
	}
	st.mu.Unlock()
	for _, s := range targets {
		s.cb(msg)
	}
}
