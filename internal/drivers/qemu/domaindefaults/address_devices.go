package domaindefaults

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

// devRef is one device of a definition as the address code sees it:
// its kind (element name) and either the typed disk or the generic device.
type devRef struct {
	kind string
	dev  *domain.Device
	disk *domain.Disk
}

func (r devRef) info() *domain.DeviceInfo {
	if r.disk != nil {
		return &r.disk.Info
	}
	return &r.dev.Info
}

func (r devRef) attr(name string) string {
	if r.disk != nil {
		return attrValue(r.disk.Attrs, name)
	}
	return r.dev.Attr(name)
}

func attrValue(list []xmltree.Attr, name string) string {
	for _, a := range list {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// childAttr is an attribute of a direct child element of the device.
func (r devRef) childAttr(child, name string) string {
	if r.dev == nil {
		return ""
	}
	if c := r.dev.Child(child); c != nil {
		return c.Prop(name)
	}
	return ""
}

// deviceIterOrder is virDomainDeviceInfoIterateFlags' order of kinds.
var deviceIterOrder = []string{
	"disk", "interface", "sound", "hostdev", "video", "controller",
	"smartcard", "serial", "parallel", "channel", "console", "input",
	"filesystem", "watchdog", "memballoon", "hub", "shmem", "tpm", "panic",
	"memory", "redirdev", "rng", "nvram", "iommu", "vsock", "crypto",
}

// allDevices lists every device with device info, in libvirt's order.
func allDevices(def *domain.Def) []devRef {
	if def.Devices == nil {
		return nil
	}
	var out []devRef
	for _, kind := range deviceIterOrder {
		if kind == "disk" {
			for _, d := range def.Devices.Disks {
				out = append(out, devRef{kind: "disk", disk: d})
			}
			continue
		}
		for i, d := range def.Devices.Kind(kind) {
			r := devRef{kind: kind, dev: d}
			// The first console of an HVM guest mirrors the first
			// serial port and shares its address.
			if kind == "console" && i == 0 && def.OS != nil && def.OS.Type == "hvm" {
				if t := chrTargetType(r); t == "serial" || t == "" {
					continue
				}
			}
			out = append(out, r)
		}
	}
	return out
}

func devicesOf(def *domain.Def, kind string) []devRef {
	var out []devRef
	if def.Devices == nil {
		return nil
	}
	if kind == "disk" {
		for _, d := range def.Devices.Disks {
			out = append(out, devRef{kind: "disk", disk: d})
		}
		return out
	}
	for _, d := range def.Devices.Kind(kind) {
		out = append(out, devRef{kind: kind, dev: d})
	}
	return out
}

// controllerIndex is <controller index>, -1 when unreadable.
func controllerIndex(c *domain.Device) int {
	v, err := strconv.ParseUint(strings.TrimSpace(c.Attr("index")), 0, 31)
	if err != nil {
		return -1
	}
	return int(v)
}

func findController(def *domain.Def, typ string, idx int) *domain.Device {
	if def.Devices == nil {
		return nil
	}
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") == typ && controllerIndex(c) == idx {
			return c
		}
	}
	return nil
}

func arch(def *domain.Def) string {
	if def.OS == nil {
		return ""
	}
	return def.OS.Arch
}

func machine(def *domain.Def) string {
	if def.OS == nil {
		return ""
	}
	return def.OS.Machine
}

func archIsX86(a string) bool { return a == "x86_64" || a == "i686" }

// isI440FX is qemuDomainIsI440FX.
func isI440FX(def *domain.Def) bool {
	m := machine(def)
	return archIsX86(arch(def)) && (m == "pc" || strings.HasPrefix(m, "pc-0.") ||
		strings.HasPrefix(m, "pc-1.") || strings.HasPrefix(m, "pc-i440fx-") || strings.HasPrefix(m, "rhel"))
}

// isQ35 is qemuDomainIsQ35.
func isQ35(def *domain.Def) bool {
	m := machine(def)
	return archIsX86(arch(def)) && (m == "q35" || strings.HasPrefix(m, "pc-q35-"))
}

func isPSeries(def *domain.Def) bool {
	a := arch(def)
	return (a == "ppc64" || a == "ppc64le") && (machine(def) == "pseries" || strings.HasPrefix(machine(def), "pseries-"))
}

func hasRootController(def *domain.Def, model string) bool {
	c := findController(def, "pci", 0)
	return c != nil && c.Attr("model") == model
}

func hasPCIRoot(def *domain.Def) bool  { return hasRootController(def, "pci-root") }
func hasPCIeRoot(def *domain.Def) bool { return hasRootController(def, "pcie-root") }

// supportsPCI is qemuDomainSupportsPCI.
func supportsPCI(def *domain.Def, qc *caps.Caps) bool {
	a := arch(def)
	if a != "armv6l" && a != "armv7l" && a != "aarch64" && !strings.HasPrefix(a, "riscv") {
		return true
	}
	return hasPCIeRoot(def)
}

// scsiControllerModel is qemuDomainGetSCSIControllerModel.
func scsiControllerModel(def *domain.Def, c *domain.Device, qc *caps.Caps) string {
	if m := c.Attr("model"); m != "" {
		return m
	}
	switch {
	case isPSeries(def):
		return "ibmvscsi"
	case strings.HasPrefix(arch(def), "s390"):
		return "virtio-scsi"
	case qc != nil && qc.Has(caps.SCSILSI):
		return "lsilogic"
	case qc != nil && qc.Has(caps.VirtioSCSI):
		return "virtio-scsi"
	}
	return ""
}

// netModel is the interface's <model type>.
func netModel(r devRef) string { return r.childAttr("model", "type") }

func isVirtioNet(model string) bool {
	return model == "virtio" || model == "virtio-transitional" || model == "virtio-non-transitional"
}

func videoType(r devRef) string { return r.childAttr("model", "type") }

func chrTargetType(r devRef) string { return r.childAttr("target", "type") }

func fsDriverType(r devRef) string { return r.childAttr("driver", "type") }

// pciFlagsCtx holds the flags libvirt computes once per domain
// (qemuDomainFillDevicePCIConnectFlagsIterInit).
type pciFlagsCtx struct {
	def         *domain.Def
	qc          *caps.Caps
	pcieFlags   pciConnect
	virtioFlags pciConnect
}

func newPCIFlagsCtx(def *domain.Def, qc *caps.Caps) *pciFlagsCtx {
	x := &pciFlagsCtx{def: def, qc: qc}
	if hasPCIeRoot(def) {
		x.pcieFlags = connPCIeDevice | connAutoassign
	} else {
		x.pcieFlags = connPCIDevice | connAutoassign
	}
	if qc != nil && qc.Has(caps.VirtioPCITransitional) {
		x.virtioFlags = x.pcieFlags
	} else {
		x.virtioFlags = connPCIDevice | connAutoassign
	}
	return x
}

// virtioModelFlags picks the flags of a virtio device by its model
// attribute: transitional devices only work in conventional PCI slots.
func (x *pciFlagsCtx) virtioModelFlags(model string) pciConnect {
	if model == "virtio-transitional" {
		return connPCIDevice | connAutoassign
	}
	return x.virtioFlags
}

// flags is qemuDomainDeviceCalculatePCIConnectFlags.
func (x *pciFlagsCtx) flags(r devRef) pciConnect {
	pciFlags := connPCIDevice | connAutoassign
	switch r.kind {
	case "controller":
		c := r.dev
		switch c.Attr("type") {
		case "pci":
			return modelConnectType(c.Attr("model"))
		case "sata", "ide":
			return pciFlags
		case "usb":
			switch c.Attr("model") {
			case "nec-xhci", "qemu-xhci":
				return x.pcieFlags
			case "none", "qusb1", "qusb2":
				return 0
			}
			return pciFlags
		case "scsi":
			switch scsiControllerModel(x.def, c, x.qc) {
			case "", "ncr53c90":
				return 0
			case "virtio-scsi", "virtio-non-transitional":
				return x.virtioFlags
			}
			return pciFlags
		case "virtio-serial":
			return x.virtioModelFlags(c.Attr("model"))
		}
		return 0
	case "filesystem":
		switch fsDriverType(r) {
		case "", "path", "handle":
			return x.virtioModelFlags(r.attr("model"))
		case "virtiofs":
			return x.virtioFlags
		}
		return 0
	case "interface":
		if r.attr("type") == "hostdev" {
			return 0
		}
		m := netModel(r)
		switch {
		case m == "usb-net":
			return 0
		case m == "virtio" || m == "virtio-non-transitional":
			return x.virtioFlags
		case m == "virtio-transitional":
			return pciFlags
		case m == "e1000e" || m == "igb":
			return x.pcieFlags
		}
		return pciFlags
	case "sound":
		switch r.attr("model") {
		case "es1370", "ac97", "ich6", "ich9":
			return pciFlags
		}
		return 0
	case "disk":
		if r.disk.Bus() != "virtio" {
			return 0
		}
		return x.virtioModelFlags(r.attr("model"))
	case "hostdev":
		mode := r.attr("mode")
		typ := r.attr("type")
		if mode == "" {
			mode = "subsystem"
		}
		if mode != "subsystem" || (typ != "pci" && typ != "scsi_host" && typ != "mdev") {
			return 0
		}
		if typ == "mdev" && r.attr("model") != "vfio-pci" {
			return 0
		}
		if pciFlags == x.pcieFlags {
			return pciFlags
		}
		if typ == "scsi_host" {
			return x.virtioModelFlags(r.attr("model"))
		}
		// a host device that is absent or whose config space cannot be
		// read is taken to be PCI Express, like most assignable devices
		return x.pcieFlags
	case "memballoon":
		switch r.attr("model") {
		case "virtio-transitional":
			return pciFlags
		case "virtio", "virtio-non-transitional":
			return x.virtioFlags
		}
		return 0
	case "rng":
		return x.virtioModelFlags(r.attr("model"))
	case "watchdog":
		if r.attr("model") == "i6300esb" {
			return pciFlags
		}
		return 0
	case "video":
		switch videoType(r) {
		case "virtio":
			return x.virtioFlags
		case "vga", "cirrus", "vmvga", "xen", "vbox", "qxl", "parallels":
			return pciFlags
		case "bochs":
			return x.pcieFlags
		}
		return 0
	case "shmem":
		return pciFlags
	case "input":
		if r.attr("bus") != "virtio" {
			return 0
		}
		return x.virtioModelFlags(r.attr("model"))
	case "serial", "parallel", "channel", "console":
		if chrTargetType(r) == "pci-serial" {
			return pciFlags
		}
		return 0
	case "iommu":
		if r.attr("model") == "virtio" {
			return x.virtioFlags | connIntegrated
		}
		return 0
	case "vsock":
		switch r.attr("model") {
		case "virtio-transitional":
			return pciFlags
		case "virtio", "virtio-non-transitional", "":
			return x.virtioFlags
		}
		return 0
	case "memory":
		switch r.attr("model") {
		case "virtio-pmem", "virtio-mem":
			return x.virtioFlags
		}
		return 0
	case "crypto":
		return pciFlags
	case "panic":
		if r.attr("model") == "pvpanic" {
			return pciFlags | connIntegrated
		}
		return 0
	}
	return 0
}

// pciPresent is virDeviceInfoPCIAddressIsPresent.
func pciPresent(info *domain.DeviceInfo) bool {
	a := info.Address
	return a != nil && a.Type == "pci" && (a.Domain != 0 || a.Bus != 0 || a.Slot != 0)
}

// pciWanted is virDeviceInfoPCIAddressIsWanted.
func pciWanted(info *domain.DeviceInfo) bool {
	a := info.Address
	return a == nil || a.Type == "" || (a.Type == "pci" && a.Domain == 0 && a.Bus == 0 && a.Slot == 0)
}

func toPCIAddr(a *domain.Address) pciAddr {
	return pciAddr{domain: a.Domain, bus: a.Bus, slot: a.Slot, function: a.Function, multi: a.Multifunction}
}

func setPCI(info *domain.DeviceInfo, a pciAddr) {
	na := &domain.Address{Type: "pci", Domain: a.domain, Bus: a.bus, Slot: a.slot, Function: a.function, Multifunction: a.multi}
	if old := info.Address; old != nil && old.Type == "pci" {
		na.ZPCIUID, na.ZPCIFID = old.ZPCIUID, old.ZPCIFID
	}
	info.Address = na
}
