package netfw

import (
	"context"
	"os/exec"
	"sync"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/firewall"
	"github.com/govirt/govirt/internal/virtconf"
	"github.com/govirt/govirt/virt/virterr"
)

// Config is the firewall part of network.conf.
type Config struct {
	// Backend is firewall_backend; "" chooses automatically.
	Backend firewall.Backend
}

// ReadConfig reads firewall_backend from a network.conf (a missing file
// is an empty configuration).
func ReadConfig(path string) (Config, error) {
	c, err := virtconf.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return configFrom(c)
}

// ParseConfig reads firewall_backend from network.conf text.
func ParseConfig(data []byte, name string) (Config, error) {
	c, err := virtconf.Parse(data, name)
	if err != nil {
		return Config{}, err
	}
	return configFrom(c)
}

func configFrom(c *virtconf.Conf) (Config, error) {
	var cfg Config
	var b string
	if err := c.GetString("firewall_backend", &b); err != nil {
		return Config{}, err
	}
	switch firewall.Backend(b) {
	case "", firewall.Nftables, firewall.Iptables:
		cfg.Backend = firewall.Backend(b)
	default:
		return Config{}, virterr.New(virterr.InternalError, "unrecognized firewall_backend = '%s' set in network driver config file %s", b, c.Name)
	}
	return cfg, nil
}

// ChooseBackend resolves the configured backend: an explicit one must
// have its program installed; otherwise nftables when nft is available,
// else iptables. lookPath is exec.LookPath outside tests.
func ChooseBackend(cfg Config, lookPath func(string) (string, error)) (firewall.Backend, error) {
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	program := map[firewall.Backend]string{firewall.Nftables: "nft", firewall.Iptables: "iptables"}
	if cfg.Backend != "" {
		if _, err := lookPath(program[cfg.Backend]); err != nil {
			return "", virterr.New(virterr.InternalError, "firewall_backend setting '%s' in network driver config requires %s, which is not available", cfg.Backend, program[cfg.Backend])
		}
		return cfg.Backend, nil
	}
	for _, b := range []firewall.Backend{firewall.Nftables, firewall.Iptables} {
		if _, err := lookPath(program[b]); err == nil {
			return b, nil
		}
	}
	return "", virterr.New(virterr.InternalError, "could not find a usable firewall backend")
}

// Build returns the transaction that adds def's rules with backend,
// without running it.
func Build(backend firewall.Backend, def *network.Def) (*firewall.Firewall, error) {
	if backend == firewall.Iptables {
		return iptBuild(def)
	}
	return nftBuild(def)
}

// Setup returns the one-time set-up of the private chains of one layer.
func Setup(backend firewall.Backend, layer firewall.Layer, changed *bool) *firewall.Firewall {
	fw := firewall.New(backend)
	if backend == firewall.Iptables {
		iptSetup(fw, layer, changed)
	} else {
		nftSetup(fw, layer, changed)
	}
	return fw
}

// Manager adds and removes networks' rules on one host with one backend,
// setting up the private chains the first time they are needed.
type Manager struct {
	Backend firewall.Backend
	Runner  cmdrun.Runner

	mu      sync.Mutex
	setUp   bool
	errIPv4 error
	errIPv6 error
}

// ensureChains creates the private chains once per Manager (and again
// after Reload). A family whose set-up failed only fails the networks
// that use it.
func (m *Manager) ensureChains(ctx context.Context) {
	if m.setUp {
		return
	}
	m.setUp = true
	var changed bool
	_, m.errIPv4 = Setup(m.Backend, firewall.IPv4, &changed).Apply(ctx, m.Runner)
	_, m.errIPv6 = Setup(m.Backend, firewall.IPv6, &changed).Apply(ctx, m.Runner)
}

// Reload forgets that the chains were set up (after a firewall reload
// flushed them).
func (m *Manager) Reload() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setUp = false
}

// Add applies def's rules and returns their recorded removal, to be kept
// in the network's status and given to Remove when it stops. A failure
// removes whatever part was added.
func (m *Manager) Add(ctx context.Context, def *network.Def) (*firewall.Removal, error) {
	m.mu.Lock()
	m.ensureChains(ctx)
	errIPv4, errIPv6 := m.errIPv4, m.errIPv6
	m.mu.Unlock()
	if errIPv4 != nil && (len(ipsOf(def, "ipv4")) > 0 || hasRoute(def, true)) {
		return nil, errIPv4
	}
	if errIPv6 != nil && (len(ipsOf(def, "ipv6")) > 0 || hasRoute(def, false) || def.IPv6NoGateway) {
		return nil, errIPv6
	}
	if def.BridgeZone != "" {
		// govirt does not talk to firewalld, which is what a zone needs.
		return nil, virterr.New(virterr.InternalError, "zone %s requested for network %s but firewalld is not active", def.BridgeZone, def.Name)
	}
	fw, err := Build(m.Backend, def)
	if err != nil {
		return nil, err
	}
	return fw.Apply(ctx, m.Runner)
}

// Remove runs a network's recorded removals, whatever backend added them.
func (m *Manager) Remove(ctx context.Context, rm *firewall.Removal) error {
	return rm.Apply(ctx, m.Runner)
}

func hasRoute(def *network.Def, v4 bool) bool {
	for _, r := range def.Routes {
		if r.Address.IsValid() && r.Address.Is4() == v4 {
			return true
		}
	}
	return false
}
