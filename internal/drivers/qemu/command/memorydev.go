package command

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("memory-devices", buildMemoryDevices)
}

// memDev is a <memory> device as the command line needs it.
type memDev struct {
	dev        *domain.Device
	model      string
	alias      string
	sizeKiB    uint64
	node       int // -1 without <target><node>
	pagesize   uint64
	sourceSet  domain.CPUSet
	path       string // nvdimm / virtio-pmem backing file
	alignKiB   uint64
	pmem       bool
	labelKiB   uint64
	blockKiB   uint64
	requestKiB uint64
	readonly   bool
	uuid       string
	access     string
	discard    string
}

func readMemDev(m *domain.Device, i int) memDev {
	md := memDev{dev: m, model: m.Attr("model"), alias: m.Info.Alias, node: -1, access: m.Attr("access"), discard: m.Attr("discard")}
	if md.alias == "" {
		md.alias = memoryAlias(md.model, i)
	}
	if src := m.Child("source"); src != nil {
		if ps := src.Child("pagesize"); ps != nil {
			md.pagesize = scaledKiB(ps)
		}
		if ns, ok := src.ChildText("nodemask"); ok {
			md.sourceSet, _ = domain.ParseCPUSet(strings.TrimSpace(ns))
		}
		if p, ok := src.ChildText("path"); ok {
			md.path = strings.TrimSpace(p)
		}
		if a := src.Child("alignsize"); a != nil {
			md.alignKiB = scaledKiB(a)
		}
		md.pmem = src.Child("pmem") != nil
	}
	if t := m.Child("target"); t != nil {
		if sz := t.Child("size"); sz != nil {
			md.sizeKiB = scaledKiB(sz)
		}
		if txt, ok := t.ChildText("node"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(txt)); err == nil {
				md.node = n
			}
		}
		if l := t.Child("label"); l != nil {
			if sz := l.Child("size"); sz != nil {
				md.labelKiB = scaledKiB(sz)
			}
		}
		if bl := t.Child("block"); bl != nil {
			md.blockKiB = scaledKiB(bl)
		}
		if rq := t.Child("requested"); rq != nil {
			md.requestKiB = scaledKiB(rq)
		}
		md.readonly = t.Child("readonly") != nil
	}
	if u, ok := childText(m, "uuid"); ok {
		md.uuid = strings.TrimSpace(u)
	}
	return md
}

func childText(d *domain.Device, name string) (string, bool) {
	if n := d.Child(name); n != nil {
		return n.Text, true
	}
	return "", false
}

// buildMemoryDevices is qemuBuildMemoryDeviceCommandLine: for each
// memory device its backend (with its thread context), then the device;
// SGX EPC sections are wired up through -machine instead.
func buildMemoryDevices(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for i, m := range b.Def.Devices.Kind("memory") {
		md := readMemDev(m, i)
		props, devPrealloc, err := b.memoryDeviceBackendProps(md)
		if err != nil {
			return err
		}
		if err := b.addBackendWithContext(props); err != nil {
			return err
		}
		if md.model == "sgx-epc" {
			continue
		}
		dp, err := b.memoryDeviceProps(md, devPrealloc)
		if err != nil {
			return err
		}
		if err := b.AddDevice(dp); err != nil {
			return err
		}
	}
	return nil
}

// memoryDevicePagesize is qemuBuildMemoryGetPagesize for a memory device:
// its own page size, else the hugepages configured for its guest node,
// else the default hugepages.
func (b *Builder) memoryDevicePagesize(md memDev) (uint64, bool) {
	if md.pagesize != 0 {
		if md.pagesize == systemPageKiB {
			return 0, false
		}
		return md.pagesize, true
	}
	mb := b.Def.MemoryBacking
	if mb == nil || len(mb.HugePages) == 0 {
		return 0, false
	}
	var size uint64
	found := false
	for _, hp := range mb.HugePages {
		if hp.NodeSet == nil {
			if !found {
				size, found = hp.Size, true
			}
			continue
		}
		if md.node >= 0 && hp.NodeSet.Has(uint(md.node)) {
			size, found = hp.Size, true
			break
		}
	}
	if !found {
		return 0, false
	}
	if size == 0 {
		size = b.Ctx.DefaultHugepageKiB
	}
	if size == systemPageKiB {
		return 0, false
	}
	return size, true
}

// memoryDeviceBackendProps is qemuBuildMemoryBackendProps for a memory
// device. The second result is whether preallocation moves to the device
// (virtio-mem does it itself).
func (b *Builder) memoryDeviceBackendProps(md memDev) (*Props, bool, error) {
	id := "mem" + md.alias
	mb := b.Def.MemoryBacking
	pagesize, hugepage := b.memoryDevicePagesize(md)
	access := md.access
	discard := md.discard
	if md.node >= 0 {
		if cells := b.numaCells(); md.node < len(cells) && cells[md.node] != nil {
			if access == "" {
				access = cells[md.node].MemAccess
			}
			if discard == "" {
				discard = cells[md.node].Discard
			}
		}
	}
	if mb != nil {
		if access == "" {
			access = mb.Access
		}
		if discard == "" && mb.Discard {
			discard = "yes"
		}
	}
	source := ""
	if mb != nil {
		source = mb.Source
	}
	prealloc := false
	var props *Props
	switch {
	case md.model == "sgx-epc":
		props = ObjectProps("memory-backend-epc", id)
		prealloc = true
	case source == "memfd" && md.path == "":
		props = ObjectProps("memory-backend-memfd", id)
		if hugepage {
			props.Bool("hugetlb", true).Uint("hugetlbsize", pagesize<<10)
			prealloc = true
		}
	case hugepage || md.path != "" || access != "" || source == "file":
		props = ObjectProps("memory-backend-file", id)
		switch {
		case md.path != "":
			props.Str("mem-path", md.path)
			// a real NVDIMM or a virtio-pmem needs no preallocation
			if !md.pmem && md.model != "virtio-pmem" {
				prealloc = true
			}
		case hugepage:
			p, err := b.hugepagePath(pagesize)
			if err != nil {
				return nil, false, err
			}
			props.Str("mem-path", p)
			prealloc = true
		default:
			props.Str("mem-path", b.Ctx.MemoryBackingDir+"/"+md.alias)
		}
	default:
		props = ObjectProps("memory-backend-ram", id)
	}
	devPrealloc := false
	if md.model == "virtio-mem" {
		if b.Has(caps.MemoryBackendReserve) {
			props.Bool("reserve", false)
		}
		if prealloc && b.Has(caps.DeviceVirtioMemPCIPrealloc) {
			devPrealloc, prealloc = true, false
		}
	}
	if md.path == "" && props.GetString("qom-type") == "memory-backend-file" {
		props.Tristate("discard-data", discard)
	}
	if props.GetString("qom-type") != "memory-backend-ram" && props.GetString("qom-type") != "memory-backend-epc" {
		props.Tristate("share", shareState(access))
	}
	if mb != nil && mb.Allocation == "immediate" && md.model != "virtio-mem" {
		prealloc = true
	}
	if prealloc {
		props.Bool("prealloc", true)
		if mb != nil && mb.Threads > 0 {
			props.Uint("prealloc-threads", uint64(mb.Threads))
		}
	}
	props.Uint("size", md.sizeKiB*1024)
	if md.alignKiB != 0 {
		props.Uint("align", md.alignKiB*1024)
	}
	if md.pmem {
		props.Bool("pmem", true)
	}
	nodes, policy := []uint(md.sourceSet), "bind"
	if nodes == nil {
		nodes, policy = b.hostNodes(md.node)
	}
	if nodes != nil {
		arr := Array{}
		for _, n := range nodes {
			arr = append(arr, n)
		}
		props.Arr("host-nodes", arr).Str("policy", policy)
		if prealloc && md.model != "sgx-epc" && b.Has(caps.ThreadContext) {
			tc := "tc-" + id
			b.state["thread-context:"+id] = ObjectProps("thread-context", tc).Arr("node-affinity", arr)
			props.Str("prealloc-context", tc)
		}
	}
	return props, devPrealloc, nil
}

// memoryDeviceDrivers maps a memory model to its QEMU device.
var memoryDeviceDrivers = map[string]string{
	"dimm": "pc-dimm", "nvdimm": "nvdimm", "virtio-pmem": "virtio-pmem-pci", "virtio-mem": "virtio-mem-pci",
}

// memoryDeviceProps is qemuBuildMemoryDeviceProps.
func (b *Builder) memoryDeviceProps(md memDev, prealloc bool) (*Props, error) {
	drv, ok := memoryDeviceDrivers[md.model]
	if !ok {
		return nil, Internal("invalid memory device type")
	}
	p := NewProps().Str("driver", drv)
	if md.node >= 0 {
		p.Int("node", int64(md.node))
	}
	if md.labelKiB != 0 {
		p.Uint("label-size", md.labelKiB*1024)
	}
	if md.blockKiB != 0 {
		p.Uint("block-size", md.blockKiB*1024)
	}
	if md.requestKiB != 0 {
		p.Uint("requested-size", md.requestKiB*1024)
	}
	if md.uuid != "" {
		p.Str("uuid", md.uuid)
	}
	if md.readonly && b.Has(caps.DeviceNVDIMMUnarmed) {
		p.Bool("unarmed", true)
	}
	p.Str("memdev", "mem"+md.alias)
	if prealloc {
		p.Bool("prealloc", true)
	}
	p.Str("id", md.alias)
	if err := b.addDeviceAddress(p, &md.dev.Info, ""); err != nil {
		return nil, err
	}
	return p, nil
}
