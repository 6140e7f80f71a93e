package test

import (
	"context"

	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// Network lifecycle events (virNetworkEventLifecycleType) and the flags the
// network calls take.
const (
	netEventDefined   int32 = 0
	netEventUndefined int32 = 1
	netEventStarted   int32 = 2
	netEventStopped   int32 = 3

	netDefineValidate   uint32 = 1 << 0 // VIR_NETWORK_DEFINE_VALIDATE
	netUpdateAffectLive uint32 = 1 << 0 // VIR_NETWORK_UPDATE_AFFECT_LIVE
	netUpdateAffectConf uint32 = 1 << 1 // VIR_NETWORK_UPDATE_AFFECT_CONFIG

	listNetInactive    uint32 = 1 << 0
	listNetActive      uint32 = 1 << 1
	listNetPersistent  uint32 = 1 << 2
	listNetTransient   uint32 = 1 << 3
	listNetAutostart   uint32 = 1 << 4
	listNetNoAutostart uint32 = 1 << 5
)

// networkObj is one network (virNetworkObj): the running definition and,
// while a persistent network runs with a changed configuration, the
// definition it keeps for next time.
type networkObj struct {
	def        *network.Def
	newDef     *network.Def
	active     bool
	persistent bool
	autostart  bool
}

func (o *networkObj) ref() driver.NetworkRef {
	return driver.NetworkRef{Name: o.def.Name, UUID: driver.UUID(o.def.UUID)}
}

// persistentDef is the definition the network starts with next time.
func (o *networkObj) persistentDef() *network.Def {
	if o.newDef != nil {
		return o.newDef
	}
	return o.def
}

// networkDriver serves the Network table of a connection.
type networkDriver struct {
	driver.UnsupportedNetwork
	c *conn
}

var _ driver.Network = networkDriver{}

func netObjErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromNetwork, code, format, args...)
}

// loadNetwork adds a network of the node file, running (testParseNetworks).
func (st *state) loadNetwork(n *xmltree.Node) error {
	def, err := network.ParseNode(n)
	if err != nil {
		return err
	}
	obj, err := st.assignNetwork(def, false, false)
	if err != nil {
		return err
	}
	obj.active = true
	return nil
}

// assignNetwork adds def to the list as virNetworkObjAssignDef does: a
// UUID match replaces that network's live or persistent definition, a
// name match under another UUID is refused.
func (st *state) assignNetwork(def *network.Def, live, checkLive bool) (*networkObj, error) {
	for _, o := range st.hostObjs.networks {
		if o.def.UUID != def.UUID {
			continue
		}
		if o.def.Name != def.Name {
			return nil, netObjErr(virterr.OperationFailed, "network '%s' is already defined with uuid %s", o.def.Name, o.def.UUID)
		}
		if checkLive && o.active {
			return nil, netObjErr(virterr.OperationInvalid, "network is already active as '%s'", o.def.Name)
		}
		o.assignDef(def, live)
		return o, nil
	}
	for _, o := range st.hostObjs.networks {
		if o.def.Name == def.Name {
			return nil, netObjErr(virterr.OperationFailed, "network '%s' already exists with uuid %s", def.Name, o.def.UUID)
		}
	}
	obj := &networkObj{def: def, persistent: !live}
	st.hostObjs.networks = append(st.hostObjs.networks, obj)
	return obj, nil
}

// assignDef is virNetworkObjAssignDef for an existing network.
func (o *networkObj) assignDef(def *network.Def, live bool) {
	if live {
		if o.persistent && o.newDef == nil {
			o.newDef = o.def
		}
		o.def = def
		return
	}
	switch {
	case o.active:
		o.newDef = def
	case o.def != nil && !o.persistent:
		o.newDef = def
	default:
		o.def = def
	}
	o.persistent = true
}

func (st *state) removeNetwork(obj *networkObj) {
	nets := st.hostObjs.networks
	for i, o := range nets {
		if o == obj {
			st.hostObjs.networks = append(nets[:i:i], nets[i+1:]...)
			return
		}
	}
}

func (st *state) networkByName(name string) (*networkObj, error) {
	for _, o := range st.hostObjs.networks {
		if o.def.Name == name {
			return o, nil
		}
	}
	return nil, virterr.NewFrom(virterr.FromTest, virterr.NoNetwork, "no network with matching name '%s'", name)
}

func (st *state) networkByUUID(u driver.UUID) (*networkObj, error) {
	for _, o := range st.hostObjs.networks {
		if driver.UUID(o.def.UUID) == u {
			return o, nil
		}
	}
	return nil, virterr.NewFrom(virterr.FromTest, virterr.NoNetwork, "no network with matching uuid '%s'", uuid.UUID(u))
}

func (st *state) networkEvent(obj *networkObj, event int32) {
	ref := obj.ref()
	st.events.Emit(ref, driver.Event{
		Kind:    driver.EventNetwork,
		ID:      0, // VIR_NETWORK_EVENT_ID_LIFECYCLE
		Payload: &driver.NetworkEventLifecycleMsg{Net: ref, Event: event},
	})
}

func (d networkDriver) lock() *state {
	d.c.st.mu.Lock()
	return d.c.st
}

// NetworkLookupByName finds a network by name.
func (d networkDriver) NetworkLookupByName(ctx context.Context, name string) (driver.NetworkRef, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByName(name)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	return o.ref(), nil
}

// NetworkLookupByUUID finds a network by UUID.
func (d networkDriver) NetworkLookupByUUID(ctx context.Context, u driver.UUID) (driver.NetworkRef, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByUUID(u)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	return o.ref(), nil
}

func (d networkDriver) names(active bool, max int32) []string {
	st := d.lock()
	defer st.mu.Unlock()
	var out []string
	for _, o := range st.hostObjs.networks {
		if o.active == active && int32(len(out)) < max {
			out = append(out, o.def.Name)
		}
	}
	return out
}

// ConnectNumOfNetworks counts the active networks.
func (d networkDriver) ConnectNumOfNetworks(ctx context.Context) (int32, error) {
	return int32(len(d.names(true, 1<<30))), nil
}

// ConnectListNetworks names the active networks.
func (d networkDriver) ConnectListNetworks(ctx context.Context, maxnames int32) ([]string, error) {
	return d.names(true, maxnames), nil
}

// ConnectNumOfDefinedNetworks counts the inactive networks.
func (d networkDriver) ConnectNumOfDefinedNetworks(ctx context.Context) (int32, error) {
	return int32(len(d.names(false, 1<<30))), nil
}

// ConnectListDefinedNetworks names the inactive networks.
func (d networkDriver) ConnectListDefinedNetworks(ctx context.Context, maxnames int32) ([]string, error) {
	return d.names(false, maxnames), nil
}

// ConnectListAllNetworks lists the networks the filter flags select
// (virNetworkObjListExport).
func (d networkDriver) ConnectListAllNetworks(ctx context.Context, needResults int32, flags uint32) (driver.ConnectListAllNetworksRet, error) {
	const all = listNetInactive | listNetActive | listNetPersistent | listNetTransient | listNetAutostart | listNetNoAutostart
	if err := unsupportedFlags(flags, all, "testConnectListAllNetworks"); err != nil {
		return driver.ConnectListAllNetworksRet{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	var ret driver.ConnectListAllNetworksRet
	for _, o := range st.hostObjs.networks {
		if !driver.MatchesFilterPair(flags, listNetActive, listNetInactive, o.active) ||
			!driver.MatchesFilterPair(flags, listNetPersistent, listNetTransient, o.persistent) ||
			!driver.MatchesFilterPair(flags, listNetAutostart, listNetNoAutostart, o.autostart) {
			continue
		}
		if needResults != 0 {
			ret.Nets = append(ret.Nets, o.ref())
		}
		ret.Ret++
	}
	return ret, nil
}

// NetworkIsActive reports whether the network runs.
func (d networkDriver) NetworkIsActive(ctx context.Context, net driver.NetworkRef) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByUUID(net.UUID)
	if err != nil {
		return -1, err
	}
	return boolInt(o.active), nil
}

// NetworkIsPersistent reports whether the network has a persistent definition.
func (d networkDriver) NetworkIsPersistent(ctx context.Context, net driver.NetworkRef) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByUUID(net.UUID)
	if err != nil {
		return -1, err
	}
	return boolInt(o.persistent), nil
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// NetworkCreateXML creates a transient running network.
func (d networkDriver) NetworkCreateXML(ctx context.Context, xml string) (driver.NetworkRef, error) {
	return d.createXML(xml, 0, "virNetworkCreateXML")
}

// NetworkCreateXMLFlags creates a transient running network; the test
// driver takes no flags.
func (d networkDriver) NetworkCreateXMLFlags(ctx context.Context, xml string, flags uint32) (driver.NetworkRef, error) {
	return d.createXML(xml, flags, "virNetworkCreateXMLFlags")
}

func (d networkDriver) createXML(xml string, flags uint32, function string) (driver.NetworkRef, error) {
	if err := unsupportedFlags(flags, 0, "testNetworkCreateXMLFlags"); err != nil {
		return driver.NetworkRef{}, err
	}
	if err := d.c.denyReadOnly(function); err != nil {
		return driver.NetworkRef{}, err
	}
	def, err := parseNetwork(xml)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.assignNetwork(def, true, true)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	o.active = true
	st.networkEvent(o, netEventStarted)
	return o.ref(), nil
}

// parseNetwork reads a network being defined or started: libvirt's parser
// (virNetworkDefParse) refuses the unknown values network.Parse keeps. The
// bridge driver's further checks (network.Def.Validate) are not the test
// driver's.
func parseNetwork(xml string) (*network.Def, error) {
	def, err := network.Parse([]byte(xml))
	if err != nil {
		return nil, err
	}
	if err := def.CheckKnownValues(); err != nil {
		return nil, err
	}
	return def, nil
}

// NetworkDefineXML defines a persistent network.
func (d networkDriver) NetworkDefineXML(ctx context.Context, xml string) (driver.NetworkRef, error) {
	return d.defineXML(xml, 0, "virNetworkDefineXML")
}

// NetworkDefineXMLFlags defines a persistent network.
func (d networkDriver) NetworkDefineXMLFlags(ctx context.Context, xml string, flags uint32) (driver.NetworkRef, error) {
	return d.defineXML(xml, flags, "virNetworkDefineXMLFlags")
}

func (d networkDriver) defineXML(xml string, flags uint32, function string) (driver.NetworkRef, error) {
	if err := unsupportedFlags(flags, netDefineValidate, "testNetworkDefineXMLFlags"); err != nil {
		return driver.NetworkRef{}, err
	}
	if err := d.c.denyReadOnly(function); err != nil {
		return driver.NetworkRef{}, err
	}
	def, err := parseNetwork(xml)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.assignNetwork(def, false, false)
	if err != nil {
		return driver.NetworkRef{}, err
	}
	st.networkEvent(o, netEventDefined)
	return driver.NetworkRef{Name: def.Name, UUID: driver.UUID(def.UUID)}, nil
}

// NetworkUndefine removes an inactive network; the test driver refuses a
// running one.
func (d networkDriver) NetworkUndefine(ctx context.Context, net driver.NetworkRef) error {
	if err := d.c.denyReadOnly("virNetworkUndefine"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByName(net.Name)
	if err != nil {
		return err
	}
	if o.active {
		return virterr.NewFrom(virterr.FromTest, virterr.OperationInvalid, "Network '%s' is still running", net.Name)
	}
	st.events.Emit(net, driver.Event{Kind: driver.EventNetwork, ID: 0,
		Payload: &driver.NetworkEventLifecycleMsg{Net: net, Event: netEventUndefined}})
	st.removeNetwork(o)
	return nil
}

// NetworkUpdate edits one section of the live or persistent definition
// (testNetworkUpdate, virNetworkObjUpdate).
func (d networkDriver) NetworkUpdate(ctx context.Context, net driver.NetworkRef, command uint32, section uint32, parentIndex int32, xml string, flags uint32) error {
	if err := unsupportedFlags(flags, netUpdateAffectLive|netUpdateAffectConf, "testNetworkUpdate"); err != nil {
		return err
	}
	if err := d.c.denyReadOnly("virNetworkUpdate"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByUUID(net.UUID)
	if err != nil {
		return err
	}
	if flags&(netUpdateAffectLive|netUpdateAffectConf) == 0 {
		if o.active {
			flags |= netUpdateAffectLive
		} else {
			flags |= netUpdateAffectConf
		}
	}
	if !o.active && flags&netUpdateAffectLive != 0 {
		return netObjErr(virterr.OperationInvalid, "network is not running")
	}
	if flags&netUpdateAffectConf != 0 {
		if !o.persistent {
			return netObjErr(virterr.OperationInvalid, "cannot change persistent config of a transient network")
		}
		if o.active && o.newDef == nil {
			cp, err := o.def.Copy(network.FormatInactive)
			if err != nil {
				return err
			}
			o.newDef = cp
		}
	}
	var live, config *network.Def
	if flags&netUpdateAffectLive != 0 {
		if live, err = o.def.Update(network.UpdateCommand(command), network.UpdateSection(section), int(parentIndex), []byte(xml), 0); err != nil {
			return err
		}
	}
	if flags&netUpdateAffectConf != 0 {
		if config, err = o.persistentDef().Update(network.UpdateCommand(command), network.UpdateSection(section), int(parentIndex), []byte(xml), network.FormatInactive); err != nil {
			return err
		}
	}
	if config != nil {
		if o.active {
			o.newDef = config
		} else {
			o.def = config
		}
	}
	if live != nil {
		o.def = live
	}
	return nil
}

// NetworkCreate starts a defined network.
func (d networkDriver) NetworkCreate(ctx context.Context, net driver.NetworkRef) error {
	if err := d.c.denyReadOnly("virNetworkCreate"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByName(net.Name)
	if err != nil {
		return err
	}
	if o.active {
		return virterr.NewFrom(virterr.FromTest, virterr.OperationInvalid, "Network '%s' is already running", net.Name)
	}
	o.active = true
	st.networkEvent(o, netEventStarted)
	return nil
}

// NetworkDestroy stops a network; a transient one goes away. Like
// libvirt's test driver it does not check that the network runs.
func (d networkDriver) NetworkDestroy(ctx context.Context, net driver.NetworkRef) error {
	if err := d.c.denyReadOnly("virNetworkDestroy"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByName(net.Name)
	if err != nil {
		return err
	}
	o.active = false
	st.networkEvent(o, netEventStopped)
	if !o.persistent {
		st.removeNetwork(o)
	}
	return nil
}

// NetworkGetXMLDesc formats the current definition; the test driver
// takes no flags.
func (d networkDriver) NetworkGetXMLDesc(ctx context.Context, net driver.NetworkRef, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "testNetworkGetXMLDesc"); err != nil {
		return "", err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByName(net.Name)
	if err != nil {
		return "", err
	}
	return o.def.Format(0), nil
}

// NetworkGetBridgeName is the network's bridge.
func (d networkDriver) NetworkGetBridgeName(ctx context.Context, net driver.NetworkRef) (string, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByName(net.Name)
	if err != nil {
		return "", err
	}
	if o.def.Bridge == "" {
		return "", virterr.NewFrom(virterr.FromTest, virterr.InternalError, "network '%s' does not have a bridge name.", o.def.Name)
	}
	return o.def.Bridge, nil
}

// NetworkGetAutostart reports the autostart flag.
func (d networkDriver) NetworkGetAutostart(ctx context.Context, net driver.NetworkRef) (int32, error) {
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByName(net.Name)
	if err != nil {
		return -1, err
	}
	return boolInt(o.autostart), nil
}

// NetworkSetAutostart sets the autostart flag; the test driver allows it
// on transient networks too.
func (d networkDriver) NetworkSetAutostart(ctx context.Context, net driver.NetworkRef, autostart int32) error {
	if err := d.c.denyReadOnly("virNetworkSetAutostart"); err != nil {
		return err
	}
	st := d.lock()
	defer st.mu.Unlock()
	o, err := st.networkByName(net.Name)
	if err != nil {
		return err
	}
	o.autostart = autostart != 0
	return nil
}
