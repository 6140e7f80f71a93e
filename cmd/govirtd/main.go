// Command govirtd is govirt's daemon: it speaks libvirt's RPC protocol on
// libvirtd's sockets, so virsh, virt-install, python3-libvirt and
// go-libvirt drive govirt's drivers unchanged.
//
//	govirtd [--root DIR] [--config FILE] [--listen] [--verbose] [--timeout SECS] [--pid-file FILE]
//
// By default it uses the system paths (/run/libvirt/libvirt-sock …);
// --root DIR puts every socket, configuration, state and log file under
// DIR, so isolated daemons run side by side.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/dispatch"
	"github.com/govirt/govirt/internal/drivers/all"
)

type options struct {
	root, config, pidFile string
	listen, verbose       bool
	timeout               int
	// lazyDrivers leaves the stateful drivers to start on their first
	// connection instead of with the daemon.
	lazyDrivers bool
	// cpuProfile is where a CPU profile of the whole run is written.
	cpuProfile string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("govirtd", flag.ContinueOnError)
	for _, n := range []string{"root", "r"} {
		fs.StringVar(&o.root, n, "", "put every socket, config, state and log file under `DIR`")
	}
	for _, n := range []string{"config", "f"} {
		fs.StringVar(&o.config, n, "", "configuration `FILE` (libvirtd.conf syntax)")
	}
	for _, n := range []string{"pid-file", "p"} {
		fs.StringVar(&o.pidFile, n, "", "pid `FILE` (default: run/govirtd.pid under the root)")
	}
	for _, n := range []string{"listen", "l"} {
		fs.BoolVar(&o.listen, n, false, "listen for TCP/TLS connections as listen_tcp/listen_tls say")
	}
	for _, n := range []string{"verbose", "v"} {
		fs.BoolVar(&o.verbose, n, false, "log informational messages")
	}
	fs.BoolVar(&o.lazyDrivers, "lazy-drivers", os.Getenv("GOVIRT_LAZY_DRIVERS") != "", "start the qemu, network and nwfilter drivers on first use, not with the daemon")
	for _, n := range []string{"timeout", "t"} {
		fs.IntVar(&o.timeout, n, 0, "exit after `SECS` seconds without clients")
	}
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the daemon's run to `FILE` (for go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "govirtd:", err)
		os.Exit(2)
	}
	stopProfile, err := startCPUProfile(opts.cpuProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "govirtd:", err)
		os.Exit(1)
	}
	err = run(context.Background(), opts, nil)
	stopProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, "govirtd:", err)
		os.Exit(1)
	}
}

// startCPUProfile profiles the process into path until the returned
// function is called (at shutdown, SIGTERM or SIGINT included).
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// logging holds the daemon's logger; SIGHUP may change its level.
type logging struct {
	level   slog.LevelVar
	mu      sync.Mutex
	outputs string
	filters string
	file    io.Closer
}

func (l *logging) setup(s settings, verbose bool, layout daemon.Layout) (*slog.Logger, error) {
	level := s.LogLevel
	fileLevel, path := logFile(s.LogOutputs)
	if fileLevel > 0 && fileLevel < level {
		level = fileLevel
	}
	lv := slogLevel(level)
	if verbose && lv > slog.LevelInfo {
		lv = slog.LevelInfo
	}
	l.level.Set(lv)
	var w io.Writer = os.Stderr
	if path != "" {
		if layout.Root != "" && !isUnder(path, layout.Root) {
			path = layout.Root + path
		}
		if err := os.MkdirAll(dirOf(path), 0o755); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, err
		}
		l.file = f
		w = f
	}
	l.mu.Lock()
	l.outputs, l.filters = s.LogOutputs, s.LogFilters
	l.mu.Unlock()
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: &l.level})), nil
}

func isUnder(path, root string) bool {
	return len(path) > len(root) && path[:len(root)] == root && path[len(root)] == '/'
}

func dirOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			if i == 0 {
				return "/"
			}
			return p[:i]
		}
	}
	return "."
}

// run starts the daemon and serves until a signal or ctx stops it. ready,
// if not nil, is called once the sockets accept clients.
func run(ctx context.Context, opts options, ready func()) error {
	layout := daemon.Layout{Root: opts.root, PidPath: opts.pidFile}
	confPath, mustExist := opts.config, true
	if confPath == "" {
		confPath, mustExist = layout.ConfigFile(), false
	}
	s, err := loadSettings(confPath, mustExist)
	if err != nil {
		return err
	}
	var logs logging
	log, err := logs.setup(s, opts.verbose, layout)
	if err != nil {
		return err
	}
	if logs.file != nil {
		defer logs.file.Close()
	}

	lock, err := layout.Lock()
	if err != nil {
		return err
	}
	defer func() {
		os.Remove(layout.PidFile())
		lock.Close()
	}()

	cfg, err := s.serverConfig()
	if err != nil {
		return err
	}
	all.Configure(layout)
	if !opts.lazyDrivers {
		all.Start(ctx, log)
	}
	remote := dispatch.New(all.Daemon(), log)
	srv := daemon.NewServer(cfg, log, remote.Programs(), remote)
	adminProg := &dispatch.Admin{LibVersion: 9000000, ServerName: "libvirtd",
		LogOutputs: func() string { logs.mu.Lock(); defer logs.mu.Unlock(); return logs.outputs },
		LogFilters: func() string { logs.mu.Lock(); defer logs.mu.Unlock(); return logs.filters }}
	adminCfg := daemon.DefaultConfig()
	adminCfg.MaxClients = 5000
	adminSrv := daemon.NewServer(adminCfg, log.With("server", "admin"), adminProg.Programs(), nil)

	var socketPaths []string
	activated, err := daemon.ActivatedListeners()
	if err != nil {
		return err
	}
	unix := []struct {
		name, path, permKey, perms string
		readOnly                   bool
		auth                       daemon.Auth
		srv                        *daemon.Server
	}{
		{"libvirt-sock", layout.SocketRW(), "unix_sock_rw_perms", s.UnixSockRWPerms, false, authOf(s.AuthUnixRW), srv},
		{"libvirt-sock-ro", layout.SocketRO(), "unix_sock_ro_perms", s.UnixSockROPerms, true, authOf(s.AuthUnixRO), srv},
		{"libvirt-admin-sock", layout.SocketAdmin(), "unix_sock_admin_perms", s.UnixSockAdminPerms, false, daemon.AuthNone, adminSrv},
	}
	for _, u := range unix {
		ln := activated[u.name]
		if ln == nil {
			mode, err := parsePerms(u.permKey, u.perms)
			if err != nil {
				return err
			}
			if ln, err = daemon.ListenUnix(u.path, mode); err != nil {
				return fmt.Errorf("%s: %w", u.path, err)
			}
			socketPaths = append(socketPaths, u.path)
			if s.UnixSockGroup != "" {
				if gid, err := lookupGroup(s.UnixSockGroup); err == nil {
					_ = os.Chown(u.path, -1, int(gid))
				}
			}
		}
		u.srv.AddListener(&daemon.Listener{Name: u.name, ReadOnly: u.readOnly, Auth: u.auth}, ln)
	}
	if opts.listen {
		if err := addNetworkListeners(srv, s, layout, activated, log); err != nil {
			srv.Shutdown()
			adminSrv.Shutdown()
			return err
		}
	}
	log.Info("govirtd ready", "root", opts.root, "socket", layout.SocketRW())
	if ready != nil {
		ready()
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	var idle <-chan time.Time
	if opts.timeout > 0 {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		idle = t.C
	}
	idleSince := time.Now()
loop:
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down")
			break loop
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				reload(confPath, mustExist, &logs, opts.verbose, log)
				continue
			}
			log.Info("shutting down", "signal", sig.String())
			break loop
		case <-idle:
			if srv.NumClients() > 0 || adminSrv.NumClients() > 0 {
				idleSince = time.Now()
				continue
			}
			if time.Since(idleSince) >= time.Duration(opts.timeout)*time.Second {
				log.Info("shutting down: idle timeout")
				break loop
			}
		}
	}
	// Guests and driver state are left as they are: only the RPC side
	// stops.
	srv.Shutdown()
	adminSrv.Shutdown()
	for _, p := range socketPaths {
		os.Remove(p)
	}
	return nil
}

// reload applies what can change without a restart: the log level.
func reload(path string, mustExist bool, logs *logging, verbose bool, log *slog.Logger) {
	s, err := loadSettings(path, mustExist)
	if err != nil {
		log.Error("reload failed", "err", err)
		return
	}
	lv := slogLevel(s.LogLevel)
	if verbose && lv > slog.LevelInfo {
		lv = slog.LevelInfo
	}
	logs.level.Set(lv)
	logs.mu.Lock()
	logs.filters = s.LogFilters
	logs.mu.Unlock()
	log.Info("configuration reloaded")
}

func addNetworkListeners(srv *daemon.Server, s settings, layout daemon.Layout, activated map[string]net.Listener, log *slog.Logger) error {
	if s.ListenTCP {
		if s.AuthTCP == "sasl" {
			return errors.New(`listen_tcp: SASL authentication is not supported; set auth_tcp = "none" (or use TLS)`)
		}
		ln := activated["libvirtd-tcp"]
		if ln == nil {
			var err error
			if ln, err = net.Listen("tcp", net.JoinHostPort(s.ListenAddr, s.TCPPort)); err != nil {
				return err
			}
		}
		srv.AddListener(&daemon.Listener{Name: "tcp:" + ln.Addr().String(), Auth: authOf(s.AuthTCP)}, ln)
	}
	if s.ListenTLS {
		if s.AuthTLS == "sasl" {
			return errors.New(`listen_tls: SASL authentication is not supported; set auth_tls = "none"`)
		}
		tc, err := tlsConfig(layout)
		if err != nil {
			return err
		}
		ln := activated["libvirtd-tls"]
		if ln == nil {
			if ln, err = net.Listen("tcp", net.JoinHostPort(s.ListenAddr, s.TLSPort)); err != nil {
				return err
			}
		}
		srv.AddListener(&daemon.Listener{Name: "tls:" + ln.Addr().String(), Auth: authOf(s.AuthTLS)}, tls.NewListener(ln, tc))
	}
	_ = log
	return nil
}

// tlsConfig loads libvirt's x509 layout: the CA, the server certificate
// and key; clients must present a certificate the CA signed
// (tls_no_verify_certificate = 0).
func tlsConfig(layout daemon.Layout) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(layout.ServerCert(), layout.ServerKey())
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	caPEM, err := os.ReadFile(layout.CACert())
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("TLS: %s: no certificates", layout.CACert())
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}, nil
}
