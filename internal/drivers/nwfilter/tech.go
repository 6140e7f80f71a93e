package nwfilter

import (
	"context"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/macaddr"
	conf "github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/ebiptables"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
	"github.com/govirt/govirt/internal/drivers/nwfilter/nft"
	"github.com/govirt/govirt/virt/virterr"
)

// technology is what the driver needs from a firewall backend (libvirt's
// virNWFilterTechDriver). Rules reach an interface in two steps so that
// a filter change on several interfaces is all or nothing: prepare puts
// the new rules beside the old ones (or, for a backend that switches
// atomically per interface, in place), then commit makes them the only
// ones, or abort goes back to previous.
type technology interface {
	name() string
	prepare(ctx context.Context, ifname string, rules []*gentech.RuleInst) error
	commit(ctx context.Context, ifname string) error
	abort(ctx context.Context, ifname string, previous []*gentech.RuleInst) error
	teardown(ctx context.Context, ifname string) error
	// learning installs the rules a guest has while its address is being
	// learned: its own MAC with IPv4 and ARP ("any"), or DHCP only.
	learning(ctx context.Context, ifname string, mac macaddr.MAC, mode gentech.Learning, dhcpServers []string) ([]*gentech.RuleInst, error)
	dropAll(ctx context.Context, ifname string) ([]*gentech.RuleInst, error)
}

func chooseTechnology(ctx context.Context, r cmdrun.Runner, backend string) (technology, error) {
	switch backend {
	case BackendNFT:
		return &nftTech{d: nft.New(r)}, nil
	case BackendEbiptables:
		return &ebiptablesTech{d: ebiptables.New(r)}, nil
	case "":
		if n := nft.New(r); n.Available(ctx) {
			return &nftTech{d: n}, nil
		}
		return &ebiptablesTech{d: ebiptables.New(r)}, nil
	}
	return nil, nwErr(virterr.ConfigUnsupported, "unknown firewall backend '%s'", backend)
}

// ebiptablesTech issues libvirt 9.0's ebtables/iptables commands.
type ebiptablesTech struct{ d *ebiptables.Driver }

func (t *ebiptablesTech) name() string { return BackendEbiptables }

func (t *ebiptablesTech) prepare(ctx context.Context, ifname string, rules []*gentech.RuleInst) error {
	return t.d.ApplyNewRules(ctx, ifname, rules)
}

func (t *ebiptablesTech) commit(ctx context.Context, ifname string) error {
	return t.d.TearOldRules(ctx, ifname)
}

func (t *ebiptablesTech) abort(ctx context.Context, ifname string, _ []*gentech.RuleInst) error {
	return t.d.TearNewRules(ctx, ifname)
}

func (t *ebiptablesTech) teardown(ctx context.Context, ifname string) error {
	if err := t.d.AllTeardown(ctx, ifname); err != nil {
		return err
	}
	return t.d.RemoveBasicRules(ctx, ifname)
}

func (t *ebiptablesTech) learning(ctx context.Context, ifname string, mac macaddr.MAC, mode gentech.Learning, servers []string) ([]*gentech.RuleInst, error) {
	if mode == "dhcp" {
		return nil, t.d.ApplyDHCPOnlyRules(ctx, ifname, mac, servers, false)
	}
	return nil, t.d.ApplyBasicRules(ctx, ifname, mac)
}

func (t *ebiptablesTech) dropAll(ctx context.Context, ifname string) ([]*gentech.RuleInst, error) {
	return nil, t.d.ApplyDropAllRules(ctx, ifname)
}

// nftTech keeps every interface's rules in one private nftables table;
// each change is one atomic transaction, so prepare already switches and
// abort re-applies what was there before.
type nftTech struct{ d *nft.Driver }

func (t *nftTech) name() string { return BackendNFT }

func (t *nftTech) prepare(ctx context.Context, ifname string, rules []*gentech.RuleInst) error {
	return t.d.Apply(ctx, ifname, rules)
}

func (t *nftTech) commit(context.Context, string) error { return nil }

func (t *nftTech) abort(ctx context.Context, ifname string, previous []*gentech.RuleInst) error {
	if len(previous) == 0 {
		return t.d.Teardown(ctx, ifname)
	}
	return t.d.Apply(ctx, ifname, previous)
}

func (t *nftTech) teardown(ctx context.Context, ifname string) error {
	return t.d.Teardown(ctx, ifname)
}

func (t *nftTech) learning(ctx context.Context, ifname string, mac macaddr.MAC, mode gentech.Learning, servers []string) ([]*gentech.RuleInst, error) {
	name := learnBasicFilter
	vars := conf.Params{gentech.VarMAC: {mac.String()}}
	if mode == "dhcp" {
		name = learnDHCPFilter
		if len(servers) > 0 {
			name = learnDHCPServerFilter
			vars[gentech.VarDHCPServer] = append([]string(nil), servers...)
		}
	}
	rules, err := learningRules(name, vars)
	if err != nil {
		return nil, err
	}
	return rules, t.d.Apply(ctx, ifname, rules)
}

func (t *nftTech) dropAll(ctx context.Context, ifname string) ([]*gentech.RuleInst, error) {
	rules, err := learningRules(dropAllFilter, conf.Params{})
	if err != nil {
		return nil, err
	}
	return rules, t.d.Apply(ctx, ifname, rules)
}

// The rules of the learning phase, for backends that take rule
// instances, written in the filter language with the meaning of
// libvirt's applyBasicRules, applyDHCPOnlyRules and applyDropAllRules.
const (
	learnBasicFilter      = "govirt-learn-basic"
	learnDHCPFilter       = "govirt-learn-dhcp"
	learnDHCPServerFilter = "govirt-learn-dhcp-server"
	dropAllFilter         = "govirt-drop-all"
)

var learningFilterXML = map[string]string{
	learnBasicFilter: `<filter name='govirt-learn-basic' chain='root'>
  <rule action='drop' direction='out' priority='-900'>
    <mac match='no' srcmacaddr='$MAC'/>
  </rule>
  <rule action='accept' direction='out' priority='-800'>
    <mac protocolid='ipv4'/>
  </rule>
  <rule action='accept' direction='out' priority='-800'>
    <mac protocolid='arp'/>
  </rule>
  <rule action='drop' direction='out' priority='1000'/>
</filter>`,
	learnDHCPFilter: `<filter name='govirt-learn-dhcp' chain='root'>
  <rule action='accept' direction='out' priority='-800'>
    <ip srcmacaddr='$MAC' protocol='udp' srcportstart='68' dstportstart='67'/>
  </rule>
  <rule action='drop' direction='out' priority='1000'/>
  <rule action='accept' direction='in' priority='-800'>
    <ip protocol='udp' srcportstart='67' dstportstart='68'/>
  </rule>
  <rule action='drop' direction='in' priority='1000'/>
</filter>`,
	learnDHCPServerFilter: `<filter name='govirt-learn-dhcp-server' chain='root'>
  <rule action='accept' direction='out' priority='-800'>
    <ip srcmacaddr='$MAC' protocol='udp' srcportstart='68' dstportstart='67'/>
  </rule>
  <rule action='drop' direction='out' priority='1000'/>
  <rule action='accept' direction='in' priority='-800'>
    <ip protocol='udp' srcipaddr='$DHCPSERVER' srcportstart='67' dstportstart='68'/>
  </rule>
  <rule action='drop' direction='in' priority='1000'/>
</filter>`,
	dropAllFilter: `<filter name='govirt-drop-all' chain='root'>
  <rule action='drop' direction='inout' priority='1000'/>
</filter>`,
}

func learningRules(name string, vars conf.Params) ([]*gentech.RuleInst, error) {
	def, err := conf.Parse([]byte(learningFilterXML[name]))
	if err != nil {
		return nil, err
	}
	return gentech.DefToInst(gentech.FilterMap{name: def}, def, vars)
}
