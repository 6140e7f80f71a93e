package snapshot

import (
	"github.com/govirt/govirt/internal/conf/encryption"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Source is the new image a disk snapshot writes to: the <source> of a
// snapshot <disk> with its type and the <driver> format. It models what
// snapshots use of libvirt's virStorageSource and keeps everything else of
// the element (hosts' extra attributes, auth, reservations, …) as it came,
// so nothing is lost until the domain package's storage source is shared.
type Source struct {
	Type     string // file (default), block, network, …
	Path     string // file, dev, or a network source's name
	Protocol string // network sources
	Hosts    []Host
	// Attrs are the <source> attributes not modelled above, in order.
	Attrs      []xmltree.Attr
	Seclabels  []*xmltree.Node
	Encryption *encryption.Def
	// Other are unmodelled child elements, in order.
	Other []*xmltree.Node

	Format               string // <driver type>
	MetadataCacheMaxSize uint64 // bytes; 0 when unset
}

// Host is one network server of a source.
type Host struct {
	Name      string
	Port      string
	Transport string // "" or "tcp" is TCP, not written
	Socket    string
	Attrs     []xmltree.Attr
}

// pathAttr names the attribute holding the source's path for each type.
var pathAttr = map[string]string{
	"file":    "file",
	"block":   "dev",
	"dir":     "dir",
	"network": "name",
}

func parseSource(n *xmltree.Node, typ string) (*Source, error) {
	s := &Source{Type: typ}
	pa := pathAttr[typ]
	for _, a := range n.Attrs {
		switch {
		case a.Name == pa:
			s.Path = a.Value
		case typ == "network" && a.Name == "protocol":
			s.Protocol = a.Value
		case a.Name == "startupPolicy" || a.Name == "index":
			// Belong to the domain's disk and to status XML; a snapshot's
			// source neither reads nor writes them.
		default:
			s.Attrs = append(s.Attrs, a)
		}
	}
	for _, c := range n.Children {
		switch {
		case c.Name == "host" && typ == "network":
			h := Host{}
			for _, a := range c.Attrs {
				switch a.Name {
				case "name":
					h.Name = a.Value
				case "port":
					h.Port = a.Value
				case "transport":
					h.Transport = a.Value
				case "socket":
					h.Socket = a.Value
				default:
					h.Attrs = append(h.Attrs, a)
				}
			}
			s.Hosts = append(s.Hosts, h)
		case c.Name == "seclabel":
			s.Seclabels = append(s.Seclabels, c)
		case c.Name == "encryption":
			enc, err := encryption.ParseNode(c)
			if err != nil {
				return nil, err
			}
			s.Encryption = enc
		default:
			s.Other = append(s.Other, c)
		}
	}
	return s, nil
}

// lateChildren are written after seclabels and encryption, as libvirt's
// virDomainDiskSourceFormat orders them.
var lateChildren = map[string]bool{"reservations": true}

// format writes the source element called name (virDomainDiskSourceFormat):
// nothing at all when it has neither attributes nor children.
func (s *Source) format(b *xmlbuf.Buffer, name string) {
	attrs := b.Inherit()
	children := b.Child()
	if s.Type == "network" {
		attrs.AttrIf("protocol", s.Protocol)
		attrs.AttrIf("name", s.Path)
	} else if pa := pathAttr[s.Type]; pa != "" {
		attrs.AttrIf(pa, s.Path)
	}
	for _, a := range s.Attrs {
		attrs.Attr(a.Name, a.Value)
	}
	for _, h := range s.Hosts {
		children.Add("<host")
		children.AttrIf("name", h.Name)
		children.AttrIf("port", h.Port)
		if h.Transport != "" && h.Transport != "tcp" {
			children.Attr("transport", h.Transport)
		}
		children.AttrIf("socket", h.Socket)
		for _, a := range h.Attrs {
			children.Attr(a.Name, a.Value)
		}
		children.AddLit("/>\n")
	}
	for _, o := range s.Other {
		if !lateChildren[o.Name] {
			children.FormatNode(o)
		}
	}
	if s.Type != "network" {
		for _, l := range s.Seclabels {
			children.FormatNode(l)
		}
	}
	if s.Encryption != nil {
		s.Encryption.FormatTo(children)
	}
	for _, o := range s.Other {
		if lateChildren[o.Name] {
			children.FormatNode(o)
		}
	}
	b.FormatElement(name, attrs, children)
}

// relative reports a local path that does not start at the root
// (virStorageSourceIsRelative).
func (s *Source) relative() bool {
	switch s.Type {
	case "file", "block", "dir":
		return s.Path != "" && s.Path[0] != '/'
	}
	return false
}
