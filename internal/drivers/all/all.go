// Package all is the one place that knows every driver: it fills the
// registries that virt.Open and the daemon open connections through. No
// driver imports another; only this file imports them all.
package all

import (
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/network"
	"github.com/govirt/govirt/internal/drivers/nwfilter"
	"github.com/govirt/govirt/internal/drivers/qemu"
	"github.com/govirt/govirt/internal/drivers/remote"
	"github.com/govirt/govirt/internal/drivers/test"
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
