package gentech

import (
	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/virt/virterr"
)

// attrOrder lists each protocol element's attributes in the order
// libvirt's parser visits them (its virAttr tables). The order decides
// in which order a rule's variables are registered, and so which
// iterator turns fastest when a rule is expanded.
var attrOrder = func() map[string][]string {
	mac := []string{"srcmacaddr", "srcmacmask", "dstmacaddr", "dstmacmask"}
	commonIP := []string{"srcmacaddr", "srcipaddr", "srcipmask", "dstipaddr", "dstipmask",
		"srcipfrom", "srcipto", "dstipfrom", "dstipto", "dscp", "connlimit-above",
		"state", "ipset", "ipsetflags"}
	ports := []string{"srcportstart", "srcportend", "dstportstart", "dstportend"}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	arp := cat(mac, []string{"hwtype", "protocoltype", "opcode", "arpsrcmacaddr", "arpdstmacaddr",
		"arpsrcipaddr", "arpsrcipmask", "arpdstipaddr", "arpdstipmask", "gratuitous", "comment"})
	l4ports := cat(commonIP, ports, []string{"comment"})
	l4 := cat(commonIP, []string{"comment"})
	icmp := cat(commonIP, []string{"type", "code", "comment"})
	return map[string][]string{
		"arp":  arp,
		"rarp": arp,
		"mac":  cat(mac, []string{"protocolid", "comment"}),
		"vlan": cat(mac, []string{"vlanid", "encap-protocol", "comment"}),
		"stp": {"srcmacaddr", "srcmacmask", "type", "flags", "root-priority", "root-priority-hi",
			"root-address", "root-address-mask", "root-cost", "root-cost-hi",
			"sender-priority", "sender-priority-hi", "sender-address", "sender-address-mask",
			"port", "port-hi", "age", "age-hi", "max-age", "max-age-hi",
			"hello-time", "hello-time-hi", "forward-delay", "forward-delay-hi", "comment"},
		"ip":           cat(mac, []string{"srcipaddr", "srcipmask", "dstipaddr", "dstipmask", "protocol"}, ports, []string{"dscp", "comment"}),
		"ipv6":         cat(mac, []string{"srcipaddr", "srcipmask", "dstipaddr", "dstipmask", "protocol"}, ports, []string{"type", "typeend", "code", "codeend", "comment"}),
		"tcp":          cat(commonIP, ports, []string{"option", "flags", "comment"}),
		"udp":          l4ports,
		"udplite":      l4,
		"esp":          l4,
		"ah":           l4,
		"sctp":         l4ports,
		"icmp":         icmp,
		"all":          l4,
		"igmp":         l4,
		"tcp-ipv6":     cat(commonIP, ports, []string{"option", "comment"}),
		"udp-ipv6":     l4ports,
		"udplite-ipv6": l4,
		"esp-ipv6":     l4,
		"ah-ipv6":      l4,
		"sctp-ipv6":    l4ports,
		"icmpv6":       icmp,
		"all-ipv6":     l4,
	}
}()

// RuleVarAccesses lists the distinct variable references of a rule in
// the order libvirt records them (virNWFilterRuleDefAddVar).
func RuleVarAccesses(r *nwfilter.Rule) []nwfilter.VarAccess {
	if r == nil || r.Attrs == nil {
		return nil
	}
	var out []nwfilter.VarAccess
	seen := map[nwfilter.VarAccess]bool{}
	add := func(v *nwfilter.Value) {
		if v == nil || v.Var == nil || seen[*v.Var] {
			return
		}
		seen[*v.Var] = true
		out = append(out, *v.Var)
	}
	order, ok := attrOrder[r.Protocol]
	if !ok {
		// an element govirt does not know the order of: any stable order
		for _, name := range sortedKeys(r.Attrs) {
			add(r.Attrs[name])
		}
		return out
	}
	for _, name := range order {
		add(r.Attrs[name])
	}
	return out
}

func sortedKeys(m map[string]*nwfilter.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

// iterEntry is one iterator of a combination iterator: the variables it
// walks in parallel and its current position (virNWFilterVarCombIterEntry).
type iterEntry struct {
	id       uint64
	varNames []string
	min, max int
	cur      int
}

// elementIterBase numbers the private iterators that $X[n] accesses get,
// above every iterator id a filter may name.
const elementIterBase = nwfilter.MaxIterID + 1

// CombIter walks every combination of the values of a rule's variables,
// as libvirt's virNWFilterVarCombIter does: variables accessed with the
// same iterator ($X, $Y or $X[@1], $Y[@1]) move in parallel, distinct
// iterators combine, and combinations already produced are skipped.
type CombIter struct {
	vars  nwfilter.Params
	iters []iterEntry
	// elemIter maps an element access to its private iterator id.
	elemIter map[nwfilter.VarAccess]uint64
}

func internalErr(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNwfilter, virterr.InternalError, format, args...)
}

// NewCombIter prepares the iteration over accesses with values from vars.
// Every variable must have a value.
func NewCombIter(vars nwfilter.Params, accesses []nwfilter.VarAccess) (*CombIter, error) {
	ci := &CombIter{vars: vars, iters: []iterEntry{{id: 0}}, elemIter: map[nwfilter.VarAccess]uint64{}}
	nextInt := uint64(elementIterBase)
	for _, va := range accesses {
		var idx int
		switch va.Kind {
		case nwfilter.VarIterator:
			idx = ci.indexOf(uint64(va.Index))
			if idx < 0 {
				idx = len(ci.iters)
				ci.iters = append(ci.iters, iterEntry{id: uint64(va.Index)})
			}
		case nwfilter.VarElement:
			idx = len(ci.iters)
			ci.iters = append(ci.iters, iterEntry{id: nextInt})
			ci.elemIter[va] = nextInt
			nextInt++
		}
		if err := ci.addVariable(&ci.iters[idx], va); err != nil {
			return nil, err
		}
	}
	return ci, nil
}

func (ci *CombIter) indexOf(id uint64) int {
	for i := range ci.iters {
		if ci.iters[i].id == id {
			return i
		}
	}
	return -1
}

func (ci *CombIter) addVariable(e *iterEntry, va nwfilter.VarAccess) error {
	values, ok := ci.vars[va.Name]
	if !ok {
		return internalErr("Could not find value for variable '%s'", va.Name)
	}
	var min, max int
	switch va.Kind {
	case nwfilter.VarElement:
		min, max = int(va.Index), int(va.Index)
	default:
		min, max = 0, len(values)-1
	}
	if len(e.varNames) == 0 {
		e.min, e.max, e.cur = min, max, min
	} else if e.max != max {
		return internalErr("Cardinality of list items must be the same for processing them in parallel")
	}
	e.varNames = append(e.varNames, va.Name)
	return nil
}

func nth(values []string, i int) (string, bool) {
	if i < 0 || i >= len(values) {
		return "", false
	}
	return values[i], true
}

// unique reports whether the entry's current position gives a tuple of
// values not produced at an earlier position.
func (ci *CombIter) unique(e *iterEntry) bool {
	first := ci.vars[e.varNames[0]]
	value, ok := nth(first, e.cur)
	if !ok {
		return true
	}
	for i := 0; i < e.cur; i++ {
		if v, _ := nth(first, i); v != value {
			continue
		}
		same := true
		for _, name := range e.varNames[1:] {
			a, _ := nth(ci.vars[name], e.cur)
			b, _ := nth(ci.vars[name], i)
			if a != b {
				same = false
				break
			}
		}
		if same {
			return false
		}
	}
	return true
}

// Next moves to the next combination and reports whether there is one.
func (ci *CombIter) Next() bool {
	for i := range ci.iters {
		e := &ci.iters[i]
		for {
			e.cur++
			if e.cur > e.max {
				e.cur = e.min
				break
			}
			if ci.unique(e) {
				return true
			}
		}
	}
	return false
}

// Value is the value the access stands for in the current combination.
func (ci *CombIter) Value(va nwfilter.VarAccess) (string, error) {
	var idx int
	switch va.Kind {
	case nwfilter.VarElement:
		id, ok := ci.elemIter[va]
		if !ok {
			return "", internalErr("Could not get iterator index for (internal) iterator ID %d", ^uint32(0))
		}
		idx = ci.indexOf(id)
	default:
		idx = ci.indexOf(uint64(va.Index))
		if idx < 0 {
			return "", internalErr("Could not get iterator index for iterator ID %d", va.Index)
		}
	}
	e := &ci.iters[idx]
	found := false
	for _, n := range e.varNames {
		if n == va.Name {
			found = true
			break
		}
	}
	if !found {
		return "", internalErr("Could not find variable '%s' in iterator", va.Name)
	}
	values, ok := ci.vars[va.Name]
	if !ok {
		return "", internalErr("Could not find value for variable '%s'", va.Name)
	}
	v, ok := nth(values, e.cur)
	if !ok {
		return "", internalErr("Could not get nth (%d) value of variable '%s'", e.cur, va.Name)
	}
	return v, nil
}

// ForEachCombination calls fn once for every combination of the values
// of the rule's variables (once when it has none).
func ForEachCombination(ri *RuleInst, fn func(ci *CombIter) error) error {
	ci, err := NewCombIter(ri.Vars, RuleVarAccesses(ri.Rule))
	if err != nil {
		return err
	}
	for {
		if err := fn(ci); err != nil {
			return err
		}
		if !ci.Next() {
			return nil
		}
	}
}
