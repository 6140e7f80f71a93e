package network

import (
	"net/netip"

	"github.com/govirt/govirt/internal/hostnet"
)

type (
	addr   = netip.Addr
	prefix = netip.Prefix
)

// netlinkHost is the real host.
type netlinkHost struct{}

func (netlinkHost) Exists(name string) bool { return hostnet.Exists(name) }
func (netlinkHost) CreateBridge(name string, opts hostnet.BridgeOptions) error {
	return hostnet.CreateBridge(name, opts)
}
func (netlinkHost) DeleteLink(name string) error        { return hostnet.DeleteLink(name) }
func (netlinkHost) SetUp(name string, up bool) error    { return hostnet.SetUp(name, up) }
func (netlinkHost) SetSTP(bridge string, on bool) error { return hostnet.SetSTP(bridge, on) }
func (netlinkHost) SetSTPDelay(bridge string, ms uint64) error {
	return hostnet.SetSTPDelay(bridge, ms)
}
func (netlinkHost) AddAddress(name string, a addr, p int) error {
	return hostnet.AddAddress(name, a, p)
}
func (netlinkHost) AddRoute(dev string, dst prefix, gw addr, metric int) error {
	return hostnet.AddRoute(dev, dst, gw, metric)
}
func (netlinkHost) Routes(v6 bool) ([]hostnet.Route, error) { return hostnet.Routes(v6) }
func (netlinkHost) Sysctl(key, value string) error          { return hostnet.Sysctl(key, value) }
