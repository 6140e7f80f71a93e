// Package tc shapes host network devices with tc(8), as libvirt's
// virnetdevbandwidth.c does: an HTB root with an SFQ leaf for what leaves
// a device, a policing ingress filter for what enters it, and per-port
// floor classes under a network bridge's hierarchy. Commands go through
// cmdrun so that drivers can record them in tests.
package tc

import (
	"context"
	"fmt"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/netdev"
)

// Cmd is one tc invocation.
func Cmd(args ...string) *cmdrun.Cmd { return cmdrun.New(append([]string{"tc"}, args...)...) }

// tolerant is a tc deletion whose target may be missing.
func tolerant(args ...string) *cmdrun.Cmd {
	c := Cmd(args...)
	c.OKExitCodes = []int{0, 1, 2}
	return c
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

// BandwidthCmds are virNetDevBandwidthSet's commands for dev. egress
// shapes what leaves the device, ingress polices what enters it; the
// caller decides which of a <bandwidth>'s inbound/outbound is which (a
// guest's tap sees them swapped). With hierarchical, egress traffic goes
// through class 1:1 (the whole rate) to the default class 1:2, so that
// ports with a floor can get classes of their own under 1:1.
func BandwidthCmds(dev string, egress, ingress *netdev.Rate, hierarchical bool) []*cmdrun.Cmd {
	var cmds []*cmdrun.Cmd
	if egress != nil && egress.Average > 0 {
		deflt, leaf := "1", "1:1"
		if hierarchical {
			deflt, leaf = "2", "1:2"
		}
		rate := rateArgs(egress)
		cmds = append(cmds,
			Cmd("qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", deflt),
			Cmd(append([]string{"class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb"}, rate...)...))
		if hierarchical {
			cmds = append(cmds, Cmd(append([]string{"class", "add", "dev", dev, "parent", "1:1", "classid", "1:2", "htb"}, rate...)...))
		}
		cmds = append(cmds,
			Cmd("qdisc", "add", "dev", dev, "parent", leaf, "handle", "2:", "sfq", "perturb", "10"),
			Cmd("filter", "add", "dev", dev, "parent", "1:0", "protocol", "all", "prio", "1", "handle", "1", "fw", "flowid", "1"))
	}
	if ingress != nil && ingress.Average > 0 {
		burst := ingress.Burst
		if burst == 0 {
			burst = ingress.Average
		}
		cmds = append(cmds,
			Cmd("qdisc", "add", "dev", dev, "ingress"),
			Cmd("filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32", "match", "u32", "0", "0",
				"police", "rate", fmt.Sprintf("%dkbps", ingress.Average), "burst", fmt.Sprintf("%dkb", burst),
				"mtu", "64kb", "drop", "flowid", ":1"))
	}
	return cmds
}

// Apply replaces dev's shaping with cmds: it clears what is there, runs
// cmds in order and, if one fails, clears again so that no half-built
// hierarchy is left behind.
func Apply(ctx context.Context, r cmdrun.Runner, dev string, cmds []*cmdrun.Cmd) error {
	Clear(ctx, r, dev)
	for _, c := range cmds {
		if _, err := r.Run(ctx, c); err != nil {
			Clear(ctx, r, dev)
			return err
		}
	}
	return nil
}

// Clear is virNetDevBandwidthClear: both qdiscs go, and missing ones are
// fine.
func Clear(ctx context.Context, r cmdrun.Runner, dev string) {
	_, _ = r.Run(ctx, tolerant("qdisc", "del", "dev", dev, "root"))
	_, _ = r.Run(ctx, tolerant("qdisc", "del", "dev", dev, "ingress"))
}

func classID(id uint) string { return fmt.Sprintf("1:%x", id) }

// PlugClass gives a port class id under a hierarchical bridge's 1:1
// with a guaranteed rate of floor and a ceiling of ceil kbps
// (virNetDevBandwidthPlug). A failure removes what was added.
func PlugClass(ctx context.Context, r cmdrun.Runner, bridge string, id uint, floor, ceil uint64) error {
	cls := classID(id)
	cmds := []*cmdrun.Cmd{
		Cmd("class", "add", "dev", bridge, "parent", "1:1", "classid", cls, "htb",
			"rate", fmt.Sprintf("%dkbps", floor), "ceil", fmt.Sprintf("%dkbps", ceil)),
		Cmd("qdisc", "add", "dev", bridge, "parent", cls, "handle", fmt.Sprintf("%x:", id), "sfq", "perturb", "10"),
	}
	for _, c := range cmds {
		if _, err := r.Run(ctx, c); err != nil {
			UnplugClass(ctx, r, bridge, id)
			return err
		}
	}
	return nil
}

// UnplugClass removes a port's class and its qdisc
// (virNetDevBandwidthUnplug); missing ones are fine.
func UnplugClass(ctx context.Context, r cmdrun.Runner, bridge string, id uint) {
	cls := classID(id)
	_, _ = r.Run(ctx, tolerant("qdisc", "del", "dev", bridge, "parent", cls, "handle", fmt.Sprintf("%x:", id)))
	_, _ = r.Run(ctx, tolerant("class", "del", "dev", bridge, "classid", cls))
}
