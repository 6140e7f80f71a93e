package network

import (
	"context"

	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/internal/tc"
	"github.com/govirt/govirt/virt/virterr"
)

// setBridgeBandwidth shapes the network's bridge; the classes are
// hierarchical so that ports can be given floors.
func (d *Driver) setBridgeBandwidth(ctx context.Context, def *network.Def) error {
	var in, out *netdev.Rate
	if def.Bandwidth != nil {
		in, out = def.Bandwidth.In, def.Bandwidth.Out
	}
	return tc.Apply(ctx, d.runner, def.Bridge, tc.BandwidthCmds(def.Bridge, in, out, true))
}

// plugBandwidth accounts a port's inbound floor against the network's
// inbound average (networkCheckBandwidth, networkPlugBandwidth) and gives
// the port a class of its own under the network's.
func (d *Driver) plugBandwidth(ctx context.Context, o *netObj, p *networkport.Def) error {
	if !p.Bandwidth.HasFloor() {
		return nil
	}
	netBw := o.def.Bandwidth
	if netBw == nil || netBw.In == nil || netBw.In.Average == 0 {
		return netErr(virterr.ConfigUnsupported, "Invalid use of 'floor' on interface with MAC address %s - network '%s' has no inbound QoS set", p.MAC, o.def.Name)
	}
	floor := p.Bandwidth.In.Floor
	if o.floorSum+floor > netBw.In.Average {
		return netErr(virterr.OperationInvalid, "Cannot plug '%s' interface into '%s' because new combined inbound floor=%d would overcommit inbound average=%d",
			p.MAC, o.def.Bridge, o.floorSum+floor, netBw.In.Average)
	}
	id := uint(3)
	for o.classIDs[id] {
		id++
	}
	ceil := netBw.In.Peak
	if ceil == 0 {
		ceil = netBw.In.Average
	}
	if err := tc.PlugClass(ctx, d.runner, o.def.Bridge, id, floor, ceil); err != nil {
		return err
	}
	if o.classIDs == nil {
		o.classIDs = map[uint]bool{}
	}
	o.classIDs[id] = true
	o.floorSum += floor
	p.ClassID = id
	return nil
}

// unplugBandwidth gives a port's floor back to the network.
func (d *Driver) unplugBandwidth(ctx context.Context, o *netObj, p *networkport.Def) {
	if p.ClassID == 0 || !o.classIDs[p.ClassID] {
		return
	}
	tc.UnplugClass(ctx, d.runner, o.def.Bridge, p.ClassID)
	delete(o.classIDs, p.ClassID)
	if p.Bandwidth.HasFloor() && o.floorSum >= p.Bandwidth.In.Floor {
		o.floorSum -= p.Bandwidth.In.Floor
	}
	p.ClassID = 0
}
