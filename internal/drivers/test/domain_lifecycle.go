package test

import (
	"context"
	"encoding/binary"
	"os"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// stopped finishes a domain leaving the running states: transient ones
// disappear (virDomainObjListRemove).
func (st *state) stopped(o *domainObj, reason, detail int32) event {
	st.shutdownState(o, reason)
	ev := st.lifecycleEvent(o, eventStopped, detail)
	if !o.persistent {
		st.remove(o)
	}
	return ev
}

// actionState is testDomainActionSetState: what a guest's shutdown or
// reboot leads to under its on_poweroff / on_reboot action.
func actionState(o *domainObj, action string) {
	switch action {
	case "restart", "rename-restart":
		o.state, o.reason = stateRunning, runningBooted
	default:
		o.state, o.reason = stateShutoff, shutoffShutdown
	}
}

// DomainShutdown asks the guest to power off.
func (c *conn) DomainShutdown(ctx context.Context, dom driver.DomainRef) error {
	return c.shutdown(dom, 0, "virDomainShutdown")
}

// DomainShutdownFlags asks the guest to power off.
func (c *conn) DomainShutdownFlags(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	return c.shutdown(dom, flags, "virDomainShutdownFlags")
}

func (c *conn) shutdown(dom driver.DomainRef, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainShutdownFlags"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		if o.state == stateShutoff {
			return nil, errf(virterr.InternalError, "domain '%s' not running", dom.Name)
		}
		actionState(o, o.def.OnPoweroff)
		if o.state == stateShutoff {
			return []event{c.st.stopped(o, shutoffShutdown, detailStoppedShutdown)}, nil
		}
		return nil, nil
	})
}

// DomainReboot reboots the guest, which under on_reboot='destroy' stops it.
func (c *conn) DomainReboot(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainReboot"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 1<<0|1<<1|1<<2|1<<3|1<<4|1<<5, "testDomainReboot"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		if err := checkActive(o); err != nil {
			return nil, err
		}
		actionState(o, o.def.OnReboot)
		if o.state == stateShutoff {
			return []event{c.st.stopped(o, shutoffShutdown, detailStoppedShutdown)}, nil
		}
		return nil, nil
	})
}

// DomainReset does nothing to a running guest.
func (c *conn) DomainReset(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainReset"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainReset"); err != nil {
		return err
	}
	return c.read(dom, checkActive)
}

// saveMagic starts the test driver's save images (TEST_SAVE_MAGIC with
// its NUL), followed by the XML's length as a native int and the XML.
const saveMagic = "TestGuestMagic\x00"

func writeSaveImage(path string, def *domain.Def) error {
	xml := def.Format(domain.FormatSecure)
	data := make([]byte, 0, len(saveMagic)+4+len(xml))
	data = append(data, saveMagic...)
	data = binary.NativeEndian.AppendUint32(data, uint32(len(xml)))
	data = append(data, xml...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		os.Remove(path)
		return errf(virterr.SystemError, "saving domain '%s' to '%s': open failed: %s", def.Name, path, errnoText(err))
	}
	return nil
}

// readSaveImage is testDomainSaveImageOpen.
func readSaveImage(path string) (*domain.Def, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errf(virterr.SystemError, "cannot read domain image '%s': %s", path, errnoText(err))
	}
	if len(data) < len(saveMagic) {
		return nil, errf(virterr.SystemError, "incomplete save header in '%s'", path)
	}
	if string(data[:len(saveMagic)]) != saveMagic {
		return nil, errf(virterr.InternalError, "mismatched header magic")
	}
	data = data[len(saveMagic):]
	if len(data) < 4 {
		return nil, errf(virterr.SystemError, "failed to read metadata length in '%s'", path)
	}
	n := int32(binary.NativeEndian.Uint32(data))
	if n < 1 || n > 8192 {
		return nil, errf(virterr.InternalError, "length of metadata out of range")
	}
	data = data[4:]
	if len(data) < int(n) {
		return nil, errf(virterr.SystemError, "incomplete metadata in '%s'", path)
	}
	def, err := domain.Parse(data[:n], domain.ParseInactive)
	if err != nil {
		return nil, err
	}
	if err := postParse(def); err != nil {
		return nil, err
	}
	return def, nil
}

// DomainSave saves and stops the domain.
func (c *conn) DomainSave(ctx context.Context, dom driver.DomainRef, to string) error {
	return c.save(dom, to, nil, 0, "virDomainSave")
}

// DomainSaveFlags saves and stops the domain; the test driver takes no
// flags and no replacement XML.
func (c *conn) DomainSaveFlags(ctx context.Context, dom driver.DomainRef, to string, dxml *string, flags uint32) error {
	return c.save(dom, to, dxml, flags, "virDomainSaveFlags")
}

func (c *conn) save(dom driver.DomainRef, to string, dxml *string, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainSaveFlags"); err != nil {
		return err
	}
	if dxml != nil {
		return errf(virterr.ArgumentUnsupported, "xml modification unsupported")
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		if err := checkActive(o); err != nil {
			return nil, err
		}
		if err := writeSaveImage(to, o.def); err != nil {
			return nil, err
		}
		return []event{c.st.stopped(o, shutoffSaved, detailStoppedSaved)}, nil
	})
}

// DomainRestore starts a domain from a save image.
func (c *conn) DomainRestore(ctx context.Context, from string) error {
	return c.restore(from, nil, 0, "virDomainRestore")
}

// DomainRestoreFlags starts a domain from a save image.
func (c *conn) DomainRestoreFlags(ctx context.Context, from string, dxml *string, flags uint32) error {
	return c.restore(from, dxml, flags, "virDomainRestoreFlags")
}

func (c *conn) restore(from string, dxml *string, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainRestoreFlags"); err != nil {
		return err
	}
	if dxml != nil {
		return errf(virterr.ArgumentUnsupported, "xml modification unsupported")
	}
	def, err := readSaveImage(from)
	if err != nil {
		return err
	}
	c.st.mu.Lock()
	o, _, err := c.st.add(def, true)
	if err != nil {
		c.st.mu.Unlock()
		return err
	}
	c.st.startState(o, runningRestored)
	ev := c.st.lifecycleEvent(o, eventStarted, detailStartedRestored)
	c.st.mu.Unlock()
	ev()
	return nil
}

// DomainSaveImageGetXMLDesc is the definition a save image holds.
func (c *conn) DomainSaveImageGetXMLDesc(ctx context.Context, file string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 1, "testDomainSaveImageGetXMLDesc"); err != nil {
		return "", err
	}
	def, err := readSaveImage(file)
	if err != nil {
		return "", err
	}
	return def.Format(domain.FormatSecure), nil
}

// DomainSaveImageDefineXML replaces the definition a save image holds.
func (c *conn) DomainSaveImageDefineXML(ctx context.Context, file string, dxml string, flags uint32) error {
	if err := c.denyReadOnly("virDomainSaveImageDefineXML"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 1<<1|1<<2, "testDomainSaveImageDefineXML"); err != nil {
		return err
	}
	if _, err := readSaveImage(file); err != nil {
		return err
	}
	def, err := parseDomain(dxml, false)
	if err != nil {
		return err
	}
	return writeSaveImage(file, def)
}

// DomainCoreDump writes a dump header to a file.
func (c *conn) DomainCoreDump(ctx context.Context, dom driver.DomainRef, to string, flags uint32) error {
	return c.coreDump(dom, to, 0, flags, "virDomainCoreDump")
}

// DomainCoreDumpWithFormat writes a dump header; only raw dumps work.
func (c *conn) DomainCoreDumpWithFormat(ctx context.Context, dom driver.DomainRef, to string, format uint32, flags uint32) error {
	return c.coreDump(dom, to, format, flags, "virDomainCoreDumpWithFormat")
}

func (c *conn) coreDump(dom driver.DomainRef, to string, format, flags uint32, function string) error {
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 1, "testDomainCoreDumpWithFormat"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		if err := checkActive(o); err != nil {
			return nil, err
		}
		if err := os.WriteFile(to, []byte(saveMagic), 0o600); err != nil {
			return nil, errf(virterr.SystemError, "domain '%s' coredump: failed to open %s: %s", dom.Name, to, errnoText(err))
		}
		if format != 0 {
			return nil, errf(virterr.OperationUnsupported, "kdump-compressed format is not supported here")
		}
		if flags&1 != 0 { // VIR_DUMP_CRASH
			return []event{c.st.stopped(o, shutoffCrashed, detailStoppedCrashed)}, nil
		}
		return nil, nil
	})
}

// DomainManagedSave stops a persistent domain, remembering it was saved.
func (c *conn) DomainManagedSave(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainManagedSave"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 1<<0|1<<1|1<<2, "testDomainManagedSave"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		if err := checkActive(o); err != nil {
			return nil, err
		}
		if !o.persistent {
			return nil, errf(virterr.OperationInvalid, "cannot do managed save for transient domain")
		}
		c.st.shutdownState(o, shutoffSaved)
		o.hasManagedSave = true
		return []event{c.st.lifecycleEvent(o, eventStopped, detailStoppedSaved)}, nil
	})
}

// DomainManagedSaveRemove forgets the managed save.
func (c *conn) DomainManagedSaveRemove(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainManagedSaveRemove"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, 0, "testDomainManagedSaveRemove"); err != nil {
		return err
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		o.hasManagedSave = false
		return nil, nil
	})
}

// DomainRename renames an inactive persistent domain.
func (c *conn) DomainRename(ctx context.Context, dom driver.DomainRef, newName *string, flags uint32) (int32, error) {
	if err := c.denyReadOnly("virDomainRename"); err != nil {
		return -1, err
	}
	if err := unsupportedFlags(flags, 0, "testDomainRename"); err != nil {
		return -1, err
	}
	name := ""
	if newName != nil {
		name = *newName
	}
	err := c.update(dom, func(o *domainObj) ([]event, error) {
		if o.active() {
			return nil, errf(virterr.OperationInvalid, "cannot rename active domain")
		}
		if !o.persistent {
			return nil, errf(virterr.OperationInvalid, "cannot rename a transient domain")
		}
		if o.state != stateShutoff {
			return nil, errf(virterr.OperationInvalid, "domain has to be shutoff before renaming")
		}
		if c.st.lookupName(name) != nil {
			return nil, errf(virterr.OperationInvalid, "domain with name '%s' already exists", name)
		}
		if strings.Contains(name, "/") {
			return nil, errf(virterr.XMLError, "name %s cannot contain '/'", name)
		}
		old := c.st.lifecycleEvent(o, eventUndefined, detailRenamedUndefined)
		o.def.Name = name
		c.st.reindex(o)
		return []event{old, c.st.lifecycleEvent(o, eventDefined, detailRenamedDefined)}, nil
	})
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// DomainSetLifecycleAction changes on_poweroff, on_reboot or on_crash.
func (c *conn) DomainSetLifecycleAction(ctx context.Context, dom driver.DomainRef, typ uint32, action uint32, flags uint32) error {
	if err := c.denyReadOnly("virDomainSetLifecycleAction"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, affectLive|affectConfig, "testDomainSetLifecycleAction"); err != nil {
		return err
	}
	actions := []string{"destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"}
	if typ > 2 || action >= uint32(len(actions)) {
		return errf(virterr.InvalidArg, "invalid lifecycle type '%d'", typ)
	}
	if typ != 2 && action >= 4 { // coredump-* apply to crashes only
		return errf(virterr.InvalidArg, "Lifecycle event '%s' doesn't support '%s' action", []string{"poweroff", "reboot", "crash"}[typ], actions[action])
	}
	return c.update(dom, func(o *domainObj) ([]event, error) {
		live, config, err := bothDefs(o, flags)
		if err != nil {
			return nil, err
		}
		set := func(d *domain.Def) {
			switch typ {
			case 0:
				d.OnPoweroff = actions[action]
			case 1:
				d.OnReboot = actions[action]
			case 2:
				d.OnCrash = actions[action]
			}
		}
		if live {
			set(o.def)
		}
		if config {
			set(o.persistentDef())
		}
		return nil, nil
	})
}
