package storage

import (
	"fmt"

	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Adapter types of a scsi pool's <adapter> (virStorageAdapterType).
const (
	AdapterSCSIHost = "scsi_host"
	AdapterFCHost   = "fc_host"
)

// PCIAddress is the <address domain bus slot function/> under a scsi_host
// adapter's <parentaddr>.
type PCIAddress struct {
	Domain, Bus, Slot, Function uint32
}

// Adapter is a scsi pool's <adapter> (storage_adapter_conf.c). Type is ""
// when neither a type nor a legacy name was given.
type Adapter struct {
	Type string

	// scsi_host
	Name       string
	HasParent  bool // <parentaddr> given instead of a name
	UniqueID   int32
	ParentAddr PCIAddress

	// fc_host
	Parent          string
	ParentWWNN      string
	ParentWWPN      string
	ParentFabricWWN string
	Managed         string // "", "yes" or "no"
	WWNN            string
	WWPN            string

	// legacy: attributes given without a type, refused by Validate
	legacyFC bool
	// legacyParentAddr is a <parentaddr> given without a type
	legacyParentAddr bool
}

func parseAdapter(n *xmltree.Node) (Adapter, error) {
	var a Adapter
	t, hasType := n.Attr("type")
	if !hasType {
		// Before the type attribute existed, an adapter was a scsi_host
		// by name; fc_host attributes then need the type.
		_, w1 := n.Attr("wwnn")
		_, w2 := n.Attr("wwpn")
		_, p := n.Attr("parent")
		a.legacyFC = w1 || w2 || p
		a.legacyParentAddr = n.Child("parentaddr") != nil
		if name, ok := n.Attr("name"); ok {
			a.Type, a.Name = AdapterSCSIHost, name
		}
		return a, nil
	}
	a.Type = t
	switch t {
	case AdapterFCHost:
		a.Managed = n.Prop("managed")
		a.Parent = n.Prop("parent")
		a.ParentWWNN = n.Prop("parent_wwnn")
		a.ParentWWPN = n.Prop("parent_wwpn")
		a.ParentFabricWWN = n.Prop("parent_fabric_wwn")
		a.WWPN = n.Prop("wwpn")
		a.WWNN = n.Prop("wwnn")
	case AdapterSCSIHost:
		a.Name = n.Prop("name")
		if pa := n.Child("parentaddr"); pa != nil {
			addr := pa.Child("address")
			if addr == nil {
				return a, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "Missing scsi_host PCI address element")
			}
			a.HasParent = true
			var err error
			if a.ParentAddr, err = parsePCIAddress(addr); err != nil {
				return a, err
			}
			id, ok := cnum.Int(pa.Prop("unique_id"), 10)
			if !ok || id < 0 {
				return a, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "Missing or invalid scsi adapter 'unique_id' value")
			}
			a.UniqueID = int32(id)
		}
	}
	return a, nil
}

func parsePCIAddress(n *xmltree.Node) (PCIAddress, error) {
	var a PCIAddress
	for _, f := range []struct {
		name string
		dst  *uint32
	}{{"domain", &a.Domain}, {"bus", &a.Bus}, {"slot", &a.Slot}, {"function", &a.Function}} {
		s, ok := n.Attr(f.name)
		if !ok {
			continue
		}
		v, ok := cnum.UIntP(s, 0)
		if !ok {
			return a, xmlHelperError("Invalid value for attribute '%s' in element 'address': '%s'. Expected non-negative integer value", f.name, s)
		}
		*f.dst = v
	}
	if a != (PCIAddress{}) {
		if err := a.check(); err != nil {
			return a, err
		}
	}
	return a, nil
}

// check reports a field out of PCI range as virPCIDeviceAddressIsValid
// does (virpci.c, hence no error domain); virPCIDeviceAddressParseXML
// checks only a non-empty address.
func (a PCIAddress) check() error {
	switch {
	case a.Domain > 0xffff:
		return virterr.New(virterr.XMLError, "Invalid PCI address domain='0x%x', must be <= 0xFFFF", a.Domain)
	case a.Bus > 0xff:
		return virterr.New(virterr.XMLError, "Invalid PCI address bus='0x%x', must be <= 0xFF", a.Bus)
	case a.Slot > 0x1f:
		return virterr.New(virterr.XMLError, "Invalid PCI address slot='0x%x', must be <= 0x1F", a.Slot)
	case a.Function > 7:
		return virterr.New(virterr.XMLError, "Invalid PCI address function=0x%x, must be <= 7", a.Function)
	}
	return nil
}

// checkSyntax makes the checks libvirt's adapter parser makes, whatever
// the pool type.
func (a *Adapter) checkSyntax() error {
	switch {
	case a.legacyFC:
		return xmlError("Use of 'wwnn', 'wwpn', and 'parent' attributes requires use of the adapter 'type'")
	case a.legacyParentAddr:
		return xmlError("Use of 'parentaddr' element requires use of the adapter 'type'")
	}
	switch a.Type {
	case "", AdapterSCSIHost:
	case AdapterFCHost:
		if a.Managed != "" && a.Managed != "yes" && a.Managed != "no" {
			return xmlHelperError("Invalid value for attribute 'managed' in element 'adapter': '%s'.", a.Managed)
		}
	default:
		return xmlHelperError("Invalid value for attribute 'type' in element 'adapter': '%s'.", a.Type)
	}
	return nil
}

// validate is virStorageAdapterValidate, for the pool types that use an
// adapter.
func (a *Adapter) validate() error {
	xmlErr := xmlError
	if err := a.checkSyntax(); err != nil {
		return err
	}
	switch a.Type {
	case "":
		return xmlErr("missing storage pool source adapter")
	case AdapterFCHost:
		if a.WWNN == "" || a.WWPN == "" {
			return xmlErr("'wwnn' and 'wwpn' must be specified for adapter type 'fchost'")
		}
		for _, w := range []string{a.WWNN, a.WWPN} {
			if err := validateWWN(w); err != nil {
				return err
			}
		}
		if a.ParentWWNN != "" && a.ParentWWPN == "" {
			return xmlErr("when providing parent_wwnn='%s', the parent_wwpn must also be provided", a.ParentWWNN)
		}
		if a.ParentWWNN == "" && a.ParentWWPN != "" {
			return xmlErr("when providing parent_wwpn='%s', the parent_wwnn must also be provided", a.ParentWWPN)
		}
		for _, w := range []string{a.ParentWWNN, a.ParentWWPN, a.ParentFabricWWN} {
			if w == "" {
				continue
			}
			if err := validateWWN(w); err != nil {
				return err
			}
		}
	case AdapterSCSIHost:
		if a.Name == "" && !a.HasParent {
			return xmlErr("Either 'name' or 'parent' must be specified for the 'scsi_host' adapter")
		}
		if a.Name != "" && a.HasParent {
			return xmlErr("Both 'name' and 'parent' cannot be specified for the 'scsi_host' adapter")
		}
	}
	return nil
}

// validateWWN is virValidateWWN: 16 hex digits, optionally after "0x".
func validateWWN(w string) error {
	p := w
	if len(p) > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') {
		p = p[2:]
	}
	ok := len(p) == 16
	for i := 0; ok && i < len(p); i++ {
		ok = isHex(p[i])
	}
	if !ok {
		return virterr.New(virterr.InternalError, "Malformed wwn: %s", w) // virValidateWWN, VIR_FROM_NONE
	}
	return nil
}

func (a *Adapter) format(b *xmlbuf.Buffer) {
	b.Asprintf("<adapter type='%s'", xmlbuf.Escape(a.Type))
	switch a.Type {
	case AdapterFCHost:
		for _, at := range []struct{ name, v string }{
			{"parent", a.Parent}, {"parent_wwnn", a.ParentWWNN},
			{"parent_wwpn", a.ParentWWPN}, {"parent_fabric_wwn", a.ParentFabricWWN},
		} {
			b.AttrIf(at.name, at.v)
		}
		b.AttrIf("managed", a.Managed)
		b.Attr("wwnn", a.WWNN)
		b.Attr("wwpn", a.WWPN)
		b.AddLit("/>\n")
	case AdapterSCSIHost:
		if !a.HasParent {
			b.Attr("name", a.Name)
			b.AddLit("/>\n")
			return
		}
		b.AddLit(">\n")
		b.AdjustIndent(2)
		b.Asprintf("<parentaddr unique_id='%d'>\n", a.UniqueID)
		b.AdjustIndent(2)
		b.AddLit(fmt.Sprintf("<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%d'/>\n",
			a.ParentAddr.Domain, a.ParentAddr.Bus, a.ParentAddr.Slot, a.ParentAddr.Function))
		b.AdjustIndent(-2)
		b.AddLit("</parentaddr>\n")
		b.AdjustIndent(-2)
		b.AddLit("</adapter>\n")
	}
}
