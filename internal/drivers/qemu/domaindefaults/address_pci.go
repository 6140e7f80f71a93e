package domaindefaults

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

// qemuDomainAssignAddresses, in libvirt's order of passes.
func init() {
	RegisterAddressAssigner(assignAddresses)
}

func assignAddresses(def *domain.Def, o *Options) error {
	if def.Devices == nil {
		return nil
	}
	if err := assignVirtioSerialAddresses(def); err != nil {
		return err
	}
	assignSpaprVIOAddresses(def)
	if err := assignPCIAddresses(def, o.Caps); err != nil {
		return err
	}
	// qemuDomainDefAssignAddresses: a new definition is a newDomain,
	// whose USB devices get their ports now.
	assignUSB := assignUSBAddresses
	if o.abiUpdate() {
		assignUSB = assignUSBAddressesNew
	}
	if err := assignUSB(def); err != nil {
		return err
	}
	assignMemorySlots(def)
	return nil
}

// pciAssigner carries one run of qemuDomainAssignPCIAddresses.
type pciAssigner struct {
	def   *domain.Def
	qc    *caps.Caps
	fx    *pciFlagsCtx
	flags map[*domain.DeviceInfo]pciConnect
}

func (p *pciAssigner) fillFlags() {
	p.fx = newPCIFlagsCtx(p.def, p.qc)
	p.flags = map[*domain.DeviceInfo]pciConnect{}
	for _, r := range allDevices(p.def) {
		p.flags[r.info()] = p.fx.flags(r)
	}
}

func (p *pciAssigner) reserveNext(s *pciAddressSet, info *domain.DeviceInfo) error {
	_, err := s.reserveNext(info, p.flags[info], -1)
	return err
}

// newSet is qemuDomainPCIAddressSetCreate: buses from the PCI
// controllers, then every address already in the definition reserved.
func (p *pciAssigner) newSet(nbuses int, dryRun bool) (*pciAddressSet, error) {
	s := &pciAddressSet{dryRun: dryRun}
	for i := 0; i < nbuses; i++ {
		s.buses = append(s.buses, &pciBus{})
	}
	if p.qc != nil && p.qc.Has(caps.DevicePCIEPCIBridge) {
		s.isPCIeToPCIBridgeSupported = true
	}
	hasPCIeRootCont := false
	for _, c := range p.def.Devices.Controllers() {
		if c.Attr("type") != "pci" {
			continue
		}
		idx := controllerIndex(c)
		if idx < 0 {
			continue
		}
		if idx >= len(s.buses) {
			return nil, internalErr("Inappropriate new pci controller index %d exceeds addrs array length", idx)
		}
		allowHotplug := targetAttr(c, "hotplug") != "off"
		if err := s.buses[idx].setModel(c.Attr("model"), allowHotplug); err != nil {
			return nil, err
		}
		if c.Attr("model") == "pcie-root" {
			hasPCIeRootCont = true
		}
	}
	if nbuses > 0 && s.buses[0].model == "" {
		if err := s.buses[0].setModel("pci-root", true); err != nil {
			return nil, err
		}
	}
	defaultModel := "pci-bridge"
	if isPSeries(p.def) {
		defaultModel = "pci-root"
	} else if hasPCIeRootCont {
		defaultModel = "pcie-root-port"
	}
	for i := 1; i < len(s.buses); i++ {
		if s.buses[i].model != "" {
			continue
		}
		if err := s.buses[i].setModel(defaultModel, true); err != nil {
			return nil, err
		}
	}
	for _, r := range allDevices(p.def) {
		if err := p.collect(s, r); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// collect is qemuDomainCollectPCIAddress.
func (p *pciAssigner) collect(s *pciAddressSet, r devRef) error {
	info := r.info()
	if !pciPresent(info) {
		return nil
	}
	flags := p.flags[info]
	if flags == 0 {
		flags = connPCIDevice
		p.flags[info] = flags
	}
	addr := toPCIAddr(info.Address)
	if r.kind == "controller" && addr.domain == 0 && addr.bus == 0 && addr.slot == 1 {
		c := r.dev
		idx := controllerIndex(c)
		typ, model := c.Attr("type"), c.Attr("model")
		if (typ == "ide" && idx == 0 && addr.function == 1) ||
			(typ == "usb" && idx == 0 && (model == "piix3-uhci" || model == "") && addr.function == 2) {
			if len(s.buses) > 0 && s.buses[0].flags&connPCIDevice == 0 {
				return internalErr("Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers")
			}
			return nil
		}
	}
	return s.reserve(&addr, flags, true)
}

func targetAttr(c *domain.Device, name string) string {
	if t := c.Child("target"); t != nil {
		return t.Prop(name)
	}
	return ""
}

// validateSlotsPIIX3 is qemuDomainValidateDevicePCISlotsPIIX3.
func (p *pciAssigner) validateSlotsPIIX3(s *pciAddressSet) error {
	flags := connAutoassign | connPCIDevice
	for _, c := range p.def.Devices.Controllers() {
		typ, idx, model := c.Attr("type"), controllerIndex(c), c.Attr("model")
		var want pciAddr
		switch {
		case typ == "ide" && idx == 0:
			want = pciAddr{slot: 1, function: 1}
			if pciPresent(&c.Info) {
				a := toPCIAddr(c.Info.Address)
				if a.domain != 0 || a.bus != 0 || a.slot != 1 || a.function != 1 {
					return internalErr("Primary IDE controller must have PCI address 0:0:1.1")
				}
			} else {
				setPCI(&c.Info, want)
			}
		case typ == "usb" && idx == 0 && (model == "piix3-uhci" || model == ""):
			want = pciAddr{slot: 1, function: 2}
			if pciPresent(&c.Info) {
				a := toPCIAddr(c.Info.Address)
				if a.domain != 0 || a.bus != 0 || a.slot != 1 || a.function != 2 {
					return internalErr("PIIX3 USB controller at index 0 must have PCI address 0:0:1.2")
				}
			} else {
				setPCI(&c.Info, want)
			}
		default:
			continue
		}
		if len(s.buses) > 0 {
			a := toPCIAddr(c.Info.Address)
			if err := s.reserve(&a, flags, true); err != nil {
				return err
			}
		}
	}
	if len(s.buses) > 0 {
		for _, a := range []pciAddr{{slot: 1}, {slot: 1, function: 3}} {
			a := a
			if err := s.reserve(&a, flags, true); err != nil {
				return err
			}
		}
	}
	return p.placePrimaryVideo(s, 2, flags)
}

// placePrimaryVideo puts the first video device where QEMU would put the
// first VGA device: the first slot after the integrated devices.
func (p *pciAssigner) placePrimaryVideo(s *pciAddressSet, slot uint64, flags pciConnect) error {
	videos := devicesOf(p.def, "video")
	if len(videos) == 0 {
		return nil
	}
	v := videos[0]
	if t := videoType(v); t == "none" || t == "ramfb" {
		return nil
	}
	info := v.info()
	if !pciWanted(info) {
		return nil
	}
	a := pciAddr{slot: slot}
	if err := s.validate(a, flags, true); err != nil {
		return err
	}
	if s.slotInUse(a) {
		return p.reserveNext(s, info)
	}
	if err := s.reserve(&a, flags, true); err != nil {
		return err
	}
	setPCI(info, a)
	return nil
}

// validateSlotsQ35 is qemuDomainValidateDevicePCISlotsQ35.
func (p *pciAssigner) validateSlotsQ35(s *pciAddressSet) error {
	flags := connPCIeDevice
	for _, c := range p.def.Devices.Controllers() {
		typ, idx, model := c.Attr("type"), controllerIndex(c), c.Attr("model")
		switch typ {
		case "sata":
			if idx != 0 {
				continue
			}
			if pciPresent(&c.Info) {
				a := toPCIAddr(c.Info.Address)
				if a.domain != 0 || a.bus != 0 || a.slot != 0x1f || a.function != 2 {
					return internalErr("Primary SATA controller must have PCI address 0:0:1f.2")
				}
			} else {
				setPCI(&c.Info, pciAddr{slot: 0x1f, function: 2})
			}
		case "usb":
			if model != "ich9-uhci1" || (c.Info.Address != nil && c.Info.Address.Type != "") {
				continue
			}
			a := pciAddr{slot: 0x1d}
			assign := !s.slotInUse(a)
			if !assign {
				a.slot = 0x1a
				assign = !s.slotInUse(a)
			}
			if assign {
				if err := s.reserve(&a, flags, true); err != nil {
					return err
				}
				setPCI(&c.Info, pciAddr{slot: a.slot, multi: "on"})
			}
		case "pci":
			if model != "dmi-to-pci-bridge" || (c.Info.Address != nil && c.Info.Address.Type != "") {
				continue
			}
			a := pciAddr{slot: 0x1e}
			if !s.slotInUse(a) {
				if err := s.reserve(&a, flags, true); err != nil {
					return err
				}
				setPCI(&c.Info, pciAddr{slot: 0x1e})
			}
		}
	}
	if len(s.buses) > 0 {
		a := pciAddr{slot: 0x1f, multi: "on"}
		if err := s.reserve(&a, flags, true); err != nil {
			return err
		}
		a = pciAddr{slot: 0x1f, function: 3}
		if err := s.reserve(&a, flags, true); err != nil {
			return err
		}
	}
	if err := p.placePrimaryVideo(s, 1, flags); err != nil {
		return err
	}
	a := pciAddr{slot: 0x1b}
	if !s.slotInUse(a) {
		for _, snd := range devicesOf(p.def, "sound") {
			if snd.attr("model") != "ich9" || !pciWanted(snd.info()) {
				continue
			}
			if err := s.reserve(&a, flags, true); err != nil {
				return err
			}
			setPCI(snd.info(), a)
			break
		}
	}
	return nil
}

func (p *pciAssigner) validateSlotsChipsets(s *pciAddressSet) error {
	if isI440FX(p.def) {
		if err := p.validateSlotsPIIX3(s); err != nil {
			return err
		}
	}
	if isQ35(p.def) {
		if err := p.validateSlotsQ35(s); err != nil {
			return err
		}
	}
	return nil
}

func isUSB2Companion(c *domain.Device) bool {
	if c.Attr("type") != "usb" {
		return false
	}
	switch c.Attr("model") {
	case "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3":
		return true
	}
	return false
}

// assignSlots is qemuDomainAssignDevicePCISlots.
func (p *pciAssigner) assignSlots(s *pciAddressSet) error {
	def := p.def
	wantedNext := func(r devRef) error {
		if !pciWanted(r.info()) {
			return nil
		}
		return p.reserveNext(s, r.info())
	}
	for _, c := range devicesOf(def, "controller") {
		if c.attr("type") != "pci" {
			continue
		}
		if m := c.attr("model"); m == "pci-root" || m == "pcie-root" {
			continue
		}
		if err := wantedNext(c); err != nil {
			return err
		}
	}
	for _, fs := range devicesOf(def, "filesystem") {
		if err := wantedNext(fs); err != nil {
			return err
		}
	}
	for _, n := range devicesOf(def, "interface") {
		if n.attr("type") == "hostdev" {
			continue
		}
		if err := wantedNext(n); err != nil {
			return err
		}
	}
	for _, snd := range devicesOf(def, "sound") {
		switch snd.attr("model") {
		case "sb16", "pcspk", "usb":
			continue
		}
		if err := wantedNext(snd); err != nil {
			return err
		}
	}
	for _, cr := range devicesOf(def, "controller") {
		c := cr.dev
		typ := c.Attr("type")
		switch {
		case typ == "pci":
			continue
		case typ == "usb" && c.Attr("model") == "none":
			continue
		case typ == "fdc" || typ == "ccid":
			continue
		case typ == "ide" && controllerIndex(c) == 0:
			continue
		case typ == "scsi" && c.Attr("model") == "ncr53c90":
			continue
		}
		if !pciWanted(&c.Info) {
			continue
		}
		if !isUSB2Companion(c) {
			if err := p.reserveNext(s, &c.Info); err != nil {
				return err
			}
			continue
		}
		var addr pciAddr
		found := false
		for _, o := range def.Devices.Controllers() {
			if isUSB2Companion(o) && controllerIndex(o) == controllerIndex(c) && pciPresent(&o.Info) {
				addr = toPCIAddr(o.Info.Address)
				found = true
				break
			}
		}
		switch c.Attr("model") {
		case "ich9-ehci1":
			addr.function, addr.multi = 7, ""
		case "ich9-uhci1":
			addr.function, addr.multi = 0, "on"
		case "ich9-uhci2":
			addr.function, addr.multi = 1, ""
		case "ich9-uhci3":
			addr.function, addr.multi = 2, ""
		}
		if found {
			if err := s.reserve(&addr, p.flags[&c.Info], true); err != nil {
				return err
			}
			setPCI(&c.Info, addr)
		} else {
			if _, err := s.reserveNext(&c.Info, p.flags[&c.Info], int(addr.function)); err != nil {
				return err
			}
			if !s.dryRun && c.Info.Address != nil {
				c.Info.Address.Multifunction = addr.multi
			}
		}
	}
	for _, d := range devicesOf(def, "disk") {
		if d.disk.Bus() != "virtio" {
			continue
		}
		info := d.info()
		if pciPresent(info) || (info.Address != nil && info.Address.Type == "ccw") {
			continue
		}
		if info.Address != nil && info.Address.Type == "virtio-mmio" && p.qc != nil && p.qc.Has(caps.DeviceVirtioMMIO) {
			continue
		}
		if !pciWanted(info) {
			return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "virtio disk cannot have an address of type '%s'", info.Address.Type)
		}
		if err := p.reserveNext(s, info); err != nil {
			return err
		}
	}
	for _, h := range devicesOf(def, "hostdev") {
		info := h.info()
		if !pciWanted(info) {
			continue
		}
		mode := h.attr("mode")
		if mode != "" && mode != "subsystem" {
			continue
		}
		typ := h.attr("type")
		if typ != "pci" && typ != "scsi_host" && !(typ == "mdev" && h.attr("model") == "vfio-pci") {
			continue
		}
		if info.Address != nil && info.Address.Type == "unassigned" {
			continue
		}
		if err := p.reserveNext(s, info); err != nil {
			return err
		}
	}
	for _, m := range devicesOf(def, "memballoon") {
		if m.attr("model") == "none" {
			continue
		}
		if err := wantedNext(m); err != nil {
			return err
		}
	}
	for _, r := range devicesOf(def, "rng") {
		if err := wantedNext(r); err != nil {
			return err
		}
	}
	for _, w := range devicesOf(def, "watchdog") {
		if w.attr("model") == "i6300esb" {
			if err := wantedNext(w); err != nil {
				return err
			}
		}
	}
	for _, v := range devicesOf(def, "video") {
		if t := videoType(v); t == "none" || t == "ramfb" {
			continue
		}
		if err := wantedNext(v); err != nil {
			return err
		}
	}
	for _, sh := range devicesOf(def, "shmem") {
		if err := wantedNext(sh); err != nil {
			return err
		}
	}
	for _, in := range devicesOf(def, "input") {
		if in.attr("bus") != "virtio" {
			continue
		}
		if err := wantedNext(in); err != nil {
			return err
		}
	}
	for _, ser := range devicesOf(def, "serial") {
		if chrTargetType(ser) != "pci-serial" {
			continue
		}
		if err := wantedNext(ser); err != nil {
			return err
		}
	}
	for _, io := range devicesOf(def, "iommu") {
		if io.attr("model") == "virtio" {
			if err := wantedNext(io); err != nil {
				return err
			}
		}
	}
	for _, v := range devicesOf(def, "vsock") {
		if err := wantedNext(v); err != nil {
			return err
		}
	}
	for _, m := range devicesOf(def, "memory") {
		switch m.attr("model") {
		case "virtio-pmem", "virtio-mem":
			if err := wantedNext(m); err != nil {
				return err
			}
		}
	}
	for _, c := range devicesOf(def, "crypto") {
		if err := wantedNext(c); err != nil {
			return err
		}
	}
	for _, pn := range devicesOf(def, "panic") {
		if pn.attr("model") == "pvpanic" {
			if err := wantedNext(pn); err != nil {
				return err
			}
		}
	}
	return nil
}

// assignPCIAddresses is qemuDomainAssignPCIAddresses.
func assignPCIAddresses(def *domain.Def, qc *caps.Caps) error {
	p := &pciAssigner{def: def, qc: qc}
	maxIdx := -1
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") == "pci" && controllerIndex(c) > maxIdx {
			maxIdx = controllerIndex(c)
		}
	}
	nbuses := maxIdx + 1
	p.fillFlags()

	if nbuses > 0 {
		s, err := p.newSet(nbuses, true)
		if err != nil {
			return err
		}
		if err := p.validateSlotsChipsets(s); err != nil {
			return err
		}
		if hasPCIRoot(def) {
			reserved := true
			for _, b := range s.buses {
				if !b.fullyReserved() {
					reserved = false
					break
				}
			}
			if !reserved {
				if _, err := s.reserveNext(nil, connAutoassign|connPCIDevice, -1); err != nil {
					return err
				}
			}
		}
		if err := p.assignSlots(s); err != nil {
			return err
		}
		if maxIdx <= 0 && len(s.buses) > maxIdx+1 && hasPCIeRoot(def) {
			if _, err := s.reserveNext(nil, connAutoassign|connPCIeDevice, -1); err != nil {
				return err
			}
		}
		for i := 1; i < len(s.buses); i++ {
			if findController(def, "pci", i) != nil {
				continue
			}
			c, err := newController("pci", i, s.buses[i].model)
			if err != nil {
				return err
			}
			def.Devices.ByKind["controller"] = append(def.Devices.ByKind["controller"], c)
			r := devRef{kind: "controller", dev: c}
			p.flags[&c.Info] = p.fx.flags(r)
			if m := s.buses[i].model; m != "pci-root" && m != "pcie-root" {
				if err := p.reserveNext(s, &c.Info); err != nil {
					return err
				}
			}
		}
		nbuses = len(s.buses)
	}

	s, err := p.newSet(nbuses, false)
	if err != nil {
		return err
	}
	if !supportsPCI(def, qc) {
		return nil
	}
	if err := p.validateSlotsChipsets(s); err != nil {
		return err
	}
	if err := p.assignSlots(s); err != nil {
		return err
	}
	setAllMulti(def)
	return p.controllerDefaults(qc)
}

// setAllMulti is virDomainPCIAddressSetAllMulti: the device at function
// 0 of a slot with other functions in use becomes multifunction.
func setAllMulti(def *domain.Def) {
	devs := allDevices(def)
	for _, r := range devs {
		a := r.info().Address
		if a == nil || a.Type != "pci" || a.Function == 0 {
			continue
		}
		for _, o := range devs {
			b := o.info().Address
			if b == nil || b.Type != "pci" {
				continue
			}
			if b.Domain == a.Domain && b.Bus == a.Bus && b.Slot == a.Slot && b.Function == 0 {
				if b.Multifunction == "" {
					b.Multifunction = "on"
				}
				break
			}
		}
	}
}

// pciModelName is qemuDomainPCIControllerSetDefaultModelName: the QEMU
// device implementing a PCI controller model.
func pciModelName(def *domain.Def, model string, qc *caps.Caps) string {
	switch model {
	case "pci-bridge":
		return "pci-bridge"
	case "dmi-to-pci-bridge":
		return "i82801b11-bridge"
	case "pcie-to-pci-bridge":
		return "pcie-pci-bridge"
	case "pcie-root-port":
		if qc != nil && qc.Has(caps.DevicePCIERootPort) {
			return "pcie-root-port"
		}
		return "ioh3420"
	case "pcie-switch-upstream-port":
		return "x3130-upstream"
	case "pcie-switch-downstream-port":
		return "xio3130-downstream"
	case "pci-expander-bus":
		return "pxb"
	case "pcie-expander-bus":
		return "pxb-pcie"
	case "pci-root":
		if isPSeries(def) {
			return "spapr-pci-host-bridge"
		}
	}
	return ""
}

// controllerDefaults fills the PCI controllers' model names and target
// options (chassis, port, busNr …) and checks bridges sit below their
// own bus number.
func (p *pciAssigner) controllerDefaults(qc *caps.Caps) error {
	list := p.def.Devices.ByKind["controller"]
	for i, c := range list {
		if c.Attr("type") != "pci" {
			continue
		}
		idx := controllerIndex(c)
		model := c.Attr("model")
		var set []xmltree.Attr
		modelName := ""
		if m := c.Child("model"); m == nil || m.Prop("name") == "" {
			modelName = pciModelName(p.def, model, qc)
		}
		var addr pciAddr
		if c.Info.Address != nil && c.Info.Address.Type == "pci" {
			addr = toPCIAddr(c.Info.Address)
		}
		switch model {
		case "pci-bridge":
			if targetAttr(c, "chassisNr") == "" {
				set = append(set, xmltree.Attr{Name: "chassisNr", Value: strconv.Itoa(idx)})
			}
		case "pcie-root-port":
			if targetAttr(c, "chassis") == "" {
				set = append(set, xmltree.Attr{Name: "chassis", Value: strconv.Itoa(idx)})
			}
			if targetAttr(c, "port") == "" {
				set = append(set, xmltree.Attr{Name: "port", Value: "0x" + strconv.FormatUint(addr.slot<<3+addr.function, 16)})
			}
		case "pcie-switch-downstream-port":
			if targetAttr(c, "chassis") == "" {
				set = append(set, xmltree.Attr{Name: "chassis", Value: strconv.Itoa(idx)})
			}
			if targetAttr(c, "port") == "" {
				set = append(set, xmltree.Attr{Name: "port", Value: "0x" + strconv.FormatUint(addr.slot, 16)})
			}
		case "pci-expander-bus", "pcie-expander-bus":
			if targetAttr(c, "busNr") == "" {
				nr := findNewBusNr(p.def)
				if nr < 0 {
					return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "No free busNr lower than current lowest busNr is available to auto-assign to bus %d. Must be manually assigned", addr.bus)
				}
				set = append(set, xmltree.Attr{Name: "busNr", Value: strconv.Itoa(nr)})
			}
		}
		if model == "pci-bridge" && uint64(idx) <= addr.bus {
			return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "PCI controller at index %d (0x%02x) has bus='0x%02x', but index must be larger than bus", idx, idx, addr.bus)
		}
		if modelName == "" && len(set) == 0 {
			continue
		}
		nc, err := rebuildController(c, modelName, set)
		if err != nil {
			return err
		}
		list[i] = nc
	}
	return nil
}

// findNewBusNr is qemuDomainAddressFindNewBusNr.
func findNewBusNr(def *domain.Def) int {
	lowest := 256
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") != "pci" {
			continue
		}
		if v, err := strconv.Atoi(targetAttr(c, "busNr")); err == nil && v >= 0 && v < lowest {
			lowest = v
		}
	}
	if lowest <= 2 {
		return -1
	}
	return lowest - 2
}

// controllerAttrs and controllerChildren are what a <controller> holds,
// in libvirt's order.
var (
	controllerAttrs    = []string{"type", "index", "model", "ports", "vectors", "maxGrantFrames", "maxEventChannels"}
	controllerChildren = []string{"model", "target", "pcihole64", "driver"}
)

// newController builds <controller type index model/> the way
// virDomainDefAddController creates one.
func newController(typ string, idx int, model string) (*domain.Device, error) {
	var b strings.Builder
	b.WriteString("<controller type='" + xmltree.EscapeAttr(typ) + "' index='" + strconv.Itoa(idx) + "'")
	if model != "" {
		b.WriteString(" model='" + xmltree.EscapeAttr(model) + "'")
	}
	b.WriteString("/>")
	return parseDeviceSnippet(b.String(), "controller")
}

// rebuildController returns a copy of c with <model name> set (when
// modelName is not empty) and the given <target> attributes added.
func rebuildController(c *domain.Device, modelName string, target []xmltree.Attr) (*domain.Device, error) {
	var b strings.Builder
	b.WriteString("<controller")
	for _, a := range controllerAttrs {
		if v := c.Attr(a); v != "" {
			b.WriteString(" " + a + "='" + xmltree.EscapeAttr(v) + "'")
		}
	}
	b.WriteString(">")
	for _, name := range controllerChildren {
		n := c.Child(name)
		switch name {
		case "model":
			if modelName != "" {
				b.WriteString("<model name='" + xmltree.EscapeAttr(modelName) + "'/>")
				continue
			}
		case "target":
			if len(target) > 0 {
				cp := &xmltree.Node{Name: "target"}
				if n != nil {
					cp = &xmltree.Node{Name: "target", Attrs: append([]xmltree.Attr(nil), n.Attrs...), Children: n.Children, Segments: n.Segments, Text: n.Text}
				}
				cp.Attrs = append(cp.Attrs, target...)
				n = cp
			}
		}
		if n != nil {
			b.WriteString(n.String())
		}
	}
	b.WriteString("</controller>")
	nc, err := parseDeviceSnippet(b.String(), "controller")
	if err != nil {
		return nil, err
	}
	nc.Info = c.Info
	return nc, nil
}

// parseDeviceSnippet reads one device element through the domain parser,
// which offers no device constructors of its own.
func parseDeviceSnippet(devXML, kind string) (*domain.Device, error) {
	// A fixed UUID: the throw-away domain needs none drawn from crypto/rand.
	doc := "<domain type='qemu'><name>x</name><uuid>6f1e0b1a-3c2d-4e5f-8a9b-0c1d2e3f4a5b</uuid><memory>1</memory><os><type>hvm</type></os><devices>" + devXML + "</devices></domain>"
	d, err := domain.Parse([]byte(doc), domain.ParseInactive)
	if err != nil {
		return nil, err
	}
	devs := d.Devices.Kind(kind)
	if len(devs) != 1 {
		return nil, internalErr("cannot build %s device", kind)
	}
	return devs[0], nil
}
