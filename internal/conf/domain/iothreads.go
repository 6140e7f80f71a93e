package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// IOThreads is <iothreads> and <iothreadids>.
type IOThreads struct {
	IDs []IOThreadID
}

// ThreadPool is the thread_pool_min/thread_pool_max pair of an iothread
// or of <defaultiothread>; -1 means unset.
type ThreadPool struct {
	Min, Max int
}

// DefaultIOThread is <defaultiothread>.
type DefaultIOThread struct {
	Pool ThreadPool
}

func parseThreadPool(n *xmltree.Node) (ThreadPool, error) {
	p := ThreadPool{Min: -1, Max: -1}
	for _, a := range []struct {
		name string
		dst  *int
	}{{"thread_pool_min", &p.Min}, {"thread_pool_max", &p.Max}} {
		v, ok := n.Attr(a.name)
		if !ok {
			continue
		}
		i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return p, errInvalidNumberProp(n.Name, a.name, v, expectInt)
		}
		if i < 0 {
			return p, errInvalidNumberProp(n.Name, a.name, v, expectNonNegative)
		}
		*a.dst = int(i)
	}
	return p, nil
}

func (p ThreadPool) validate() error {
	if p.Min != -1 && p.Max != -1 && p.Min > p.Max {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "%s", "thread_pool_min must be smaller or equal to thread_pool_max")
	}
	return nil
}

func (p ThreadPool) formatAttrs(b *xmlbuf.Buffer) {
	if p.Min != -1 {
		b.Attrf("thread_pool_min", "%d", p.Min)
	}
	if p.Max != -1 {
		b.Attrf("thread_pool_max", "%d", p.Max)
	}
}

func parseDefaultIOThread(n *xmltree.Node) (*DefaultIOThread, error) {
	if n == nil {
		return nil, nil
	}
	p, err := parseThreadPool(n)
	if err != nil {
		return nil, err
	}
	return &DefaultIOThread{Pool: p}, nil
}

func (d *DefaultIOThread) format(b *xmlbuf.Buffer) {
	if d.Pool.Min == -1 && d.Pool.Max == -1 {
		return
	}
	b.AddLit("<defaultiothread")
	d.Pool.formatAttrs(b)
	b.AddLit("/>\n")
}

func (t *IOThreads) validate() error {
	for _, id := range t.IDs {
		if err := id.Pool.validate(); err != nil {
			return err
		}
	}
	return nil
}

// IOThreadID is one <iothreadids><iothread>.
type IOThreadID struct {
	ID uint
	// Autofill ids were added to reach the <iothreads> count; they are
	// written only when some id was given explicitly.
	Autofill bool
	Pool     ThreadPool
}

func parseIOThreads(dom *xmltree.Node) (*IOThreads, error) {
	count := uint(0)
	if t, ok := dom.ChildText("iothreads"); ok {
		v, ok := parseUintText(t)
		if !ok {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "invalid iothreads count '%s'", t)
		}
		count = v
	}
	t := &IOThreads{}
	seen := map[uint]bool{}
	for _, c := range dom.Find("iothreadids").ChildrenNamed("iothread") {
		v, err := requiredPropUint(c, "id", 32, true)
		if err != nil {
			return nil, err
		}
		id := uint(v)
		if seen[id] {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "duplicate iothread id '%d' found", id)
		}
		seen[id] = true
		pool, err := parseThreadPool(c)
		if err != nil {
			return nil, err
		}
		t.IDs = append(t.IDs, IOThreadID{ID: id, Pool: pool})
	}
	if count > maxBitmapBit {
		count = maxBitmapBit
	}
	for next := uint(1); uint(len(t.IDs)) < count; next++ {
		if !seen[next] {
			t.IDs = append(t.IDs, IOThreadID{ID: next, Autofill: true, Pool: ThreadPool{Min: -1, Max: -1}})
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
			b.Asprintf("<iothread id='%d'", id.ID)
			id.Pool.formatAttrs(b)
			b.AddLit("/>\n")
		}
		b.AdjustIndent(-2)
		b.AddLit("</iothreadids>\n")
	}
}

func uintText(v uint) string { return strconv.FormatUint(uint64(v), 10) }
