package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/domaindefaults"
)

// Device aliases and addresses are prepared before any option is built
// (qemuProcessPrepareDomain: qemuDomainAssignAddresses for a new domain,
// then qemuAssignDeviceAliases).
func init() {
	RegisterPrepare(prepareDevices)
}

func prepareDevices(b *Builder) error {
	if b.Ctx != nil && b.Ctx.DevicesPrepared {
		return nil
	}
	return PrepareDevices(b.Def, b.Caps)
}

// PrepareDevices gives def's devices their addresses and aliases
// (qemuDomainAssignAddresses, qemuAssignDeviceAliases), as a build does
// first; a driver that needs the names before the build calls it, and the
// build then keeps them.
func PrepareDevices(def *domain.Def, qc *caps.Caps) error {
	if def.Devices == nil {
		return nil
	}
	if err := domaindefaults.AssignAddresses(def, qc, true); err != nil {
		return err
	}
	assignAliases(def)
	return nil
}

// scsiControllerModel is the model of SCSI controller idx after the
// defaults (qemuDomainFindSCSIControllerModel).
func scsiControllerModel(def *domain.Def, idx uint64) string {
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") == "scsi" && c.Attr("index") == strconv.FormatUint(idx, 10) {
			return c.Attr("model")
		}
	}
	return ""
}

// userAlias reports whether an alias was given by the user (ua- prefix),
// which libvirt keeps.
func userAlias(a string) bool { return strings.HasPrefix(a, "ua-") }

// diskNameToIndex is virDiskNameToIndex: "vdb" is 1, "sdaa" is 26.
func diskNameToIndex(name string) int {
	known := false
	for _, p := range []string{"fd", "hd", "vd", "sd", "xvd", "ubd"} {
		if strings.HasPrefix(name, p) {
			name = name[len(p):]
			known = true
			break
		}
	}
	if !known {
		return -1
	}
	idx := 0
	i := 0
	for ; i < len(name) && name[i] >= 'a' && name[i] <= 'z'; i++ {
		idx = (idx+boolInt(i > 0))*26 + int(name[i]-'a')
	}
	if i == 0 {
		return -1
	}
	return idx
}

// assignAliases is qemuAssignDeviceAliases.
func assignAliases(def *domain.Def) {
	d := def.Devices
	set := func(info *domain.DeviceInfo, alias string) {
		if info.Alias == "" {
			info.Alias = alias
		}
	}
	for _, disk := range d.Disks {
		if disk.Info.Alias != "" {
			continue
		}
		bus := disk.Bus()
		a := disk.Info.Address
		if a != nil && a.Type == "drive" {
			prefix := bus
			if bus == "fdc" {
				prefix = "fdc"
			}
			if bus == "scsi" && scsiControllerModel(def, a.Controller) != "lsilogic" {
				disk.Info.Alias = fmt.Sprintf("scsi%d-%d-%d-%d", a.Controller, a.Bus, a.Target, a.Unit)
			} else {
				disk.Info.Alias = fmt.Sprintf("%s%d-%d-%d", prefix, a.Controller, a.Bus, a.Unit)
			}
			continue
		}
		disk.Info.Alias = fmt.Sprintf("%s-disk%d", bus, diskNameToIndex(disk.Dst()))
	}
	for _, c := range d.Controllers() {
		set(&c.Info, controllerAlias(def, c))
	}
	numbered := func(kind, prefix string) {
		for i, x := range d.Kind(kind) {
			set(&x.Info, prefix+strconv.Itoa(i))
		}
	}
	// nets and host devices continue after the highest index already
	// taken (qemuAssignDeviceNetAlias/HostdevAlias with idx -1); a
	// hostdev-typed interface is named like a host device.
	nextFree := func(prefix string, kinds ...string) int {
		next := 0
		for _, k := range kinds {
			for _, x := range d.Kind(k) {
				if n, err := strconv.Atoi(strings.TrimPrefix(x.Info.Alias, prefix)); err == nil && strings.HasPrefix(x.Info.Alias, prefix) && n >= next {
					next = n + 1
				}
			}
		}
		return next
	}
	for _, n := range d.Interfaces() {
		if n.Info.Alias != "" {
			continue
		}
		if n.Attr("type") == "hostdev" {
			n.Info.Alias = "hostdev" + strconv.Itoa(nextFree("hostdev", "interface", "hostdev"))
		} else {
			n.Info.Alias = "net" + strconv.Itoa(nextFree("net", "interface"))
		}
	}
	numbered("filesystem", "fs")
	numbered("sound", "sound")
	for _, h := range d.Hostdevs() {
		if h.Info.Alias == "" {
			h.Info.Alias = "hostdev" + strconv.Itoa(nextFree("hostdev", "interface", "hostdev"))
		}
	}
	numbered("redirdev", "redir")
	numbered("video", "video")
	numbered("input", "input")
	numbered("smartcard", "smartcard")
	numbered("serial", "serial")
	numbered("parallel", "parallel")
	numbered("channel", "channel")
	numbered("hub", "hub")
	numbered("shmem", "shmem")
	numbered("watchdog", "watchdog")
	numbered("rng", "rng")
	numbered("tpm", "tpm")
	numbered("crypto", "crypto")
	for i, c := range d.Consoles() {
		// a serial console is the serial port itself
		if i == 0 && len(d.Serials()) > 0 && (chrTarget(c, "type") == "serial" || chrTarget(c, "type") == "") {
			set(&c.Info, d.Serials()[0].Info.Alias)
			continue
		}
		set(&c.Info, "console"+strconv.Itoa(i))
	}
	for _, m := range d.Kind("memballoon") {
		set(&m.Info, "balloon0")
	}
	for _, v := range d.Kind("vsock") {
		set(&v.Info, "vsock0")
	}
	for _, v := range d.Kind("iommu") {
		set(&v.Info, "iommu0")
	}
	counts := map[string]int{}
	for _, m := range d.Kind("memory") {
		prefix := map[string]string{"dimm": "dimm", "nvdimm": "nvdimm", "virtio-pmem": "virtiopmem", "virtio-mem": "virtiomem", "sgx-epc": "epc"}[m.Attr("model")]
		if prefix == "" {
			prefix = "dimm"
		}
		n := counts[prefix]
		if a := m.Info.Address; a != nil && a.Type == "dimm" && (prefix == "dimm" || prefix == "nvdimm") {
			n = int(a.Slot)
		}
		set(&m.Info, prefix+strconv.Itoa(n))
		counts[prefix]++
	}
}

func chrTarget(c *domain.Device, attr string) string {
	if t := c.Child("target"); t != nil {
		return t.Prop(attr)
	}
	return ""
}

// controllerAlias is qemuAssignDeviceControllerAlias.
func controllerAlias(def *domain.Def, c *domain.Device) string {
	typ := c.Attr("type")
	idx := c.Attr("index")
	model := c.Attr("model")
	switch typ {
	case "pci":
		if idx == "0" {
			switch model {
			case "pci-root":
				return "pci.0"
			case "pcie-root":
				return "pcie.0"
			}
		}
		return "pci." + idx
	case "ide":
		if idx == "0" && devHasBuiltinIDE(def) {
			return "ide"
		}
	case "sata":
		if idx == "0" && devIsQ35(def) {
			return "ide"
		}
	case "usb":
		if idx == "0" {
			return "usb"
		}
	case "scsi":
		if idx == "0" && model == "ncr53c90" {
			return "scsi"
		}
	}
	return typ + idx
}

func devMachine(def *domain.Def) string {
	if def.OS == nil {
		return ""
	}
	return def.OS.Machine
}

func devIsQ35(def *domain.Def) bool {
	m := devMachine(def)
	return m == "q35" || strings.HasPrefix(m, "pc-q35-")
}

func devIsI440FX(def *domain.Def) bool {
	m := devMachine(def)
	return m == "pc" || strings.HasPrefix(m, "pc-0.") || strings.HasPrefix(m, "pc-1.") ||
		strings.HasPrefix(m, "pc-i440fx-") || strings.HasPrefix(m, "rhel")
}

// hasBuiltinIDE is qemuDomainHasBuiltinIDE.
func devHasBuiltinIDE(def *domain.Def) bool {
	m := devMachine(def)
	return devIsI440FX(def) || m == "malta" || m == "sun4u" || m == "g3beige"
}
