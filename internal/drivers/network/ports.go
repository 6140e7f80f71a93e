package network

import (
	"context"
	"os"
	"path/filepath"
	"sort"

	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/netport"
	"github.com/govirt/govirt/virt/virterr"
)

// Flags of virNetworkPortCreateXML.
const (
	portCreateReclaim  uint32 = 1 << 0 // VIR_NETWORK_PORT_CREATE_RECLAIM
	portCreateValidate uint32 = 1 << 1 // VIR_NETWORK_PORT_CREATE_VALIDATE
)

func (d *Driver) portDir(name string) string { return filepath.Join(d.stateDir(), name, "ports") }

func (d *Driver) savePort(o *netObj, p *networkport.Def) error {
	return writeAtomic(filepath.Join(d.portDir(o.def.Name), p.UUID.String()+".xml"), []byte(p.Format()), 0o600)
}

func (d *Driver) loadPorts(o *netObj) {
	o.ports = map[uuid.UUID]*networkport.Def{}
	files, _ := filepath.Glob(filepath.Join(d.portDir(o.def.Name), "*.xml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if p, err := networkport.Parse(data); err == nil {
			o.ports[p.UUID] = p
		}
	}
}

func (d *Driver) removePorts(o *netObj) {
	o.ports = nil
	os.RemoveAll(filepath.Join(d.stateDir(), o.def.Name))
}

// allocatePort resolves how a guest interface attaches to the network
// (networkAllocatePort): the plug type and device, with the VLAN,
// bandwidth and virtualport the port group or network give when the
// interface has none, then accounts its floor.
func (d *Driver) allocatePort(ctx context.Context, o *netObj, p *networkport.Def) error {
	def := o.def
	var pg *network.PortGroup
	if p.Group != "" {
		if pg = def.PortGroupByName(p.Group); pg == nil {
			return netErr(virterr.ConfigUnsupported, "no network port group named '%s' in network '%s'", p.Group, def.Name)
		}
	} else {
		for _, g := range def.PortGroups {
			if g.IsDefault {
				pg = g
			}
		}
	}
	if p.Vlan == nil {
		if pg != nil && pg.Vlan != nil {
			p.Vlan = pg.Vlan.Clone()
		} else if def.Vlan != nil {
			p.Vlan = def.Vlan.Clone()
		}
	}
	if p.Bandwidth == nil && pg != nil && pg.Bandwidth != nil {
		p.Bandwidth = pg.Bandwidth.Clone()
	}
	if p.VirtualPort == nil {
		if pg != nil && pg.VirtualPort != nil {
			p.VirtualPort = pg.VirtualPort.Clone()
		} else if def.VirtualPort != nil {
			p.VirtualPort = def.VirtualPort.Clone()
		}
	}
	if p.TrustGuestRxFilters == 0 {
		if pg != nil && pg.TrustGuestRxFilters != 0 {
			p.TrustGuestRxFilters = pg.TrustGuestRxFilters
		} else {
			p.TrustGuestRxFilters = def.TrustGuestRxFilters
		}
	}
	if p.IsolatedPort == 0 {
		p.IsolatedPort = def.IsolatedPort
	}

	switch mode := def.Forward.Mode; {
	case createsBridge(def):
		if p.VirtualPort != nil && p.VirtualPort.Type != "" && p.VirtualPort.Type != "none" {
			return netErr(virterr.ConfigUnsupported, "<virtualport type='%s'> not supported for network '%s' which uses IP forwarding", p.VirtualPort.Type, def.Name)
		}
		p.Plug = networkport.Plug{Type: networkport.PlugNetwork, Bridge: def.Bridge, MACTableManager: def.MACTableManager}
	case mode == network.ForwardBridge && def.Bridge != "":
		p.Plug = networkport.Plug{Type: networkport.PlugBridge, Bridge: def.Bridge, MACTableManager: def.MACTableManager}
	case mode == network.ForwardHostdev:
		dev := d.pickForwardIf(def, true)
		if dev == nil {
			return netErr(virterr.InternalError, "network '%s' requires exclusive access to interfaces, but none are available", def.Name)
		}
		p.Plug = networkport.Plug{Type: networkport.PlugHostdevPCI, Address: dev.PCI, Driver: def.Forward.Driver,
			Managed: netdev.TristateOf(def.Forward.Managed)}
		dev.Connections++
	default:
		exclusive := mode == network.ForwardPassthrough
		dev := d.pickForwardIf(def, exclusive)
		if dev == nil {
			if len(def.Forward.Interfaces) == 0 && def.ForwardDev(0) == "" {
				return netErr(virterr.InternalError, "network '%s' uses a direct mode, but has no forward dev and no interface pool", def.Name)
			}
			return netErr(virterr.InternalError, "network '%s' requires exclusive access to interfaces, but none are available", def.Name)
		}
		p.Plug = networkport.Plug{Type: networkport.PlugDirect, Dev: dev.Dev, Mode: mode}
		dev.Connections++
	}
	// The check every hypervisor driver makes on the actual definition,
	// made here too so a bad port is refused before it exists.
	if err := netport.Validate(netport.FromPort(p)); err != nil {
		d.releaseForwardIf(def, p)
		return err
	}
	if err := d.plugBandwidth(ctx, o, p); err != nil {
		d.releaseForwardIf(def, p)
		return err
	}
	def.Connections++
	return nil
}

// pickForwardIf chooses the pool device with the fewest connections
// (networkAllocatePort); exclusive modes take only unused ones.
func (d *Driver) pickForwardIf(def *network.Def, exclusive bool) *network.ForwardIf {
	var best *network.ForwardIf
	for _, f := range def.Forward.Interfaces {
		if exclusive && f.Connections > 0 {
			continue
		}
		if best == nil || f.Connections < best.Connections {
			best = f
		}
	}
	return best
}

func (d *Driver) releaseForwardIf(def *network.Def, p *networkport.Def) {
	for _, f := range def.Forward.Interfaces {
		if (p.Plug.Type == networkport.PlugDirect && f.Dev == p.Plug.Dev) ||
			(p.Plug.Type == networkport.PlugHostdevPCI && f.PCI == p.Plug.Address) {
			if f.Connections > 0 {
				f.Connections--
			}
			return
		}
	}
}

func (d *Driver) releasePort(ctx context.Context, o *netObj, p *networkport.Def) {
	d.unplugBandwidth(ctx, o, p)
	d.releaseForwardIf(o.def, p)
	if o.def.Connections > 0 {
		o.def.Connections--
	}
}

func (o *netObj) portRef(p *networkport.Def) driver.NetworkPortRef {
	return driver.NetworkPortRef{Net: o.ref(), UUID: driver.UUID(p.UUID)}
}

func (d *Driver) activeNet(ref driver.NetworkRef) (*netObj, error) {
	o, err := d.lookup(ref)
	if err != nil {
		return nil, err
	}
	if !o.active {
		return nil, netErr(virterr.OperationInvalid, "network '%s' is not active", o.def.Name)
	}
	return o, nil
}

func (d *Driver) port(ref driver.NetworkPortRef) (*netObj, *networkport.Def, error) {
	o, err := d.activeNet(ref.Net)
	if err != nil {
		return nil, nil, err
	}
	p := o.ports[uuid.UUID(ref.UUID)]
	if p == nil {
		return nil, nil, netErr(virterr.NoNetworkPort, "network port with uuid '%s' not found", uuid.UUID(ref.UUID))
	}
	return o, p, nil
}

// NetworkPortCreateXML creates a port (virNetworkPortCreateXML): with
// RECLAIM the plug is kept as given (a guest that was running when the
// daemon restarted).
func (c *conn) NetworkPortCreateXML(ctx context.Context, ref driver.NetworkRef, xml string, flags uint32) (driver.NetworkPortRef, error) {
	if flags&^(portCreateReclaim|portCreateValidate) != 0 {
		return driver.NetworkPortRef{}, virterr.New(virterr.InvalidArg, "unsupported flags (0x%x) in function networkPortCreateXML", flags&^(portCreateReclaim|portCreateValidate))
	}
	if err := c.denyReadOnly("virNetworkPortCreateXML"); err != nil {
		return driver.NetworkPortRef{}, err
	}
	p, err := networkport.Parse([]byte(xml))
	if err != nil {
		return driver.NetworkPortRef{}, err
	}
	if flags&portCreateValidate != 0 {
		if err := p.Validate(); err != nil {
			return driver.NetworkPortRef{}, err
		}
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.activeNet(ref)
	if err != nil {
		return driver.NetworkPortRef{}, err
	}
	if o.ports[p.UUID] != nil {
		return driver.NetworkPortRef{}, netErr(virterr.NetworkPortExist, "Network port with UUID %s already exists", p.UUID)
	}
	if flags&portCreateReclaim != 0 {
		if p.Plug.Type == networkport.PlugNone {
			return driver.NetworkPortRef{}, netErr(virterr.InternalError, "network port plug type must be set when reclaiming")
		}
		o.def.Connections++
	} else if err := d.allocatePort(ctx, o, p); err != nil {
		return driver.NetworkPortRef{}, err
	}
	if o.ports == nil {
		o.ports = map[uuid.UUID]*networkport.Def{}
	}
	o.ports[p.UUID] = p
	if err := d.savePort(o, p); err != nil {
		delete(o.ports, p.UUID)
		d.releasePort(ctx, o, p)
		return driver.NetworkPortRef{}, err
	}
	d.saveStatus(o)
	return o.portRef(p), nil
}

// NetworkPortLookupByUUID finds a port.
func (c *conn) NetworkPortLookupByUUID(ctx context.Context, ref driver.NetworkRef, u driver.UUID) (driver.NetworkPortRef, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, p, err := d.port(driver.NetworkPortRef{Net: ref, UUID: u})
	if err != nil {
		return driver.NetworkPortRef{}, err
	}
	return o.portRef(p), nil
}

// NetworkListAllPorts lists a network's ports, ordered by UUID.
func (c *conn) NetworkListAllPorts(ctx context.Context, ref driver.NetworkRef, needResults int32, flags uint32) (driver.NetworkListAllPortsRet, error) {
	if flags != 0 {
		return driver.NetworkListAllPortsRet{}, virterr.New(virterr.InvalidArg, "unsupported flags (0x%x) in function networkListAllPorts", flags)
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, err := d.activeNet(ref)
	if err != nil {
		return driver.NetworkListAllPortsRet{}, err
	}
	var ret driver.NetworkListAllPortsRet
	for _, p := range o.ports {
		if needResults != 0 {
			ret.Ports = append(ret.Ports, o.portRef(p))
		}
		ret.Ret++
	}
	sort.Slice(ret.Ports, func(i, j int) bool {
		return uuid.UUID(ret.Ports[i].UUID).String() < uuid.UUID(ret.Ports[j].UUID).String()
	})
	return ret, nil
}

// NetworkPortGetXMLDesc formats a port.
func (c *conn) NetworkPortGetXMLDesc(ctx context.Context, ref driver.NetworkPortRef, flags uint32) (string, error) {
	if flags != 0 {
		return "", virterr.New(virterr.InvalidArg, "unsupported flags (0x%x) in function networkPortGetXMLDesc", flags)
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	_, p, err := d.port(ref)
	if err != nil {
		return "", err
	}
	return p.Format(), nil
}

// NetworkPortDelete releases a port.
func (c *conn) NetworkPortDelete(ctx context.Context, ref driver.NetworkPortRef, flags uint32) error {
	if flags != 0 {
		return virterr.New(virterr.InvalidArg, "unsupported flags (0x%x) in function networkPortDelete", flags)
	}
	if err := c.denyReadOnly("virNetworkPortDelete"); err != nil {
		return err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, p, err := d.port(ref)
	if err != nil {
		return err
	}
	d.releasePort(ctx, o, p)
	delete(o.ports, p.UUID)
	os.Remove(filepath.Join(d.portDir(o.def.Name), p.UUID.String()+".xml"))
	d.saveStatus(o)
	return nil
}

// Port bandwidth parameters (VIR_NETWORK_PORT_BANDWIDTH_*).
var portParams = []string{"inbound.average", "inbound.peak", "inbound.burst", "inbound.floor",
	"outbound.average", "outbound.peak", "outbound.burst"}

// NetworkPortGetParameters reports a port's bandwidth.
func (c *conn) NetworkPortGetParameters(ctx context.Context, ref driver.NetworkPortRef, nparams int32, flags uint32) (driver.NetworkPortGetParametersRet, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	_, p, err := d.port(ref)
	if err != nil {
		return driver.NetworkPortGetParametersRet{}, err
	}
	var in, out [4]uint64
	if bw := p.Bandwidth; bw != nil {
		if bw.In != nil {
			in = [4]uint64{bw.In.Average, bw.In.Peak, bw.In.Burst, bw.In.Floor}
		}
		if bw.Out != nil {
			out = [4]uint64{bw.Out.Average, bw.Out.Peak, bw.Out.Burst}
		}
	}
	values := []uint64{in[0], in[1], in[2], in[3], out[0], out[1], out[2]}
	var ret driver.NetworkPortGetParametersRet
	ret.Nparams = int32(len(portParams))
	if nparams == 0 {
		return ret, nil
	}
	for i, name := range portParams {
		ret.Params = append(ret.Params, driver.TypedParam{Field: name,
			Value: driver.TypedParamValue{Type: driver.ParamUInt, UI: uint32(values[i])}})
	}
	return ret, nil
}

// NetworkPortSetParameters changes a port's bandwidth, re-accounting its
// floor.
func (c *conn) NetworkPortSetParameters(ctx context.Context, ref driver.NetworkPortRef, params []driver.TypedParam, flags uint32) error {
	if err := c.denyReadOnly("virNetworkPortSetParameters"); err != nil {
		return err
	}
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	o, p, err := d.port(ref)
	if err != nil {
		return err
	}
	bw := p.Bandwidth.Clone()
	if bw == nil {
		bw = &netdev.Bandwidth{}
	}
	for _, prm := range params {
		var v uint64
		switch prm.Value.Type {
		case driver.ParamUInt:
			v = uint64(prm.Value.UI)
		case driver.ParamULLong:
			v = prm.Value.UL
		default:
			return virterr.New(virterr.InvalidArg, "invalid type for parameter '%s'", prm.Field)
		}
		r := &bw.In
		if len(prm.Field) > 9 && prm.Field[:9] == "outbound." {
			r = &bw.Out
		}
		if *r == nil {
			*r = &netdev.Rate{}
		}
		switch prm.Field {
		case "inbound.average", "outbound.average":
			(*r).Average = v
		case "inbound.peak", "outbound.peak":
			(*r).Peak = v
		case "inbound.burst", "outbound.burst":
			(*r).Burst = v
		case "inbound.floor":
			(*r).Floor = v
		default:
			return virterr.New(virterr.InvalidArg, "parameter '%s' not supported", prm.Field)
		}
	}
	old := p.Bandwidth
	d.unplugBandwidth(ctx, o, p)
	p.Bandwidth = bw
	if err := d.plugBandwidth(ctx, o, p); err != nil {
		p.Bandwidth = old
		d.plugBandwidth(ctx, o, p)
		return err
	}
	d.savePort(o, p)
	return d.saveStatus(o)
}
