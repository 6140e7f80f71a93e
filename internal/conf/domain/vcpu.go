package domain

import (
	"sort"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// VCPUs is <vcpu> and the per-vcpu <vcpus> list.
type VCPUs struct {
	Max       uint
	Current   uint   // online vcpus; 0 means all
	Placement string // static | auto
	CPUSet    CPUSet // nil: no pinning
	// Individual is the <vcpus> list, indexed by vcpu id, nil when absent.
	Individual []VCPUInfo
}

// VCPUInfo is one <vcpus><vcpu>.
type VCPUInfo struct {
	Enabled      bool
	Hotpluggable string // yes | no | "" (unset)
	Order        uint
}

func parseUintText(s string) (uint, bool) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	return uint(v), err == nil
}

func parseVCPUs(dom *xmltree.Node) (VCPUs, error) {
	v := VCPUs{Max: 1}
	n := dom.Child("vcpu")
	if n != nil {
		max, ok := parseUintText(n.Text)
		if !ok {
			return v, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "maximum vcpus count must be an integer")
		}
		v.Max = max
		if c, present := n.Attr("current"); present {
			if _, err := parseUintC(c, 32); err != nil {
				return v, errInvalidNumberProp("vcpu", "current", c, expectNonNegativeInt)
			}
			cur, _ := parseUintText(c)
			v.Current = cur
		}
		v.Placement = n.Prop("placement")
		if cs, ok := n.Attr("cpuset"); ok && v.Placement != "auto" {
			set, err := parseNonEmptySet(cs, "cpuset")
			if err != nil {
				return v, err
			}
			v.CPUSet = set
		}
	}
	if v.Placement == "" {
		v.Placement = "static"
		if dom.Find("numatune/memory") != nil && dom.Find("numatune/memory").Prop("placement") == "auto" {
			v.Placement = "auto"
		}
	}
	if vs := dom.Child("vcpus"); vs != nil && v.Max <= maxBitmapBit {
		cur := v.Current
		if cur == 0 || cur > v.Max {
			cur = v.Max
		}
		v.Individual = make([]VCPUInfo, v.Max)
		for i := uint(0); i < cur; i++ {
			v.Individual[i].Enabled = true
		}
		for _, c := range vs.ChildrenNamed("vcpu") {
			id, ok := parseUintText(c.Prop("id"))
			if !ok {
				return v, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "missing or invalid vcpu id")
			}
			if id >= v.Max {
				return v, virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "vcpu id '%d' is out of range of maximum vcpu count", id)
			}
			info := &v.Individual[id]
			switch c.Prop("enabled") {
			case "yes":
				info.Enabled = true
			case "no":
				info.Enabled = false
			default:
				return v, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "invalid value of 'enabled' for vcpu")
			}
			info.Hotpluggable = c.Prop("hotpluggable")
			if o, ok := c.Attr("order"); ok {
				ord, ok := parseUintText(o)
				if !ok {
					return v, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "failed to parse vcpu order")
				}
				info.Order = ord
			}
		}
		online := uint(0)
		for _, i := range v.Individual {
			if i.Enabled {
				online++
			}
		}
		v.Current = online
	}
	return v, nil
}

func (v *VCPUs) online() uint {
	if v.Current == 0 || v.Current > v.Max {
		return v.Max
	}
	return v.Current
}

func (v *VCPUs) postParse() {}

func (v *VCPUs) validate() error {
	if v.Current > v.Max {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "maxvcpus must not be less than current vcpus (%d < %d)", v.Max, v.Current)
	}
	if v.Max == 0 {
		return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "%s", "domain must have at least one vCPU")
	}
	return nil
}

func (v *VCPUs) format(b *xmlbuf.Buffer, name string) {
	switch name {
	case "vcpu":
		b.AddLit("<vcpu")
		b.Attr("placement", v.Placement)
		if len(v.CPUSet) > 0 {
			b.Attr("cpuset", v.CPUSet.String())
		}
		if v.online() != v.Max {
			b.Attrf("current", "%d", v.online())
		}
		b.Asprintf(">%d</vcpu>\n", v.Max)
	case "vcpus":
		if v.Individual == nil {
			return
		}
		b.AddLit("<vcpus>\n")
		b.AdjustIndent(2)
		ids := make([]int, len(v.Individual))
		for i := range ids {
			ids[i] = i
		}
		sort.Ints(ids)
		for _, i := range ids {
			info := v.Individual[i]
			b.Asprintf("<vcpu id='%d'", i)
			b.Attr("enabled", yesNoText(info.Enabled))
			b.AttrIf("hotpluggable", info.Hotpluggable)
			if info.Order != 0 {
				b.Attrf("order", "%d", info.Order)
			}
			b.AddLit("/>\n")
		}
		b.AdjustIndent(-2)
		b.AddLit("</vcpus>\n")
	}
}

func yesNoText(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
