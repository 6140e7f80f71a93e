package remote

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/rpc/remote"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Name is the registry name of this driver (driver.Remote).
const Name = driver.Remote

// Keepalive defaults of virsh (-k 5 -K 6): a PING after 5 s of silence,
// and the connection is dead after 6 unanswered ones.
const (
	DefaultKeepaliveInterval = 5 * time.Second
	DefaultKeepaliveCount    = 6
)

// Options tune a connection beyond what the URI says.
type Options struct {
	// KeepaliveInterval 0 uses the default; negative turns keepalive off
	// (virsh -k 0).
	KeepaliveInterval time.Duration
	KeepaliveCount    int
	// OnClose, if set, learns why the connection ended (libvirt's
	// virConnectCloseReason: 0 error, 1 EOF, 2 keepalive, 3 client).
	OnClose func(reason int32)
}

// Open is the registry's entry point: it connects to the daemon u names.
func Open(ctx context.Context, u *uri.URI, flags driver.OpenFlags) (*driver.Connection, error) {
	c, err := Dial(ctx, u, flags, Options{})
	if err != nil {
		return nil, err
	}
	return c.Connection(), nil
}

// clientParams are the query parameters the remote driver consumes;
// libvirt removes them from the URI it hands on (doRemoteOpen).
var clientParams = []string{
	"name", "command", "socket", "auth", "sshauth", "netcat", "keyfile", "pkipath",
	"known_hosts", "known_hosts_verify", "tls_priority", "mode", "proxy",
	"no_sanity", "no_verify", "no_tty", "authfile",
}

// params is what the URI's query tells the remote driver.
type params struct {
	values map[string]string // lower-case name → value, client parameters only
	rest   []uri.Param       // what the daemon gets
}

func readParams(u *uri.URI) (params, error) {
	p := params{values: map[string]string{}}
	for _, q := range u.Params {
		consumed := false
		for _, name := range clientParams {
			if strings.EqualFold(q.Name, name) {
				p.values[name] = q.Value
				consumed = true
				break
			}
		}
		if !consumed {
			p.rest = append(p.rest, q)
		}
	}
	for _, name := range []string{"no_sanity", "no_verify", "no_tty"} {
		if v, ok := p.values[name]; ok {
			if _, err := strconv.Atoi(v); err != nil {
				return p, virterr.NewFrom(virterr.FromRemote, virterr.InvalidArg, "Failed to parse value of URI component %s", name)
			}
		}
	}
	return p, nil
}

func (p params) get(name string) (string, bool) {
	v, ok := p.values[name]
	return v, ok
}

// flag reads a no_* parameter: true when given and non-zero.
func (p params) flag(name string) bool {
	v, ok := p.values[name]
	if !ok {
		return false
	}
	n, _ := strconv.Atoi(v)
	return n != 0
}

// DaemonURI is the URI the client hands to CONNECT_OPEN, rewritten as
// libvirt's remoteConnectFormatURI does: the driver's scheme without
// transport, user, host and port, the path, the fragment, and only the
// parameters meant for the daemon. A "remote" scheme sends "" (the daemon
// picks its default driver), and name= overrides everything.
func DaemonURI(u *uri.URI) (string, error) {
	p, err := readParams(u)
	if err != nil {
		return "", err
	}
	return p.daemonURI(u), nil
}

func (p params) daemonURI(u *uri.URI) string {
	if name, ok := p.get("name"); ok {
		return name
	}
	if u.Driver() == "remote" {
		return ""
	}
	out := &uri.URI{Scheme: u.Driver(), Path: u.Path, Fragment: u.Fragment, Params: p.rest}
	out.RawQuery = out.FormatParams()
	return out.String()
}

// transport is the URI's transport, defaulting as remoteSplitURIScheme
// does: tls with a host, unix without.
func transport(u *uri.URI) (string, error) {
	t := strings.ToLower(u.Transport())
	switch t {
	case "":
		if u.Host != "" {
			return "tls", nil
		}
		return "unix", nil
	case "unix":
		if u.Host != "" {
			return "", virterr.NewFrom(virterr.FromRemote, virterr.InvalidArg, "using unix socket and remote server '%s' is not supported.", u.Host)
		}
		return t, nil
	case "tls", "tcp", "ssh", "ext", "libssh", "libssh2":
		return t, nil
	}
	return "", virterr.NewFrom(virterr.FromRemote, virterr.InvalidArg, "remote_open: transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)")
}

// Dial connects, authenticates and opens the daemon's driver for u.
func Dial(ctx context.Context, u *uri.URI, flags driver.OpenFlags, opts Options) (*Client, error) {
	p, err := readParams(u)
	if err != nil {
		return nil, err
	}
	tr, err := transport(u)
	if err != nil {
		return nil, err
	}
	rw, err := dialTransport(ctx, u, tr, p, flags)
	if err != nil {
		return nil, err
	}
	c := newClient(rw)
	c.onClose = opts.OnClose
	if err := c.open(ctx, u, p, flags, opts); err != nil {
		c.shutdown(closeReasonError, errClosed())
		return nil, err
	}
	return c, nil
}

// open runs the sequence libvirt's client sends on a new connection:
// AUTH_LIST (and AUTH_POLKIT when the server asks for it), keepalive
// negotiation, CONNECT_OPEN, and the event and close callback features.
func (c *Client) open(ctx context.Context, u *uri.URI, p params, flags driver.OpenFlags, opts Options) error {
	if err := c.authenticate(ctx, p); err != nil {
		return err
	}
	interval, count := opts.KeepaliveInterval, opts.KeepaliveCount
	if interval == 0 {
		interval = DefaultKeepaliveInterval
	}
	if count <= 0 {
		count = DefaultKeepaliveCount
	}
	if interval > 0 && c.supports(ctx, featureProgramKeepalive) {
		go c.keepalive(interval, count)
	}
	name := p.daemonURI(u)
	args := remote.ConnectOpenArgs{Name: &name, Flags: uint32(flags & driver.OpenReadOnly)}
	if err := c.call(ctx, int32(remote.ProcConnectOpen), &args, nil); err != nil {
		return err
	}
	c.modernEvents = c.supports(ctx, featureRemoteEventCallback)
	if c.supports(ctx, featureRemoteCloseCallback) {
		if err := c.call(ctx, int32(remote.ProcConnectRegisterCloseCallback), nil, nil); err == nil {
			c.closeCallback = true
		}
	}
	return nil
}

// Features the client asks about (virDrvFeature).
const (
	featureProgramKeepalive    = 10
	featureRemoteEventCallback = 14
	featureRemoteCloseCallback = 15
)

func (c *Client) supports(ctx context.Context, feature int32) bool {
	args := remote.ConnectSupportsFeatureArgs{Feature: feature}
	var ret remote.ConnectSupportsFeatureRet
	return c.call(ctx, int32(remote.ProcConnectSupportsFeature), &args, &ret) == nil && ret.Supported != 0
}

// authenticate runs remoteAuthenticate: the server lists the auth types it
// accepts (none when it does not know the call); auth= picks one of them.
func (c *Client) authenticate(ctx context.Context, p params) error {
	var ret remote.AuthListRet
	if err := c.call(ctx, int32(remote.ProcAuthList), nil, &ret); err != nil {
		if e := virterr.As(err); e != nil && e.Code == virterr.NoSupport {
			return nil
		}
		return err
	}
	if len(ret.Types) == 0 {
		return nil
	}
	want, asked := p.get("auth")
	auth := ret.Types[0]
	if asked {
		found := false
		for _, t := range ret.Types {
			if authName(t) == strings.ToLower(want) || strings.HasPrefix(strings.ToLower(want), "sasl") && t == remote.AuthSASL {
				auth, found = t, true
				break
			}
		}
		if !found {
			return virterr.NewFrom(virterr.FromRemote, virterr.AuthFailed, "requested authentication type %s rejected", want)
		}
	}
	switch auth {
	case remote.AuthNone:
		return nil
	case remote.AuthPolkit:
		var r remote.AuthPolkitRet
		return c.call(ctx, int32(remote.ProcAuthPolkit), nil, &r)
	}
	return virterr.NewFrom(virterr.FromRemote, virterr.AuthFailed, "unsupported authentication type %d", auth)
}

func authName(t remote.AuthType) string {
	switch t {
	case remote.AuthNone:
		return "none"
	case remote.AuthSASL:
		return "sasl"
	case remote.AuthPolkit:
		return "polkit"
	}
	return ""
}

// socketFlags are remoteGetURIDaemonInfo's: a per-user daemon serves
// /session URIs and the test driver over a transport, for non-root users.
type socketFlags struct {
	user     bool
	readOnly bool
}

func daemonFlags(u *uri.URI, flags driver.OpenFlags) socketFlags {
	f := socketFlags{readOnly: flags&driver.OpenReadOnly != 0}
	if u.Path != "" && (u.Path == "/session" || strings.HasPrefix(u.Scheme, "test+")) && os.Geteuid() > 0 {
		f.user = true
	}
	return f
}

// runDir is where the system daemons' sockets live. libvirt writes
// $LOCALSTATEDIR/run rather than /run, which the far side of an ssh
// connection may lack.
var runDir = "/var/run/libvirt"

// userRuntimeDir is virGetUserRuntimeDirectory.
func userRuntimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return d + "/libvirt"
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return d + "/libvirt"
	}
	home, _ := os.UserHomeDir()
	return home + "/.cache/libvirt"
}

func socketPath(prefix string, f socketFlags) string {
	if f.user {
		return userRuntimeDir() + "/" + prefix + "-sock"
	}
	if f.readOnly {
		return runDir + "/" + prefix + "-sock-ro"
	}
	return runDir + "/" + prefix + "-sock"
}

// UnixSocket is the socket remoteGetUNIXSocket picks for a driver: in auto
// mode the modular daemon's (virt<driver>d-sock) when it exists, else
// libvirtd's (libvirt-sock), "-ro" for read-only system connections.
// Transports other than unix always use libvirtd's.
func UnixSocket(drv, tr, mode string, f socketFlags) (string, error) {
	direct := socketPath("libvirt", f) // virtproxyd, for URIs without a driver
	if drv != "" && drv != "remote" {
		direct = socketPath("virt"+drv+"d", f)
	}
	legacy := socketPath("libvirt", f)
	switch mode {
	case "", "auto":
		if tr != "unix" {
			return legacy, nil
		}
		if fileExists(direct) {
			return direct, nil
		}
		return legacy, nil
	case "legacy":
		return legacy, nil
	case "direct":
		if tr != "unix" {
			return "", virterr.NewFrom(virterr.FromRemote, virterr.OperationUnsupported, "Cannot use direct socket mode for %s transport", tr)
		}
		return direct, nil
	}
	return "", virterr.NewFrom(virterr.FromRemote, virterr.InvalidArg, "Unknown remote mode '%s'", mode)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// HelperSocket is the daemon socket the far side of an ssh connection
// bridges to for daemonURI, as virt-ssh-helper picks it: socket= when the
// URI names one, else the unix transport's choice (mode= honoured) for
// the URI's driver, per user for /session, read-only with readOnly.
func HelperSocket(daemonURI string, readOnly bool) (string, error) {
	u, err := uri.Parse(daemonURI)
	if err != nil {
		return "", err
	}
	p, err := readParams(u)
	if err != nil {
		return "", err
	}
	if s, ok := p.get("socket"); ok {
		return s, nil
	}
	var flags driver.OpenFlags
	if readOnly {
		flags |= driver.OpenReadOnly
	}
	mode, _ := p.get("mode")
	return UnixSocket(u.Driver(), "unix", mode, daemonFlags(u, flags))
}
