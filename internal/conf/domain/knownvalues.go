package domain

import (
	"slices"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// Parse keeps enum values it does not know, never rejecting what it once
// accepted; libvirt's parser refuses them. These are the ones a definition
// is checked for when it is defined or started (Validate), in the order
// virDomainDefParseXML reads the devices, each with libvirt's own
// complaint (nil: virXMLPropEnum's, in VIR_FROM_XML).
type knownValue struct {
	kind, child, attr string // child "" is the device element itself
	allowed           []string
	complaint         func(v string) error
}

func unsupported(format string) func(string) error {
	return func(v string) error {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, format, v)
	}
}

var chrTypes = []string{"null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp", "tcp", "unix",
	"spicevmc", "spiceport", "nmdm", "qemu-vdagent", "dbus"}

var knownDeviceValues = []knownValue{
	{kind: "interface", attr: "type", allowed: []string{"user", "ethernet", "vhostuser", "server", "client",
		"mcast", "network", "bridge", "internal", "direct", "hostdev", "udp", "vdpa", "null", "vds"}},
	{kind: "serial", attr: "type", allowed: chrTypes, complaint: unsupported("unknown type presented to host for character device: %s")},
	{kind: "parallel", attr: "type", allowed: chrTypes, complaint: unsupported("unknown type presented to host for character device: %s")},
	{kind: "console", attr: "type", allowed: chrTypes, complaint: unsupported("unknown type presented to host for character device: %s")},
	{kind: "channel", attr: "type", allowed: chrTypes, complaint: unsupported("unknown type presented to host for character device: %s")},
	{kind: "input", attr: "type", allowed: []string{"mouse", "tablet", "keyboard", "passthrough", "evdev"},
		complaint: unsupported("unknown input device type '%s'")},
	{kind: "sound", attr: "model", allowed: []string{"sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "ich7"}},
	{kind: "video", child: "model", attr: "type", allowed: []string{"default", "vga", "cirrus", "vmvga", "xen",
		"vbox", "qxl", "parallels", "virtio", "gop", "none", "bochs", "ramfb"}, complaint: unsupported("unknown video model '%s'")},
	{kind: "watchdog", attr: "model", allowed: []string{"i6300esb", "ib700", "diag288", "itco"},
		complaint: unsupported("unknown watchdog model '%s'")},
	{kind: "memballoon", attr: "model", allowed: []string{"virtio", "xen", "none", "virtio-transitional", "virtio-non-transitional"}},
	{kind: "rng", attr: "model", allowed: []string{"virtio", "virtio-transitional", "virtio-non-transitional"},
		complaint: unsupported("unknown RNG model '%s'")},
	{kind: "tpm", attr: "model", allowed: []string{"tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"}},
	{kind: "panic", attr: "model", allowed: []string{"default", "isa", "pseries", "hyperv", "s390"},
		complaint: unsupported("unknown panic model '%s'")},
}

// validateKnownValues refuses a device enum value libvirt does not know.
// An absent attribute is left to the defaults.
func (d *Devices) validateKnownValues() error {
	for _, k := range knownDeviceValues {
		for _, dev := range d.ByKind[k.kind] {
			var v string
			var present bool
			if k.child == "" {
				v, present = dev.attrs.get(k.attr)
			} else if c := dev.Child(k.child); c != nil {
				v, present = c.Attr(k.attr)
			}
			if !present || slices.Contains(k.allowed, v) {
				continue
			}
			if k.complaint != nil {
				return k.complaint(v)
			}
			elem := k.kind
			if k.child != "" {
				elem = k.child
			}
			return errInvalidProp(elem, k.attr, v)
		}
	}
	return nil
}

// validateKnownValues refuses a disk enum value libvirt does not know
// (virDomainDiskDefParseXML reads them with virXMLPropEnum).
func (d *Disk) validateKnownValues() error {
	for _, k := range []struct {
		elem, attr string
		attrs      attrList
		allowed    []string
	}{
		{"disk", "type", d.Attrs, []string{"file", "block", "dir", "network", "volume", "nvme", "vhostuser"}},
		{"disk", "device", d.Attrs, []string{"disk", "cdrom", "floppy", "lun"}},
		{"driver", "cache", d.Driver, []string{"default", "none", "writethrough", "writeback", "directsync", "unsafe"}},
		{"target", "bus", d.Target, []string{"ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd"}},
	} {
		if v, ok := k.attrs.get(k.attr); ok && !slices.Contains(k.allowed, v) {
			return errInvalidProp(k.elem, k.attr, v)
		}
	}
	return nil
}

// lifecycleActions are virDomainLifecycleAction's names; on_lockfailure
// has its own (virDomainLockFailure).
var (
	lifecycleActions   = []string{"destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart"}
	lockFailureActions = []string{"default", "poweroff", "restart", "pause", "ignore"}
)

func (d *Def) validateLifecycle() error {
	for _, a := range []struct {
		name, v string
		allowed []string
	}{
		{"on_poweroff", d.OnPoweroff, lifecycleActions},
		{"on_reboot", d.OnReboot, lifecycleActions},
		{"on_crash", d.OnCrash, lifecycleActions},
		{"on_lockfailure", d.OnLockfailure, lockFailureActions},
	} {
		if a.v != "" && !slices.Contains(a.allowed, a.v) {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown %s action: %s", a.name, a.v)
		}
		// virDomainDefLifecycleActionAllowed: only a crash can dump core.
		if (a.name == "on_poweroff" || a.name == "on_reboot") && strings.HasPrefix(a.v, "coredump-") {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "Lifecycle event '%s' doesn't support '%s' action",
				strings.TrimPrefix(a.name, "on_"), a.v)
		}
	}
	return nil
}
