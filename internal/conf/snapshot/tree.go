package snapshot

import "github.com/govirt/govirt/virt/virterr"

// The moment tree shared by the drivers' snapshot and checkpoint lists
// (libvirt's src/conf/virdomainmomentobjlist.c and
// virdomainsnapshotobjlist.c). A driver keeps its own locking,
// persistence and current-moment bookkeeping around it.

// Links are a moment's place in its tree (virDomainMomentObj's parent and
// children); a driver's moment type embeds them.
type Links[M any] struct {
	Parent   *M // the tree's root sentinel for top-level moments
	Children []*M
}

func (l *Links[M]) links() *Links[M] { return l }

// Moment is what the tree needs of a driver's moment type: the embedded
// Links, its name, and the parent its definition names (which can name a
// moment that no longer exists).
type Moment[M any] interface {
	*M
	links() *Links[M]
	MomentName() string
	MomentParent() string
}

// Tree is a domain's snapshots or checkpoints (virDomainMomentObjList).
// List keeps creation order, which stands in for the order of libvirt's
// hash table when a listing walks the whole set.
type Tree[M any, P Moment[M]] struct {
	List []P
	Root M // metaroot: parent of every top-level moment
}

func (t *Tree[M, P]) root() P { return P(&t.Root) }

// Find is the moment named name, or nil.
func (t *Tree[M, P]) Find(name string) P {
	for _, m := range t.List {
		if m.MomentName() == name {
			return m
		}
	}
	return nil
}

// Assign adds a moment that no other moment of the tree is named like
// (virDomainMomentAssignDef); the caller links it.
func (t *Tree[M, P]) Assign(m P) error {
	if t.Find(m.MomentName()) != nil {
		return virterr.NewFrom(virterr.FromDomain, virterr.OperationFailed, "domain moment %s already exists", m.MomentName())
	}
	t.List = append(t.List, m)
	return nil
}

// Remove drops m from the list (virDomainMomentObjListRemove).
func (t *Tree[M, P]) Remove(m P) {
	for i, x := range t.List {
		if x == m {
			t.List = append(t.List[:i:i], t.List[i+1:]...)
			return
		}
	}
}

// NewestFirst lists m's children as libvirt walks them: the most recently
// linked first.
func NewestFirst[M any, P Moment[M]](m P) []P {
	children := m.links().Children
	out := make([]P, len(children))
	for i, c := range children {
		out[len(out)-1-i] = P(c)
	}
	return out
}

// Descendants walks below m topologically, children newest first
// (virDomainMomentForEachDescendant), appending to out.
func Descendants[M any, P Moment[M]](m P, out []P) []P {
	for _, c := range NewestFirst[M, P](m) {
		out = append(out, c)
		out = Descendants[M, P](c, out)
	}
	return out
}

// DropParent detaches m from its parent (virDomainMomentDropParent).
func DropParent[M any, P Moment[M]](m P) {
	l := m.links()
	if l.Parent == nil {
		return
	}
	pl := P(l.Parent).links()
	for i, c := range pl.Children {
		if P(c) == m {
			pl.Children = append(pl.Children[:i:i], pl.Children[i+1:]...)
			break
		}
	}
	l.Parent = nil
}

// MoveChildren makes from's children children of to
// (virDomainMomentMoveChildren): they come first in to's walk.
func MoveChildren[M any, P Moment[M]](from, to P) {
	fl, tl := from.links(), to.links()
	for _, c := range fl.Children {
		P(c).links().Parent = (*M)(to)
	}
	tl.Children = append(tl.Children, fl.Children...)
	fl.Children = nil
}

func link[M any, P Moment[M]](m, parent P) {
	m.links().Parent = (*M)(parent)
	pl := parent.links()
	pl.Children = append(pl.Children, (*M)(m))
}

// LinkParent puts m under the moment its definition names, or at the top
// (virDomainMomentLinkParent).
func (t *Tree[M, P]) LinkParent(m P) {
	p := t.Find(m.MomentParent())
	if p == nil || m.MomentParent() == "" {
		p = t.root()
	}
	link[M, P](m, p)
}

// TopLevel lists the moments at the top of the tree, newest first.
func (t *Tree[M, P]) TopLevel() []P { return NewestFirst[M, P](t.root()) }

// IsRoot reports whether p is the tree's root sentinel (a top-level
// moment's parent).
func (t *Tree[M, P]) IsRoot(p P) bool { return p == t.root() }

// CheckCycles refuses a redefinition whose parent is missing or would
// make a loop (virDomainMomentCheckCycles).
func (t *Tree[M, P]) CheckCycles(name, parent string) error {
	if parent == "" {
		return nil
	}
	if name == parent {
		return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "cannot set moment %s as its own parent", name)
	}
	other := t.Find(parent)
	if other == nil {
		return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "parent %s for moment %s not found", parent, name)
	}
	for other.MomentParent() != "" {
		if other.MomentParent() == name {
			return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "parent %s would create cycle to %s", other.MomentName(), name)
		}
		if other = t.Find(other.MomentParent()); other == nil {
			break
		}
	}
	return nil
}

// UpdateRelations links every moment to its parent after a bulk load
// (virDomainMomentUpdateRelations); false when a parent is missing or a
// chain loops, in which case the caller clears its current moment.
func (t *Tree[M, P]) UpdateRelations() bool {
	root := t.root()
	root.links().Children = nil
	for _, m := range t.List {
		l := m.links()
		l.Children, l.Parent = nil, nil
	}
	ok := true
	for _, m := range t.List {
		p := t.Find(m.MomentParent())
		if p == nil || m.MomentParent() == "" {
			if m.MomentParent() != "" {
				ok = false
			}
			p = root
		} else {
			for anc := p; anc != nil && anc != root; anc = P(anc.links().Parent) {
				if anc == m {
					ok = false
					p = root
					break
				}
			}
		}
		link[M, P](m, p)
	}
	return ok
}

// Listing flags shared by snapshots and checkpoints
// (VIR_DOMAIN_MOMENT_LIST_*).
const (
	MomentListRoots       uint32 = 1 << 0 // also DESCENDANTS below a moment
	MomentListTopological uint32 = 1 << 1
	MomentListLeaves      uint32 = 1 << 2
	MomentListNoLeaves    uint32 = 1 << 3
	MomentListMetadata    uint32 = 1 << 4
	MomentListNoMetadata  uint32 = 1 << 5
)

// Names selects moments as virDomainMomentObjListGetNames does: from the
// top (from nil) the roots or every moment, below a moment its children or
// all descendants; then leaves, metadata and the caller's filter.
func (t *Tree[M, P]) Names(from P, flags uint32, filter func(P) bool) []P {
	descendants := flags&MomentListRoots != 0
	if from == nil {
		descendants = !descendants
	}
	if flags&(MomentListMetadata|MomentListNoMetadata) == MomentListNoMetadata {
		return nil // every moment a driver lists has metadata
	}
	var walk []P
	switch {
	case descendants && from != nil:
		walk = Descendants[M, P](from, nil)
	case descendants && flags&MomentListTopological != 0:
		walk = Descendants[M, P](t.root(), nil)
	case descendants:
		walk = t.List
	case from != nil:
		walk = NewestFirst[M, P](from)
	default:
		walk = NewestFirst[M, P](t.root())
	}
	var out []P
	for _, m := range walk {
		n := len(m.links().Children)
		if flags&MomentListLeaves != 0 && n > 0 {
			continue
		}
		if flags&MomentListNoLeaves != 0 && n == 0 {
			continue
		}
		if filter != nil && !filter(m) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// VIR_DOMAIN_SNAPSHOT_LIST_* flags.
const (
	ListRoots       uint32 = 1 << 0 // DESCENDANTS below a snapshot
	ListMetadata    uint32 = 1 << 1
	ListLeaves      uint32 = 1 << 2
	ListNoLeaves    uint32 = 1 << 3
	ListNoMetadata  uint32 = 1 << 4
	ListInactive    uint32 = 1 << 5
	ListActive      uint32 = 1 << 6
	ListDiskOnly    uint32 = 1 << 7
	ListInternal    uint32 = 1 << 8
	ListExternal    uint32 = 1 << 9
	ListTopological uint32 = 1 << 10

	ListFiltersStatus   = ListInactive | ListActive | ListDiskOnly
	ListFiltersLocation = ListInternal | ListExternal
	ListFiltersAll      = ListMetadata | ListNoMetadata | ListLeaves | ListNoLeaves | ListFiltersStatus | ListFiltersLocation
	ListKnown           = ListRoots | ListTopological | ListFiltersAll
)

// MomentListFlags splits snapshot listing flags into the moment ones and
// those left for Filter (virDomainSnapshotObjListGetNames).
func MomentListFlags(flags uint32) (moment, rest uint32) {
	for _, m := range []struct{ snap, moment uint32 }{
		{ListRoots, MomentListRoots}, {ListTopological, MomentListTopological},
		{ListLeaves, MomentListLeaves}, {ListNoLeaves, MomentListNoLeaves},
		{ListMetadata, MomentListMetadata}, {ListNoMetadata, MomentListNoMetadata},
	} {
		if flags&m.snap != 0 {
			flags &^= m.snap
			moment |= m.moment
		}
	}
	return moment, flags
}

// Filter is virDomainSnapshotFilter over the status and location flags.
func Filter(flags uint32) func(*Def) bool {
	if flags&ListFiltersStatus == ListFiltersStatus {
		flags &^= ListFiltersStatus
	}
	if flags&ListFiltersLocation == ListFiltersLocation {
		flags &^= ListFiltersLocation
	}
	return func(def *Def) bool {
		if flags&ListFiltersStatus != 0 {
			if flags&ListInactive == 0 && def.State == "shutoff" {
				return false
			}
			if flags&ListDiskOnly == 0 && def.State == "disk-snapshot" {
				return false
			}
			if flags&ListActive == 0 && def.State != "shutoff" && def.State != "disk-snapshot" {
				return false
			}
		}
		if flags&ListInternal != 0 && def.IsExternal() {
			return false
		}
		if flags&ListExternal != 0 && !def.IsExternal() {
			return false
		}
		return true
	}
}

// IsExternal is virDomainSnapshotDefIsExternal.
func (def *Def) IsExternal() bool {
	if def.Memory == LocationExternal {
		return true
	}
	for _, d := range def.Disks {
		if d.Snapshot == LocationExternal {
			return true
		}
	}
	return false
}

// Online reports whether the snapshot was taken of a running guest.
func (def *Def) Online() bool { return def.State == "running" || def.State == "paused" }

// CheckRedefine is the driver-independent part of
// virDomainSnapshotRedefinePrep: a redefinition must describe the domain
// whose UUID is domUUID and keep the online and disk-only nature of the
// snapshot it replaces (other, nil for none).
func (def *Def) CheckRedefine(domUUID string, other *Def) error {
	fail := func(format string, args ...any) error {
		return virterr.NewFrom(virterr.FromDomainSnapshot, virterr.InvalidArg, format, args...)
	}
	if def.Domain != nil && def.Domain.UUID.String() != domUUID {
		return fail("definition for snapshot %s must use uuid %s", def.Name, domUUID)
	}
	if other == nil {
		return nil
	}
	if other.Online() != def.Online() {
		return fail("cannot change between online and offline snapshot state in snapshot %s", def.Name)
	}
	if (other.State == "disk-snapshot") != (def.State == "disk-snapshot") {
		return fail("cannot change between disk only and full system in snapshot %s", def.Name)
	}
	return nil
}

// AlignRedefined aligns a redefined snapshot's disks with the domain's
// disks dom: external by default when the snapshot is disk-only or
// external, internal otherwise, and every disk the same way.
func (def *Def) AlignRedefined(dom []DomainDisk, isRegularFile func(string) bool) error {
	loc := LocationInternal
	if def.State == "disk-snapshot" || def.IsExternal() {
		loc = LocationExternal
	}
	return def.AlignDisks(dom, AlignOptions{Default: loc, UniformInternal: true, IsRegularFile: isRegularFile})
}
