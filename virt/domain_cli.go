package virt

import (
	"context"

	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Domain calls govirsh's device, block job, migration-tuning and guest
// agent commands make, each as thin as libvirt's own entry point.

// AttachDevice adds a device described by XML to a running domain.
//
// libvirt: virDomainAttachDevice
func (d *Domain) AttachDevice(ctx context.Context, xml string) error {
	if err := d.conn.denyReadOnly("virDomainAttachDevice"); err != nil {
		return err
	}
	return d.h().DomainAttachDevice(ctx, d.ref, xml)
}

// AttachDeviceFlags adds a device to the live and/or persistent domain.
//
// libvirt: virDomainAttachDeviceFlags
func (d *Domain) AttachDeviceFlags(ctx context.Context, xml string, flags DomainDeviceModifyFlags) error {
	if err := d.conn.denyReadOnly("virDomainAttachDeviceFlags"); err != nil {
		return err
	}
	return d.h().DomainAttachDeviceFlags(ctx, d.ref, xml, uint32(flags))
}

// SetMemoryFlags sets the guest's current memory, in KiB, always through
// virDomainSetMemoryFlags: flags 0 (VIR_DOMAIN_AFFECT_CURRENT) is a real
// choice here, where SetMemory takes 0 to mean virDomainSetMemory.
//
// libvirt: virDomainSetMemoryFlags
func (d *Domain) SetMemoryFlags(ctx context.Context, kib uint64, flags DomainMemoryModFlags) error {
	if err := d.conn.denyReadOnly("virDomainSetMemoryFlags"); err != nil {
		return err
	}
	return d.h().DomainSetMemoryFlags(ctx, d.ref, kib, uint32(flags))
}

// BackupBegin starts a backup job of the domain's disks, described by
// backupXML, optionally creating the checkpoint checkpointXML describes
// ("" for none).
//
// libvirt: virDomainBackupBegin
func (d *Domain) BackupBegin(ctx context.Context, backupXML, checkpointXML string, flags DomainBackupBeginFlags) error {
	if err := d.conn.denyReadOnly("virDomainBackupBegin"); err != nil {
		return err
	}
	var chk *string
	if checkpointXML != "" {
		chk = &checkpointXML
	}
	return d.h().DomainBackupBegin(ctx, d.ref, backupXML, chk, uint32(flags))
}

// BackupXMLDesc describes the domain's running backup job.
//
// libvirt: virDomainBackupGetXMLDesc
func (d *Domain) BackupXMLDesc(ctx context.Context) (string, error) {
	return d.h().DomainBackupGetXMLDesc(ctx, d.ref, 0)
}

// UndefineFlags removes the domain's persistent configuration through
// virDomainUndefineFlags even with flags 0, as virsh's undefine does;
// Undefine takes 0 to mean virDomainUndefine.
//
// libvirt: virDomainUndefineFlags
func (d *Domain) UndefineFlags(ctx context.Context, flags DomainUndefineFlags) error {
	if err := d.conn.denyReadOnly("virDomainUndefineFlags"); err != nil {
		return err
	}
	return d.h().DomainUndefineFlags(ctx, d.ref, uint32(flags))
}

// DetachDevice removes a device from a running domain.
//
// libvirt: virDomainDetachDevice
func (d *Domain) DetachDevice(ctx context.Context, xml string) error {
	if err := d.conn.denyReadOnly("virDomainDetachDevice"); err != nil {
		return err
	}
	return d.h().DomainDetachDevice(ctx, d.ref, xml)
}

// DetachDeviceFlags removes a device from the live and/or persistent domain.
//
// libvirt: virDomainDetachDeviceFlags
func (d *Domain) DetachDeviceFlags(ctx context.Context, xml string, flags DomainDeviceModifyFlags) error {
	if err := d.conn.denyReadOnly("virDomainDetachDeviceFlags"); err != nil {
		return err
	}
	return d.h().DomainDetachDeviceFlags(ctx, d.ref, xml, uint32(flags))
}

// DetachDeviceAlias removes the device with a user alias.
//
// libvirt: virDomainDetachDeviceAlias
func (d *Domain) DetachDeviceAlias(ctx context.Context, alias string, flags DomainDeviceModifyFlags) error {
	if err := d.conn.denyReadOnly("virDomainDetachDeviceAlias"); err != nil {
		return err
	}
	return d.h().DomainDetachDeviceAlias(ctx, d.ref, alias, uint32(flags))
}

// UpdateDeviceFlags changes a device's settings (media, link state …).
//
// libvirt: virDomainUpdateDeviceFlags
func (d *Domain) UpdateDeviceFlags(ctx context.Context, xml string, flags DomainDeviceModifyFlags) error {
	if err := d.conn.denyReadOnly("virDomainUpdateDeviceFlags"); err != nil {
		return err
	}
	return d.h().DomainUpdateDeviceFlags(ctx, d.ref, xml, uint32(flags))
}

// JobInfo is virDomainJobInfo.
type JobInfo struct {
	Type                                    DomainJobType
	TimeElapsed, TimeRemaining              uint64
	DataTotal, DataProcessed, DataRemaining uint64
	MemTotal, MemProcessed, MemRemaining    uint64
	FileTotal, FileProcessed, FileRemaining uint64
}

// JobInfo reports the progress of the domain's background job.
//
// libvirt: virDomainGetJobInfo
func (d *Domain) JobInfo(ctx context.Context) (*JobInfo, error) {
	r, err := d.h().DomainGetJobInfo(ctx, d.ref)
	if err != nil {
		return nil, err
	}
	return &JobInfo{DomainJobType(r.Type), r.TimeElapsed, r.TimeRemaining, r.DataTotal, r.DataProcessed,
		r.DataRemaining, r.MemTotal, r.MemProcessed, r.MemRemaining, r.FileTotal, r.FileProcessed, r.FileRemaining}, nil
}

// JobStats reports the background job's statistics as typed parameters.
//
// libvirt: virDomainGetJobStats
func (d *Domain) JobStats(ctx context.Context, flags DomainGetJobStatsFlags) (DomainJobType, []TypedParam, error) {
	r, err := d.h().DomainGetJobStats(ctx, d.ref, uint32(flags))
	if err != nil {
		return 0, nil, err
	}
	return DomainJobType(r.Type), paramsFromDriver(r.Params), nil
}

// AbortJob cancels the domain's background job.
//
// libvirt: virDomainAbortJob
func (d *Domain) AbortJob(ctx context.Context) error {
	if err := d.conn.denyReadOnly("virDomainAbortJob"); err != nil {
		return err
	}
	return d.h().DomainAbortJob(ctx, d.ref)
}

// AbortJobFlags cancels the background job with flags.
//
// libvirt: virDomainAbortJobFlags
func (d *Domain) AbortJobFlags(ctx context.Context, flags DomainAbortJobFlags) error {
	if err := d.conn.denyReadOnly("virDomainAbortJobFlags"); err != nil {
		return err
	}
	return d.h().DomainAbortJobFlags(ctx, d.ref, uint32(flags))
}

// BlockJobInfo is virDomainBlockJobInfo.
type BlockJobInfo struct {
	Type      DomainBlockJobType
	Bandwidth uint64
	Cur, End  uint64
}

// BlockJobInfo reports the block job on a disk; nil when there is none.
//
// libvirt: virDomainGetBlockJobInfo
func (d *Domain) BlockJobInfo(ctx context.Context, disk string, flags DomainBlockJobInfoFlags) (*BlockJobInfo, error) {
	r, err := d.h().DomainGetBlockJobInfo(ctx, d.ref, disk, uint32(flags))
	if err != nil {
		return nil, err
	}
	if r.Found == 0 {
		return nil, nil
	}
	return &BlockJobInfo{Type: DomainBlockJobType(r.Type), Bandwidth: r.Bandwidth, Cur: r.Cur, End: r.End}, nil
}

// BlockJobAbort cancels (or pivots) a disk's block job.
//
// libvirt: virDomainBlockJobAbort
func (d *Domain) BlockJobAbort(ctx context.Context, disk string, flags DomainBlockJobAbortFlags) error {
	if err := d.conn.denyReadOnly("virDomainBlockJobAbort"); err != nil {
		return err
	}
	return d.h().DomainBlockJobAbort(ctx, d.ref, disk, uint32(flags))
}

// BlockJobSetSpeed limits a block job's bandwidth.
//
// libvirt: virDomainBlockJobSetSpeed
func (d *Domain) BlockJobSetSpeed(ctx context.Context, disk string, bandwidth uint64, flags DomainBlockJobSetSpeedFlags) error {
	if err := d.conn.denyReadOnly("virDomainBlockJobSetSpeed"); err != nil {
		return err
	}
	return d.h().DomainBlockJobSetSpeed(ctx, d.ref, disk, bandwidth, uint32(flags))
}

// BlockPull fills a disk from its backing chain.
//
// libvirt: virDomainBlockPull
func (d *Domain) BlockPull(ctx context.Context, disk string, bandwidth uint64, flags DomainBlockPullFlags) error {
	if err := d.conn.denyReadOnly("virDomainBlockPull"); err != nil {
		return err
	}
	return d.h().DomainBlockPull(ctx, d.ref, disk, bandwidth, uint32(flags))
}

// BlockRebase pulls part of a disk's backing chain, or copies it.
//
// libvirt: virDomainBlockRebase
func (d *Domain) BlockRebase(ctx context.Context, disk, base string, bandwidth uint64, flags DomainBlockRebaseFlags) error {
	if err := d.conn.denyReadOnly("virDomainBlockRebase"); err != nil {
		return err
	}
	return d.h().DomainBlockRebase(ctx, d.ref, disk, optString(base), bandwidth, uint32(flags))
}

// BlockCommit merges a disk's top image(s) into a base.
//
// libvirt: virDomainBlockCommit
func (d *Domain) BlockCommit(ctx context.Context, disk, base, top string, bandwidth uint64, flags DomainBlockCommitFlags) error {
	if err := d.conn.denyReadOnly("virDomainBlockCommit"); err != nil {
		return err
	}
	return d.h().DomainBlockCommit(ctx, d.ref, disk, optString(base), optString(top), bandwidth, uint32(flags))
}

// BlockCopy copies a disk to the destination destXML describes.
//
// libvirt: virDomainBlockCopy
func (d *Domain) BlockCopy(ctx context.Context, disk, destXML string, params []TypedParam, flags DomainBlockCopyFlags) error {
	if err := d.conn.denyReadOnly("virDomainBlockCopy"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainBlockCopy(ctx, d.ref, disk, destXML, p, uint32(flags))
}

// BlockResize changes a disk's size (bytes with DomainBlockResizeBytes).
//
// libvirt: virDomainBlockResize
func (d *Domain) BlockResize(ctx context.Context, disk string, size uint64, flags DomainBlockResizeFlags) error {
	if err := d.conn.denyReadOnly("virDomainBlockResize"); err != nil {
		return err
	}
	return d.h().DomainBlockResize(ctx, d.ref, disk, size, uint32(flags))
}

// SetBlockThreshold arms the block-threshold event of a disk.
//
// libvirt: virDomainSetBlockThreshold
func (d *Domain) SetBlockThreshold(ctx context.Context, dev string, threshold uint64, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainSetBlockThreshold"); err != nil {
		return err
	}
	return d.h().DomainSetBlockThreshold(ctx, d.ref, dev, threshold, flags)
}

// MigrateMaxSpeed reports the migration bandwidth limit (MiB/s).
//
// libvirt: virDomainMigrateGetMaxSpeed
func (d *Domain) MigrateMaxSpeed(ctx context.Context, flags DomainMigrateMaxSpeedFlags) (uint64, error) {
	return d.h().DomainMigrateGetMaxSpeed(ctx, d.ref, uint32(flags))
}

// MigrateSetMaxSpeed sets the migration bandwidth limit (MiB/s).
//
// libvirt: virDomainMigrateSetMaxSpeed
func (d *Domain) MigrateSetMaxSpeed(ctx context.Context, bandwidth uint64, flags DomainMigrateMaxSpeedFlags) error {
	if err := d.conn.denyReadOnly("virDomainMigrateSetMaxSpeed"); err != nil {
		return err
	}
	return d.h().DomainMigrateSetMaxSpeed(ctx, d.ref, bandwidth, uint32(flags))
}

// MigrateMaxDowntime reports the tolerable downtime (ms).
//
// libvirt: virDomainMigrateGetMaxDowntime
func (d *Domain) MigrateMaxDowntime(ctx context.Context, flags uint32) (uint64, error) {
	return d.h().DomainMigrateGetMaxDowntime(ctx, d.ref, flags)
}

// MigrateSetMaxDowntime sets the tolerable downtime (ms).
//
// libvirt: virDomainMigrateSetMaxDowntime
func (d *Domain) MigrateSetMaxDowntime(ctx context.Context, downtime uint64, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainMigrateSetMaxDowntime"); err != nil {
		return err
	}
	return d.h().DomainMigrateSetMaxDowntime(ctx, d.ref, downtime, flags)
}

// MigrateCompressionCache reports the XBZRLE cache size (bytes).
//
// libvirt: virDomainMigrateGetCompressionCache
func (d *Domain) MigrateCompressionCache(ctx context.Context, flags uint32) (uint64, error) {
	return d.h().DomainMigrateGetCompressionCache(ctx, d.ref, flags)
}

// MigrateSetCompressionCache sets the XBZRLE cache size (bytes).
//
// libvirt: virDomainMigrateSetCompressionCache
func (d *Domain) MigrateSetCompressionCache(ctx context.Context, size uint64, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainMigrateSetCompressionCache"); err != nil {
		return err
	}
	return d.h().DomainMigrateSetCompressionCache(ctx, d.ref, size, flags)
}

// MigrateStartPostCopy switches a running migration to post-copy.
//
// libvirt: virDomainMigrateStartPostCopy
func (d *Domain) MigrateStartPostCopy(ctx context.Context, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainMigrateStartPostCopy"); err != nil {
		return err
	}
	return d.h().DomainMigrateStartPostCopy(ctx, d.ref, flags)
}

// DomainXMLToNative converts domain XML to a hypervisor's native config.
//
// libvirt: virConnectDomainXMLToNative
func (c *Conn) DomainXMLToNative(ctx context.Context, format, xml string, flags uint32) (string, error) {
	if err := c.denyReadOnly("virConnectDomainXMLToNative"); err != nil {
		return "", err
	}
	return c.c.Hypervisor.ConnectDomainXMLToNative(ctx, format, xml, flags)
}

// DomainXMLFromNative converts a native config to domain XML.
//
// libvirt: virConnectDomainXMLFromNative
func (c *Conn) DomainXMLFromNative(ctx context.Context, format, config string, flags uint32) (string, error) {
	if err := c.denyReadOnly("virConnectDomainXMLFromNative"); err != nil {
		return "", err
	}
	return c.c.Hypervisor.ConnectDomainXMLFromNative(ctx, format, config, flags)
}

// GuestVcpus reports the guest's view of its vCPUs (via the agent).
//
// libvirt: virDomainGetGuestVcpus
func (d *Domain) GuestVcpus(ctx context.Context, flags uint32) ([]TypedParam, error) {
	p, err := d.h().DomainGetGuestVcpus(ctx, d.ref, flags)
	if err != nil {
		return nil, err
	}
	return paramsFromDriver(p), nil
}

// SetGuestVcpus enables or disables guest vCPUs (via the agent).
//
// libvirt: virDomainSetGuestVcpus
func (d *Domain) SetGuestVcpus(ctx context.Context, cpumap string, state bool, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainSetGuestVcpus"); err != nil {
		return err
	}
	s := int32(0)
	if state {
		s = 1
	}
	return d.h().DomainSetGuestVcpus(ctx, d.ref, cpumap, s, flags)
}

// SetVcpu hot(un)plugs the vCPUs of cpumap.
//
// libvirt: virDomainSetVcpu
func (d *Domain) SetVcpu(ctx context.Context, cpumap string, state bool, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetVcpu"); err != nil {
		return err
	}
	s := int32(0)
	if state {
		s = 1
	}
	return d.h().DomainSetVcpu(ctx, d.ref, cpumap, s, uint32(flags))
}

// GuestInfo reports what the guest agent knows (users, OS, disks …).
//
// libvirt: virDomainGetGuestInfo
func (d *Domain) GuestInfo(ctx context.Context, types DomainGuestInfoTypes, flags uint32) ([]TypedParam, error) {
	p, err := d.h().DomainGetGuestInfo(ctx, d.ref, uint32(types), flags)
	if err != nil {
		return nil, err
	}
	return paramsFromDriver(p), nil
}

// AgentSetResponseTimeout sets how long to wait for the guest agent.
//
// libvirt: virDomainAgentSetResponseTimeout
func (d *Domain) AgentSetResponseTimeout(ctx context.Context, timeout int, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainAgentSetResponseTimeout"); err != nil {
		return err
	}
	_, err := d.h().DomainAgentSetResponseTimeout(ctx, d.ref, int32(timeout), flags)
	return err
}

// AuthorizedSSHKeys lists a guest user's authorized SSH keys.
//
// libvirt: virDomainAuthorizedSSHKeysGet
func (d *Domain) AuthorizedSSHKeys(ctx context.Context, user string, flags uint32) ([]string, error) {
	return d.h().DomainAuthorizedSSHKeysGet(ctx, d.ref, user, flags)
}

// SetAuthorizedSSHKeys adds, removes or replaces a guest user's keys.
//
// libvirt: virDomainAuthorizedSSHKeysSet
func (d *Domain) SetAuthorizedSSHKeys(ctx context.Context, user string, keys []string, flags DomainAuthorizedSSHKeysSetFlags) error {
	if err := d.conn.denyReadOnly("virDomainAuthorizedSSHKeysSet"); err != nil {
		return err
	}
	return d.h().DomainAuthorizedSSHKeysSet(ctx, d.ref, user, keys, uint32(flags))
}

// StartDirtyRateCalc starts measuring the guest's memory dirty rate.
//
// libvirt: virDomainStartDirtyRateCalc
func (d *Domain) StartDirtyRateCalc(ctx context.Context, seconds int, flags DomainDirtyRateCalcFlags) error {
	if err := d.conn.denyReadOnly("virDomainStartDirtyRateCalc"); err != nil {
		return err
	}
	return d.h().DomainStartDirtyRateCalc(ctx, d.ref, int32(seconds), uint32(flags))
}

// SetLaunchSecurityState injects a launch secret.
//
// libvirt: virDomainSetLaunchSecurityState
func (d *Domain) SetLaunchSecurityState(ctx context.Context, params []TypedParam, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainSetLaunchSecurityState"); err != nil {
		return err
	}
	p, err := paramsToDriver(params)
	if err != nil {
		return err
	}
	return d.h().DomainSetLaunchSecurityState(ctx, d.ref, p, flags)
}

// FDAssociate associates the connection's passed file descriptors with
// a name the domain XML can refer to.
//
// libvirt: virDomainFDAssociate
func (d *Domain) FDAssociate(ctx context.Context, name string, flags DomainFDAssociateFlags) error {
	if err := d.conn.denyReadOnly("virDomainFDAssociate"); err != nil {
		return err
	}
	return d.h().DomainFDAssociate(ctx, d.ref, name, uint32(flags))
}

// qemuMonitor is the connection's QEMU program, when its driver has one.
func (c *Conn) qemuMonitor(function string) (driver.QemuMonitor, error) {
	if m, ok := c.c.Hypervisor.(driver.QemuMonitor); ok {
		return m, nil
	}
	return nil, virterr.NoSupportFrom(virterr.FromDomain, function)
}

// QemuMonitorCommand sends a command to the QEMU monitor: QMP JSON, or
// with flags 1 (VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) a human monitor
// command, and returns QEMU's answer.
//
// libvirt: virDomainQemuMonitorCommand
func (d *Domain) QemuMonitorCommand(ctx context.Context, cmd string, flags uint32) (string, error) {
	if err := d.conn.denyReadOnly("virDomainQemuMonitorCommand"); err != nil {
		return "", err
	}
	m, err := d.conn.qemuMonitor("virDomainQemuMonitorCommand")
	if err != nil {
		return "", err
	}
	return m.DomainQemuMonitorCommand(ctx, d.ref, cmd, flags)
}

// QemuAgentCommand sends a raw command to the guest agent; timeout is in
// seconds, or -2 (block), -1 (default), 0 (no wait).
//
// libvirt: virDomainQemuAgentCommand
func (d *Domain) QemuAgentCommand(ctx context.Context, cmd string, timeout int, flags uint32) (string, error) {
	if err := d.conn.denyReadOnly("virDomainQemuAgentCommand"); err != nil {
		return "", err
	}
	m, err := d.conn.qemuMonitor("virDomainQemuAgentCommand")
	if err != nil {
		return "", err
	}
	return m.DomainQemuAgentCommand(ctx, d.ref, cmd, int32(timeout), flags)
}

// QemuAttach adopts a QEMU process; libvirt 9.0's QEMU driver no longer
// can, and neither can govirt's.
//
// libvirt: virDomainQemuAttach
func (c *Conn) QemuAttach(ctx context.Context, pid uint, flags uint32) (*Domain, error) {
	if pid == 0 {
		return nil, virterr.InvalidArgument(virterr.FromDomain, "virDomainQemuAttach", "pid_value",
			"pid_value in virDomainQemuAttach must not be zero")
	}
	if err := c.denyReadOnly("virDomainQemuAttach"); err != nil {
		return nil, err
	}
	return nil, virterr.NoSupportFrom(virterr.FromDomain, "virDomainQemuAttach")
}

// QemuMonitorEventRegister calls cb with every QMP event of dom (nil:
// of every domain) named event ("": every event; flags select a regular
// expression or a case-insensitive match). details is the event's data
// as JSON, "" when it has none.
//
// libvirt: virConnectDomainQemuMonitorEventRegister
func (c *Conn) QemuMonitorEventRegister(ctx context.Context, dom *Domain, event string, cb func(*Conn, *Domain, string, int64, uint, string), flags uint32) (int, error) {
	m, err := c.qemuMonitor("virConnectDomainQemuMonitorEventRegister")
	if err != nil {
		return -1, err
	}
	var ref *driver.DomainRef
	if dom != nil {
		r := dom.ref
		ref = &r
	}
	var name *string
	if event != "" {
		name = &event
	}
	c.events.start(c)
	id, err := m.QemuMonitorEventRegister(ctx, ref, name, flags, func(ev driver.QemuMonitorEvent) {
		details := ""
		if ev.Details != nil {
			details = *ev.Details
		}
		c.events.push(func() { cb(c, c.domain(ev.Dom), ev.Event, ev.Seconds, uint(ev.Micros), details) })
	})
	return int(id), err
}

// QemuMonitorEventDeregister ends a QemuMonitorEventRegister.
//
// libvirt: virConnectDomainQemuMonitorEventDeregister
func (c *Conn) QemuMonitorEventDeregister(ctx context.Context, callbackID int) error {
	m, err := c.qemuMonitor("virConnectDomainQemuMonitorEventDeregister")
	if err != nil {
		return err
	}
	return m.QemuMonitorEventDeregister(ctx, int32(callbackID))
}

// LxcOpenNamespace opens a container's namespaces (refused: govirt has
// no LXC program).
//
// libvirt: virDomainLxcOpenNamespace
func (d *Domain) LxcOpenNamespace(ctx context.Context, flags uint32) ([]int, error) {
	return nil, virterr.NoSupportFor("virDomainLxcOpenNamespace")
}
