package iface

import (
	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// linkStates is libvirt's virNetDevIfState (zero means "no state").
var linkStates = []string{"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"}

// Link is an interface's <link speed='…' state='…'/> (virNetDevIfLink),
// shared with node device net capabilities.
type Link struct {
	// Speed is in Mbit/s, 0 when unknown.
	Speed uint32
	// State is one of linkStates, "" when unknown.
	State string
}

// ParseLink reads a <link> element (virInterfaceLinkParseXML).
func ParseLink(n *xmltree.Node) (Link, error) {
	var l Link
	l.State = n.Prop("state")
	if s, ok := n.Attr("speed"); ok {
		v, ok := cnum.UIntP(s, 10)
		if !ok {
			return l, virterr.NewFrom(virterr.FromXML, virterr.XMLError,
				"Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative integer value", "speed", n.Name, s)
		}
		l.Speed = v
	}
	return l, nil
}

// Format writes the link, or nothing when neither speed nor state is known.
func (l Link) Format(b *xmlbuf.Buffer) {
	if l.Speed == 0 && l.State == "" {
		return
	}
	b.AddLit("<link")
	if l.Speed != 0 {
		b.Asprintf(" speed='%d'", l.Speed)
	}
	if l.State != "" {
		b.Asprintf(" state='%s'", xmlbuf.Escape(l.State))
	}
	b.AddLit("/>\n")
}

// Validate rejects a state libvirt does not know.
func (l Link) Validate() error {
	if l.State == "" {
		return nil
	}
	for _, s := range linkStates {
		if s == l.State {
			return nil
		}
	}
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError,
		"Invalid value for attribute '%s' in element '%s': '%s'.", "state", "link", l.State)
}
