package cpumap

import (
	"strconv"
	"strings"
	"sync"

	"github.com/govirt/govirt/virt/virterr"
)

type x86Vendor struct {
	name string
	data X86Data // the vendor string in leaf 0
}

type x86Feature struct {
	name       string
	data       X86Data
	migratable bool
	aliases    []Alias
}

type x86Signature struct {
	family, model uint32
	// steppings is a bitmap of the steppings (bit n = stepping n); 0
	// matches any.
	steppings uint16
}

type x86Model struct {
	name                    string
	decodeHost, decodeGuest bool
	vendor                  *x86Vendor
	signatures              []x86Signature
	data                    X86Data
	removed                 []string
}

// x86Map is libvirt's virCPUx86Map, built once from the generated data.
type x86Map struct {
	vendors  []*x86Vendor
	features []*x86Feature
	models   []*x86Model
}

var x86Once struct {
	sync.Once
	m   *x86Map
	err error
}

func getX86Map() (*x86Map, error) {
	x86Once.Do(func() { x86Once.m, x86Once.err = buildX86Map() })
	return x86Once.m, x86Once.err
}

func itemsData(items []X86Item) X86Data {
	d := X86Data{}
	for _, it := range items {
		d.Add(it)
	}
	return d
}

// parseSteppings reads libvirt's bitmap syntax ("5-7", "0-4,9") for the
// 16 possible steppings.
func parseSteppings(s string) (uint16, bool) {
	var bits uint16
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.ParseUint(lo, 10, 8)
		if err != nil || a > 15 {
			return 0, false
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 8); err != nil || b > 15 || b < a {
				return 0, false
			}
		}
		for i := a; i <= b; i++ {
			bits |= 1 << i
		}
	}
	return bits, true
}

func buildX86Map() (*x86Map, error) {
	m := &x86Map{}
	for _, v := range x86Vendors {
		it, err := vendorItem(v.String)
		if err != nil {
			return nil, err
		}
		m.vendors = append(m.vendors, &x86Vendor{name: v.Name, data: itemsData([]X86Item{it})})
	}
	for _, f := range x86Features {
		m.features = append(m.features, &x86Feature{name: f.Name, data: itemsData(f.Items), migratable: !f.NonMigratable, aliases: f.Aliases})
	}
	for _, def := range x86Models {
		mod := &x86Model{name: def.Name, decodeHost: def.DecodeHost, decodeGuest: def.DecodeGuest, data: X86Data{}}
		if def.Ancestor != "" {
			anc := m.model(def.Ancestor)
			if anc == nil {
				return nil, cpuErr(virterr.InternalError, "Ancestor model %s not found for CPU model %s", def.Ancestor, def.Name)
			}
			mod.vendor = anc.vendor
			mod.signatures = anc.signatures
			mod.data = anc.data.clone()
		}
		if len(def.Signatures) > 0 {
			mod.signatures = nil
			for _, s := range def.Signatures {
				sig := x86Signature{family: s.Family, model: s.Model}
				if s.Stepping != "" {
					bits, ok := parseSteppings(s.Stepping)
					if !ok {
						return nil, cpuErr(virterr.InternalError, "Invalid CPU signature stepping in model %s", def.Name)
					}
					sig.steppings = bits
				}
				mod.signatures = append(mod.signatures, sig)
			}
		}
		if def.Vendor != "" {
			if mod.vendor = m.vendor(def.Vendor); mod.vendor == nil {
				return nil, cpuErr(virterr.InternalError, "Unknown vendor %s referenced by CPU model %s", def.Vendor, def.Name)
			}
		}
		for _, name := range def.Features {
			f := m.feature(name)
			if f == nil {
				return nil, cpuErr(virterr.InternalError, "Feature %s required by CPU model %s not found", name, def.Name)
			}
			mod.data.add(f.data)
		}
		mod.removed = def.Removed
		m.models = append(m.models, mod)
	}
	return m, nil
}

func (m *x86Map) vendor(name string) *x86Vendor {
	for _, v := range m.vendors {
		if v.name == name {
			return v
		}
	}
	return nil
}

func (m *x86Map) feature(name string) *x86Feature {
	for _, f := range m.features {
		if f.name == name {
			return f
		}
	}
	return nil
}

func (m *x86Map) model(name string) *x86Model {
	for _, mod := range m.models {
		if mod.name == name {
			return mod
		}
	}
	return nil
}

// toVendor is x86DataToVendor: the vendor whose string data holds,
// which it clears from data.
func (m *x86Map) toVendor(data X86Data) *x86Vendor {
	for _, v := range m.vendors {
		if data.isSubset(v.data) {
			data.subtract(v.data)
			return v
		}
	}
	return nil
}

func (s x86Signature) matches(sig uint32) bool {
	family, model, stepping := signatureFromCPUID(sig)
	return s.family == family && s.model == model && (s.steppings == 0 || s.steppings&(1<<stepping) != 0)
}

func (mod *x86Model) signaturesMatch(sig uint32) bool {
	for _, s := range mod.signatures {
		if s.matches(sig) {
			return true
		}
	}
	return false
}

// X86Models lists the x86 model names in map order (virCPUx86GetModels).
func X86Models() []string {
	m, err := getX86Map()
	if err != nil {
		return nil
	}
	out := make([]string, len(m.models))
	for i, mod := range m.models {
		out[i] = mod.name
	}
	return out
}

// X86ModelVendor is virCPUx86GetVendorForModel: "" for an unknown model
// or one of no particular vendor.
func X86ModelVendor(model string) string {
	m, err := getX86Map()
	if err != nil {
		return ""
	}
	if mod := m.model(model); mod != nil && mod.vendor != nil {
		return mod.vendor.name
	}
	return ""
}

// X86FeatureKnown says whether name is a feature of libvirt's x86 map.
func X86FeatureKnown(name string) bool {
	m, err := getX86Map()
	return err == nil && m.feature(name) != nil
}

// X86FeatureAlias translates a feature name of the given source ("qemu",
// "linux") to libvirt's spelling; names without alias come back as they
// are.
func X86FeatureAlias(name, source string) string {
	m, err := getX86Map()
	if err != nil {
		return name
	}
	for _, f := range m.features {
		for _, a := range f.aliases {
			if a.Name == name && (source == "" || a.Source == source) {
				return f.name
			}
		}
	}
	return name
}

// X86AddFeature sets a feature's bits in data (virCPUx86DataAddFeature);
// names the map does not know are ignored.
func X86AddFeature(data X86Data, name string) {
	m, err := getX86Map()
	if err != nil {
		return
	}
	if f := m.feature(name); f != nil {
		data.add(f.data)
	}
}
