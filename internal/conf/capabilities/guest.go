package capabilities

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// Guest is one <guest>: an OS type on one architecture.
type Guest struct {
	OSType   string
	Arch     string
	WordSize string
	Info     GuestInfo // the architecture's default emulator, loader, machines
	Domains  []GuestDomain
	// Features are written in their order here; libvirt's own order is
	// pae, nonpae, ia64_be, acpi, apic, cpuselection, deviceboot,
	// disksnapshot, externalSnapshot.
	Features []GuestFeature
	// FeaturesKnown says whether <features> was present; libvirt writes
	// it only when some feature is.
	FeaturesKnown bool
}

// GuestInfo is an emulator with its loader and machine types.
type GuestInfo struct {
	Emulator string
	Loader   string
	Machines []Machine
}

// Machine is one machine type.
type Machine struct {
	Name       string
	Canonical  string
	MaxCPUs    int64
	Deprecated bool
}

// GuestDomain is one domain type (kvm, qemu, …) that runs the guest,
// with what differs from the architecture's defaults.
type GuestDomain struct {
	Type string
	Info GuestInfo
}

// GuestFeature is one guest feature flag; Default and Toggle are "" when
// not reported.
type GuestFeature struct {
	Name    string
	Default string
	Toggle  string
}

func parseGuestInfo(n *xmltree.Node, info *GuestInfo) error {
	info.Emulator, _ = n.ChildText("emulator")
	info.Loader, _ = n.ChildText("loader")
	for _, m := range n.ChildrenNamed("machine") {
		mach := Machine{Name: m.Text, Canonical: m.Prop("canonical"), Deprecated: m.Prop("deprecated") == "yes"}
		if s, ok := m.Attr("maxCpus"); ok {
			v, err := parseInt("maxCpus", s)
			if err != nil {
				return err
			}
			mach.MaxCPUs = v
		}
		info.Machines = append(info.Machines, mach)
	}
	return nil
}

func parseGuest(n *xmltree.Node) (*Guest, error) {
	g := &Guest{}
	g.OSType, _ = n.ChildText("os_type")
	if a := n.Child("arch"); a != nil {
		g.Arch = a.Prop("name")
		g.WordSize, _ = a.ChildText("wordsize")
		if err := parseGuestInfo(a, &g.Info); err != nil {
			return nil, err
		}
		for _, d := range a.ChildrenNamed("domain") {
			gd := GuestDomain{Type: d.Prop("type")}
			if err := parseGuestInfo(d, &gd.Info); err != nil {
				return nil, err
			}
			g.Domains = append(g.Domains, gd)
		}
	}
	if f := n.Child("features"); f != nil {
		g.FeaturesKnown = true
		for _, c := range f.Children {
			g.Features = append(g.Features, GuestFeature{Name: c.Name, Default: c.Prop("default"), Toggle: c.Prop("toggle")})
		}
	}
	return g, nil
}

func (info *GuestInfo) formatMachines(b *xmlbuf.Buffer, withDeprecated bool) {
	for _, m := range info.Machines {
		b.Add("<machine")
		b.AttrIf("canonical", m.Canonical)
		if m.MaxCPUs > 0 {
			b.Attrf("maxCpus", "%d", m.MaxCPUs)
		}
		if m.Deprecated && withDeprecated {
			b.Attr("deprecated", "yes")
		}
		b.EscapeString(">%s</machine>\n", m.Name)
	}
}

// format writes one <guest> (virCapabilitiesFormatGuestXML).
func (g *Guest) format(b *xmlbuf.Buffer) {
	b.AddLit("<guest>\n")
	b.AdjustIndent(2)
	b.EscapeString("<os_type>%s</os_type>\n", g.OSType)
	// libvirt leaves out the opening tag when the architecture is unknown
	// but still closes it; write it without a name instead, to stay
	// well-formed.
	if g.Arch != "" {
		b.EscapeString("<arch name='%s'>\n", g.Arch)
	} else {
		b.AddLit("<arch>\n")
	}
	b.AdjustIndent(2)
	b.EscapeString("<wordsize>%s</wordsize>\n", g.WordSize)
	if g.Info.Emulator != "" {
		b.EscapeString("<emulator>%s</emulator>\n", g.Info.Emulator)
	}
	if g.Info.Loader != "" {
		b.EscapeString("<loader>%s</loader>\n", g.Info.Loader)
	}
	g.Info.formatMachines(b, true)
	for _, d := range g.Domains {
		b.EscapeString("<domain type='%s'", d.Type)
		if d.Info.Emulator == "" && d.Info.Loader == "" && len(d.Info.Machines) == 0 {
			b.AddLit("/>\n")
			continue
		}
		b.AddLit(">\n")
		b.AdjustIndent(2)
		if d.Info.Emulator != "" {
			b.EscapeString("<emulator>%s</emulator>\n", d.Info.Emulator)
		}
		if d.Info.Loader != "" {
			b.EscapeString("<loader>%s</loader>\n", d.Info.Loader)
		}
		d.Info.formatMachines(b, false)
		b.AdjustIndent(-2)
		b.AddLit("</domain>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</arch>\n")

	children := b.Child()
	for _, f := range g.Features {
		f.format(children)
	}
	b.FormatElement("features", nil, children)
	b.AdjustIndent(-2)
	b.AddLit("</guest>\n\n")
}

func (f GuestFeature) format(b *xmlbuf.Buffer) {
	b.Add("<" + f.Name)
	b.AttrIf("default", f.Default)
	b.AttrIf("toggle", f.Toggle)
	b.AddLit("/>\n")
}
