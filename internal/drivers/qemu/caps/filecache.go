package caps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"
)

// probeTimeout bounds one QEMU probe process.
const probeTimeout = 30 * time.Second

// Host is what the cache records about the machine it probed on; a
// cached entry probed elsewhere (other microcode, kernel, KVM) is probed
// again, as in libvirt's virQEMUCapsIsValid.
type Host struct {
	MicrocodeVersion uint
	KernelVersion    string
	KVMUsable        bool
	KVMNesting       bool
}

// ProbeHost reads the host facts the cache depends on.
func ProbeHost() Host {
	h := Host{}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && strings.TrimSpace(k) == "microcode" {
				if n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(v), "0x"), 16, 32); err == nil {
					h.MicrocodeVersion = uint(n)
				}
				break
			}
		}
	}
	var uts syscall.Utsname
	if syscall.Uname(&uts) == nil {
		h.KernelVersion = utsString(uts.Release[:]) + " " + utsString(uts.Version[:])
	}
	h.KVMUsable = syscall.Access("/dev/kvm", 6) == nil
	for _, mod := range []string{"kvm_intel", "kvm_amd", "kvm_hv", "kvm"} {
		v, err := os.ReadFile("/sys/module/" + mod + "/parameters/nested")
		if err != nil {
			continue
		}
		if len(v) > 0 && (v[0] == 'Y' || v[0] == 'y' || v[0] == '1') {
			h.KVMNesting = true
			break
		}
	}
	return h
}

func utsString(b []int8) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}

// Identity is what the cache keys a binary on.
type Identity struct {
	Path  string
	Size  int64
	Mtime time.Time
	Ctime int64
	// Changed is the full-resolution ctime: the cache file must be newer.
	Changed time.Time
}

// Stat returns the identity of the binary at path.
func Stat(path string) (Identity, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Identity{}, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Cannot check QEMU binary %s: %v", path, err)
	}
	id := Identity{Path: path, Size: fi.Size(), Mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.Ctime = st.Ctim.Sec
		id.Changed = time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
	}
	return id, nil
}

// ProbeBinary starts the QEMU binary (twice when it has an accelerator:
// the second time with TCG only) through runner and probes it.
func ProbeBinary(ctx context.Context, runner cmdrun.Runner, binary string) (*Caps, error) {
	id, err := Stat(binary)
	if err != nil {
		return nil, err
	}
	c := New(binary)
	c.Ctime = id.Ctime
	if err := probeProcess(ctx, runner, binary, false, func(mon Monitor) error {
		return ProbeMonitor(ctx, c, mon)
	}); err != nil {
		return nil, err
	}
	if c.HaveAccel() && c.Has(TCG) {
		if err := probeProcess(ctx, runner, binary, true, func(mon Monitor) error {
			return ProbeMonitorTCG(ctx, c, mon)
		}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// probeProcess runs QEMU with its monitor on one end of a socket pair
// (fd 3) and hands the connection to probe.
func probeProcess(ctx context.Context, runner cmdrun.Runner, binary string, onlyTCG bool, probe func(Monitor) error) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	local := os.NewFile(uintptr(fds[0]), "qmp-local")
	remote := os.NewFile(uintptr(fds[1]), "qmp-remote")
	defer local.Close()
	accel := "kvm:tcg"
	if onlyTCG {
		accel = "tcg"
	}
	cmd := cmdrun.New(binary,
		"-S", "-no-user-config", "-nodefaults", "-nographic",
		"-machine", "none,accel="+accel,
		"-chardev", "socket,id=qmp,fd=3",
		"-mon", "chardev=qmp,mode=control")
	cmd.ExtraFiles = []*os.File{remote}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	proc, err := runner.Start(ctx, cmd)
	remote.Close()
	if err != nil {
		return err
	}
	defer func() {
		select {
		case <-proc.Done():
		case <-time.After(2 * time.Second):
			proc.Signal(syscall.SIGKILL)
			proc.Wait()
		}
	}()
	nc, err := net.FileConn(local)
	if err != nil {
		proc.Signal(syscall.SIGKILL)
		return err
	}
	conn, err := qmp.New(ctx, nc, qmp.Options{IDPrefix: "libvirt-"})
	if err != nil {
		proc.Signal(syscall.SIGKILL)
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Failed to probe capabilities for %s: %v %s", binary, err, strings.TrimSpace(stderr.String()))
	}
	defer conn.Close()
	if err := probe(conn); err != nil {
		proc.Signal(syscall.SIGKILL)
		return err
	}
	if _, err := conn.Execute(ctx, "quit", nil); err != nil && !qmp.IsEOF(err) {
		proc.Signal(syscall.SIGKILL)
	}
	return nil
}

// Cache keeps probed capabilities per binary in memory and as <qemuCaps>
// files in Dir, probing a binary again only when it changed (size, mtime
// or ctime), when the daemon changed (SelfCtime/SelfVersion), or when the
// host's KVM, microcode or kernel differ from when it was probed.
type Cache struct {
	Dir         string
	Runner      cmdrun.Runner
	Host        Host
	SelfCtime   int64
	SelfVersion uint

	mu      sync.Mutex
	entries map[string]cacheEntry
	// Probes counts actual QEMU probes (tests check cache hits).
	Probes int
}

type cacheEntry struct {
	id   Identity
	caps *Caps
}

// NewCache returns a cache storing files in dir.
func NewCache(dir string, runner cmdrun.Runner) *Cache {
	return &Cache{Dir: dir, Runner: runner, Host: ProbeHost(), entries: map[string]cacheEntry{}}
}

func (k *Cache) file(binary string) string {
	sum := sha256.Sum256([]byte(binary))
	return filepath.Join(k.Dir, hex.EncodeToString(sum[:])+".xml")
}

func (k *Cache) valid(c *Caps, id Identity) bool {
	if c.Binary != id.Path || c.Ctime != id.Ctime {
		return false
	}
	if c.SelfCtime != k.SelfCtime || c.SelfVersion != k.SelfVersion {
		return false
	}
	if c.Has(KVM) != k.Host.KVMUsable && isNativeArch(c.Arch) {
		return false
	}
	if c.HaveAccel() {
		if c.MicrocodeVersion != k.Host.MicrocodeVersion || c.KernelVersion != k.Host.KernelVersion {
			return false
		}
	}
	if c.Has(KVM) && c.KVMSupportsNesting != k.Host.KVMNesting {
		return false
	}
	return true
}

func isNativeArch(arch string) bool {
	var uts syscall.Utsname
	if syscall.Uname(&uts) != nil {
		return true
	}
	m := utsString(uts.Machine[:])
	return m == arch || (m == "x86_64" && arch == "i686")
}

// Lookup returns the capabilities of binary, from memory, from the cache
// file, or by probing it (and saving the result). The result is shared:
// callers that modify it take a Copy.
func (k *Cache) Lookup(ctx context.Context, binary string) (*Caps, error) {
	id, err := Stat(binary)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.entries == nil {
		k.entries = map[string]cacheEntry{}
	}
	if e, ok := k.entries[binary]; ok && e.id.Size == id.Size && e.id.Mtime.Equal(id.Mtime) && k.valid(e.caps, id) {
		return e.caps, nil
	}
	// <qemuCaps> keeps the ctime in seconds only; a binary changed within
	// the second it was probed in is caught by the cache file being older.
	if fi, err := os.Stat(k.file(binary)); err == nil && !fi.ModTime().Before(id.Changed) && !fi.ModTime().Before(id.Mtime) {
		data, _ := os.ReadFile(k.file(binary))
		if c, err := Parse(data); err == nil && k.valid(c, id) {
			k.entries[binary] = cacheEntry{id: id, caps: c}
			return c, nil
		}
	}
	c, err := ProbeBinary(ctx, k.Runner, binary)
	if err != nil {
		return nil, err
	}
	k.Probes++
	c.Ctime = id.Ctime
	c.SelfCtime, c.SelfVersion = k.SelfCtime, k.SelfVersion
	if c.HaveAccel() {
		c.MicrocodeVersion = k.Host.MicrocodeVersion
		c.KernelVersion = k.Host.KernelVersion
	}
	if c.Has(KVM) {
		c.KVMSupportsNesting = k.Host.KVMNesting
	}
	k.entries[binary] = cacheEntry{id: id, caps: c}
	if k.Dir != "" {
		if err := k.save(binary, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// save writes the cache file atomically.
func (k *Cache) save(binary string, c *Caps) error {
	if err := os.MkdirAll(k.Dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(k.Dir, ".caps-*")
	if err != nil {
		return err
	}
	_, werr := tmp.WriteString(c.Format())
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return errors.Join(werr, cerr)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), k.file(binary)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("saving capabilities of %s: %w", binary, err)
	}
	return nil
}
