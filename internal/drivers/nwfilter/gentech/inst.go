// Package gentech is the technology-independent half of network filter
// instantiation (libvirt's nwfilter_gentech_driver.c): it resolves a
// filter and the filters it references into an ordered list of rule
// instances, each with the variables in force where the rule sits,
// expands variables and lists into value combinations, and decides
// whether a binding can be instantiated now or must first learn the
// guest's IP address. Technology drivers (ebiptables, nft) turn the
// rule instances into firewall commands.
package gentech

import (
	"sort"
	"strings"

	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/virt/virterr"
)

// Standard variable names.
const (
	VarMAC           = "MAC"
	VarIP            = "IP"
	VarIPv6          = "IPV6"
	VarIPLearning    = "CTRL_IP_LEARNING"
	VarDHCPServer    = "DHCPSERVER"
	VarDHCPv6Server  = "DHCPSERVERV6"
	DefaultLearning  = "any"
	rootChainSuffix  = "root"
	maxFilterNesting = 1000
)

// Filters finds filter definitions by name.
type Filters interface {
	LookupFilter(name string) (*nwfilter.Def, bool)
}

// FilterMap is a Filters backed by a map.
type FilterMap map[string]*nwfilter.Def

// LookupFilter implements Filters.
func (m FilterMap) LookupFilter(name string) (*nwfilter.Def, bool) {
	d, ok := m[name]
	return d, ok
}

// RuleInst is one rule ready for a technology driver: the rule, the chain
// its filter puts it in, and the variables visible at its place in the
// filter tree (libvirt's virNWFilterRuleInst).
type RuleInst struct {
	Filter        string
	ChainSuffix   string
	ChainPriority int
	Rule          *nwfilter.Rule
	// Priority starts as the rule's own; a technology driver may raise it
	// to its chain's priority while ordering.
	Priority int
	Vars     nwfilter.Params
}

// IsEthernet reports whether the rule is for ebtables: layer 2 and 3
// elements (mac, vlan, stp, arp, rarp, ip, ipv6) or no element at all.
func (ri *RuleInst) IsEthernet() bool { return IsEthernetProtocol(ri.Rule.Protocol) }

// IsIPv4 reports whether the rule is an iptables rule.
func (ri *RuleInst) IsIPv4() bool { return IsIPv4Protocol(ri.Rule.Protocol) }

// IsIPv6 reports whether the rule is an ip6tables rule.
func (ri *RuleInst) IsIPv6() bool { return IsIPv6Protocol(ri.Rule.Protocol) }

// IsEthernetProtocol: libvirt's virNWFilterRuleIsProtocolEthernet.
func IsEthernetProtocol(p string) bool {
	switch p {
	case "", "mac", "vlan", "stp", "arp", "rarp", "ip", "ipv6":
		return true
	}
	return false
}

// IsIPv4Protocol: libvirt's virNWFilterRuleIsProtocolIPv4.
func IsIPv4Protocol(p string) bool {
	switch p {
	case "tcp", "icmp", "igmp", "udp", "udplite", "esp", "ah", "sctp", "all":
		return true
	}
	return false
}

// IsIPv6Protocol: libvirt's virNWFilterRuleIsProtocolIPv6.
func IsIPv6Protocol(p string) bool {
	switch p {
	case "tcp-ipv6", "icmpv6", "udp-ipv6", "udplite-ipv6", "esp-ipv6", "ah-ipv6", "sctp-ipv6", "all-ipv6":
		return true
	}
	return false
}

// MergeVars returns a new table with inner's entries overridden by
// outer's: a filter reference's own parameters give way to the values
// the referencing side already has (virNWFilterCreateVarsFrom).
func MergeVars(inner, outer nwfilter.Params) nwfilter.Params {
	res := nwfilter.Params{}
	for k, v := range inner {
		res[k] = append([]string(nil), v...)
	}
	for k, v := range outer {
		res[k] = append([]string(nil), v...)
	}
	return res
}

func nwErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNwfilter, code, format, args...)
}

// walker resolves filter references depth-first, refusing loops.
type walker struct {
	filters Filters
	stack   []string
}

func (w *walker) enter(name string) (*nwfilter.Def, error) {
	for _, s := range w.stack {
		if s == name {
			return nil, nwErr(virterr.OperationFailed, "filter would introduce a loop")
		}
	}
	if len(w.stack) >= maxFilterNesting {
		return nil, nwErr(virterr.OperationFailed, "filter would introduce a loop")
	}
	def, ok := w.filters.LookupFilter(name)
	if !ok || def == nil {
		return nil, nwErr(virterr.InternalError, "referenced filter '%s' is missing", name)
	}
	w.stack = append(w.stack, name)
	return def, nil
}

func (w *walker) leave() { w.stack = w.stack[:len(w.stack)-1] }

// DefToInst collects the rule instances of def and of every filter it
// references, in tree order (virNWFilterDefToInst). A missing filter or a
// reference loop fails the whole collection.
func DefToInst(filters Filters, def *nwfilter.Def, vars nwfilter.Params) ([]*RuleInst, error) {
	w := &walker{filters: filters, stack: []string{def.Name}}
	var out []*RuleInst
	if err := w.collect(def, vars, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func (w *walker) collect(def *nwfilter.Def, vars nwfilter.Params, out *[]*RuleInst) error {
	for _, e := range def.Entries {
		switch {
		case e.Rule != nil:
			*out = append(*out, &RuleInst{
				Filter:        def.Name,
				ChainSuffix:   def.Chain,
				ChainPriority: def.ChainPriority,
				Rule:          e.Rule,
				Priority:      e.Rule.Priority,
				Vars:          vars.Clone(),
			})
		case e.Ref != nil:
			child, err := w.enter(e.Ref.Filter)
			if err != nil {
				return err
			}
			err = w.collect(child, MergeVars(e.Ref.Params, vars), out)
			w.leave()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// available reports whether an access has a value (virNWFilterVarAccessIsAvailable).
func available(va nwfilter.VarAccess, vars nwfilter.Params) bool {
	values, ok := vars[va.Name]
	if !ok {
		return false
	}
	if va.Kind == nwfilter.VarElement {
		return int(va.Index) < len(values)
	}
	return true
}

// MissingVars lists, sorted and printed as in the filter ("IP", "A[2]"),
// the variable accesses of the filter tree that have no value
// (virNWFilterDetermineMissingVarsRec).
func MissingVars(filters Filters, def *nwfilter.Def, vars nwfilter.Params) ([]string, error) {
	w := &walker{filters: filters, stack: []string{def.Name}}
	missing := map[string]bool{}
	if err := w.missing(def, vars, missing); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(missing))
	for k := range missing {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

func (w *walker) missing(def *nwfilter.Def, vars nwfilter.Params, missing map[string]bool) error {
	for _, e := range def.Entries {
		switch {
		case e.Rule != nil:
			for _, va := range RuleVarAccesses(e.Rule) {
				if !available(va, vars) {
					missing[va.String()] = true
				}
			}
		case e.Ref != nil:
			child, err := w.enter(e.Ref.Filter)
			if err != nil {
				return err
			}
			err = w.missing(child, MergeVars(e.Ref.Params, vars), missing)
			w.leave()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckLoops reports a reference loop or a missing filter reachable from
// def; the nwfilter driver runs it before accepting a definition.
func CheckLoops(filters Filters, def *nwfilter.Def) error {
	w := &walker{filters: filters, stack: []string{def.Name}}
	return w.loops(def)
}

func (w *walker) loops(def *nwfilter.Def) error {
	for _, e := range def.Entries {
		if e.Ref == nil {
			continue
		}
		child, err := w.enter(e.Ref.Filter)
		if err != nil {
			if virterr.CodeOf(err) == virterr.InternalError {
				// libvirt accepts references to filters not defined yet
				continue
			}
			return err
		}
		err = w.loops(child)
		w.leave()
		if err != nil {
			return err
		}
	}
	return nil
}

// Learning says how a binding that lacks IP gets it.
type Learning string

// Plan is what a binding needs: either Rules to apply now, or Learn set
// to the learning mode ("any" or "dhcp") when only IP is missing.
type Plan struct {
	Rules []*RuleInst
	Vars  nwfilter.Params
	Learn Learning
	// DHCPServers are the values of DHCPSERVER, for DHCP-only rules
	// while learning.
	DHCPServers []string
}

// PlanBinding resolves the filter a binding refers to, with the standard
// variables MAC (the binding's) and IP (learnedIP, when known) under the
// binding's own parameters, as virNWFilterDoInstantiate does.
func PlanBinding(filters Filters, b *nwfilter.Binding, learnedIP string) (*Plan, error) {
	def, ok := filters.LookupFilter(b.Filter.Filter)
	if !ok || def == nil {
		return nil, nwErr(virterr.NoNwfilter, "Could not find filter '%s'", b.Filter.Filter)
	}
	vars := nwfilter.Params{VarMAC: {b.MAC.String()}}
	if learnedIP != "" {
		vars[VarIP] = []string{learnedIP}
	}
	for k, v := range b.Filter.Params {
		vars[k] = append([]string(nil), v...)
	}
	plan := &Plan{Vars: vars, DHCPServers: vars[VarDHCPServer]}
	missing, err := MissingVars(filters, def, vars)
	if err != nil {
		return nil, err
	}
	if len(missing) == 1 && missing[0] == VarIP {
		learning := DefaultLearning
		if l := b.Filter.Params[VarIPLearning]; len(l) > 0 {
			learning = l[0]
		}
		switch {
		case strings.EqualFold(learning, "none"):
			return nil, unresolvable(missing, true)
		case strings.EqualFold(learning, "dhcp"):
			plan.Learn = "dhcp"
			return plan, nil
		case strings.EqualFold(learning, "any"):
			plan.Learn = "any"
			return plan, nil
		default:
			return nil, nwErr(virterr.ParseFailed, "filter '%s' learning value '%s' invalid.", def.Name, learning)
		}
	}
	if len(missing) > 0 {
		return nil, unresolvable(missing, false)
	}
	rules, err := DefToInst(filters, def, vars)
	if err != nil {
		return nil, err
	}
	plan.Rules = rules
	return plan, nil
}

// unresolvable is libvirt's error for variables without values; like
// virNWFilterPrintVars it leaves out IP and MAC unless asked to show IP.
func unresolvable(missing []string, reportIP bool) error {
	var shown []string
	for _, m := range missing {
		if (m == VarIP && !reportIP) || m == VarMAC {
			continue
		}
		shown = append(shown, m)
	}
	return nwErr(virterr.InternalError,
		"Cannot instantiate filter due to unresolvable variables or unavailable list elements: %s",
		strings.Join(shown, ", "))
}
