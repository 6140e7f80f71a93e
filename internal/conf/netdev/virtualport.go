package netdev

import (
	"fmt"

	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Virtual port types (virNetDevVPortProfile); "" is none.
const (
	VPortNone        = ""
	VPort8021Qbg     = "802.1Qbg"
	VPort8021Qbh     = "802.1Qbh"
	VPortOpenvSwitch = "openvswitch"
	VPortMidonet     = "midonet"
)

// profileIDMax is the size of libvirt's profileID buffer, terminator
// included (LIBVIRT_IFLA_VF_PORT_PROFILE_MAX).
const profileIDMax = 40

// VirtualPort is <virtualport>: the switch port profile of an interface.
// Each parameter is nil (or empty) when not given.
type VirtualPort struct {
	// Type is one of the VPort* constants; values libvirt does not know
	// are kept for Validate to reject.
	Type          string
	ManagerID     *uint8
	TypeID        *uint32
	TypeIDVersion *uint8
	InstanceID    *uuid.UUID
	ProfileID     string
	InterfaceID   *uuid.UUID
}

// VirtualPortFlags are libvirt's VIR_VPORT_XML_* parse flags.
type VirtualPortFlags uint

const (
	// VPortGenerateMissingDefaults fills a missing instanceid (802.1Qbg
	// or untyped) and interfaceid (openvswitch or untyped) with random
	// UUIDs.
	VPortGenerateMissingDefaults VirtualPortFlags = 1 << iota
	// VPortRequireAllAttributes demands every parameter the type needs.
	VPortRequireAllAttributes
	// VPortRequireType demands the type attribute.
	VPortRequireType
)

func knownVPortType(t string) bool {
	switch t {
	case VPort8021Qbg, VPort8021Qbh, VPortOpenvSwitch, VPortMidonet:
		return true
	}
	return false
}

// ParseVirtualPort reads a <virtualport> element
// (virNetDevVPortProfileParse).
func ParseVirtualPort(n *xmltree.Node, flags VirtualPortFlags) (*VirtualPort, error) {
	vp := &VirtualPort{}
	if t, ok := n.Attr("type"); ok {
		if t == "" || t == "none" {
			return nil, virterr.New(virterr.ConfigUnsupported, "unknown virtualport type %s", t)
		}
		vp.Type = t
	}
	if vp.Type == VPortNone && flags&VPortRequireType != 0 {
		return nil, virterr.New(virterr.XMLError, "missing required virtualport type")
	}
	if p := n.Child("parameters"); p != nil {
		if v, ok := p.Attr("managerid"); ok {
			val, ok := cnum.Unsigned(v, 0, 32, false)
			if !ok {
				return nil, virterr.New(virterr.XMLError, "cannot parse value of managerid parameter")
			}
			if val > 0xff {
				return nil, virterr.New(virterr.XMLError, "value of managerid out of range")
			}
			m := uint8(val)
			vp.ManagerID = &m
		}
		if v, ok := p.Attr("typeid"); ok {
			val, ok := cnum.Unsigned(v, 0, 32, false)
			if !ok {
				return nil, virterr.New(virterr.XMLError, "cannot parse value of typeid parameter")
			}
			if val > 0xffffff {
				return nil, virterr.New(virterr.XMLError, "value for typeid out of range")
			}
			t := uint32(val)
			vp.TypeID = &t
		}
		if v, ok := p.Attr("typeidversion"); ok {
			val, ok := cnum.Unsigned(v, 0, 32, false)
			if !ok {
				return nil, virterr.New(virterr.XMLError, "cannot parse value of typeidversion parameter")
			}
			if val > 0xff {
				return nil, virterr.New(virterr.XMLError, "value of typeidversion out of range")
			}
			t := uint8(val)
			vp.TypeIDVersion = &t
		}
		if v, ok := p.Attr("instanceid"); ok {
			u, err := uuid.Parse(v)
			if err != nil {
				return nil, virterr.New(virterr.XMLError, "cannot parse instanceid parameter as a uuid")
			}
			vp.InstanceID = &u
		}
		if v, ok := p.Attr("profileid"); ok {
			if len(v) >= profileIDMax {
				return nil, virterr.New(virterr.XMLError, "profileid parameter too long")
			}
			vp.ProfileID = v
		}
		if v, ok := p.Attr("interfaceid"); ok {
			u, err := uuid.Parse(v)
			if err != nil {
				return nil, virterr.New(virterr.XMLError, "cannot parse interfaceid parameter as a uuid")
			}
			vp.InterfaceID = &u
		}
	}
	if flags&VPortGenerateMissingDefaults != 0 {
		vp.GenerateMissing()
	}
	if flags&VPortRequireAllAttributes != 0 {
		if err := vp.CheckComplete(false); err != nil {
			return nil, err
		}
	}
	if err := vp.CheckNoExtras(); err != nil {
		return nil, err
	}
	return vp, nil
}

// GenerateMissing gives an untyped or 802.1Qbg port a random instanceid and
// an untyped or openvswitch port a random interfaceid when they have none.
func (vp *VirtualPort) GenerateMissing() {
	if vp.InstanceID == nil && (vp.Type == VPort8021Qbg || vp.Type == VPortNone) {
		u := uuid.New()
		vp.InstanceID = &u
	}
	if vp.InterfaceID == nil && (vp.Type == VPortOpenvSwitch || vp.Type == VPortNone) {
		u := uuid.New()
		vp.InterfaceID = &u
	}
}

// CheckComplete reports the first parameter the port's type requires but
// lacks (virNetDevVPortProfileCheckComplete); with generateMissing, the
// UUIDs that can be made up are filled in instead.
func (vp *VirtualPort) CheckComplete(generateMissing bool) error {
	if vp == nil || vp.Type == VPortNone {
		return nil
	}
	missing := ""
	switch vp.Type {
	case VPort8021Qbg:
		switch {
		case vp.ManagerID == nil:
			missing = "managerid"
		case vp.TypeID == nil:
			missing = "typeid"
		case vp.TypeIDVersion == nil:
			missing = "typeidversion"
		case vp.InstanceID == nil:
			if generateMissing {
				u := uuid.New()
				vp.InstanceID = &u
			} else {
				missing = "instanceid"
			}
		}
	case VPort8021Qbh:
		if vp.ProfileID == "" {
			missing = "profileid"
		}
	case VPortOpenvSwitch:
		if vp.InterfaceID == nil {
			if generateMissing {
				u := uuid.New()
				vp.InterfaceID = &u
			} else {
				missing = "interfaceid"
			}
		}
	case VPortMidonet:
		if vp.InterfaceID == nil {
			missing = "interfaceid"
		}
	}
	if missing != "" {
		return virterr.New(virterr.XMLError, "missing %s in <virtualport type='%s'>", missing, vp.Type)
	}
	return nil
}

// CheckNoExtras reports the first parameter the port's type does not
// support (virNetDevVPortProfileCheckNoExtras).
func (vp *VirtualPort) CheckNoExtras() error {
	if vp == nil || vp.Type == VPortNone {
		return nil
	}
	extra := ""
	switch vp.Type {
	case VPort8021Qbg:
		switch {
		case vp.ProfileID != "":
			extra = "profileid"
		case vp.InterfaceID != nil:
			extra = "interfaceid"
		}
	case VPort8021Qbh:
		switch {
		case vp.ManagerID != nil:
			extra = "managerid"
		case vp.TypeID != nil:
			extra = "typeid"
		case vp.TypeIDVersion != nil:
			extra = "typeidversion"
		case vp.InstanceID != nil:
			extra = "instanceid"
		case vp.InterfaceID != nil:
			extra = "interfaceid"
		}
	case VPortOpenvSwitch, VPortMidonet:
		switch {
		case vp.ManagerID != nil:
			extra = "managerid"
		case vp.TypeID != nil:
			extra = "typeid"
		case vp.TypeIDVersion != nil:
			extra = "typeidversion"
		case vp.InstanceID != nil:
			extra = "instanceid"
		case vp.Type == VPortMidonet && vp.ProfileID != "":
			extra = "profileid"
		}
	}
	if extra != "" {
		return virterr.New(virterr.XMLError, "extra %s unsupported in <virtualport type='%s'>", extra, vp.Type)
	}
	return nil
}

// Validate rejects a type libvirt does not know.
func (vp *VirtualPort) Validate() error {
	if vp == nil || vp.Type == VPortNone || knownVPortType(vp.Type) {
		return nil
	}
	return virterr.New(virterr.ConfigUnsupported, "unknown virtualport type %s", vp.Type)
}

func (vp *VirtualPort) hasParameters() bool {
	return vp.ManagerID != nil || vp.TypeID != nil || vp.TypeIDVersion != nil ||
		vp.InstanceID != nil || vp.ProfileID != "" || vp.InterfaceID != nil
}

// Format writes the element (virNetDevVPortProfileFormat): only the
// parameters the type uses are written; an untyped port writes all.
func (vp *VirtualPort) Format(buf *xmlbuf.Buffer) {
	if vp == nil {
		return
	}
	t := vp.Type
	if !vp.hasParameters() {
		if t != VPortNone {
			buf.Asprintf("<virtualport type='%s'/>\n", xmlbuf.Escape(t))
		}
		return
	}
	if t == VPortNone {
		buf.AddLit("<virtualport>\n")
	} else {
		buf.Asprintf("<virtualport type='%s'>\n", xmlbuf.Escape(t))
	}
	buf.AdjustIndent(2)
	buf.AddLit("<parameters")
	qbg := t == VPort8021Qbg || t == VPortNone
	if vp.ManagerID != nil && qbg {
		buf.Asprintf(" managerid='%d'", *vp.ManagerID)
	}
	if vp.TypeID != nil && qbg {
		buf.Asprintf(" typeid='%d'", *vp.TypeID)
	}
	if vp.TypeIDVersion != nil && qbg {
		buf.Asprintf(" typeidversion='%d'", *vp.TypeIDVersion)
	}
	if vp.InstanceID != nil && qbg {
		buf.Asprintf(" instanceid='%s'", vp.InstanceID.String())
	}
	if vp.InterfaceID != nil && (t == VPortMidonet || t == VPortOpenvSwitch || t == VPortNone) {
		buf.Asprintf(" interfaceid='%s'", vp.InterfaceID.String())
	}
	if vp.ProfileID != "" && (t == VPortOpenvSwitch || t == VPort8021Qbh || t == VPortNone) {
		// libvirt writes the profile id unescaped.
		buf.Asprintf(" profileid='%s'", vp.ProfileID)
	}
	buf.AddLit("/>\n")
	buf.AdjustIndent(-2)
	buf.AddLit("</virtualport>\n")
}

// Clone returns a deep copy.
func (vp *VirtualPort) Clone() *VirtualPort {
	if vp == nil {
		return nil
	}
	c := *vp
	if vp.ManagerID != nil {
		v := *vp.ManagerID
		c.ManagerID = &v
	}
	if vp.TypeID != nil {
		v := *vp.TypeID
		c.TypeID = &v
	}
	if vp.TypeIDVersion != nil {
		v := *vp.TypeIDVersion
		c.TypeIDVersion = &v
	}
	if vp.InstanceID != nil {
		v := *vp.InstanceID
		c.InstanceID = &v
	}
	if vp.InterfaceID != nil {
		v := *vp.InterfaceID
		c.InterfaceID = &v
	}
	return &c
}

// Merge3 combines the virtual port of an interface, of its network and of
// its portgroup into the one to use (virNetDevVPortProfileMerge3): each
// fills what the earlier ones left unset, and a parameter set differently
// in two of them is an error. All nil gives nil.
func Merge3(fromInterface, fromNetwork, fromPortgroup *VirtualPort) (*VirtualPort, error) {
	if fromInterface == nil && fromNetwork == nil && fromPortgroup == nil {
		return nil, nil
	}
	res := fromInterface.Clone()
	if res == nil {
		res = &VirtualPort{}
	}
	if err := res.merge(fromNetwork); err != nil {
		return nil, err
	}
	if err := res.merge(fromPortgroup); err != nil {
		return nil, err
	}
	return res, nil
}

func (vp *VirtualPort) merge(mods *VirtualPort) error {
	if mods == nil {
		return nil
	}
	if mods.Type != VPortNone {
		if vp.Type == VPortNone {
			vp.Type = mods.Type
		} else if vp.Type != mods.Type {
			return virterr.New(virterr.XMLError, "attempt to merge virtualports with mismatched types (%s and %s)", vp.Type, mods.Type)
		}
	}
	mismatch := func(what string, a, b any) error {
		return virterr.New(virterr.XMLError, "attempt to merge virtualports with mismatched %s (%s and %s)", what, fmt.Sprint(a), fmt.Sprint(b))
	}
	if mods.ManagerID != nil {
		if vp.ManagerID != nil && *vp.ManagerID != *mods.ManagerID {
			return mismatch("managerids", *vp.ManagerID, *mods.ManagerID)
		}
		v := *mods.ManagerID
		vp.ManagerID = &v
	}
	if mods.TypeID != nil {
		if vp.TypeID != nil && *vp.TypeID != *mods.TypeID {
			return mismatch("typeids", *vp.TypeID, *mods.TypeID)
		}
		v := *mods.TypeID
		vp.TypeID = &v
	}
	if mods.TypeIDVersion != nil {
		if vp.TypeIDVersion != nil && *vp.TypeIDVersion != *mods.TypeIDVersion {
			return mismatch("typeidversions", *vp.TypeIDVersion, *mods.TypeIDVersion)
		}
		v := *mods.TypeIDVersion
		vp.TypeIDVersion = &v
	}
	if mods.InstanceID != nil {
		if vp.InstanceID != nil && *vp.InstanceID != *mods.InstanceID {
			return mismatch("instanceids", vp.InstanceID, mods.InstanceID)
		}
		v := *mods.InstanceID
		vp.InstanceID = &v
	}
	if mods.ProfileID != "" {
		if vp.ProfileID != "" && vp.ProfileID != mods.ProfileID {
			return mismatch("profileids", vp.ProfileID, mods.ProfileID)
		}
		vp.ProfileID = mods.ProfileID
	}
	if mods.InterfaceID != nil {
		if vp.InterfaceID != nil && *vp.InterfaceID != *mods.InterfaceID {
			return mismatch("interfaceids", vp.InterfaceID, mods.InterfaceID)
		}
		v := *mods.InterfaceID
		vp.InterfaceID = &v
	}
	return nil
}

// Equal reports whether two virtual ports are the same
// (virNetDevVPortProfileEqual).
func (vp *VirtualPort) Equal(o *VirtualPort) bool {
	if vp == nil || o == nil {
		return vp == nil && o == nil
	}
	if vp.Type != o.Type {
		return false
	}
	eqU8 := func(a, b *uint8) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	eqU32 := func(a, b *uint32) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	eqUUID := func(a, b *uuid.UUID) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	switch vp.Type {
	case VPort8021Qbg:
		return eqU8(vp.ManagerID, o.ManagerID) && eqU32(vp.TypeID, o.TypeID) &&
			eqU8(vp.TypeIDVersion, o.TypeIDVersion) && eqUUID(vp.InstanceID, o.InstanceID)
	case VPort8021Qbh:
		return vp.ProfileID == o.ProfileID
	case VPortOpenvSwitch, VPortMidonet:
		return vp.ProfileID == o.ProfileID && eqUUID(vp.InterfaceID, o.InterfaceID)
	}
	return true
}
