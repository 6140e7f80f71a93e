package firewall

import (
	"context"
	"errors"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Removal is what undoes an applied firewall: the recorded removal
// commands, newest rule first. It is stored in the owner's status XML and
// applied when the owner stops, so the rules removed are the ones that
// were added, whichever build added them.
type Removal struct {
	Backend Backend
	Cmds    []RemovalCmd
}

// RemovalCmd is one removal command.
type RemovalCmd struct {
	Layer Layer
	Args  []string
}

// Empty reports whether there is nothing to remove.
func (rm *Removal) Empty() bool { return rm == nil || len(rm.Cmds) == 0 }

// Argvs lists the removal commands as full command lines.
func (rm *Removal) Argvs() [][]string {
	var out [][]string
	for _, c := range rm.Cmds {
		cmd := &Cmd{Layer: c.Layer, Args: c.Args, backend: rm.Backend}
		out = append(out, cmd.Argv(false))
	}
	return out
}

// Apply runs every removal command. A rule may already be gone (a flushed
// table, a deleted chain), so failures do not stop the others; they are
// joined into the returned error.
func (rm *Removal) Apply(ctx context.Context, r cmdrun.Runner) error {
	if rm == nil {
		return nil
	}
	var errs []error
	for _, argv := range rm.Argvs() {
		if _, err := r.Run(ctx, cmdrun.New(argv...)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Format writes the removal as a <firewall> element:
//
//	<firewall backend='nftables'>
//	  <action layer='ipv4'>
//	    <args>
//	      <item>delete</item>
//	      …
func (rm *Removal) Format(buf *xmlbuf.Buffer) {
	if rm == nil {
		return
	}
	buf.AddLit("<firewall")
	buf.Attr("backend", string(rm.Backend))
	if len(rm.Cmds) == 0 {
		buf.AddLit("/>\n")
		return
	}
	buf.AddLit(">\n")
	buf.AdjustIndent(2)
	for _, c := range rm.Cmds {
		buf.AddLit("<action")
		buf.Attr("layer", string(c.Layer))
		buf.AddLit(">\n")
		buf.AdjustIndent(2)
		buf.AddLit("<args>\n")
		buf.AdjustIndent(2)
		for _, a := range c.Args {
			buf.EscapeString("<item>%s</item>\n", a)
		}
		buf.AdjustIndent(-2)
		buf.AddLit("</args>\n")
		buf.AdjustIndent(-2)
		buf.AddLit("</action>\n")
	}
	buf.AdjustIndent(-2)
	buf.AddLit("</firewall>\n")
}

// String is Format into a fresh buffer.
func (rm *Removal) String() string {
	buf := xmlbuf.New()
	rm.Format(buf)
	return buf.String()
}

// Parse reads a <firewall> document written by Format.
func Parse(data []byte) (*Removal, error) {
	n, err := xmltree.ParseRoot(data, "(firewall)", "firewall")
	if err != nil {
		return nil, err
	}
	return ParseNode(n)
}

// ParseNode reads a <firewall> element. Unknown backends and layers are
// refused: running commands for a tool nobody named would be a guess.
func ParseNode(n *xmltree.Node) (*Removal, error) {
	b, _ := n.Attr("backend")
	rm := &Removal{Backend: Backend(b)}
	switch rm.Backend {
	case Nftables, Iptables:
	default:
		return nil, virterr.NewFrom(virterr.FromFirewall, virterr.XMLError, "unknown firewall backend type '%s'", b)
	}
	for _, a := range n.ChildrenNamed("action") {
		l, _ := a.Attr("layer")
		c := RemovalCmd{Layer: Layer(l)}
		switch c.Layer {
		case Ethernet, IPv4, IPv6:
		default:
			return nil, virterr.NewFrom(virterr.FromFirewall, virterr.XMLError, "unknown firewall layer type '%s'", l)
		}
		args := a.Child("args")
		if args == nil {
			return nil, virterr.NewFrom(virterr.FromFirewall, virterr.XMLError, "missing firewall command arguments")
		}
		for _, item := range args.ChildrenNamed("item") {
			c.Args = append(c.Args, item.Text)
		}
		if len(c.Args) == 0 {
			return nil, virterr.NewFrom(virterr.FromFirewall, virterr.XMLError, "missing firewall command arguments")
		}
		rm.Cmds = append(rm.Cmds, c)
	}
	return rm, nil
}
