package nwfilter

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Filter chain priorities: a filter's priority must lie in [-1000, 1000].
const (
	MinFilterPriority = -1000
	MaxFilterPriority = 1000
)

// maxChainSuffixSize is the longest chain name ebtables leaves room for.
const maxChainSuffixSize = 12

const validChainName = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-"

// chainPrefixes are the names a filter's chain may start with, in
// libvirt's order; "root" is only allowed whole.
var chainPrefixes = []string{"root", "mac", "vlan", "stp", "arp", "rarp", "ipv4", "ipv6"}

// defaultChainPriority is the priority a chain gets when the filter names
// none; a chain prefix not listed here gets 0.
var defaultChainPriority = map[string]int{
	"root": 0,
	"mac":  -800,
	"vlan": -750,
	"ipv4": -700,
	"ipv6": -600,
	"arp":  -500,
	"rarp": -400,
}

// Entry is one child of a filter: a rule or a reference to another filter.
// Exactly one of Rule and Ref is set.
type Entry struct {
	Rule *Rule
	Ref  *FilterRef
}

// Def is a network filter: <filter name chain priority>.
type Def struct {
	Name string
	UUID uuid.UUID
	// UUIDSpecified is false when the document had no <uuid> and one was
	// generated.
	UUIDSpecified bool
	// Chain is the chain the filter's rules go to ("root", "ipv4", "arp-xyz" …).
	Chain string
	// ChainPriority orders the chain among the others; 0 is not written.
	ChainPriority int
	Entries       []Entry
}

// Parse reads a network filter document as virNWFilterDefParse does.
func Parse(data []byte) (*Def, error) {
	root, err := xmltree.ParseFrom(data, "(nwfilter_definition)", virterr.FromNwfilter)
	if err != nil {
		return nil, err
	}
	return ParseNode(root)
}

// ParseNode reads a <filter> element.
func ParseNode(n *xmltree.Node) (*Def, error) {
	if n.Name != "filter" {
		return nil, nwError(virterr.XMLError, "unknown root element for nw filter")
	}
	def := &Def{Name: n.Prop("name")}
	if def.Name == "" {
		return nil, nwError(virterr.InternalError, "filter has no name")
	}

	prioText := n.Prop("priority")
	prio := 0
	if prioText != "" {
		p, err := strconv.ParseInt(strings.TrimLeft(prioText, " \t\n\v\f\r"), 10, 32)
		if err != nil {
			return nil, nwError(virterr.InvalidArg, "Could not parse chain priority '%s'", prioText)
		}
		prio = int(p)
		if prio < MinFilterPriority || prio > MaxFilterPriority {
			return nil, nwError(virterr.InvalidArg, "Priority '%d' is outside valid range of [%d,%d]", prio, MinFilterPriority, MaxFilterPriority)
		}
	}

	if chain := n.Prop("chain"); chain != "" {
		prefix, err := allowedChainPrefix(chain)
		if err != nil {
			return nil, err
		}
		def.Chain = chain
		if prioText != "" {
			def.ChainPriority = prio
		} else {
			def.ChainPriority = defaultChainPriority[prefix]
		}
	} else {
		// libvirt ignores a priority given without a chain.
		def.Chain = "root"
	}

	if text := uuidText(n); text != "" {
		u, err := uuid.Parse(text)
		if err != nil {
			return nil, nwError(virterr.XMLError, "malformed uuid element")
		}
		def.UUID = u
		def.UUIDSpecified = true
	} else {
		def.UUID = uuid.New()
	}

	for _, c := range n.Children {
		switch c.Name {
		case "rule":
			r, err := parseRule(c)
			if err != nil {
				return nil, err
			}
			def.Entries = append(def.Entries, Entry{Rule: r})
		case "filterref":
			if _, ok := c.Attr("filter"); !ok {
				// libvirt's wording, copied from the rule check
				return nil, nwError(virterr.InternalError, "rule node requires action attribute")
			}
			ref := ParseFilterRef(c)
			def.Entries = append(def.Entries, Entry{Ref: &ref})
		}
	}
	return def, nil
}

// uuidText is the text of the first <uuid> child (XPath string(./uuid)).
func uuidText(n *xmltree.Node) string {
	if u := n.Child("uuid"); u != nil {
		return u.Text
	}
	return ""
}

// allowedChainPrefix checks a chain name as virNWFilterIsAllowedChain
// does and returns the known prefix it starts with.
func allowedChainPrefix(chain string) (string, error) {
	if len(chain) > maxChainSuffixSize {
		return "", nwError(virterr.InvalidArg, "Name of chain is longer than %d characters", maxChainSuffixSize)
	}
	if !onlyFrom(chain, validChainName) {
		return "", nwError(virterr.InvalidArg, "Chain name contains invalid characters")
	}
	for _, p := range chainPrefixes {
		if p == "root" {
			if chain == p {
				return p, nil
			}
			if strings.HasPrefix(chain, p) {
				// libvirt fails here without saying why
				break
			}
			continue
		}
		if strings.HasPrefix(chain, p) {
			return p, nil
		}
	}
	return "", nwError(virterr.InvalidArg,
		"Invalid chain name '%s'. Please use a chain name called '%s' or any of the following prefixes: %s",
		chain, "root", strings.Join(chainPrefixes[1:], ", "))
}

// Validate checks what must hold before a filter is instantiated. libvirt
// runs the rule check while parsing; govirt runs it at define time so that
// saved filters always load.
func (d *Def) Validate() error {
	for _, e := range d.Entries {
		if e.Rule != nil {
			if err := e.Rule.Validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Format writes the filter as virNWFilterDefFormat does.
func (d *Def) Format() string {
	b := xmlbuf.New()
	b.Asprintf("<filter name='%s' chain='%s'", xmlbuf.Escape(d.Name), xmlbuf.Escape(d.Chain))
	if d.ChainPriority != 0 {
		b.Asprintf(" priority='%d'", d.ChainPriority)
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	b.Asprintf("<uuid>%s</uuid>\n", d.UUID.String())
	for _, e := range d.Entries {
		switch {
		case e.Rule != nil:
			e.Rule.format(b)
		case e.Ref != nil:
			e.Ref.Format(b)
		}
	}
	b.AdjustIndent(-2)
	b.AddLit("</filter>\n")
	return b.String()
}
