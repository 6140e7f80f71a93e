package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// cpuMapDir is libvirt's CPU map, which the test driver's CPU calls read
// as libvirt's do (x86 features, vendors and models).
var cpuMapDir = "/usr/share/libvirt/cpu_map"

// baselineExpandFeatures is VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES; the
// test driver refuses VIR_CONNECT_BASELINE_CPU_MIGRATABLE.
const baselineExpandFeatures = 1 << 0

func cpuErr(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromCPU, code, format, args...)
}

// ConnectBaselineCPU computes the CPU model every given host CPU can run
// (testConnectBaselineCPU: virCPUBaseline, then virCPUExpandFeatures on
// request).
func (c *conn) ConnectBaselineCPU(ctx context.Context, xmlCPUs []string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, baselineExpandFeatures, "testConnectBaselineCPU"); err != nil {
		return "", err
	}
	if len(xmlCPUs) == 0 {
		return "", cpuErr(virterr.InvalidArg, "no CPUs given")
	}
	cpus := make([]*hostCPU, len(xmlCPUs))
	for i, x := range xmlCPUs {
		cpu, err := parseHostCPU(x)
		if err != nil {
			return "", err
		}
		cpus[i] = cpu
	}
	var out *guestCPU
	var err error
	switch arch := cpus[0].arch; arch {
	case "i686", "x86_64":
		var m *x86Map
		if m, err = loadX86Map(); err != nil {
			return "", err
		}
		if out, err = m.baseline(cpus); err != nil {
			return "", err
		}
		if flags&baselineExpandFeatures != 0 {
			if err := m.expand(out); err != nil {
				return "", err
			}
		}
	case "ppc64", "ppc64le":
		if out, err = ppc64Baseline(cpus); err != nil {
			return "", err
		}
	case "armv6l", "armv7l", "armv7b", "aarch64":
		out = &guestCPU{model: cpus[0].model, fallback: "allow"}
	case "s390", "s390x":
		return "", cpuErr(virterr.NoSupport, "cannot compute baseline CPU of %s architecture", arch)
	default:
		return "", cpuErr(virterr.NoSupport, "'%s' architecture is not supported by CPU driver", arch)
	}
	return out.format(), nil
}

// hostCPU is the part of a host <cpu> definition a baseline reads.
type hostCPU struct {
	arch     string
	model    string
	vendor   string
	features []string
}

// parseHostCPU reads one CPU of a baseline request (virCPUDefParseXML
// with VIR_CPU_TYPE_HOST).
func parseHostCPU(data string) (*hostCPU, error) {
	root, err := xmltree.Parse([]byte(data), "(CPU_definition)")
	if err != nil {
		// libvirt parses with the CPU code's error domain.
		if e, ok := err.(*virterr.Error); ok {
			return nil, e.WithDomain(virterr.FromCPU)
		}
		return nil, err
	}
	if root.Name != "cpu" {
		return nil, cpuErr(virterr.XMLError, "XML does not contain expected 'cpu' element")
	}
	text := func(name string) string { s, _ := root.ChildText(name); return strings.TrimSpace(s) }
	cpu := &hostCPU{arch: text("arch"), model: text("model"), vendor: text("vendor")}
	if cpu.arch == "" {
		return nil, cpuErr(virterr.XMLError, "Missing CPU architecture")
	}
	if cpu.model == "" {
		return nil, cpuErr(virterr.XMLError, "Missing CPU model name")
	}
	for _, f := range root.ChildrenNamed("feature") {
		name := f.Prop("name")
		if name == "" {
			return nil, cpuErr(virterr.XMLError, "Invalid CPU feature name")
		}
		cpu.features = append(cpu.features, name)
	}
	return cpu, nil
}

// guestCPU is a baseline's result.
type guestCPU struct {
	model    string
	fallback string
	vendor   string
	features []cpuFeature
}

type cpuFeature struct {
	name   string
	policy string // require, disable
}

// setFeature is virCPUDefUpdateFeature: a listed feature gets the policy,
// another is appended.
func (g *guestCPU) setFeature(name, policy string) {
	for i := range g.features {
		if g.features[i].name == name {
			g.features[i].policy = policy
			return
		}
	}
	g.features = append(g.features, cpuFeature{name, policy})
}

func (g *guestCPU) format() string {
	var b strings.Builder
	b.WriteString("<cpu mode='custom' match='exact'>\n")
	fmt.Fprintf(&b, "  <model fallback='%s'>%s</model>\n", g.fallback, g.model)
	if g.vendor != "" {
		fmt.Fprintf(&b, "  <vendor>%s</vendor>\n", g.vendor)
	}
	for _, f := range g.features {
		fmt.Fprintf(&b, "  <feature policy='%s' name='%s'/>\n", f.policy, f.name)
	}
	b.WriteString("</cpu>\n")
	return b.String()
}

// ppc64Baseline: POWER CPUs only run each other's code when they are the
// same model.
func ppc64Baseline(cpus []*hostCPU) (*guestCPU, error) {
	for _, cpu := range cpus[1:] {
		if cpu.model != cpus[0].model {
			return nil, cpuErr(virterr.OperationFailed, "CPUs are incompatible")
		}
	}
	return &guestCPU{model: cpus[0].model, fallback: "forbid"}, nil
}

// x86Key names one CPUID leaf (eax_in, ecx_in) or one MSR.
type x86Key struct {
	msr    bool
	in, sb uint32
}

// x86Data is a set of CPUID/MSR bits: eax, ebx, ecx, edx of each leaf.
type x86Data map[x86Key][4]uint32

func (d x86Data) clone() x86Data {
	c := make(x86Data, len(d))
	for k, v := range d {
		c[k] = v
	}
	return c
}

func (d x86Data) add(o x86Data) {
	for k, v := range o {
		r := d[k]
		for i := range r {
			r[i] |= v[i]
		}
		d[k] = r
	}
}

func (d x86Data) subtract(o x86Data) {
	for k, v := range o {
		r, ok := d[k]
		if !ok {
			continue
		}
		for i := range r {
			r[i] &^= v[i]
		}
		d[k] = r
	}
}

func (d x86Data) intersect(o x86Data) {
	for k, r := range d {
		v := o[k]
		for i := range r {
			r[i] &= v[i]
		}
		d[k] = r
	}
}

// contains says whether every bit of o is set in d.
func (d x86Data) contains(o x86Data) bool {
	for k, v := range o {
		r := d[k]
		for i := range r {
			if r[i]&v[i] != v[i] {
				return false
			}
		}
	}
	return true
}

func (d x86Data) empty() bool {
	for _, r := range d {
		if r != [4]uint32{} {
			return false
		}
	}
	return true
}

type x86Feature struct {
	name string
	data x86Data
}

type x86Model struct {
	name        string
	vendor      string
	decodeGuest bool
	data        x86Data
	removed     []string // features QEMU dropped from the model
}

// x86Map is libvirt's x86 CPU map, in its files' order.
type x86Map struct {
	vendors  []string
	features []*x86Feature
	models   []*x86Model
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

var x86MapCache struct {
	once sync.Once
	m    *x86Map
	err  error
}

func loadX86Map() (*x86Map, error) {
	x86MapCache.once.Do(func() {
		x86MapCache.m, x86MapCache.err = readX86Map(cpuMapDir)
	})
	return x86MapCache.m, x86MapCache.err
}

// readX86Map reads the x86 part of index.xml and the files it includes.
func readX86Map(dir string) (*x86Map, error) {
	read := func(name string) (*xmltree.Node, error) {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, cpuErr(virterr.InternalError, "failed to read CPU map %s: %s", path, errnoText(err))
		}
		return xmltree.Parse(data, path)
	}
	index, err := read("index.xml")
	if err != nil {
		return nil, err
	}
	m := &x86Map{}
	for _, arch := range index.ChildrenNamed("arch") {
		if arch.Prop("name") != "x86" {
			continue
		}
		for _, inc := range arch.ChildrenNamed("include") {
			doc, err := read(inc.Prop("filename"))
			if err != nil {
				return nil, err
			}
			if err := m.load(doc); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

func parseHex(s string) uint32 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(s), "0x"), 16, 32)
	return uint32(v)
}

func (m *x86Map) load(doc *xmltree.Node) error {
	for _, n := range doc.Children {
		switch n.Name {
		case "vendor":
			m.vendors = append(m.vendors, n.Prop("name"))
		case "feature":
			f := &x86Feature{name: n.Prop("name"), data: x86Data{}}
			for _, c := range n.ChildrenNamed("cpuid") {
				k := x86Key{in: parseHex(c.Prop("eax_in")), sb: parseHex(c.Prop("ecx_in"))}
				f.data.add(x86Data{k: {parseHex(c.Prop("eax")), parseHex(c.Prop("ebx")), parseHex(c.Prop("ecx")), parseHex(c.Prop("edx"))}})
			}
			for _, c := range n.ChildrenNamed("msr") {
				k := x86Key{msr: true, in: parseHex(c.Prop("index"))}
				f.data.add(x86Data{k: {parseHex(c.Prop("eax")), 0, 0, parseHex(c.Prop("edx"))}})
			}
			m.features = append(m.features, f)
		case "model":
			mod := &x86Model{name: n.Prop("name"), data: x86Data{}, decodeGuest: true}
			if v := n.Child("vendor"); v != nil {
				mod.vendor = v.Prop("name")
			}
			if d := n.Child("decode"); d != nil && d.Prop("guest") == "off" {
				mod.decodeGuest = false
			}
			for _, fn := range n.ChildrenNamed("feature") {
				f := m.feature(fn.Prop("name"))
				if f == nil {
					return cpuErr(virterr.InternalError, "Feature %s required by CPU model %s not found", fn.Prop("name"), mod.name)
				}
				mod.data.add(f.data)
				if fn.Prop("removed") == "yes" {
					mod.removed = append(mod.removed, f.name)
				}
			}
			m.models = append(m.models, mod)
		}
	}
	return nil
}

// cpuData is x86ModelFromCPU for a host CPU: its model's bits and its
// features'.
func (m *x86Map) cpuData(cpu *hostCPU) (*x86Model, x86Data, error) {
	mod := m.model(cpu.model)
	if mod == nil {
		return nil, nil, cpuErr(virterr.InternalError, "Unknown CPU model %s", cpu.model)
	}
	data := mod.data.clone()
	for _, name := range cpu.features {
		f := m.feature(name)
		if f == nil {
			return nil, nil, cpuErr(virterr.InternalError, "Unknown CPU feature %s", name)
		}
		data.add(f.data)
	}
	return mod, data, nil
}

// baseline is x86Baseline: the bits every CPU has, decoded into the model
// that needs the fewest extra features.
func (m *x86Map) baseline(cpus []*hostCPU) (*guestCPU, error) {
	_, data, err := m.cpuData(cpus[0])
	if err != nil {
		return nil, err
	}
	vendor, outputVendor := "", cpus[0].vendor != ""
	if cpus[0].vendor != "" {
		if !slices.Contains(m.vendors, cpus[0].vendor) {
			return nil, cpuErr(virterr.OperationFailed, "Unknown CPU vendor %s", cpus[0].vendor)
		}
		vendor = cpus[0].vendor
	}
	preferred, matching := cpus[0].model, true
	for _, cpu := range cpus[1:] {
		if matching && preferred != cpu.model {
			preferred, matching = "", false
		}
		mod, d, err := m.cpuData(cpu)
		if err != nil {
			return nil, err
		}
		if cpu.vendor != "" && mod.vendor != "" && cpu.vendor != mod.vendor {
			return nil, cpuErr(virterr.OperationFailed, "CPU vendor %s of model %s differs from vendor %s", mod.vendor, mod.name, cpu.vendor)
		}
		vn := cpu.vendor
		if vn == "" {
			outputVendor = false
			vn = mod.vendor
		}
		if vn != "" {
			if vendor == "" {
				if !slices.Contains(m.vendors, vn) {
					return nil, cpuErr(virterr.OperationFailed, "Unknown CPU vendor %s", vn)
				}
				vendor = vn
			} else if vendor != vn {
				return nil, cpuErr(virterr.OperationFailed, "CPU vendors do not match")
			}
		}
		data.intersect(d)
	}
	if data.empty() {
		return nil, cpuErr(virterr.OperationFailed, "CPUs are incompatible")
	}
	out, err := m.decode(data, vendor, preferred)
	if err != nil {
		return nil, err
	}
	out.fallback = "allow"
	if out.model == preferred {
		out.fallback = "forbid"
	}
	if !outputVendor {
		out.vendor = ""
	}
	return out, nil
}

// featureNames lists the map's features whose bits data holds, in map order,
// taking each one's bits away as it goes (x86DataToCPUFeatures).
func (m *x86Map) featureNames(data x86Data) []string {
	data = data.clone()
	var names []string
	for _, f := range m.features {
		if !f.data.empty() && data.contains(f.data) {
			data.subtract(f.data)
			names = append(names, f.name)
		}
	}
	return names
}

// decode is x86Decode for a guest CPU: the candidate models (last first)
// of the vendor, the preferred one if it is a candidate, else the one
// with the shortest feature list, disabled features weighing more.
func (m *x86Map) decode(data x86Data, vendor, preferred string) (*guestCPU, error) {
	var best *guestCPU
	var bestModel *x86Model
	for i := len(m.models) - 1; i >= 0; i-- {
		mod := m.models[i]
		if !mod.decodeGuest || (vendor != "" && mod.vendor != "" && mod.vendor != vendor) {
			continue
		}
		extra := data.clone()
		extra.subtract(mod.data)
		missing := mod.data.clone()
		missing.subtract(data)
		cand := &guestCPU{model: mod.name}
		for _, name := range m.featureNames(extra) {
			cand.features = append(cand.features, cpuFeature{name, "require"})
		}
		for _, name := range m.featureNames(missing) {
			cand.features = append(cand.features, cpuFeature{name, "disable"})
		}
		if preferred != "" && mod.name == preferred {
			best, bestModel = cand, mod
			break
		}
		if best == nil || cand.betterThan(best) {
			best, bestModel = cand, mod
		}
	}
	if best == nil {
		return nil, cpuErr(virterr.InternalError, "Cannot find suitable CPU model for given data")
	}
	for _, name := range bestModel.removed {
		best.setFeature(name, "disable")
	}
	best.vendor = vendor
	return best, nil
}

// cost is virCPUx86CompareCandidateFeatureList's measure of a guest CPU
// candidate: each feature it enables counts 1, the disabled ones 2, 3, 4 …
// in turn, so that models needing features disabled lose.
func (g *guestCPU) cost() (total, disabled int) {
	penalty := 2
	for _, f := range g.features {
		if f.policy == "disable" {
			disabled += penalty
			penalty++
		} else {
			total++
		}
	}
	return total + disabled, disabled
}

func (g *guestCPU) betterThan(current *guestCPU) bool {
	c, cd := g.cost()
	cur, curd := current.cost()
	return c < cur || (c == cur && cd < curd)
}

// expand is virCPUx86ExpandFeatures for a guest CPU: every feature of the
// model is listed, the CPU's own policies kept, sorted by name.
func (m *x86Map) expand(cpu *guestCPU) error {
	mod := m.model(cpu.model)
	if mod == nil {
		return cpuErr(virterr.InternalError, "unknown CPU model %s", cpu.model)
	}
	expanded := &guestCPU{}
	for _, name := range mod.removed {
		expanded.setFeature(name, "disable")
	}
	for _, name := range m.featureNames(mod.data) {
		if !slices.ContainsFunc(expanded.features, func(f cpuFeature) bool { return f.name == name }) {
			expanded.features = append(expanded.features, cpuFeature{name, "require"})
		}
	}
	for _, f := range cpu.features {
		expanded.setFeature(f.name, f.policy)
	}
	slices.SortStableFunc(expanded.features, func(a, b cpuFeature) int { return strings.Compare(a.name, b.name) })
	cpu.features = expanded.features
	return nil
}
