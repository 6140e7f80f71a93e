package nwfilter

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/govirt/govirt/internal/atomicfile"
	conf "github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/virt/virterr"
)

// bindingObj is one filter binding and what the driver did for it.
type bindingObj struct {
	def *conf.Binding
	// applied are the rule instances in force, for backends that go
	// back to them when a change fails (nil: none, or kept by the
	// backend itself).
	applied []*gentech.RuleInst
	learner *learner
	removed bool
}

func (d *Driver) statusFile(portdev string) string {
	return filepath.Join(d.paths.StatusDir, portdev+".xml")
}

// formatStatus writes the binding's status file as
// virNWFilterBindingObjFormat does.
func formatStatus(def *conf.Binding) string {
	buf := xmlbuf.New()
	buf.AddLit("<filterbindingstatus>\n")
	buf.AdjustIndent(2)
	def.FormatBuf(buf)
	buf.AdjustIndent(-2)
	buf.AddLit("</filterbindingstatus>\n")
	return buf.String()
}

func parseStatus(data []byte) (*conf.Binding, error) {
	root, err := xmltree.ParseRoot(data, "(nwfilterbinding_status)", "filterbindingstatus")
	if err != nil {
		return nil, err
	}
	n := root.Child("filterbinding")
	if n == nil {
		return nil, nwErr(virterr.XMLError, "filter binding status missing content")
	}
	return conf.ParseBindingNode(n)
}

func (d *Driver) saveStatus(def *conf.Binding) error {
	path := d.statusFile(def.PortDev)
	if err := atomicfile.Write(path, []byte(formatStatus(def)), 0o600); err != nil {
		return nwErr(virterr.SystemError, "cannot save status file '%s': %v", path, err)
	}
	return nil
}

// loadBindings reads the saved bindings and puts their rules in place
// again: rules survive a daemon restart, and a changed filter set or a
// firewall flushed meanwhile is corrected. Bindings of interfaces that
// are gone belong to guests that stopped while the daemon was down.
func (d *Driver) loadBindings(ctx context.Context) {
	entries, err := os.ReadDir(d.paths.StatusDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".xml")
		if !ok || e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(d.paths.StatusDir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			d.log.Error("cannot read filter binding status", "file", path, "err", err)
			continue
		}
		def, err := parseStatus(data)
		if err != nil {
			d.log.Error("cannot parse filter binding status", "file", path, "err", err)
			continue
		}
		if d.bindings[def.PortDev] != nil {
			d.log.Error("unexpected binding already exists", "portdev", def.PortDev)
			continue
		}
		if d.host.IfIndex(def.PortDev) == 0 {
			_ = d.tech.teardown(ctx, def.PortDev)
			_ = os.Remove(path)
			continue
		}
		b := &bindingObj{def: def}
		d.bindings[def.PortDev] = b
		if err := d.instantiate(ctx, b); err != nil {
			d.log.Error("cannot instantiate filter binding", "portdev", def.PortDev, "err", err)
		}
	}
}

// instantiate puts a binding's rules in place, or starts learning its
// IP address (virNWFilterInstantiateFilter).
func (d *Driver) instantiate(ctx context.Context, b *bindingObj) error {
	prepared, rules, err := d.prepare(ctx, b, d.current())
	if err != nil || !prepared {
		return err
	}
	if err := d.tech.commit(ctx, b.def.PortDev); err != nil {
		return err
	}
	b.applied = rules
	return nil
}

// prepare is the first step of instantiating b with the filters of
// view: the new rules are built beside the old ones (prepared), or a
// learner starts because only IP is missing, or, while a learner is
// already waiting, nothing happens — it applies the filter as it is
// when the address is known. An interface that is gone gets nothing.
func (d *Driver) prepare(ctx context.Context, b *bindingObj, view filterView) (prepared bool, rules []*gentech.RuleInst, err error) {
	plan, err := gentech.PlanBinding(view, b.def, "")
	if err != nil {
		return false, nil, err
	}
	ifindex := d.host.IfIndex(b.def.PortDev)
	if ifindex == 0 {
		return false, nil, nil
	}
	if plan.Learn != "" {
		if b.learner != nil {
			return false, nil, nil
		}
		return false, nil, d.startLearning(ctx, b, plan, ifindex)
	}
	if b.learner != nil {
		// the filter no longer needs the address
		d.stopLearner(b)
	}
	if err := d.tech.prepare(ctx, b.def.PortDev, plan.Rules); err != nil {
		return false, nil, err
	}
	return true, plan.Rules, nil
}

// rebuild re-instantiates every binding with the filters of view, all
// or nothing: each interface keeps its old rules until every new set is
// in place (virNWFilterTriggerRebuild with its apply, then
// tear-old-or-tear-new phases).
func (d *Driver) rebuild(ctx context.Context, view filterView) error {
	type step struct {
		b     *bindingObj
		rules []*gentech.RuleInst
	}
	var done []step
	for _, b := range d.sortedBindings() {
		prepared, rules, err := d.prepare(ctx, b, view)
		if err != nil {
			for i := len(done) - 1; i >= 0; i-- {
				s := done[i]
				if aerr := d.tech.abort(ctx, s.b.def.PortDev, s.b.applied); aerr != nil {
					d.log.Error("cannot restore filter rules", "portdev", s.b.def.PortDev, "err", aerr)
				}
			}
			return err
		}
		if prepared {
			done = append(done, step{b, rules})
		}
	}
	for _, s := range done {
		if err := d.tech.commit(ctx, s.b.def.PortDev); err != nil {
			d.log.Error("cannot switch to the new filter rules", "portdev", s.b.def.PortDev, "err", err)
		}
		s.b.applied = s.rules
	}
	return nil
}

func (d *Driver) sortedBindings() []*bindingObj {
	out := make([]*bindingObj, 0, len(d.bindings))
	for _, b := range d.bindings {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].def.PortDev < out[j].def.PortDev })
	return out
}

// createBinding is virNWFilterBindingCreateXML.
func (d *Driver) createBinding(ctx context.Context, xml string) (*conf.Binding, error) {
	def, err := conf.ParseBinding([]byte(xml))
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bindings[def.PortDev] != nil {
		return nil, nwErr(virterr.OperationFailed, "binding '%s' already exists", def.PortDev)
	}
	b := &bindingObj{def: def}
	d.bindings[def.PortDev] = b
	if err := d.instantiate(ctx, b); err != nil {
		d.dropBinding(ctx, b)
		return nil, err
	}
	if err := d.saveStatus(def); err != nil {
		d.dropBinding(ctx, b)
		return nil, err
	}
	return def, nil
}

// dropBinding forgets b and removes its rules; the caller holds d.mu.
// A learner that was running ends on its own once it sees b removed.
func (d *Driver) dropBinding(ctx context.Context, b *bindingObj) *learner {
	lr := b.learner
	d.stopLearner(b)
	b.removed = true
	if err := d.tech.teardown(ctx, b.def.PortDev); err != nil {
		d.log.Warn("cannot remove filter rules", "portdev", b.def.PortDev, "err", err)
	}
	delete(d.bindings, b.def.PortDev)
	_ = os.Remove(d.statusFile(b.def.PortDev))
	return lr
}

// deleteBinding is virNWFilterBindingDelete: the rules go, the learner
// ends, and the call returns only once it has.
func (d *Driver) deleteBinding(ctx context.Context, portdev string) error {
	d.mu.Lock()
	b := d.bindings[portdev]
	if b == nil {
		d.mu.Unlock()
		return noBinding(portdev)
	}
	lr := d.dropBinding(ctx, b)
	d.mu.Unlock()
	if lr != nil {
		<-lr.done
	}
	return nil
}

func noBinding(portdev string) error {
	return nwErr(virterr.NoNwfilterBinding, "no nwfilter binding for port dev '%s'", portdev)
}

func (d *Driver) lookupBinding(portdev string) (*conf.Binding, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.bindings[portdev]
	if b == nil {
		return nil, noBinding(portdev)
	}
	return b.def, nil
}

func (d *Driver) bindingDefs() []*conf.Binding {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*conf.Binding
	for _, b := range d.sortedBindings() {
		out = append(out, b.def)
	}
	return out
}
