package remote

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/uri"
	"github.com/govirt/govirt/virt/virterr"
)

// Default ports of libvirtd's TCP and TLS listeners.
const (
	TCPPort = 16509
	TLSPort = 16514
)

func dialTransport(ctx context.Context, u *uri.URI, tr string, p params, flags driver.OpenFlags) (io.ReadWriteCloser, error) {
	host := u.Host
	if host == "" {
		host = "localhost"
	}
	switch tr {
	case "unix":
		sock, ok := p.get("socket")
		if !ok {
			mode, _ := p.get("mode")
			var err error
			if sock, err = UnixSocket(u.Driver(), tr, mode, daemonFlags(u, flags)); err != nil {
				return nil, err
			}
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", sock)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "Failed to connect socket to '%s': %s", sock, sysErrText(err))
		}
		return conn, nil
	case "tcp", "tls":
		port := TCPPort
		if tr == "tls" {
			port = TLSPort
		}
		if u.Port > 0 {
			port = u.Port
		}
		var cfg *tls.Config
		if tr == "tls" {
			// libvirt sets up its TLS context, CA included, before it
			// connects.
			var err error
			if cfg, err = tlsConfig(host, p); err != nil {
				return nil, err
			}
		}
		var d net.Dialer
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "unable to connect to server at '%s': %s", addr, sysErrText(err))
		}
		if tr == "tcp" {
			return conn, nil
		}
		return tlsHandshake(ctx, conn, cfg)
	case "ssh", "libssh", "libssh2":
		argv, err := sshCommand(u, p, flags)
		if err != nil {
			return nil, err
		}
		return startCommand(argv)
	case "ext":
		cmd, ok := p.get("command")
		if !ok {
			return nil, virterr.NewFrom(virterr.FromRemote, virterr.InvalidArg, "remote_open: for 'ext' transport, command is required")
		}
		return startCommand([]string{cmd})
	}
	return nil, virterr.NewFrom(virterr.FromRemote, virterr.InvalidArg, "transport %s is not supported", tr)
}

// sysErrText is the system error's text as libvirt's virReportSystemError
// writes it ("No such file or directory").
func sysErrText(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return capitalize(se.Err.Error())
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return capitalize(pe.Err.Error())
	}
	return err.Error()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// pkiFiles are the x509 files of a TLS client in libvirt's layout.
type pkiFiles struct {
	ca, cert, key string
}

// clientPKI locates the CA certificate and the client's certificate and
// key as virNetTLSContextLocateCredentials does: pkipath= holds all three;
// otherwise a non-root user's ~/.pki/libvirt when it has them all, else
// the system's /etc/pki.
func clientPKI(p params) pkiFiles {
	if dir, ok := p.get("pkipath"); ok {
		return pkiFiles{ca: filepath.Join(dir, "cacert.pem"), cert: filepath.Join(dir, "clientcert.pem"), key: filepath.Join(dir, "clientkey.pem")}
	}
	if os.Geteuid() != 0 {
		if home, err := os.UserHomeDir(); err == nil {
			dir := filepath.Join(home, ".pki", "libvirt")
			f := pkiFiles{ca: filepath.Join(dir, "cacert.pem"), cert: filepath.Join(dir, "clientcert.pem"), key: filepath.Join(dir, "clientkey.pem")}
			if fileExists(f.ca) && fileExists(f.cert) && fileExists(f.key) {
				return f
			}
		}
	}
	return pkiFiles{ca: "/etc/pki/CA/cacert.pem", cert: "/etc/pki/libvirt/clientcert.pem", key: "/etc/pki/libvirt/private/clientkey.pem"}
}

// tlsConfig loads the client's x509 files: the CA certificate is
// required (no_verify only skips checking the server against it), the
// client certificate is sent when there is one.
func tlsConfig(host string, p params) (*tls.Config, error) {
	files := clientPKI(p)
	cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: p.flag("no_verify")}
	caPEM, err := os.ReadFile(files.ca)
	if err != nil {
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "Cannot read CA certificate '%s': %s", files.ca, sysErrText(err))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "Unable to import CA certificate list %s", files.ca)
	}
	cfg.RootCAs = pool
	if fileExists(files.cert) && fileExists(files.key) {
		cert, err := tls.LoadX509KeyPair(files.cert, files.key)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "Unable to load client certificate %s: %v", files.cert, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// tlsHandshake runs TLS over conn and then reads the byte libvirtd sends
// once it has checked the client's certificate: 1 means accepted.
func tlsHandshake(ctx context.Context, conn net.Conn, cfg *tls.Config) (io.ReadWriteCloser, error) {
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.AuthFailed, "TLS handshake failed %v", err)
	}
	var ok [1]byte
	if _, err := io.ReadFull(tc, ok[:]); err != nil || ok[0] != 1 {
		tc.Close()
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.RPC, "server verification (of our certificate or IP address) failed")
	}
	return tc, nil
}

// shellEscape quotes s for a POSIX shell when it needs it, as
// virBufferEscapeShell does.
func shellEscape(s string) string {
	if s == "" {
		return "''"
	}
	if !strings.ContainsAny(s, " \t\n\r'\"\\|&;()<>~{}$`*?#!^[]") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// HelperName is the program the far side of an ssh connection runs to
// reach its daemon (govirt's virt-ssh-helper).
const HelperName = "govirt-ssh-helper"

// helperCommand is the remote command of an ssh connection, built as
// virNetClientSSHHelperCommand builds it: the native helper
// (govirt-ssh-helper, else libvirt's virt-ssh-helper) bridges to the
// daemon the URI names, and netcat to an explicit socket. The command
// passes through the remote user's shell and then sh -c, hence the
// double escaping.
func helperCommand(proxy, netcat, socket, daemonURI string, readOnly bool) (string, error) {
	nc := "nc"
	if netcat != "" {
		nc = netcat
	}
	ncSafe := shellEscape(shellEscape(nc))
	uriSafe := shellEscape(shellEscape(daemonURI))
	if proxy == "auto" && netcat != "" {
		proxy = "netcat"
	}
	ncCmd := "if '" + ncSafe + "' -q 2>&1 | grep \"requires an argument\" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;'" + ncSafe + "' $ARG -U " + socket
	ro := " "
	if readOnly {
		ro = " -r "
	}
	helper := func(name string) string { return name + ro + "'" + uriSafe + "'" }
	switch proxy {
	case "auto":
		return "sh -c 'if which " + HelperName + " 1>/dev/null 2>&1; then " + helper(HelperName) +
			"; elif which virt-ssh-helper 1>/dev/null 2>&1; then " + helper("virt-ssh-helper") +
			"; else " + ncCmd + "; fi'", nil
	case "netcat":
		return "sh -c '" + ncCmd + "'", nil
	case "native":
		if netcat != "" {
			return "", virterr.NewFrom(virterr.FromRPC, virterr.InvalidArg, "netcat path not valid with native proxy mode")
		}
		return "sh -c 'if which " + HelperName + " 1>/dev/null 2>&1; then " + helper(HelperName) + "; else " + helper("virt-ssh-helper") + "; fi'", nil
	}
	return "", virterr.NewFrom(virterr.FromRemote, virterr.InvalidArg, "Unnkown proxy type '%s'", proxy)
}

// sshCommand is the ssh command line of virNetSocketNewConnectSSH, with
// the remote command of helperCommand. The daemon URI keeps mode= and
// socket= for the helper, which resolves them on the far side.
func sshCommand(u *uri.URI, p params, flags driver.OpenFlags) ([]string, error) {
	bin, ok := p.get("command")
	if !ok || bin == "" {
		bin = "ssh"
	}
	host := u.Host
	if host == "" {
		host = "localhost"
	}
	argv := []string{bin}
	if u.Port > 0 {
		argv = append(argv, "-p", strconv.Itoa(u.Port))
	}
	if u.User != "" {
		argv = append(argv, "-l", u.User)
	}
	if k, ok := p.get("keyfile"); ok && k != "" {
		argv = append(argv, "-i", k)
	}
	argv = append(argv, "-T", "-e", "none")
	if p.flag("no_tty") {
		argv = append(argv, "-o", "BatchMode=yes")
	}
	if p.flag("no_verify") {
		argv = append(argv, "-o", "StrictHostKeyChecking=no")
	}
	if kh, ok := p.get("known_hosts"); ok && kh != "" {
		argv = append(argv, "-o", "UserKnownHostsFile="+kh)
	}
	sock, explicitSocket := p.get("socket")
	f := daemonFlags(u, flags)
	if !explicitSocket {
		mode, _ := p.get("mode")
		var err error
		if sock, err = UnixSocket(u.Driver(), "ssh", mode, f); err != nil {
			return nil, err
		}
	}
	proxy, ok := p.get("proxy")
	if !ok {
		switch {
		case explicitSocket:
			proxy = "netcat"
		case f.user:
			proxy = "native"
		default:
			proxy = "auto"
		}
	}
	netcat, _ := p.get("netcat")
	helperURI := p.daemonURI(u)
	if _, ok := p.get("name"); !ok && u.Driver() != "remote" {
		// remoteConnectFormatURI(uri, driver, unmask=true): the helper
		// also needs mode= and socket=.
		keep := append([]uri.Param(nil), p.rest...)
		for _, name := range []string{"mode", "socket"} {
			if v, ok := p.get(name); ok {
				keep = append(keep, uri.Param{Name: name, Value: v})
			}
		}
		out := &uri.URI{Scheme: u.Driver(), Path: u.Path, Fragment: u.Fragment, Params: keep}
		out.RawQuery = out.FormatParams()
		helperURI = out.String()
	}
	remoteCmd, err := helperCommand(proxy, netcat, sock, helperURI, f.readOnly)
	if err != nil {
		return nil, err
	}
	return append(argv, "--", host, remoteCmd), nil
}

// cmdConn is a child process's stdin and stdout used as a connection.
type cmdConn struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  io.ReadCloser
	once sync.Once
}

func startCommand(argv []string) (io.ReadWriteCloser, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, virterr.NewFrom(virterr.FromRPC, virterr.SystemError, "Cannot run %s: %s", argv[0], sysErrText(err))
	}
	return &cmdConn{cmd: cmd, in: in, out: out}, nil
}

func (c *cmdConn) Read(p []byte) (int, error)  { return c.out.Read(p) }
func (c *cmdConn) Write(p []byte) (int, error) { return c.in.Write(p) }

func (c *cmdConn) Close() error {
	c.once.Do(func() {
		_ = c.in.Close()
		if c.cmd.Process != nil {
			_ = c.cmd.Process.Kill()
		}
		_ = c.cmd.Wait()
	})
	return nil
}
