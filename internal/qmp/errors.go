package qmp

import (
	"errors"
	"fmt"

	"github.com/govirt/govirt/virt/virterr"
)

// CommandError is QEMU's answer {"error": {"class": …, "desc": …}} to a
// command. Its text is libvirt's ("internal error: unable to execute
// QEMU command 'x': desc") and errors.Is matches virterr.InternalError.
type CommandError struct {
	Command string
	Class   string
	Desc    string
}

func (e *CommandError) Error() string { return e.virterr().Error() }

func (e *CommandError) virterr() *virterr.Error {
	return virterr.NewFrom(virterr.FromQemu, virterr.InternalError,
		"unable to execute QEMU command '%s': %s", e.Command, e.Desc)
}

// Unwrap exposes the libvirt error so callers test codes, not text.
func (e *CommandError) Unwrap() error { return e.virterr() }

// IsClass reports whether err is a CommandError of the given QMP class
// (GenericError, CommandNotFound, DeviceNotFound, KVMMissingCap …).
func IsClass(err error, class string) bool {
	var ce *CommandError
	return errors.As(err, &ce) && ce.Class == class
}

// ErrClosed is returned for commands issued after (or pending during) a
// local Close.
var ErrClosed = errors.New("qmp: monitor connection closed")

// DisconnectError ends a connection that the peer dropped. EOF is true
// when QEMU closed the monitor cleanly (it exited); a driver tells a
// normal shutdown from a crash by whether a SHUTDOWN event came first
// (see Conn.ShutdownEvent). Otherwise Err holds the I/O or protocol
// failure.
type DisconnectError struct {
	EOF bool
	Err error
}

func (e *DisconnectError) Error() string {
	if e.EOF {
		return e.virterr().Error()
	}
	return e.virterr().Error() + ": " + e.Err.Error()
}

func (e *DisconnectError) virterr() *virterr.Error {
	if e.EOF {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "End of file from qemu monitor")
	}
	return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Error while processing monitor IO")
}

// Unwrap gives both the libvirt error (for its code) and the cause.
func (e *DisconnectError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.virterr()}
	}
	return []error{e.virterr(), e.Err}
}

// IsEOF reports whether err says QEMU closed the monitor.
func IsEOF(err error) bool {
	var de *DisconnectError
	return errors.As(err, &de) && de.EOF
}

// ProtocolError is a malformed message from the peer.
type ProtocolError struct {
	Msg string
}

func (e *ProtocolError) Error() string { return fmt.Sprintf("qmp: protocol error: %s", e.Msg) }
