package nwfilter

import (
	"context"

	conf "github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Flags of the calls (libvirt-nwfilter.h).
const (
	defineValidate        = 1 << 0 // VIR_NWFILTER_DEFINE_VALIDATE
	bindingCreateValidate = 1 << 0 // VIR_NWFILTER_BINDING_CREATE_VALIDATE
)

// conn is one client connection; its methods serve the NWFilter table.
type conn struct {
	driver.UnsupportedNWFilter
	d        *Driver
	readOnly bool
}

var _ driver.NWFilter = (*conn)(nil)

func (c *conn) denyReadOnly(function string) error {
	if c.readOnly {
		return nwErr(virterr.OperationDenied, "read only access prevents %s", function)
	}
	return nil
}

func filterRef(def *conf.Def) driver.NWFilterRef {
	return driver.NWFilterRef{Name: def.Name, UUID: driver.UUID(def.UUID)}
}

func bindingRef(def *conf.Binding) driver.NWFilterBindingRef {
	return driver.NWFilterBindingRef{Portdev: def.PortDev, Filtername: def.Filter.Filter}
}

func (c *conn) NWFilterLookupByName(ctx context.Context, name string) (driver.NWFilterRef, error) {
	def, err := c.d.lookupByName(name)
	if err != nil {
		return driver.NWFilterRef{}, err
	}
	return filterRef(def), nil
}

func (c *conn) NWFilterLookupByUUID(ctx context.Context, u driver.UUID) (driver.NWFilterRef, error) {
	def, err := c.d.lookupByUUID(uuid.UUID(u))
	if err != nil {
		return driver.NWFilterRef{}, err
	}
	return filterRef(def), nil
}

// NWFilterGetXMLDesc finds the filter by UUID, as libvirt does.
func (c *conn) NWFilterGetXMLDesc(ctx context.Context, ref driver.NWFilterRef, flags uint32) (string, error) {
	if flags != 0 {
		return "", virterr.UnsupportedFlags(virterr.FromNwfilter, uint64(flags), "nwfilterGetXMLDesc")
	}
	def, err := c.d.lookupByUUID(uuid.UUID(ref.UUID))
	if err != nil {
		return "", err
	}
	return def.Format(), nil
}

func (c *conn) ConnectNumOfNWFilters(ctx context.Context) (int32, error) {
	return int32(len(c.d.filterDefs())), nil
}

func (c *conn) ConnectListNWFilters(ctx context.Context, maxnames int32) ([]string, error) {
	var names []string
	for _, def := range c.d.filterDefs() {
		if int32(len(names)) >= maxnames {
			break
		}
		names = append(names, def.Name)
	}
	return names, nil
}

func (c *conn) ConnectListAllNWFilters(ctx context.Context, needResults int32, flags uint32) (driver.ConnectListAllNWFiltersRet, error) {
	var ret driver.ConnectListAllNWFiltersRet
	if flags != 0 {
		return ret, virterr.UnsupportedFlags(virterr.FromNwfilter, uint64(flags), "nwfilterConnectListAllNWFilters")
	}
	for _, def := range c.d.filterDefs() {
		if needResults != 0 {
			ret.Filters = append(ret.Filters, filterRef(def))
		}
		ret.Ret++
	}
	return ret, nil
}

func (c *conn) NWFilterDefineXML(ctx context.Context, xml string) (driver.NWFilterRef, error) {
	return c.NWFilterDefineXMLFlags(ctx, xml, 0)
}

func (c *conn) NWFilterDefineXMLFlags(ctx context.Context, xml string, flags uint32) (driver.NWFilterRef, error) {
	if flags&^defineValidate != 0 {
		return driver.NWFilterRef{}, virterr.UnsupportedFlags(virterr.FromNwfilter, uint64(flags&^defineValidate), "nwfilterDefineXMLFlags")
	}
	if err := c.denyReadOnly("virNWFilterDefineXMLFlags"); err != nil {
		return driver.NWFilterRef{}, err
	}
	def, err := c.d.define(ctx, xml)
	if err != nil {
		return driver.NWFilterRef{}, err
	}
	return filterRef(def), nil
}

func (c *conn) NWFilterUndefine(ctx context.Context, ref driver.NWFilterRef) error {
	if err := c.denyReadOnly("virNWFilterUndefine"); err != nil {
		return err
	}
	def, err := c.d.lookupByUUID(uuid.UUID(ref.UUID))
	if err != nil {
		return err
	}
	return c.d.undefine(ctx, def.Name)
}

func (c *conn) NWFilterBindingLookupByPortDev(ctx context.Context, name string) (driver.NWFilterBindingRef, error) {
	def, err := c.d.lookupBinding(name)
	if err != nil {
		return driver.NWFilterBindingRef{}, err
	}
	return bindingRef(def), nil
}

func (c *conn) NWFilterBindingGetXMLDesc(ctx context.Context, ref driver.NWFilterBindingRef, flags uint32) (string, error) {
	if flags != 0 {
		return "", virterr.UnsupportedFlags(virterr.FromNwfilter, uint64(flags), "nwfilterBindingGetXMLDesc")
	}
	def, err := c.d.lookupBinding(ref.Portdev)
	if err != nil {
		return "", err
	}
	return def.Format(), nil
}

func (c *conn) NWFilterBindingCreateXML(ctx context.Context, xml string, flags uint32) (driver.NWFilterBindingRef, error) {
	if flags&^bindingCreateValidate != 0 {
		return driver.NWFilterBindingRef{}, virterr.UnsupportedFlags(virterr.FromNwfilter, uint64(flags&^bindingCreateValidate), "nwfilterBindingCreateXML")
	}
	if err := c.denyReadOnly("virNWFilterBindingCreateXML"); err != nil {
		return driver.NWFilterBindingRef{}, err
	}
	def, err := c.d.createBinding(ctx, xml)
	if err != nil {
		return driver.NWFilterBindingRef{}, err
	}
	return bindingRef(def), nil
}

func (c *conn) NWFilterBindingDelete(ctx context.Context, ref driver.NWFilterBindingRef) error {
	if err := c.denyReadOnly("virNWFilterBindingDelete"); err != nil {
		return err
	}
	return c.d.deleteBinding(ctx, ref.Portdev)
}

func (c *conn) ConnectListAllNWFilterBindings(ctx context.Context, needResults int32, flags uint32) (driver.ConnectListAllNWFilterBindingsRet, error) {
	var ret driver.ConnectListAllNWFilterBindingsRet
	if flags != 0 {
		return ret, virterr.UnsupportedFlags(virterr.FromNwfilter, uint64(flags), "nwfilterConnectListAllNWFilterBindings")
	}
	for _, def := range c.d.bindingDefs() {
		if needResults != 0 {
			ret.Bindings = append(ret.Bindings, bindingRef(def))
		}
		ret.Ret++
	}
	return ret, nil
}
