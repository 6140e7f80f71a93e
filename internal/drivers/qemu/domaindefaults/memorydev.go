package domaindefaults

import (
	"math"
	"strconv"

	"github.com/govirt/govirt/internal/conf/units"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

func init() { RegisterTreeDefault(alignPPC64MemoryModules) }

// ppc64MemoryModuleAlign is the pseries memory module granularity, in KiB.
const ppc64MemoryModuleAlign = 256 * 1024

// alignPPC64MemoryModules is qemuDomainMemoryDefPostParse: a new pseries
// definition gets its memory modules aligned to 256 MiB (NVDIMMs keep
// their label and align the guest area down). Existing definitions keep
// their sizes, which qemuDomainAlignMemorySizes aligns only for the
// command line. It runs on the document so the generic memory post-parse
// sums the aligned sizes, as libvirt's device callbacks run before it.
func alignPPC64MemoryModules(root *xmltree.Node, o *Options) error {
	if !o.abiUpdate() {
		return nil
	}
	typ := root.Find("os/type")
	if typ == nil {
		return nil
	}
	a := typ.Prop("arch")
	if a == "" {
		a = defaultArch(o.HostArch, typ.Text, root.Prop("type"))
	}
	if a != "ppc64" && a != "ppc64le" {
		return nil
	}
	devices := root.Child("devices")
	if devices == nil {
		return nil
	}
	for _, m := range devices.ChildrenNamed("memory") {
		size := m.Find("target/size")
		if size == nil {
			continue
		}
		kib, ok := memorySizeKiB(size)
		if !ok {
			continue // the domain parser reports it
		}
		aligned := roundUpKiB(kib, ppc64MemoryModuleAlign)
		if m.Prop("model") == "nvdimm" {
			var label uint64
			if l := m.Find("target/label/size"); l != nil {
				label, _ = memorySizeKiB(l)
			}
			// qemuDomainNVDimmAlignSizePseries: aligning down keeps
			// the guest area inside the backing file.
			if kib < label || kib-label < ppc64MemoryModuleAlign {
				return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "%s",
					"minimum target size for the NVDIMM must be 256MB plus the label size")
			}
			aligned = (kib-label)/ppc64MemoryModuleAlign*ppc64MemoryModuleAlign + label
		}
		if aligned != kib {
			setKiB(size, aligned)
		}
	}
	return nil
}

// memorySizeKiB reads a scaled size as virDomainParseMemory does: bytes
// rounded up to whole KiB.
func memorySizeKiB(n *xmltree.Node) (uint64, bool) {
	unit := n.Prop("unit")
	bytes, err := units.ParseScaled(n.Text, unit, 1024, math.MaxInt64)
	if err != nil {
		return 0, false
	}
	return (bytes + 1023) / 1024, true
}

func roundUpKiB(v, to uint64) uint64 {
	if v%to == 0 {
		return v
	}
	return v + to - v%to
}

func setKiB(n *xmltree.Node, kib uint64) {
	n.Text = strconv.FormatUint(kib, 10)
	n.Segments = []string{n.Text}
	for i, a := range n.Attrs {
		if a.Name == "unit" {
			n.Attrs[i].Value = "KiB"
			return
		}
	}
	n.Attrs = append(n.Attrs, xmltree.Attr{Name: "unit", Value: "KiB"})
}
