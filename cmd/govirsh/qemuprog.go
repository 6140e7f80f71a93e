package main

import (
	"strings"

	"github.com/govirt/govirt/virt"
	"github.com/govirt/govirt/virt/virjson"
	"github.com/govirt/govirt/virt/virterr"
)

// The QEMU-specific commands (virsh-domain.c's qemu-monitor-command,
// qemu-agent-command and qemu-monitor-event).

// qmpWrap is cmdQemuMonitorCommandQMPWrap: a JSON object passes as it
// is; otherwise the first word is the command and the others, joined
// with commas inside braces, its arguments.
func (c *ctl) qmpWrap(words []string) (string, bool) {
	full := strings.Join(words, " ")
	if _, ok, err := virjson.Members(full); err == nil && ok {
		return full, true
	}
	var name string
	if len(words) > 0 {
		name = words[0]
	}
	wrapped := `{"execute":` + virjson.Quote(name)
	if len(words) > 1 {
		argText := "{" + strings.Join(words[1:], ",") + "}"
		args, err := virjson.Reformat([]byte(argText), false)
		if err != nil {
			c.errorf("failed to wrap arguments '%s' into a QMP command wrapper", strings.Join(words[1:], " "))
			return "", c.fail(virterr.New(virterr.InternalError, "cannot parse json %s: %v", argText, err))
		}
		wrapped += `,"arguments":` + args
	}
	return wrapped + "}", true
}

func cmdQemuMonitorCommand(c *ctl, cmd *parsedCmd) bool {
	if !c.exclusive(cmd, "hmp", "pretty") || !c.exclusive(cmd, "hmp", "return-value") {
		return false
	}
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	var flags uint32
	var monitorCmd string
	if cmd.bool("hmp") {
		flags = 1 // VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP
		monitorCmd = strings.Join(cmd.args("cmd"), " ")
	} else {
		var ok bool
		if monitorCmd, ok = c.qmpWrap(cmd.args("cmd")); !ok {
			return false
		}
	}
	if !c.passFDs(cmd) {
		return false
	}
	// The descriptors cannot travel: libvirt's API refuses a
	// connection without FD passing.
	if fds, _ := cmd.str("pass-fds"); fds != "" {
		return c.fail(virterr.NewFrom(virterr.FromDomain, virterr.ArgumentUnsupported, "fd passing is not supported by this connection"))
	}
	out, err := dom.QemuMonitorCommand(c.ctx, monitorCmd, flags)
	if err != nil {
		return c.fail(err)
	}
	pretty, returnValue := cmd.bool("pretty"), cmd.bool("return-value")
	if !pretty && !returnValue {
		c.print("%s\n", out)
		return true
	}
	text := out
	if returnValue {
		members, _, err := virjson.Members(out)
		if err != nil {
			return c.fail(virterr.New(virterr.InternalError, "cannot parse json %s: %v", out, err))
		}
		found := false
		for _, m := range members {
			if m.Key == "return" {
				text, found = string(m.Value), true
				break
			}
		}
		if !found {
			c.errorf("'return' member missing")
			return false
		}
	}
	formatted, err := virjson.Reformat([]byte(text), pretty)
	if err != nil {
		return c.fail(virterr.New(virterr.InternalError, "cannot parse json %s: %v", text, err))
	}
	// virsh prints the answer without the layout's final newline.
	c.print("%s", strings.TrimRight(formatted, "\n"))
	return true
}

func cmdQemuAgentCommand(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	agentCmd := strings.Join(cmd.args("cmd"), " ")
	timeout := -1 // VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT
	judge := 0
	t, set, ok := c.optInt(cmd, "timeout")
	if !ok {
		return false
	}
	if set {
		judge = 1
		if t < 1 {
			c.errorf("timeout must be positive")
			return false
		}
		timeout = t
	}
	if cmd.bool("async") {
		timeout = 0 // VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT
		judge++
	}
	if cmd.bool("block") {
		timeout = -2 // VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK
		judge++
	}
	if judge > 1 {
		c.errorf("timeout, async and block options are exclusive")
		return false
	}
	out, err := dom.QemuAgentCommand(c.ctx, agentCmd, timeout, 0)
	if err != nil {
		return c.fail(err)
	}
	if cmd.bool("pretty") {
		formatted, err := virjson.Reformat([]byte(out), true)
		if err != nil {
			return c.fail(virterr.New(virterr.InternalError, "cannot parse json %s: %v", out, err))
		}
		out = formatted
	}
	c.print("%s\n", out)
	return true
}

func cmdQemuMonitorEvent(c *ctl, cmd *parsedCmd) bool {
	var flags uint32
	if cmd.bool("regex") {
		flags |= 1 // VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX
	}
	if cmd.bool("no-case") {
		flags |= 2 // VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_NOCASE
	}
	timeout, ok := c.timeoutOpt(cmd)
	if !ok {
		return false
	}
	event, _ := cmd.str("event")
	var dom *virt.Domain
	if cmd.has("domain") {
		if dom, _ = c.domain(cmd); dom == nil {
			return false
		}
	}
	pretty, timestamp := cmd.bool("pretty"), cmd.bool("timestamp")
	w := c.newEventWait(cmd.bool("loop"), timestamp)
	if _, err := c.conn.QemuMonitorEventRegister(c.ctx, dom, event, func(_ *virt.Conn, d *virt.Domain, ev string, secs int64, micros uint, details string) {
		shown := "<null>"
		if details != "" {
			shown = details
			if pretty {
				if s, err := virjson.Reformat([]byte(details), true); err == nil {
					shown = s
				}
			}
		}
		if timestamp {
			w.emit("event %s for domain '%s': %s\n", ev, d.Name(), shown)
		} else {
			w.emit("event %s at %d.%06d for domain '%s': %s\n", ev, secs, micros, d.Name(), shown)
		}
	}, flags); err != nil {
		return c.fail(err)
	}
	return w.wait(timeout)
}
