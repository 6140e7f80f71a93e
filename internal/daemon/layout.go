package daemon

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Layout is where a daemon keeps its sockets, configuration, state and
// logs. System paths by default (so existing clients find the sockets); with
// a root, everything moves under it, so isolated daemons run side by side.
type Layout struct {
	Root string // "" for the system layout
	// PidPath overrides where the pid file (and its lock) goes.
	PidPath string
}

func (l Layout) path(parts ...string) string {
	return filepath.Join(append([]string{"/", l.Root}, parts...)...)
}

// RunDir is run/libvirt, where sockets and live state go.
func (l Layout) RunDir() string { return l.path("run", "libvirt") }

// Socket paths, named as libvirtd names them.
func (l Layout) SocketRW() string    { return filepath.Join(l.RunDir(), "libvirt-sock") }
func (l Layout) SocketRO() string    { return filepath.Join(l.RunDir(), "libvirt-sock-ro") }
func (l Layout) SocketAdmin() string { return filepath.Join(l.RunDir(), "libvirt-admin-sock") }

// PidFile holds the daemon's pid and its lock.
func (l Layout) PidFile() string {
	if l.PidPath != "" {
		return l.PidPath
	}
	return l.path("run", "govirtd.pid")
}

// ConfigFile is the daemon's configuration, in libvirtd.conf syntax.
func (l Layout) ConfigFile() string { return l.path("etc", "libvirt", "libvirtd.conf") }

// ConfigDir holds persistent object definitions (etc/libvirt/<driver>/…).
func (l Layout) ConfigDir() string { return l.path("etc", "libvirt") }

// StateDir holds persistent driver data (var/lib/libvirt).
func (l Layout) StateDir() string { return l.path("var", "lib", "libvirt") }

// LogDir holds logs (var/log/libvirt).
func (l Layout) LogDir() string { return l.path("var", "log", "libvirt") }

// PKI paths for TLS, as libvirt lays them out.
func (l Layout) CACert() string     { return l.path("etc", "pki", "CA", "cacert.pem") }
func (l Layout) ServerCert() string { return l.path("etc", "pki", "libvirt", "servercert.pem") }
func (l Layout) ServerKey() string {
	return l.path("etc", "pki", "libvirt", "private", "serverkey.pem")
}

// ErrLocked means another daemon already runs on this root.
var ErrLocked = errors.New("another daemon is running on this root")

// Lock takes the pid file's lock for the daemon's lifetime, so two daemons
// never share one root, and writes the pid into it. The returned file must
// stay open; closing it releases the lock.
func (l Layout) Lock() (*os.File, error) {
	path := l.PidFile()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		return nil, err
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ActivatedListeners returns the sockets systemd passed (LISTEN_FDS), keyed
// by their file descriptor names (LISTEN_FDNAMES) or, without names, by
// position: libvirt-sock, libvirt-sock-ro, libvirt-admin-sock. It returns
// nil when the daemon was not socket-activated.
func ActivatedListeners() (map[string]net.Listener, error) {
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return nil, nil
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n <= 0 {
		return nil, nil
	}
	names := strings.Split(os.Getenv("LISTEN_FDNAMES"), ":")
	positional := []string{"libvirt-sock", "libvirt-sock-ro", "libvirt-admin-sock"}
	out := map[string]net.Listener{}
	for i := 0; i < n; i++ {
		fd := 3 + i
		syscall.CloseOnExec(fd)
		name := ""
		if i < len(names) && names[i] != "" {
			name = strings.TrimSuffix(names[i], ".socket")
		} else if i < len(positional) {
			name = positional[i]
		}
		f := os.NewFile(uintptr(fd), name)
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("socket activation: fd %d: %w", fd, err)
		}
		out[name] = ln
	}
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	return out, nil
}
