package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// LaunchSecurity is <launchSecurity>: AMD SEV or s390 protected
// virtualisation. Types libvirt 9.0 does not know are kept as written.
type LaunchSecurity struct {
	Type string
	SEV  *SEV
	raw  *xmltree.Node
}

// SEV is the AMD SEV launch configuration.
type SEV struct {
	KernelHashes    string
	CBitPos         *uint
	ReducedPhysBits *uint
	Policy          uint64
	DHCert          string
	Session         string
}

func parseLaunchSecurity(n *xmltree.Node) (*LaunchSecurity, error) {
	ls := &LaunchSecurity{Type: n.Prop("type")}
	switch ls.Type {
	case "":
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "missing launch security type")
	case "sev":
		s := &SEV{KernelHashes: n.Prop("kernelHashes")}
		for _, f := range []struct {
			name string
			dst  **uint
		}{{"cbitpos", &s.CBitPos}, {"reducedPhysBits", &s.ReducedPhysBits}} {
			if t, ok := n.ChildText(f.name); ok {
				v, ok := parseUintText(t)
				if !ok {
					return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "failed to get launch security %s", f.name)
				}
				*f.dst = &v
			}
		}
		pol, ok := n.ChildText("policy")
		if !ok {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "failed to get launch security policy")
		}
		p := strings.TrimSpace(pol)
		p = strings.TrimPrefix(strings.TrimPrefix(p, "0x"), "0X")
		v, err := strconv.ParseUint(p, 16, 32)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "failed to get launch security policy")
		}
		s.Policy = v
		s.DHCert, _ = n.ChildText("dhCert")
		s.Session, _ = n.ChildText("session")
		ls.SEV = s
	case "s390-pv":
	default:
		ls.raw = n
	}
	return ls, nil
}

func (ls *LaunchSecurity) format(b *xmlbuf.Buffer) {
	switch {
	case ls.raw != nil:
		b.FormatNode(ls.raw)
	case ls.SEV != nil:
		s := ls.SEV
		b.AddLit("<launchSecurity type='sev'")
		b.AttrIf("kernelHashes", s.KernelHashes)
		b.AddLit(">\n")
		b.AdjustIndent(2)
		if s.CBitPos != nil {
			b.Asprintf("<cbitpos>%d</cbitpos>\n", *s.CBitPos)
		}
		if s.ReducedPhysBits != nil {
			b.Asprintf("<reducedPhysBits>%d</reducedPhysBits>\n", *s.ReducedPhysBits)
		}
		b.Asprintf("<policy>0x%04x</policy>\n", s.Policy)
		b.TextElementIf("dhCert", s.DHCert)
		b.TextElementIf("session", s.Session)
		b.AdjustIndent(-2)
		b.AddLit("</launchSecurity>\n")
	default:
		b.Asprintf("<launchSecurity type='%s'/>\n", xmlbuf.Escape(ls.Type))
	}
}
