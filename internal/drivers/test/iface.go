package test

import (
	"context"
	"strings"

	"github.com/govirt/govirt/internal/conf/iface"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

const (
	listIfaceInactive   uint32 = 1 << 0 // VIR_CONNECT_LIST_INTERFACES_INACTIVE
	listIfaceActive     uint32 = 1 << 1 // VIR_CONNECT_LIST_INTERFACES_ACTIVE
	ifaceDefineValidate uint32 = 1 << 0 // VIR_INTERFACE_DEFINE_VALIDATE
)

// ifaceObj is one host interface (virInterfaceObj).
type ifaceObj struct {
	def    *iface.Def
	active bool
}

func (o *ifaceObj) ref() driver.InterfaceRef {
	return driver.InterfaceRef{Name: o.def.Name, MAC: o.def.MAC}
}

// interfaceDriver serves the Interface table of a connection.
type interfaceDriver struct {
	driver.UnsupportedInterface
	c *conn
}

var _ driver.Interface = interfaceDriver{}

func (d interfaceDriver) lock() *state {
	d.c.st.mu.Lock()
	return d.c.st
}

func parseInterface(n *xmltree.Node) (*iface.Def, error) {
	def, err := iface.ParseNode(n)
	if err != nil {
		return nil, err
	}
	if err := def.Validate(); err != nil {
		return nil, err
	}
	return def, nil
}

// loadInterface adds an active interface of the node file (testParseInterfaces).
func (st *state) loadInterface(n *xmltree.Node) error {
	def, err := parseInterface(n)
	if err != nil {
		return err
	}
	st.assignInterface(def).active = true
	return nil
}

// assignInterface adds def, or replaces the definition of the interface
// of that name (virInterfaceObjListAssignDef).
func (st *state) assignInterface(def *iface.Def) *ifaceObj {
	for _, o := range st.hostObjs.ifaces {
		if o.def.Name == def.Name {
			o.def = def
			return o
		}
	}
	o := &ifaceObj{def: def}
	st.hostObjs.ifaces = append(st.hostObjs.ifaces, o)
	return o
}

func (st *state) ifaceByName(name string) (*ifaceObj, error) {
	for _, o := range st.hostObjs.ifaces {
		if o.def.Name == name {
			return o, nil
		}
	}
	return nil, testErr(virterr.NoInterface, "no interface with matching name '%s'", name)
}

func (d interfaceDriver) names(active bool, max int32) []string {
	st := d.lock()
	defer st.mu.Unlock()
	var out []string
	for _, o := range st.hostObjs.ifaces {
		if o.active == active && int32(len(out)) < max {
			out = append(out, o.def.Name)
		}
	}
	return out
}

// ConnectNumOfInterfaces counts the active interfaces.
func (d interfaceDriver) ConnectNumOfInterfaces(ctx context.Context) (int32, error) {
	return int32(len(d.names(true, 1<<30))), nil
}

// ConnectListInterfaces names the active interfaces.
func (d interfaceDriver) ConnectListInterfaces(ctx context.Context, maxnames int32) ([]string, error) {
	return d.names(true, maxnames), nil
}

// ConnectNumOfDefinedInterfaces counts the inactive interfaces.
func (d interfaceDriver) ConnectNumOfDefinedInterfaces(ctx context.Context) (int32, error) {
	return int32(len(d.names(false, 1<<30))), nil
}

// ConnectListDefinedInterfaces names the inactive interfaces.
func (d interfaceDriver) ConnectListDefinedInterfaces(ctx context.Context, maxnames int32) ([]string, error) {
	return d.names(false, maxnames), nil
}

// ConnectListAllInterfaces lists the interfaces the activity filter selects.
func (d interfaceDriver) ConnectListAllInterfaces(ctx context.Context, needResults int32, flags uint32) (driver.ConnectListAllInterfacesRet, error) {
	if err := unsupportedFlags(flags, listIfaceActive|listIfaceInactive, "testConnectListAllInterfaces"); err != nil {
		return driver.ConnectListAllInterfacesRet{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	var ret driver.ConnectListAllInterfacesRet
	for _, o := range st.hostObjs.ifaces {
		if !driver.MatchesFilterPair(flags, listIfaceActive, listIfaceInactive, o.active) {
			continue
		}
		if needResults != 0 {
			ret.Ifaces = append(ret.Ifaces, o.ref())
		}
		ret.Ret++
	}
	return ret, nil
}

// InterfaceLookupByName finds an interface.
func (d interfaceDriver) InterfaceLookupByName(ctx context.Context, name string) (driver.InterfaceRef, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.ifaceByName(name)
	if err != nil {
		return driver.InterfaceRef{}, err
	}
	return o.ref(), nil
}

// InterfaceLookupByMACString finds the one interface with a MAC address
// (compared without regard to case).
func (d interfaceDriver) InterfaceLookupByMACString(ctx context.Context, mac string) (driver.InterfaceRef, error) {
	st := d.lock()
	defer st.mu.Unlock()
	var found []*ifaceObj
	for _, o := range st.hostObjs.ifaces {
		if strings.EqualFold(o.def.MAC, mac) {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 0:
		return driver.InterfaceRef{}, testErr(virterr.NoInterface, "no interface with matching mac '%s'", mac)
	case 1:
		return driver.InterfaceRef{Name: found[0].def.Name, MAC: mac}, nil
	}
	return driver.InterfaceRef{}, testErr(virterr.MultipleInterfaces, "")
}

// InterfaceIsActive reports whether the interface is up.
func (d interfaceDriver) InterfaceIsActive(ctx context.Context, ref driver.InterfaceRef) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.ifaceByName(ref.Name)
	if err != nil {
		return -1, err
	}
	return boolInt(o.active), nil
}

// InterfaceChangeBegin saves a copy of the interfaces; the copy's
// interfaces are all inactive, as virInterfaceObjListClone makes them.
func (d interfaceDriver) InterfaceChangeBegin(ctx context.Context, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "testInterfaceChangeBegin"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virInterfaceChangeBegin"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	if st.hostObjs.ifaceTxActive {
		return testErr(virterr.OperationInvalid, "there is another transaction running.")
	}
	st.hostObjs.ifaceTxActive = true
	backup := make([]*ifaceObj, len(st.hostObjs.ifaces))
	for i, o := range st.hostObjs.ifaces {
		backup[i] = &ifaceObj{def: o.def}
	}
	st.hostObjs.ifaceBackup = backup
	return nil
}

// InterfaceChangeCommit drops the saved copy.
func (d interfaceDriver) InterfaceChangeCommit(ctx context.Context, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "testInterfaceChangeCommit"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virInterfaceChangeCommit"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	if !st.hostObjs.ifaceTxActive {
		return testErr(virterr.OperationInvalid, "no transaction running, nothing to be committed.")
	}
	st.hostObjs.ifaceBackup = nil
	st.hostObjs.ifaceTxActive = false
	return nil
}

// InterfaceChangeRollback puts the saved copy back.
func (d interfaceDriver) InterfaceChangeRollback(ctx context.Context, flags uint32) error {
	if err := unsupportedFlags(flags, 0, "testInterfaceChangeRollback"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virInterfaceChangeRollback"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	if !st.hostObjs.ifaceTxActive {
		return testErr(virterr.OperationInvalid, "no transaction running, nothing to rollback.")
	}
	st.hostObjs.ifaces = st.hostObjs.ifaceBackup
	st.hostObjs.ifaceBackup = nil
	st.hostObjs.ifaceTxActive = false
	return nil
}

// InterfaceGetXMLDesc formats an interface; the test driver takes no flags.
func (d interfaceDriver) InterfaceGetXMLDesc(ctx context.Context, ref driver.InterfaceRef, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "testInterfaceGetXMLDesc"); err != nil {
		return "", err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.ifaceByName(ref.Name)
	if err != nil {
		return "", err
	}
	return o.def.Format(), nil
}

// InterfaceDefineXML defines (or redefines) an interface.
func (d interfaceDriver) InterfaceDefineXML(ctx context.Context, xml string, flags uint32) (driver.InterfaceRef, error) {
	if err := unsupportedFlags(flags, ifaceDefineValidate, "testInterfaceDefineXML"); err != nil {
		return driver.InterfaceRef{}, err
	}
	if err := d.c.denyReadOnly("virInterfaceDefineXML"); err != nil {
		return driver.InterfaceRef{}, err
	}
	root, err := xmltree.ParseRootFrom([]byte(xml), "(interface_definition)", "interface", virterr.FromInterface)
	if err != nil {
		return driver.InterfaceRef{}, err
	}
	def, err := parseInterface(root)
	if err != nil {
		return driver.InterfaceRef{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	return st.assignInterface(def).ref(), nil
}

// InterfaceUndefine removes an interface, running or not.
func (d interfaceDriver) InterfaceUndefine(ctx context.Context, ref driver.InterfaceRef) error {
	if err := d.c.denyReadOnly("virInterfaceUndefine"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.ifaceByName(ref.Name)
	if err != nil {
		return err
	}
	ifaces := st.hostObjs.ifaces
	for i, x := range ifaces {
		if x == o {
			st.hostObjs.ifaces = append(ifaces[:i:i], ifaces[i+1:]...)
			break
		}
	}
	return nil
}

// InterfaceCreate brings an inactive interface up.
func (d interfaceDriver) InterfaceCreate(ctx context.Context, ref driver.InterfaceRef, flags uint32) error {
	return d.setActive(ref, flags, true, "testInterfaceCreate", "virInterfaceCreate")
}

// InterfaceDestroy brings an active interface down.
func (d interfaceDriver) InterfaceDestroy(ctx context.Context, ref driver.InterfaceRef, flags uint32) error {
	return d.setActive(ref, flags, false, "testInterfaceDestroy", "virInterfaceDestroy")
}

func (d interfaceDriver) setActive(ref driver.InterfaceRef, flags uint32, active bool, cfunc, function string) error {
	if err := unsupportedFlags(flags, 0, cfunc); err != nil {
		return err
	}
	if err := d.c.denyReadOnly(function); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.ifaceByName(ref.Name)
	if err != nil {
		return err
	}
	if o.active == active {
		return testErr(virterr.OperationInvalid, "")
	}
	o.active = active
	return nil
}
