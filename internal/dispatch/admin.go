package dispatch

import (
	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/rpc/admin"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/virterr"
)

// Admin serves the ADMIN program on libvirt-admin-sock: the basics that
// virt-admin needs to connect and look around. Procedures it lacks answer
// "unknown procedure", which clients report as unsupported.
type Admin struct {
	// LibVersion is what ADMIN_PROC_CONNECT_GET_LIB_VERSION reports.
	LibVersion uint64
	// ServerName is the one server the daemon runs ("libvirtd").
	ServerName string
	// LogOutputs and LogFilters report the logging settings.
	LogOutputs func() string
	LogFilters func() string
}

// Programs returns the program map for the admin socket's server.
func (a *Admin) Programs() map[uint32]daemon.Program {
	return map[uint32]daemon.Program{admin.Program: a}
}

type adminState struct{ open bool }

// Call serves one ADMIN call.
func (a *Admin) Call(c *daemon.Client, p *message.Packet) {
	st := c.StateOr(func() any { return &adminState{} }).(*adminState)
	ret, err := a.serve(c, st, p)
	if err != nil {
		c.ReplyError(&p.Header, err)
		return
	}
	c.Reply(&p.Header, ret)
	if p.Proc == int32(admin.ProcConnectClose) {
		c.CloseAfterReply()
	}
}

func (a *Admin) serve(c *daemon.Client, st *adminState, p *message.Packet) (xdr.Marshaler, error) {
	decode := func(v xdr.Marshaler) error {
		if xdr.Unmarshal(p.Payload, v) != nil {
			return errDecode
		}
		return nil
	}
	if !c.Authenticated() {
		return nil, daemon.RPCError("authentication required")
	}
	proc := admin.Procedure(p.Proc)
	if proc == admin.ProcConnectOpen {
		var args admin.ConnectOpenArgs
		if err := decode(&args); err != nil {
			return nil, err
		}
		if st.open {
			return nil, virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "connection already open")
		}
		st.open = true
		return nil, nil
	}
	if !st.open {
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "admin connection not open")
	}
	switch proc {
	case admin.ProcConnectClose:
		return nil, nil
	case admin.ProcConnectGetLibVersion:
		return &admin.ConnectGetLibVersionRet{LibVer: a.LibVersion}, nil
	case admin.ProcConnectListServers:
		var args admin.ConnectListServersArgs
		if err := decode(&args); err != nil {
			return nil, err
		}
		ret := &admin.ConnectListServersRet{Ret: 1}
		if args.NeedResults != 0 {
			ret.Servers = []admin.NonnullServer{{Name: a.ServerName}}
		}
		return ret, nil
	case admin.ProcConnectLookupServer:
		var args admin.ConnectLookupServerArgs
		if err := decode(&args); err != nil {
			return nil, err
		}
		if args.Name != a.ServerName {
			return nil, virterr.NewFrom(virterr.FromAdmin, virterr.NoServer, "%s", args.Name)
		}
		return &admin.ConnectLookupServerRet{Srv: admin.NonnullServer{Name: a.ServerName}}, nil
	case admin.ProcConnectGetLoggingOutputs:
		out := ""
		if a.LogOutputs != nil {
			out = a.LogOutputs()
		}
		return &admin.ConnectGetLoggingOutputsRet{Outputs: out, Noutputs: uint32(countFields(out))}, nil
	case admin.ProcConnectGetLoggingFilters:
		out := ""
		if a.LogFilters != nil {
			out = a.LogFilters()
		}
		return &admin.ConnectGetLoggingFiltersRet{Filters: &out, Nfilters: uint32(countFields(out))}, nil
	}
	return nil, daemon.UnknownProcedure(p.Proc)
}

func countFields(s string) int {
	n := 0
	inField := false
	for _, r := range s {
		if r == ' ' {
			inField = false
		} else if !inField {
			inField = true
			n++
		}
	}
	return n
}
