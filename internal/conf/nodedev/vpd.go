package nodedev

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// VPDCustom is a vendor- or system-specific VPD field, keyed by its
// one-character index (the second letter of the PCI VPD keyword).
type VPDCustom struct {
	Index byte
	Value string
}

// VPDReadOnly holds the read-only VPD section.
type VPDReadOnly struct {
	ChangeLevel    string
	ManufactureID  string
	PartNumber     string
	SerialNumber   string
	VendorSpecific []VPDCustom
}

// VPDReadWrite holds the read-write VPD section.
type VPDReadWrite struct {
	AssetTag       string
	VendorSpecific []VPDCustom
	SystemSpecific []VPDCustom
}

// VPD is a PCI device's Vital Product Data (<capability type='vpd'>).
type VPD struct {
	Name string
	RO   *VPDReadOnly
	RW   *VPDReadWrite
}

func parseVPD(n *xmltree.Node) (*VPD, error) {
	v := &VPD{}
	var ok bool
	if v.Name, ok = xpathString(n, "name"); !ok {
		return nil, nodedevErr(virterr.XMLError, "Could not read a device name from the <name> element")
	}
	for _, f := range n.ChildrenNamed("fields") {
		access, has := f.Attr("access")
		if !has {
			continue
		}
		switch access {
		case "":
			return nil, nodedevErr(virterr.XMLError, "VPD fields access type parsing has failed")
		case "readonly":
			// A repeated section replaces the earlier one.
			ro := &VPDReadOnly{}
			ro.ChangeLevel, _ = xpathString(f, "change_level")
			ro.ManufactureID, _ = xpathString(f, "manufacture_id")
			ro.SerialNumber, _ = xpathString(f, "serial_number")
			ro.PartNumber, _ = xpathString(f, "part_number")
			ro.VendorSpecific = parseVPDCustom(f, "vendor_field", nil)
			v.RO = ro
		case "readwrite":
			rw := &VPDReadWrite{}
			rw.AssetTag, _ = xpathString(f, "asset_tag")
			rw.VendorSpecific = parseVPDCustom(f, "vendor_field", nil)
			rw.SystemSpecific = parseVPDCustom(f, "system_field", func(c byte) bool { return c != 'A' })
			v.RW = rw
		default:
			return nil, nodedevErr(virterr.XMLError, "Unsupported VPD field access type specified %s", access)
		}
	}
	return v, nil
}

// parseVPDCustom reads the custom fields called elem. Like libvirt, it
// skips a field whose index is not one upper-case letter or digit or whose
// value is empty, and a repeated index replaces the earlier value.
func parseVPDCustom(n *xmltree.Node, elem string, allowed func(byte) bool) []VPDCustom {
	var out []VPDCustom
	for _, f := range n.ChildrenNamed(elem) {
		idx, has := f.Attr("index")
		if !has || len(idx) != 1 {
			continue
		}
		c := idx[0]
		if !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			continue
		}
		if allowed != nil && !allowed(c) {
			continue
		}
		value := f.Segments[0]
		if value == "" {
			continue
		}
		replaced := false
		for i := range out {
			if out[i].Index == c {
				out[i].Value = value
				replaced = true
			}
		}
		if !replaced {
			out = append(out, VPDCustom{Index: c, Value: value})
		}
	}
	return out
}

func (v *VPD) format(b *xmlbuf.Buffer) {
	b.AddLit("<capability type='vpd'>\n")
	b.AdjustIndent(2)
	b.EscapeString("<name>%s</name>\n", v.Name)
	if v.RO != nil {
		b.AddLit("<fields access='readonly'>\n")
		b.AdjustIndent(2)
		escIf(b, "change_level", v.RO.ChangeLevel)
		escIf(b, "manufacture_id", v.RO.ManufactureID)
		escIf(b, "part_number", v.RO.PartNumber)
		escIf(b, "serial_number", v.RO.SerialNumber)
		formatVPDCustom(b, "vendor_field", v.RO.VendorSpecific)
		b.AdjustIndent(-2)
		b.AddLit("</fields>\n")
	}
	if v.RW != nil {
		b.AddLit("<fields access='readwrite'>\n")
		b.AdjustIndent(2)
		escIf(b, "asset_tag", v.RW.AssetTag)
		formatVPDCustom(b, "vendor_field", v.RW.VendorSpecific)
		formatVPDCustom(b, "system_field", v.RW.SystemSpecific)
		b.AdjustIndent(-2)
		b.AddLit("</fields>\n")
	}
	b.AdjustIndent(-2)
	b.AddLit("</capability>\n")
}

func formatVPDCustom(b *xmlbuf.Buffer, elem string, fields []VPDCustom) {
	for _, f := range fields {
		b.Add("<" + elem + " index='" + string(f.Index) + "'>" + xmlbuf.Escape(f.Value) + "</" + elem + ">\n")
	}
}
