package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/virtconf"
)

// settings are the libvirtd.conf keys govirtd honours, with libvirtd's
// defaults.
type settings struct {
	ListenTCP, ListenTLS bool
	TCPPort, TLSPort     string
	ListenAddr           string

	UnixSockGroup      string
	UnixSockROPerms    string
	UnixSockRWPerms    string
	UnixSockAdminPerms string

	AuthUnixRO, AuthUnixRW, AuthTCP, AuthTLS string

	MaxClients        int64
	MaxClientRequests int64
	KeepaliveInterval int64
	KeepaliveCount    int64

	LogLevel   int64
	LogFilters string
	LogOutputs string
}

func defaultSettings() settings {
	return settings{
		ListenTLS: true, TCPPort: "16509", TLSPort: "16514",
		UnixSockROPerms: "0777", UnixSockAdminPerms: "0700",
		AuthUnixRO: "none", AuthUnixRW: "polkit", AuthTCP: "sasl", AuthTLS: "none",
		MaxClients: 5000, MaxClientRequests: 5, KeepaliveInterval: 5, KeepaliveCount: 5,
		LogLevel: 3,
	}
}

// loadSettings reads path (libvirtd.conf syntax); a missing file at the
// default location means the defaults, as for libvirtd.
func loadSettings(path string, mustExist bool) (settings, error) {
	s := defaultSettings()
	if path == "" {
		return s.finish(), nil
	}
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) && !mustExist {
			return s.finish(), nil
		}
		return s, err
	}
	conf, err := virtconf.ReadFile(path)
	if err != nil {
		return s, err
	}
	bools := map[string]*bool{"listen_tcp": &s.ListenTCP, "listen_tls": &s.ListenTLS}
	for k, dst := range bools {
		var v int64 = -1
		if err := conf.GetInt(k, &v); err != nil {
			return s, err
		}
		if v >= 0 {
			*dst = v != 0
		}
	}
	strs := map[string]*string{
		"tcp_port": &s.TCPPort, "tls_port": &s.TLSPort, "listen_addr": &s.ListenAddr,
		"unix_sock_group": &s.UnixSockGroup, "unix_sock_ro_perms": &s.UnixSockROPerms,
		"unix_sock_rw_perms": &s.UnixSockRWPerms, "unix_sock_admin_perms": &s.UnixSockAdminPerms,
		"auth_unix_ro": &s.AuthUnixRO, "auth_unix_rw": &s.AuthUnixRW, "auth_tcp": &s.AuthTCP, "auth_tls": &s.AuthTLS,
		"log_filters": &s.LogFilters, "log_outputs": &s.LogOutputs,
	}
	for k, dst := range strs {
		if err := conf.GetString(k, dst); err != nil {
			return s, err
		}
	}
	ints := map[string]*int64{
		"max_clients": &s.MaxClients, "max_client_requests": &s.MaxClientRequests,
		"keepalive_interval": &s.KeepaliveInterval, "keepalive_count": &s.KeepaliveCount,
		"log_level": &s.LogLevel,
	}
	for k, dst := range ints {
		if err := conf.GetInt(k, dst); err != nil {
			return s, err
		}
	}
	for _, a := range []struct{ key, v string }{{"auth_unix_ro", s.AuthUnixRO}, {"auth_unix_rw", s.AuthUnixRW}, {"auth_tcp", s.AuthTCP}, {"auth_tls", s.AuthTLS}} {
		switch a.v {
		case "none", "polkit", "sasl":
		default:
			return s, fmt.Errorf("%s: %s: unknown authentication type %q", path, a.key, a.v)
		}
	}
	return s.finish(), nil
}

// finish applies libvirtd's derived default: a polkit-guarded rw socket is
// world-connectable, polkit decides.
func (s settings) finish() settings {
	if s.UnixSockRWPerms == "" {
		if s.AuthUnixRW == "polkit" {
			s.UnixSockRWPerms = "0777"
		} else {
			s.UnixSockRWPerms = "0700"
		}
	}
	return s
}

func parsePerms(key, v string) (os.FileMode, error) {
	n, err := strconv.ParseUint(v, 8, 32)
	if err != nil || n > 0o777 {
		return 0, fmt.Errorf("%s: invalid permissions %q", key, v)
	}
	return os.FileMode(n), nil
}

// serverConfig is the RPC server's share of the settings.
func (s settings) serverConfig() (daemon.Config, error) {
	cfg := daemon.DefaultConfig()
	cfg.MaxClients = int(s.MaxClients)
	cfg.MaxClientRequests = int(s.MaxClientRequests)
	cfg.KeepaliveInterval = time.Duration(s.KeepaliveInterval) * time.Second
	if s.KeepaliveInterval < 0 {
		cfg.KeepaliveInterval = 0
	}
	cfg.KeepaliveCount = int(s.KeepaliveCount)
	if s.UnixSockGroup != "" {
		gid, err := lookupGroup(s.UnixSockGroup)
		if err != nil {
			return cfg, err
		}
		// Members of the socket's group pass the polkit stand-in.
		cfg.AllowedGIDs = append(cfg.AllowedGIDs, gid)
	}
	return cfg, nil
}

func lookupGroup(name string) (uint32, error) {
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		return uint32(n), nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("unix_sock_group: %w", err)
	}
	n, err := strconv.ParseUint(g.Gid, 10, 32)
	return uint32(n), err
}

func authOf(v string) daemon.Auth {
	if v == "polkit" {
		return daemon.AuthPolkit
	}
	return daemon.AuthNone
}

// slogLevel maps libvirt's log_level (1 debug … 4 error).
func slogLevel(level int64) slog.Level {
	switch {
	case level <= 1:
		return slog.LevelDebug
	case level == 2:
		return slog.LevelInfo
	case level == 3:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// logFile picks the first file output of log_outputs ("3:file:/path"), if
// any; everything else logs to stderr.
func logFile(outputs string) (level int64, path string) {
	for _, o := range strings.Fields(outputs) {
		parts := strings.SplitN(o, ":", 3)
		if len(parts) == 3 && parts[1] == "file" {
			l, _ := strconv.ParseInt(parts[0], 10, 64)
			return l, parts[2]
		}
	}
	return 0, ""
}
