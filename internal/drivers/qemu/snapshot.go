package qemu

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/snapshot"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Internal snapshots (libvirt's qemu_snapshot.c): savevm/loadvm/delvm
// through the human monitor for a running guest, qemu-img snapshot on
// each qcow2 disk for a shut-off one, and the metadata of every snapshot
// kept as XML in the snapshot directory, one file per snapshot, with the
// current one marked <active>1</active>. External snapshots are refused.

// VIR_DOMAIN_SNAPSHOT_* flags.
const (
	snapCreateRedefine   uint32 = 1 << 0
	snapCreateCurrent    uint32 = 1 << 1
	snapCreateNoMetadata uint32 = 1 << 2
	snapCreateHalt       uint32 = 1 << 3
	snapCreateDiskOnly   uint32 = 1 << 4
	snapCreateReuseExt   uint32 = 1 << 5
	snapCreateQuiesce    uint32 = 1 << 6
	snapCreateAtomic     uint32 = 1 << 7
	snapCreateLive       uint32 = 1 << 8
	snapCreateValidate   uint32 = 1 << 9

	snapListRoots       = snapshot.ListRoots // DESCENDANTS below a snapshot
	snapListLeaves      = snapshot.ListLeaves
	snapListNoLeaves    = snapshot.ListNoLeaves
	snapListNoMetadata  = snapshot.ListNoMetadata
	snapListInactive    = snapshot.ListInactive
	snapListActive      = snapshot.ListActive
	snapListInternal    = snapshot.ListInternal
	snapListExternal    = snapshot.ListExternal
	snapListTopological = snapshot.ListTopological
	snapListKnown       = snapshot.ListKnown

	snapRevertRunning    uint32 = 1 << 0
	snapRevertPaused     uint32 = 1 << 1
	snapRevertForce      uint32 = 1 << 2
	snapRevertResetNVRAM uint32 = 1 << 3

	snapDeleteChildren     uint32 = 1 << 0
	snapDeleteMetadataOnly uint32 = 1 << 1
	snapDeleteChildrenOnly uint32 = 1 << 2

	snapXMLSecure uint32 = 1 << 0
)

// Snapshot states, reasons and event details (virDomain*Reason,
// virDomainEvent*DetailType).
const (
	runningFromSnapshot int32 = 4
	pausedFromSnapshot  int32 = 7
	shutoffFromSnapshot int32 = 7

	detDefinedFromSnapshot   int32 = 3
	detStartedFromSnapshot   int32 = 3
	detSuspendedFromSnapshot int32 = 5
	detResumedFromSnapshot   int32 = 2
	detStoppedFromSnapshot   int32 = 6
)

func snapErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromQemu, code, format, args...)
}

func noSnapshot(name string) error {
	return snapErr(virterr.NoDomainSnapshot, "no domain snapshot with matching name '%s'", name)
}

// snapshotDomainDisks describes a domain's disks for alignment.
func snapshotDomainDisks(def *domain.Def) []snapshot.DomainDisk {
	if def == nil || def.Devices == nil {
		return nil
	}
	var out []snapshot.DomainDisk
	for _, disk := range def.Devices.Disks {
		dd := snapshot.DomainDisk{Target: disk.Dst(), Snapshot: diskAttr(disk, "snapshot")}
		if s := disk.Source; s != nil {
			dd.Type = s.Type
			dd.Path = s.Path()
			if s.Type == "network" {
				dd.Path = attrValue(s.Attrs, "name")
			}
		}
		if dd.Path == "" && dd.Type != "network" {
			// libvirt never snapshots an empty drive, and accepts an
			// explicit snapshot='no' for one even where every disk must
			// take part (a redefined snapshot lists it so).
			dd.Snapshot = snapshot.LocationNo
		}
		out = append(out, dd)
	}
	return out
}

func isRegularFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// diskFormat is the image format of a disk (<driver type>).
func diskFormat(disk *domain.Disk) string {
	if disk.Source != nil && disk.Source.Format != "" {
		return disk.Source.Format
	}
	return attrValue(disk.Driver, "type")
}

// prepareInternal checks that a new snapshot is internal and its disks
// can take it (qemuSnapshotPrepare for internal snapshots); anything
// external is not supported.
func prepareInternal(dom *domain.Def, def *snapshot.Def, active bool) error {
	var disks []*domain.Disk
	if dom.Devices != nil {
		disks = dom.Devices.Disks
	}
	foundInternal, forbidInternal := false, false
	for i := range def.Disks {
		sd := &def.Disks[i]
		if i >= len(disks) {
			break
		}
		disk := disks[i]
		switch sd.Snapshot {
		case snapshot.LocationInternal:
			foundInternal = true
			if def.State == "disk-snapshot" && active {
				return snapErr(virterr.ConfigUnsupported, "active qemu domains require external disk snapshots; disk %s requested internal", sd.Name)
			}
			if !active && disk.Source != nil {
				switch typ := disk.Source.Type; typ {
				case "file", "block":
				case "network":
					return snapErr(virterr.InternalError, "internal inactive snapshots are not supported on 'network' disks using '%s' protocol", attrValue(disk.Source.Attrs, "protocol"))
				default:
					if typ == "" {
						typ = "none"
					}
					return snapErr(virterr.InternalError, "internal inactive snapshots are not supported on '%s' disks", typ)
				}
			}
			if f := diskFormat(disk); f != "" && f != "qcow2" {
				return snapErr(virterr.ConfigUnsupported, "internal snapshot for disk %s unsupported for storage type %s", sd.Name, f)
			}
		case snapshot.LocationExternal:
			return externalUnsupported()
		case snapshot.LocationNo:
			if disk.Source != nil && (disk.Source.Path() != "" || disk.Source.Type == "network") && !disk.ReadOnly {
				forbidInternal = true
			}
		default:
			return snapErr(virterr.InternalError, "unexpected code path")
		}
	}
	if !foundInternal && def.Memory == snapshot.LocationNo {
		return snapErr(virterr.ConfigUnsupported, "nothing selected for snapshot")
	}
	if (def.Memory == snapshot.LocationInternal && !foundInternal) || (foundInternal && forbidInternal) {
		return snapErr(virterr.ConfigUnsupported, "internal and full system snapshots require all disks to be selected for snapshot")
	}
	if def.Memory == snapshot.LocationExternal {
		return externalUnsupported()
	}
	if foundInternal && hasOldStyleUEFI(dom) {
		return snapErr(virterr.OperationUnsupported, "internal snapshots of a VM with pflash based firmware are not supported")
	}
	return nil
}

// hasOldStyleUEFI is virDomainDefHasOldStyleUEFI: a pflash loader.
func hasOldStyleUEFI(def *domain.Def) bool {
	return def.OS != nil && def.OS.Loader != nil && def.OS.Loader.Type == "pflash"
}

func externalUnsupported() error {
	return virterr.NewFrom(virterr.FromQemu, virterr.NoSupport, "external snapshots are not supported by this driver")
}

// qemuImg is the qemu-img binary (qemuFindQemuImgBinary).
func qemuImg() (string, error) {
	if p, err := exec.LookPath("qemu-img"); err == nil {
		return p, nil
	}
	return "", snapErr(virterr.InternalError, "unable to find qemu-img")
}

// forEachQcow2 runs `qemu-img snapshot op name disk` on each disk of def
// the snapshot covers internally (qemuDomainSnapshotForEachQcow2Raw).
// tryAll goes on past failures; skipped, when some disk was skipped, is
// what libvirt's last error then is, which a revert reports: the last
// failed command's, or none (the RPC layer's unknown cause) when only
// disks of another format were skipped. A failed create deletes what it
// created before.
func (d *Driver) forEachQcow2(ctx context.Context, def *domain.Def, sdef *snapshot.Def, op string, tryAll bool) (skipped, err error) {
	return d.forEachQcow2N(ctx, def, sdef, op, tryAll, -1)
}

func (d *Driver) forEachQcow2N(ctx context.Context, def *domain.Def, sdef *snapshot.Def, op string, tryAll bool, n int) (skipped, err error) {
	bin, err := qemuImg()
	if err != nil {
		return nil, err
	}
	if def == nil || def.Devices == nil {
		return nil, nil
	}
	disks := def.Devices.Disks
	if n < 0 || n > len(disks) {
		n = len(disks)
	}
	rollback := func(i int) {
		if op == "-c" && i > 0 {
			d.forEachQcow2N(ctx, def, sdef, "-d", false, i)
		}
	}
	for i := 0; i < n; i++ {
		disk := disks[i]
		dev := diskAttr(disk, "device")
		if dev != "" && dev != "disk" {
			continue
		}
		if i >= len(sdef.Disks) || sdef.Disks[i].Snapshot != snapshot.LocationInternal {
			continue
		}
		if disk.Source == nil || (disk.Source.Type != "file" && disk.Source.Type != "block") {
			return nil, snapErr(virterr.OperationInvalid, "can't manipulate inactive snapshots of disk '%s'", disk.Dst())
		}
		if f := diskFormat(disk); f != "" && f != "qcow2" {
			if tryAll {
				d.log.Warn("skipping snapshot action", "disk", disk.Dst())
				if skipped == nil {
					skipped = errUnknownCause()
				}
				continue
			}
			rollback(i)
			return nil, snapErr(virterr.OperationInvalid, "Disk device '%s' does not support snapshotting", disk.Dst())
		}
		cmd := cmdrun.New(bin, "snapshot", op, sdef.Name, disk.Source.Path())
		if _, err := d.runner.Run(ctx, cmd); err != nil {
			if tryAll {
				d.log.Warn("skipping snapshot action", "disk", disk.Dst(), "err", err)
				skipped = err
				continue
			}
			rollback(i)
			return nil, err
		}
	}
	return skipped, nil
}

// errUnknownCause is what a libvirt client gets for a call that failed
// without reporting why: the RPC layer's generic internal error.
func errUnknownCause() error {
	return &virterr.Error{Code: virterr.InternalError, Domain: virterr.FromNone, Level: virterr.LevelError,
		Message: "An error occurred, but the cause is unknown", Int1: -1, Int2: -1}
}

// hmpQuote quotes a snapshot name for savevm/loadvm/delvm as libvirt's
// text monitor does.
func hmpQuote(name string) string { return "\"" + name + "\"" }

// savevm is qemuMonitorTextCreateSnapshot.
func (p *qemuProcess) savevm(ctx context.Context, name string) error {
	reply, err := humanCommand(ctx, p.mon, "savevm "+hmpQuote(name))
	if err != nil {
		return err
	}
	switch {
	case strings.Contains(reply, "Error while creating snapshot"),
		strings.Contains(reply, "Could not open VM state file"),
		strings.Contains(reply, "State blocked by non-migratable device"),
		strings.Contains(reply, "Error: "),
		strings.Contains(reply, "Error") && strings.Contains(reply, "while writing VM"):
		return snapErr(virterr.OperationFailed, "Failed to take snapshot: %s", reply)
	case strings.Contains(reply, "No block device can accept snapshots"):
		return snapErr(virterr.OperationInvalid, "this domain does not have a device to take snapshots")
	}
	return nil
}

// loadvm is qemuMonitorTextLoadSnapshot.
func (p *qemuProcess) loadvm(ctx context.Context, name string) error {
	reply, err := humanCommand(ctx, p.mon, "loadvm "+hmpQuote(name))
	if err != nil {
		return err
	}
	switch {
	case strings.Contains(reply, "No block device supports snapshots"):
		return snapErr(virterr.OperationInvalid, "this domain does not have a device to load snapshots")
	case strings.Contains(reply, "Could not find snapshot"):
		return snapErr(virterr.OperationInvalid, "the snapshot '%s' does not exist, and was not loaded", name)
	case strings.Contains(reply, "Snapshots not supported on device"):
		return snapErr(virterr.OperationInvalid, "%s", reply)
	case strings.Contains(reply, "Could not open VM state file"),
		strings.Contains(reply, "Error: "),
		strings.Contains(reply, "Error") && (strings.Contains(reply, "while loading VM state") || strings.Contains(reply, "while activating snapshot on")):
		return snapErr(virterr.OperationFailed, "Failed to load snapshot: %s", reply)
	}
	return nil
}

// delvm is qemuMonitorTextDeleteSnapshot.
func (p *qemuProcess) delvm(ctx context.Context, name string) error {
	reply, err := humanCommand(ctx, p.mon, "delvm "+hmpQuote(name))
	if err != nil {
		return err
	}
	switch {
	case strings.Contains(reply, "No block device supports snapshots"):
		return snapErr(virterr.OperationInvalid, "this domain does not have a device to delete snapshots")
	case strings.Contains(reply, "Snapshots not supported on device"):
		return snapErr(virterr.OperationInvalid, "%s", reply)
	case strings.Contains(reply, "Error: "),
		strings.Contains(reply, "Error") && strings.Contains(reply, "while deleting snapshot"):
		return snapErr(virterr.OperationFailed, "Failed to delete snapshot: %s", reply)
	}
	return nil
}

func snapRef(dom driver.DomainRef, name string) driver.DomainSnapshotRef {
	return driver.DomainSnapshotRef{Name: name, Dom: dom}
}

// readSnapshots runs fn on the tree of the domain a reference names.
func (c *conn) readSnapshots(dom driver.DomainRef, fn func(o *domainObj, t *snapTree) error) error {
	o, err := c.d.lookup(dom)
	if err != nil {
		return err
	}
	return c.d.withSnapshots(o, func(t *snapTree) error { return fn(o, t) })
}

// readSnapshot runs fn on the snapshot a reference names.
func (c *conn) readSnapshot(ref driver.DomainSnapshotRef, fn func(o *domainObj, t *snapTree, s *snapObj) error) error {
	return c.readSnapshots(ref.Dom, func(o *domainObj, t *snapTree) error {
		s := t.find(ref.Name)
		if s == nil {
			return noSnapshot(ref.Name)
		}
		return fn(o, t, s)
	})
}

func refsOf(dom driver.DomainRef, ss []*snapObj) []driver.DomainSnapshotRef {
	out := []driver.DomainSnapshotRef{}
	for _, s := range ss {
		out = append(out, snapRef(dom, s.name()))
	}
	return out
}

func namesOf(ss []*snapObj, max int32) []string {
	out := []string{}
	for _, s := range ss {
		if int32(len(out)) >= max {
			break
		}
		out = append(out, s.name())
	}
	return out
}

// DomainSnapshotNum counts the snapshots flags select.
func (c *conn) DomainSnapshotNum(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, snapListKnown, "qemuDomainSnapshotNum"); err != nil {
		return -1, err
	}
	var n int32
	err := c.readSnapshots(dom, func(o *domainObj, t *snapTree) error {
		n = int32(len(t.selectSnapshots(nil, flags)))
		return nil
	})
	return n, err
}

// DomainSnapshotListNames lists the names of the snapshots flags select.
func (c *conn) DomainSnapshotListNames(ctx context.Context, dom driver.DomainRef, maxnames int32, flags uint32) ([]string, error) {
	if err := unsupportedFlags(flags, snapListKnown, "qemuDomainSnapshotListNames"); err != nil {
		return nil, err
	}
	var names []string
	err := c.readSnapshots(dom, func(o *domainObj, t *snapTree) error {
		names = namesOf(t.selectSnapshots(nil, flags), maxnames)
		return nil
	})
	return names, err
}

// DomainListAllSnapshots lists the snapshots flags select.
func (c *conn) DomainListAllSnapshots(ctx context.Context, dom driver.DomainRef, needResults int32, flags uint32) (driver.DomainListAllSnapshotsRet, error) {
	var ret driver.DomainListAllSnapshotsRet
	if err := unsupportedFlags(flags, snapListKnown, "qemuDomainListAllSnapshots"); err != nil {
		return ret, err
	}
	err := c.readSnapshots(dom, func(o *domainObj, t *snapTree) error {
		ss := t.selectSnapshots(nil, flags)
		ret.Ret = int32(len(ss))
		if needResults != 0 {
			ret.Snapshots = refsOf(dom, ss)
		}
		return nil
	})
	return ret, err
}

// DomainSnapshotNumChildren counts the children (or descendants) flags
// select.
func (c *conn) DomainSnapshotNumChildren(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, snapListKnown, "qemuDomainSnapshotNumChildren"); err != nil {
		return -1, err
	}
	var n int32
	err := c.readSnapshot(snap, func(o *domainObj, t *snapTree, s *snapObj) error {
		n = int32(len(t.selectSnapshots(s, flags)))
		return nil
	})
	return n, err
}

// DomainSnapshotListChildrenNames lists the names of the children (or
// descendants) flags select.
func (c *conn) DomainSnapshotListChildrenNames(ctx context.Context, snap driver.DomainSnapshotRef, maxnames int32, flags uint32) ([]string, error) {
	if err := unsupportedFlags(flags, snapListKnown, "qemuDomainSnapshotListChildrenNames"); err != nil {
		return nil, err
	}
	var names []string
	err := c.readSnapshot(snap, func(o *domainObj, t *snapTree, s *snapObj) error {
		names = namesOf(t.selectSnapshots(s, flags), maxnames)
		return nil
	})
	return names, err
}

// DomainSnapshotListAllChildren lists the children (or descendants)
// flags select.
func (c *conn) DomainSnapshotListAllChildren(ctx context.Context, snap driver.DomainSnapshotRef, needResults int32, flags uint32) (driver.DomainSnapshotListAllChildrenRet, error) {
	var ret driver.DomainSnapshotListAllChildrenRet
	if err := unsupportedFlags(flags, snapListKnown, "qemuDomainSnapshotListAllChildren"); err != nil {
		return ret, err
	}
	err := c.readSnapshot(snap, func(o *domainObj, t *snapTree, s *snapObj) error {
		ss := t.selectSnapshots(s, flags)
		ret.Ret = int32(len(ss))
		if needResults != 0 {
			ret.Snapshots = refsOf(snap.Dom, ss)
		}
		return nil
	})
	return ret, err
}

// DomainSnapshotLookupByName finds a snapshot.
func (c *conn) DomainSnapshotLookupByName(ctx context.Context, dom driver.DomainRef, name string, flags uint32) (driver.DomainSnapshotRef, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainSnapshotLookupByName"); err != nil {
		return driver.DomainSnapshotRef{}, err
	}
	var ref driver.DomainSnapshotRef
	err := c.readSnapshots(dom, func(o *domainObj, t *snapTree) error {
		s := t.find(name)
		if s == nil {
			return noSnapshot(name)
		}
		ref = snapRef(dom, s.name())
		return nil
	})
	return ref, err
}

// DomainHasCurrentSnapshot reports whether a snapshot is current.
func (c *conn) DomainHasCurrentSnapshot(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainHasCurrentSnapshot"); err != nil {
		return -1, err
	}
	var n int32
	err := c.readSnapshots(dom, func(o *domainObj, t *snapTree) error {
		if t.current != nil {
			n = 1
		}
		return nil
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

// DomainSnapshotGetParent is the snapshot's parent.
func (c *conn) DomainSnapshotGetParent(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (driver.DomainSnapshotRef, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainSnapshotGetParent"); err != nil {
		return driver.DomainSnapshotRef{}, err
	}
	var ref driver.DomainSnapshotRef
	err := c.readSnapshot(snap, func(o *domainObj, t *snapTree, s *snapObj) error {
		if s.def.Parent == "" {
			return snapErr(virterr.NoDomainSnapshot, "snapshot '%s' does not have a parent", s.name())
		}
		ref = snapRef(snap.Dom, s.def.Parent)
		return nil
	})
	return ref, err
}

// DomainSnapshotCurrent is the current snapshot.
func (c *conn) DomainSnapshotCurrent(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainSnapshotRef, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainSnapshotCurrent"); err != nil {
		return driver.DomainSnapshotRef{}, err
	}
	var ref driver.DomainSnapshotRef
	err := c.readSnapshots(dom, func(o *domainObj, t *snapTree) error {
		if t.current == nil {
			return snapErr(virterr.NoDomainSnapshot, "the domain does not have a current snapshot")
		}
		ref = snapRef(dom, t.current.name())
		return nil
	})
	return ref, err
}

// DomainSnapshotGetXMLDesc formats the snapshot.
func (c *conn) DomainSnapshotGetXMLDesc(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (string, error) {
	if c.readOnly && flags&snapXMLSecure != 0 {
		return "", virterr.NewFrom(virterr.FromDomainSnapshot, virterr.OperationDenied, "virDomainSnapshotGetXMLDesc with secure flag")
	}
	if err := unsupportedFlags(flags, snapXMLSecure, "qemuDomainSnapshotGetXMLDesc"); err != nil {
		return "", err
	}
	var out string
	err := c.readSnapshot(snap, func(o *domainObj, t *snapTree, s *snapObj) error {
		opts := snapshot.FormatOptions{DomainUUID: uuid.UUID(snap.Dom.UUID).String()}
		if flags&snapXMLSecure != 0 {
			opts.Flags |= snapshot.FormatSecure
		}
		out = s.def.Format(opts)
		return nil
	})
	return out, err
}

// DomainSnapshotIsCurrent reports whether the snapshot is current.
func (c *conn) DomainSnapshotIsCurrent(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainSnapshotIsCurrent"); err != nil {
		return -1, err
	}
	var n int32
	err := c.readSnapshot(snap, func(o *domainObj, t *snapTree, s *snapObj) error {
		if t.current == s {
			n = 1
		}
		return nil
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

// DomainSnapshotHasMetadata is true for every snapshot the driver knows:
// one taken without metadata is not listed at all.
func (c *conn) DomainSnapshotHasMetadata(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "qemuDomainSnapshotHasMetadata"); err != nil {
		return -1, err
	}
	if err := c.readSnapshot(snap, func(*domainObj, *snapTree, *snapObj) error { return nil }); err != nil {
		return -1, err
	}
	return 1, nil
}

// parseSnapshotXML reads a snapshot document and validates it.
func parseSnapshotXML(xml string, flags snapshot.ParseFlags) (*snapshot.Def, error) {
	def, err := snapshot.Parse([]byte(xml), flags)
	if err != nil {
		return nil, err
	}
	if err := def.Validate(); err != nil {
		return nil, err
	}
	return def, nil
}

// snapshotDomainCopy is the definition a snapshot records: the live one
// formatted as a migration would (qemuDomainDefFormatLive, inactive and
// compatible) and read again as inactive.
func (d *Driver) snapshotDomainCopy(ctx context.Context, o *domainObj) (*domain.Def, *domain.Def, error) {
	o.mu.Lock()
	src := o.current()
	copyXML := migratableCopyXML(src)
	var orig *cpumap.CPU
	if o.proc != nil && o.proc.origCPU != nil {
		orig = o.proc.origCPU.Copy()
	}
	var inactiveXML string
	if o.active() && o.persistent {
		inactiveXML = o.inactiveDef().Format(domain.FormatInactive | domain.FormatSecure)
	}
	o.mu.Unlock()
	xml, err := d.migratableXML(ctx, copyXML, orig, true)
	if err != nil {
		return nil, nil, err
	}
	dom, err := d.parseDef(ctx, xml, domain.ParseInactive)
	if err != nil {
		return nil, nil, err
	}
	var inactive *domain.Def
	if inactiveXML != "" {
		if inactive, err = d.parseDef(ctx, inactiveXML, domain.ParseInactive); err != nil {
			return nil, nil, err
		}
	}
	return dom, inactive, nil
}

// flagArgError is virReportInvalidArg's error (VIR_REQUIRE_FLAG_RET,
// VIR_EXCLUSIVE_FLAGS_RET): VIR_ERR_INVALID_ARG with the bare message.
func flagArgError(format string, args ...any) error {
	return &virterr.Error{Code: virterr.InvalidArg, Domain: virterr.FromQemu, Message: fmt.Sprintf(format, args...),
		Level: virterr.LevelError, Int1: -1, Int2: -1}
}

// DomainSnapshotCreateXML takes an internal snapshot, or with REDEFINE
// restores one's metadata (qemuSnapshotCreateXML).
func (c *conn) DomainSnapshotCreateXML(ctx context.Context, dom driver.DomainRef, xmlDesc string, flags uint32) (driver.DomainSnapshotRef, error) {
	var none driver.DomainSnapshotRef
	if err := c.denyReadOnly("virDomainSnapshotCreateXML"); err != nil {
		return none, err
	}
	known := snapCreateRedefine | snapCreateCurrent | snapCreateNoMetadata | snapCreateHalt | snapCreateDiskOnly |
		snapCreateReuseExt | snapCreateQuiesce | snapCreateAtomic | snapCreateLive | snapCreateValidate
	if err := unsupportedFlags(flags, known, "qemuSnapshotCreateXML"); err != nil {
		return none, err
	}
	if flags&snapCreateQuiesce != 0 && flags&snapCreateDiskOnly == 0 {
		return none, flagArgError("Flag '%s' is required by flag '%s'", "VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY", "VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE")
	}
	if flags&snapCreateLive != 0 && flags&snapCreateRedefine != 0 {
		return none, flagArgError("Flags '%s' and '%s' are mutually exclusive", "VIR_DOMAIN_SNAPSHOT_CREATE_LIVE", "VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE")
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return none, err
	}
	redefine := flags&snapCreateRedefine != 0
	noMetadata := flags&snapCreateNoMetadata != 0
	updateCurrent := !(redefine && flags&snapCreateCurrent == 0) && !noMetadata

	o.mu.Lock()
	persistent, active, state := o.persistent, o.active(), o.state
	o.mu.Unlock()
	if !persistent && flags&snapCreateHalt != 0 {
		return none, snapErr(virterr.OperationInvalid, "cannot halt after transient domain snapshot")
	}
	pf := snapshot.ParseDisks
	if redefine {
		pf |= snapshot.ParseRedefine
	}
	if flags&snapCreateDiskOnly != 0 || !active {
		pf |= snapshot.ParseOffline
	}
	if flags&snapCreateValidate != 0 {
		pf |= snapshot.ParseValidate
	}
	def, err := parseSnapshotXML(xmlDesc, pf)
	if err != nil {
		return none, err
	}
	if !redefine {
		def.PostParse(time.Now().Unix())
	}
	if !noMetadata {
		if strings.Contains(def.Name, "/") {
			return none, snapErr(virterr.XMLDetail, "invalid snapshot name '%s': name can't contain '/'", def.Name)
		}
		if strings.HasPrefix(def.Name, ".") {
			return none, snapErr(virterr.XMLDetail, "invalid snapshot name '%s': name can't start with '.'", def.Name)
		}
	}
	if flags&snapCreateLive != 0 && (!active || def.Memory != snapshot.LocationExternal) {
		return none, snapErr(virterr.OperationUnsupported, "live snapshot creation is supported only during full system snapshots")
	}
	stateName := def.State
	if !redefine {
		stateName = stateName0(state)
	}
	switch stateName {
	case "running", "paused", "shutdown", "shutoff", "crashed":
	case "disk-snapshot":
		if !redefine {
			return none, snapErr(virterr.InternalError, "Invalid domain state %s", stateName)
		}
	case "pmsuspended":
		return none, snapErr(virterr.OperationUnsupported, "qemu doesn't support taking snapshots of PMSUSPENDED guests")
	default:
		return none, snapErr(virterr.InternalError, "Invalid domain state %s", stateName)
	}

	if err := o.job.acquire(ctx, "async nested", "remoteDispatchDomainSnapshotCreateXML"); err != nil {
		return none, err
	}
	defer o.job.end()
	domName, domUUID := domainIdentity(o)

	if redefine {
		return c.redefineSnapshot(o, dom, def, updateCurrent, domName, domUUID)
	}

	// The job may have waited: take the state the snapshot records now.
	o.mu.Lock()
	active, state = o.active(), o.state
	p := o.proc
	o.mu.Unlock()
	if def.Domain, def.InactiveDomain, err = d.snapshotDomainCopy(ctx, o); err != nil {
		return none, err
	}
	if flags&snapCreateDiskOnly != 0 || def.Memory == snapshot.LocationExternal {
		return none, externalUnsupported()
	}
	def.State = stateName0(state)
	if active && def.Memory == snapshot.LocationNo {
		return none, snapErr(virterr.OperationUnsupported, "internal snapshot of a running VM must include the memory state")
	}
	def.Memory = snapshot.LocationInternal
	if def.State == "shutoff" {
		def.Memory = snapshot.LocationNo
	}
	align := snapshot.AlignOptions{Default: snapshot.LocationInternal, UniformInternal: true, IsRegularFile: isRegularFile}
	if err := def.AlignDisks(snapshotDomainDisks(def.Domain), align); err != nil {
		return none, err
	}
	if err := prepareInternal(def.Domain, def, active); err != nil {
		return none, err
	}
	s := &snapObj{def: def}
	if err := d.withSnapshots(o, func(t *snapTree) error {
		if t.find(def.Name) != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.OperationFailed, "domain moment %s already exists", def.Name)
		}
		if t.current != nil {
			def.Parent = t.current.name()
		}
		return nil
	}); err != nil {
		return none, err
	}

	if active {
		if err := d.createActiveInternal(ctx, o, p, def, flags&snapCreateHalt != 0); err != nil {
			return none, err
		}
	} else {
		if _, err := d.forEachQcow2(ctx, def.Domain, def, "-c", false); err != nil {
			return none, err
		}
	}
	if noMetadata {
		return snapRef(dom, def.Name), nil
	}
	err = d.withSnapshots(o, func(t *snapTree) error {
		t.List = append(t.List, s)
		if updateCurrent {
			d.setCurrentSnapshot(domName, domUUID, t, s)
		}
		if err := d.writeSnapshotMetadata(domName, domUUID, t, s); err != nil {
			t.remove(s)
			return snapErr(virterr.InternalError, "unable to save metadata for snapshot %s", def.Name)
		}
		t.linkParent(s)
		return nil
	})
	if err != nil {
		return none, err
	}
	return snapRef(dom, def.Name), nil
}

// stateName0 names a domain state as a snapshot records it
// (virDomainSnapshotState shares virDomainState's numbers).
func stateName0(state int32) string {
	names := []string{"nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"}
	if state >= 0 && int(state) < len(names) {
		return names[state]
	}
	return "nostate"
}

// createActiveInternal takes a running guest's snapshot with savevm,
// pausing it around the command as libvirt does (savevm's own pause would
// go unnoticed), and records the save cookie; halt stops the guest after.
func (d *Driver) createActiveInternal(ctx context.Context, o *domainObj, p *qemuProcess, def *snapshot.Def, halt bool) error {
	o.mu.Lock()
	resume := o.state == stateRunning
	o.mu.Unlock()
	if resume {
		if err := d.pauseFor(ctx, o, p, pausedSave, detSuspendedPaused); err != nil {
			return err
		}
	}
	err := p.savevm(ctx, def.Name)
	if err == nil {
		o.mu.Lock()
		cookie := saveCookie(o.live, p.origCPU != nil)
		o.mu.Unlock()
		if n, perr := xmltree.ParseRoot([]byte(cookie), "(save cookie)", "cookie"); perr == nil {
			def.Cookie = n
		}
		if halt {
			resume = false
			if serr := p.stop(shutoffFromSnapshot, detStoppedFromSnapshot, true); serr != nil {
				err = serr
			}
		}
	}
	if resume {
		if rerr := d.resumeFor(ctx, o, p, runningUnpaused, detResumedUnpaused); rerr != nil && err == nil {
			ref := o.refLocked()
			d.emit(ref, evSuspended, 6) // VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR
			err = snapErr(virterr.OperationFailed, "resuming after snapshot failed")
		}
	}
	return err
}

// pauseFor stops the vCPUs with a reason (qemuProcessStopCPUs): the state
// changes first, so QEMU's STOP event finds nothing to report.
func (d *Driver) pauseFor(ctx context.Context, o *domainObj, p *qemuProcess, reason, detail int32) error {
	return d.switchCPUsFor(ctx, o, p, "stop", statePaused, reason, evSuspended, detail)
}

// resumeFor starts the vCPUs with a reason (qemuProcessStartCPUs).
func (d *Driver) resumeFor(ctx context.Context, o *domainObj, p *qemuProcess, reason, detail int32) error {
	return d.switchCPUsFor(ctx, o, p, "cont", stateRunning, reason, evResumed, detail)
}

// switchCPUsFor runs stop or cont with the new state set beforehand and
// put back if the monitor refuses, then announces it.
func (d *Driver) switchCPUsFor(ctx context.Context, o *domainObj, p *qemuProcess, command string, state, reason, event, detail int32) error {
	o.mu.Lock()
	prevState, prevReason := o.state, o.reason
	o.setState(state, reason)
	ref := o.ref()
	o.mu.Unlock()
	if _, err := p.mon.Execute(ctx, command, nil); err != nil {
		o.mu.Lock()
		o.setState(prevState, prevReason)
		o.mu.Unlock()
		return err
	}
	d.emit(ref, event, detail)
	_ = d.writeStatus(o)
	return nil
}

// redefineSnapshot restores a snapshot's metadata
// (virDomainSnapshotRedefinePrep and qemuSnapshotCreateXML's redefine).
func (c *conn) redefineSnapshot(o *domainObj, dom driver.DomainRef, def *snapshot.Def, updateCurrent bool, domName, domUUID string) (driver.DomainSnapshotRef, error) {
	d := c.d
	var ref driver.DomainSnapshotRef
	err := d.withSnapshots(o, func(t *snapTree) error {
		if err := t.checkCycles(def.Name, def.Parent); err != nil {
			return err
		}
		other := t.find(def.Name)
		var otherDef *snapshot.Def
		if other != nil {
			otherDef = other.def
		}
		if err := def.CheckRedefine(domUUID, otherDef); err != nil {
			return err
		}
		if def.Domain == nil && otherDef != nil {
			def.Domain = otherDef.Domain
		}
		if def.Domain != nil {
			if err := def.AlignRedefined(snapshotDomainDisks(def.Domain), isRegularFile); err != nil {
				return err
			}
		}
		s := other
		if s != nil {
			// Keep the children, re-link the parent.
			s.dropParent()
			s.def = def
		} else {
			s = &snapObj{def: def}
			t.List = append(t.List, s)
		}
		if updateCurrent {
			d.setCurrentSnapshot(domName, domUUID, t, s)
		}
		if err := d.writeSnapshotMetadata(domName, domUUID, t, s); err != nil {
			t.remove(s)
			return snapErr(virterr.InternalError, "unable to save metadata for snapshot %s", def.Name)
		}
		t.linkParent(s)
		ref = snapRef(dom, s.name())
		return nil
	})
	return ref, err
}

// snapshotConfig copies a definition a snapshot recorded, under the
// domain's current name (virDomainDefCopy in qemuSnapshotRevert).
func (d *Driver) snapshotConfig(ctx context.Context, def *domain.Def, name string) (*domain.Def, error) {
	if def == nil {
		return nil, nil
	}
	cp, err := d.parseDef(ctx, def.Format(domain.FormatInactive|domain.FormatSecure), domain.ParseInactive)
	if err != nil {
		return nil, err
	}
	cp.Name = name
	cp.ID = -1
	return cp, nil
}

// cookieCPU is the guest CPU a snapshot's save cookie recorded.
func cookieCPU(def *snapshot.Def) *cpumap.CPU {
	if def.Cookie == nil {
		return nil
	}
	n := def.Cookie.Child("cpu")
	if n == nil {
		return nil
	}
	cpu, err := cpumap.ParseNode(n, cpumap.Guest)
	if err != nil {
		return nil
	}
	return cpu
}

// DomainRevertToSnapshot returns the domain to a snapshot
// (qemuSnapshotRevert). As libvirt 9.0 does, an active domain is always
// stopped (STOPPED from snapshot) and, for a snapshot with memory, a new
// QEMU loads it (STARTED from snapshot, then RESUMED or SUSPENDED from
// snapshot); a snapshot without memory reverts the disks with qemu-img and
// starts the domain only with RUNNING or PAUSED (STARTED from snapshot,
// and SUSPENDED from snapshot when paused). A persistent domain's
// definition becomes the snapshot's (DEFINED from snapshot).
func (c *conn) DomainRevertToSnapshot(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainRevertToSnapshot"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, snapRevertRunning|snapRevertPaused|snapRevertForce|snapRevertResetNVRAM, "qemuSnapshotRevert"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(snap.Dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "async nested", "remoteDispatchDomainRevertToSnapshot"); err != nil {
		return err
	}
	defer o.job.end()
	var s *snapObj
	if err := d.withSnapshots(o, func(t *snapTree) error {
		if s = t.find(snap.Name); s == nil {
			return noSnapshot(snap.Name)
		}
		return nil
	}); err != nil {
		return err
	}
	sdef := s.def
	o.mu.Lock()
	persistent, active, domName := o.persistent, o.active(), o.def.Name
	p := o.proc
	o.mu.Unlock()
	runOrPause := flags&(snapRevertRunning|snapRevertPaused) != 0
	if !persistent && !sdef.Online() && !runOrPause {
		return snapErr(virterr.OperationInvalid, "transient domain needs to request run or pause to revert to inactive snapshot")
	}
	if sdef.IsExternal() {
		return snapErr(virterr.ConfigUnsupported, "revert to external snapshot not supported yet")
	}
	if flags&snapRevertForce == 0 {
		if sdef.Domain == nil {
			return snapErr(virterr.SnapshotRevertRisky, "snapshot '%s' lacks domain '%s' rollback info", sdef.Name, domName)
		}
		if d.hasManagedSave(o) && !sdef.Online() {
			return snapErr(virterr.SnapshotRevertRisky, "snapshot without memory state, removal of existing managed saved state strongly recommended to avoid corruption")
		}
	}
	config, err := d.snapshotConfig(ctx, sdef.Domain, domName)
	if err != nil {
		return err
	}
	var inactiveConfig *domain.Def
	switch {
	case sdef.InactiveDomain != nil:
		if inactiveConfig, err = d.snapshotConfig(ctx, sdef.InactiveDomain, domName); err != nil {
			return err
		}
	case sdef.Online():
		if inactiveConfig, err = d.snapshotConfig(ctx, sdef.Domain, domName); err != nil {
			return err
		}
	default:
		inactiveConfig, config = config, nil
	}
	defined := false
	// assignInactive makes inactiveConfig the persistent definition
	// (virDomainObjAssignDef with live false).
	assignInactive := func() {
		if inactiveConfig == nil {
			return
		}
		o.mu.Lock()
		if o.active() {
			o.newDef = inactiveConfig
		} else {
			o.def, o.newDef = inactiveConfig, nil
		}
		o.mu.Unlock()
		defined = true
	}
	// stopForRevert ends the running QEMU: libvirt 9.0 reverts an active
	// domain by starting a new one, whatever the snapshot's state.
	stopForRevert := func() error {
		if !active {
			return nil
		}
		// A transient domain stopped for a revert stays listed
		// (processStopped), to be started again below.
		return p.stop(shutoffFromSnapshot, detStoppedFromSnapshot, true)
	}
	startFailed := func(err error) error {
		if !persistent {
			d.discardAllSnapshotMetadata(o)
			d.removeObj(o)
		}
		return err
	}
	switch sdef.State {
	case "running", "paused":
		wantPaused := flags&snapRevertRunning == 0 && (sdef.State == "paused" || flags&snapRevertPaused != 0)
		if err := stopForRevert(); err != nil {
			return err
		}
		assignInactive()
		// libvirt starts QEMU with -loadvm; loadvm before the first cont
		// is the same. qemuProcessStart itself sends no SUSPENDED: once
		// the snapshot is loaded, the revert sends SUSPENDED or RESUMED
		// "from snapshot" (transitions 2, 3, 5, 6, 8 and 9).
		noSuspended := int32(-1)
		opts := startOptions{paused: true, def: config, updatedCPU: cookieCPU(sdef),
			startDetail: detStartedFromSnapshot, pausedReason: pausedFromSnapshot, runReason: runningFromSnapshot,
			suspendedDetail: &noSuspended, fromSnapshot: true}
		if err := d.start(ctx, o, opts); err != nil {
			return startFailed(err)
		}
		o.mu.Lock()
		p = o.proc
		o.mu.Unlock()
		if p == nil {
			return snapErr(virterr.InternalError, "guest unexpectedly quit")
		}
		if err := p.loadvm(ctx, sdef.Name); err != nil {
			_ = p.stop(shutoffFailed, detStoppedFailed, true)
			return err
		}
		if wantPaused {
			d.emit(o.refLocked(), evSuspended, detSuspendedFromSnapshot)
		} else if err := d.resumeFor(ctx, o, p, runningFromSnapshot, detResumedFromSnapshot); err != nil {
			return err
		}
	case "shutdown", "shutoff", "crashed":
		if err := stopForRevert(); err != nil {
			return err
		}
		disksDef := sdef.Domain
		if disksDef == nil {
			o.mu.Lock()
			disksDef = o.def
			o.mu.Unlock()
		}
		// Every disk is tried; any skipped one fails the revert
		// (qemuSnapshotInternalRevertInactive).
		skipped, err := d.forEachQcow2(ctx, disksDef, sdef, "-a", true)
		if err == nil {
			err = skipped
		}
		if err != nil {
			return startFailed(err)
		}
		assignInactive()
		if runOrPause {
			// A plain start: libvirt 9.0 leaves it "running (booted)" or
			// "paused (user)", but its events say "from snapshot".
			suspended := detSuspendedFromSnapshot
			opts := startOptions{paused: flags&snapRevertPaused != 0, runReason: runningBooted,
				startDetail: detStartedFromSnapshot, pausedReason: pausedUser, suspendedDetail: &suspended}
			if err := d.start(ctx, o, opts); err != nil {
				return startFailed(err)
			}
		}
	case "pmsuspended":
		return snapErr(virterr.OperationUnsupported, "qemu doesn't support reversion of snapshot taken in PMSUSPENDED state")
	default:
		return snapErr(virterr.InternalError, "Invalid target domain state '%s'. Refusing snapshot reversion", sdef.State)
	}

	domName, domUUID := domainIdentity(o)
	err = d.withSnapshots(o, func(t *snapTree) error {
		if t.find(s.name()) != s {
			return nil
		}
		d.setCurrentSnapshot(domName, domUUID, t, s)
		if err := d.writeSnapshotMetadata(domName, domUUID, t, s); err != nil {
			t.current = nil
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	o.mu.Lock()
	persistent = o.persistent
	inactive := o.inactiveDef()
	o.mu.Unlock()
	if defined && persistent {
		if err := d.saveConfig(inactive); err != nil {
			return virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "cannot save config: %v", err)
		}
		d.emit(o.refLocked(), evDefined, detDefinedFromSnapshot)
	}
	return nil
}

// discardSnapshotData removes a snapshot from the disks
// (qemuDomainSnapshotDiscard's first half): delvm for a running guest,
// whose failure is ignored as libvirt does, qemu-img snapshot -d
// otherwise.
func (d *Driver) discardSnapshotData(ctx context.Context, o *domainObj, sdef *snapshot.Def) error {
	o.mu.Lock()
	p := o.proc
	def := o.def
	o.mu.Unlock()
	if p != nil {
		if err := p.delvm(ctx, sdef.Name); err != nil {
			d.log.Warn("failed to delete snapshot from QEMU", "snapshot", sdef.Name, "err", err)
		}
		return nil
	}
	if sdef.Domain != nil {
		def = sdef.Domain
	}
	_, err := d.forEachQcow2(ctx, def, sdef, "-d", true)
	return err
}

// discardSnapshotMetadata drops a snapshot's metadata (the second half
// of qemuDomainSnapshotDiscard): a current snapshot hands that role to
// its parent when updateParent says so.
func (d *Driver) discardSnapshotMetadata(domName, domUUID string, t *snapTree, s *snapObj, updateParent bool) {
	if t.current == s {
		t.current = nil
		if updateParent && s.def.Parent != "" {
			if parent := t.find(s.def.Parent); parent != nil {
				t.current = parent
				if err := d.writeSnapshotMetadata(domName, domUUID, t, parent); err != nil {
					d.log.Warn("failed to set parent snapshot as current", "snapshot", parent.name(), "err", err)
					t.current = nil
				}
			}
		}
	}
	path := d.snapshotFile(domName, s.name())
	if err := os.Remove(path); err != nil {
		d.log.Warn("Failed to unlink", "file", path, "err", err)
	}
	if updateParent {
		s.dropParent()
	}
	t.remove(s)
}

// DomainSnapshotDelete removes a snapshot, its descendants or both
// (qemuSnapshotDelete); METADATA_ONLY leaves the disks alone.
func (c *conn) DomainSnapshotDelete(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainSnapshotDelete"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, snapDeleteChildren|snapDeleteMetadataOnly|snapDeleteChildrenOnly, "qemuSnapshotDelete"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(snap.Dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomainSnapshotDelete"); err != nil {
		return err
	}
	defer o.job.end()
	metadataOnly := flags&snapDeleteMetadataOnly != 0
	withChildren := flags&(snapDeleteChildren|snapDeleteChildrenOnly) != 0
	childrenOnly := flags&snapDeleteChildrenOnly != 0
	var s *snapObj
	var descendants []*snapObj
	if err := d.withSnapshots(o, func(t *snapTree) error {
		if s = t.find(snap.Name); s == nil {
			return noSnapshot(snap.Name)
		}
		if withChildren {
			descendants = s.descendants(nil)
		}
		if !metadataOnly {
			external := 0
			if !childrenOnly && s.def.IsExternal() {
				external++
			}
			for _, x := range descendants {
				if x.def.IsExternal() {
					external++
				}
			}
			if external > 0 {
				return snapErr(virterr.ConfigUnsupported, "deletion of %d external disk snapshots not supported yet", external)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	domName, domUUID := domainIdentity(o)

	if withChildren {
		found := false
		for _, x := range descendants {
			if !metadataOnly {
				if err := d.discardSnapshotData(ctx, o, x.def); err != nil {
					return err
				}
			}
			_ = d.withSnapshots(o, func(t *snapTree) error {
				if t.current == x {
					found = true
				}
				d.discardSnapshotMetadata(domName, domUUID, t, x, false)
				return nil
			})
		}
		if err := d.withSnapshots(o, func(t *snapTree) error {
			if !found {
				return nil
			}
			d.setCurrentSnapshot(domName, domUUID, t, s)
			if childrenOnly {
				if err := d.writeSnapshotMetadata(domName, domUUID, t, s); err != nil {
					t.current = nil
					return snapErr(virterr.InternalError, "failed to set snapshot '%s' as current", s.name())
				}
			}
			return nil
		}); err != nil {
			return err
		}
	} else {
		if err := d.withSnapshots(o, func(t *snapTree) error {
			if len(s.Children) == 0 {
				return nil
			}
			parent := ""
			if s.Parent != nil && !t.IsRoot(s.Parent) {
				parent = s.Parent.name()
			}
			for _, ch := range s.newestFirst() {
				ch.def.Parent = parent
				if err := d.writeSnapshotMetadata(domName, domUUID, t, ch); err != nil {
					return err
				}
			}
			s.moveChildren(s.Parent)
			return nil
		}); err != nil {
			return err
		}
	}
	if childrenOnly {
		return d.withSnapshots(o, func(t *snapTree) error {
			s.Children = nil
			return nil
		})
	}
	if !metadataOnly {
		if err := d.discardSnapshotData(ctx, o, s.def); err != nil {
			return err
		}
	}
	return d.withSnapshots(o, func(t *snapTree) error {
		d.discardSnapshotMetadata(domName, domUUID, t, s, true)
		return nil
	})
}

// undefineSnapshotMetadata is qemuDomainUndefineFlags' rule for snapshots: an
// inactive domain with snapshot metadata is undefined only with
// VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA, which discards the metadata
// (the disks keep their snapshots). lifecycle.go's undefine is to call it
// with the job held, before it removes the config.
func (d *Driver) undefineSnapshotMetadata(o *domainObj, flags uint32) error {
	o.mu.Lock()
	active := o.active()
	o.mu.Unlock()
	if active {
		return nil
	}
	n := 0
	_ = d.withSnapshots(o, func(t *snapTree) error {
		n = len(t.List)
		return nil
	})
	if n == 0 {
		return nil
	}
	if flags&undefineSnapshots == 0 {
		return snapErr(virterr.OperationInvalid, "cannot delete inactive domain with %d snapshots", n)
	}
	d.discardAllSnapshotMetadata(o)
	return nil
}

// discardAllSnapshotMetadata forgets every snapshot of o and removes its
// snapshot directory (qemuDomainSnapshotDiscardAllMetadata), as undefine
// and the removal of a transient domain do.
func (d *Driver) discardAllSnapshotMetadata(o *domainObj) {
	domName, domUUID := domainIdentity(o)
	_ = d.withSnapshots(o, func(t *snapTree) error {
		for _, s := range append([]*snapObj(nil), t.List...) {
			d.discardSnapshotMetadata(domName, domUUID, t, s, false)
		}
		t.Root.Children = nil
		return nil
	})
	os.Remove(filepath.Join(d.snapshotDir(), domName))
	st := d.snapStore()
	st.mu.Lock()
	delete(st.trees, o)
	st.mu.Unlock()
}
