package netdev

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Native VLAN modes of a trunk's native tag (virNativeVlanMode).
const (
	NativeModeDefault  = ""
	NativeModeTagged   = "tagged"
	NativeModeUntagged = "untagged"
)

// Vlan is <vlan>: one tag, or a trunk of several, optionally with a
// native (untagged or tagged) VLAN.
type Vlan struct {
	Tags []uint
	// Trunk is set by trunk='yes' or implied by more than one tag.
	Trunk bool
	// NativeMode is the nativeMode of the tag NativeTag ("" if none).
	// Values libvirt does not know are kept for Validate to reject.
	NativeMode string
	NativeTag  uint
}

// ParseVlan reads a <vlan> element (virNetDevVlanParse).
func ParseVlan(n *xmltree.Node) (*Vlan, error) {
	tags := n.ChildrenNamed("tag")
	if len(tags) == 0 {
		return nil, virterr.New(virterr.XMLError, "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement")
	}
	def := &Vlan{}
	for _, t := range tags {
		id, err := tagID(t)
		if err != nil {
			return nil, err
		}
		if id > 4095 {
			return nil, virterr.New(virterr.XMLError, "vlan tag id %d too large (maximum 4095)", id)
		}
		if mode, has := t.Attr("nativeMode"); has {
			// virXMLPropEnum with VIR_XML_PROP_NONZERO: the enum is read,
			// and refused, before the duplicate check.
			if mode != NativeModeTagged && mode != NativeModeUntagged {
				return nil, invalidNativeMode(mode)
			}
			if def.NativeMode != "" {
				return nil, virterr.New(virterr.XMLError, "duplicate native vlan setting")
			}
			def.NativeMode = mode
			def.NativeTag = uint(id)
		}
		def.Tags = append(def.Tags, uint(id))
	}
	def.Trunk = len(tags) > 1
	if trunk, has := n.Attr("trunk"); has {
		def.Trunk = strings.EqualFold(trunk, "yes")
		if !def.Trunk {
			if len(tags) > 1 {
				return nil, virterr.New(virterr.XMLError, "invalid \"trunk='%s'\" in <vlan> - trunk='yes' is required for more than one vlan tag", trunk)
			}
			if def.NativeMode != "" {
				return nil, virterr.New(virterr.XMLError, "invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id")
			}
			// trunk='no' with a single tag is allowed and forgotten.
			if !strings.EqualFold(trunk, "no") {
				return nil, virterr.New(virterr.XMLError, "invalid \"trunk='%s'\" in <vlan> - must be yes or no", trunk)
			}
		}
	}
	return def, nil
}

// tagID reads <tag id> as virXMLPropUInt(…, 10, VIR_XML_PROP_REQUIRED)
// does: a 32-bit unsigned decimal, no minus sign.
func tagID(t *xmltree.Node) (uint64, error) {
	v, has := t.Attr("id")
	if !has {
		return 0, xmlHelperError("Missing required attribute '%s' in element '%s'", "id", t.Name)
	}
	id, ok := cnum.Unsigned(v, 10, 32, true)
	if !ok {
		return 0, xmlHelperError("Invalid value for attribute '%s' in element '%s': '%s'. Expected non-negative integer value", "id", t.Name, v)
	}
	return id, nil
}

// invalidNativeMode is virXMLPropEnum's refusal of a nativeMode libvirt
// does not know (or the default, which VIR_XML_PROP_NONZERO excludes).
func invalidNativeMode(mode string) error {
	return invalidProp("tag", "nativeMode", mode)
}

// Validate rejects a native mode libvirt does not know (ParseVlan already
// refuses one; this covers a Vlan built in code).
func (v *Vlan) Validate() error {
	if v == nil || v.NativeMode == "" {
		return nil
	}
	if v.NativeMode != NativeModeTagged && v.NativeMode != NativeModeUntagged {
		return invalidNativeMode(v.NativeMode)
	}
	return nil
}

// Format writes the element (virNetDevVlanFormat); nothing without tags.
func (v *Vlan) Format(buf *xmlbuf.Buffer) {
	if v == nil || len(v.Tags) == 0 {
		return
	}
	if v.Trunk {
		buf.AddLit("<vlan trunk='yes'>\n")
	} else {
		buf.AddLit("<vlan>\n")
	}
	buf.AdjustIndent(2)
	for _, t := range v.Tags {
		if v.NativeMode != "" && v.NativeTag == t {
			buf.Asprintf("<tag id='%d' nativeMode='%s'/>\n", t, xmlbuf.Escape(v.NativeMode))
		} else {
			buf.Asprintf("<tag id='%d'/>\n", t)
		}
	}
	buf.AdjustIndent(-2)
	buf.AddLit("</vlan>\n")
}

// Equal reports whether two VLAN settings are the same (virNetDevVlanEqual).
func (v *Vlan) Equal(o *Vlan) bool {
	vTags, oTags := 0, 0
	if v != nil {
		vTags = len(v.Tags)
	}
	if o != nil {
		oTags = len(o.Tags)
	}
	if vTags == 0 || oTags == 0 {
		return vTags == oTags
	}
	if v.Trunk != o.Trunk || v.NativeMode != o.NativeMode || v.NativeTag != o.NativeTag || vTags != oTags {
		return false
	}
	for i := range v.Tags {
		if v.Tags[i] != o.Tags[i] {
			return false
		}
	}
	return true
}

// Clone returns a deep copy.
func (v *Vlan) Clone() *Vlan {
	if v == nil {
		return nil
	}
	c := *v
	c.Tags = append([]uint(nil), v.Tags...)
	return &c
}
