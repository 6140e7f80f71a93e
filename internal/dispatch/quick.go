package dispatch

import (
	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
)

// quickProcedures only read what a driver keeps in memory: lookups,
// states and listings. When the connection's hypervisor driver promises
// that such reads never wait (InMemoryReads), the daemon may run them on
// the client's reading goroutine (see daemon.QuickProgram). A driver that
// may block in them (a proxy to another daemon, a lookup waiting on a
// locked domain) must not: while a call runs on the reading goroutine,
// nothing notices the client hanging up to cancel it.
var quickProcedures = map[remote.Procedure]bool{
	remote.ProcConnectGetLibVersion:   true,
	remote.ProcConnectGetVersion:      true,
	remote.ProcConnectGetType:         true,
	remote.ProcConnectGetURI:          true,
	remote.ProcConnectSupportsFeature: true,
	remote.ProcConnectIsSecure:        true,
	remote.ProcConnectNumOfDomains:    true,
	remote.ProcConnectListAllDomains:  true,
	remote.ProcDomainLookupByID:       true,
	remote.ProcDomainLookupByName:     true,
	remote.ProcDomainLookupByUUID:     true,
	remote.ProcDomainGetState:         true,
	remote.ProcDomainGetInfo:          true,
	remote.ProcDomainGetAutostart:     true,
	remote.ProcDomainIsActive:         true,
	remote.ProcDomainIsPersistent:     true,
}

var _ daemon.QuickProgram = (*Remote)(nil)

// InMemoryReads is what a hypervisor driver implements to say that its
// quickProcedures only read its own memory, under short locks.
type InMemoryReads interface {
	InMemoryReads() bool
}

// Quick reports whether the REMOTE call p may run on the reading goroutine.
func (r *Remote) Quick(c *daemon.Client, p *message.Packet) bool {
	if p.Type != netproto.Call || !quickProcedures[remote.Procedure(p.Proc)] {
		return false
	}
	conn := r.session(c).connection()
	if conn == nil {
		return false
	}
	m, ok := conn.Hypervisor.(InMemoryReads)
	return ok && m.InMemoryReads()
}
