// Package all is the one place that knows every driver: it fills the
// registries that virt.Open and the daemon open connections through. No
// driver imports another; only this file imports them all.
package all

import (
	"context"
	"log/slog"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/network"
	"github.com/govirt/govirt/internal/drivers/nwfilter"
	"github.com/govirt/govirt/internal/drivers/qemu"
	"github.com/govirt/govirt/internal/drivers/remote"
	"github.com/govirt/govirt/internal/drivers/test"
	"github.com/govirt/govirt/virt/uri"
)

// Client is what a client process (virt.Open, govirsh) runs in process,
// as libvirt's client library does: the test driver, and the remote driver
// for everything else — qemu:///system and the other stateful drivers live
// in the daemon and are reached through it.
func Client() *driver.Registry {
	r := driver.NewRegistry()
	r.Register(test.Name, test.Open)
	r.Register(remote.Name, remote.Open)
	r.SetFallback(remote.Name)
	return r
}

// Configure places the daemon's stateful drivers under layout (govirtd
// --root); call it before Daemon and Start.
func Configure(layout daemon.Layout) {
	qemu.SetRoot(layout.Root)
	// Guest interfaces reach the network and nwfilter drivers through
	// their contracts, on connections the daemon's registry opens.
	qemu.SetOpener(func(ctx context.Context, s string) (*driver.Connection, error) {
		u, err := uri.Parse(s)
		if err != nil {
			return nil, err
		}
		return Daemon().Open(ctx, u, 0)
	})
	network.Configure(network.Config{Layout: layout})
	nwfilter.SetRoot(layout.Root)
}

// Start initialises the stateful drivers when the daemon starts, as
// libvirt's virStateInitialize does: the nwfilter driver defines the
// standard filters and re-applies saved bindings, the network driver
// reloads running networks and autostarts, the QEMU driver reconnects to
// running guests and autostarts domains — in that order, since guests need
// their networks and filters. A driver that cannot start is logged and its
// URIs fail when opened; the daemon keeps serving the others.
func Start(ctx context.Context, log *slog.Logger) {
	if _, err := nwfilter.System(ctx); err != nil {
		log.Warn("nwfilter driver unavailable", "err", err)
	}
	if _, err := network.System(ctx); err != nil {
		log.Warn("network driver unavailable", "err", err)
	}
	if _, err := qemu.System(ctx); err != nil {
		log.Warn("qemu driver unavailable", "err", err)
	}
}

// Daemon is what govirtd serves: every local driver. There is no fallback,
// so CONNECT_OPEN with an unknown scheme answers VIR_ERR_NO_CONNECT.
func Daemon() *driver.Registry {
	r := driver.NewRegistry()
	r.Register(test.Name, test.Open)
	r.Register(network.Name, network.Open)
	r.Register(nwfilter.Name, nwfilter.Open)
	r.Register(qemu.Name, qemu.Open)
	// The stateful network and nwfilter drivers also serve every
	// qemu:///system connection, as libvirt's shared drivers do.
	r.RegisterSecondary(driver.Secondary{URI: "network:///system", Open: network.Open})
	r.RegisterSecondary(driver.Secondary{URI: "nwfilter:///system", Open: nwfilter.Open})
	r.ShareSecondaries(qemu.Name)
	return r
}
