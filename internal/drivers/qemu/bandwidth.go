package qemu

import (
	"context"

	"github.com/govirt/govirt/internal/conf/netdev"
	"github.com/govirt/govirt/internal/netport"
	"github.com/govirt/govirt/internal/tc"
)

// applyBandwidth shapes an interface's host device with its actual
// <bandwidth> (from the port for type='network'); an inbound floor alone
// is the network's business. A tap carries the guest's inbound traffic
// out of the host device, so in/out are swapped with respect to the
// device; a macvtap or an ethernet device shares the host's view.
func (d *Driver) applyBandwidth(ctx context.Context, h *hostNIC, bw *netdev.Bandwidth) error {
	if bw == nil || h.Ifname == "" {
		return nil
	}
	egress, ingress := bw.In, bw.Out
	if h.Actual == netport.TypeDirect || h.Actual == netport.TypeEthernet {
		egress, ingress = bw.Out, bw.In
	}
	cmds := tc.BandwidthCmds(h.Ifname, egress, ingress, false)
	if len(cmds) == 0 {
		return nil
	}
	return tc.Apply(ctx, d.runner, h.Ifname, cmds)
}
