package domaindefaults

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	RegisterDefDefault(addDefaultDevices)
	RegisterDefDefault(devicesPostParse)
}

// defaultDevicePlan is what qemuDomainDefAddDefaultDevices decides to add
// for an architecture and machine type.
type defaultDevicePlan struct {
	usb        bool
	usbModel   string // "" lets the controller post-parse pick
	sata       bool
	pciRoot    bool
	pcieRoot   bool
	memballoon bool
	usbKbd     bool
	usbMouse   bool
}

func planDefaultDevices(def *domain.Def, qc *caps.Caps) defaultDevicePlan {
	p := defaultDevicePlan{usb: true, memballoon: true}
	m := machine(def)
	switch a := arch(def); {
	case a == "i686" || a == "x86_64":
		if m == "isapc" {
			p.usb = false
			break
		}
		if isQ35(def) {
			p.pcieRoot = true
			p.sata = true
			// USB3 when QEMU has it, USB2 otherwise, else none at all.
			switch {
			case qc.Has(caps.DeviceQEMUXHCI):
				p.usbModel = "qemu-xhci"
			case qc.Has(caps.NecUSBXHCI):
				p.usbModel = "nec-xhci"
			case qc.Has(caps.ICH9USBEhci1):
				p.usbModel = "ich9-ehci1"
			default:
				p.usb = false
			}
			break
		}
		if isI440FX(def) {
			p.pciRoot = true
		}
	case a == "armv6l" || a == "armv7l" || a == "armv7b" || a == "aarch64":
		p.usb = false
		p.memballoon = false
		if m == "versatilepb" || strings.HasPrefix(m, "realview-eb") {
			p.pciRoot = true
			p.usb = true
		}
		if m == "virt" || strings.HasPrefix(m, "virt-") {
			p.pcieRoot = true
		}
	case a == "ppc64" || a == "ppc64le":
		p.pciRoot = true
		p.usbKbd = true
		p.usbMouse = true
	case a == "alpha" || a == "ppc" || a == "ppcemb" || a == "sh4" || a == "sh4eb":
		p.pciRoot = true
	case a == "riscv32" || a == "riscv64":
		p.usb = false
		p.memballoon = false
		if m == "virt" || strings.HasPrefix(m, "virt-") {
			p.pcieRoot = true
		}
	case a == "s390" || a == "s390x":
		p.usb = false
		p.pciRoot = qc.Has(caps.DeviceZpci)
	}
	return p
}

// addDefaultDevices is qemuDomainDefAddDefaultDevices (libvirt 9.0):
// the PS/2 inputs, USB, SATA and PCI root controllers, the memballoon and
// the audio backend a machine comes with.
func addDefaultDevices(def *domain.Def, o *Options) error {
	if o.Caps == nil || def.Devices == nil || def.OS == nil {
		return nil
	}
	d := def.Devices
	qc := o.Caps
	if archIsX86(arch(def)) && qc.Has(caps.DeviceI8042) && (isI440FX(def) || isQ35(def) || machine(def) == "isapc") {
		maybeAddInput(d, "mouse", "ps2")
		maybeAddInput(d, "keyboard", "ps2")
	}
	p := planDefaultDevices(def, qc)

	if p.usb && d.FindController("usb", 0) == nil {
		addUSBController(o, d, 0, p.usbModel)
	}
	if p.sata && d.FindController("sata", 0) == nil {
		addController(o, d, domain.NewDevice("controller", "type", "sata", "index", "0"))
	}
	root := d.FindController("pci", 0)
	for _, want := range []struct {
		add   bool
		model string
	}{{p.pciRoot, "pci-root"}, {p.pcieRoot, "pcie-root"}} {
		if !want.add {
			continue
		}
		if root != nil {
			if m := root.Attr("model"); m != want.model {
				return virterr.NewFrom(virterr.FromQemu, virterr.XMLError,
					"The PCI controller with index='0' must be model='%s' for this machine type, but model='%s' was found instead", want.model, m)
			}
			continue
		}
		addController(o, d, domain.NewDevice("controller", "type", "pci", "index", "0", "model", want.model))
	}
	if p.memballoon && len(d.Kind("memballoon")) == 0 {
		d.Append(domain.NewDevice("memballoon", "model", "virtio"))
	}
	if p.usbMouse {
		for _, in := range d.Kind("input") {
			if in.Attr("type") == "tablet" && in.Attr("bus") == "usb" {
				p.usbMouse = false
			}
		}
	}
	if p.usbKbd && len(d.Graphics()) > 0 {
		maybeAddInput(d, "keyboard", "usb")
	}
	if p.usbMouse && len(d.Graphics()) > 0 {
		maybeAddInput(d, "mouse", "usb")
	}
	return addDefaultAudio(def, o)
}

// addController appends a controller the QEMU driver adds: libvirt adds
// them before the generic post-parse adds the implicit controllers
// devices refer to, so they go right after the parsed ones (and those
// added before them).
func addController(o *Options, d *domain.Devices, c *domain.Device) {
	d.InsertAt(c, o.parsedControllers+o.addedControllers)
	o.addedControllers++
}

// addUSBController is virDomainDefAddUSBController: an ich9-ehci1 comes
// with its three UHCI companions.
func addUSBController(o *Options, d *domain.Devices, idx int, model string) {
	c := domain.NewDevice("controller", "type", "usb", "index", itoa(idx))
	if model != "" {
		c.SetAttr("model", model)
	}
	addController(o, d, c)
	if model != "ich9-ehci1" {
		return
	}
	for i, m := range []string{"ich9-uhci1", "ich9-uhci2", "ich9-uhci3"} {
		comp := domain.NewDevice("controller", "type", "usb", "index", itoa(idx), "model", m)
		comp.Info.MasterStartPort = itoa(i * 2)
		addController(o, d, comp)
	}
}

// maybeAddInput is virDomainDefMaybeAddInput.
func maybeAddInput(d *domain.Devices, typ, bus string) {
	for _, in := range d.Kind("input") {
		if in.Attr("type") == typ && in.Attr("bus") == bus {
			return
		}
	}
	d.Append(domain.NewDevice("input", "type", typ, "bus", bus))
}

// audioTypes are virDomainAudioType's names.
var audioTypes = []string{"none", "alsa", "coreaudio", "jack", "oss", "pulseaudio", "sdl", "spice", "file", "dbus"}

// addDefaultAudio is qemuDomainDefAddDefaultAudioBackend: a guest
// without <audio> gets the backend its graphics imply, or the host's
// (QEMU_AUDIO_DRV) where the configuration lets guests use host audio.
func addDefaultAudio(def *domain.Def, o *Options) error {
	d := def.Devices
	if len(d.Kind("audio")) > 0 {
		return nil
	}
	add, passthrough, backend := false, false, "none"
	for _, g := range d.Graphics() {
		switch g.Attr("type") {
		case "vnc":
			passthrough = o.Audio.VNCAllowHostAudio
			if !passthrough {
				backend = "none"
			}
			add = true
		case "spice":
			passthrough = false
			backend = "spice"
			add = true
		case "sdl":
			passthrough = true
			add = true
		}
	}
	if len(d.Graphics()) == 0 {
		passthrough = o.Audio.NoGraphicsAllowHostAudio
		if !passthrough {
			backend = "none"
		}
		add = true
	}
	if !add {
		return nil
	}
	if passthrough {
		env := o.Audio.QEMUAudioDrv
		switch {
		case env == "":
			// Host audio without QEMU_AUDIO_DRV: QEMU picks its own
			// default, so libvirt adds no <audio>.
			return nil
		case env == "pa":
			backend = "pulseaudio"
		default:
			known := false
			for _, t := range audioTypes {
				if t == env {
					known = true
				}
			}
			if !known {
				return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "unknown QEMU_AUDIO_DRV setting %s", env)
			}
			backend = env
		}
	}
	a := domain.NewDevice("audio", "id", "1", "type", backend)
	if backend == "sdl" && o.Audio.SDLAudioDriver != "" {
		a.SetAttr("driver", o.Audio.SDLAudioDriver)
	}
	d.Append(a)
	return nil
}

// AudioEnv is the host environment and qemu.conf settings that decide
// the default audio backend.
type AudioEnv struct {
	// QEMUAudioDrv and SDLAudioDriver are the QEMU_AUDIO_DRV and
	// SDL_AUDIODRIVER environment variables of the daemon.
	QEMUAudioDrv   string
	SDLAudioDriver string
	// VNCAllowHostAudio and NoGraphicsAllowHostAudio are qemu.conf's
	// vnc_allow_host_audio and nographics_allow_host_audio.
	VNCAllowHostAudio        bool
	NoGraphicsAllowHostAudio bool
}

// devicesPostParse is qemuDomainDeviceDefPostParse over every device.
func devicesPostParse(def *domain.Def, o *Options) error {
	if def.Devices == nil {
		return nil
	}
	d := def.Devices
	for _, disk := range d.Disks {
		diskPostParse(disk)
	}
	for _, c := range d.Controllers() {
		if err := controllerPostParse(def, c, o); err != nil {
			return err
		}
	}
	for _, n := range d.Interfaces() {
		netPostParse(def, n, o)
	}
	retype := false
	for _, v := range d.Videos() {
		retype = videoPostParse(def, v, o) || retype
	}
	if retype {
		d.VideoDefaults()
	}
	for _, c := range d.Serials() {
		serialPostParse(def, c)
	}
	if o.Flags&domain.ParseInactive != 0 {
		ListenOnGeneratedPaths(def)
	}
	for _, h := range d.Kind("hostdev") {
		// qemuDomainMdevDefVFIOPCIPostParse: QEMU 2.12 gave vfio-pci a
		// display; libvirt pins it off so QEMU's default cannot change it.
		if hd := h.Hostdev(); hd != nil && hd.Type == "mdev" && hd.Subsys.Model == "vfio-pci" &&
			hd.Subsys.Display == "" && o.Caps != nil && o.Caps.Has(caps.VfioPCIDisplay) {
			hd.Subsys.Display = "off"
		}
	}
	for _, sh := range d.Kind("shmem") {
		if err := shmemPostParse(sh); err != nil {
			return err
		}
	}
	for _, t := range d.Kind("tpm") {
		tpmPostParse(def, t)
	}
	for _, v := range d.Kind("vsock") {
		if !v.HasAttr("model") {
			v.SetAttr("model", "virtio")
		}
	}
	for _, p := range d.Kind("panic") {
		if !p.HasAttr("model") {
			if m := defaultPanicModel(def); m != "" {
				p.SetAttr("model", m)
			}
		}
	}
	return nil
}

// shmemPostParse is qemuDomainShmemDefPostParse: regions default to
// 4 MiB; a doorbell device needs its server, cannot size the region and
// always uses MSI, with ioeventfd unless turned off.
func shmemPostParse(dev *domain.Device) error {
	s := dev.Shmem()
	if s == nil {
		return nil
	}
	if s.Model != "ivshmem-doorbell" && s.Size == 0 {
		s.Size = 4 << 20
	}
	if s.Model == "ivshmem" {
		return nil
	}
	if !s.Server {
		if s.Model == "ivshmem-doorbell" {
			return virterr.NewFrom(virterr.FromQemu, virterr.XMLError, "shmem model '%s' is supported only with server option enabled", s.Model)
		}
		return nil
	}
	if s.Model == "ivshmem-plain" {
		return virterr.NewFrom(virterr.FromQemu, virterr.XMLError, "shmem model '%s' is not supported with server option enabled", s.Model)
	}
	if s.Size != 0 {
		return virterr.NewFrom(virterr.FromQemu, virterr.XMLError, "shmem model '%s' does not support size setting", s.Model)
	}
	s.MSI = true
	if s.MSIIOEventFD == "" {
		s.MSIIOEventFD = "on"
	}
	return nil
}

// diskPostParse is qemuDomainDeviceDiskDefPostParse: the qemu driver
// name, raw format and QEMU encryption engine by default.
func diskPostParse(disk *domain.Disk) {
	if _, ok := disk.DriverAttr("name"); !ok {
		disk.SetDriverAttr("name", "qemu")
	}
	if f, ok := disk.DriverAttr("type"); (!ok || f == "") && (disk.Source == nil || disk.Source.Format == "") && disk.Type() != "volume" {
		disk.SetDriverAttr("type", "raw")
	}
	disk.SetEncryptionEngine("qemu")
}

// controllerPostParse is qemuDomainControllerDefPostParse.
func controllerPostParse(def *domain.Def, c *domain.Device, o *Options) error {
	qc := o.Caps
	switch c.Attr("type") {
	case "scsi":
		if c.HasAttr("model") {
			break
		}
		switch {
		case isPSeries(def):
			c.SetAttr("model", "ibmvscsi")
		case arch(def) == "s390" || arch(def) == "s390x":
			c.SetAttr("model", "virtio-scsi")
		case qc != nil && qc.Has(caps.SCSILSI):
			c.SetAttr("model", "lsilogic")
		case qc != nil && qc.Has(caps.VirtioSCSI):
			c.SetAttr("model", "virtio-scsi")
		default:
			return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "Unable to determine model for SCSI controller idx=%d", domain.ControllerIndex(c))
		}
	case "usb":
		if !c.HasAttr("model") && qc != nil {
			if m := defaultUSBModel(def, c, qc, o); m != "" {
				c.SetAttr("model", m)
			}
		}
		switch m := c.Attr("model"); m {
		case "none":
			c.Info.Address = nil
		case "qusb1", "qusb2":
			return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "USB controller model type 'qusb1' or 'qusb2' is not supported in %s", def.Type)
		case "nec-xhci", "qemu-xhci":
			if ports := c.Attr("ports"); ports != "" && atoiDefault(ports, 0) > 15 {
				return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "'%s' controller only supports up to '%d' ports", m, 15)
			}
		}
	case "pci":
		m := c.Attr("model")
		if !isPSeries(def) && (m == "pci-root" || m == "pcie-root") && domain.ControllerIndex(c) != 0 {
			return virterr.NewFrom(virterr.FromQemu, virterr.XMLError, "pci-root and pcie-root controllers should have index 0")
		}
		if m == "pci-expander-bus" && !isI440FX(def) {
			return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "pci-expander-bus controllers are only supported on 440fx-based machinetypes")
		}
		if m == "pcie-expander-bus" && !(isQ35(def) || isARMVirt(def)) {
			return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "pcie-expander-bus controllers are not supported with this machine type")
		}
	}
	return nil
}

func isARMVirt(def *domain.Def) bool {
	a, m := arch(def), machine(def)
	return (a == "armv6l" || a == "armv7l" || a == "armv7b" || a == "aarch64") && (m == "virt" || strings.HasPrefix(m, "virt-"))
}

// defaultUSBModel is the model libvirt 9.0 gives a USB controller
// written without one.
func defaultUSBModel(def *domain.Def, c *domain.Device, qc *caps.Caps, o *Options) string {
	model := ""
	if qc.Has(caps.PIIX3USBUHCI) {
		model = "piix3-uhci"
	} else if qc.Has(caps.PCIOHCI) {
		model = "pci-ohci"
	}
	switch a := arch(def); {
	case a == "s390" || a == "s390x":
		if c.Info.Address == nil || c.Info.Address.Type == "" {
			model = "none"
		}
	case a == "ppc64" || a == "ppc64le":
		abi := o.abiUpdate()
		switch {
		case abi && qc.Has(caps.DeviceQEMUXHCI):
			model = "qemu-xhci"
		case abi && qc.Has(caps.NecUSBXHCI):
			model = "nec-xhci"
		case qc.Has(caps.PCIOHCI):
			model = "pci-ohci"
		default:
			model = ""
		}
	case a == "aarch64":
		if qc.Has(caps.DeviceQEMUXHCI) {
			model = "qemu-xhci"
		} else if qc.Has(caps.NecUSBXHCI) {
			model = "nec-xhci"
		}
	}
	return model
}

// netPostParse is qemuDomainDeviceNetDefPostParse: interfaces that are
// not host devices get the machine's default NIC model.
func netPostParse(def *domain.Def, n *domain.Device, o *Options) {
	typ := n.Attr("type")
	if typ == "hostdev" {
		return
	}
	if m := n.Child("model"); m != nil && m.Prop("type") != "" {
		return
	}
	model := defaultNetModel(def, o.Caps)
	if typ == "vdpa" || typ == "vhostuser" {
		model = "virtio"
	}
	if model == "" {
		return
	}
	n.SetChild(domain.NewNode("model", "type", model))
}

// defaultNetModel is qemuDomainDefaultNetModel.
func defaultNetModel(def *domain.Def, qc *caps.Caps) string {
	a := arch(def)
	if a == "s390" || a == "s390x" {
		return "virtio"
	}
	if a == "armv6l" || a == "armv7l" || a == "armv7b" || a == "aarch64" {
		if machine(def) == "versatilepb" {
			return "smc91c111"
		}
		if isARMVirt(def) {
			return "virtio"
		}
		return "lan9118"
	}
	if qc == nil {
		return ""
	}
	switch {
	case qc.Has(caps.DeviceRTL8139):
		return "rtl8139"
	case qc.Has(caps.DeviceE1000):
		return "e1000"
	case qc.Has(caps.DeviceVirtioNet):
		return "virtio"
	}
	return "rtl8139"
}

// videoPostParse is qemuDomainDeviceVideoDefPostParse: the machine's
// video model for the default one, and QXL gets its 16 MiB of VGA memory.
// It reports whether the model type changed.
func videoPostParse(def *domain.Def, v *domain.Device, o *Options) bool {
	m := v.Child("model")
	retyped := false
	if m == nil || m.Prop("type") == "" || m.Prop("type") == "default" {
		if t := defaultVideoModel(def, o.Caps); t != "" {
			if m == nil {
				m = domain.NewNode("model")
				v.SetChild(m)
			}
			setAttrAfter(m, "type", t)
			retyped = true
		}
	}
	if m == nil || m.Prop("type") != "qxl" {
		return retyped
	}
	if vg, ok := m.Attr("vgamem"); ok && vg != "0" && vg != "" {
		return retyped
	}
	setAttrAfter(m, "vgamem", "16384", "vram", "ram", "type")
	return retyped
}

// defaultVideoModel is qemuDomainDefaultVideoDevice.
func defaultVideoModel(def *domain.Def, qc *caps.Caps) string {
	a := arch(def)
	switch {
	case a == "ppc64" || a == "ppc64le":
		return "vga"
	case isARMVirt(def) || a == "s390" || a == "s390x" || (a == "riscv64" || a == "riscv32") && (machine(def) == "virt" || strings.HasPrefix(machine(def), "virt-")):
		return "virtio"
	case qc == nil:
		return ""
	case qc.Has(caps.DeviceCirrusVGA):
		return "cirrus"
	case qc.Has(caps.DeviceVGA):
		return "vga"
	}
	return ""
}

// serialTargetModels maps a serial target type to its default model.
var serialTargetModels = map[string]string{
	"isa-serial": "isa-serial", "usb-serial": "usb-serial", "pci-serial": "pci-serial",
	"spapr-vio-serial": "spapr-vty", "sclp-serial": "sclpconsole", "isa-debug": "isa-debugcon",
}

// serialPostParse is the serial part of qemuDomainChrDefPostParse: the
// machine's serial target type and its model.
func serialPostParse(def *domain.Def, c *domain.Device) {
	old := c.Child("target")
	t := &xmltree.Node{Name: "target", Segments: []string{""}}
	if old != nil {
		t.Attrs = append(t.Attrs, old.Attrs...)
		t.Children = append(t.Children, old.Children...)
	}
	typ := t.Prop("type")
	if typ == "" || typ == "isa-serial" {
		typ = ""
		switch a := arch(def); {
		case archIsX86(a):
			typ = "isa-serial"
		case isPSeries(def):
			typ = "spapr-vio-serial"
		case isARMVirt(def) || (a == "riscv64" || a == "riscv32") && (machine(def) == "virt" || strings.HasPrefix(machine(def), "virt-")):
			typ = "system-serial"
		case a == "s390" || a == "s390x":
			typ = "sclp-serial"
		}
		if typ == "" {
			return
		}
		setAttrAfter(t, "type", typ)
		if t.Attrs[len(t.Attrs)-1].Name == "type" && len(t.Attrs) > 1 {
			// type prints first
			t.Attrs = append([]xmltree.Attr{t.Attrs[len(t.Attrs)-1]}, t.Attrs[:len(t.Attrs)-1]...)
		}
	}
	hasModel := false
	for _, ch := range t.Children {
		if ch.Name == "model" && ch.Prop("name") != "" {
			hasModel = true
		}
	}
	if !hasModel {
		model := serialTargetModels[typ]
		if typ == "system-serial" {
			if isARMVirt(def) {
				model = "pl011"
			} else {
				model = "16550a"
			}
		}
		if model != "" {
			t.Children = append(t.Children, domain.NewNode("model", "name", model))
		}
	}
	c.SetChild(t)
}

// tpmPostParse is qemuDomainTPMDefPostParse.
func tpmPostParse(def *domain.Def, t *domain.Device) {
	if !t.HasAttr("model") {
		if a := arch(def); a == "ppc64" || a == "ppc64le" {
			t.SetAttr("model", "tpm-spapr")
		} else {
			t.SetAttr("model", "tpm-tis")
		}
	}
	b := t.Child("backend")
	if b == nil || b.Prop("type") != "emulator" {
		return
	}
	if _, ok := b.Attr("version"); ok {
		return
	}
	ver := "2.0"
	if t.Attr("model") == "tpm-tis" && archIsX86(arch(def)) {
		ver = "1.2"
	}
	setAttrAfter(b, "version", ver, "type")
}

// defaultPanicModel is qemuDomainDefaultPanicModel.
func defaultPanicModel(def *domain.Def) string {
	switch a := arch(def); {
	case isPSeries(def):
		return "pseries"
	case a == "s390" || a == "s390x":
		return "s390"
	case archIsX86(a):
		return "isa"
	}
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }

func atoiDefault(s string, def int) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return v
}

// setAttrAfter sets an attribute of n; a new one goes right after the
// first of the named attributes present, else last.
func setAttrAfter(n *xmltree.Node, name, value string, after ...string) {
	for i, a := range n.Attrs {
		if a.Name == name {
			n.Attrs[i].Value = value
			return
		}
	}
	at := len(n.Attrs)
	for _, want := range after {
		found := false
		for i, a := range n.Attrs {
			if a.Name == want {
				at, found = i+1, true
			}
		}
		if found {
			break
		}
	}
	n.Attrs = append(n.Attrs, xmltree.Attr{})
	copy(n.Attrs[at+1:], n.Attrs[at:])
	n.Attrs[at] = xmltree.Attr{Name: name, Value: value}
}

// ListenOnGeneratedPaths makes every unix chardev without a path the
// listening end: it gets a generated path at start, which QEMU must
// create (qemuDomainChrDefPostParse, run on inactive parses — including
// the copy of the definition libvirt starts from).
func ListenOnGeneratedPaths(def *domain.Def) {
	if def.Devices == nil {
		return
	}
	for _, kind := range []string{"serial", "parallel", "console", "channel"} {
		for _, c := range def.Devices.Kind(kind) {
			if c.Chr != nil && c.Chr.Type == "unix" && c.Chr.Path == "" {
				c.Chr.Mode = "bind"
			}
		}
	}
}
