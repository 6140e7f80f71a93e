package qemu

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/command"
	"github.com/govirt/govirt/internal/drivers/qemu/domaindefaults"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"
	"golang.org/x/sys/unix"
)

// monitorTimeout bounds how long QEMU may take to answer its greeting.
var monitorTimeout = 30 * time.Second

// qemuProcess is a running QEMU and its monitor.
type qemuProcess struct {
	d *Driver
	o *domainObj

	pid     int
	child   cmdrun.Process // nil when reconnected after a daemon restart
	mon     *qmp.Conn
	monPath string
	libDir  string
	// channelDir is where unix channels without a path get their
	// sockets (the status file's channelTargetDir).
	channelDir string
	caps       *caps.Caps
	vcpus      []int // vcpu thread ids
	logPath    string

	mu         sync.Mutex
	stopping   bool  // the driver is stopping it
	stopReason int32 // shutoff reason when stopping
	stopDetail int32 // STOPPED event detail when stopping
	shutdown   bool  // SHUTDOWN event seen
	fakeReboot bool  // reboot by ACPI: reset instead of stopping at SHUTDOWN
	detached   bool  // the driver forgot the process (it keeps running)
	// removed wakes detach waits: alias → channel closed on DEVICE_DELETED.
	removed map[string]chan struct{}
	// nics is the host side of the guest's interfaces (ports, taps,
	// filter bindings), undone when QEMU has gone.
	nics []*hostNIC
	// job is the async job running on the domain (save), for job info
	// and abort.
	job *asyncJob
	// origCPU is the guest CPU as the definition asked for it when QEMU
	// changed it at start (priv->origCPU), kept in the status file.
	origCPU *cpumap.CPU

	exited chan struct{} // closed once the stop has been fully handled

	// chardevOpen is query-chardev's frontend-open by chardev label, read
	// at start for the virtio channels' state.
	chardevOpen map[string]bool
	// taints are the taint flags passthrough calls set, in order
	// (libvirt's vm->taint bits); under mu.
	taints []string
	// spawnedOnAllCPUs says QEMU was forked with every online CPU in its
	// mask, so its threads start with the mask libvirt gives unpinned
	// threads.
	spawnedOnAllCPUs bool
	// portChanges are the virtio port changes not handled yet, in QEMU's
	// order; portWorker says a goroutine is handling them (under mu).
	portChanges []portChange
	portWorker  bool
}

// startOptions shape one start.
type startOptions struct {
	paused      bool
	autodestroy *conn
	// incoming is a saved state file to restore from; def, when set, is
	// the definition saved with it, which the restored QEMU must match.
	incoming string
	def      *domain.Def
	// updatedCPU is the guest CPU a restored guest ran with (the save
	// image cookie's), which it starts with again (qemuDomainUpdateCPU).
	updatedCPU   *cpumap.CPU
	runReason    int32
	startDetail  int32
	pausedReason int32
	// suspendedDetail, when set, is the detail of the SUSPENDED event
	// after STARTED for a paused start (nil: paused, as for
	// virDomainCreate); negative, none is sent: a snapshot revert reports
	// the pause or the resume itself once the snapshot is loaded.
	suspendedDetail *int32
	// fromSnapshot is a start that loads a snapshot's memory: like a
	// restore, not a cold boot (qemuProcessStart's START_COLD).
	fromSnapshot bool
}

// start launches QEMU for o (qemuProcessStart). The caller holds the job
// and has checked that o is inactive.
func (d *Driver) start(ctx context.Context, o *domainObj, opts startOptions) (err error) {
	o.mu.Lock()
	src := o.inactiveDef()
	if opts.def != nil {
		src = opts.def
	}
	def, cerr := copyDef(src)
	o.mu.Unlock()
	if cerr != nil {
		return cerr
	}
	// libvirt starts from a copy parsed as inactive (virDomainDefCopy),
	// whose post-parse makes path-less unix chardevs listen; this copy
	// is parsed as status, which keeps no such mode for them.
	domaindefaults.ListenOnGeneratedPaths(def)
	if opts.runReason == 0 {
		opts.runReason, opts.startDetail = runningBooted, detStartedBooted
	}
	d.mu.Lock()
	id := d.nextID
	d.nextID++
	d.mu.Unlock()
	def.ID = int(id)

	p := &qemuProcess{d: d, o: o, exited: make(chan struct{}), removed: map[string]chan struct{}{}}
	var r reverter
	defer func() {
		if err != nil {
			r.rollback()
		}
	}()

	var qc *caps.Caps
	if err := r.step("capabilities", func() error {
		bin := d.Emulator
		if def.Devices != nil && def.Devices.Emulator != "" {
			bin = def.Devices.Emulator
		}
		var e error
		qc, e = d.caps.Lookup(ctx, bin)
		if e != nil {
			return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Failed to probe capabilities for %s: %v", bin, e)
		}
		p.caps = qc
		return nil
	}, nil); err != nil {
		return err
	}
	// Addresses and aliases come first, as qemuProcessPrepareDomain
	// assigns them before the storage is prepared: the disk-change
	// events of disks dropped below name their aliases.
	if err := r.step("device-names", func() error { return command.PrepareDevices(def, qc) }, nil); err != nil {
		return err
	}
	if err := r.step("disk-chains", func() error { return d.prepareDiskChains(def, opts.incoming == "" && !opts.fromSnapshot) }, nil); err != nil {
		return err
	}
	// A restore starts from the CPU the guest ran with; the one its
	// definition asks for is then the original (qemuDomainUpdateCPU).
	restoredOrig := useUpdatedCPU(def, opts.updatedCPU, qc)
	if err := r.step("guest-cpu", func() error {
		return updateGuestCPU(def, qc, hostArch(), probedHostCPU(), opts.incoming == "")
	}, nil); err != nil {
		return err
	}
	p.libDir = d.paths.DomainLibDir(int(id), def.Name)
	p.monPath = filepath.Join(p.libDir, "monitor.sock")
	p.logPath = d.paths.LogFile(def.Name)
	if err := r.step("private-dir", func() error {
		if err := freshDir(p.libDir); err != nil {
			return err
		}
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(p.libDir, "master-key.aes"), key, 0o600)
	}, func() { os.RemoveAll(p.libDir) }); err != nil {
		return err
	}
	p.channelDir = filepath.Join(d.paths.ChannelDir, "domain-"+command.DomainShortName(int(id), def.Name))
	if err := r.step("channel-dir", func() error {
		// qemuProcessPrepareHost makes it: QEMU creates the sockets.
		return mkdirOnce(p.channelDir)
	}, func() { os.RemoveAll(p.channelDir) }); err != nil {
		return err
	}
	var listener *net.UnixListener
	var listenFile *os.File
	if err := r.step("monitor-socket", func() error {
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: p.monPath, Net: "unix"})
		if err != nil {
			return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to bind socket to '%s': %v", p.monPath, err)
		}
		l.SetUnlinkOnClose(false)
		listener = l
		listenFile, err = l.File()
		return err
	}, func() {
		if listener != nil {
			listener.Close()
		}
		if listenFile != nil {
			listenFile.Close()
		}
		os.Remove(p.monPath)
	}); err != nil {
		return err
	}
	nics := &nicSet{nics: map[*domain.Device]*hostNIC{}}
	if err := r.step("interfaces", func() error {
		var e error
		p.nics, e = d.connectNICs(ctx, def, nics)
		return e
	}, func() {
		d.disconnectNICs(context.Background(), p.nics)
		p.nics = nil
	}); err != nil {
		return err
	}
	var cmd *command.Command
	if err := r.step("command-line", func() error {
		var e error
		cmd, e = d.buildCommand(def, qc, p, nics, opts.incoming != "")
		return e
	}, nil); err != nil {
		return err
	}
	var logf *os.File
	if err := r.step("log", func() error {
		var e error
		logf, e = os.OpenFile(p.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if e != nil {
			return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "failed to create logfile %s: %v", p.logPath, e)
		}
		_, e = logf.WriteString(logHeader(qc) + cmd.String() + "\n")
		return e
	}, func() { logf.Close() }); err != nil {
		return err
	}
	// QEMU starts on the CPUs the definition gives it, from its first
	// instruction (libvirt sets them between fork and exec).
	var spawnCPUs *unix.CPUSet
	if err := r.step("affinity", func() error {
		var e error
		spawnCPUs, e = spawnAffinity(def, hostCPUCount)
		return e
	}, nil); err != nil {
		return err
	}
	// The pid file is written while QEMU initialises, off the start's
	// critical path; pidDone is closed once it is (pidErr says how).
	pidDone := make(chan struct{})
	var pidErr error
	if err := r.step("spawn", func() error {
		c := cmd.Cmd()
		c.ExtraFiles = append([]*os.File{listenFile}, nics.files...)
		c.Stdout, c.Stderr = logf, logf
		var proc cmdrun.Process
		var startErr error
		e := startPinned(spawnCPUs, func() error {
			proc, startErr = d.runner.Start(ctx, c)
			return startErr
		})
		if e != nil {
			close(pidDone)
			if startErr == nil {
				return e // the CPUs could not be given
			}
			return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "failed to start QEMU: %v", startErr)
		}
		p.child, p.pid = proc, proc.Pid()
		p.spawnedOnAllCPUs = spawnCPUs == nil && !daemonConfined()
		go func() {
			// Like virPidFileWrite: a plain write, the pid is worthless
			// after a host crash anyway.
			pidErr = os.WriteFile(d.paths.PidFile(def.Name), []byte(itoa(p.pid)+"\n"), 0o644)
			close(pidDone)
		}()
		return nil
	}, func() {
		p.kill(true)
		<-pidDone
		os.Remove(d.paths.PidFile(def.Name))
	}); err != nil {
		return err
	}
	// QEMU holds its own copy of the listening socket now; dropping ours
	// makes a dead QEMU show up as a refused or closed connection.
	listenFile.Close()
	listenFile = nil
	listener.Close()
	listener = nil
	for _, h := range p.nics {
		h.closeFiles()
	}

	if err := r.step("monitor", func() error {
		mctx, cancel := context.WithTimeout(ctx, monitorTimeout)
		defer cancel()
		go func() {
			select {
			case <-p.child.Done():
				cancel()
			case <-mctx.Done():
			}
		}()
		// Negotiation rides with the runtime queries and cont that follow.
		mon, e := qmp.Dial(mctx, p.monPath, qmp.Options{OnEvent: p.handleEvent, EagerNegotiation: true})
		if e != nil {
			return p.startFailure(e)
		}
		p.mon = mon
		return nil
	}, func() {
		if p.mon != nil {
			p.mon.Close()
		}
	}); err != nil {
		return err
	}
	var cpuEnabled, cpuDisabled cpumap.X86Data
	if err := r.step("runtime-state", func() error {
		var e error
		cpuEnabled, cpuDisabled, e = p.queryRuntime(ctx, def, opts.incoming == "")
		return e
	}, nil); err != nil {
		return p.startFailure(err)
	}
	if err := r.step("guest-cpu-live", func() error {
		if err := verifyGuestCPU(def, cpuEnabled); err != nil {
			return err
		}
		orig, err := updateLiveGuestCPU(def, cpuEnabled, cpuDisabled)
		p.origCPU = orig
		if restoredOrig != nil {
			p.origCPU = restoredOrig
		}
		return err
	}, nil); err != nil {
		return err
	}
	// The vCPU threads are known now: each goes to its CPUs before the
	// guest runs (qemuProcessSetupEmulator, qemuProcessSetupVcpus).
	if err := r.step("pin-threads", func() error { return p.pinThreads(def) }, nil); err != nil {
		return err
	}
	if opts.incoming != "" {
		if err := r.step("incoming", func() error { return p.migrateIncoming(ctx, opts.incoming) }, nil); err != nil {
			return err
		}
	}

	if err := r.step("pid-file", func() error {
		<-pidDone
		return pidErr
	}, nil); err != nil {
		return err
	}

	// The virtio channels take the state the guest left them in, and
	// the agent's announces it (qemuProcessRefreshChannelVirtioState).
	if err := r.step("channel-states", func() error {
		ref := o.refLocked()
		ref.ID = int32(id)
		p.refreshChannelStates(ref, def, p.chardevOpen, true)
		return nil
	}, nil); err != nil {
		return err
	}
	// Published as running before cont: QEMU's RESUME event then finds
	// nothing to change.
	if err := r.step("publish", func() error {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.live, o.proc, o.id = def, p, id
		if opts.paused {
			reason := opts.pausedReason
			if reason == 0 {
				reason = pausedUser
			}
			o.setState(statePaused, reason)
		} else {
			o.setState(stateRunning, opts.runReason)
		}
		return nil
	}, func() {
		o.mu.Lock()
		o.live, o.proc, o.id = nil, nil, -1
		o.setState(stateShutoff, shutoffFailed)
		o.mu.Unlock()
		// Published, p may have had waiters (the agent's link, passthrough
		// ids); the watcher that would close it never started.
		close(p.exited)
	}); err != nil {
		return err
	}
	removeStatus := func() {
		o.statusMu.Lock()
		os.Remove(d.paths.StatusFile(def.Name))
		o.statusMu.Unlock()
	}
	if err := r.step("status", func() error { return d.writeStatus(o) }, removeStatus); err != nil {
		removeStatus()
		return err
	}
	// cont comes last, after the status file is safe: a guest without a
	// bootable disk spins a CPU from the moment it runs, so resuming it
	// any earlier would take CPU from the daemon's remaining work and
	// from the other guests still starting.
	if !opts.paused {
		if err := r.step("cont", func() error {
			_, e := p.mon.Execute(ctx, "cont", nil)
			return e
		}, nil); err != nil {
			return p.startFailure(err)
		}
	}
	r.commit()
	go p.watch()
	if opts.autodestroy != nil {
		c := opts.autodestroy
		c.onClose(func() { d.autodestroy(o, p) })
	}
	ref := o.refLocked()
	if !opts.paused && opts.runReason == runningBooted {
		// libvirtd 9.0 marks a booting domain "paused (starting up)"
		// until cont, and its handler of QEMU's RESUME reports the
		// change before the start itself is reported.
		d.emit(ref, evResumed, detResumedUnpaused)
	}
	d.emit(ref, evStarted, opts.startDetail)
	if !opts.paused && opts.runReason == runningRestored {
		// A restore starts paused and is resumed after being reported
		// (qemuSaveImageStartVM); the RESUME handler's detail for the
		// "restored" reason is "from snapshot".
		d.emit(ref, evResumed, detResumedFromSnapshot)
	}
	if detail := detSuspendedPaused; opts.paused {
		if opts.suspendedDetail != nil {
			detail = *opts.suspendedDetail
		}
		if detail >= 0 {
			d.emit(ref, evSuspended, detail)
		}
	}
	return nil
}

// freshDir makes dir empty and new: a left-over one (from a daemon that
// died before cleaning up) is removed first. The usual case, no such
// directory below an existing parent, costs one system call.
func freshDir(dir string) error {
	err := os.Mkdir(dir, 0o750)
	if errors.Is(err, fs.ErrExist) {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		err = os.Mkdir(dir, 0o750)
	}
	if errors.Is(err, fs.ErrNotExist) {
		err = os.MkdirAll(dir, 0o750)
	}
	return err
}

// mkdirOnce is os.MkdirAll trying the one call that usually suffices
// first.
func mkdirOnce(dir string) error {
	if os.Mkdir(dir, 0o750) == nil {
		return nil
	}
	return os.MkdirAll(dir, 0o750)
}

func (o *domainObj) refLocked() driver.DomainRef {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ref()
}

// startFailure words a failed start as libvirt does, with QEMU's last
// words from the log when it died.
func (p *qemuProcess) startFailure(cause error) error {
	dead := false
	if p.child != nil {
		select {
		case <-p.child.Done():
			dead = true
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !dead && !qmp.IsEOF(cause) && !errors.Is(cause, context.Canceled) {
		var de *qmp.DisconnectError
		if !errors.As(cause, &de) && !errors.Is(cause, syscall.ECONNREFUSED) {
			return cause
		}
	}
	msg := lastLogError(p.logPath)
	if msg == "" {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "QEMU unexpectedly closed the monitor")
	}
	return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "qemu unexpectedly closed the monitor: %s", msg)
}

// lastLogError returns what QEMU printed after the command line in its
// log, as libvirt quotes it in start errors.
func lastLogError(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := string(data)
	if i := strings.LastIndex(s, "starting up libvirt version"); i >= 0 {
		s = s[i:]
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	var out []string
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if strings.HasSuffix(l, " \\") || strings.Contains(l, "starting up libvirt") || !strings.Contains(l, "qemu") && len(out) > 0 {
			break
		}
		out = append([]string{l}, out...)
	}
	return strings.Join(out, "\n")
}

// logHeader is the first line libvirt writes to a domain log at start.
func logHeader(qc *caps.Caps) string {
	host, _ := os.Hostname()
	var uts syscall.Utsname
	kernel := ""
	if syscall.Uname(&uts) == nil {
		b := make([]byte, 0, len(uts.Release))
		for _, c := range uts.Release {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		kernel = string(b)
	}
	ver := ""
	if qc != nil {
		ver = qc.VersionString()
		if qc.Package != "" {
			ver += qc.Package
		}
	}
	return fmt.Sprintf("%s: starting up libvirt version: 9.0.0, package: govirt, qemu version: %s, kernel: %s, hostname: %s\n",
		logTime(time.Now()), ver, kernel, host)
}

func logTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000-0700") }

// buildCommand is the command line for a real start: real paths and the
// monitor's listening socket as fd 3. incoming is a restore (of a saved
// or managed-save image), which keeps the firmware the guest was started
// with instead of choosing one again.
func (d *Driver) buildCommand(def *domain.Def, qc *caps.Caps, p *qemuProcess, nics *nicSet, incoming bool) (*command.Command, error) {
	short := command.DomainShortName(def.ID, def.Name)
	next := 4
	ctx := &command.Context{
		Privileged:       d.privileged,
		PassEnv:          passEnv(),
		LibDir:           p.libDir,
		ChannelTargetDir: p.channelDir,
		MemoryBackingDir: filepath.Join(d.paths.LibDir, "ram", short),
		NVRAMDir:         filepath.Join(d.paths.LibDir, "nvram"),
		StateDir:         d.paths.StateDir,
		ConfigDir:        d.paths.ConfigDir,
		MonitorFD:        3,
		MonitorPath:      p.monPath,
		LogTimestamp:     true,
		SeccompSandbox:   -1,
		HostArch:         "x86_64",
		ShortName:        short,
		NextFD:           func() int { n := next; next++; return n },
		Incoming:         incoming,
		// the start named the devices and numbered the block nodes
		DevicesPrepared:  true,
		NodeIndexesGiven: true,
	}
	if incoming {
		// Restores feed QEMU the saved state with migrate-incoming
		// (qemuProcessIncomingDefNew's "defer"), where libvirt's
		// command line has -incoming.
		ctx.IncomingURI = "defer"
	}
	if nics != nil {
		nics.nextFD = ctx.NextFD
		ctx.HostFDs = nics
	}
	// qemu.conf's display defaults, and an automatic VNC port that is
	// really free (the builder numbers automatic ports from RemotePortMin).
	gcfg := &command.GraphicsConfig{VNCListen: "127.0.0.1", SpiceListen: "127.0.0.1", RemotePortMin: 5900, WebSocketPortMin: 5700}
	if needsAutoVNCPort(def) {
		gcfg.RemotePortMin = freeVNCPort(gcfg.VNCListen)
	}
	ctx.Graphics = gcfg
	cmd, err := command.Build(def, qc, ctx)
	if err != nil {
		releaseVNCPorts(def)
		return nil, err
	}
	return cmd, nil
}

// passEnv is virCommandAddEnvPassCommon's set.
func passEnv() []string {
	env := []string{"LC_ALL=C"}
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	env = append(env, "PATH="+path)
	for _, k := range []string{"USER", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// needsAutoVNCPort says whether def has a VNC display on a network
// listen whose port QEMU is to be given automatically.
func needsAutoVNCPort(def *domain.Def) bool {
	if def.Devices == nil {
		return false
	}
	for _, g := range def.Devices.Graphics() {
		if gr := g.Graphics(); gr != nil && gr.Type == "vnc" && (gr.AutoPort || gr.Port <= 0) {
			for _, l := range gr.Listens {
				if l.Type == "socket" || l.Type == "none" {
					return false
				}
			}
			return true
		}
	}
	return false
}

var vncPorts struct {
	mu   sync.Mutex
	used map[int]bool
}

func freeVNCPort(listen string) int {
	vncPorts.mu.Lock()
	defer vncPorts.mu.Unlock()
	if vncPorts.used == nil {
		vncPorts.used = map[int]bool{}
	}
	for port := 5900; port < 65535; port++ {
		if vncPorts.used[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(listen, itoa(port)))
		if err != nil {
			continue
		}
		l.Close()
		vncPorts.used[port] = true
		return port
	}
	return 5900
}

func releaseVNCPorts(def *domain.Def) {
	if def == nil || def.Devices == nil {
		return
	}
	vncPorts.mu.Lock()
	defer vncPorts.mu.Unlock()
	for _, g := range def.Devices.Graphics() {
		if gr := g.Graphics(); gr != nil && gr.Type == "vnc" && gr.AutoPort {
			delete(vncPorts.used, gr.Port)
		}
	}
}

// queryRuntime reads what QEMU decided at start: pty paths (asked only
// when the guest has a pty), vcpu threads and the CPUID bits the guest
// got (asked only when its CPU needs them: guestCPUNeedsQuery); and sets
// up what libvirt sets before the guest runs (link states, balloon:
// startSetup). One batch, however many devices there are, sent right
// after the greeting behind the eager qmp_capabilities. fresh is a start
// that is not a restore, whose balloon size is read back.
func (p *qemuProcess) queryRuntime(ctx context.Context, def *domain.Def, fresh bool) (cpuEnabled, cpuDisabled cpumap.X86Data, err error) {
	var chardevCall *qmp.Call
	if hasPTY(def) || hasVirtioChannel(def) {
		chardevCall = p.mon.Send(ctx, "query-chardev", nil)
	}
	cpusCall := p.mon.Send(ctx, "query-cpus-fast", nil)
	var cpuQuery *guestCPUQuery
	if guestCPUNeedsQuery(def) {
		arch := ""
		if def.OS != nil {
			arch = def.OS.Arch
		}
		cpuQuery = sendGuestCPUQuery(ctx, p.mon, arch)
	}
	setup := sendStartSetup(ctx, p.mon, def, fresh)
	// Every answer is collected, so none is left pending on an error.
	var chardevErr error
	var chardevs []struct {
		Label        string `json:"label"`
		Filename     string `json:"filename"`
		FrontendOpen *bool  `json:"frontend-open"`
	}
	if chardevCall != nil {
		chardevErr = chardevCall.WaitInto(ctx, &chardevs)
	}
	cpusErr := p.collectVCPUs(ctx, cpusCall)
	cpuEnabled, cpuDisabled, cpuErr := cpuQuery.wait(ctx)
	setupErr := setup.wait(ctx, def)
	for _, err := range []error{chardevErr, cpusErr, cpuErr, setupErr} {
		if err != nil {
			return nil, nil, err
		}
	}
	ptys := map[string]string{}
	p.chardevOpen = map[string]bool{}
	for _, c := range chardevs {
		if path, ok := strings.CutPrefix(c.Filename, "pty:"); ok {
			ptys[c.Label] = path
		}
		if c.FrontendOpen != nil {
			p.chardevOpen[c.Label] = *c.FrontendOpen
		}
	}
	forEachPTY(def, func(kind string, i int, dev *domain.Device) {
		alias := dev.Info.Alias
		if alias == "" {
			alias = fmt.Sprintf("%s%d", kind, i)
		}
		if kind == "console" && i == 0 {
			alias = "serial0"
		}
		if path, ok := ptys["char"+alias]; ok {
			dev.Chr.Path = path
		}
	})
	return cpuEnabled, cpuDisabled, nil
}

// forEachPTY calls fn for every character device of def backed by a pty.
func forEachPTY(def *domain.Def, fn func(kind string, i int, dev *domain.Device)) {
	if def.Devices == nil {
		return
	}
	for _, kind := range []string{"serial", "parallel", "channel", "console"} {
		for i, dev := range def.Devices.Kind(kind) {
			if dev.Chr != nil && dev.Chr.Type == "pty" {
				fn(kind, i, dev)
			}
		}
	}
}

// hasVirtioChannel says whether def has a virtio channel, whose state
// (connected or not) the start reads from query-chardev.
func hasVirtioChannel(def *domain.Def) bool {
	if def.Devices == nil {
		return false
	}
	for _, ch := range def.Devices.Channels() {
		if t := ch.Child("target"); t != nil && t.Prop("type") == "virtio" {
			return true
		}
	}
	return false
}

func hasPTY(def *domain.Def) bool {
	found := false
	forEachPTY(def, func(string, int, *domain.Device) { found = true })
	return found
}

func (p *qemuProcess) collectVCPUs(ctx context.Context, call *qmp.Call) error {
	var cpus []struct {
		Index  int `json:"cpu-index"`
		Thread int `json:"thread-id"`
	}
	if err := call.WaitInto(ctx, &cpus); err != nil {
		return err
	}
	p.vcpus = p.vcpus[:0]
	for _, c := range cpus {
		p.vcpus = append(p.vcpus, c.Thread)
	}
	return nil
}

// kill ends QEMU: SIGTERM, then SIGKILL after a short grace when force is
// set (qemuProcessKill). It waits until the process is gone.
func (p *qemuProcess) kill(force bool) bool {
	if p.pid <= 0 {
		return true
	}
	_ = syscall.Kill(p.pid, syscall.SIGTERM)
	if p.waitGone(time.Second) {
		return true
	}
	if !force {
		if p.waitGone(9 * time.Second) {
			return true
		}
		return false
	}
	_ = syscall.Kill(p.pid, syscall.SIGKILL)
	return p.waitGone(5 * time.Second)
}

// waitGone waits up to d for QEMU to exit.
func (p *qemuProcess) waitGone(d time.Duration) bool {
	if p.child != nil {
		select {
		case <-p.child.Done():
			return true
		case <-time.After(d):
			return false
		}
	}
	deadline := time.Now().Add(d)
	for {
		if !pidAlive(p.pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// pidAlive reports whether pid exists and is not a zombie.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// detach forgets the process without stopping it (tests simulating a
// daemon that died).
func (p *qemuProcess) detach() {
	p.mu.Lock()
	p.detached = true
	p.mu.Unlock()
	if p.mon != nil {
		p.mon.Close()
	}
}

// watch waits for the monitor to end and handles QEMU's exit: a stop the
// driver asked for, a guest shutdown, or a crash.
func (p *qemuProcess) watch() {
	<-p.mon.Done()
	// The events QEMU sent before the end are handled first (the
	// channel closes once the handler has had them all): a destroy's
	// SHUTDOWN is reported before the stop, as libvirtd reports it.
	for range p.mon.Events() {
	}
	p.mu.Lock()
	detached := p.detached
	p.mu.Unlock()
	if detached {
		return
	}
	if !p.waitGone(3 * time.Second) {
		// The monitor closed under a live QEMU: nothing can drive it.
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
		p.waitGone(5 * time.Second)
	}
	p.mu.Lock()
	reason, detail := shutoffCrashed, detStoppedCrashed
	switch {
	case p.stopping:
		reason, detail = p.stopReason, p.stopDetail
	case p.shutdown:
		reason, detail = shutoffShutdown, detStoppedShutdown
	}
	p.mu.Unlock()
	p.d.processStopped(p.o, p, reason, detail)
}

// processStopped cleans up after QEMU ended (qemuProcessStop): status,
// pid file and private directory go, the domain is shut off with reason,
// and the event is sent.
func (d *Driver) processStopped(o *domainObj, p *qemuProcess, reason, detail int32) {
	o.mu.Lock()
	if o.proc != p {
		o.mu.Unlock()
		close(p.exited)
		return
	}
	o.mu.Unlock()
	// The guest's interfaces go before anything else is reported: a
	// start right after must find the port, tap and binding released.
	p.releaseNICs()
	// Under statusMu, so that a status write racing with this stop
	// either lands before the removal or sees the domain stopped.
	o.statusMu.Lock()
	o.mu.Lock()
	name := o.def.Name
	ref := o.ref()
	live := o.live
	os.Remove(d.paths.StatusFile(name))
	os.Remove(d.paths.PidFile(name))
	os.RemoveAll(p.libDir)
	if p.channelDir != "" {
		os.RemoveAll(p.channelDir)
	}
	if f, err := os.OpenFile(p.logPath, os.O_WRONLY|os.O_APPEND, 0); err == nil {
		fmt.Fprintf(f, "%s: shutting down, reason=%s\n", logTime(time.Now()), shutoffReasonName(reason))
		f.Close()
	}
	releaseVNCPorts(live)
	o.proc, o.live, o.id = nil, nil, -1
	if o.newDef != nil {
		o.def, o.newDef = o.newDef, nil
	}
	o.setState(stateShutoff, reason)
	// A transient domain leaves the list, with its snapshots, when it
	// stops — unless a snapshot revert stopped it to start it again.
	transient := !o.persistent && reason != shutoffFromSnapshot
	o.mu.Unlock()
	o.statusMu.Unlock()
	if transient {
		d.discardAllSnapshotMetadata(o)
		d.removeObj(o)
	}
	d.emit(ref, evStopped, detail)
	close(p.exited)
}

// stop has the driver end QEMU with a reason, and waits until the stop
// is handled.
func (p *qemuProcess) stop(reason, detail int32, force bool) error {
	p.mu.Lock()
	p.stopping, p.stopReason, p.stopDetail = true, reason, detail
	p.mu.Unlock()
	if !p.kill(force) {
		p.mu.Lock()
		p.stopping = false
		p.mu.Unlock()
		// virProcessKillPainfully's report.
		sig := "TERM"
		if force {
			sig = "KILL"
		}
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to terminate process %d with SIG%s: Device or resource busy", p.pid, sig)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(60 * time.Second):
		// QEMU is gone but its end was not handled: the domain would
		// still read as running, so the caller must not report success.
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationTimeout, "timed out waiting for the end of QEMU process %d to be processed", p.pid)
	}
}

// handleEvent turns QMP events into state changes and libvirt events
// (qemuProcessHandle*).
func (p *qemuProcess) handleEvent(ev qmp.Event) {
	p.observeEvent(ev)
	o, d := p.o, p.d
	switch ev.Name {
	case "SHUTDOWN":
		var data struct {
			Guest  bool   `json:"guest"`
			Reason string `json:"reason"`
		}
		_ = json.Unmarshal(ev.Data, &data)
		p.mu.Lock()
		p.shutdown = true
		fake := p.fakeReboot
		stopping := p.stopping
		destroying := stopping && p.stopReason == shutoffDestroyed
		p.mu.Unlock()
		detail := detShutdownHost
		if data.Guest {
			detail = detShutdownGuest
		}
		if stopping {
			// A destroy kills QEMU with its monitor still open, and
			// libvirtd 9.0 reports the SHUTDOWN QEMU sends as it dies of
			// the SIGTERM ("Shutdown Finished after host request") before
			// the stop; the other stops close the monitor first.
			if destroying {
				d.emit(o.refLocked(), evShutdown, detail)
			}
			return
		}
		if fake {
			go p.finishFakeReboot()
			return
		}
		o.mu.Lock()
		if o.proc != p {
			o.mu.Unlock()
			return
		}
		o.setState(stateShutdown, shutdownUser)
		ref := o.ref()
		o.mu.Unlock()
		d.emit(ref, evShutdown, detail)
		_ = d.writeStatus(o)
		// on_poweroff='destroy': QEMU runs with -no-shutdown and is
		// ended here (qemuProcessShutdownOrReboot).
		go func() {
			p.mu.Lock()
			p.stopping, p.stopReason, p.stopDetail = true, shutoffShutdown, detStoppedShutdown
			p.mu.Unlock()
			p.kill(true)
		}()
	case "STOP":
		o.mu.Lock()
		if o.proc != p || o.state != stateRunning {
			o.mu.Unlock()
			return
		}
		reason := int32(0)
		p.mu.Lock()
		if p.shutdown {
			reason = pausedShutdown
		}
		p.mu.Unlock()
		o.setState(statePaused, reason)
		ref := o.ref()
		o.mu.Unlock()
		_ = d.writeStatus(o)
		d.emit(ref, evSuspended, detSuspendedPaused)
	case "RESUME":
		o.mu.Lock()
		if o.proc != p || o.state != statePaused {
			o.mu.Unlock()
			return
		}
		o.setState(stateRunning, runningUnpaused)
		ref := o.ref()
		o.mu.Unlock()
		_ = d.writeStatus(o)
		d.emit(ref, evResumed, detResumedUnpaused)
	case "RESET":
		ref := o.refLocked()
		d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDReboot,
			Payload: &driver.DomainEventRebootMsg{Dom: ref}})
	case "BALLOON_CHANGE":
		p.balloonChanged(ev.Data)
	case "DEVICE_DELETED":
		var data struct {
			Device string `json:"device"`
		}
		_ = json.Unmarshal(ev.Data, &data)
		if data.Device == "" {
			return
		}
		p.deviceRemoved(data.Device)
	}
}

// finishFakeReboot resets and resumes a guest that powered off for a
// reboot requested through ACPI (qemuProcessFakeReboot).
func (p *qemuProcess) finishFakeReboot() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.mon.Execute(ctx, "system_reset", nil); err != nil {
		return
	}
	p.mu.Lock()
	p.fakeReboot, p.shutdown = false, false
	p.mu.Unlock()
	o := p.o
	o.mu.Lock()
	wasPaused := o.state == statePaused
	o.setState(stateRunning, runningBooted)
	ref := o.ref()
	o.mu.Unlock()
	// Persist the new state before anyone can see it: a daemon killed
	// right after a client read "running (booted)" must come back with it.
	_ = p.d.writeStatus(o)
	if _, err := p.mon.Execute(ctx, "cont", nil); err != nil {
		return
	}
	if wasPaused {
		p.d.emit(ref, evResumed, detResumedUnpaused)
	}
	_ = p.d.writeStatus(o)
}

func shutoffReasonName(r int32) string {
	names := []string{"unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"}
	if r >= 0 && int(r) < len(names) {
		return names[r]
	}
	return "unknown"
}
