package snapshot

import (
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Source is the new image a disk snapshot writes to: the domain's storage
// source (the snapshot <disk>'s type and <source>) with the format and
// qcow2 metadata cache of its <driver>.
type Source struct {
	*domain.StorageSource
	MetadataCacheMaxSize uint64 // bytes; 0 when unset
}

// parseSource reads a snapshot disk's <source> (n may be nil) as libvirt's
// virDomainStorageSourceParse does for snapshots.
func parseSource(n *xmltree.Node, typ string) (*Source, error) {
	if n == nil {
		return &Source{StorageSource: &domain.StorageSource{Type: typ}}, nil
	}
	ss, err := domain.ParseStorageSource(typ, n, nil, domain.ParseInactive)
	if err != nil {
		return nil, err
	}
	// A snapshot writes its source only when there is something in it.
	ss.HasSource = false
	kept := ss.Attrs[:0]
	for _, a := range ss.Attrs {
		// startupPolicy and index belong to the domain's disk and to
		// status XML; a snapshot's source neither reads nor writes them.
		if a.Name != "startupPolicy" && a.Name != "index" {
			kept = append(kept, a)
		}
	}
	ss.Attrs = kept
	for i, h := range ss.Hosts {
		// TCP is the default transport, which libvirt never writes.
		kept := h[:0]
		for _, a := range h {
			if a.Name != "transport" || a.Value != "tcp" {
				kept = append(kept, a)
			}
		}
		ss.Hosts[i] = kept
	}
	if typ == "network" {
		// libvirt keeps no security labels for network sources.
		var children []*xmltree.Node
		for _, c := range ss.Children {
			if c.Name != "seclabel" {
				children = append(children, c)
			}
		}
		ss.Children = children
	}
	return &Source{StorageSource: ss}, nil
}

func fileAttr(path string) xmltree.Attr { return xmltree.Attr{Name: "file", Value: path} }

// path is the image's file or device, or a network source's name.
func (s *Source) path() string {
	if s.Type == "network" {
		for _, a := range s.Attrs {
			if a.Name == "name" {
				return a.Value
			}
		}
		return ""
	}
	for _, a := range s.Attrs {
		switch {
		case s.Type == "file" && a.Name == "file",
			s.Type == "block" && a.Name == "dev",
			s.Type == "dir" && a.Name == "dir":
			return a.Value
		}
	}
	return ""
}

// relative reports a local path that does not start at the root
// (virStorageSourceIsRelative).
func (s *Source) relative() bool {
	switch s.Type {
	case "file", "block", "dir":
		p := s.path()
		return p != "" && p[0] != '/'
	}
	return false
}

// format writes the <source> element (virDomainDiskSourceFormat): nothing
// when it has neither attributes nor children.
func (s *Source) format(b *xmlbuf.Buffer) {
	s.FormatSource(b, "source", domain.FormatInactive)
}
