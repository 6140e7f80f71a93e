package dispatch

import (
	"errors"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/internal/rpc/xdr"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// connectionCalls are served by the daemon itself, open connection or
// not (each checks what it needs).
var connectionCalls = map[remote.Procedure]callFunc{
	remote.ProcConnectOpen:                    callConnectOpen,
	remote.ProcConnectClose:                   callConnectClose,
	remote.ProcConnectSupportsFeature:         serveSupportsFeature,
	remote.ProcConnectGetURI:                  serveGetURI,
	remote.ProcConnectRegisterCloseCallback:   callRegisterCloseCallback,
	remote.ProcConnectUnregisterCloseCallback: callUnregisterCloseCallback,
}

// authList answers AUTH_LIST with the one method of the client's socket.
// On a polkit socket root and the daemon's own user are let in at once,
// as libvirtd does; everyone else is told to call AUTH_POLKIT.
func (s *session) authList() (xdr.Marshaler, error) {
	c := s.client
	if c.Authenticated() {
		return &remote.AuthListRet{Types: []remote.AuthType{remote.AuthNone}}, nil
	}
	if c.Listener().Auth == daemon.AuthPolkit {
		if p := c.Peer(); p.Known && (p.UID == 0 || c.Server().IsDaemonUser(p.UID)) {
			c.SetAuthenticated()
			return &remote.AuthListRet{Types: []remote.AuthType{remote.AuthNone}}, nil
		}
		return &remote.AuthListRet{Types: []remote.AuthType{remote.AuthPolkit}}, nil
	}
	return &remote.AuthListRet{Types: []remote.AuthType{remote.AuthNone}}, nil
}

// authPolkit applies the uid/gid policy that stands in for polkit's
// org.libvirt.unix.manage (monitor on the read-only socket).
func (s *session) authPolkit() (xdr.Marshaler, error) {
	c := s.client
	if c.Authenticated() {
		return &remote.AuthPolkitRet{Complete: 1}, nil
	}
	if c.Listener().Auth != daemon.AuthPolkit {
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.AuthFailed, "client tried invalid PolicyKit init request")
	}
	if !c.Server().TrustedByPolicy(c.Peer()) {
		c.Logger().Info("polkit authentication refused", "uid", c.Peer().UID, "pid", c.Peer().PID)
		return nil, virterr.NewFrom(virterr.FromPolkit, virterr.AuthFailed, "access denied by policy")
	}
	c.SetAuthenticated()
	return &remote.AuthPolkitRet{Complete: 1}, nil
}

func callConnectOpen(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectOpenArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	s := c.s
	s.mu.Lock()
	if s.conn != nil || s.opening {
		s.mu.Unlock()
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.InternalError, "connection already open")
	}
	s.opening = true
	s.mu.Unlock()

	flags := driver.OpenFlags(args.Flags)
	if s.client.ReadOnly() {
		flags |= driver.OpenReadOnly
	}
	name := ""
	if args.Name != nil {
		name = *args.Name
	}
	conn, canonical, err := s.r.open(c, name, flags)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.opening = false
	if err != nil {
		return nil, err
	}
	if s.closed {
		// The client left while the driver was opening.
		go conn.Close(s.client.Context())
		return nil, notOpen()
	}
	if flags&driver.OpenReadOnly != 0 {
		s.client.SetReadOnly()
	}
	s.conn, s.uri = conn, canonical
	return nil, nil
}

// open routes a URI to its driver; the empty URI tries the defaults in
// order, as libvirtd probes its drivers.
func (r *Remote) open(c *call, name string, flags driver.OpenFlags) (*driver.Connection, string, error) {
	// The connection outlives the call: it belongs to the client.
	ctx := c.s.client.Context()
	if name != "" {
		u, err := uri.Parse(name)
		if err != nil {
			return nil, "", err
		}
		conn, err := r.Registry.Open(ctx, u, flags)
		return conn, u.String(), err
	}
	var firstErr error
	for _, d := range r.DefaultURIs {
		u, err := uri.Parse(d)
		if err != nil {
			continue
		}
		conn, err := r.Registry.Open(ctx, u, flags)
		if err == nil {
			return conn, u.String(), nil
		}
		if firstErr == nil && !errors.Is(err, virterr.NoConnect) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return nil, "", firstErr
	}
	return nil, "", virterr.New(virterr.NoConnect, "%s", "no connection driver available")
}

func callConnectClose(c *call) (xdr.Marshaler, error) {
	// The reply goes out first; the client's teardown then releases the
	// driver connection (libvirtd's delayed close).
	return nil, nil
}

// Feature numbers of virDrvFeature that the daemon answers itself.
const (
	featureFDPassing           = 8
	featureProgramKeepalive    = 10
	featureRemoteEventCallback = 14
	featureRemoteCloseCallback = 15
)

func serveSupportsFeature(c *call) (xdr.Marshaler, error) {
	var args remote.ConnectSupportsFeatureArgs
	if err := c.decode(&args); err != nil {
		return nil, err
	}
	switch args.Feature {
	case featureProgramKeepalive:
		// Answered before CONNECT_OPEN too; asking starts the pings.
		c.s.client.EnableKeepalive()
		return &remote.ConnectSupportsFeatureRet{Supported: 1}, nil
	}
	conn := c.conn()
	if conn == nil {
		return nil, notOpen()
	}
	switch args.Feature {
	case featureFDPassing:
		return &remote.ConnectSupportsFeatureRet{Supported: 0}, nil
	case featureRemoteEventCallback, featureRemoteCloseCallback:
		return &remote.ConnectSupportsFeatureRet{Supported: 1}, nil
	}
	v, err := conn.Hypervisor.ConnectSupportsFeature(c.ctx, args.Feature)
	if err != nil {
		if virterr.CodeOf(err) != virterr.NoSupport {
			return nil, err
		}
		v = defaultFeature(args.Feature)
	}
	return &remote.ConnectSupportsFeatureRet{Supported: v}, nil
}

// defaultFeature answers for a driver that does not say: typed string
// parameters and the corrected NETWORK_UPDATE order are the daemon's own
// wire behaviour; migration features belong to drivers that migrate.
func defaultFeature(f int32) int32 {
	switch f {
	case 9, 16: // TYPED_PARAM_STRING, NETWORK_UPDATE_HAS_CORRECT_ORDER
		return 1
	}
	return 0
}

func serveGetURI(c *call) (xdr.Marshaler, error) {
	s := c.s
	s.mu.Lock()
	conn, u := s.conn, s.uri
	s.mu.Unlock()
	if conn == nil {
		return nil, notOpen()
	}
	if v, err := conn.Hypervisor.ConnectGetURI(c.ctx); err == nil && v != "" {
		u = v
	}
	return &remote.ConnectGetURIRet{URI: u}, nil
}

func callRegisterCloseCallback(c *call) (xdr.Marshaler, error) {
	if c.conn() == nil {
		return nil, notOpen()
	}
	c.s.mu.Lock()
	c.s.closeCallback = true
	c.s.mu.Unlock()
	return nil, nil
}

func callUnregisterCloseCallback(c *call) (xdr.Marshaler, error) {
	if c.conn() == nil {
		return nil, notOpen()
	}
	c.s.mu.Lock()
	c.s.closeCallback = false
	c.s.mu.Unlock()
	return nil, nil
}

// Reasons of CONNECT_EVENT_CONNECTION_CLOSED (virConnectCloseReason).
const (
	CloseReasonError     = 0
	CloseReasonEOF       = 1
	CloseReasonKeepalive = 2
	CloseReasonClient    = 3
)

// ConnectionClosed tells a client whose driver connection went away, if it
// registered a close callback, and forgets the connection.
func (s *session) connectionClosed(reason int32) {
	s.mu.Lock()
	want := s.closeCallback && s.conn != nil
	s.conn = nil
	s.mu.Unlock()
	if want {
		s.client.Message(remote.Program, int32(remote.ProcConnectEventConnectionClosed), &remote.ConnectEventConnectionClosedMsg{Reason: reason})
	}
}
