package qemu

import (
	"context"
	"fmt"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/netport"
)

func tc(args ...string) *cmdrun.Cmd { return &cmdrun.Cmd{Argv: append([]string{"tc"}, args...)} }

func tcRate(r *netdev.Rate) []string {
	args := []string{"rate", fmt.Sprintf("%dkbps", r.Average)}
	if r.Peak > 0 {
		args = append(args, "ceil", fmt.Sprintf("%dkbps", r.Peak))
	}
	if r.Burst > 0 {
		args = append(args, "burst", fmt.Sprintf("%dkb", r.Burst))
	}
	return args
}

// bandwidthCmds are virNetDevBandwidthSet's tc commands for a guest's
// device without hierarchical classes. egress shapes what leaves the
// host device (an HTB root), ingress polices what enters it. For a tap
// the guest's inbound is the tap's egress (swapped); a macvtap shares
// the host's view.
func bandwidthCmds(dev string, egress, ingress *netdev.Rate) []*cmdrun.Cmd {
	var cmds []*cmdrun.Cmd
	if egress != nil && egress.Average > 0 {
		cmds = append(cmds,
			tc("qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "1"),
			tc(append([]string{"class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb"}, tcRate(egress)...)...),
			tc("qdisc", "add", "dev", dev, "parent", "1:1", "handle", "2:", "sfq", "perturb", "10"),
			tc("filter", "add", "dev", dev, "parent", "1:0", "protocol", "all", "prio", "1", "handle", "1", "fw", "flowid", "1"))
	}
	if ingress != nil && ingress.Average > 0 {
		burst := ingress.Burst
		if burst == 0 {
			burst = ingress.Average
		}
		cmds = append(cmds,
			tc("qdisc", "add", "dev", dev, "ingress"),
			tc("filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32", "match", "u32", "0", "0",
				"police", "rate", fmt.Sprintf("%dkbps", ingress.Average), "burst", fmt.Sprintf("%dkb", burst),
				"mtu", "64kb", "drop", "flowid", ":1"))
	}
	return cmds
}

// applyBandwidth shapes an interface's host device with its actual
// <bandwidth> (from the port for type='network'); an inbound floor alone
// is the network's business.
func (d *Driver) applyBandwidth(ctx context.Context, h *hostNIC, bw *netdev.Bandwidth) error {
	if bw == nil || h.Ifname == "" {
		return nil
	}
	egress, ingress := bw.In, bw.Out
	if h.Actual == netport.TypeDirect || h.Actual == netport.TypeEthernet {
		egress, ingress = bw.Out, bw.In
	}
	cmds := bandwidthCmds(h.Ifname, egress, ingress)
	if len(cmds) == 0 {
		return nil
	}
	d.clearBandwidth(ctx, h.Ifname)
	for _, c := range cmds {
		if _, err := d.runner.Run(ctx, c); err != nil {
			d.clearBandwidth(ctx, h.Ifname)
			return err
		}
	}
	return nil
}

// clearBandwidth is virNetDevBandwidthClear: missing qdiscs are fine.
func (d *Driver) clearBandwidth(ctx context.Context, dev string) {
	for _, args := range [][]string{{"qdisc", "del", "dev", dev, "root"}, {"qdisc", "del", "dev", dev, "ingress"}} {
		c := tc(args...)
		c.OKExitCodes = []int{0, 1, 2}
		_, _ = d.runner.Run(ctx, c)
	}
}
