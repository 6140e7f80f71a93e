package domain

import (
	"strconv"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// IOThreads is <iothreads> and <iothreadids>.
type IOThreads struct {
	IDs []IOThreadID
}

// IOThreadID is one <iothreadids><iothread>.
type IOThreadID struct {
	ID uint
	// Autofill ids were added to reach the <iothreads> count; they are
	// written only when some id was given explicitly.
	Autofill bool
	// node keeps the element's other attributes and children
	// (thread_pool_min, thread_pool_max …).
	node *xmltree.Node
}

func parseIOThreads(dom *xmltree.Node) (*IOThreads, error) {
	count := uint(0)
	if t, ok := dom.ChildText("iothreads"); ok {
		v, ok := parseUintText(t)
		if !ok {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "failed to parse iothreads")
		}
		count = v
	}
	t := &IOThreads{}
	seen := map[uint]bool{}
	for _, c := range dom.Find("iothreadids").ChildrenNamed("iothread") {
		id, ok := parseUintText(c.Prop("id"))
		if !ok || id == 0 {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid iothread 'id' value")
		}
		if seen[id] {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "duplicate iothread id '%d' found", id)
		}
		seen[id] = true
		t.IDs = append(t.IDs, IOThreadID{ID: id, node: c})
	}
	if count > maxBitmapBit {
		count = maxBitmapBit
	}
	for next := uint(1); uint(len(t.IDs)) < count; next++ {
		if !seen[next] {
			t.IDs = append(t.IDs, IOThreadID{ID: next, Autofill: true})
		}
	}
	if len(t.IDs) == 0 {
		return nil, nil
	}
	return t, nil
}

func (t *IOThreads) format(b *xmlbuf.Buffer, name string) {
	switch name {
	case "iothreads":
		b.Asprintf("<iothreads>%d</iothreads>\n", len(t.IDs))
	case "iothreadids":
		explicit := false
		for _, id := range t.IDs {
			if !id.Autofill {
				explicit = true
			}
		}
		if !explicit {
			return
		}
		b.AddLit("<iothreadids>\n")
		b.AdjustIndent(2)
		for _, id := range t.IDs {
			if id.node == nil {
				b.Asprintf("<iothread id='%d'/>\n", id.ID)
				continue
			}
			cp := *id.node
			cp.Attrs = []xmltree.Attr{{Name: "id", Value: uintText(id.ID)}}
			for _, a := range id.node.Attrs {
				if a.Name != "id" {
					cp.Attrs = append(cp.Attrs, a)
				}
			}
			b.FormatNode(&cp)
		}
		b.AdjustIndent(-2)
		b.AddLit("</iothreadids>\n")
	}
}

func uintText(v uint) string { return strconv.FormatUint(uint64(v), 10) }
