package test

import (
	"github.com/govirt/govirt/internal/conf/checkpoint"
	"github.com/govirt/govirt/internal/conf/snapshot"
	"github.com/govirt/govirt/virt/virterr"
)

// moment is one snapshot or checkpoint in its domain's tree
// (virDomainMomentObj): exactly one of snap and chk is set.
type moment struct {
	name     string
	parent   *moment // the tree's root sentinel for top-level moments
	children []*moment
	snap     *snapshot.Def
	chk      *checkpoint.Def
}

// parentName is the definition's <parent>, which can name a moment that
// no longer exists; parent is the link in the tree.
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
// (virDomainMomentObjList). list keeps creation order, which stands in for
// the order of libvirt's hash table when a listing walks the whole set.
type momentTree struct {
	list    []*moment
	root    moment // metaroot: parent of every top-level moment
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
	return len(o.snapshots.list)
}

func (o *domainObj) checkpointCount() int {
	if o.checkpoints == nil {
		return 0
	}
	return len(o.checkpoints.list)
}

func (t *momentTree) find(name string) *moment {
	for _, m := range t.list {
		if m.name == name {
			return m
		}
	}
	return nil
}

// assign adds a moment that no other moment of the tree is named like
// (virDomainMomentAssignDef); the caller links it.
func (t *momentTree) assign(m *moment) error {
	if t.find(m.name) != nil {
		return virterr.NewFrom(virterr.FromDomain, virterr.OperationFailed, "domain moment %s already exists", m.name)
	}
	t.list = append(t.list, m)
	return nil
}

// newestFirst lists m's children as libvirt walks them: the most recently
// linked first.
func (m *moment) newestFirst() []*moment {
	out := make([]*moment, len(m.children))
	for i, c := range m.children {
		out[len(out)-1-i] = c
	}
	return out
}

// linkParent puts m under the moment its definition names, or at the top
// (virDomainMomentLinkParent).
func (t *momentTree) linkParent(m *moment) {
	p := t.find(m.parentName())
	if p == nil || m.parentName() == "" {
		p = &t.root
	}
	m.parent = p
	p.children = append(p.children, m)
}

// dropParent detaches m from its parent (virDomainMomentDropParent).
func (m *moment) dropParent() {
	p := m.parent
	if p == nil {
		return
	}
	for i, c := range p.children {
		if c == m {
			p.children = append(p.children[:i:i], p.children[i+1:]...)
			break
		}
	}
	m.parent = nil
}

// moveChildren makes from's children children of to
// (virDomainMomentMoveChildren): they come first in to's walk.
func (from *moment) moveChildren(to *moment) {
	for _, c := range from.children {
		c.parent = to
	}
	to.children = append(to.children, from.children...)
	from.children = nil
}

// remove drops m from the list; it reports whether m was current
// (virDomainMomentObjListRemove).
func (t *momentTree) remove(m *moment) bool {
	for i, x := range t.list {
		if x == m {
			t.list = append(t.list[:i:i], t.list[i+1:]...)
			break
		}
	}
	if t.current == m {
		t.current = nil
		return true
	}
	return false
}

// descendants walks below m topologically, children newest first
// (virDomainMomentForEachDescendant).
func (m *moment) descendants(out []*moment) []*moment {
	for _, c := range m.newestFirst() {
		out = append(out, c)
		out = c.descendants(out)
	}
	return out
}

// checkCycles refuses a redefinition whose parent is missing or would
// make a loop (virDomainMomentCheckCycles).
func (t *momentTree) checkCycles(name, parent string) error {
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
	for other.parentName() != "" {
		if other.parentName() == name {
			return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "parent %s would create cycle to %s", other.name, name)
		}
		if other = t.find(other.parentName()); other == nil {
			break
		}
	}
	return nil
}

// updateRelations links every moment to its parent after a bulk load
// (virDomainMomentUpdateRelations); false when a parent is missing or a
// chain loops, which also clears the current moment.
func (t *momentTree) updateRelations() bool {
	t.root.children = nil
	for _, m := range t.list {
		m.children = nil
	}
	ok := true
	for _, m := range t.list {
		p := t.find(m.parentName())
		if p == nil || m.parentName() == "" {
			if m.parentName() != "" {
				ok = false
			}
			p = &t.root
		} else {
			for anc := p; anc != nil && anc != &t.root; anc = anc.parent {
				if anc == m {
					ok = false
					p = &t.root
					break
				}
			}
		}
		m.parent = p
		p.children = append(p.children, m)
	}
	if !ok {
		t.current = nil
	}
	return ok
}

// Listing flags shared by snapshots and checkpoints
// (VIR_DOMAIN_MOMENT_LIST_*).
const (
	momentRoots       uint32 = 1 << 0 // also DESCENDANTS below a moment
	momentTopological uint32 = 1 << 1
	momentLeaves      uint32 = 1 << 2
	momentNoLeaves    uint32 = 1 << 3
	momentMetadata    uint32 = 1 << 4
	momentNoMetadata  uint32 = 1 << 5
)

// names selects moments as virDomainMomentObjListGetNames does: from the
// top (from nil) the roots or every moment, below a moment its children or
// all descendants; then leaves, metadata and the caller's filter.
func (t *momentTree) names(from *moment, flags uint32, filter func(*moment) bool) []*moment {
	descendants := flags&momentRoots != 0
	if from == nil {
		descendants = !descendants
	}
	if flags&(momentMetadata|momentNoMetadata) == momentNoMetadata {
		return nil // every moment here has metadata
	}
	var walk []*moment
	switch {
	case descendants && from != nil:
		walk = from.descendants(nil)
	case descendants && flags&momentTopological != 0:
		walk = t.root.descendants(nil)
	case descendants:
		walk = t.list
	case from != nil:
		walk = from.newestFirst()
	default:
		walk = t.root.newestFirst()
	}
	var out []*moment
	for _, m := range walk {
		if flags&momentLeaves != 0 && len(m.children) > 0 {
			continue
		}
		if flags&momentNoLeaves != 0 && len(m.children) == 0 {
			continue
		}
		if filter != nil && !filter(m) {
			continue
		}
		out = append(out, m)
	}
	return out
}
