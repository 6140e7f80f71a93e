package domaindefaults

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

// AssignAddresses is qemuDomainAssignAddresses for a domain about to
// start: newDomain also gives USB devices their ports (at define time
// libvirt assigns them only when every USB device already has one).
func AssignAddresses(def *domain.Def, qc *caps.Caps, newDomain bool) error {
	if def.Devices == nil {
		return nil
	}
	if err := assignVirtioSerialAddresses(def); err != nil {
		return err
	}
	assignSpaprVIOAddresses(def)
	if err := assignPCIAddresses(def, qc); err != nil {
		return err
	}
	if newDomain {
		if err := assignUSBAddressesNew(def); err != nil {
			return err
		}
	} else if err := assignUSBAddresses(def); err != nil {
		return err
	}
	assignMemorySlots(def)
	return nil
}

const defaultVirtioSerialPorts = 31

// vioSerialController is one virtio-serial controller's port map.
type vioSerialController struct {
	idx   int
	ports []bool
}

type vioSerialSet struct {
	controllers []*vioSerialController // sorted by index
}

func (s *vioSerialSet) addController(c *domain.Device) error {
	if c.Attr("type") != "virtio-serial" {
		return nil
	}
	ports := defaultVirtioSerialPorts
	if v, err := strconv.Atoi(c.Attr("ports")); err == nil && v >= 0 {
		ports = v
	}
	nc := &vioSerialController{idx: controllerIndex(c), ports: make([]bool, ports)}
	at := len(s.controllers)
	for i, x := range s.controllers {
		if x.idx == nc.idx {
			return internalErr("virtio serial controller with index %d already exists in the address set", nc.idx)
		}
		if x.idx > nc.idx {
			at = i
			break
		}
	}
	s.controllers = append(s.controllers, nil)
	copy(s.controllers[at+1:], s.controllers[at:])
	s.controllers[at] = nc
	return nil
}

func (s *vioSerialSet) find(idx int) *vioSerialController {
	for _, c := range s.controllers {
		if c.idx == idx {
			return c
		}
	}
	return nil
}

func vioSerialComplete(info *domain.DeviceInfo) bool {
	return info.Address != nil && info.Address.Type == "virtio-serial" && info.Address.Port != 0
}

// reserve is virDomainVirtioSerialAddrReserve.
func (s *vioSerialSet) reserve(a *domain.Address) error {
	c := s.find(int(a.Controller))
	if c == nil {
		return xmlErr("virtio serial controller %d is missing", a.Controller)
	}
	if a.Port >= uint64(len(c.ports)) {
		return xmlErr("virtio serial controller %d does not have port %d", a.Controller, a.Port)
	}
	if c.ports[a.Port] {
		return xmlErr("virtio serial port %d on controller %d is already occupied", a.Port, a.Controller)
	}
	c.ports[a.Port] = true
	return nil
}

func nextClear(ports []bool, after int) int {
	for i := after + 1; i < len(ports); i++ {
		if !ports[i] {
			return i
		}
	}
	return -1
}

// assignVirtioSerialAddresses is qemuDomainAssignVirtioSerialAddresses.
func assignVirtioSerialAddresses(def *domain.Def) error {
	s := &vioSerialSet{}
	for _, c := range def.Devices.Controllers() {
		if err := s.addController(c); err != nil {
			return err
		}
	}
	for _, r := range allDevices(def) {
		if vioSerialComplete(r.info()) {
			if err := s.reserve(r.info().Address); err != nil {
				return err
			}
		}
	}
	assign := func(r devRef, allowZero bool) error {
		info := r.info()
		if vioSerialComplete(info) {
			return nil
		}
		portOnly := info.Address != nil && info.Address.Type == "virtio-serial"
		target := &domain.Address{Type: "virtio-serial"}
		if portOnly && !allowZero {
			target.Controller = info.Address.Controller
		}
		if portOnly {
			c := s.find(int(target.Controller))
			if c == nil {
				return internalErr("virtio-serial controller %d not available", target.Controller)
			}
			port := nextClear(c.ports, 0)
			if port <= 0 {
				return xmlErr("Unable to find a free port on virtio-serial controller %d", target.Controller)
			}
			target.Port = uint64(port)
		} else {
			start := 0
			if allowZero {
				start = -1
			}
			found := false
			for _, c := range s.controllers {
				if port := nextClear(c.ports, start); port >= 0 {
					target.Controller, target.Port = uint64(c.idx), uint64(port)
					found = true
					break
				}
			}
			if !found {
				for i := 0; ; i++ {
					if findController(def, "virtio-serial", i) != nil {
						continue
					}
					c, err := newController("virtio-serial", i, "")
					if err != nil {
						return err
					}
					def.Devices.ByKind["controller"] = append(def.Devices.ByKind["controller"], c)
					if err := s.addController(c); err != nil {
						return err
					}
					target.Controller, target.Port = uint64(i), uint64(start+1)
					break
				}
			}
		}
		if err := s.reserve(target); err != nil {
			return err
		}
		// a console's port 0 is only reserved, its address stays as
		// written (libvirt assigns into a scratch device info)
		if !allowZero {
			info.Address = target
		}
		return nil
	}
	for _, r := range devicesOf(def, "console") {
		if chrTargetType(r) == "virtio" {
			if err := assign(r, true); err != nil {
				return err
			}
		}
	}
	for _, r := range devicesOf(def, "channel") {
		if chrTargetType(r) == "virtio" {
			if err := assign(r, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// USB address assignment (virDomainUSBAddressSet).

const (
	usbHubPorts     = 8
	usbMaxPortDepth = 4
)

type usbHub struct {
	portmap []bool
	ports   []*usbHub
}

func newUSBHub(n int) *usbHub { return &usbHub{portmap: make([]bool, n), ports: make([]*usbHub, n)} }

type usbAddressSet struct {
	buses []*usbHub
}

// usbControllerPorts is virDomainUSBAddressControllerModelToPorts.
func usbControllerPorts(c *domain.Device) int {
	switch c.Attr("model") {
	case "", "piix3-uhci", "piix4-uhci", "vt82c686b-uhci":
		return 2
	case "ehci", "ich9-ehci1":
		return 6
	case "pci-ohci":
		return 3
	case "nec-xhci", "qemu-xhci":
		if v, err := strconv.Atoi(c.Attr("ports")); err == nil && v >= 0 {
			return v
		}
		return 4
	case "qusb1", "qusb2":
		if v, err := strconv.Atoi(c.Attr("ports")); err == nil && v >= 0 {
			return v
		}
		return 8
	}
	return 0
}

// usbDevices is virDomainUSBDeviceDefForeach's order.
func usbDevices(def *domain.Def, skipHubs bool) []devRef {
	var out []devRef
	if !skipHubs {
		for _, h := range devicesOf(def, "hub") {
			if h.attr("type") == "usb" {
				out = append(out, h)
			}
		}
	}
	for _, h := range devicesOf(def, "hostdev") {
		if h.attr("type") == "usb" {
			out = append(out, h)
		}
	}
	for _, d := range devicesOf(def, "disk") {
		if d.disk.Bus() == "usb" {
			out = append(out, d)
		}
	}
	for _, c := range devicesOf(def, "controller") {
		if c.attr("type") == "ccid" {
			out = append(out, c)
		}
	}
	for _, in := range devicesOf(def, "input") {
		if in.attr("bus") == "usb" {
			out = append(out, in)
		}
	}
	for _, s := range devicesOf(def, "serial") {
		if chrTargetType(s) == "usb-serial" {
			out = append(out, s)
		}
	}
	for _, s := range devicesOf(def, "sound") {
		if s.attr("model") == "usb" {
			out = append(out, s)
		}
	}
	for _, r := range devicesOf(def, "redirdev") {
		if r.attr("bus") == "usb" || r.attr("bus") == "" {
			out = append(out, r)
		}
	}
	return out
}

func usbPortPath(a *domain.Address) []int {
	var out []int
	if a == nil || a.USBPort == "" {
		return nil
	}
	for _, p := range strings.Split(a.USBPort, ".") {
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out = append(out, v)
	}
	return out
}

func usbPortValid(a *domain.Address) bool {
	p := usbPortPath(a)
	return len(p) > 0 && p[0] != 0
}

func usbAddressPresent(info *domain.DeviceInfo) bool {
	return info.Address != nil && info.Address.Type == "usb" && usbPortValid(info.Address)
}

func (s *usbAddressSet) addController(c *domain.Device) error {
	n := usbControllerPorts(c)
	if n == 0 {
		return nil
	}
	idx := controllerIndex(c)
	if idx < 0 {
		return nil
	}
	for len(s.buses) <= idx {
		s.buses = append(s.buses, nil)
	}
	if s.buses[idx] != nil {
		return xmlErr("Duplicate USB controllers with index %d", idx)
	}
	s.buses[idx] = newUSBHub(n)
	return nil
}

// findPort is virDomainUSBAddressFindPort.
func (s *usbAddressSet) findPort(a *domain.Address) (*usbHub, int, error) {
	if a.Bus >= uint64(len(s.buses)) || s.buses[a.Bus] == nil {
		return nil, 0, xmlErr("Missing USB bus %d", a.Bus)
	}
	hub := s.buses[a.Bus]
	path := usbPortPath(a)
	for i := 0; i < len(path)-1; i++ {
		idx := path[i] - 1
		if idx < 0 || idx >= len(hub.ports) {
			return nil, 0, xmlErr("port %d out of range in USB address bus: %d port: %s", path[i], a.Bus, a.USBPort)
		}
		hub = hub.ports[idx]
		if hub == nil {
			return nil, 0, xmlErr("there is no hub at port %d in USB address bus: %d port: %s", path[i], a.Bus, a.USBPort)
		}
	}
	target := path[len(path)-1] - 1
	if target < 0 || target >= len(hub.portmap) {
		return nil, 0, xmlErr("requested USB port %s not present on USB bus %d", a.USBPort, a.Bus)
	}
	return hub, target, nil
}

func (s *usbAddressSet) reserve(info *domain.DeviceInfo) error {
	if !usbAddressPresent(info) {
		return nil
	}
	hub, port, err := s.findPort(info.Address)
	if err != nil {
		return err
	}
	if hub.portmap[port] {
		return xmlErr("Duplicate USB address bus %d port %s", info.Address.Bus, info.Address.USBPort)
	}
	hub.portmap[port] = true
	return nil
}

func (s *usbAddressSet) addHub(info *domain.DeviceInfo) error {
	if info.Address == nil || info.Address.Type != "usb" {
		return xmlErr("Wrong address type for USB hub")
	}
	hub, port, err := s.findPort(info.Address)
	if err != nil {
		return err
	}
	if hub.ports[port] != nil {
		return xmlErr("Duplicate USB hub on bus %d port %s", info.Address.Bus, info.Address.USBPort)
	}
	hub.portmap[port] = true
	hub.ports[port] = newUSBHub(usbHubPorts)
	return nil
}

func findFreePort(hub *usbHub, path []int, level int) bool {
	for i, used := range hub.portmap {
		if !used {
			path[level] = i + 1
			return true
		}
	}
	if level >= usbMaxPortDepth-1 {
		return false
	}
	for i, h := range hub.ports {
		if h == nil {
			continue
		}
		if findFreePort(h, path, level+1) {
			path[level] = i + 1
			return true
		}
	}
	return false
}

func (s *usbAddressSet) assignFromBus(info *domain.DeviceInfo, bus int) (bool, error) {
	if bus >= len(s.buses) || s.buses[bus] == nil {
		return false, nil
	}
	path := make([]int, usbMaxPortDepth)
	if !findFreePort(s.buses[bus], path, 0) {
		return false, nil
	}
	var parts []string
	for _, p := range path {
		if p == 0 {
			break
		}
		parts = append(parts, strconv.Itoa(p))
	}
	info.Address = &domain.Address{Type: "usb", Bus: uint64(bus), USBPort: strings.Join(parts, ".")}
	return true, s.reserve(info)
}

// assign is virDomainUSBAddressAssign.
func (s *usbAddressSet) assign(info *domain.DeviceInfo) error {
	if info.Address != nil && info.Address.Type == "usb" {
		bus := int(info.Address.Bus)
		if bus >= len(s.buses) || s.buses[bus] == nil {
			return xmlErr("USB bus %d requested but no controller with that index is present", bus)
		}
		ok, err := s.assignFromBus(info, bus)
		if err != nil || ok {
			return err
		}
	} else {
		for i := range s.buses {
			ok, err := s.assignFromBus(info, i)
			if err != nil || ok {
				return err
			}
		}
	}
	return internalErr("No free USB ports")
}

// assignUSBAddresses is qemuDomainAssignUSBAddresses for a definition
// that is not new: ports are only tracked when every USB device already
// has one.
func assignUSBAddresses(def *domain.Def) error {
	for _, r := range usbDevices(def, false) {
		if !usbAddressPresent(r.info()) {
			return nil
		}
	}
	return assignUSBAddressesNew(def)
}

func defHasUSB(def *domain.Def) bool {
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") == "usb" && c.Attr("model") != "none" {
			return true
		}
	}
	return false
}

func assignUSBAddressesNew(def *domain.Def) error {
	devs := usbDevices(def, false)
	if len(devs) > 0 && !defHasUSB(def) {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "USB is disabled for this domain, but USB devices are present in the domain XML")
	}
	s := &usbAddressSet{}
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") == "usb" {
			if err := s.addController(c); err != nil {
				return err
			}
		}
	}
	var hubs []devRef
	for _, h := range devicesOf(def, "hub") {
		if h.attr("type") != "usb" {
			continue
		}
		if usbAddressPresent(h.info()) {
			if err := s.addHub(h.info()); err != nil {
				return err
			}
		} else {
			hubs = append(hubs, h)
		}
	}
	for _, r := range usbDevices(def, true) {
		if err := s.reserve(r.info()); err != nil {
			return err
		}
	}
	if err := s.addAutoHubs(def); err != nil {
		return err
	}
	for _, h := range hubs {
		if err := s.assign(h.info()); err != nil {
			return err
		}
		if err := s.addHub(h.info()); err != nil {
			return err
		}
	}
	for _, r := range usbDevices(def, true) {
		info := r.info()
		if info.Address != nil && info.Address.Type != "" && info.Address.Type != "usb" {
			continue
		}
		if usbAddressPresent(info) {
			continue
		}
		if err := s.assign(info); err != nil {
			return err
		}
	}
	return nil
}

// addAutoHubs is qemuDomainAssignUSBHubs: when the USB devices outnumber
// the ports of the controllers and hubs, enough usb-hub devices to seat
// them are added and take the first free ports.
func (s *usbAddressSet) addAutoHubs(def *domain.Def) error {
	if !defHasUSB(def) {
		return nil
	}
	count := len(usbDevices(def, false))
	ports := 0
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") == "usb" {
			ports += usbControllerPorts(c)
		}
	}
	for _, h := range devicesOf(def, "hub") {
		if h.attr("type") == "usb" {
			ports += usbHubPorts
		}
	}
	if count <= ports {
		return nil
	}
	need := (count - ports + 1 + usbHubPorts - 2) / (usbHubPorts - 1)
	for i := 0; i < need; i++ {
		hub := domain.NewDevice("hub", "type", "usb")
		def.Devices.Append(hub)
		if err := s.assign(&hub.Info); err != nil {
			return err
		}
		if err := s.addHub(&hub.Info); err != nil {
			return err
		}
	}
	return nil
}

// assignMemorySlots is qemuDomainAssignMemorySlots: DIMMs without a slot
// get the lowest free one.
func assignMemorySlots(def *domain.Def) {
	if def.Memory.Max == 0 || def.Memory.Slots == 0 {
		return
	}
	used := make([]bool, def.Memory.Slots)
	mems := devicesOf(def, "memory")
	for _, m := range mems {
		if a := m.info().Address; a != nil && a.Type == "dimm" && a.Slot < uint64(len(used)) {
			used[a.Slot] = true
		}
	}
	for _, m := range mems {
		switch m.attr("model") {
		case "dimm", "nvdimm":
		default:
			continue
		}
		info := m.info()
		if info.Address != nil && info.Address.Type == "dimm" {
			continue
		}
		for i, u := range used {
			if !u {
				used[i] = true
				info.Address = &domain.Address{Type: "dimm", Slot: uint64(i)}
				break
			}
		}
	}
}
