package nwfilter

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/govirt/govirt/internal/atomicfile"
	conf "github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/internal/drivers/nwfilter/library"
	"github.com/govirt/govirt/virt/virterr"
)

type filterObj struct {
	def *conf.Def
}

// filterView is the filter set instantiation sees: the defined filters,
// with one name replaced by a candidate definition or hidden (a filter
// about to be undefined), as libvirt's newDef and wantRemoved do.
type filterView struct {
	d       *Driver
	name    string
	replace *conf.Def
	hide    bool
}

// LookupFilter implements gentech.Filters.
func (v filterView) LookupFilter(name string) (*conf.Def, bool) {
	if v.name != "" && name == v.name {
		if v.hide {
			return nil, false
		}
		if v.replace != nil {
			return v.replace, true
		}
	}
	o := v.d.filters[name]
	if o == nil {
		return nil, false
	}
	return o.def, true
}

func (d *Driver) current() filterView { return filterView{d: d} }

func (d *Driver) configFile(name string) string {
	return filepath.Join(d.paths.ConfigDir, name+".xml")
}

func (d *Driver) saveFilter(def *conf.Def) error {
	data := xmlbuf.SaveWarning("nwfilter-edit", def.Name) + def.Format()
	if err := atomicfile.Write(d.configFile(def.Name), []byte(data), 0o600); err != nil {
		return nwErr(virterr.SystemError, "cannot save config file '%s': %v", d.configFile(def.Name), err)
	}
	return nil
}

// loadFilters reads every saved filter; a broken file is logged and
// skipped so one bad definition does not stop the daemon.
func (d *Driver) loadFilters() {
	entries, err := os.ReadDir(d.paths.ConfigDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".xml")
		if !ok || e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(d.paths.ConfigDir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			d.log.Error("cannot read network filter config", "file", path, "err", err)
			continue
		}
		def, err := conf.Parse(data)
		if err != nil {
			d.log.Error("cannot parse network filter config", "file", path, "err", err)
			continue
		}
		if def.Name != name {
			d.log.Error("network filter config filename does not match name", "file", path, "name", def.Name)
			continue
		}
		if !def.UUIDSpecified {
			// a generated UUID is made permanent, as libvirt does
			def.UUIDSpecified = true
			if err := d.saveFilter(def); err != nil {
				d.log.Error("cannot save network filter config", "name", name, "err", err)
			}
		}
		if _, err := d.assignable(def); err != nil {
			d.log.Error("cannot load network filter", "name", name, "err", err)
			continue
		}
		d.addFilter(def)
	}
}

// defineLibrary defines the standard filters the saved configuration
// does not have yet, and saves them so their UUIDs stay stable.
func (d *Driver) defineLibrary() {
	defs, err := library.Defs()
	if err != nil {
		d.log.Error("cannot load the standard network filters", "err", err)
		return
	}
	for _, name := range library.Names() {
		def := defs[name]
		if def == nil || d.filters[name] != nil {
			continue
		}
		for d.filterByUUID(def.UUID) != nil {
			def.UUID = uuid.New()
		}
		def.UUIDSpecified = true
		d.addFilter(def)
		if err := d.saveFilter(def); err != nil {
			d.log.Error("cannot save network filter config", "name", name, "err", err)
		}
	}
}

func (d *Driver) addFilter(def *conf.Def) {
	if o := d.filters[def.Name]; o != nil {
		o.def = def
		return
	}
	d.filters[def.Name] = &filterObj{def: def}
	d.order = append(d.order, def.Name)
}

func (d *Driver) filterByUUID(u uuid.UUID) *filterObj {
	for _, name := range d.order {
		if o := d.filters[name]; o.def.UUID == u {
			return o
		}
	}
	return nil
}

// assignable checks def against the defined filters as
// virNWFilterObjListAssignDef does and returns the filter it replaces.
func (d *Driver) assignable(def *conf.Def) (*filterObj, error) {
	if o := d.filterByUUID(def.UUID); o != nil {
		if o.def.Name != def.Name {
			return nil, nwErr(virterr.OperationFailed,
				"filter with same UUID but different name ('%s') already exists", o.def.Name)
		}
	} else if o := d.filters[def.Name]; o != nil {
		return nil, nwErr(virterr.OperationFailed,
			"filter '%s' already exists with uuid %s", def.Name, o.def.UUID.String())
	}
	if err := gentech.CheckLoops(d.current(), def); err != nil {
		return nil, err
	}
	return d.filters[def.Name], nil
}

// define is virNWFilterDefineXMLFlags: a new filter is added; a changed
// one is re-instantiated on every interface that uses it, all or none,
// before it replaces the old definition.
func (d *Driver) define(ctx context.Context, xml string) (*conf.Def, error) {
	def, err := conf.Parse([]byte(xml))
	if err != nil {
		return nil, err
	}
	if err := def.Validate(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !def.UUIDSpecified {
		// redefining a filter by name keeps its identity
		if o := d.filters[def.Name]; o != nil {
			def.UUID = o.def.UUID
		}
		def.UUIDSpecified = true
	}
	old, err := d.assignable(def)
	if err != nil {
		return nil, err
	}
	if old != nil && old.def.Format() != def.Format() {
		if err := d.rebuild(ctx, filterView{d: d, name: def.Name, replace: def}); err != nil {
			return nil, err
		}
	}
	if err := d.saveFilter(def); err != nil {
		return nil, err
	}
	d.addFilter(def)
	return def, nil
}

// undefine is virNWFilterUndefine: refused while a binding's rules
// still depend on the filter.
func (d *Driver) undefine(ctx context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	o := d.filters[name]
	if o == nil {
		return nwErr(virterr.NoNwfilter, "no nwfilter with matching name '%s'", name)
	}
	if d.inUse(filterView{d: d, name: name, hide: true}) {
		return nwErr(virterr.OperationInvalid, "nwfilter is in use")
	}
	if err := os.Remove(d.configFile(name)); err != nil && !os.IsNotExist(err) {
		return nwErr(virterr.SystemError, "cannot remove config file '%s': %v", d.configFile(name), err)
	}
	delete(d.filters, name)
	for i, n := range d.order {
		if n == name {
			d.order = append(d.order[:i], d.order[i+1:]...)
			break
		}
	}
	return nil
}

// inUse reports whether some binding cannot be resolved without the
// hidden filter.
func (d *Driver) inUse(view filterView) bool {
	for _, b := range d.bindings {
		top := b.def.Filter.Filter
		if _, err := gentech.DefToInst(view, mustLookup(view, top), nil); err == nil {
			continue
		}
		if _, err := gentech.DefToInst(d.current(), mustLookup(d.current(), top), nil); err == nil {
			return true
		}
	}
	return false
}

// mustLookup returns the filter or an empty stand-in that refers to it,
// so a missing top-level filter shows up as a resolution error.
func mustLookup(view filterView, name string) *conf.Def {
	if def, ok := view.LookupFilter(name); ok {
		return def
	}
	return &conf.Def{Name: "\x00binding", Entries: []conf.Entry{{Ref: &conf.FilterRef{Filter: name}}}}
}

func (d *Driver) lookupByName(name string) (*conf.Def, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if o := d.filters[name]; o != nil {
		return o.def, nil
	}
	return nil, nwErr(virterr.NoNwfilter, "no nwfilter with matching name '%s'", name)
}

func (d *Driver) lookupByUUID(u uuid.UUID) (*conf.Def, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if o := d.filterByUUID(u); o != nil {
		return o.def, nil
	}
	return nil, nwErr(virterr.NoNwfilter, "no nwfilter with matching uuid '%s'", u.String())
}

// filterDefs lists the filters sorted by name.
func (d *Driver) filterDefs() []*conf.Def {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*conf.Def, 0, len(d.filters))
	for _, o := range d.filters {
		out = append(out, o.def)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
