package cpumap

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// x86Key names one CPUID leaf (in = eax_in, sub = ecx_in) or one MSR.
type x86Key struct {
	msr     bool
	in, sub uint32
}

// x86Regs are eax, ebx, ecx and edx of a leaf; an MSR uses eax and edx.
type x86Regs [4]uint32

// X86Data is a set of CPUID and MSR bits (virCPUx86Data).
type X86Data map[x86Key]x86Regs

// Add sets the bits of item (virCPUx86DataAddItem).
func (d X86Data) Add(it X86Item) {
	k := x86Key{msr: it.MSR, in: it.In, sub: it.Sub}
	r := d[k]
	r[0] |= it.Eax
	r[1] |= it.Ebx
	r[2] |= it.Ecx
	r[3] |= it.Edx
	d[k] = r
}

// Items lists the data's non-zero leaves in libvirt's order: CPUID
// leaves by eax_in and ecx_in, then MSRs by index.
func (d X86Data) Items() []X86Item {
	var out []X86Item
	for k, r := range d {
		if r == (x86Regs{}) {
			continue
		}
		out = append(out, X86Item{MSR: k.msr, In: k.in, Sub: k.sub, Eax: r[0], Ebx: r[1], Ecx: r[2], Edx: r[3]})
	}
	slices.SortFunc(out, func(a, b X86Item) int {
		if a.MSR != b.MSR {
			if a.MSR {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.In, b.In), cmp.Compare(a.Sub, b.Sub))
	})
	return out
}

func (d X86Data) clone() X86Data {
	c := make(X86Data, len(d))
	for k, v := range d {
		c[k] = v
	}
	return c
}

func (d X86Data) add(o X86Data) {
	for k, v := range o {
		if v == (x86Regs{}) {
			continue
		}
		r := d[k]
		for i := range r {
			r[i] |= v[i]
		}
		d[k] = r
	}
}

func (d X86Data) subtract(o X86Data) {
	for k, r := range d {
		v, ok := o[k]
		if !ok {
			continue
		}
		for i := range r {
			r[i] &^= v[i]
		}
		d[k] = r
	}
}

func (d X86Data) intersect(o X86Data) {
	for k, r := range d {
		v := o[k]
		for i := range r {
			r[i] &= v[i]
		}
		d[k] = r
	}
}

// isSubset is x86DataIsSubset: every bit of sub is set in d.
func (d X86Data) isSubset(sub X86Data) bool {
	for k, v := range sub {
		r := d[k]
		for i := range r {
			if r[i]&v[i] != v[i] {
				return false
			}
		}
	}
	return true
}

func (d X86Data) empty() bool {
	for _, r := range d {
		if r != (x86Regs{}) {
			return false
		}
	}
	return true
}

// equalBits says whether both hold the same bits.
func (d X86Data) equalBits(o X86Data) bool {
	return d.isSubset(o) && o.isSubset(d)
}

// signatureMask drops the reserved bits of a CPUID signature.
const signatureMask = 0x0fff3fff

// signature is x86DataToSignature: eax of leaf 1 without reserved bits.
func (d X86Data) signature() uint32 {
	return d[x86Key{in: 1}][0] & signatureMask
}

// signatureFromCPUID is virCPUx86SignatureFromCPUID.
func signatureFromCPUID(sig uint32) (family, model, stepping uint32) {
	family = ((sig >> 20) & 0xff) + ((sig >> 8) & 0xf)
	model = ((sig >> 12) & 0xf0) + ((sig >> 4) & 0xf)
	stepping = sig & 0xf
	return
}

// makeSignature is x86MakeSignature.
func makeSignature(family, model, stepping uint32) uint32 {
	var sig uint32
	if family > 0xf {
		sig |= (family - 0xf) << 20
		family = 0xf
	}
	sig |= (model >> 4) << 16
	sig |= family << 8
	sig |= (model & 0xf) << 4
	sig |= stepping & 0xf
	return sig
}

// SetSignature adds a family/model/stepping to leaf 1
// (virCPUx86DataSetSignature).
func (d X86Data) SetSignature(family, model, stepping uint32) {
	d.Add(X86Item{In: 1, Eax: makeSignature(family, model, stepping)})
}

// Signature is virCPUx86DataGetSignature.
func (d X86Data) Signature() (family, model, stepping uint32) {
	return signatureFromCPUID(d[x86Key{in: 1}][0])
}

// SetVendor adds a vendor's CPUID string to leaf 0
// (virCPUx86DataSetVendor).
func (d X86Data) SetVendor(vendor string) error {
	it, err := vendorItem(vendor)
	if err != nil {
		return err
	}
	d.Add(it)
	return nil
}

func vendorItem(s string) (X86Item, error) {
	if len(s) != 12 {
		return X86Item{}, cpuErr(virterr.InternalError, "Invalid CPU vendor string '%s'", s)
	}
	le := func(b string) uint32 {
		return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
	}
	return X86Item{Ebx: le(s[0:4]), Edx: le(s[4:8]), Ecx: le(s[8:12])}, nil
}

// ParseX86Data reads <cpudata arch='x86'> (virCPUDataParse), as
// cputestdata's CPUID dumps and libvirt's status files hold it.
func ParseX86Data(data []byte) (X86Data, error) {
	root, err := xmltree.Parse(data, "CPU data")
	if err != nil {
		return nil, err
	}
	if root.Name != "cpudata" {
		return nil, cpuErr(virterr.XMLError, "XML does not contain expected 'cpudata' element")
	}
	if a := root.Prop("arch"); a != "x86" {
		return nil, cpuErr(virterr.InternalError, "cannot parse CPU data for '%s' architecture", a)
	}
	return parseX86Items(root)
}

func parseX86Items(n *xmltree.Node) (X86Data, error) {
	d := X86Data{}
	i := 0
	for _, c := range n.Children {
		var it X86Item
		var names []string
		var dst []*uint32
		switch c.Name {
		case "alias":
			continue
		case "cpuid":
			names = []string{"eax_in", "ecx_in", "eax", "ebx", "ecx", "edx"}
			dst = []*uint32{&it.In, &it.Sub, &it.Eax, &it.Ebx, &it.Ecx, &it.Edx}
		default:
			it.MSR = true
			names = []string{"index", "eax", "edx"}
			dst = []*uint32{&it.In, &it.Eax, &it.Edx}
		}
		for j, name := range names {
			v, ok := c.Attr(name)
			required := j == 0 || it.MSR
			if !ok {
				if required {
					return nil, cpuErr(virterr.InternalError, "Invalid %s[%d]", c.Name, i)
				}
				continue
			}
			u, err := strconv.ParseUint(strings.TrimSpace(v), 0, 32)
			if err != nil {
				return nil, cpuErr(virterr.InternalError, "Invalid %s[%d]", c.Name, i)
			}
			*dst[j] = uint32(u)
		}
		d.Add(it)
		i++
	}
	if i == 0 {
		return nil, cpuErr(virterr.InternalError, "no x86 CPU data found")
	}
	return d, nil
}

// Format writes the data as virCPUx86DataFormat does.
func (d X86Data) Format() string {
	var b strings.Builder
	b.WriteString("<cpudata arch='x86'>\n")
	for _, it := range d.Items() {
		if it.MSR {
			fmt.Fprintf(&b, "  <msr index='0x%x' eax='0x%08x' edx='0x%08x'/>\n", it.In, it.Eax, it.Edx)
		} else {
			fmt.Fprintf(&b, "  <cpuid eax_in='0x%08x' ecx_in='0x%08x' eax='0x%08x' ebx='0x%08x' ecx='0x%08x' edx='0x%08x'/>\n",
				it.In, it.Sub, it.Eax, it.Ebx, it.Ecx, it.Edx)
		}
	}
	b.WriteString("</cpudata>\n")
	return b.String()
}
