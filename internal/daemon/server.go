// Package daemon is govirtd's RPC server: it listens on libvirt's sockets,
// frames packets, authenticates clients, answers keepalives, bounds the
// work each client may have in flight, and hands calls to the program that
// owns them (REMOTE, QEMU, LXC, ADMIN). What a procedure does lives in the
// programs; this package only moves packets.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/virt/virterr"
)

// Auth is how a listener authenticates clients.
type Auth int

const (
	// AuthNone trusts every client that can reach the socket.
	AuthNone Auth = iota
	// AuthPolkit trusts root and the daemon's own user at once; others
	// must call AUTH_POLKIT and pass the uid/gid policy.
	AuthPolkit
)

// Config holds the settings libvirtd.conf gives the RPC server.
type Config struct {
	MaxClients        int           // max_clients
	MaxClientRequests int           // max_client_requests
	KeepaliveInterval time.Duration // keepalive_interval; 0 disables
	KeepaliveCount    int           // keepalive_count
	// AllowedUIDs and AllowedGIDs may use a polkit-authenticated socket
	// besides root and the daemon's own user.
	AllowedUIDs []uint32
	AllowedGIDs []uint32
}

// DefaultConfig is libvirtd's defaults.
func DefaultConfig() Config {
	return Config{MaxClients: 5000, MaxClientRequests: 5, KeepaliveInterval: 5 * time.Second, KeepaliveCount: 5}
}

// Program serves the calls of one RPC program.
type Program interface {
	// Call handles one CALL packet and replies through c. It runs on its
	// own goroutine, or for a QuickProgram's quick procedures possibly on
	// the client's reading goroutine.
	Call(c *Client, p *message.Packet)
}

// QuickProgram is a Program some of whose procedures are quick: they
// never wait on anything slow (no I/O beyond the socket, no jobs, no
// other clients), so the daemon may run them on the client's reading
// goroutine when nothing else of that client is in flight.
type QuickProgram interface {
	Program
	Quick(c *Client, p *message.Packet) bool
}

// StreamHandler receives STREAM and STREAM_HOLE packets from clients.
type StreamHandler interface {
	StreamPacket(c *Client, p *message.Packet)
}

// Listener is one socket the server accepts clients on.
type Listener struct {
	Name     string // for logs: "libvirt-sock", "libvirt-sock-ro", "tcp:…"
	ReadOnly bool
	Auth     Auth
	ln       net.Listener
}

// Server accepts clients and routes their packets.
type Server struct {
	cfg      Config
	log      *slog.Logger
	ctx      context.Context
	cancel   context.CancelFunc
	programs map[uint32]Program
	streams  StreamHandler

	mu        sync.Mutex
	listeners []*Listener
	clients   map[uint64]*Client
	nextID    atomic.Uint64
	wg        sync.WaitGroup
}

// NewServer returns a server with the given programs (keyed by program number).
func NewServer(cfg Config, log *slog.Logger, programs map[uint32]Program, streams StreamHandler) *Server {
	if cfg.MaxClientRequests <= 0 {
		cfg.MaxClientRequests = 1
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{cfg: cfg, log: log, ctx: ctx, cancel: cancel, programs: programs, streams: streams, clients: map[uint64]*Client{}}
}

// ListenUnix creates a unix socket at path with the given mode, replacing a
// stale socket file left by a previous daemon.
func ListenUnix(path string, mode os.FileMode) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSocket != 0 {
		os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// AddListener serves clients from ln.
func (s *Server) AddListener(l *Listener, ln net.Listener) {
	l.ln = ln
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.wg.Add(1)
	go s.accept(l)
}

func (s *Server) accept(l *Listener) {
	defer s.wg.Done()
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("accept failed", "socket", l.Name, "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		if len(s.clients) >= s.cfg.MaxClients {
			s.mu.Unlock()
			s.log.Warn("too many clients, dropping connection", "max_clients", s.cfg.MaxClients)
			conn.Close()
			continue
		}
		c := newClient(s, l, conn, s.nextID.Add(1))
		s.clients[c.id] = c
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			c.serve()
		}()
	}
}

func (s *Server) removeClient(c *Client) {
	s.mu.Lock()
	delete(s.clients, c.id)
	s.mu.Unlock()
}

// NumClients is the number of connected clients.
func (s *Server) NumClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}

// Clients returns the connected clients (for broadcasting events).
func (s *Server) Clients() []*Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	return out
}

// Shutdown stops accepting, disconnects every client and waits for their
// work to end. Guests and other driver state are untouched.
func (s *Server) Shutdown() {
	s.mu.Lock()
	for _, l := range s.listeners {
		l.ln.Close()
	}
	for _, c := range s.clients {
		c.cancel()
		c.conn.Close()
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// IsDaemonUser reports whether uid is the user the daemon runs as.
func (s *Server) IsDaemonUser(uid uint32) bool { return uid == uint32(os.Geteuid()) }

// TrustedByPolicy reports whether a polkit-authenticated socket lets the
// peer in: root, the daemon's own user, or a configured uid or gid.
func (s *Server) TrustedByPolicy(p Peer) bool {
	if !p.Known {
		return false
	}
	if p.UID == 0 || p.UID == uint32(os.Geteuid()) {
		return true
	}
	for _, u := range s.cfg.AllowedUIDs {
		if u == p.UID {
			return true
		}
	}
	for _, g := range s.cfg.AllowedGIDs {
		if g == p.GID {
			return true
		}
	}
	return false
}

// rpcError is a protocol-level failure as libvirtd reports it
// (VIR_ERR_RPC from VIR_FROM_RPC, the message as the detail).
func rpcError(format string, args ...any) *virterr.Error {
	e := virterr.NewFrom(virterr.FromRPC, virterr.RPC, format, args...)
	e.Str1 = "%s"
	return e
}

// RPCError is rpcError for programs.
func RPCError(format string, args ...any) *virterr.Error { return rpcError(format, args...) }

func internalError(format string, args ...any) *virterr.Error {
	return virterr.NewFrom(virterr.FromRPC, virterr.InternalError, format, args...)
}

// UnknownProcedure is the error clients turn into VIR_ERR_NO_SUPPORT.
func UnknownProcedure(proc int32) *virterr.Error {
	return rpcError("unknown procedure: %s", fmt.Sprint(proc))
}
