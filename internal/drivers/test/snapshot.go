package test

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/snapshot"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// VIR_DOMAIN_SNAPSHOT_* flags the test driver looks at.
const (
	snapCreateRedefine uint32 = 1 << 0
	snapCreateCurrent  uint32 = 1 << 1
	snapCreateHalt     uint32 = 1 << 3
	snapCreateQuiesce  uint32 = 1 << 6
	snapCreateAtomic   uint32 = 1 << 7
	snapCreateLive     uint32 = 1 << 8
	snapCreateValidate uint32 = 1 << 9

	snapListRoots       = snapshot.ListRoots // DESCENDANTS below a snapshot
	snapListMetadata    = snapshot.ListMetadata
	snapListLeaves      = snapshot.ListLeaves
	snapListNoLeaves    = snapshot.ListNoLeaves
	snapListNoMetadata  = snapshot.ListNoMetadata
	snapListInactive    = snapshot.ListInactive
	snapListActive      = snapshot.ListActive
	snapListDiskOnly    = snapshot.ListDiskOnly
	snapListInternal    = snapshot.ListInternal
	snapListExternal    = snapshot.ListExternal
	snapListTopological = snapshot.ListTopological
	snapFiltersAll      = snapshot.ListFiltersAll

	snapRevertRunning uint32 = 1 << 0
	snapRevertPaused  uint32 = 1 << 1
	snapRevertForce   uint32 = 1 << 2

	snapDeleteChildren     uint32 = 1 << 0
	snapDeleteChildrenOnly uint32 = 1 << 2

	snapXMLSecure uint32 = 1 << 0
)

// snapshotStates names a domain state as a snapshot records it
// (virDomainSnapshotState shares virDomainState's numbers).
var snapshotStates = []string{"nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"}

func snapStateOf(o *domainObj) string {
	if int(o.state) < len(snapshotStates) {
		return snapshotStates[o.state]
	}
	return "nostate"
}

// snapNames converts the public listing flags to the moment ones
// (virDomainSnapshotObjListGetNames) and lists.
func snapNames(t *momentTree, from *moment, flags uint32) []*moment {
	mf, rest := snapshot.MomentListFlags(flags)
	filter := snapshot.Filter(rest)
	return t.names(from, mf, func(m *moment) bool { return filter(m.snap) })
}

func noSnapshot(name string) error {
	return errf(virterr.NoDomainSnapshot, "no domain snapshot with matching name '%s'", name)
}

func (o *domainObj) snapshotNamed(name string) (*moment, error) {
	if m := o.snapshotTree().find(name); m != nil {
		return m, nil
	}
	return nil, noSnapshot(name)
}

func snapRef(o *domainObj, name string) driver.DomainSnapshotRef {
	return driver.DomainSnapshotRef{Name: name, Dom: o.ref()}
}

// readSnapshot runs fn on the snapshot a reference names, with the node
// locked.
func (c *conn) readSnapshot(snap driver.DomainSnapshotRef, fn func(o *domainObj, m *moment) error) error {
	return c.read(snap.Dom, func(o *domainObj) error {
		m, err := o.snapshotNamed(snap.Name)
		if err != nil {
			return err
		}
		return fn(o, m)
	})
}

// snapshotDisks describes a domain's disks for snapshot alignment.
func snapshotDisks(def *domain.Def) []snapshot.DomainDisk {
	if def == nil || def.Devices == nil {
		return nil
	}
	var out []snapshot.DomainDisk
	for _, d := range def.Devices.Disks {
		dd := snapshot.DomainDisk{Target: d.Dst()}
		for _, a := range d.Attrs {
			if a.Name == "snapshot" {
				dd.Snapshot = a.Value
			}
		}
		if s := d.Source; s != nil {
			dd.Type = s.Type
			dd.Path = s.Path()
			if s.Type == "network" {
				for _, a := range s.Attrs {
					if a.Name == "name" {
						dd.Path = a.Value
					}
				}
			}
		}
		out = append(out, dd)
	}
	return out
}

func isRegularFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// alignNew gives a new snapshot its state, memory and disks from the
// domain (testDomainSnapshotAlignDisks).
func alignNew(o *domainObj, def *snapshot.Def) error {
	opts := snapshot.AlignOptions{Default: snapshot.LocationInternal, UniformInternal: true, IsRegularFile: isRegularFile}
	def.State = snapStateOf(o)
	if def.Memory == snapshot.LocationExternal {
		opts.Default, opts.UniformInternal = snapshot.LocationExternal, false
	} else if def.State == "shutoff" {
		def.Memory = snapshot.LocationNo
	} else {
		def.Memory = snapshot.LocationInternal
	}
	return def.AlignDisks(snapshotDisks(def.Domain), opts)
}

// redefinePrep checks a redefined snapshot against the domain and the
// snapshot it replaces, and aligns its disks (virDomainSnapshotRedefinePrep).
func redefinePrep(o *domainObj, def *snapshot.Def) (*moment, error) {
	if err := o.snapshotTree().checkCycles(def.Name, def.Parent); err != nil {
		return nil, err
	}
	other := o.snapshotTree().find(def.Name)
	var otherDef *snapshot.Def
	if other != nil {
		otherDef = other.snap
	}
	if err := def.CheckRedefine(o.def.UUID.String(), otherDef); err != nil {
		return nil, err
	}
	dom := def.Domain
	if dom == nil && otherDef != nil {
		dom = otherDef.Domain
	}
	if dom == nil {
		return nil, virterr.NewFrom(virterr.FromDomainSnapshot, virterr.InternalError, "missing domain in snapshot")
	}
	if err := def.AlignRedefined(snapshotDisks(dom), isRegularFile); err != nil {
		return nil, err
	}
	return other, nil
}

// parseSnapshot reads a snapshot document and applies the domain
// defaults to the definition it embeds.
func parseSnapshot(n *xmltree.Node, data string, flags snapshot.ParseFlags) (*snapshot.Def, error) {
	var def *snapshot.Def
	var err error
	if n != nil {
		def, err = snapshot.ParseNode(n, flags)
	} else {
		def, err = snapshot.Parse([]byte(data), flags)
	}
	if err != nil {
		return nil, err
	}
	if err := def.Validate(); err != nil {
		return nil, err
	}
	for _, d := range []*domain.Def{def.Domain, def.InactiveDomain} {
		if d != nil {
			if err := postParse(d); err != nil {
				return nil, err
			}
		}
	}
	return def, nil
}

// DomainSnapshotCreateXML takes a snapshot, or with REDEFINE restores one's
// metadata (testDomainSnapshotCreateXML).
func (c *conn) DomainSnapshotCreateXML(ctx context.Context, dom driver.DomainRef, xmlDesc string, flags uint32) (driver.DomainSnapshotRef, error) {
	if err := c.denyReadOnly("virDomainSnapshotCreateXML"); err != nil {
		return driver.DomainSnapshotRef{}, err
	}
	if err := unsupportedFlags(flags, snapCreateRedefine|snapCreateCurrent|snapCreateHalt|snapCreateQuiesce|
		snapCreateAtomic|snapCreateLive|snapCreateValidate, "testDomainSnapshotCreateXML"); err != nil {
		return driver.DomainSnapshotRef{}, err
	}
	redefine := flags&snapCreateRedefine != 0
	updateCurrent := !redefine || flags&snapCreateCurrent != 0
	pf := snapshot.ParseDisks
	if redefine {
		pf |= snapshot.ParseRedefine
	}
	if flags&snapCreateValidate != 0 {
		pf |= snapshot.ParseValidate
	}
	var ref driver.DomainSnapshotRef
	err := c.update(dom, func(o *domainObj) ([]event, error) {
		if o.checkpointCount() > 0 {
			return nil, errf(virterr.OperationUnsupported, "cannot create snapshot while checkpoint exists")
		}
		if !o.persistent && flags&snapCreateHalt != 0 {
			return nil, errf(virterr.OperationInvalid, "cannot halt after transient domain snapshot")
		}
		def, err := parseSnapshot(nil, xmlDesc, pf)
		if err != nil {
			return nil, err
		}
		var m *moment
		if redefine {
			if m, err = redefinePrep(o, def); err != nil {
				return nil, err
			}
		} else {
			def.PostParse(time.Now().Unix())
			if def.Domain, err = copyDef(o.def); err != nil {
				return nil, err
			}
			if err := alignNew(o, def); err != nil {
				return nil, err
			}
		}
		if m != nil {
			// virDomainSnapshotReplaceDef: keep the children, re-link
			// the parent.
			if def.Domain == nil {
				def.Domain = m.snap.Domain
			}
			m.dropParent()
			m.snap = def
		} else {
			m = &moment{name: def.Name, snap: def}
			if err := o.snapshotTree().assign(m); err != nil {
				return nil, err
			}
		}
		var evs []event
		if !redefine {
			if cur := o.snapshotTree().current; cur != nil {
				def.Parent = cur.name
			}
			if flags&snapCreateHalt != 0 && o.active() {
				c.st.shutdownState(o, shutoffFromSnapshot)
				evs = append(evs, c.st.lifecycleEvent(o, eventStopped, detailStoppedSnapshot))
			}
		}
		if updateCurrent {
			o.snapshotTree().current = m
		}
		o.snapshotTree().linkParent(m)
		ref = snapRef(o, m.name)
		return evs, nil
	})
	return ref, err
}

// DomainSnapshotNum counts the snapshots flags select.
func (c *conn) DomainSnapshotNum(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, snapListRoots|snapListTopological|snapFiltersAll, "testDomainSnapshotNum"); err != nil {
		return -1, err
	}
	var n int32
	err := c.read(dom, func(o *domainObj) error {
		n = int32(len(snapNames(o.snapshotTree(), nil, flags)))
		return nil
	})
	return n, err
}

// DomainSnapshotListNames lists the names of the snapshots flags select.
func (c *conn) DomainSnapshotListNames(ctx context.Context, dom driver.DomainRef, maxnames int32, flags uint32) ([]string, error) {
	if err := unsupportedFlags(flags, snapListRoots|snapListTopological|snapFiltersAll, "testDomainSnapshotListNames"); err != nil {
		return nil, err
	}
	var names []string
	err := c.read(dom, func(o *domainObj) error {
		names = momentNames(snapNames(o.snapshotTree(), nil, flags), maxnames)
		return nil
	})
	return names, err
}

func momentNames(ms []*moment, max int32) []string {
	names := []string{}
	for _, m := range ms {
		if int32(len(names)) >= max {
			break
		}
		names = append(names, m.name)
	}
	return names
}

// DomainListAllSnapshots lists the snapshots flags select.
func (c *conn) DomainListAllSnapshots(ctx context.Context, dom driver.DomainRef, needResults int32, flags uint32) (driver.DomainListAllSnapshotsRet, error) {
	if err := unsupportedFlags(flags, snapListRoots|snapListTopological|snapFiltersAll, "testDomainListAllSnapshots"); err != nil {
		return driver.DomainListAllSnapshotsRet{}, err
	}
	var ret driver.DomainListAllSnapshotsRet
	err := c.read(dom, func(o *domainObj) error {
		ms := snapNames(o.snapshotTree(), nil, flags)
		ret.Ret = int32(len(ms))
		if needResults != 0 {
			ret.Snapshots = []driver.DomainSnapshotRef{}
			for _, m := range ms {
				ret.Snapshots = append(ret.Snapshots, snapRef(o, m.name))
			}
		}
		return nil
	})
	return ret, err
}

const snapChildFlags = snapListRoots | snapListTopological | snapFiltersAll

// DomainSnapshotNumChildren counts the children (or descendants) flags
// select.
func (c *conn) DomainSnapshotNumChildren(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, snapChildFlags, "testDomainSnapshotNumChildren"); err != nil {
		return -1, err
	}
	var n int32
	err := c.readSnapshot(snap, func(o *domainObj, m *moment) error {
		n = int32(len(snapNames(o.snapshotTree(), m, flags)))
		return nil
	})
	return n, err
}

// DomainSnapshotListChildrenNames lists the names of the children (or
// descendants) flags select.
func (c *conn) DomainSnapshotListChildrenNames(ctx context.Context, snap driver.DomainSnapshotRef, maxnames int32, flags uint32) ([]string, error) {
	if err := unsupportedFlags(flags, snapChildFlags, "testDomainSnapshotListChildrenNames"); err != nil {
		return nil, err
	}
	var names []string
	err := c.readSnapshot(snap, func(o *domainObj, m *moment) error {
		names = momentNames(snapNames(o.snapshotTree(), m, flags), maxnames)
		return nil
	})
	return names, err
}

// DomainSnapshotListAllChildren lists the children (or descendants) flags
// select.
func (c *conn) DomainSnapshotListAllChildren(ctx context.Context, snap driver.DomainSnapshotRef, needResults int32, flags uint32) (driver.DomainSnapshotListAllChildrenRet, error) {
	if err := unsupportedFlags(flags, snapChildFlags, "testDomainSnapshotListAllChildren"); err != nil {
		return driver.DomainSnapshotListAllChildrenRet{}, err
	}
	var ret driver.DomainSnapshotListAllChildrenRet
	err := c.readSnapshot(snap, func(o *domainObj, m *moment) error {
		ms := snapNames(o.snapshotTree(), m, flags)
		ret.Ret = int32(len(ms))
		if needResults != 0 {
			ret.Snapshots = []driver.DomainSnapshotRef{}
			for _, x := range ms {
				ret.Snapshots = append(ret.Snapshots, snapRef(o, x.name))
			}
		}
		return nil
	})
	return ret, err
}

// DomainSnapshotLookupByName finds a snapshot.
func (c *conn) DomainSnapshotLookupByName(ctx context.Context, dom driver.DomainRef, name string, flags uint32) (driver.DomainSnapshotRef, error) {
	if err := unsupportedFlags(flags, 0, "testDomainSnapshotLookupByName"); err != nil {
		return driver.DomainSnapshotRef{}, err
	}
	var ref driver.DomainSnapshotRef
	err := c.read(dom, func(o *domainObj) error {
		m, err := o.snapshotNamed(name)
		if err == nil {
			ref = snapRef(o, m.name)
		}
		return err
	})
	return ref, err
}

// DomainHasCurrentSnapshot reports whether a snapshot is current.
func (c *conn) DomainHasCurrentSnapshot(ctx context.Context, dom driver.DomainRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "testDomainHasCurrentSnapshot"); err != nil {
		return -1, err
	}
	return c.domainFlag(dom, func(o *domainObj) bool { return o.snapshotTree().current != nil })
}

// DomainSnapshotGetParent is the snapshot's parent.
func (c *conn) DomainSnapshotGetParent(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (driver.DomainSnapshotRef, error) {
	if err := unsupportedFlags(flags, 0, "testDomainSnapshotGetParent"); err != nil {
		return driver.DomainSnapshotRef{}, err
	}
	var ref driver.DomainSnapshotRef
	err := c.readSnapshot(snap, func(o *domainObj, m *moment) error {
		p := m.parentName()
		if p == "" {
			return errf(virterr.NoDomainSnapshot, "snapshot '%s' does not have a parent", m.name)
		}
		ref = driver.DomainSnapshotRef{Name: p, Dom: snap.Dom}
		return nil
	})
	return ref, err
}

// DomainSnapshotCurrent is the current snapshot.
func (c *conn) DomainSnapshotCurrent(ctx context.Context, dom driver.DomainRef, flags uint32) (driver.DomainSnapshotRef, error) {
	if err := unsupportedFlags(flags, 0, "testDomainSnapshotCurrent"); err != nil {
		return driver.DomainSnapshotRef{}, err
	}
	var ref driver.DomainSnapshotRef
	err := c.read(dom, func(o *domainObj) error {
		cur := o.snapshotTree().current
		if cur == nil {
			return errf(virterr.NoDomainSnapshot, "the domain does not have a current snapshot")
		}
		ref = snapRef(o, cur.name)
		return nil
	})
	return ref, err
}

// DomainSnapshotGetXMLDesc formats the snapshot; the domain's UUID stands
// in for a definition the snapshot lacks.
func (c *conn) DomainSnapshotGetXMLDesc(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (string, error) {
	if c.readOnly && flags&snapXMLSecure != 0 {
		// The public API's check, which libvirt makes before the driver.
		return "", virterr.NewFrom(virterr.FromDomainSnapshot, virterr.OperationDenied, "virDomainSnapshotGetXMLDesc with secure flag")
	}
	if err := unsupportedFlags(flags, snapXMLSecure, "testDomainSnapshotGetXMLDesc"); err != nil {
		return "", err
	}
	var out string
	err := c.readSnapshot(snap, func(o *domainObj, m *moment) error {
		opts := snapshot.FormatOptions{DomainUUID: uuid.UUID(snap.Dom.UUID).String()}
		if flags&snapXMLSecure != 0 {
			opts.Flags |= snapshot.FormatSecure
		}
		out = m.snap.Format(opts)
		return nil
	})
	return out, err
}

// DomainSnapshotIsCurrent reports whether the snapshot is current.
func (c *conn) DomainSnapshotIsCurrent(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "testDomainSnapshotIsCurrent"); err != nil {
		return -1, err
	}
	var n int32
	err := c.readSnapshot(snap, func(o *domainObj, m *moment) error {
		if o.snapshotTree().current == m {
			n = 1
		}
		return nil
	})
	if err != nil {
		return -1, err
	}
	return n, nil
}

// DomainSnapshotHasMetadata is always true: the test driver keeps every
// snapshot's metadata.
func (c *conn) DomainSnapshotHasMetadata(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) (int32, error) {
	if err := unsupportedFlags(flags, 0, "testDomainSnapshotHasMetadata"); err != nil {
		return -1, err
	}
	if err := c.readSnapshot(snap, func(*domainObj, *moment) error { return nil }); err != nil {
		return -1, err
	}
	return 1, nil
}

// DomainSnapshotDelete removes a snapshot, its children or both
// (testDomainSnapshotDelete); children of a removed snapshot move up.
func (c *conn) DomainSnapshotDelete(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainSnapshotDelete"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, snapDeleteChildren|snapDeleteChildrenOnly, "testDomainSnapshotDelete"); err != nil {
		return err
	}
	return c.update(snap.Dom, func(o *domainObj) ([]event, error) {
		m, err := o.snapshotNamed(snap.Name)
		if err != nil {
			return nil, err
		}
		deleteMoment(o.snapshotTree(), m, flags&snapDeleteChildren != 0, flags&snapDeleteChildrenOnly != 0)
		return nil, nil
	})
}

// deleteMoment is the tree surgery snapshot and checkpoint deletion share.
func deleteMoment(t *momentTree, m *moment, children, childrenOnly bool) {
	if children || childrenOnly {
		wasCurrent := false
		for _, d := range m.descendants(nil) {
			wasCurrent = t.remove(d) || wasCurrent
		}
		if wasCurrent {
			t.current = m
		}
	} else if len(m.Children) > 0 {
		parent := ""
		if m.Parent != nil && !t.IsRoot(m.Parent) {
			parent = m.Parent.name
		}
		for _, ch := range m.Children {
			ch.setParentName(parent)
		}
		m.moveChildren(m.Parent)
	}
	if childrenOnly {
		m.Children = nil
		return
	}
	m.dropParent()
	if t.current == m {
		t.current = nil
		if p := m.parentName(); p != "" {
			t.current = t.find(p)
		}
	}
	t.remove(m)
}

// DomainRevertToSnapshot returns the domain to a snapshot's definition and
// state, with the lifecycle events libvirt 9.0's test driver emits: an
// active domain reverting to a running or paused snapshot is stopped and
// started again; reverting to an inactive snapshot with RUNNING or PAUSED
// only announces the start.
func (c *conn) DomainRevertToSnapshot(ctx context.Context, snap driver.DomainSnapshotRef, flags uint32) error {
	if err := c.denyReadOnly("virDomainRevertToSnapshot"); err != nil {
		return err
	}
	if err := unsupportedFlags(flags, snapRevertRunning|snapRevertPaused|snapRevertForce, "testDomainRevertToSnapshot"); err != nil {
		return err
	}
	return c.update(snap.Dom, func(o *domainObj) ([]event, error) {
		m, err := o.snapshotNamed(snap.Name)
		if err != nil {
			return nil, err
		}
		sdef := m.snap
		runOrPause := flags&(snapRevertRunning|snapRevertPaused) != 0
		if !o.persistent && !sdef.Online() && !runOrPause {
			return nil, errf(virterr.OperationInvalid, "transient domain needs to request run or pause to revert to inactive snapshot")
		}
		if sdef.Domain == nil {
			return nil, errf(virterr.SnapshotRevertRisky, "snapshot '%s' lacks domain '%s' rollback info", m.name, o.def.Name)
		}
		o.snapshotTree().current = nil
		config, err := copyDef(sdef.Domain)
		if err != nil {
			return nil, err
		}
		var evs []event
		if sdef.Online() {
			if o.active() {
				c.st.shutdownState(o, shutoffFromSnapshot)
				evs = append(evs, c.st.lifecycleEvent(o, eventStopped, detailStoppedSnapshot))
			}
			config.ID = -1
			o.def = config
			c.st.startState(o, runningFromSnapshot)
			evs = append(evs, c.st.lifecycleEvent(o, eventStarted, detailStartedSnapshot))
			if flags&snapRevertRunning == 0 && (sdef.State == "paused" || flags&snapRevertPaused != 0) {
				o.state, o.reason = statePaused, pausedFromSnapshot
				evs = append(evs, c.st.lifecycleEvent(o, eventSuspended, detailSuspendedSnap))
			}
		} else {
			if o.active() {
				config.ID = -1
				o.newDef = config
				c.st.shutdownState(o, shutoffFromSnapshot)
				evs = append(evs, c.st.lifecycleEvent(o, eventStopped, detailStoppedSnapshot))
			} else {
				config.ID = -1
				o.def = config
				c.st.reindex(o)
			}
			if runOrPause {
				evs = append(evs, c.st.lifecycleEvent(o, eventStarted, detailStartedSnapshot))
				if flags&snapRevertPaused != 0 {
					evs = append(evs, c.st.lifecycleEvent(o, eventSuspended, detailSuspendedSnap))
				}
			}
		}
		o.snapshotTree().current = m
		return evs, nil
	})
}

// loadSnapshots reads the <test:domainsnapshot> elements of a node file's
// domain (testParseDomainSnapshots): saved snapshots with <active> marking
// the current one; file='…' elements are read relative to dir.
func (st *state) loadSnapshots(o *domainObj, n *xmltree.Node, prefix, dir string) error {
	for _, sn := range n.ChildrenNamed(prefix + "domainsnapshot") {
		sn, err := fromFile(sn, dir, "domainsnapshot")
		if err != nil {
			return err
		}
		if sn.Name != "domainsnapshot" {
			// An inline element keeps its namespace prefix.
			cp := *sn
			cp.Name = "domainsnapshot"
			sn = &cp
		}
		def, err := parseSnapshot(sn, "", snapshot.ParseDisks|snapshot.ParseInternal|snapshot.ParseRedefine)
		if err != nil {
			return err
		}
		m := &moment{name: def.Name, snap: def}
		if err := o.snapshotTree().assign(m); err != nil {
			return err
		}
		if def.Current {
			if o.snapshotTree().current != nil {
				return errf(virterr.InternalError, "more than one snapshot claims to be active")
			}
			o.snapshotTree().current = m
		}
	}
	if !o.snapshotTree().updateRelations() {
		return errf(virterr.InternalError, "Snapshots have inconsistent relations for domain %s", o.def.Name)
	}
	return nil
}

// testPrefix is the prefix a node file's domain binds the test namespace
// to, with its colon; "" when the domain does not use it.
func testPrefix(n *xmltree.Node) string {
	for _, a := range n.Attrs {
		if strings.HasPrefix(a.Name, "xmlns:") && a.Value == testNamespace {
			return strings.TrimPrefix(a.Name, "xmlns:") + ":"
		}
	}
	return ""
}
