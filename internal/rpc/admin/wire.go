package admin

import (
	"fmt"

	"github.com/govirt/govirt/internal/rpc/xdr"
)

// ProcInfo describes one procedure of a program: its wire types and the
// annotations libvirt's protocol file gives it.
type ProcInfo struct {
	Number int32
	Name   string // the .x constant, e.g. REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME
	// NewArgs, NewRet and NewMsg make empty values of the call's arguments,
	// its reply and its event message; nil where the payload is void.
	NewArgs func() xdr.Marshaler
	NewRet  func() xdr.Marshaler
	NewMsg  func() xdr.Marshaler
	// Generate is libvirt's @generate annotation (both, server, client, none).
	Generate string
	// ACL lists the @acl permissions ("domain:write", …).
	ACL       []string
	ACLFilter string
	// HighPriority calls may run while the normal worker pool is busy.
	HighPriority bool
	// ReadStream / WriteStream give the position of the stream parameter
	// for calls that open a stream (0: none).
	ReadStream  int
	WriteStream int
	SparseFlag  string
}

func errUnknownArm(union string, v int64) error {
	return fmt.Errorf("xdr: union %s has no arm %d", union, v)
}
