package ebiptables

import (
	"context"
	"slices"
	"strings"

	"github.com/govirt/govirt/internal/cmdrun"
)

// layer is the netfilter tool a command goes to.
type layer int

const (
	layerEthernet layer = iota
	layerIPv4
	layerIPv6
)

// tool is the command line prefix of each layer, as libvirt 9.0's direct
// firewall backend writes it.
func (l layer) tool() []string {
	switch l {
	case layerEthernet:
		return []string{"ebtables", "--concurrent"}
	case layerIPv6:
		return []string{"ip6tables", "-w"}
	default:
		return []string{"iptables", "-w"}
	}
}

// queryFunc reads a command's output lines and may add more commands to
// the group being applied (libvirt's virFirewallQueryCallback).
type queryFunc func(fw *firewall, l layer, lines []string)

type fwRule struct {
	layer        layer
	args         []string
	ignoreErrors bool
	query        queryFunc
}

func (r *fwRule) add(args ...string) { r.args = append(r.args, args...) }

type fwGroup struct {
	ignoreErrors bool
	actions      []*fwRule
	rollback     []*fwRule
	addingUndo   bool
}

// firewall is a sequence of command groups applied in order, each with
// the commands that undo it when it fails half-way (libvirt's
// virFirewall, direct backend).
type firewall struct {
	groups []*fwGroup
	cur    *fwGroup
}

func (fw *firewall) startTransaction(ignoreErrors bool) {
	fw.cur = &fwGroup{ignoreErrors: ignoreErrors}
	fw.groups = append(fw.groups, fw.cur)
}

func (fw *firewall) startRollback() { fw.cur.addingUndo = true }

func (fw *firewall) addRuleFull(l layer, ignoreErrors bool, q queryFunc, args ...string) *fwRule {
	r := &fwRule{layer: l, args: slices.Clone(args), ignoreErrors: ignoreErrors, query: q}
	if fw.cur.addingUndo {
		fw.cur.rollback = append(fw.cur.rollback, r)
	} else {
		fw.cur.actions = append(fw.cur.actions, r)
	}
	return r
}

func (fw *firewall) addRule(l layer, args ...string) *fwRule {
	return fw.addRuleFull(l, false, nil, args...)
}

func (fw *firewall) removeRule(r *fwRule) {
	g := fw.cur
	if i := slices.Index(g.actions, r); i >= 0 {
		g.actions = slices.Delete(g.actions, i, i+1)
	} else if i := slices.Index(g.rollback, r); i >= 0 {
		g.rollback = slices.Delete(g.rollback, i, i+1)
	}
}

// apply runs every group. A failing command in a group that does not
// ignore errors stops there: that group's rollback commands run (their
// failures ignored) and the error is returned.
func (fw *firewall) apply(ctx context.Context, run cmdrun.Runner) error {
	for _, g := range fw.groups {
		fw.cur = g
		g.addingUndo = false
		if err := fw.applyRules(ctx, run, g, false); err != nil {
			g.addingUndo = true
			_ = fw.applyRules(ctx, run, g, true)
			return err
		}
	}
	return nil
}

func (fw *firewall) applyRules(ctx context.Context, run cmdrun.Runner, g *fwGroup, rollback bool) error {
	list := func() []*fwRule {
		if rollback {
			return g.rollback
		}
		return g.actions
	}
	// query callbacks may append to the list while it is walked
	for i := 0; i < len(list()); i++ {
		r := list()[i]
		argv := append(r.layer.tool(), r.args...)
		res, err := run.Run(ctx, cmdrun.New(argv...))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if r.ignoreErrors || g.ignoreErrors || rollback {
				continue
			}
			return err
		}
		if r.query != nil && len(res.Stdout) > 0 {
			r.query(fw, r.layer, strings.Split(string(res.Stdout), "\n"))
		}
	}
	return nil
}
