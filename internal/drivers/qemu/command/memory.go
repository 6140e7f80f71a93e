package command

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/units"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("memory", buildMemory)
	RegisterStep("numa", buildNUMA)
	RegisterPrepare(alignMemory)
}

// memoryDevice is the part of a <memory> device the memory options need.
type memoryDevice struct {
	Model      string
	Size       uint64 // KiB
	TargetNode int
	Alias      string
}

func (b *Builder) memoryDevices() []memoryDevice {
	if b.Def.Devices == nil {
		return nil
	}
	var out []memoryDevice
	for i, m := range b.Def.Devices.Kind("memory") {
		md := memoryDevice{Model: m.Attr("model"), TargetNode: -1, Alias: m.Info.Alias}
		if t := m.Child("target"); t != nil {
			if sz := t.Child("size"); sz != nil {
				md.Size = scaledKiB(sz)
			}
			if txt, ok := t.ChildText("node"); ok {
				if n, err := strconv.Atoi(strings.TrimSpace(txt)); err == nil {
					md.TargetNode = n
				}
			}
		}
		if md.Alias == "" {
			md.Alias = memoryAlias(md.Model, i)
		}
		out = append(out, md)
	}
	return out
}

func memoryAlias(model string, i int) string {
	switch model {
	case "nvdimm":
		return fmt.Sprintf("nvdimm%d", i)
	case "virtio-pmem":
		return fmt.Sprintf("virtiopmem%d", i)
	case "virtio-mem":
		return fmt.Sprintf("virtiomem%d", i)
	case "sgx-epc":
		return fmt.Sprintf("epc%d", i)
	}
	return fmt.Sprintf("dimm%d", i)
}

// numaCells returns the guest NUMA cells, nil without NUMA.
func (b *Builder) numaCells() []*domain.NUMACell {
	if b.Def.CPU == nil || b.Def.CPU.NUMA == nil {
		return nil
	}
	return b.Def.CPU.NUMA.Cells
}

func numaHasHMAT(d *domain.Def) bool {
	if d.CPU == nil || d.CPU.NUMA == nil {
		return false
	}
	if len(d.CPU.NUMA.Interconnect) > 0 {
		return true
	}
	for _, c := range d.CPU.NUMA.Cells {
		if c != nil && len(c.Caches) > 0 {
			return true
		}
	}
	return false
}

// initialMemory is virDomainDefGetMemoryInitial, in KiB.
func (b *Builder) initialMemory() uint64 {
	if cells := b.numaCells(); len(cells) > 0 {
		var sum uint64
		for _, c := range cells {
			if c != nil {
				sum += c.Memory
			}
		}
		return sum
	}
	total := b.Def.Memory.Total
	for _, m := range b.memoryDevices() {
		if m.Size <= total {
			total -= m.Size
		}
	}
	return total
}

// hasMemoryHotplug is virDomainDefHasMemoryHotplug.
func (b *Builder) hasMemoryHotplug() bool {
	return b.Def.Memory.Slots > 0 || b.Def.Memory.Max > 0
}

// alignMemory is the part of qemuDomainAlignMemorySizes that affects the
// command line: guest RAM and NUMA cells are rounded up to 1 MiB.
func alignMemory(b *Builder) error {
	const align = 1024
	if cells := b.numaCells(); len(cells) > 0 {
		for _, c := range cells {
			if c != nil {
				c.Memory = roundUp(c.Memory, align)
			}
		}
	}
	initial := roundUp(b.initialMemory(), align)
	b.alignMemoryDevices()
	var devs uint64
	for _, m := range b.memoryDevices() {
		devs += m.Size
	}
	if len(b.numaCells()) == 0 {
		b.Def.Memory.Total = initial + devs
	}
	if b.Def.Memory.Max > 0 {
		b.Def.Memory.Max = roundUp(b.Def.Memory.Max, align)
	}
	return nil
}

// alignMemoryDevices rounds memory module sizes up to the module
// alignment (qemuDomainGetMemoryModuleSizeAlignment: 2 MiB; ppc64
// NVDIMMs follow their own rules and are left alone).
func (b *Builder) alignMemoryDevices() {
	if b.Def.Devices == nil {
		return
	}
	ppc64 := b.Def.OS != nil && (b.Def.OS.Arch == "ppc64" || b.Def.OS.Arch == "ppc64le")
	align := uint64(2048)
	if ppc64 {
		align = 256 * 1024
	}
	for _, m := range b.Def.Devices.Kind("memory") {
		if ppc64 && m.Attr("model") == "nvdimm" {
			continue
		}
		t := m.Child("target")
		if t == nil {
			continue
		}
		sz := t.Child("size")
		if sz == nil {
			continue
		}
		kib := scaledKiB(sz)
		if aligned := roundUp(kib, align); aligned != kib {
			sz.Text = strconv.FormatUint(aligned, 10)
			sz.Segments = []string{sz.Text}
			setMemAttr(sz, "unit", "KiB")
		}
	}
}

func setMemAttr(n *xmltree.Node, name, value string) {
	for i, a := range n.Attrs {
		if a.Name == name {
			n.Attrs[i].Value = value
			return
		}
	}
	n.Attrs = append(n.Attrs, xmltree.Attr{Name: name, Value: value})
}

func roundUp(v, to uint64) uint64 {
	if v%to == 0 {
		return v
	}
	return v + to - v%to
}

// memoryMachineParams is qemuAppendDomainMemoryMachineParams.
func (b *Builder) memoryMachineParams(s *strings.Builder) {
	dump := b.Def.Memory.DumpCore
	if dump == "" {
		dump = onOff(b.Ctx.DumpGuestCore)
	}
	fmt.Fprintf(s, ",dump-guest-core=%s", switchText(dump))
	if mb := b.Def.MemoryBacking; mb != nil && mb.NoSharePages {
		s.WriteString(",mem-merge=off")
	}
	nvdimm := false
	epc := 0
	for _, m := range b.memoryDevices() {
		switch m.Model {
		case "nvdimm":
			if !nvdimm {
				s.WriteString(",nvdimm=on")
				nvdimm = true
			}
		case "sgx-epc":
			node := m.TargetNode
			if node < 0 {
				node = 0
			}
			fmt.Fprintf(s, ",sgx-epc.%d.memdev=mem%s,sgx-epc.%d.node=%d", epc, m.Alias, epc, node)
			epc++
		}
	}
	if len(b.numaCells()) == 0 {
		if id := b.defaultRAMid(); id != "" {
			fmt.Fprintf(s, ",memory-backend=%s", id)
		}
	}
}

// buildMemory is qemuBuildMemCommandLine (libvirt 9.0's -m form).
func buildMemory(b *Builder) error {
	mem := b.initialMemory()
	if b.hasMemoryHotplug() {
		arg := fmt.Sprintf("size=%dk", mem)
		if b.Def.Memory.Slots > 0 {
			arg += fmt.Sprintf(",slots=%d", b.Def.Memory.Slots)
		}
		if b.Def.Memory.Max > 0 {
			arg += fmt.Sprintf(",maxmem=%dk", b.Def.Memory.Max)
		}
		b.Cmd.Arg("-m", arg)
	} else {
		b.Cmd.Arg("-m", strconv.FormatUint(mem/1024, 10))
	}
	if id := b.defaultRAMid(); id != "" {
		if len(b.numaCells()) == 0 {
			props, err := b.memoryBackendProps(id, mem, -1, false, true)
			if err != nil {
				return err
			}
			if err := b.addBackendWithContext(props); err != nil {
				return err
			}
		}
	} else if len(b.numaCells()) == 0 {
		if err := b.memPath(); err != nil {
			return err
		}
	}
	locked := b.Def.MemoryBacking != nil && b.Def.MemoryBacking.Locked
	b.Cmd.Arg("-overcommit", "mem-lock="+onOff(locked))
	return nil
}

// memPath is qemuBuildMemPathStr for QEMUs without memory backends for
// the default RAM.
func (b *Builder) memPath() error {
	mb := b.Def.MemoryBacking
	if mb == nil {
		return nil
	}
	path := ""
	prealloc := false
	if len(mb.HugePages) > 0 {
		size := mb.HugePages[0].Size
		if size == 0 {
			size = b.Ctx.DefaultHugepageKiB
		}
		var err error
		if path, err = b.hugepagePath(size); err != nil {
			return err
		}
		prealloc = true
	} else if mb.Source == "file" {
		path = b.Ctx.MemoryBackingDir + "/ram"
	}
	if mb.Allocation == "immediate" {
		prealloc = true
	}
	if prealloc && b.State("mem-prealloc") == nil {
		b.Cmd.Arg("-mem-prealloc")
		b.SetState("mem-prealloc", true)
	}
	if path != "" {
		b.Cmd.Arg("-mem-path", path)
	}
	return nil
}

// hugepagePath is qemuGetDomainHupageMemPath: the per-domain directory on
// the hugetlbfs mount of that page size.
func (b *Builder) hugepagePath(sizeKiB uint64) (string, error) {
	if p, ok := b.Ctx.HugepageDirs[sizeKiB]; ok {
		return p, nil
	}
	return "", Internal("Unable to find any usable hugetlbfs mount for %d KiB", sizeKiB)
}

// addBackendWithContext adds a memory backend object, preceded by the
// thread-context object when the backend uses one.
func (b *Builder) addBackendWithContext(props *Props) error {
	if tc, ok := b.state["thread-context:"+props.GetString("id")].(*Props); ok {
		if err := b.AddObject(tc); err != nil {
			return err
		}
	}
	return b.AddObject(props)
}

// memoryBackendProps is qemuBuildMemoryBackendProps for guest RAM: the
// backend object for size KiB on NUMA cell node (-1 for none). The
// thread-context object libvirt pairs with a preallocated backend bound
// to host nodes is remembered for addBackendWithContext.
func (b *Builder) memoryBackendProps(id string, sizeKiB uint64, node int, force, systemMemory bool) (*Props, error) {
	mb := b.Def.MemoryBacking
	var (
		pagesize uint64
		hugepage bool
		share    string
		prealloc bool
		discard  string
	)
	if mb != nil {
		for _, hp := range mb.HugePages {
			if node < 0 || hp.NodeSet == nil || hp.NodeSet.Has(uint(node)) {
				pagesize = hp.Size
				hugepage = true
				break
			}
		}
		if hugepage && pagesize == 0 {
			pagesize = b.Ctx.DefaultHugepageKiB
		}
		if hugepage && pagesize == systemPageKiB {
			hugepage = false
		}
		share = mb.Access
		if mb.Discard {
			discard = "yes"
		}
	}
	if node >= 0 {
		if cells := b.numaCells(); node < len(cells) && cells[node] != nil {
			if cells[node].MemAccess != "" {
				share = cells[node].MemAccess
			}
			if cells[node].Discard != "" {
				discard = cells[node].Discard
			}
		}
	}
	source := ""
	if mb != nil {
		source = mb.Source
	}
	var props *Props
	switch {
	case source == "memfd":
		props = ObjectProps("memory-backend-memfd", id)
		if hugepage {
			props.Bool("hugetlb", true).Uint("hugetlbsize", pagesize<<10)
			prealloc = true
		}
		props.Tristate("share", shareState(share))
		// QEMU's own default RAM backend names its RAM block without the
		// canonical path; an explicit one must too, or migration breaks.
		if systemMemory {
			props.Bool("x-use-canonical-path-for-ramblock-id", false)
		}
	case hugepage || share != "" || source == "file":
		props = ObjectProps("memory-backend-file", id)
		if hugepage {
			p, err := b.hugepagePath(pagesize)
			if err != nil {
				return nil, err
			}
			props.Str("mem-path", p)
			prealloc = true
		} else {
			props.Str("mem-path", b.Ctx.MemoryBackingDir+"/"+id)
		}
		props.Tristate("discard-data", discard)
		props.Tristate("share", shareState(share))
		if systemMemory {
			props.Bool("x-use-canonical-path-for-ramblock-id", false)
		}
	default:
		props = ObjectProps("memory-backend-ram", id)
	}
	if mb != nil && mb.Allocation == "immediate" {
		prealloc = true
	}
	if prealloc {
		props.Bool("prealloc", true)
		if mb != nil && mb.Threads > 0 {
			props.Uint("prealloc-threads", uint64(mb.Threads))
		}
	}
	props.Uint("size", sizeKiB*1024)
	if nodes, policy := b.hostNodes(node); nodes != nil {
		if check := b.Ctx.CheckHostNUMANodes; check != nil {
			if err := check(nodes); err != nil {
				return nil, err
			}
		}
		arr := Array{}
		for _, n := range nodes {
			arr = append(arr, n)
		}
		props.Arr("host-nodes", arr).Str("policy", policy)
		if prealloc && b.Has(caps.ThreadContext) {
			tc := "tc-" + id
			b.state["thread-context:"+id] = ObjectProps("thread-context", tc).Arr("node-affinity", arr)
			props.Str("prealloc-context", tc)
		}
	}
	return props, nil
}

// systemPageKiB is the host's base page size; a "hugepage" of that size is
// ordinary memory.
const systemPageKiB = 4

func shareState(access string) string {
	switch access {
	case "shared":
		return "yes"
	case "private":
		return "no"
	}
	return ""
}

// hostNodes returns the host NUMA nodes guest memory of a cell (or the
// whole guest, node -1) is bound to, with the QEMU policy name.
func (b *Builder) hostNodes(node int) ([]uint, string) {
	nt := b.Def.NumaTune
	if nt == nil {
		return nil, ""
	}
	mode := ""
	var set domain.CPUSet
	if nt.Memory != nil && nt.Memory.Placement != "auto" {
		mode, set = nt.Memory.Mode, nt.Memory.Nodeset
	}
	if node >= 0 {
		for _, mn := range nt.MemNodes {
			if int(mn.CellID) == node {
				mode, set = mn.Mode, mn.Nodeset
			}
		}
	}
	if set == nil {
		return nil, ""
	}
	policy := "bind"
	switch mode {
	case "preferred":
		policy = "preferred"
	case "interleave":
		policy = "interleave"
	case "restrictive":
		return nil, ""
	}
	var out []uint
	for i := uint(0); i < 4096; i++ {
		if set.Has(i) {
			out = append(out, i)
		}
	}
	return out, policy
}

// buildNUMA is qemuBuildNumaCommandLine for the common cases: a memory
// backend per cell when the machine needs one, then -numa node.
func buildNUMA(b *Builder) error {
	cells := b.numaCells()
	if len(cells) == 0 {
		return nil
	}
	needBackend := b.Caps == nil || !b.Caps.MachineNumaMemSupported(b.virtType(), b.machine())
	hmat := numaHasHMAT(b.Def)
	if hmat {
		needBackend = true
	}
	master := -1
	for i, c := range cells {
		if c != nil && c.CPUs != nil {
			master = i
			break
		}
	}
	if master < 0 {
		return Unsupported("At least one NUMA node has to have CPUs")
	}
	backends := make([]*Props, len(cells))
	for i, c := range cells {
		if c == nil {
			continue
		}
		p, err := b.memoryBackendProps(fmt.Sprintf("ram-node%d", i), c.Memory, i, false, false)
		if err != nil {
			return err
		}
		if p.GetString("qom-type") != "memory-backend-ram" || p.Has("host-nodes") {
			needBackend = true
		}
		backends[i] = p
	}
	if !needBackend {
		if err := b.memPath(); err != nil {
			return err
		}
	}
	for i, c := range cells {
		if c == nil {
			continue
		}
		if needBackend {
			if err := b.addBackendWithContext(backends[i]); err != nil {
				return err
			}
		}
		var s strings.Builder
		fmt.Fprintf(&s, "node,nodeid=%d", i)
		if c.CPUs != nil {
			for _, part := range strings.Split(c.CPUs.String(), ",") {
				s.WriteString(",cpus=" + part)
			}
		}
		if hmat {
			// virDomainNumaGetNodeInitiator: a cell with CPUs initiates
			// for itself
			initiator := master
			hasCPUs := c.CPUs != nil && c.CPUs.String() != ""
			if hasCPUs {
				initiator = i
			}
			for _, cn := range b.XML().Find("cpu/numa").ChildrenNamed("cell") {
				if hasCPUs {
					break
				}
				if cn.Prop("id") == strconv.Itoa(i) && cn.Prop("initiator") != "" {
					if n, err := strconv.Atoi(cn.Prop("initiator")); err == nil {
						initiator = n
					}
				}
			}
			fmt.Fprintf(&s, ",initiator=%d", initiator)
		}
		if needBackend {
			fmt.Fprintf(&s, ",memdev=ram-node%d", i)
		} else {
			fmt.Fprintf(&s, ",mem=%d", c.Memory/1024)
		}
		b.Cmd.Arg("-numa", s.String())
	}
	for i, c := range cells {
		if c == nil {
			continue
		}
		for j, dist := range c.Distances {
			if dist == 0 {
				continue
			}
			b.Cmd.Arg("-numa", fmt.Sprintf("dist,src=%d,dst=%d,val=%d", i, j, dist))
		}
	}
	if hmat {
		b.buildNUMAHMAT(cells)
	}
	return nil
}

// hmatHierarchy is qemuDomainMemoryHierarchy by cache level (0: memory).
var hmatHierarchy = []string{"memory", "first-level", "second-level", "third-level"}

// hmatAssociativity and hmatPolicy are QEMU's names for libvirt's cache
// associativity and write policy.
var (
	hmatAssociativity = map[string]string{"none": "none", "direct": "direct", "full": "complex"}
	hmatPolicy        = map[string]string{"none": "none", "writeback": "write-back", "writethrough": "write-through"}
)

// buildNUMAHMAT is qemuBuildNumaHMATCommandLine and qemuBuildNumaCellCache:
// the latencies and bandwidths between initiators and targets, then each
// cell's memory-side caches (QEMU takes hmat-cache only after hmat-lb).
func (b *Builder) buildNUMAHMAT(cells []*domain.NUMACell) {
	nu := b.Def.CPU.NUMA
	for _, x := range nu.Interconnect {
		hierarchy := ""
		if int(x.Cache) < len(hmatHierarchy) {
			hierarchy = hmatHierarchy[x.Cache]
		}
		s := fmt.Sprintf("hmat-lb,initiator=%d,target=%d,hierarchy=%s,data-type=%s-", x.Initiator, x.Target, hierarchy, x.Type)
		if x.Kind == "bandwidth" {
			s += fmt.Sprintf("bandwidth,bandwidth=%dK", x.Value)
		} else {
			s += fmt.Sprintf("latency,latency=%d", x.Value)
		}
		b.Cmd.Arg("-numa", s)
	}
	for i, c := range cells {
		if c == nil {
			continue
		}
		for _, k := range c.Caches {
			s := fmt.Sprintf("hmat-cache,node-id=%d,size=%dK,level=%d", i, k.Size, k.Level)
			if a := hmatAssociativity[k.Associativity]; a != "" {
				s += ",associativity=" + a
			}
			if p := hmatPolicy[k.Policy]; p != "" {
				s += ",policy=" + p
			}
			if k.Line > 0 {
				s += fmt.Sprintf(",line=%d", k.Line)
			}
			b.Cmd.Arg("-numa", s)
		}
	}
}

// scaledKiB reads a size element with a unit attribute as KiB, rounded up.
func scaledKiB(n *xmltree.Node) uint64 {
	v, err := units.ParseScaled(strings.TrimSpace(n.Text), n.Prop("unit"), 1024, math.MaxUint64)
	if err != nil {
		return 0
	}
	return (v + 1023) / 1024
}
