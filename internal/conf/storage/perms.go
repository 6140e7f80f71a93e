package storage

import (
	"math"

	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Perms is a <permissions> element of a pool target or volume. A nil field
// is absent: libvirt leaves the file's own value alone.
type Perms struct {
	Mode  *uint32 // 0 to 0777
	Owner *uint32
	Group *uint32
	Label string
}

// IsEmpty reports whether nothing is set, so nothing is written.
func (p *Perms) IsEmpty() bool {
	return p == nil || (p.Mode == nil && p.Owner == nil && p.Group == nil && p.Label == "")
}

// parsePerms reads a <permissions> element (virStorageDefParsePerms); n
// may be nil, giving empty permissions.
func parsePerms(n *xmltree.Node) (Perms, error) {
	var p Perms
	if n == nil {
		return p, nil
	}
	if s := childString(n, "mode"); s != "" {
		v, ok := cnum.Int(s, 8)
		if !ok || v&^0o777 != 0 {
			return p, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "malformed octal mode")
		}
		m := uint32(v)
		p.Mode = &m
	}
	for _, id := range []struct {
		name string
		dst  **uint32
	}{{"owner", &p.Owner}, {"group", &p.Group}} {
		c := n.Child(id.name)
		if c == nil {
			continue
		}
		// Older libvirt wrote -1 for "unset", so -1 (or its 32-bit
		// wrap-around) still means unset. libvirt prints IDs as a C int,
		// so an ID of 2^31 or more comes out negative; unlike libvirt we
		// read such output back as the ID it stands for.
		v, ok := xpathInteger(c.Text)
		if !ok || v < math.MinInt32 || v > math.MaxUint32 {
			return p, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "malformed %s element", id.name)
		}
		if v == -1 || v == 0xFFFFFFFF {
			continue
		}
		u := uint32(v) // negative values wrap, as libvirt wrote them
		*id.dst = &u
	}
	p.Label = childString(n, "label")
	return p, nil
}

// format writes the element when anything is set.
func (p *Perms) format(b *xmlbuf.Buffer) {
	if p.IsEmpty() {
		return
	}
	b.AddLit("<permissions>\n")
	b.AdjustIndent(2)
	if p.Mode != nil {
		b.Asprintf("<mode>0%o</mode>\n", *p.Mode)
	}
	// libvirt prints the IDs as a C int
	if p.Owner != nil {
		b.Asprintf("<owner>%d</owner>\n", int32(*p.Owner))
	}
	if p.Group != nil {
		b.Asprintf("<group>%d</group>\n", int32(*p.Group))
	}
	if p.Label != "" {
		b.EscapeString("<label>%s</label>\n", p.Label)
	}
	b.AdjustIndent(-2)
	b.AddLit("</permissions>\n")
}

// childString is virXPathString("string(./name)"): the text of the first
// such child, "" when absent or empty (libvirt treats both alike).
func childString(n *xmltree.Node, name string) string {
	s, _ := n.ChildText(name)
	return s
}

// attrString is virXPathString("string(./child/@attr)").
func attrString(n *xmltree.Node, child, attr string) string {
	c := n.Child(child)
	if c == nil {
		return ""
	}
	return c.Prop(attr)
}
