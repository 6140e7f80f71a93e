package test

import (
	"github.com/govirt/govirt/internal/conf/checkpoint"
	"github.com/govirt/govirt/internal/conf/snapshot"
)

// moment is one snapshot or checkpoint in its domain's tree
// (virDomainMomentObj): exactly one of snap and chk is set.
type moment struct {
	snapshot.Links[moment]
	name string
	snap *snapshot.Def
	chk  *checkpoint.Def
}

func (m *moment) MomentName() string   { return m.name }
func (m *moment) MomentParent() string { return m.parentName() }

// parentName is the definition's <parent>, which can name a moment that
// no longer exists; Parent is the link in the tree.
func (m *moment) parentName() string {
	switch {
	case m.snap != nil:
		return m.snap.Parent
	case m.chk != nil:
		return m.chk.Parent
	}
	return ""
}

func (m *moment) setParentName(name string) {
	switch {
	case m.snap != nil:
		m.snap.Parent = name
	case m.chk != nil:
		m.chk.Parent = name
	}
}

// momentTree is a domain's snapshots or checkpoints
// (virDomainMomentObjList) with its current moment.
type momentTree struct {
	snapshot.Tree[moment, *moment]
	current *moment
}

// snapshotTree is the domain's snapshot tree, created on first use: most
// domains never have one, and two empty trees per domain cost ~200 bytes.
func (o *domainObj) snapshotTree() *momentTree {
	if o.snapshots == nil {
		o.snapshots = &momentTree{}
	}
	return o.snapshots
}

// checkpointTree is snapshotTree for checkpoints.
func (o *domainObj) checkpointTree() *momentTree {
	if o.checkpoints == nil {
		o.checkpoints = &momentTree{}
	}
	return o.checkpoints
}

func (o *domainObj) snapshotCount() int {
	if o.snapshots == nil {
		return 0
	}
	return len(o.snapshots.List)
}

func (o *domainObj) checkpointCount() int {
	if o.checkpoints == nil {
		return 0
	}
	return len(o.checkpoints.List)
}

func (t *momentTree) find(name string) *moment              { return t.Find(name) }
func (t *momentTree) assign(m *moment) error                { return t.Assign(m) }
func (t *momentTree) linkParent(m *moment)                  { t.LinkParent(m) }
func (t *momentTree) checkCycles(name, parent string) error { return t.CheckCycles(name, parent) }
func (m *moment) newestFirst() []*moment                    { return snapshot.NewestFirst(m) }
func (m *moment) descendants(out []*moment) []*moment       { return snapshot.Descendants(m, out) }
func (m *moment) dropParent()                               { snapshot.DropParent(m) }
func (from *moment) moveChildren(to *moment)                { snapshot.MoveChildren(from, to) }

// remove drops m from the list; it reports whether m was current
// (virDomainMomentObjListRemove).
func (t *momentTree) remove(m *moment) bool {
	t.Remove(m)
	if t.current == m {
		t.current = nil
		return true
	}
	return false
}

// updateRelations links every moment to its parent after a bulk load
// (virDomainMomentUpdateRelations); false when a parent is missing or a
// chain loops, which also clears the current moment.
func (t *momentTree) updateRelations() bool {
	ok := t.UpdateRelations()
	if !ok {
		t.current = nil
	}
	return ok
}

// Listing flags shared by snapshots and checkpoints
// (VIR_DOMAIN_MOMENT_LIST_*).
const (
	momentRoots       = snapshot.MomentListRoots
	momentTopological = snapshot.MomentListTopological
	momentLeaves      = snapshot.MomentListLeaves
	momentNoLeaves    = snapshot.MomentListNoLeaves
)

func (t *momentTree) names(from *moment, flags uint32, filter func(*moment) bool) []*moment {
	return t.Names(from, flags, filter)
}
