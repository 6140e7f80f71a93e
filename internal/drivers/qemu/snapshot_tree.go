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
	snapshot.Links[snapObj]
	def *snapshot.Def
}

func (s *snapObj) name() string         { return s.def.Name }
func (s *snapObj) MomentName() string   { return s.def.Name }
func (s *snapObj) MomentParent() string { return s.def.Parent }

func (s *snapObj) newestFirst() []*snapObj               { return snapshot.NewestFirst(s) }
func (s *snapObj) descendants(out []*snapObj) []*snapObj { return snapshot.Descendants(s, out) }
func (s *snapObj) dropParent()                           { snapshot.DropParent(s) }
func (s *snapObj) moveChildren(to *snapObj)              { snapshot.MoveChildren(s, to) }

// snapTree is a domain's snapshots (virDomainSnapshotObjList) with its
// current snapshot.
type snapTree struct {
	snapshot.Tree[snapObj, *snapObj]
	current *snapObj
}

// list iterates the snapshots in creation order.
func (t *snapTree) list(yield func(int, *snapObj) bool) {
	for i, s := range t.List {
		if !yield(i, s) {
			return
		}
	}
}

func (t *snapTree) find(name string) *snapObj             { return t.Find(name) }
func (t *snapTree) linkParent(s *snapObj)                 { t.LinkParent(s) }
func (t *snapTree) checkCycles(name, parent string) error { return t.CheckCycles(name, parent) }

func (t *snapTree) remove(s *snapObj) {
	t.Remove(s)
	if t.current == s {
		t.current = nil
	}
}

// updateRelations links every snapshot to its parent after loading
// (virDomainMomentUpdateRelations); false when a parent is missing or a
// chain loops, which also clears the current snapshot.
func (t *snapTree) updateRelations() bool {
	ok := t.UpdateRelations()
	if !ok {
		t.current = nil
	}
	return ok
}

// selectSnapshots lists snapshots as virDomainSnapshotObjListGetNames
// does; never nil.
func (t *snapTree) selectSnapshots(from *snapObj, flags uint32) []*snapObj {
	mf, rest := snapshot.MomentListFlags(flags)
	filter := snapshot.Filter(rest)
	out := t.Names(from, mf, func(s *snapObj) bool { return filter(s.def) })
	if out == nil {
		out = []*snapObj{}
	}
	return out
}

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
	return len(d.treeLocked(st, o, o.def.Name).List)
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
		t.List = append(t.List, s)
		if def.Current {
			if current != nil {
				d.log.Warn("Too many snapshots claiming to be current for domain", "domain", domName)
			}
			current = s
		}
	}
	sort.SliceStable(t.List, func(i, j int) bool { return t.List[i].def.CreationTime < t.List[j].def.CreationTime })
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
