// Package firewall is libvirt's virFirewall in Go: a transaction of command
// groups for nft, iptables, ip6tables and ebtables, run through cmdrun,
// with rollback when a group fails. Every rule a group with AutoRollback
// adds is recorded as the command that removes it (nft's rule handle, or
// iptables' --delete twin), so a caller can store those removals with the
// object that owns the rules and later remove exactly what was added.
package firewall

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/virt/virterr"
)

// Backend is the firewall tool family a transaction speaks.
type Backend string

const (
	// Nftables runs every layer through nft.
	Nftables Backend = "nftables"
	// Iptables runs iptables, ip6tables and ebtables.
	Iptables Backend = "iptables"
)

// Layer is the protocol layer a command acts on (virFirewallLayer).
type Layer string

const (
	Ethernet Layer = "ethernet"
	IPv4     Layer = "ipv4"
	IPv6     Layer = "ipv6"
)

// GroupFlags are virFirewallTransactionFlags.
type GroupFlags uint

const (
	// IgnoreErrors lets every command of the group fail without failing
	// the transaction (VIR_FIREWALL_TRANSACTION_IGNORE_ERRORS).
	IgnoreErrors GroupFlags = 1 << iota
	// AutoRollback records, for each rule the group adds, the command
	// that removes it (VIR_FIREWALL_TRANSACTION_AUTO_ROLLBACK).
	AutoRollback
)

// QueryFunc receives a command's output lines and may add commands to the
// group being applied; they run after the commands already queued.
type QueryFunc func(g *Group, lines []string) error

// Cmd is one command: its layer and the arguments after the program name.
type Cmd struct {
	Layer        Layer
	Args         []string
	IgnoreErrors bool
	Query        QueryFunc
	backend      Backend
}

// Argv is the full command line, program first. iptables-family tools get
// their lock-wait option ("-w", ebtables' "--concurrent") as libvirt adds
// it; nft rules added by an AutoRollback group get "-ae" so nft echoes the
// new rule's handle.
func (c *Cmd) Argv(autoRollback bool) []string {
	switch c.backend {
	case Nftables:
		argv := []string{"nft"}
		if autoRollback && isNftRuleAdd(c.Args) {
			argv = append(argv, "-ae")
		}
		return append(argv, c.Args...)
	default:
		switch c.Layer {
		case Ethernet:
			return append([]string{"ebtables", "--concurrent"}, c.Args...)
		case IPv6:
			return append([]string{"ip6tables", "-w"}, c.Args...)
		default:
			return append([]string{"iptables", "-w"}, c.Args...)
		}
	}
}

func isNftRuleAdd(args []string) bool {
	return len(args) >= 5 && (args[0] == "insert" || args[0] == "add") && args[1] == "rule"
}

// Group is one transaction: commands applied in order, and the commands
// that undo them.
type Group struct {
	Flags    GroupFlags
	Cmds     []*Cmd
	Rollback []*Cmd
	backend  Backend
}

// Add queues a command and returns it so callers can append arguments.
func (g *Group) Add(layer Layer, args ...string) *Cmd {
	c := &Cmd{Layer: layer, Args: args, backend: g.backend}
	g.Cmds = append(g.Cmds, c)
	return c
}

// AddQuery queues a command whose output q inspects.
func (g *Group) AddQuery(layer Layer, ignoreErrors bool, q QueryFunc, args ...string) *Cmd {
	c := g.Add(layer, args...)
	c.IgnoreErrors = ignoreErrors
	c.Query = q
	return c
}

// AddRollback adds an explicit undo command (virFirewallAddRollbackCmd).
func (g *Group) AddRollback(layer Layer, args ...string) {
	g.Rollback = append(g.Rollback, &Cmd{Layer: layer, Args: args, backend: g.backend})
}

// Firewall is a sequence of groups for one backend (virFirewall).
type Firewall struct {
	Backend Backend
	Groups  []*Group
}

// New returns an empty firewall for backend.
func New(b Backend) *Firewall { return &Firewall{Backend: b} }

// StartTransaction begins a new group; commands added through the
// Firewall go to it.
func (fw *Firewall) StartTransaction(flags GroupFlags) *Group {
	g := &Group{Flags: flags, backend: fw.Backend}
	fw.Groups = append(fw.Groups, g)
	return g
}

func (fw *Firewall) current() *Group {
	if len(fw.Groups) == 0 {
		return fw.StartTransaction(0)
	}
	return fw.Groups[len(fw.Groups)-1]
}

// Add queues a command in the current group.
func (fw *Firewall) Add(layer Layer, args ...string) *Cmd { return fw.current().Add(layer, args...) }

// AddArgs appends arguments to a queued command (virFirewallCmdAddArgList).
func (c *Cmd) AddArgs(args ...string) *Cmd {
	c.Args = append(c.Args, args...)
	return c
}

// Apply runs the groups in order. When a group fails, its own rollback and
// that of every earlier group run (last first, errors ignored) and the
// failure is returned. On success the returned Removal holds the recorded
// removals of every group, to be applied later to undo the whole firewall.
func (fw *Firewall) Apply(ctx context.Context, r cmdrun.Runner) (*Removal, error) {
	for i, g := range fw.Groups {
		if err := g.apply(ctx, r); err != nil {
			for j := i; j >= 0; j-- {
				fw.Groups[j].rollback(ctx, r)
			}
			return nil, err
		}
	}
	rm := &Removal{Backend: fw.Backend}
	for i := len(fw.Groups) - 1; i >= 0; i-- {
		for _, c := range fw.Groups[i].Rollback {
			rm.Cmds = append(rm.Cmds, RemovalCmd{Layer: c.Layer, Args: slices.Clone(c.Args)})
		}
	}
	return rm, nil
}

func (g *Group) apply(ctx context.Context, r cmdrun.Runner) error {
	auto := g.Flags&AutoRollback != 0
	// Queries may queue more commands, so the length is re-read.
	for i := 0; i < len(g.Cmds); i++ {
		c := g.Cmds[i]
		out, err := run(ctx, r, c, auto)
		if err != nil {
			if g.Flags&IgnoreErrors != 0 || c.IgnoreErrors {
				continue
			}
			return err
		}
		if c.Query != nil {
			if err := c.Query(g, splitLines(out)); err != nil {
				return err
			}
		}
		if auto {
			undo, err := removalFor(c, out)
			if err != nil {
				return err
			}
			if undo != nil {
				// Undo in reverse: the newest rule goes first.
				g.Rollback = append([]*Cmd{undo}, g.Rollback...)
			}
		}
	}
	return nil
}

func (g *Group) rollback(ctx context.Context, r cmdrun.Runner) {
	for _, c := range g.Rollback {
		_, _ = run(ctx, r, c, false)
	}
}

func run(ctx context.Context, r cmdrun.Runner, c *Cmd, auto bool) (string, error) {
	res, err := r.Run(ctx, cmdrun.New(c.Argv(auto)...))
	if err != nil {
		// nft fails to list a table that does not exist yet; libvirt
		// treats that as an empty listing.
		var exit *cmdrun.ExitError
		if c.backend == Nftables && len(c.Args) > 0 && c.Args[0] == "list" && errors.As(err, &exit) {
			return "", nil
		}
		return "", err
	}
	return string(res.Stdout), nil
}

func splitLines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

var nftHandle = regexp.MustCompile(`# handle ([0-9]+)`)

// removalFor gives the command that removes the rule c just added, or nil
// when c adds nothing that needs removing.
func removalFor(c *Cmd, output string) (*Cmd, error) {
	switch c.backend {
	case Nftables:
		if !isNftRuleAdd(c.Args) {
			return nil, nil
		}
		m := nftHandle.FindStringSubmatch(output)
		if m == nil {
			return nil, virterr.NewFrom(virterr.FromFirewall, virterr.InternalError,
				"couldn't register rollback command - command '%s' had no valid handle in output ('%s')",
				strings.Join(c.Argv(true), " "), strings.TrimSpace(output))
		}
		return &Cmd{Layer: c.Layer, backend: c.backend,
			Args: []string{"delete", "rule", c.Args[2], c.Args[3], c.Args[4], "handle", m[1]}}, nil
	default:
		for i, a := range c.Args {
			switch a {
			case "--insert", "-I", "--append", "-A":
				args := slices.Clone(c.Args)
				args[i] = "--delete"
				// "--insert CHAIN POS" names a position --delete would
				// read as a rule number; iptables rules here never use one.
				return &Cmd{Layer: c.Layer, backend: c.backend, Args: args}, nil
			case "--new-chain", "-N":
				args := slices.Clone(c.Args)
				args[i] = "--delete-chain"
				return &Cmd{Layer: c.Layer, backend: c.backend, Args: args}, nil
			}
		}
		return nil, nil
	}
}
