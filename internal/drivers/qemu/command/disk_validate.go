package command

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	RegisterValidator(validateDisks)
}

// validateDisks runs, disk by disk, the generic checks of
// virDomainDiskDefValidate and then qemuValidateDomainDeviceDefDisk,
// followed by the domain-wide duplicate drive address check of
// virDomainDefDuplicateDriveAddressesValidate.
func validateDisks(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, d := range b.Def.Devices.Disks {
		if err := validateDiskGeneric(d); err != nil {
			return err
		}
		if err := b.validateDiskQEMU(d); err != nil {
			return err
		}
	}
	if err := validateDuplicateDriveAddresses(b.Def.Devices.Disks); err != nil {
		return err
	}
	return validateSCSIHostdevAddresses(b.Def.Devices)
}

// validateSCSIHostdevAddresses is the host device part of
// virDomainDefDuplicateDriveAddressesValidate (libvirt swaps controller
// and bus in the first message).
func validateSCSIHostdevAddresses(devs *domain.Devices) error {
	isSCSI := func(h *domain.Device) bool { return h.Attr("mode") != "capabilities" && h.Attr("type") == "scsi" }
	hostdevs := devs.Hostdevs()
	for i, hi := range hostdevs {
		ai := hi.Info.Address
		if !isSCSI(hi) || ai == nil || ai.Type != "drive" {
			continue
		}
		for _, hj := range hostdevs[i+1:] {
			aj := hj.Info.Address
			if !isSCSI(hj) || aj == nil || aj.Type != "drive" {
				continue
			}
			if ai.Controller == aj.Controller && ai.Bus == aj.Bus && ai.Target == aj.Target && ai.Unit == aj.Unit {
				return Unsupported("SCSI host address controller='%d' bus='%d' target='%d' unit='%d' in use by another SCSI host device",
					ai.Bus, ai.Controller, ai.Target, ai.Unit)
			}
		}
		for _, d := range devs.Disks {
			ad := d.Info.Address
			if d.Bus() == "scsi" && ad != nil && ad.Type == "drive" &&
				ad.Controller == ai.Controller && ad.Bus == ai.Bus && ad.Target == ai.Target && ad.Unit == ai.Unit {
				return Unsupported("SCSI host address controller='%d' bus='%d' target='%d' unit='%d' in use by a SCSI disk",
					ai.Controller, ai.Bus, ai.Target, ai.Unit)
			}
		}
	}
	return nil
}

// diskBusAddressCompatible is virDomainDiskAddressDiskBusCompatibility.
func diskBusAddressCompatible(bus, addrType string) bool {
	if addrType == "" {
		return true
	}
	switch bus {
	case "ide", "fdc", "scsi", "sata":
		return addrType == "drive"
	case "virtio":
		return addrType != "drive"
	}
	return true
}

// secretUsageTypes are virSecretUsageType's names.
var secretUsageTypes = map[string]bool{"none": true, "volume": true, "ceph": true, "iscsi": true, "tls": true, "vtpm": true}

func validateDiskGeneric(d *domain.Disk) error {
	src := d.Source
	srcNode := blockNode{src: src}
	if src.AuthAtDisk != nil && srcNode.child("auth") != nil {
		return Unsupported("an <auth> definition already found for disk source")
	}
	if src.EncryptionAtDisk != nil && srcNode.child("encryption") != nil {
		return Unsupported("an <encryption> definition already found for disk source")
	}
	if d.Device() == "lun" {
		switch src.Type {
		case "block", "volume", "network":
		default:
			return Unsupported("disk device='lun' is only valid for block type disk source")
		}
	}
	if a := d.Info.Address; a != nil && !diskBusAddressCompatible(d.Bus(), a.Type) {
		return Unsupported("Invalid address type '%s' for the disk '%s' with the bus type '%s'", a.Type, d.Dst(), d.Bus())
	}
	if attrValue(d.Driver, "queues") != "" && d.Bus() != "virtio" {
		return Unsupported("queues attribute in disk driver element is only supported by virtio-blk")
	}
	top := true
	for s := src; s != nil && s.Type != ""; s = s.Backing {
		n := blockNode{src: s, top: top}
		top = false
		if s.Type == "network" {
			if a := n.auth(); a != nil {
				typ := ""
				if sec := a.Child("secret"); sec != nil {
					typ = sec.Prop("type")
				}
				if !secretUsageTypes[typ] {
					if typ == "" {
						typ = "<null>"
					}
					return Unsupported("unknown secret type '%s'", typ)
				}
				proto := n.protocol()
				if (proto == "iscsi" && typ != "iscsi") || (proto == "rbd" && typ != "ceph") {
					return Unsupported("invalid secret type '%s'", typ)
				}
			}
		}
		if e := n.encryption(); e != nil && e.Prop("format") == "luks" && e.Child("cipher") != nil {
			return Unsupported("supplying <cipher> for domain disk definition is unnecessary")
		}
		if s.Type != "network" || n.protocol() != "rbd" {
			if n.child("snapshot") != nil {
				return virterr.New(virterr.XMLError, "<snapshot> element is currently supported only with 'rbd' disks")
			}
			if n.child("config") != nil {
				return virterr.New(virterr.XMLError, "<config> element is currently supported only with 'rbd' disks")
			}
		}
	}
	return nil
}

// diskNameParse is virDiskNameParse: a known prefix, the letters of the
// disk index and an optional partition number.
func diskNameParse(name string) (partition int, ok bool) {
	known := false
	for _, p := range []string{"fd", "hd", "vd", "sd", "xvd", "ubd"} {
		if strings.HasPrefix(name, p) {
			name = name[len(p):]
			known = true
			break
		}
	}
	if !known {
		return 0, false
	}
	i := 0
	for i < len(name) && name[i] >= 'a' && name[i] <= 'z' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	if i == len(name) {
		return 0, true
	}
	n, err := strconv.Atoi(name[i:])
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

func (b *Builder) validateDiskQEMU(d *domain.Disk) error {
	bus, dev := d.Bus(), d.Device()
	addrType := ""
	if d.Info.Address != nil {
		addrType = d.Info.Address.Type
	}
	if uintAttr(attrValue(d.Geometry, "cyls")) > 0 && uintAttr(attrValue(d.Geometry, "heads")) > 0 && uintAttr(attrValue(d.Geometry, "secs")) > 0 {
		if bus == "usb" || bus == "sd" {
			return Unsupported("CHS geometry can not be set for '%s' bus", bus)
		}
		if t := attrValue(d.Geometry, "trans"); t != "" && t != "default" && bus != "ide" {
			return Unsupported("CHS translation mode can only be set for 'ide' bus not '%s'", bus)
		}
	}
	if d.Serial != nil && bus == "sd" {
		return Internal("Serial property not supported for drive bus '%s'", bus)
	}
	if dev == "cdrom" && (bus == "virtio" || bus == "sd") {
		return Unsupported("disk type of '%s' does not support ejectable media", d.Dst())
	}
	if attrValue(d.Driver, "copy_on_read") == "on" {
		if d.ReadOnly {
			return Unsupported("copy_on_read is not compatible with read-only disk '%s'", d.Dst())
		}
		if dev == "cdrom" || dev == "floppy" {
			return Unsupported("copy_on_read is not supported with removable disk '%s'", d.Dst())
		}
	}
	if d.WWN != nil && bus != "ide" && bus != "scsi" {
		return Unsupported("Only ide and scsi disk support wwn")
	}
	if (d.Vendor != nil || d.Product != nil) && bus != "scsi" {
		return Unsupported("Only scsi disk supports vendor and product")
	}
	if dev == "lun" {
		if bus != "virtio" && bus != "scsi" {
			return Unsupported("disk device='lun' is not supported for bus='%s'", bus)
		}
		if bus == "scsi" && !b.Has(caps.SCSIBlock) {
			return Unsupported("This QEMU doesn't support scsi-block for lun passthrough")
		}
		if attrValue(d.Driver, "copy_on_read") == "on" {
			return Unsupported("copy_on_read is not compatible with 'lun' disk '%s'", d.Dst())
		}
		if d.WWN != nil {
			return Unsupported("Setting wwn is not supported for lun device")
		}
		if d.Vendor != nil || d.Product != nil {
			return Unsupported("Setting vendor or product is not supported for lun device")
		}
	}
	if attrValue(d.Target, "rotation_rate") != "" && uintAttr(attrValue(d.Target, "rotation_rate")) > 0 {
		if bus != "scsi" && bus != "ide" && bus != "sata" {
			return Internal("rotation rate is only valid for SCSI/IDE/SATA bus")
		}
		if dev != "disk" {
			return Internal("rotation rate is only valid for disk device")
		}
		if !b.Has(caps.RotationRate) {
			return Internal("rotation rate is not supported with this QEMU")
		}
	}
	switch bus {
	case "scsi", "ide", "fdc", "sata":
		if addrType != "drive" {
			return Internal("unexpected address type for %s disk", bus)
		}
	case "virtio":
		if uintAttr(attrValue(d.Driver, "queue_size")) > 0 && !b.Has(caps.VirtioBlkQueueSize) {
			return Unsupported("queue-size property isn't supported by this QEMU binary")
		}
	case "usb":
		if !b.Has(caps.DeviceUSBStorage) {
			return Unsupported("This QEMU doesn't support '-device usb-storage'")
		}
		if addrType != "" && addrType != "usb" {
			return Internal("unexpected address type for usb disk")
		}
	}
	if d.ReadOnly && dev == "disk" {
		if bus == "ide" {
			return Unsupported("readonly ide disks are not supported")
		}
		if bus == "sata" {
			return Unsupported("readonly sata disks are not supported")
		}
	}
	switch attrValue(d.Driver, "io") {
	case "native":
		if c := diskCacheMode(d); c != "directsync" && c != "none" {
			return Unsupported("io='native' needs either no disk cache or directsync cache mode")
		}
	case "io_uring":
		if !b.Has(caps.AioIOUring) {
			return Unsupported("io uring is not supported by this QEMU binary")
		}
	}
	if d.Serial != nil && bus == "scsi" && dev == "lun" {
		return Unsupported("scsi-block 'lun' devices do not support the serial property")
	}
	if d.Serial != nil {
		for _, c := range *d.Serial {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_ .+", c)) {
				return Unsupported("driver serial '%s' contains unsafe characters", *d.Serial)
			}
		}
	}
	if d.Shareable && !d.ReadOnly && d.Source.Format != "" && d.Source.Format != "raw" {
		return Unsupported("shared access for disk '%s' requires use of supported storage format", d.Dst())
	}
	if name := attrValue(d.Driver, "name"); name != "" && name != "qemu" {
		return Unsupported("unsupported driver name '%s' for disk '%s'", name, d.Dst())
	}
	part, ok := diskNameParse(d.Dst())
	if !ok {
		return Unsupported("invalid disk target '%s'", d.Dst())
	}
	if part != 0 {
		return Unsupported("invalid disk target '%s', partitions can't appear in disk targets", d.Dst())
	}
	top := true
	for s := d.Source; s != nil && s.Type != ""; s = s.Backing {
		if err := validateStorageSource(blockNode{src: s, top: top, disk: d}); err != nil {
			return err
		}
		top = false
	}
	if d.Source.Type == "vhostuser" && !b.Has(caps.DeviceVhostUserBlk) {
		return Unsupported("vhostuser disk is not supported with this QEMU binary")
	}
	return nil
}

// validateStorageSource is qemuDomainValidateStorageSource's format and
// encryption checks.
func validateStorageSource(n blockNode) error {
	switch n.src.Format {
	case "cow":
		return Unsupported("'cow' storage format is not supported")
	case "dir":
		return Unsupported("'directory' storage format is not directly supported by QEMU, use 'dir' disk type instead")
	case "iso":
		return Unsupported("storage format 'iso' is not directly supported by QEMU, use 'raw' instead")
	}
	if e := n.encryption(); e != nil && e.Prop("engine") != "librbd" {
		switch e.Prop("format") {
		case "luks2":
			return Unsupported("luks2 is currently not supported by the qemu encryption engine")
		}
		if f := n.format(); f != "raw" && f != "qcow2" {
			return Unsupported("encryption is supported only with 'raw' and 'qcow2' image format")
		}
	}
	return nil
}

// validateDuplicateDriveAddresses is the disk part of
// virDomainDefDuplicateDriveAddressesValidate.
func validateDuplicateDriveAddresses(disks []*domain.Disk) error {
	for i, di := range disks {
		ai := di.Info.Address
		if ai == nil || ai.Type != "drive" {
			continue
		}
		for _, dj := range disks[i+1:] {
			aj := dj.Info.Address
			if di.Bus() != dj.Bus() || aj == nil || aj.Type != "drive" {
				continue
			}
			if ai.Controller == aj.Controller && ai.Bus == aj.Bus && ai.Target == aj.Target && ai.Unit == aj.Unit {
				return Unsupported("Found duplicate drive address for disk with target name '%s' controller='%d' bus='%d' target='%d' unit='%d'",
					di.Dst(), ai.Controller, ai.Bus, ai.Target, ai.Unit)
			}
		}
	}
	return nil
}
