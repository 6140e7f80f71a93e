package network

import (
	"context"
	"fmt"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/conf/networkport"
	"github.com/govirt/govirt/virt/virterr"
)

// bandwidthCmds are the tc commands that shape an interface
// (virNetDevBandwidthSet). With hierarchical, inbound traffic goes
// through class 1:1 (the network's whole rate) to the default class 1:2,
// so ports with a floor get classes of their own under 1:1.
func bandwidthCmds(dev string, bw *netdev.Bandwidth, hierarchical bool) []*cmdrun.Cmd {
	var cmds []*cmdrun.Cmd
	if bw == nil {
		return nil
	}
	if in := bw.In; in != nil && in.Average > 0 {
		deflt := "1"
		if hierarchical {
			deflt = "2"
		}
		cmds = append(cmds, tcCmd("qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", deflt))
		rate := rateArgs(in)
		cmds = append(cmds, tcCmd(append([]string{"class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb"}, rate...)...))
		if hierarchical {
			cmds = append(cmds, tcCmd(append([]string{"class", "add", "dev", dev, "parent", "1:1", "classid", "1:2", "htb"}, rate...)...))
		}
		leaf := "1:1"
		if hierarchical {
			leaf = "1:2"
		}
		cmds = append(cmds, tcCmd("qdisc", "add", "dev", dev, "parent", leaf, "handle", "2:", "sfq", "perturb", "10"))
		cmds = append(cmds, tcCmd("filter", "add", "dev", dev, "parent", "1:0", "protocol", "all", "prio", "1", "handle", "1", "fw", "flowid", "1"))
	}
	if out := bw.Out; out != nil && out.Average > 0 {
		burst := out.Burst
		if burst == 0 {
			burst = out.Average
		}
		cmds = append(cmds, tcCmd("qdisc", "add", "dev", dev, "ingress"))
		cmds = append(cmds, tcCmd("filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32",
			"match", "u32", "0", "0", "police", "rate", fmt.Sprintf("%dkbps", out.Average),
			"burst", fmt.Sprintf("%dkb", burst), "mtu", "64kb", "drop", "flowid", ":1"))
	}
	return cmds
}

func rateArgs(r *netdev.Rate) []string {
	args := []string{"rate", fmt.Sprintf("%dkbps", r.Average)}
	if r.Peak > 0 {
		args = append(args, "ceil", fmt.Sprintf("%dkbps", r.Peak))
	}
	if r.Burst > 0 {
		args = append(args, "burst", fmt.Sprintf("%dkb", r.Burst))
	}
	return args
}

// setBridgeBandwidth shapes the network's bridge; the classes are
// hierarchical so that ports can be given floors.
func (d *Driver) setBridgeBandwidth(ctx context.Context, def *network.Def) error {
	d.clearBandwidth(ctx, def.Bridge)
	for _, c := range bandwidthCmds(def.Bridge, def.Bandwidth, true) {
		if _, err := d.runner.Run(ctx, c); err != nil {
			d.clearBandwidth(ctx, def.Bridge)
			return err
		}
	}
	return nil
}

// clearBandwidth removes any shaping (virNetDevBandwidthClear); missing
// qdiscs are fine.
func (d *Driver) clearBandwidth(ctx context.Context, dev string) {
	for _, args := range [][]string{{"qdisc", "del", "dev", dev, "root"}, {"qdisc", "del", "dev", dev, "ingress"}} {
		c := tcCmd(args...)
		c.OKExitCodes = []int{0, 1, 2}
		d.runner.Run(ctx, c)
	}
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
	cls := fmt.Sprintf("1:%x", id)
	cmds := []*cmdrun.Cmd{
		tcCmd("class", "add", "dev", o.def.Bridge, "parent", "1:1", "classid", cls, "htb",
			"rate", fmt.Sprintf("%dkbps", floor), "ceil", fmt.Sprintf("%dkbps", ceil)),
		tcCmd("qdisc", "add", "dev", o.def.Bridge, "parent", cls, "handle", fmt.Sprintf("%x:", id), "sfq", "perturb", "10"),
	}
	for _, c := range cmds {
		if _, err := d.runner.Run(ctx, c); err != nil {
			d.unplugClass(ctx, o.def.Bridge, id)
			return err
		}
	}
	if o.classIDs == nil {
		o.classIDs = map[uint]bool{}
	}
	o.classIDs[id] = true
	o.floorSum += floor
	p.ClassID = id
	return nil
}

func (d *Driver) unplugClass(ctx context.Context, bridge string, id uint) {
	cls := fmt.Sprintf("1:%x", id)
	for _, args := range [][]string{
		{"qdisc", "del", "dev", bridge, "parent", cls, "handle", fmt.Sprintf("%x:", id)},
		{"class", "del", "dev", bridge, "classid", cls},
	} {
		c := tcCmd(args...)
		c.OKExitCodes = []int{0, 1, 2}
		d.runner.Run(ctx, c)
	}
}

// unplugBandwidth gives a port's floor back to the network.
func (d *Driver) unplugBandwidth(ctx context.Context, o *netObj, p *networkport.Def) {
	if p.ClassID == 0 || !o.classIDs[p.ClassID] {
		return
	}
	d.unplugClass(ctx, o.def.Bridge, p.ClassID)
	delete(o.classIDs, p.ClassID)
	if p.Bandwidth.HasFloor() && o.floorSum >= p.Bandwidth.In.Floor {
		o.floorSum -= p.Bandwidth.In.Floor
	}
	p.ClassID = 0
}
