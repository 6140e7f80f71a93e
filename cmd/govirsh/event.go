package main

import (
	"fmt"
	"reflect"

	"github.com/govirt/govirt/virt"
)

// The domain "event" command (virsh-domain-event.c). Payloads other than
// lifecycle reach govirsh as the wire's messages; their fields are read
// by name, the names the protocol gives them.

func init() {
	register(&cmdDef{name: "event", needsConn: true, run: cmdEvent})
}

// domainEventNames are virshDomainEventCallbacks' names, by event ID.
var domainEventNames = []string{
	"lifecycle", "reboot", "rtc-change", "watchdog", "io-error", "graphics", "io-error-reason",
	"control-error", "block-job", "disk-change", "tray-change", "pm-wakeup", "pm-suspend",
	"balloon-change", "pm-suspend-disk", "device-removed", "block-job-2", "tunable",
	"agent-lifecycle", "device-added", "migration-iteration", "job-completed",
	"device-removal-failed", "metadata-change", "block-threshold", "memory-failure",
	"memory-device-size-change",
}

var lifecycleEvents = []string{"Defined", "Undefined", "Started", "Suspended", "Resumed", "Stopped", "Shutdown", "PMSuspended", "Crashed"}

var lifecycleDetails = [][]string{
	{"Added", "Updated", "Renamed", "Snapshot"},
	{"Removed", "Renamed"},
	{"Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"},
	{"Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error", "Post-copy", "Post-copy Error"},
	{"Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"},
	{"Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"},
	{"Finished", "Finished after guest request", "Finished after host request"},
	{"Memory", "Disk"},
	{"Panicked", "Crashed"},
}

func enumWord(list []string, i int, fallback string) string {
	if i >= 0 && i < len(list) {
		return list[i]
	}
	return fallback
}

// payloadField reads a field of a wire message by name.
func payloadField(payload any, name string) reflect.Value {
	v := reflect.ValueOf(payload)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	if f := v.FieldByName(name); f.IsValid() {
		return f
	}
	if m := v.FieldByName("Msg"); m.IsValid() {
		return payloadField(m.Interface(), name)
	}
	return reflect.Value{}
}

func payloadString(p any, name string) string {
	f := payloadField(p, name)
	if !f.IsValid() {
		return ""
	}
	for f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return ""
		}
		f = f.Elem()
	}
	return fmt.Sprint(f.Interface())
}

func payloadInt(p any, name string) int64 {
	f := payloadField(p, name)
	switch f.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return f.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(f.Uint())
	}
	return 0
}

func payloadDomain(p any) string { return payloadString(payloadField(p, "Dom").Interface(), "Name") }

var watchdogActions = []string{"none", "pause", "reset", "poweroff", "shutdown", "debug", "inject-nmi"}
var metadataTypes = []string{"description", "title", "element"}

// eventMessage words one event as virsh's callbacks do.
func eventMessage(id int, p any) string {
	name := payloadDomain(p)
	switch id {
	case int(virt.DomainEventIDReboot):
		return fmt.Sprintf("event 'reboot' for domain '%s'\n", name)
	case int(virt.DomainEventIDRTCChange):
		return fmt.Sprintf("event 'rtc-change' for domain '%s': %d\n", name, payloadInt(p, "Offset"))
	case int(virt.DomainEventIDWatchdog):
		return fmt.Sprintf("event 'watchdog' for domain '%s': %s\n", name, enumWord(watchdogActions, int(payloadInt(p, "Action")), "unknown"))
	case int(virt.DomainEventIDBalloonChange):
		return fmt.Sprintf("event 'balloon-change' for domain '%s': %dKiB\n", name, payloadInt(p, "Actual"))
	case int(virt.DomainEventIDDeviceRemoved):
		return fmt.Sprintf("event 'device-removed' for domain '%s': %s\n", name, payloadString(p, "DevAlias"))
	case int(virt.DomainEventIDDeviceAdded):
		return fmt.Sprintf("event 'device-added' for domain '%s': %s\n", name, payloadString(p, "DevAlias"))
	case int(virt.DomainEventIDDeviceRemovalFailed):
		return fmt.Sprintf("event 'device-removal-failed' for domain '%s': %s\n", name, payloadString(p, "DevAlias"))
	case int(virt.DomainEventIDMigrationIteration):
		return fmt.Sprintf("event 'migration-iteration' for domain '%s': iteration: '%d'\n", name, payloadInt(p, "Iteration"))
	case int(virt.DomainEventIDMetadataChange):
		return fmt.Sprintf("event 'metadata-change' for domain '%s': type %s, uri %s\n", name,
			enumWord(metadataTypes, int(payloadInt(p, "Type")), "unknown"), nullString(payloadString(p, "Nsuri")))
	case int(virt.DomainEventIDControlError):
		return fmt.Sprintf("event 'control-error' for domain '%s'\n", name)
	}
	return fmt.Sprintf("event '%s' for domain '%s'\n", enumWord(domainEventNames, id, "unknown"), name)
}

func nullString(s string) string {
	if s == "" {
		return "(null)"
	}
	return s
}

func cmdEvent(c *ctl, cmd *parsedCmd) bool {
	if cmd.bool("list") {
		for _, n := range domainEventNames {
			c.print("%s\n", n)
		}
		return true
	}
	all := cmd.bool("all")
	name, hasName, ok := c.strReq(cmd, "event")
	if !ok {
		return false
	}
	event := -1
	if hasName {
		event = domIndexOf(domainEventNames, name)
		if event < 0 {
			c.errorf("unknown event type %s", name)
			return false
		}
	} else if !all {
		c.errorf("one of --list, --all, or --event <type> is required")
		return false
	}
	timeout, ok := c.timeoutOpt(cmd)
	if !ok {
		return false
	}
	var dom *virt.Domain
	if cmd.has("domain") {
		if dom, _ = c.domain(cmd); dom == nil {
			return false
		}
	}
	w := c.newEventWait(cmd.bool("loop"), cmd.bool("timestamp"))
	ids := []int{event}
	if all {
		ids = ids[:0]
		for i := range domainEventNames {
			ids = append(ids, i)
		}
	}
	var regs []int
	for i, id := range ids {
		var reg int
		var err error
		if id == int(virt.DomainEventIDLifecycle) {
			reg, err = c.conn.DomainEventLifecycleRegister(c.ctx, dom, func(_ *virt.Conn, e *virt.DomainEventLifecycle) {
				ev := int(e.Event)
				w.emit("event 'lifecycle' for domain '%s': %s %s\n", e.Domain.Name(),
					enumWord(lifecycleEvents, ev, "unknown"),
					enumWord(func() []string {
						if ev >= 0 && ev < len(lifecycleDetails) {
							return lifecycleDetails[ev]
						}
						return nil
					}(), e.Detail, "unknown"))
			})
		} else {
			id := id
			reg, err = c.conn.DomainEventRegisterAny(c.ctx, dom, virt.DomainEventID(id), func(_ *virt.Conn, p any) {
				w.emit("%s", eventMessage(id, p))
			})
		}
		if err != nil {
			if i == 0 {
				return c.fail(err)
			}
			continue
		}
		regs = append(regs, reg)
	}
	ok = w.wait(timeout)
	for _, r := range regs {
		_ = c.conn.DomainEventDeregisterAny(c.ctx, r)
	}
	return ok
}
