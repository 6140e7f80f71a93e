package driver

import "context"

// QemuMonitor is what a hypervisor driver serves of libvirt's QEMU
// program (libvirt-qemu.so: virDomainQemuMonitorCommand,
// virDomainQemuAgentCommand, virConnectDomainQemuMonitorEventRegister).
// It is optional: the daemon looks for it on a connection's Hypervisor
// and answers VIR_ERR_NO_SUPPORT for drivers without it, as libvirt does
// for a driver table without these entries.
type QemuMonitor interface {
	// DomainQemuMonitorCommand passes cmd to the domain's monitor and
	// returns QEMU's answer as JSON text (flags
	// QemuMonitorCommandHMP: cmd is a human monitor command and the
	// answer its output).
	DomainQemuMonitorCommand(ctx context.Context, dom DomainRef, cmd string, flags uint32) (string, error)
	// DomainQemuAgentCommand passes cmd to the guest agent and returns
	// its answer; timeout is in seconds or one of the
	// QemuAgentCommand… values.
	DomainQemuAgentCommand(ctx context.Context, dom DomainRef, cmd string, timeout int32, flags uint32) (string, error)
	// QemuMonitorEventRegister subscribes cb to the QMP events of dom
	// (nil: of every domain) named event (nil: every event; flags
	// QemuMonitorEventRegex / NoCase change the match). The returned ID
	// is what QemuMonitorEventDeregister takes.
	QemuMonitorEventRegister(ctx context.Context, dom *DomainRef, event *string, flags uint32, cb func(QemuMonitorEvent)) (int32, error)
	QemuMonitorEventDeregister(ctx context.Context, callbackID int32) error
}

// QemuMonitorEvent is one QMP event of a domain (the wire's
// qemu_domain_monitor_event_msg without the callback ID).
type QemuMonitorEvent struct {
	Dom     DomainRef
	Event   string
	Seconds int64
	Micros  uint32
	// Details is the event's "data" as JSON text, nil when it has none.
	Details *string
}

// Flags and timeouts of libvirt-qemu.h.
const (
	QemuMonitorCommandHMP uint32 = 1 << 0 // VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP

	QemuMonitorEventRegex  uint32 = 1 << 0 // VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX
	QemuMonitorEventNoCase uint32 = 1 << 1 // VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_NOCASE

	QemuAgentCommandMin      int32 = -2 // VIR_DOMAIN_QEMU_AGENT_COMMAND_MIN
	QemuAgentCommandBlock    int32 = -2 // VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK
	QemuAgentCommandDefault  int32 = -1 // VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT
	QemuAgentCommandNoWait   int32 = 0  // VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT
	QemuAgentCommandShutdown int32 = 60 // VIR_DOMAIN_QEMU_AGENT_COMMAND_SHUTDOWN
)
