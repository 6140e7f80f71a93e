package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
)

func init() {
	RegisterStep("hostdevs", buildHostdevs)
	RegisterValidator(validateHostdevs)
}

// validateHostdevs holds qemu_validate.c's host device checks.
func validateHostdevs(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	ramfb := 0
	for _, h := range b.Def.Devices.Hostdevs() {
		switch h.Attr("type") {
		case "scsi_host":
			if h.Info.BootOrder != "" {
				return Unsupported("booting from assigned devices is not supported by vhost SCSI devices")
			}
		case "mdev":
			if h.Attr("ramfb") == "on" {
				ramfb++
			}
		}
	}
	if ramfb > 1 {
		return Unsupported("Only one vgpu device can have 'ramfb' enabled")
	}
	return nil
}

// hostdevSource returns an attribute of <source>'s child element.
func hostdevSourceChild(h *domain.Device, child, attr string) string {
	if s := h.Child("source"); s != nil {
		if c := s.Child(child); c != nil {
			return c.Prop(attr)
		}
	}
	return ""
}

// parseCNumber reads a number the way libvirt's address parser does
// (decimal, or hex with 0x).
func parseCNumber(s string) uint64 {
	v, _ := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
	return v
}

// buildHostdevs is qemuBuildHostdevCommandLine.
func buildHostdevs(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	boot := b.bootIndexes()
	for _, h := range b.Def.Devices.Hostdevs() {
		if h.Attr("mode") != "subsystem" && h.Attr("mode") != "" {
			continue
		}
		var p *Props
		switch h.Attr("type") {
		case "usb":
			p = b.usbHostdevProps(h, boot[&h.Info])
		case "pci":
			if h.Info.Address != nil && h.Info.Address.Type == "unassigned" {
				continue
			}
			p = b.pciHostdevProps(h, boot[&h.Info])
		case "scsi":
			if err := b.buildSCSIHostdev(h); err != nil {
				return err
			}
			continue
		case "scsi_host":
			if s := h.Child("source"); s == nil || s.Prop("protocol") != "vhost" {
				continue
			}
			var err error
			if p, err = b.virtioDevProps("vhost-scsi", h, &h.Info, h.Attr("model"), true); err != nil {
				return err
			}
			p.Str("wwpn", hostdevSourceAttr(h, "wwpn")).Str("vhostfd", strconv.Itoa(b.hostFDs().VhostSCSIFD(h))).Str("id", h.Info.Alias)
		case "mdev":
			driver := h.Attr("model")
			if driver == "vfio-pci" && h.Attr("ramfb") == "on" {
				driver = "vfio-pci-nohotplug"
			}
			p = NewProps().Str("driver", driver).Str("id", h.Info.Alias).
				Str("sysfsdev", "/sys/bus/mdev/devices/"+hostdevSourceChild(h, "address", "uuid")).
				StrOpt("display", switchText(mdevDisplay(h))).
				BoolTrue("ramfb", h.Attr("ramfb") == "on").
				UintNZ("bootindex", bootIndex(&h.Info))
		default:
			continue
		}
		if err := b.addDeviceAddress(p, &h.Info, ""); err != nil {
			return err
		}
		if h.Attr("type") == "pci" {
			if err := addRomProps(p, &h.Info); err != nil {
				return err
			}
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}

func hostdevSourceAttr(h *domain.Device, attr string) string {
	if s := h.Child("source"); s != nil {
		return s.Prop(attr)
	}
	return ""
}

// pciHostdevProps is qemuBuildPCIHostdevDevProps.
func (b *Builder) pciHostdevProps(h *domain.Device, boot uint64) *Props {
	host := fmt.Sprintf("%04x:%02x:%02x.%x",
		parseCNumber(hostdevSourceChild(h, "address", "domain")),
		parseCNumber(hostdevSourceChild(h, "address", "bus")),
		parseCNumber(hostdevSourceChild(h, "address", "slot")),
		parseCNumber(hostdevSourceChild(h, "address", "function")))
	failover := ""
	if t := h.Child("teaming"); t != nil && t.Prop("type") == "transient" {
		failover = t.Prop("persistent")
	}
	return NewProps().Str("driver", "vfio-pci").Str("host", host).Str("id", h.Info.Alias).
		UintNZ("bootindex", boot).StrOpt("failover_pair_id", failover)
}

// usbHostdevProps is qemuBuildUSBHostdevDevProps.
func (b *Builder) usbHostdevProps(h *domain.Device, boot uint64) *Props {
	p := NewProps().Str("driver", "usb-host")
	bus := parseCNumber(hostdevSourceChild(h, "address", "bus"))
	dev := parseCNumber(hostdevSourceChild(h, "address", "device"))
	if h.Attr("missing") != "yes" && (bus != 0 || dev != 0) {
		p.Str("hostdevice", fmt.Sprintf("/dev/bus/usb/%03d/%03d", bus, dev))
	}
	p.Str("id", h.Info.Alias).UintNZ("bootindex", boot)
	switch hostdevSourceAttr(h, "guestReset") {
	case "off":
		p.Bool("guest-reset", false)
	case "uninitialized":
		p.Bool("guest-reset", true).Bool("guest-resets-all", false)
	case "on":
		p.Bool("guest-reset", true).Bool("guest-resets-all", true)
	}
	return p
}

// buildSCSIHostdev is qemuBuildHostdevSCSICommandLine: the backing
// -blockdev (the host's sg device or an iSCSI LUN, with its secret) and
// the scsi-generic device.
func (b *Builder) buildSCSIHostdev(h *domain.Device) error {
	node := fmt.Sprintf("libvirt-%d-backend", b.nextBlockNodeIndex())
	src := h.Child("source")
	readOnly := h.Child("readonly") != nil
	var props *Props
	if src != nil && src.Prop("protocol") == "iscsi" {
		name := src.Prop("name")
		target, lun := name, "0"
		if i := strings.LastIndex(name, "/"); i >= 0 {
			target, lun = name[:i], name[i+1:]
		}
		host := src.Child("host")
		portal := ""
		if host != nil {
			port := host.Prop("port")
			if port == "" {
				port = "3260"
			}
			portal = host.Prop("name") + ":" + port
		}
		lunN, _ := strconv.ParseUint(lun, 10, 64)
		props = NewProps().Str("driver", "iscsi").Str("portal", portal).Str("target", target).
			Uint("lun", lunN).Str("transport", "tcp")
		if auth := src.Child("auth"); auth != nil {
			secretAlias := node + "-secret0"
			obj, err := b.secretObject(secretAlias, auth)
			if err != nil {
				return err
			}
			if err := b.AddObject(obj); err != nil {
				return err
			}
			props.Str("user", auth.Prop("username")).Str("password-secret", secretAlias)
		}
		if ini := src.Child("initiator"); ini != nil {
			if iqn := ini.Child("iqn"); iqn != nil {
				props.StrOpt("initiator-name", iqn.Prop("name"))
			}
		}
	} else {
		props = NewProps().Str("driver", "host_device").Str("filename", b.scsiHostSgPath(h))
	}
	props.Str("node-name", node).Bool("read-only", readOnly)
	b.AddBlockdev(props)
	p := NewProps().Str("driver", "scsi-generic").Str("drive", node).Str("id", h.Info.Alias).
		UintNZ("bootindex", bootIndex(&h.Info))
	if err := b.addDeviceAddress(p, &h.Info, "scsi"); err != nil {
		return err
	}
	return b.AddDevice(p)
}

// scsiHostSgPath is the host's /dev/sgN for a SCSI host device; libvirt's
// test harness answers sg0 for every device.
func (b *Builder) scsiHostSgPath(h *domain.Device) string { return "/dev/sg0" }

// nextBlockNodeIndex hands out the next libvirt-N node index after the
// disks' (qemuDomainPrepareStorageSourceBlockdev numbering).
func (b *Builder) nextBlockNodeIndex() int {
	const key = "block-node-index"
	n, ok := b.State(key).(int)
	if !ok {
		n = 0
		for _, chain := range b.diskNodes() {
			for _, node := range chain {
				if node.id > n {
					n = node.id
				}
			}
		}
	}
	n++
	b.SetState(key, n)
	return n
}

// mdevDisplay is a mediated device's display state, as parsed or as the
// QEMU defaults left it.
func mdevDisplay(h *domain.Device) string {
	if hd := h.Hostdev(); hd != nil && hd.Subsys.Display != "" {
		return hd.Subsys.Display
	}
	return h.Attr("display")
}
