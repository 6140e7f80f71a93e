package domain

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// SecLabel is a domain-level <seclabel> (virSecurityLabelDef).
type SecLabel struct {
	Model      string
	Type       string // dynamic | static | none
	Relabel    bool
	Label      string
	ImageLabel string
	BaseLabel  string
	// Implicit labels were added by a driver, not the user; libvirt does
	// not write implicit "dac" and "none" labels.
	Implicit bool
}

func parseYesNo(v string) (bool, bool) {
	switch v {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}

// ParseSecLabel reads a domain-level <seclabel>.
func ParseSecLabel(n *xmltree.Node, flags ParseFlags) (*SecLabel, error) {
	l := &SecLabel{Model: n.Prop("model"), Type: n.Prop("type")}
	if l.Type == "" {
		l.Type = "dynamic"
	}
	if r, ok := n.Attr("relabel"); ok {
		v, ok := parseYesNo(r)
		if !ok {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "invalid security relabel value %s", r)
		}
		l.Relabel = v
		if l.Type == "dynamic" && !v {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "dynamic label type must use resource relabeling")
		}
		if l.Type == "none" && v {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "resource relabeling is not compatible with 'none' label type")
		}
	} else {
		l.Relabel = l.Type != "static" && l.Type != "none"
	}
	text := func(name string) string {
		v, _ := n.ChildText(name)
		return strings.TrimSpace(v)
	}
	if l.Type == "static" || (flags&ParseInactive == 0 && l.Type != "none") {
		l.Label = text("label")
		if l.Type == "static" && l.Label == "" {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "security label is missing")
		}
	}
	if l.Relabel && flags&ParseInactive == 0 && l.Type != "none" {
		l.ImageLabel = text("imagelabel")
	}
	if l.Type == "dynamic" {
		l.BaseLabel = text("baselabel")
	}
	return l, nil
}

// Format writes the label as virSecurityLabelDefFormat does.
func (l *SecLabel) Format(b *xmlbuf.Buffer, flags FormatFlags) {
	if l.Implicit && (l.Model == "dac" || l.Model == "none") {
		return
	}
	b.AddLit("<seclabel")
	b.Attr("type", l.Type)
	b.AttrIf("model", l.Model)
	if l.Type == "none" {
		b.AddLit("/>\n")
		return
	}
	b.Attr("relabel", yesNoText(l.Relabel))
	imageLabel := ""
	if l.Relabel {
		imageLabel = l.ImageLabel
	}
	baseLabel := ""
	if l.Type == "dynamic" {
		baseLabel = l.BaseLabel
	}
	if l.Label == "" && imageLabel == "" && baseLabel == "" {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	b.TextElementIf("label", l.Label)
	b.TextElementIf("imagelabel", imageLabel)
	b.TextElementIf("baselabel", baseLabel)
	b.AdjustIndent(-2)
	b.AddLit("</seclabel>\n")
}

// DeviceSecLabel is a <seclabel> inside a disk source, chardev source or
// other device (virSecurityDeviceLabelDef).
type DeviceSecLabel struct {
	Model     string
	Relabel   bool
	LabelSkip bool
	Label     string
}

// ParseDeviceSecLabel reads a device-level <seclabel>.
func ParseDeviceSecLabel(n *xmltree.Node, flags ParseFlags) (*DeviceSecLabel, error) {
	l := &DeviceSecLabel{Model: n.Prop("model"), Relabel: true}
	if r, ok := n.Attr("relabel"); ok {
		v, ok := parseYesNo(r)
		if !ok {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "invalid security relabel value %s", r)
		}
		l.Relabel = v
	}
	if flags&ParseInactive == 0 {
		if s, ok := n.Attr("labelskip"); ok {
			v, ok := parseYesNo(s)
			if !ok {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "invalid security labelskip value %s", s)
			}
			l.LabelSkip = v
		}
	}
	if t, ok := n.ChildText("label"); ok {
		l.Label = strings.TrimSpace(t)
		if l.Label != "" && !l.Relabel {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Cannot specify a label if relabelling is turned off.")
		}
	}
	return l, nil
}

// Format writes the label as virSecurityDeviceLabelDefFormat does.
func (l *DeviceSecLabel) Format(b *xmlbuf.Buffer, flags FormatFlags) {
	if flags&FormatInactive != 0 && l.Label == "" && l.Relabel {
		return
	}
	b.AddLit("<seclabel")
	b.AttrIf("model", l.Model)
	if l.LabelSkip {
		b.AddLit(" labelskip='yes'")
	} else {
		b.Attr("relabel", yesNoText(l.Relabel))
	}
	if l.Label == "" {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	b.TextElement("label", l.Label)
	b.AdjustIndent(-2)
	b.AddLit("</seclabel>\n")
}
