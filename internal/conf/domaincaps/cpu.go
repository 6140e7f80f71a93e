package domaincaps

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// CPU is <cpu>: the CPU modes domains may use.
type CPU struct {
	Modes []*CPUMode
}

// CPUMode is one <mode name supported>.
type CPUMode struct {
	Name      string // host-passthrough, maximum, host-model, custom
	Supported string
	// Enums are the migratable switches of host-passthrough and maximum.
	Enums []Enum
	// HostModel is the CPU a host-model domain gets.
	HostModel *HostModel
	// Models are the named CPU models of custom mode.
	Models []CustomModel
	// Other are custom mode's other children (later libvirt versions
	// list <blockers> there), kept as they came.
	Other []*xmltree.Node
}

// HostModel is the guest CPU definition host-model expands to.
type HostModel struct {
	Model    string
	Fallback string
	VendorID string
	Vendor   string
	Features []Feature
	// Other are children this package does not model, kept as they came.
	Other []*xmltree.Node
}

// Feature is one <feature policy name>.
type Feature struct {
	Policy string
	Name   string
}

// CustomModel is one named CPU model and whether this host can run it.
type CustomModel struct {
	Name       string
	Usable     string // yes, no, unknown
	Deprecated bool
	Vendor     string
	// Attrs are attributes this package does not know, written last.
	Attrs []xmltree.Attr
}

func parseCPU(n *xmltree.Node) (*CPU, error) {
	c := &CPU{}
	for _, mn := range n.ChildrenNamed("mode") {
		m := &CPUMode{Name: mn.Prop("name"), Supported: mn.Prop("supported")}
		for _, ch := range mn.Children {
			switch ch.Name {
			case "enum":
				m.Enums = append(m.Enums, parseEnum(ch))
			case "model":
				if m.Name == "custom" {
					m.Models = append(m.Models, parseCustomModel(ch))
					continue
				}
				hm := m.hostModel()
				hm.Model = ch.Text
				hm.Fallback = ch.Prop("fallback")
				hm.VendorID = ch.Prop("vendor_id")
			case "vendor":
				m.hostModel().Vendor = ch.Text
			case "feature":
				hm := m.hostModel()
				hm.Features = append(hm.Features, Feature{Policy: ch.Prop("policy"), Name: ch.Prop("name")})
			default:
				if m.Name == "custom" {
					m.Other = append(m.Other, ch)
					continue
				}
				hm := m.hostModel()
				hm.Other = append(hm.Other, ch)
			}
		}
		c.Modes = append(c.Modes, m)
	}
	return c, nil
}

func parseCustomModel(n *xmltree.Node) CustomModel {
	cm := CustomModel{Name: n.Text}
	for _, a := range n.Attrs {
		switch a.Name {
		case "usable":
			cm.Usable = a.Value
		case "deprecated":
			cm.Deprecated = a.Value == "yes"
		case "vendor":
			cm.Vendor = a.Value
		default:
			cm.Attrs = append(cm.Attrs, a)
		}
	}
	return cm
}

func (m *CPUMode) hostModel() *HostModel {
	if m.HostModel == nil {
		m.HostModel = &HostModel{}
	}
	return m.HostModel
}

// Mode returns the mode called name, or nil.
func (c *CPU) Mode(name string) *CPUMode {
	for _, m := range c.Modes {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// format writes <cpu> (virDomainCapsCPUFormat).
func (c *CPU) format(b *xmlbuf.Buffer) {
	b.AddLit("<cpu>\n")
	b.AdjustIndent(2)
	for _, m := range c.Modes {
		m.format(b)
	}
	b.AdjustIndent(-2)
	b.AddLit("</cpu>\n")
}

func (m *CPUMode) format(b *xmlbuf.Buffer) {
	b.EscapeString("<mode name='%s'", m.Name)
	b.Attr("supported", m.Supported)
	children := b.Child()
	for _, e := range m.Enums {
		e.format(children)
	}
	if hm := m.HostModel; hm != nil {
		hm.format(children)
	}
	for _, cm := range m.Models {
		children.EscapeString("<model usable='%s'", cm.Usable)
		if cm.Deprecated {
			children.Attr("deprecated", "yes")
		}
		children.AttrIf("vendor", cm.Vendor)
		for _, a := range cm.Attrs {
			children.Attr(a.Name, a.Value)
		}
		children.EscapeString(">%s</model>\n", cm.Name)
	}
	for _, o := range m.Other {
		children.FormatNode(o)
	}
	if children.Len() == 0 {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AddBuffer(children)
	b.AddLit("</mode>\n")
}

// format writes the host-model CPU as virCPUDefFormatBuf does for it.
func (hm *HostModel) format(b *xmlbuf.Buffer) {
	if hm.Model != "" {
		b.Add("<model")
		b.AttrIf("fallback", hm.Fallback)
		b.AttrIf("vendor_id", hm.VendorID)
		b.EscapeString(">%s</model>\n", hm.Model)
	}
	if hm.Vendor != "" {
		b.EscapeString("<vendor>%s</vendor>\n", hm.Vendor)
	}
	for _, o := range hm.Other {
		b.FormatNode(o)
	}
	for _, f := range hm.Features {
		b.Add("<feature")
		b.AttrIf("policy", f.Policy)
		b.Attr("name", f.Name)
		b.AddLit("/>\n")
	}
}
