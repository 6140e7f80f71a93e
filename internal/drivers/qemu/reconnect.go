package qemu

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"
)

// reconnectAll picks up every guest a previous daemon left running, from
// its status file alone (qemuProcessReconnectAll): the pid must be alive
// and the monitor must answer; otherwise the guest is reported shut off
// and its leftovers are cleaned.
func (d *Driver) reconnectAll() {
	entries, err := os.ReadDir(d.paths.StateDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".xml")
		if !ok || strings.HasPrefix(name, ".") {
			continue
		}
		d.reconnect(name)
	}
}

func (d *Driver) reconnect(name string) {
	path := d.paths.StatusFile(name)
	st, err := readStatusFile(path)
	if err != nil {
		d.log.Warn("cannot read status file", "file", path, "err", err)
		os.Remove(path)
		return
	}
	d.mu.Lock()
	o := d.findByUUID(st.def.UUID)
	if o == nil {
		o = &domainObj{def: st.def, id: -1}
		d.domains = append(d.domains, o)
	}
	if int32(st.def.ID) >= d.nextID {
		d.nextID = int32(st.def.ID) + 1
	}
	d.mu.Unlock()

	qc := caps.New(st.def.Devices.Emulator)
	qc.Set(st.flags...)
	p := &qemuProcess{d: d, o: o, pid: st.pid, monPath: st.monPath, libDir: st.libDir,
		caps: qc, vcpus: st.vcpus, logPath: d.paths.LogFile(name), fakeReboot: st.fakeReboot, origCPU: st.origCPU, channelDir: st.channelDir,
		exited: make(chan struct{}), removed: map[string]chan struct{}{}, nics: st.nics}
	matchNICs(st.def, p.nics)
	p.restoreTaints(st.taints)
	if st.agentTimeout != nil {
		o.restoreAgentTimeout(*st.agentTimeout)
	}

	cleanup := func(reason int32) {
		p.releaseNICs()
		os.Remove(path)
		os.Remove(d.paths.PidFile(name))
		if st.libDir != "" {
			os.RemoveAll(st.libDir)
		}
		if st.channelDir != "" {
			os.RemoveAll(st.channelDir)
		}
		o.mu.Lock()
		o.setState(stateShutoff, reason)
		persistent := o.persistent
		o.mu.Unlock()
		if !persistent {
			d.removeObj(o)
		}
	}
	if !pidAlive(st.pid) {
		// It died while no daemon watched: a guest that was shutting
		// down finished, anything else crashed.
		reason := shutoffCrashed
		if st.state == stateShutdown {
			reason = shutoffShutdown
		}
		cleanup(reason)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mon, err := qmp.Dial(ctx, st.monPath, qmp.Options{OnEvent: p.handleEvent})
	if err != nil {
		d.log.Warn("cannot reconnect to QEMU monitor; killing it", "domain", name, "err", err)
		p.kill(true)
		cleanup(shutoffFailed)
		return
	}
	p.mon = mon
	// The guest may have changed state, its channels and its balloon
	// size while nobody listened: the questions go in one round trip.
	statusCall := mon.Send(ctx, "query-status", nil)
	chardevCall := mon.Send(ctx, "query-chardev", nil)
	balloon := sendBalloonRefresh(ctx, mon, st.def)
	var qs struct {
		Running bool   `json:"running"`
		Status  string `json:"status"`
	}
	state, reason := st.state, st.reason
	statusErr := statusCall.WaitInto(ctx, &qs)
	var chardevs []struct {
		Label        string `json:"label"`
		FrontendOpen *bool  `json:"frontend-open"`
	}
	chardevErr := chardevCall.WaitInto(ctx, &chardevs)
	balloonErr := balloon.wait(ctx, st.def)
	for _, err := range []error{chardevErr, balloonErr} {
		if err != nil {
			// libvirt cannot vouch for a guest it failed to reconnect
			// to, and stops it rather than risk it running twice.
			d.log.Warn("cannot refresh the guest's state after reconnecting; killing QEMU", "domain", name, "err", err)
			mon.Close()
			p.kill(true)
			cleanup(shutoffDaemon)
			return
		}
	}
	p.chardevOpen = map[string]bool{}
	for _, c := range chardevs {
		if c.FrontendOpen != nil {
			p.chardevOpen[c.Label] = *c.FrontendOpen
		}
	}
	// qemuRefreshVirtioChannelState: reason "channel" for the agent.
	p.refreshChannelStates(driver.DomainRef{Name: st.def.Name, UUID: driver.UUID(st.def.UUID), ID: int32(st.def.ID)}, st.def, p.chardevOpen, false)
	if statusErr == nil {
		switch {
		case qs.Running && state == statePaused:
			state, reason = stateRunning, runningUnpaused
		case !qs.Running && state == stateRunning:
			state, reason = statePaused, 0
			if qs.Status == "shutdown" {
				state, reason = stateShutdown, shutdownUser
			}
		}
	}
	o.mu.Lock()
	o.live, o.proc, o.id = st.def, p, int32(st.def.ID)
	o.setState(state, reason)
	o.mu.Unlock()
	go p.watch()
	_ = d.writeStatus(o)
	if state == stateShutdown {
		// The guest powered off while no daemon listened: finish the job.
		go func() {
			p.mu.Lock()
			p.shutdown, p.stopping, p.stopReason, p.stopDetail = true, true, shutoffShutdown, detStoppedShutdown
			p.mu.Unlock()
			p.kill(true)
		}()
	}
}

// balloonRefresh is qemuProcessRefreshBalloonState on reconnect: the
// balloon size is read from QEMU instead of trusted from the status
// file, for the guest may have moved it while no daemon listened.
type balloonRefresh struct {
	query *qmp.Call
	// fullSize: the guest has no balloon, so its current memory is all
	// of it.
	fullSize bool
}

func sendBalloonRefresh(ctx context.Context, mon *qmp.Conn, def *domain.Def) *balloonRefresh {
	if memballoon(def) == nil {
		return &balloonRefresh{fullSize: true}
	}
	return &balloonRefresh{query: mon.Send(ctx, "query-balloon", nil)}
}

// wait records the size QEMU reports in def, topped up with the
// virtio-mem devices' current size as at start. A balloon QEMU calls
// inactive leaves the recorded size as it was.
func (r *balloonRefresh) wait(ctx context.Context, def *domain.Def) error {
	if r.fullSize {
		def.Memory.Current = def.Memory.Total
		return nil
	}
	var b struct {
		Actual *uint64 `json:"actual"`
	}
	err := r.query.WaitInto(ctx, &b)
	switch {
	case err != nil && balloonSoftFailure(err):
		return nil
	case err != nil:
		return err
	case b.Actual == nil:
		return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "info balloon reply was missing balloon data")
	}
	def.Memory.Current = *b.Actual/1024 + virtioMemKiB(def, "current")
	return nil
}

// autostartAll starts the inactive domains marked for autostart
// (qemuAutostartDomains).
func (d *Driver) autostartAll() {
	d.mu.Lock()
	var todo []*domainObj
	for _, o := range d.domains {
		o.mu.Lock()
		if o.autostart && o.proc == nil {
			todo = append(todo, o)
		}
		o.mu.Unlock()
	}
	d.mu.Unlock()
	for _, o := range todo {
		ctx := context.Background()
		if err := o.job.acquire(ctx, "start", "autostart"); err != nil {
			continue
		}
		o.mu.Lock()
		active := o.proc != nil
		o.mu.Unlock()
		if !active {
			opts := startOptions{}
			if d.hasManagedSave(o) {
				opts = d.managedRestoreOptions(o)
			}
			if err := d.start(ctx, o, opts); err != nil {
				d.log.Error("failed to autostart VM", "name", o.name(), "err", err)
			} else if opts.incoming != "" {
				os.Remove(opts.incoming)
			}
		}
		o.job.end()
	}
}

var _ = domain.ParseStatus
