package domain

import (
	"strconv"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Shmem is <shmem>: a shared memory region (ivshmem) between guests and
// the host.
type Shmem struct {
	Name string
	Role string // default (""), master, peer
	// Model is <model type>; libvirt's default is ivshmem.
	Model string
	// Size is in bytes; libvirt prints it in MiB.
	Size uint64

	// Server is whether a <server> element was given, ServerPath its
	// socket (ivshmem-doorbell).
	Server     bool
	ServerPath string

	// MSI is whether <msi> was given.
	MSI          bool
	MSIVectors   uint64
	MSIIOEventFD string
}

func init() {
	typedKinds["shmem"] = func(n *xmltree.Node, flags ParseFlags) (deviceBody, error) {
		return parseShmem(n)
	}
}

// Shmem returns the device's typed content, nil for other kinds.
func (g *Device) Shmem() *Shmem {
	x, _ := g.typed().(*Shmem)
	return x
}

// parseShmem is virDomainShmemDefParseXML.
func parseShmem(n *xmltree.Node) (*Shmem, error) {
	s := &Shmem{Model: "ivshmem", Role: n.Prop("role")}
	if m := n.Child("model"); m != nil {
		if t := m.Prop("type"); t != "" {
			s.Model = t
		}
	}
	name, ok := n.Attr("name")
	if !ok {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "shmem element must contain 'name' attribute")
	}
	s.Name = name
	if sz := n.Child("size"); sz != nil {
		v, _, err := scaledBytes(sz, "./size[1]", 1)
		if err != nil {
			return nil, err
		}
		s.Size = v
	}
	if srv := n.Child("server"); srv != nil {
		s.Server = true
		s.ServerPath = srv.Prop("path")
	}
	if msi := n.Child("msi"); msi != nil {
		s.MSI = true
		if v, ok := msi.Attr("vectors"); ok {
			u, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return nil, errInvalidNumberProp("msi", "vectors", v, expectNonNegativeInt)
			}
			s.MSIVectors = u
		}
		s.MSIIOEventFD = msi.Prop("ioeventfd")
	}
	return s, nil
}

func (s *Shmem) formatAttrs(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Attr("name", s.Name)
	if s.Role != "" && s.Role != "default" {
		b.Attr("role", s.Role)
	}
}

func (s *Shmem) formatChildren(b *xmlbuf.Buffer, flags FormatFlags) {
	b.EscapeString("<model type='%s'/>\n", s.Model)
	if s.Size != 0 {
		b.Asprintf("<size unit='M'>%d</size>\n", s.Size>>20)
	}
	if s.Server {
		b.Add("<server")
		b.AttrIf("path", s.ServerPath)
		b.Add("/>\n")
	}
	if s.MSI {
		b.Add("<msi")
		if s.MSIVectors != 0 {
			b.Asprintf(" vectors='%d'", s.MSIVectors)
		}
		b.AttrIf("ioeventfd", s.MSIIOEventFD)
		b.Add("/>\n")
	}
}

// validate holds the checks libvirt makes on every shmem.
func (s *Shmem) validate() error {
	if s.MSI && !s.Server {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "msi option is only supported with a server")
	}
	return nil
}
