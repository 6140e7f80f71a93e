package qemu

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/govirt/govirt/internal/atomicfile"
	"github.com/govirt/govirt/internal/conf/snapshot"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/virt/virterr"
)

// A domain's snapshot tree (virDomainSnapshotObjList) and its metadata
// files: one XML file a snapshot under the snapshot directory, read back
// the first time the domain's snapshots are needed.

// snapObj is one snapshot in its domain's tree (virDomainMomentObj).
type snapObj struct {
	def      *snapshot.Def
	parent   *snapObj // the tree's root sentinel for top-level snapshots
	children []*snapObj
}

func (s *snapObj) name() string { return s.def.Name }

// newestFirst lists the children as libvirt walks them: the most
// recently linked first.
func (s *snapObj) newestFirst() []*snapObj {
	out := make([]*snapObj, len(s.children))
	for i, c := range s.children {
		out[len(out)-1-i] = c
	}
	return out
}

// descendants walks below s topologically (virDomainMomentForEachDescendant).
func (s *snapObj) descendants(out []*snapObj) []*snapObj {
	for _, c := range s.newestFirst() {
		out = append(out, c)
		out = c.descendants(out)
	}
	return out
}

// dropParent detaches s from its parent (virDomainMomentDropParent).
func (s *snapObj) dropParent() {
	p := s.parent
	if p == nil {
		return
	}
	for i, c := range p.children {
		if c == s {
			p.children = append(p.children[:i:i], p.children[i+1:]...)
			break
		}
	}
	s.parent = nil
}

// moveChildren makes s's children children of to
// (virDomainMomentMoveChildren): they come first in to's walk.
func (s *snapObj) moveChildren(to *snapObj) {
	for _, c := range s.children {
		c.parent = to
	}
	to.children = append(to.children, s.children...)
	s.children = nil
}

// snapTree is a domain's snapshots (virDomainSnapshotObjList). list keeps
// creation order, which stands in for libvirt's hash table order.
type snapTree struct {
	list    []*snapObj
	root    snapObj
	current *snapObj
}

func (t *snapTree) find(name string) *snapObj {
	for _, s := range t.list {
		if s.name() == name {
			return s
		}
	}
	return nil
}

func (t *snapTree) remove(s *snapObj) {
	for i, x := range t.list {
		if x == s {
			t.list = append(t.list[:i:i], t.list[i+1:]...)
			break
		}
	}
	if t.current == s {
		t.current = nil
	}
}

// linkParent puts s under the snapshot its definition names, or at the
// top (virDomainMomentLinkParent).
func (t *snapTree) linkParent(s *snapObj) {
	p := t.find(s.def.Parent)
	if p == nil || s.def.Parent == "" {
		p = &t.root
	}
	s.parent = p
	p.children = append(p.children, s)
}

// updateRelations links every snapshot to its parent after loading
// (virDomainMomentUpdateRelations); false when a parent is missing or a
// chain loops, which also clears the current snapshot.
func (t *snapTree) updateRelations() bool {
	t.root.children = nil
	for _, s := range t.list {
		s.children, s.parent = nil, nil
	}
	ok := true
	for _, s := range t.list {
		p := t.find(s.def.Parent)
		if p == nil || s.def.Parent == "" {
			if s.def.Parent != "" {
				ok = false
			}
			p = &t.root
		} else {
			for anc := p; anc != nil && anc != &t.root; anc = anc.parent {
				if anc == s {
					ok = false
					p = &t.root
					break
				}
			}
		}
		s.parent = p
		p.children = append(p.children, s)
	}
	if !ok {
		t.current = nil
	}
	return ok
}

// checkCycles refuses a redefinition whose parent is missing or would
// make a loop (virDomainMomentCheckCycles).
func (t *snapTree) checkCycles(name, parent string) error {
	if parent == "" {
		return nil
	}
	if name == parent {
		return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "cannot set moment %s as its own parent", name)
	}
	other := t.find(parent)
	if other == nil {
		return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "parent %s for moment %s not found", parent, name)
	}
	for other.def.Parent != "" {
		if other.def.Parent == name {
			return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "parent %s would create cycle to %s", other.name(), name)
		}
		if other = t.find(other.def.Parent); other == nil {
			break
		}
	}
	return nil
}

// select lists snapshots as virDomainSnapshotObjListGetNames does: from
// the top (from nil) the roots or every snapshot, below a snapshot its
// children or all descendants; then leaves and the filters.
func (t *snapTree) selectSnapshots(from *snapObj, flags uint32) []*snapObj {
	descendants := flags&snapListRoots != 0
	if from == nil {
		descendants = !descendants
	}
	if flags&(snapListMetadata|snapListNoMetadata) == snapListNoMetadata {
		return nil // every snapshot the driver lists has metadata
	}
	var walk []*snapObj
	switch {
	case descendants && from != nil:
		walk = from.descendants(nil)
	case descendants && flags&snapListTopological != 0:
		walk = t.root.descendants(nil)
	case descendants:
		walk = t.list
	case from != nil:
		walk = from.newestFirst()
	default:
		walk = t.root.newestFirst()
	}
	status, location := flags&snapFiltersStatus, flags&snapFiltersLocation
	if status == snapFiltersStatus {
		status = 0
	}
	if location == snapFiltersLocation {
		location = 0
	}
	out := []*snapObj{}
	for _, s := range walk {
		if flags&snapListLeaves != 0 && len(s.children) > 0 {
			continue
		}
		if flags&snapListNoLeaves != 0 && len(s.children) == 0 {
			continue
		}
		st := s.def.State
		if status != 0 {
			switch {
			case st == "shutoff" && status&snapListInactive == 0,
				st == "disk-snapshot" && status&snapListDiskOnly == 0,
				st != "shutoff" && st != "disk-snapshot" && status&snapListActive == 0:
				continue
			}
		}
		if location&snapListInternal != 0 && snapIsExternal(s.def) {
			continue
		}
		if location&snapListExternal != 0 && !snapIsExternal(s.def) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// snapIsExternal is virDomainSnapshotDefIsExternal.
func snapIsExternal(def *snapshot.Def) bool {
	if def.Memory == snapshot.LocationExternal {
		return true
	}
	for _, d := range def.Disks {
		if d.Snapshot == snapshot.LocationExternal {
			return true
		}
	}
	return false
}

func snapOnline(def *snapshot.Def) bool { return def.State == "running" || def.State == "paused" }

// snapStore holds the snapshot trees of one driver's domains. A domain's
// tree is read from its snapshot directory the first time it is needed,
// so snapshots survive a daemon restart without a load at driver start.
type snapStore struct {
	mu    sync.Mutex
	trees map[*domainObj]*snapTree
}

var snapStores sync.Map // *Driver → *snapStore

func (d *Driver) snapStore() *snapStore {
	if s, ok := snapStores.Load(d); ok {
		return s.(*snapStore)
	}
	s, _ := snapStores.LoadOrStore(d, &snapStore{trees: map[*domainObj]*snapTree{}})
	return s.(*snapStore)
}

// snapshotDir is libvirt's cfg->snapshotDir: var/lib/libvirt/qemu/snapshot
// for the system daemon, $XDG_CONFIG_HOME/libvirt/qemu/snapshot for a
// session one.
func (d *Driver) snapshotDir() string {
	if d.privileged || strings.HasSuffix(d.paths.LibDir, filepath.Join("var", "lib", "libvirt", "qemu")) {
		return filepath.Join(d.paths.LibDir, "snapshot")
	}
	return filepath.Join(d.paths.ConfigDir, "snapshot")
}

func (d *Driver) snapshotFile(domName, snapName string) string {
	return filepath.Join(d.snapshotDir(), domName, snapName+".xml")
}

// withSnapshots runs fn on o's snapshot tree with the store locked. The
// caller must not hold o.mu.
func (d *Driver) withSnapshots(o *domainObj, fn func(t *snapTree) error) error {
	o.mu.Lock()
	name := o.def.Name
	o.mu.Unlock()
	st := d.snapStore()
	st.mu.Lock()
	defer st.mu.Unlock()
	return fn(d.treeLocked(st, o, name))
}

func (d *Driver) treeLocked(st *snapStore, o *domainObj, name string) *snapTree {
	t := st.trees[o]
	if t == nil {
		t = d.loadSnapshots(name)
		st.trees[o] = t
	}
	return t
}

// snapshotCountLocked is the number of o's snapshots, for the
// HAS_SNAPSHOT listing filter and undefine; the caller holds o.mu.
func (d *Driver) snapshotCountLocked(o *domainObj) int {
	st := d.snapStore()
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(d.treeLocked(st, o, o.def.Name).list)
}

// loadSnapshots reads a domain's snapshot metadata (qemuDomainSnapshotLoad):
// files that do not parse are skipped with a warning, as libvirt does.
func (d *Driver) loadSnapshots(domName string) *snapTree {
	t := &snapTree{}
	dir := filepath.Join(d.snapshotDir(), domName)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return t
	}
	var current *snapObj
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".xml") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			d.log.Warn("failed to read snapshot file", "file", path, "err", err)
			continue
		}
		def, err := snapshot.Parse(data, snapshot.ParseRedefine|snapshot.ParseDisks|snapshot.ParseInternal)
		if err != nil {
			d.log.Warn("failed to parse snapshot XML from file", "file", path, "err", err)
			continue
		}
		if t.find(def.Name) != nil {
			continue
		}
		s := &snapObj{def: def}
		t.list = append(t.list, s)
		if def.Current {
			if current != nil {
				d.log.Warn("Too many snapshots claiming to be current for domain", "domain", domName)
			}
			current = s
		}
	}
	sort.SliceStable(t.list, func(i, j int) bool { return t.list[i].def.CreationTime < t.list[j].def.CreationTime })
	t.current = current
	if !t.updateRelations() {
		d.log.Warn("Snapshots have inconsistent relations for domain", "domain", domName)
	}
	return t
}

// writeSnapshotMetadata saves one snapshot (qemuDomainSnapshotWriteMetadata).
func (d *Driver) writeSnapshotMetadata(domName, domUUID string, t *snapTree, s *snapObj) error {
	flags := snapshot.FormatSecure | snapshot.FormatInternal
	if t.current == s {
		flags |= snapshot.FormatCurrent
	}
	xml := s.def.Format(snapshot.FormatOptions{Flags: flags, DomainUUID: domUUID})
	dir := filepath.Join(d.snapshotDir(), domName)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return snapErr(virterr.SystemError, "cannot create snapshot directory '%s': %s", dir, errnoText(err))
	}
	warning := strings.Replace(xmlbuf.SaveWarning("snapshot-edit", ""), "snapshot-edit \n", "snapshot-edit\n", 1)
	path := filepath.Join(dir, s.name()+".xml")
	if err := atomicfile.Write(path, []byte(warning+xml), 0o600); err != nil {
		return snapErr(virterr.SystemError, "cannot save snapshot metadata %s: %v", path, err)
	}
	return nil
}

// setCurrent makes s current and rewrites the one it replaces, whose
// <active> changes (qemuSnapshotSetCurrent).
func (d *Driver) setCurrentSnapshot(domName, domUUID string, t *snapTree, s *snapObj) {
	old := t.current
	t.current = s
	if old != nil && old != s && t.find(old.name()) != nil {
		if err := d.writeSnapshotMetadata(domName, domUUID, t, old); err != nil {
			d.log.Warn("failed to update old current snapshot", "err", err)
		}
	}
}

// domainIdentity is what metadata files are named and marked with.
func domainIdentity(o *domainObj) (name, id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.def.Name, o.def.UUID.String()
}
