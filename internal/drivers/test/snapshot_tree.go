package test

// moment is one snapshot or checkpoint in its domain's tree
// (virDomainMomentObj).
type moment struct {
	name     string
	parent   *moment // nil for roots
	children []*moment
	def      any // *snapshot.Def or *checkpoint.Def
}

// momentTree is a domain's snapshots or checkpoints
// (virDomainMomentObjList), in creation order.
type momentTree struct {
	list    []*moment
	current *moment
}

func newMomentTree() *momentTree { return &momentTree{} }

func (t *momentTree) find(name string) *moment {
	for _, m := range t.list {
		if m.name == name {
			return m
		}
	}
	return nil
}

func (t *momentTree) add(name string, def any) *moment {
	m := &moment{name: name, def: def}
	t.list = append(t.list, m)
	return m
}

// link attaches m under the moment named parent (a root when none).
func (t *momentTree) link(m *moment, parent string) {
	m.parent = nil
	if p := t.find(parent); p != nil && parent != "" {
		m.parent = p
		p.children = append(p.children, m)
	}
}

func (t *momentTree) unlink(m *moment) {
	if p := m.parent; p != nil {
		for i, c := range p.children {
			if c == m {
				p.children = append(p.children[:i:i], p.children[i+1:]...)
				break
			}
		}
	}
	m.parent = nil
}

// remove drops m from the list; it reports whether m was current.
func (t *momentTree) remove(m *moment) bool {
	t.unlink(m)
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

func (m *moment) descendants(out []*moment) []*moment {
	for _, c := range m.children {
		out = append(out, c)
		out = c.descendants(out)
	}
	return out
}

// roots are the moments without a parent.
func (t *momentTree) roots() []*moment {
	var out []*moment
	for _, m := range t.list {
		if m.parent == nil {
			out = append(out, m)
		}
	}
	return out
}

// topological orders ms so that parents come before their children.
func topological(ms []*moment) []*moment {
	in := map[*moment]bool{}
	for _, m := range ms {
		in[m] = true
	}
	var out []*moment
	done := map[*moment]bool{}
	var visit func(m *moment)
	visit = func(m *moment) {
		if done[m] {
			return
		}
		if m.parent != nil && in[m.parent] {
			visit(m.parent)
		}
		done[m] = true
		out = append(out, m)
	}
	for _, m := range ms {
		visit(m)
	}
	return out
}

// selection picks from t, below from (the whole tree when nil): roots or
// every moment, direct children or all descendants (virDomainMomentObjList
// GetNames's walk, before filtering).
func (t *momentTree) selection(from *moment, rootsOrDescendants bool) []*moment {
	if from == nil {
		if rootsOrDescendants {
			return t.roots()
		}
		return append([]*moment(nil), t.list...)
	}
	if rootsOrDescendants {
		return from.descendants(nil)
	}
	return append([]*moment(nil), from.children...)
}
