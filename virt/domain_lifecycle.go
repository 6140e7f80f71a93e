package virt

import (
	"context"
)

// Shutdown asks the guest to shut down.
//
// libvirt: virDomainShutdownFlags
func (d *Domain) Shutdown(ctx context.Context, flags DomainShutdownFlags) error {
	if err := d.conn.denyReadOnly(pick(flags == 0, "virDomainShutdown", "virDomainShutdownFlags")); err != nil {
		return err
	}
	var err error
	if flags == 0 {
		err = d.h().DomainShutdown(ctx, d.ref)
	} else {
		err = d.h().DomainShutdownFlags(ctx, d.ref, uint32(flags))
	}
	if err == nil {
		d.refresh(ctx)
	}
	return err
}

// Reboot asks the guest to reboot.
//
// libvirt: virDomainReboot
func (d *Domain) Reboot(ctx context.Context, flags DomainRebootFlags) error {
	if err := d.conn.denyReadOnly("virDomainReboot"); err != nil {
		return err
	}
	err := d.h().DomainReboot(ctx, d.ref, uint32(flags))
	if err == nil {
		d.refresh(ctx)
	}
	return err
}

// Reset resets the guest at once, as a hardware reset button does.
//
// libvirt: virDomainReset
func (d *Domain) Reset(ctx context.Context, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainReset"); err != nil {
		return err
	}
	return d.h().DomainReset(ctx, d.ref, flags)
}

// Save stops the domain, saving its memory to path.
//
// libvirt: virDomainSaveFlags
func (d *Domain) Save(ctx context.Context, path, dxml string, flags DomainSaveRestoreFlags) error {
	if err := d.conn.denyReadOnly(pick(flags == 0 && dxml == "", "virDomainSave", "virDomainSaveFlags")); err != nil {
		return err
	}
	var err error
	if flags == 0 && dxml == "" {
		err = d.h().DomainSave(ctx, d.ref, path)
	} else {
		err = d.h().DomainSaveFlags(ctx, d.ref, path, optString(dxml), uint32(flags))
	}
	if err == nil {
		d.ref.ID = -1
	}
	return err
}

// RestoreDomain starts a domain from a file written by Save.
//
// libvirt: virDomainRestoreFlags
func (c *Conn) RestoreDomain(ctx context.Context, path, dxml string, flags DomainSaveRestoreFlags) error {
	if err := c.denyReadOnly(pick(flags == 0 && dxml == "", "virDomainRestore", "virDomainRestoreFlags")); err != nil {
		return err
	}
	if flags == 0 && dxml == "" {
		return c.c.Hypervisor.DomainRestore(ctx, path)
	}
	return c.c.Hypervisor.DomainRestoreFlags(ctx, path, optString(dxml), uint32(flags))
}

// SaveImageXMLDesc is the domain XML stored in a save image.
//
// libvirt: virDomainSaveImageGetXMLDesc
func (c *Conn) SaveImageXMLDesc(ctx context.Context, path string, flags DomainSaveImageXMLFlags) (string, error) {
	if flags&DomainSaveImageXMLSecure != 0 {
		if err := c.denyReadOnly("virDomainSaveImageGetXMLDesc with secure flag"); err != nil {
			return "", err
		}
	}
	return c.c.Hypervisor.DomainSaveImageGetXMLDesc(ctx, path, uint32(flags))
}

// SaveImageDefineXML replaces the domain XML stored in a save image.
//
// libvirt: virDomainSaveImageDefineXML
func (c *Conn) SaveImageDefineXML(ctx context.Context, path, xml string, flags DomainSaveRestoreFlags) error {
	if err := c.denyReadOnly("virDomainSaveImageDefineXML"); err != nil {
		return err
	}
	return c.c.Hypervisor.DomainSaveImageDefineXML(ctx, path, xml, uint32(flags))
}

// ManagedSave stops the domain, saving its memory where the next Create
// resumes it from.
//
// libvirt: virDomainManagedSave
func (d *Domain) ManagedSave(ctx context.Context, flags DomainSaveRestoreFlags) error {
	if err := d.conn.denyReadOnly("virDomainManagedSave"); err != nil {
		return err
	}
	err := d.h().DomainManagedSave(ctx, d.ref, uint32(flags))
	if err == nil {
		d.ref.ID = -1
	}
	return err
}

// ManagedSaveRemove discards the managed save image.
//
// libvirt: virDomainManagedSaveRemove
func (d *Domain) ManagedSaveRemove(ctx context.Context, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainManagedSaveRemove"); err != nil {
		return err
	}
	return d.h().DomainManagedSaveRemove(ctx, d.ref, flags)
}

// ManagedSaveXMLDesc is the domain XML of the managed save image.
//
// libvirt: virDomainManagedSaveGetXMLDesc
func (d *Domain) ManagedSaveXMLDesc(ctx context.Context, flags DomainSaveImageXMLFlags) (string, error) {
	return d.h().DomainManagedSaveGetXMLDesc(ctx, d.ref, uint32(flags))
}

// ManagedSaveDefineXML replaces the domain XML of the managed save image.
//
// libvirt: virDomainManagedSaveDefineXML
func (d *Domain) ManagedSaveDefineXML(ctx context.Context, dxml string, flags DomainSaveRestoreFlags) error {
	if err := d.conn.denyReadOnly("virDomainManagedSaveDefineXML"); err != nil {
		return err
	}
	return d.h().DomainManagedSaveDefineXML(ctx, d.ref, optString(dxml), uint32(flags))
}

// CoreDump writes the guest's memory to a file.
//
// libvirt: virDomainCoreDumpWithFormat
func (d *Domain) CoreDump(ctx context.Context, to string, format DomainCoreDumpFormat, flags DomainCoreDumpFlags) error {
	if err := d.conn.denyReadOnly(pick(format == DomainCoreDumpFormatRaw, "virDomainCoreDump", "virDomainCoreDumpWithFormat")); err != nil {
		return err
	}
	var err error
	if format == DomainCoreDumpFormatRaw {
		err = d.h().DomainCoreDump(ctx, d.ref, to, uint32(flags))
	} else {
		err = d.h().DomainCoreDumpWithFormat(ctx, d.ref, to, uint32(format), uint32(flags))
	}
	if err == nil && flags&DumpCrash != 0 {
		d.refresh(ctx)
	}
	return err
}

// PMSuspendForDuration suspends the guest to memory or disk.
//
// libvirt: virDomainPMSuspendForDuration
func (d *Domain) PMSuspendForDuration(ctx context.Context, target NodeSuspendTarget, duration uint64, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainPMSuspendForDuration"); err != nil {
		return err
	}
	return d.h().DomainPMSuspendForDuration(ctx, d.ref, uint32(target), duration, flags)
}

// PMWakeup wakes a guest suspended to memory.
//
// libvirt: virDomainPMWakeup
func (d *Domain) PMWakeup(ctx context.Context, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainPMWakeup"); err != nil {
		return err
	}
	return d.h().DomainPMWakeup(ctx, d.ref, flags)
}

// Rename gives an inactive domain a new name; the handle follows.
//
// libvirt: virDomainRename
func (d *Domain) Rename(ctx context.Context, newName string, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainRename"); err != nil {
		return err
	}
	if _, err := d.h().DomainRename(ctx, d.ref, &newName, flags); err != nil {
		return err
	}
	d.ref.Name = newName
	return nil
}

// SetLifecycleAction sets what happens when the guest powers off, reboots
// or crashes.
//
// libvirt: virDomainSetLifecycleAction
func (d *Domain) SetLifecycleAction(ctx context.Context, typ DomainLifecycle, action DomainLifecycleAction, flags DomainModificationImpact) error {
	if err := d.conn.denyReadOnly("virDomainSetLifecycleAction"); err != nil {
		return err
	}
	return d.h().DomainSetLifecycleAction(ctx, d.ref, uint32(typ), uint32(action), uint32(flags))
}

// InjectNMI sends a non-maskable interrupt to the guest.
//
// libvirt: virDomainInjectNMI
func (d *Domain) InjectNMI(ctx context.Context, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainInjectNMI"); err != nil {
		return err
	}
	return d.h().DomainInjectNMI(ctx, d.ref, flags)
}

// SendKey sends key presses to the guest.
//
// libvirt: virDomainSendKey
func (d *Domain) SendKey(ctx context.Context, codeset KeycodeSet, holdtime uint, keycodes []uint, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainSendKey"); err != nil {
		return err
	}
	codes := make([]uint32, len(keycodes))
	for i, k := range keycodes {
		codes[i] = uint32(k)
	}
	return d.h().DomainSendKey(ctx, d.ref, uint32(codeset), uint32(holdtime), codes, flags)
}

// SendProcessSignal sends a signal to a process in the guest.
//
// libvirt: virDomainSendProcessSignal
func (d *Domain) SendProcessSignal(ctx context.Context, pid int64, signum DomainProcessSignal, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainSendProcessSignal"); err != nil {
		return err
	}
	return d.h().DomainSendProcessSignal(ctx, d.ref, pid, uint32(signum), flags)
}

// SetUserPassword sets a guest user's password through the guest agent.
//
// libvirt: virDomainSetUserPassword
func (d *Domain) SetUserPassword(ctx context.Context, user, password string, flags DomainSetUserPasswordFlags) error {
	if err := d.conn.denyReadOnly("virDomainSetUserPassword"); err != nil {
		return err
	}
	return d.h().DomainSetUserPassword(ctx, d.ref, &user, &password, uint32(flags))
}

// FSFreeze freezes the guest's filesystems (all of them when mountpoints
// is empty) and reports how many it froze.
//
// libvirt: virDomainFSFreeze
func (d *Domain) FSFreeze(ctx context.Context, mountpoints []string, flags uint32) (int, error) {
	if err := d.conn.denyReadOnly("virDomainFSFreeze"); err != nil {
		return -1, err
	}
	n, err := d.h().DomainFSFreeze(ctx, d.ref, mountpoints, flags)
	return int(n), err
}

// FSThaw thaws frozen filesystems and reports how many it thawed.
//
// libvirt: virDomainFSThaw
func (d *Domain) FSThaw(ctx context.Context, mountpoints []string, flags uint32) (int, error) {
	if err := d.conn.denyReadOnly("virDomainFSThaw"); err != nil {
		return -1, err
	}
	n, err := d.h().DomainFSThaw(ctx, d.ref, mountpoints, flags)
	return int(n), err
}

// FSTrim discards unused blocks of a mounted filesystem ("" for all).
//
// libvirt: virDomainFSTrim
func (d *Domain) FSTrim(ctx context.Context, mountPoint string, minimum uint64, flags uint32) error {
	if err := d.conn.denyReadOnly("virDomainFSTrim"); err != nil {
		return err
	}
	return d.h().DomainFSTrim(ctx, d.ref, optString(mountPoint), minimum, flags)
}

// Screenshot takes a picture of a screen of the guest: the image's MIME
// type, and a stream to read the image from.
//
// libvirt: virDomainScreenshot
func (d *Domain) Screenshot(ctx context.Context, screen uint, flags uint32) (string, *Stream, error) {
	if err := d.conn.denyReadOnly("virDomainScreenshot"); err != nil {
		return "", nil, err
	}
	st := newBufferStream()
	mime, err := d.h().DomainScreenshot(ctx, st, d.ref, uint32(screen), flags)
	if err != nil {
		return "", nil, err
	}
	m := ""
	if mime != nil {
		m = *mime
	}
	return m, &Stream{conn: d.conn, st: st}, nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
