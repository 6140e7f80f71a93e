package domain

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// perfEvents are libvirt's perf events in virPerfEventType order, which is
// the order <perf> is written in.
var perfEvents = []string{
	"cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references",
	"cache_misses", "branch_instructions", "branch_misses", "bus_cycles",
	"stalled_cycles_frontend", "stalled_cycles_backend", "ref_cpu_cycles",
	"cpu_clock", "task_clock", "page_faults", "context_switches",
	"cpu_migrations", "page_faults_min", "page_faults_maj",
	"alignment_faults", "emulation_faults",
}

// Perf is <perf>: which perf events are counted.
type Perf struct {
	Events []PerfEvent
}

// PerfEvent is one <event name='…' enabled='yes|no'/>.
type PerfEvent struct {
	Name    string
	Enabled string
}

func parsePerf(n *xmltree.Node) *Perf {
	p := &Perf{}
	seen := map[string]bool{}
	for _, e := range n.ChildrenNamed("event") {
		name := e.Prop("name")
		if seen[name] {
			continue
		}
		seen[name] = true
		p.Events = append(p.Events, PerfEvent{Name: name, Enabled: e.Prop("enabled")})
	}
	return p
}

func (p *Perf) format(b *xmlbuf.Buffer) {
	c := b.Child()
	written := map[string]bool{}
	write := func(e PerfEvent) {
		c.AddLit("<event")
		c.Attr("name", e.Name)
		c.AttrIf("enabled", e.Enabled)
		c.AddLit("/>\n")
		written[e.Name] = true
	}
	for _, name := range perfEvents {
		for _, e := range p.Events {
			if e.Name == name {
				write(e)
			}
		}
	}
	for _, e := range p.Events {
		if !written[e.Name] {
			write(e)
		}
	}
	b.FormatElement("perf", nil, c)
}
