package snapshot

import (
	"errors"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

type testMoment struct {
	Links[testMoment]
	def *Def
}

func (m *testMoment) MomentName() string   { return m.def.Name }
func (m *testMoment) MomentParent() string { return m.def.Parent }

type testTree = Tree[testMoment, *testMoment]

// buildTree makes a → {b, c}, c → d, each pair "name:parent" in creation
// order, linked one by one as a redefinition would.
func buildTree(t *testing.T, pairs ...string) *testTree {
	t.Helper()
	tr := &testTree{}
	for _, p := range pairs {
		name, parent, _ := strings.Cut(p, ":")
		m := &testMoment{def: &Def{Name: name, Parent: parent, State: "running", Memory: LocationInternal}}
		if err := tr.Assign(m); err != nil {
			t.Fatal(err)
		}
		tr.LinkParent(m)
	}
	return tr
}

func joined(ms []*testMoment) string {
	var names []string
	for _, m := range ms {
		names = append(names, m.MomentName())
	}
	return strings.Join(names, " ")
}

func TestTreeNames(t *testing.T) {
	tr := buildTree(t, "a:", "b:a", "c:a", "d:c")
	a := tr.Find("a")
	cases := []struct {
		name  string
		from  *testMoment
		flags uint32
		want  string
	}{
		{"all", nil, 0, "a b c d"},
		{"roots", nil, ListRoots, "a"},
		{"leaves", nil, ListLeaves, "b d"},
		{"no leaves", nil, ListNoLeaves, "a c"},
		{"topological", nil, ListTopological, "a c d b"},
		{"no metadata", nil, ListNoMetadata, ""},
		{"metadata and no metadata", nil, ListMetadata | ListNoMetadata, "a b c d"},
		{"inactive", nil, ListInactive, ""},
		{"active", nil, ListActive, "a b c d"},
		{"every status", nil, ListFiltersStatus, "a b c d"},
		{"external", nil, ListExternal, ""},
		{"internal", nil, ListInternal, "a b c d"},
		{"children", a, 0, "c b"},
		{"descendants", a, ListRoots, "c d b"},
	}
	for _, c := range cases {
		mf, rest := MomentListFlags(c.flags)
		filter := Filter(rest)
		got := joined(tr.Names(c.from, mf, func(m *testMoment) bool { return filter(m.def) }))
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestTreeEdits(t *testing.T) {
	tr := buildTree(t, "a:", "b:a", "c:a", "d:c")
	if err := tr.Assign(&testMoment{def: &Def{Name: "b"}}); err == nil {
		t.Error("a second b was assigned")
	}
	c := tr.Find("c")
	MoveChildren(c, tr.Find("a"))
	DropParent(c)
	tr.Remove(c)
	if got := joined(Descendants(tr.Find("a"), nil)); got != "d b" {
		t.Errorf("after removing c: %q", got)
	}
	if d := tr.Find("d"); !tr.IsRoot(tr.Find("a").Parent) || d.Parent != tr.Find("a") {
		t.Error("links wrong after the move")
	}
	if got := joined(tr.TopLevel()); got != "a" {
		t.Errorf("top level %q", got)
	}
}

func TestTreeCycles(t *testing.T) {
	tr := buildTree(t, "a:", "b:a", "c:b")
	for _, c := range []struct{ name, parent string }{{"x", "x"}, {"x", "nope"}, {"a", "c"}} {
		err := tr.CheckCycles(c.name, c.parent)
		var ve *virterr.Error
		if !errors.As(err, &ve) || ve.Code != virterr.InvalidArg {
			t.Errorf("%s under %s: %v", c.name, c.parent, err)
		}
	}
	if err := tr.CheckCycles("x", "c"); err != nil {
		t.Error(err)
	}

	tr.Find("a").def.Parent = "c" // a loop, as a hand-edited file could make
	if tr.UpdateRelations() {
		t.Error("a loop was accepted")
	}
	loaded := buildTree(t, "a:", "b:a")
	loaded.Find("b").def.Parent = "gone"
	if loaded.UpdateRelations() || !loaded.IsRoot(loaded.Find("b").Parent) {
		t.Error("a missing parent was not reported, or b not put at the top")
	}
}

func TestCheckRedefine(t *testing.T) {
	running := &Def{Name: "s", State: "running"}
	cases := []struct {
		name  string
		def   *Def
		other *Def
		ok    bool
	}{
		{"new", &Def{Name: "s", State: "shutoff"}, nil, true},
		{"same nature", &Def{Name: "s", State: "paused"}, running, true},
		{"online to offline", &Def{Name: "s", State: "shutoff"}, running, false},
		{"full to disk only", &Def{Name: "s", State: "disk-snapshot"}, &Def{Name: "s", State: "shutoff"}, false},
	}
	for _, c := range cases {
		err := c.def.CheckRedefine("", c.other)
		var ve *virterr.Error
		if c.ok != (err == nil) || (err != nil && (!errors.As(err, &ve) || ve.Code != virterr.InvalidArg)) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
