package qemu

import (
	"context"
	"os"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Flags of the lifecycle calls (libvirt-domain.h).
const (
	startPaused      uint32 = 1 << 0 // VIR_DOMAIN_START_PAUSED
	startAutodestroy uint32 = 1 << 1 // VIR_DOMAIN_START_AUTODESTROY
	startBypassCache uint32 = 1 << 2
	startForceBoot   uint32 = 1 << 3 // VIR_DOMAIN_START_FORCE_BOOT
	startValidate    uint32 = 1 << 4

	defineValidate uint32 = 1 << 0

	undefineManagedSave uint32 = 1 << 0
	undefineSnapshots   uint32 = 1 << 1
	undefineNVRAM       uint32 = 1 << 2
	undefineKeepNVRAM   uint32 = 1 << 3
	undefineCheckpoints uint32 = 1 << 4
	undefineTPM         uint32 = 1 << 5
	undefineKeepTPM     uint32 = 1 << 6

	destroyGraceful uint32 = 1 << 0

	shutdownDefault    uint32 = 0
	shutdownACPI       uint32 = 1 << 0
	shutdownGuestAgent uint32 = 1 << 1
	shutdownInitctl    uint32 = 1 << 2
	shutdownSignal     uint32 = 1 << 3
	shutdownParavirt   uint32 = 1 << 4
	rebootACPI                = shutdownACPI
	rebootAgent               = shutdownGuestAgent
	rebootKnown               = shutdownACPI | shutdownGuestAgent
	shutdownKnown             = shutdownACPI | shutdownGuestAgent
	createKnown               = startPaused | startAutodestroy | startBypassCache | startForceBoot | startValidate
	affectCurrent      uint32 = 0
	affectLive         uint32 = 1 << 0
	affectConfig       uint32 = 1 << 1
)

func notRunning() error {
	return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain is not running")
}

// addObj registers def as virDomainObjListAdd does; live says it is for
// a domain being started (create-xml).
func (d *Driver) addObj(def *domain.Def, live bool) (o *domainObj, existed bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if o := d.findByUUID(def.UUID); o != nil {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.def.Name != def.Name {
			return nil, false, virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed,
				"domain '%s' is already defined with uuid %s", o.def.Name, o.def.UUID)
		}
		if live {
			if o.active() {
				return nil, false, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain '%s' is already active", o.def.Name)
			}
			if !o.persistent {
				return nil, false, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain '%s' is already being started", o.def.Name)
			}
			return o, true, nil
		}
		if o.active() {
			o.newDef = def
		} else {
			o.def = def
		}
		return o, true, nil
	}
	if o := d.findByName(def.Name); o != nil {
		return nil, false, virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed,
			"domain '%s' already exists with uuid %s", def.Name, o.def.UUID)
	}
	def.ID = -1
	o = &domainObj{def: def, id: -1}
	o.setState(stateShutoff, shutoffUnknown)
	d.domains = append(d.domains, o)
	return o, false, nil
}

// DomainDefineXML defines (or redefines) a persistent domain.
func (c *conn) DomainDefineXML(ctx context.Context, xml string) (driver.DomainRef, error) {
	return c.define(ctx, xml, 0, "virDomainDefineXML")
}

// DomainDefineXMLFlags defines a domain; VIR_DOMAIN_DEFINE_VALIDATE
// checks it against the schema's rules.
func (c *conn) DomainDefineXMLFlags(ctx context.Context, xml string, flags uint32) (driver.DomainRef, error) {
	return c.define(ctx, xml, flags, "virDomainDefineXMLFlags")
}

func (c *conn) define(ctx context.Context, xml string, flags uint32, function string) (driver.DomainRef, error) {
	if err := c.denyReadOnly(function); err != nil {
		return driver.DomainRef{}, err
	}
	if err := unsupportedFlags(flags, defineValidate, "qemuDomainDefineXMLFlags"); err != nil {
		return driver.DomainRef{}, err
	}
	d := c.d
	// qemuDomainDefineXMLFlags: a new definition may take ABI updates.
	def, err := d.parseDef(ctx, xml, domain.ParseInactive|domain.ParseABIUpdate)
	if err != nil {
		return driver.DomainRef{}, err
	}
	if flags&defineValidate != 0 {
		if err := def.CheckSchema(); err != nil {
			return driver.DomainRef{}, err
		}
	}
	if err := def.Validate(); err != nil {
		return driver.DomainRef{}, err
	}
	o, existed, err := d.addObj(def, false)
	if err != nil {
		return driver.DomainRef{}, err
	}
	if err := d.saveConfig(def); err != nil {
		if !existed {
			d.removeObj(o)
		}
		return driver.DomainRef{}, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "cannot save config: %v", err)
	}
	o.mu.Lock()
	o.persistent = true
	ref := o.ref()
	o.mu.Unlock()
	detail := detDefinedAdded
	if existed {
		detail = detDefinedUpdated
	}
	d.emit(ref, evDefined, detail)
	return ref, nil
}

// DomainUndefine removes a domain's persistent config.
func (c *conn) DomainUndefine(ctx context.Context, dom driver.DomainRef) error {
	return c.undefine(ctx, dom, 0, "virDomainUndefine")
}

// DomainUndefineFlags removes a domain's persistent config, and its
// managed save image with VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.
func (c *conn) DomainUndefineFlags(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	return c.undefine(ctx, dom, flags, "virDomainUndefineFlags")
}

func (c *conn) undefine(ctx context.Context, dom driver.DomainRef, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	known := undefineManagedSave | undefineSnapshots | undefineNVRAM | undefineKeepNVRAM | undefineCheckpoints | undefineTPM | undefineKeepTPM
	if err := unsupportedFlags(flags, known, "qemuDomainUndefineFlags"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainUndefine"); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	if !o.persistent {
		o.mu.Unlock()
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cannot undefine transient domain")
	}
	name := o.def.Name
	o.mu.Unlock()
	if err := d.undefineSnapshotMetadata(o, flags); err != nil {
		return err
	}
	if d.hasManagedSave(o) {
		if flags&undefineManagedSave == 0 {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "Refusing to undefine while domain managed save image exists")
		}
		os.Remove(d.paths.ManagedSaveFile(name))
	}
	if err := os.Remove(d.paths.ConfigFile(name)); err != nil && !os.IsNotExist(err) {
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "cannot remove config %s: %v", d.paths.ConfigFile(name), err)
	}
	os.Remove(d.paths.AutostartLink(name))
	o.mu.Lock()
	o.autostart = false
	o.persistent = false
	ref := o.ref()
	active := o.active()
	if active && o.newDef != nil {
		o.newDef = nil
	}
	o.mu.Unlock()
	if !active {
		d.removeObj(o)
	}
	d.emit(ref, evUndefined, detUndefRemoved)
	return nil
}

// DomainCreate starts a defined domain.
func (c *conn) DomainCreate(ctx context.Context, dom driver.DomainRef) error {
	_, err := c.create(ctx, dom, 0, "virDomainCreate")
	return err
}

// DomainCreateWithFlags starts a defined domain, paused or tied to this
// connection as flags say.
func (c *conn) DomainCreateWithFlags(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainRef, error) {
	return c.create(ctx, dom, flags, "virDomainCreateWithFlags")
}

func (c *conn) create(ctx context.Context, dom driver.DomainRef, flags uint32, function string) (driver.DomainRef, error) {
	if err := c.denyReadOnly(function); err != nil {
		return driver.DomainRef{}, err
	}
	if err := unsupportedFlags(flags, createKnown, "qemuDomainCreateWithFlags"); err != nil {
		return driver.DomainRef{}, err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return driver.DomainRef{}, err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainCreate"); err != nil {
		return driver.DomainRef{}, err
	}
	defer o.job.end()
	o.mu.Lock()
	if o.active() {
		o.mu.Unlock()
		return driver.DomainRef{}, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain is already running")
	}
	o.mu.Unlock()
	opts := startOptions{paused: flags&startPaused != 0}
	if flags&startAutodestroy != 0 {
		opts.autodestroy = c
	}
	managed := ""
	if d.hasManagedSave(o) {
		if flags&startForceBoot != 0 {
			os.Remove(d.paths.ManagedSaveFile(o.name()))
		} else {
			mo := d.managedRestoreOptions(o)
			mo.paused = mo.paused || opts.paused
			mo.autodestroy = opts.autodestroy
			opts, managed = mo, mo.incoming
		}
	}
	if err := d.start(ctx, o, opts); err != nil {
		return driver.DomainRef{}, err
	}
	if managed != "" {
		os.Remove(managed)
	}
	return o.refLocked(), nil
}

// DomainCreateXML starts a transient domain.
func (c *conn) DomainCreateXML(ctx context.Context, xml string, flags uint32) (driver.DomainRef, error) {
	if err := c.denyReadOnly("virDomainCreateXML"); err != nil {
		return driver.DomainRef{}, err
	}
	if err := unsupportedFlags(flags, startPaused|startAutodestroy|startValidate, "qemuDomainCreateXML"); err != nil {
		return driver.DomainRef{}, err
	}
	d := c.d
	// qemuDomainCreateXML parses as an inactive, new definition.
	def, err := d.parseDef(ctx, xml, domain.ParseInactive|domain.ParseABIUpdate)
	if err != nil {
		return driver.DomainRef{}, err
	}
	if flags&startValidate != 0 {
		if err := def.CheckSchema(); err != nil {
			return driver.DomainRef{}, err
		}
	}
	if err := def.Validate(); err != nil {
		return driver.DomainRef{}, err
	}
	o, existed, err := d.addObj(def, true)
	if err != nil {
		return driver.DomainRef{}, err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainCreateXML"); err != nil {
		return driver.DomainRef{}, err
	}
	defer o.job.end()
	if existed {
		// A persistent domain started with a one-off definition.
		o.mu.Lock()
		if o.active() {
			o.mu.Unlock()
			return driver.DomainRef{}, virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain '%s' is already active", def.Name)
		}
		o.newDef = o.def
		o.def = def
		o.mu.Unlock()
	}
	opts := startOptions{paused: flags&startPaused != 0}
	if flags&startAutodestroy != 0 {
		opts.autodestroy = c
	}
	if err := d.start(ctx, o, opts); err != nil {
		o.mu.Lock()
		persistent := o.persistent
		if existed && o.newDef != nil {
			o.def, o.newDef = o.newDef, nil
		}
		o.mu.Unlock()
		if !persistent {
			d.removeObj(o)
		}
		return driver.DomainRef{}, err
	}
	return o.refLocked(), nil
}

// autodestroy kills a domain started with VIR_DOMAIN_START_AUTODESTROY
// when the connection that started it closes.
func (d *Driver) autodestroy(o *domainObj, p *qemuProcess) {
	o.mu.Lock()
	same := o.proc == p
	o.mu.Unlock()
	if same {
		_ = p.stop(shutoffDestroyed, detStoppedDestroyed, true)
	}
}

// DomainDestroy kills a running domain.
func (c *conn) DomainDestroy(ctx context.Context, dom driver.DomainRef) error {
	return c.destroy(ctx, dom, 0, "virDomainDestroy")
}

// DomainDestroyFlags kills a running domain; with
// VIR_DOMAIN_DESTROY_GRACEFUL only SIGTERM is sent.
func (c *conn) DomainDestroyFlags(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	return c.destroy(ctx, dom, flags, "virDomainDestroyFlags")
}

func (c *conn) destroy(ctx context.Context, dom driver.DomainRef, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, destroyGraceful, "qemuDomainDestroyFlags"); err != nil {
		return err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return err
	}
	// Like libvirt, kill first, without the job: a stuck job must not
	// keep a guest from being destroyed.
	o.mu.Lock()
	p := o.proc
	o.mu.Unlock()
	if p == nil {
		return notRunning()
	}
	return p.stop(shutoffDestroyed, detStoppedDestroyed, flags&destroyGraceful == 0)
}

// running returns o's process, or the "not running" error.
func (d *Driver) running(dom driver.DomainRef) (*domainObj, *qemuProcess, error) {
	o, err := d.lookup(dom)
	if err != nil {
		return nil, nil, err
	}
	o.mu.Lock()
	p := o.proc
	o.mu.Unlock()
	if p == nil {
		return o, nil, notRunning()
	}
	return o, p, nil
}

// modifyRunning runs fn on a running domain under a modify job.
func (c *conn) modifyRunning(ctx context.Context, dom driver.DomainRef, function, api string, fn func(o *domainObj, p *qemuProcess) error) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", api); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	p := o.proc
	o.mu.Unlock()
	if p == nil {
		return notRunning()
	}
	return fn(o, p)
}

// DomainShutdown asks the guest to power off through ACPI.
func (c *conn) DomainShutdown(ctx context.Context, dom driver.DomainRef) error {
	return c.DomainShutdownFlags(ctx, dom, 0)
}

// DomainShutdownFlags asks the guest to power off (system_powerdown).
func (c *conn) DomainShutdownFlags(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := unsupportedFlags(flags, shutdownKnown, "qemuDomainShutdownFlags"); err != nil {
		return err
	}
	if err := c.denyReadOnly("virDomainShutdownFlags"); err != nil {
		return err
	}
	if done, err := c.shutdownByAgent(ctx, dom, flags, false); done {
		return err
	}
	return c.modifyRunning(ctx, dom, "virDomainShutdownFlags", "remoteDispatchDomainShutdownFlags", func(o *domainObj, p *qemuProcess) error {
		o.mu.Lock()
		st := o.state
		o.mu.Unlock()
		if st != stateRunning {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain is not running")
		}
		p.mu.Lock()
		p.fakeReboot = false
		p.mu.Unlock()
		_, err := p.mon.Execute(ctx, "system_powerdown", nil)
		return err
	})
}

// shutdownByAgent is the guest-agent half of qemuDomainShutdownFlags and
// qemuDomainReboot: the agent is used when asked for, or without flags
// when it is there; asked for alone, its failure is the answer, otherwise
// ACPI follows. done says the call is answered.
func (c *conn) shutdownByAgent(ctx context.Context, dom driver.DomainRef, flags uint32, reboot bool) (done bool, err error) {
	agentRequested := flags&shutdownGuestAgent != 0
	acpiRequested := flags&shutdownACPI != 0
	if !agentRequested && (flags != 0 || !c.agentAvailable(ctx, dom)) {
		return false, nil
	}
	err = c.agentShutdown(ctx, dom, reboot)
	if err == nil || (agentRequested && !acpiRequested) {
		return true, err
	}
	return false, nil
}

// DomainReboot reboots the guest through ACPI: it powers off, and QEMU
// is reset instead of stopped (libvirt's fake reboot).
func (c *conn) DomainReboot(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := unsupportedFlags(flags, rebootKnown, "qemuDomainReboot"); err != nil {
		return err
	}
	if err := c.denyReadOnly("virDomainReboot"); err != nil {
		return err
	}
	if done, err := c.shutdownByAgent(ctx, dom, flags, true); done {
		return err
	}
	return c.modifyRunning(ctx, dom, "virDomainReboot", "remoteDispatchDomainReboot", func(o *domainObj, p *qemuProcess) error {
		p.mu.Lock()
		p.fakeReboot = true
		p.mu.Unlock()
		_ = c.d.writeStatus(o)
		if _, err := p.mon.Execute(ctx, "system_powerdown", nil); err != nil {
			p.mu.Lock()
			p.fakeReboot = false
			p.mu.Unlock()
			return err
		}
		return nil
	})
}

// DomainReset resets the guest at once (system_reset).
func (c *conn) DomainReset(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "qemuDomainReset"); err != nil {
		return err
	}
	return c.modifyRunning(ctx, dom, "virDomainReset", "remoteDispatchDomainReset", func(o *domainObj, p *qemuProcess) error {
		_, err := p.mon.Execute(ctx, "system_reset", nil)
		if err != nil {
			return err
		}
		o.mu.Lock()
		if o.state == stateCrashed {
			o.setState(statePaused, 10)
		}
		o.mu.Unlock()
		return nil
	})
}

// DomainSuspend pauses the guest's vCPUs.
func (c *conn) DomainSuspend(ctx context.Context, dom driver.DomainRef) error {
	return c.modifyRunning(ctx, dom, "virDomainSuspend", "remoteDispatchDomainSuspend", func(o *domainObj, p *qemuProcess) error {
		o.mu.Lock()
		if o.state == statePaused {
			o.mu.Unlock()
			return nil
		}
		prevState, prevReason := o.state, o.reason
		o.setState(statePaused, pausedUser)
		ref := o.ref()
		o.mu.Unlock()
		if _, err := p.mon.Execute(ctx, "stop", nil); err != nil {
			o.mu.Lock()
			o.setState(prevState, prevReason)
			o.mu.Unlock()
			return err
		}
		c.d.emit(ref, evSuspended, detSuspendedPaused)
		return c.d.writeStatus(o)
	})
}

// DomainResume resumes a paused guest.
func (c *conn) DomainResume(ctx context.Context, dom driver.DomainRef) error {
	return c.modifyRunning(ctx, dom, "virDomainResume", "remoteDispatchDomainResume", func(o *domainObj, p *qemuProcess) error {
		o.mu.Lock()
		if o.state == stateRunning {
			o.mu.Unlock()
			return nil
		}
		if o.state == stateShutdown || o.state == stateCrashed {
			o.mu.Unlock()
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain is not running")
		}
		prevState, prevReason := o.state, o.reason
		o.setState(stateRunning, runningUnpaused)
		ref := o.ref()
		o.mu.Unlock()
		if _, err := p.mon.Execute(ctx, "cont", nil); err != nil {
			o.mu.Lock()
			o.setState(prevState, prevReason)
			o.mu.Unlock()
			return err
		}
		c.d.emit(ref, evResumed, detResumedUnpaused)
		return c.d.writeStatus(o)
	})
}

// DomainGetAutostart reports whether the domain starts with the daemon.
func (c *conn) DomainGetAutostart(ctx context.Context, dom driver.DomainRef) (int32, error) {
	o, err := c.d.lookup(dom)
	if err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.autostart {
		return 1, nil
	}
	return 0, nil
}

// DomainSetAutostart marks the domain to start with the daemon (a
// symlink in the autostart directory, as libvirt keeps it).
func (c *conn) DomainSetAutostart(ctx context.Context, dom driver.DomainRef, autostart int32) error {
	if err := c.denyReadOnly("virDomainSetAutostart"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.persistent {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cannot set autostart for transient domain")
	}
	link := d.paths.AutostartLink(o.def.Name)
	if autostart != 0 {
		if !o.autostart {
			os.Remove(link)
			if err := os.Symlink(d.paths.ConfigFile(o.def.Name), link); err != nil {
				return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to create symlink '%s' to '%s': %v", link, d.paths.ConfigFile(o.def.Name), err)
			}
		}
		o.autostart = true
		return nil
	}
	if err := os.Remove(link); err != nil && !os.IsNotExist(err) {
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to delete symlink '%s': %v", link, err)
	}
	o.autostart = false
	return nil
}
