package qemu

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// The save image header (qemu_saveimage.h's virQEMUSaveHeader): a magic,
// which stays "…Part" until the image is complete, then the XML and the
// migration stream.
const (
	saveMagic        = "LibvirtQemudSave"
	savePartialMagic = "LibvirtQemudPart"
	saveVersion      = 2
	saveHeaderSize   = 16 + 4*5 + 4*15
	// savePad is the room virQEMUSaveDataWrite leaves after the XML and
	// the cookie, so that an edited definition
	// (virDomainSaveImageDefineXML) fits without moving the stream.
	savePad = 64 * 1024
)

type saveHeader struct {
	version, dataLen, wasRunning, compressed, cookieOffset uint32
}

func (h saveHeader) encode(magic string) []byte {
	b := make([]byte, saveHeaderSize)
	copy(b, magic)
	le := binary.LittleEndian
	le.PutUint32(b[16:], h.version)
	le.PutUint32(b[20:], h.dataLen)
	le.PutUint32(b[24:], h.wasRunning)
	le.PutUint32(b[28:], h.compressed)
	le.PutUint32(b[32:], h.cookieOffset)
	return b
}

func invalidSave(path string) error {
	return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "image magic is incorrect")
}

// readSaveImage reads the header and the domain XML of a save image and
// returns where the migration stream starts.
func readSaveImage(path string) (h saveHeader, xml string, offset int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return h, "", 0, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to open domain image file '%s': %s", path, errnoText(err))
	}
	defer f.Close()
	hdr := make([]byte, saveHeaderSize)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return h, "", 0, virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "failed to read qemu header")
	}
	if string(hdr[:16]) == savePartialMagic {
		return h, "", 0, virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "save image is incomplete")
	}
	if string(hdr[:16]) != saveMagic {
		return h, "", 0, invalidSave(path)
	}
	le := binary.LittleEndian
	h = saveHeader{le.Uint32(hdr[16:]), le.Uint32(hdr[20:]), le.Uint32(hdr[24:]), le.Uint32(hdr[28:]), le.Uint32(hdr[32:])}
	if h.version > saveVersion {
		return h, "", 0, virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "image version is not supported (%d > %d)", h.version, saveVersion)
	}
	data := make([]byte, h.dataLen)
	if _, err := io.ReadFull(f, data); err != nil {
		return h, "", 0, virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "failed to read domain XML")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		data = data[:i]
	}
	return h, string(data), int64(saveHeaderSize) + int64(h.dataLen), nil
}

// saveTo migrates a running domain into path and stops it
// (qemuDomainSaveInternal): pause, write header and XML, migrate to the
// file descriptor, mark the image complete, stop QEMU.
func (d *Driver) saveTo(ctx context.Context, o *domainObj, p *qemuProcess, path string, xmlOverride *string) error {
	o.mu.Lock()
	wasRunning := o.state == stateRunning
	copyXML := migratableCopyXML(o.live)
	var orig *cpumap.CPU
	if p.origCPU != nil {
		orig = p.origCPU.Copy()
	}
	cookie := saveCookie(o.live, p.origCPU != nil)
	o.mu.Unlock()
	// The image carries the live definition as a migration would
	// (qemuDomainDefFormatLive, inactive and compatible): the CPU the
	// guest asked for, the one QEMU gave it in the cookie.
	xml, err := d.migratableXML(ctx, copyXML, orig, true)
	if err != nil {
		return err
	}
	if xmlOverride != nil && *xmlOverride != "" {
		// qemuDomainSaveInternal's xmlin: read as an inactive definition
		// and written as migratable, with no original CPU of its own.
		def, err := d.parseDef(ctx, *xmlOverride, domain.ParseInactive)
		if err != nil {
			return err
		}
		if xml, err = d.migratableXML(ctx, migratableCopyXML(def), nil, true); err != nil {
			return err
		}
	}
	defer p.beginJob(&asyncJob{operation: jobOperationSave, name: "domain save job", started: time.Now()})()
	if wasRunning {
		o.mu.Lock()
		o.setState(statePaused, pausedSave)
		ref := o.ref()
		o.mu.Unlock()
		if _, err := p.mon.Execute(ctx, "stop", nil); err != nil {
			o.mu.Lock()
			o.setState(stateRunning, runningUnpaused)
			o.mu.Unlock()
			return err
		}
		d.emit(ref, evSuspended, detSuspendedPaused)
	}
	resume := func() {
		if wasRunning {
			o.mu.Lock()
			o.setState(stateRunning, 7) // save canceled
			ref := o.ref()
			o.mu.Unlock()
			if _, err := p.mon.Execute(context.Background(), "cont", nil); err == nil {
				d.emit(ref, evResumed, detResumedUnpaused)
			}
		}
	}
	data := append([]byte(xml), 0)
	h := saveHeader{version: saveVersion}
	if cookie != "" {
		h.cookieOffset = uint32(len(data))
		data = append(append(data, cookie...), 0)
	}
	data = append(data, make([]byte, savePad)...)
	h.dataLen = uint32(len(data))
	if wasRunning {
		h.wasRunning = 1
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		resume()
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to create file '%s': %s", path, errnoText(err))
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(path)
		resume()
		return err
	}
	if _, err := f.Write(append(h.encode(savePartialMagic), data...)); err != nil {
		return fail(err)
	}
	if err := p.mon.GetFD(ctx, "migrate", f); err != nil {
		return fail(err)
	}
	if _, err := p.mon.Execute(ctx, "migrate", map[string]any{"uri": "fd:migrate"}); err != nil {
		return fail(err)
	}
	if err := p.waitMigration(ctx); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if _, err := f.WriteAt([]byte(saveMagic), 0); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	return p.stop(shutoffSaved, detStoppedSaved, true)
}

// saveImageCookie is a save image's cookie document, "" when it has
// none.
func saveImageCookie(path string) (string, error) {
	h, xml, _, err := readSaveImage(path)
	if err != nil || h.cookieOffset == 0 {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if int(h.cookieOffset) <= len(xml) || h.dataLen <= h.cookieOffset {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "failed to read cookie")
	}
	data := make([]byte, h.dataLen-h.cookieOffset)
	if _, err := f.ReadAt(data, int64(saveHeaderSize)+int64(h.cookieOffset)); err != nil {
		return "", virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "failed to read cookie")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		data = data[:i]
	}
	return string(data), nil
}

// saveCookieCPU is the CPU of a save image's cookie
// (qemuDomainSaveCookieParse), nil when the image has none.
func saveCookieCPU(path string) (*cpumap.CPU, error) {
	cookie, err := saveImageCookie(path)
	if err != nil || cookie == "" {
		return nil, err
	}
	root, err := xmltree.ParseRoot([]byte(cookie), "(save cookie)", "cookie")
	if err != nil {
		return nil, err
	}
	n := root.Child("cpu")
	if n == nil {
		return nil, nil
	}
	return cpumap.ParseNode(n, cpumap.Guest)
}

// saveCookie is qemuDomainSaveCookieFormat's document: the live guest
// CPU when QEMU changed the one the guest asked for (withCPU), and
// <slirpHelper/> unless a user-mode interface uses QEMU's own slirp (no
// guest of this driver has the helper).
func saveCookie(live *domain.Def, withCPU bool) string {
	b := &xmlbuf.Buffer{}
	b.AddLit("<cookie>\n")
	b.AdjustIndent(2)
	if withCPU && live.CPU != nil {
		toCPUDef(live.CPU).FormatBuf(b)
	}
	slirp := true
	if live.Devices != nil {
		for _, n := range live.Devices.Interfaces() {
			if n.Attr("type") == "user" {
				slirp = false
			}
		}
	}
	if slirp {
		b.AddLit("<slirpHelper/>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</cookie>\n")
	return b.String()
}

// waitMigration polls query-migrate until the migration ends.
func (p *qemuProcess) waitMigration(ctx context.Context) error {
	for {
		var st struct {
			Status    string `json:"status"`
			ErrorDesc string `json:"error-desc"`
			RAM       *struct {
				Total       uint64 `json:"total"`
				Transferred uint64 `json:"transferred"`
				Remaining   uint64 `json:"remaining"`
			} `json:"ram"`
		}
		if err := p.mon.ExecuteInto(ctx, "query-migrate", nil, &st); err != nil {
			return err
		}
		job := p.currentJob()
		if job != nil && st.RAM != nil {
			job.progress(st.RAM.Total, st.RAM.Transferred, st.RAM.Remaining)
		}
		switch st.Status {
		case "completed":
			return nil
		case "cancelled", "cancelling":
			if job != nil && job.wasAborted() {
				if st.Status == "cancelling" {
					break
				}
				return virterr.NewFrom(virterr.FromQemu, virterr.OperationAborted, "%s: canceled by client", job.name)
			}
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "operation failed: job 'migration out' failed: %s", st.Status)
		case "failed":
			msg := st.ErrorDesc
			if msg == "" {
				msg = st.Status
			}
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "operation failed: job 'migration out' failed: %s", msg)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// migrateIncoming loads a saved state into a QEMU started with
// -incoming defer.
func (p *qemuProcess) migrateIncoming(ctx context.Context, path string) error {
	_, _, offset, err := readSaveImage(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return err
	}
	if err := p.mon.GetFD(ctx, "incoming", f); err != nil {
		return err
	}
	if _, err := p.mon.Execute(ctx, "migrate-incoming", map[string]any{"uri": "fd:incoming"}); err != nil {
		return err
	}
	for {
		var st struct {
			Status string `json:"status"`
		}
		if err := p.mon.ExecuteInto(ctx, "query-migrate", nil, &st); err != nil {
			return err
		}
		switch st.Status {
		case "completed":
			return nil
		case "failed", "cancelled":
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "operation failed: job 'migration in' failed")
		}
		var qs struct {
			Status string `json:"status"`
		}
		if err := p.mon.ExecuteInto(ctx, "query-status", nil, &qs); err == nil && qs.Status == "paused" && st.Status == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

var _ = json.Marshal

// DomainSave saves a running domain to a file and stops it.
func (c *conn) DomainSave(ctx context.Context, dom driver.DomainRef, to string) error {
	return c.DomainSaveFlags(ctx, dom, to, nil, 0)
}

// DomainSaveFlags saves a running domain to a file and stops it.
func (c *conn) DomainSaveFlags(ctx context.Context, dom driver.DomainRef, to string, dxml *string, flags uint32) error {
	const saveBypassCache, saveRunning, savePaused = 1 << 0, 1 << 1, 1 << 2
	if err := unsupportedFlags(flags, saveBypassCache|saveRunning|savePaused, "qemuDomainSaveFlags"); err != nil {
		return err
	}
	return c.modifyRunning(ctx, dom, "virDomainSaveFlags", "remoteDispatchDomainSaveFlags", func(o *domainObj, p *qemuProcess) error {
		return c.d.saveTo(ctx, o, p, to, dxml)
	})
}

// DomainRestore starts a domain from a save image.
func (c *conn) DomainRestore(ctx context.Context, from string) error {
	return c.DomainRestoreFlags(ctx, from, nil, 0)
}

// DomainRestoreFlags starts a domain from a save image, running or
// paused as it was saved or as flags say.
func (c *conn) DomainRestoreFlags(ctx context.Context, from string, dxml *string, flags uint32) error {
	const restoreBypassCache, restoreRunning, restorePaused = 1 << 0, 1 << 1, 1 << 2
	if err := c.denyReadOnly("virDomainRestoreFlags"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, restoreBypassCache|restoreRunning|restorePaused, "qemuDomainRestoreFlags"); err != nil {
		return err
	}
	h, xml, _, err := readSaveImage(from)
	if err != nil {
		return err
	}
	if dxml != nil && *dxml != "" {
		xml = *dxml
	}
	d := c.d
	// qemuSaveImageOpen reads the image's definition as an inactive one.
	def, err := d.parseDef(ctx, xml, domain.ParseInactive)
	if err != nil {
		return err
	}
	o, existed, err := d.addObj(def, true)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainRestoreFlags"); err != nil {
		return err
	}
	defer o.job.end()
	if existed {
		o.mu.Lock()
		o.newDef = o.def
		o.def = def
		o.mu.Unlock()
	}
	paused := h.wasRunning == 0
	if flags&restoreRunning != 0 {
		paused = false
	}
	if flags&restorePaused != 0 {
		paused = true
	}
	opts := startOptions{incoming: from, def: def, paused: paused, runReason: runningRestored, startDetail: detStartedRestored, pausedReason: pausedSave}
	opts.updatedCPU, err = saveCookieCPU(from)
	if err != nil {
		return err
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
		return err
	}
	return nil
}

// DomainSaveImageGetXMLDesc is the definition a save image restores
// (qemuDomainSaveImageGetXMLDesc): read back as an inactive definition,
// with the driver's defaults, and formatted as such.
func (c *conn) DomainSaveImageGetXMLDesc(ctx context.Context, file string, flags uint32) (string, error) {
	const saveImageXMLSecure = 1
	if c.readOnly && flags&saveImageXMLSecure != 0 {
		return "", virterr.NewFrom(virterr.FromDomain, virterr.OperationDenied, "virDomainSaveImageGetXMLDesc with secure flag")
	}
	if err := unsupportedFlags(flags, saveImageXMLSecure, "qemuDomainSaveImageGetXMLDesc"); err != nil {
		return "", err
	}
	_, xml, _, err := readSaveImage(file)
	if err != nil {
		return "", err
	}
	def, err := c.d.parseDef(ctx, xml, domain.ParseInactive)
	if err != nil {
		return "", err
	}
	ff := domain.FormatInactive
	if flags&saveImageXMLSecure != 0 {
		ff |= domain.FormatSecure
	}
	return def.Format(ff), nil
}

// DomainSaveImageDefineXML replaces the definition a save image
// restores (qemuDomainSaveImageDefineXML): dxml, read as an inactive
// definition of the same domain, is written as migratable into the room
// the image has, the cookie kept; VIR_DOMAIN_SAVE_RUNNING or _PAUSED
// change the state the guest restores to.
func (c *conn) DomainSaveImageDefineXML(ctx context.Context, file string, dxml string, flags uint32) error {
	const saveRunning, savePaused = 1 << 1, 1 << 2
	if err := c.denyReadOnly("virDomainSaveImageDefineXML"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, saveRunning|savePaused, "qemuDomainSaveImageDefineXML"); err != nil {
		return err
	}
	h, oldXML, _, err := readSaveImage(file)
	if err != nil {
		return err
	}
	cookie, err := saveImageCookie(file)
	if err != nil {
		return err
	}
	d := c.d
	old, err := d.parseDef(ctx, oldXML, domain.ParseInactive)
	if err != nil {
		return err
	}
	def, err := d.parseDef(ctx, dxml, domain.ParseInactive)
	if err != nil {
		return err
	}
	// the parts of virDomainDefCheckABIStability naming the domain
	if def.Name != old.Name {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "Target domain name '%s' does not match source '%s'", def.Name, old.Name)
	}
	if def.UUID != old.UUID {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "Target domain uuid %s does not match source %s", def.UUID.String(), old.UUID.String())
	}
	xml, err := d.migratableXML(ctx, migratableCopyXML(def), nil, true)
	if err != nil {
		return err
	}
	switch {
	case flags&saveRunning != 0:
		h.wasRunning = 1
	case flags&savePaused != 0:
		h.wasRunning = 0
	}
	data := append([]byte(xml), 0)
	h.cookieOffset = 0
	if cookie != "" {
		h.cookieOffset = uint32(len(data))
		data = append(append(data, cookie...), 0)
	}
	if uint32(len(data)) > h.dataLen {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "new xml too large to fit in file")
	}
	data = append(data, make([]byte, int(h.dataLen)-len(data))...)
	f, err := os.OpenFile(file, os.O_WRONLY, 0)
	if err != nil {
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to open domain image file '%s': %s", file, errnoText(err))
	}
	if _, err := f.WriteAt(append(h.encode(saveMagic), data...), 0); err != nil {
		f.Close()
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "failed to write xml to '%s': %s", file, errnoText(err))
	}
	return f.Close()
}

func (d *Driver) hasManagedSave(o *domainObj) bool {
	_, err := os.Stat(d.paths.ManagedSaveFile(o.name()))
	return err == nil
}

func (d *Driver) managedRestoreOptions(o *domainObj) startOptions {
	path := d.paths.ManagedSaveFile(o.name())
	h, xml, _, err := readSaveImage(path)
	paused := err == nil && h.wasRunning == 0
	opts := startOptions{incoming: path, paused: paused, runReason: runningRestored, startDetail: detStartedRestored, pausedReason: pausedSave}
	if err == nil {
		if def, err := d.parseDef(context.Background(), xml, domain.ParseInactive); err == nil {
			opts.def = def
		}
		// An unreadable cookie leaves the CPU as the definition has it.
		opts.updatedCPU, _ = saveCookieCPU(path)
	}
	return opts
}

// DomainManagedSave saves a running domain to the driver's own image,
// which the next start restores.
func (c *conn) DomainManagedSave(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := unsupportedFlags(flags, 1<<0|1<<1|1<<2, "qemuDomainManagedSave"); err != nil {
		return err
	}
	return c.modifyRunning(ctx, dom, "virDomainManagedSave", "remoteDispatchDomainManagedSave", func(o *domainObj, p *qemuProcess) error {
		o.mu.Lock()
		persistent := o.persistent
		o.mu.Unlock()
		if !persistent {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cannot do managed save for transient domain")
		}
		return c.d.saveTo(ctx, o, p, c.d.paths.ManagedSaveFile(o.name()), nil)
	})
}

// DomainHasManagedSaveImage reports whether a managed save image exists.
func (c *conn) DomainHasManagedSaveImage(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	o, err := c.d.lookup(dom)
	if err != nil {
		return 0, err
	}
	if c.d.hasManagedSave(o) {
		return 1, nil
	}
	return 0, nil
}

// DomainManagedSaveRemove deletes the managed save image.
func (c *conn) DomainManagedSaveRemove(ctx context.Context, dom driver.DomainRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainManagedSaveRemove"); err != nil {
		return err
	}
	o, err := c.d.lookup(dom)
	if err != nil {
		return err
	}
	if err := os.Remove(c.d.paths.ManagedSaveFile(o.name())); err != nil && !os.IsNotExist(err) {
		return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to remove managed save file '%s': %s", c.d.paths.ManagedSaveFile(o.name()), errnoText(err))
	}
	return nil
}
