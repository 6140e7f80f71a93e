package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	RegisterStep("disks", buildDisks)
}

// bootIndexes are the effective boot indexes of devices: their own
// <boot order>, or the <os><boot dev> order mapped onto the first disk,
// cdrom, floppy and interface (qemuProcessPrepareDomain).
func (b *Builder) bootIndexes() map[*domain.DeviceInfo]uint64 {
	const key = "boot-indexes"
	if m, ok := b.State(key).(map[*domain.DeviceInfo]uint64); ok {
		return m
	}
	m := map[*domain.DeviceInfo]uint64{}
	d := b.Def.Devices
	perDevice := false
	for _, disk := range d.Disks {
		if v := bootIndex(&disk.Info); v > 0 {
			m[&disk.Info] = v
			perDevice = true
		}
	}
	for _, kind := range []string{"interface", "hostdev", "redirdev", "filesystem"} {
		for _, x := range d.Kind(kind) {
			if v := bootIndex(&x.Info); v > 0 {
				m[&x.Info] = v
				perDevice = true
			}
		}
	}
	if !perDevice && b.Def.OS != nil {
		for i, dev := range b.Def.OS.BootDevs {
			idx := uint64(i + 1)
			switch dev {
			case "hd", "cdrom", "fd":
				want := map[string]string{"hd": "disk", "cdrom": "cdrom", "fd": "floppy"}[dev]
				for _, disk := range d.Disks {
					kind := disk.Device()
					if kind == "lun" {
						kind = "disk"
					}
					if kind == want {
						m[&disk.Info] = idx
						break
					}
				}
			case "network":
				if nets := d.Interfaces(); len(nets) > 0 {
					m[&nets[0].Info] = idx
				}
			}
		}
	}
	b.SetState(key, m)
	return m
}

// needsFDC is qemuDomainNeedsFDC: newer q35 machines have no implicit
// floppy controller.
func needsFDC(def *domain.Def) bool {
	m := devMachine(def)
	if !devIsQ35(def) {
		return false
	}
	for _, old := range []string{"pc-q35-1.", "pc-q35-2.0", "pc-q35-2.1", "pc-q35-2.2", "pc-q35-2.3"} {
		if strings.HasPrefix(m, old) {
			return false
		}
	}
	return true
}

// buildFloppyController is qemuBuildFloppyCommandLineControllerOptions.
func (b *Builder) buildFloppyController() error {
	var a, bb uint64
	has := false
	boots := b.bootIndexes()
	for _, d := range b.Def.Devices.Disks {
		if d.Bus() != "fdc" {
			continue
		}
		has = true
		unit := uint64(0)
		if d.Info.Address != nil && d.Info.Address.Type == "drive" {
			unit = d.Info.Address.Unit
		}
		if unit != 0 {
			bb = boots[&d.Info]
		} else {
			a = boots[&d.Info]
		}
	}
	if !has {
		return nil
	}
	if needsFDC(b.Def) {
		p := NewProps().Str("driver", "isa-fdc").UintNZ("bootindexA", a).UintNZ("bootindexB", bb)
		return b.AddDevice(p)
	}
	if a > 0 {
		b.Cmd.Arg("-global", "isa-fdc.bootindexA="+strconv.FormatUint(a, 10))
	}
	if bb > 0 {
		b.Cmd.Arg("-global", "isa-fdc.bootindexB="+strconv.FormatUint(bb, 10))
	}
	return nil
}

func buildDisks(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	if err := b.buildFloppyController(); err != nil {
		return err
	}
	for _, d := range b.Def.Devices.Disks {
		if d.HasTransient && attrValue(d.Transient, "shareBacking") == "yes" {
			continue
		}
		if err := b.buildDiskSource(d); err != nil {
			return err
		}
		if d.Source.Type == "vhostuser" {
			if err := b.buildVhostUserDiskChardev(d); err != nil {
				return err
			}
		}
		if d.Bus() == "sd" {
			b.Cmd.Arg("-drive", b.sdDriveArg(d))
			continue
		}
		p, err := b.diskDeviceProps(d)
		if err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}

// sdDriveArg is qemuBuildDriveStr, which only SD cards still use.
func (b *Builder) sdDriveArg(d *domain.Disk) string {
	var s strings.Builder
	empty := storageEmpty(d.Source)
	if !empty {
		s.WriteString("file=" + EscapeComma(d.Source.Path()) + ",")
		if f := d.Source.Format; f != "" && f != "none" && d.Source.Type != "dir" {
			if f == "vhd" {
				f = "vpc"
			}
			s.WriteString("format=" + f + ",")
		}
	}
	fmt.Fprintf(&s, "if=sd,index=%d", diskNameToIndex(d.Dst()))
	if d.ReadOnly {
		s.WriteString(",readonly=on")
	}
	drv := func(n string) string {
		v := attrValue(d.Driver, n)
		if v == "default" {
			return ""
		}
		return v
	}
	if !empty {
		if c := diskCacheMode(d); c != "" && c != "default" {
			s.WriteString(",cache=" + c)
		}
		if v := drv("copy_on_read"); v != "" {
			s.WriteString(",copy-on-read=" + v)
		}
		if v := drv("discard"); v != "" {
			s.WriteString(",discard=" + v)
		}
		if dz := drv("detect_zeroes"); dz != "" {
			if dz == "unmap" && drv("discard") != "unmap" {
				dz = "on"
			}
			s.WriteString(",detect-zeroes=" + dz)
		}
		if v := drv("io"); v != "" {
			s.WriteString(",aio=" + v)
		}
	}
	wpolicy, rpolicy := drv("error_policy"), drv("rerror_policy")
	if wpolicy == "enospace" {
		wpolicy = "enospc"
	} else if rpolicy == "" {
		rpolicy = wpolicy
	}
	if wpolicy != "" {
		s.WriteString(",werror=" + wpolicy)
	}
	if rpolicy != "" {
		s.WriteString(",rerror=" + rpolicy)
	}
	return s.String()
}

// vhostUserDiskChardev is the alias of a vhost-user disk's chardev
// (qemuDomainGetVhostUserChrAlias).
func vhostUserDiskChardev(d *domain.Disk) string { return "chr-vu-" + d.Info.Alias }

// buildVhostUserDiskChardev adds the client socket a vhost-user disk
// connects through (qemuBuildVHostUserFsChardev's disk counterpart).
func (b *Builder) buildVhostUserDiskChardev(d *domain.Disk) error {
	src := &domain.ChrSource{Type: "unix", Path: srcAttr(d.Source, "path"), Mode: srcAttr(d.Source, "mode")}
	for _, c := range d.Source.Children {
		if c.Name == "reconnect" {
			src.Reconnect = &domain.ChrReconnect{Enabled: c.Prop("enabled"), Timeout: uintAttr(c.Prop("timeout"))}
		}
	}
	return b.AddChardev(src, vhostUserDiskChardev(d), ChardevOptions{NoFDPass: true})
}

func uintAttr(s string) uint64 {
	v, _ := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
	return v
}

// diskDeviceProps is qemuBuildDiskDeviceProps.
func (b *Builder) diskDeviceProps(d *domain.Disk) (*Props, error) {
	drv := func(n string) string { return attrValue(d.Driver, n) }
	var p *Props
	driver := ""
	var scsiDeviceID string
	removable := ""
	switch d.Bus() {
	case "ide", "sata":
		driver = "ide-hd"
		if d.Device() == "cdrom" {
			driver = "ide-cd"
		}
	case "scsi":
		if d.Device() == "lun" {
			driver = "scsi-block"
		} else {
			if d.Device() == "cdrom" {
				driver = "scsi-cd"
			} else {
				driver = "scsi-hd"
				removable = attrValue(d.Target, "removable")
			}
			if d.Serial != nil {
				scsiDeviceID = *d.Serial
			} else {
				scsiDeviceID = "drive-" + d.Info.Alias
			}
		}
	case "virtio":
		base := "virtio-blk"
		if d.Source.Type == "vhostuser" {
			base = "vhost-user-blk"
		}
		var err error
		p, err = b.virtioDevProps(base, nil, &d.Info, attrValue(d.Attrs, "model"), true)
		if err != nil {
			return nil, err
		}
		p.Tristate("iommu_platform", drv("iommu")).Tristate("ats", drv("ats")).
			Tristate("packed", drv("packed")).Tristate("page-per-vq", drv("page_per_vq"))
		if it := drv("iothread"); it != "" {
			p.Str("iothread", "iothread"+it)
		}
		p.Tristate("ioeventfd", drv("ioeventfd")).Tristate("event_idx", drv("event_idx"))
		if d.Source.Type != "vhostuser" && b.Has(caps.VirtioBlkSCSI) {
			if d.Device() == "lun" {
				p.Bool("scsi", true)
			} else if !b.Has(caps.VirtioBlkSCSIDefaultDisabled) {
				p.Bool("scsi", false)
			}
		}
		p.UintNZ("num-queues", uintAttr(drv("queues"))).UintNZ("queue-size", uintAttr(drv("queue_size")))
	case "usb":
		driver = "usb-storage"
		removable = attrValue(d.Target, "removable")
		if removable == "" {
			removable = "off"
		}
	case "fdc":
		driver = "floppy"
	default:
		return nil, Internal("unsupported disk bus '%s' with device setup", d.Bus())
	}
	if p == nil {
		p = NewProps()
	}
	if driver != "" {
		p.Str("driver", driver)
	}
	if err := b.addDeviceAddress(p, &d.Info, d.Bus()); err != nil {
		return nil, err
	}
	p.StrOpt("device_id", scsiDeviceID)
	if d.Shareable {
		p.Bool("share-rw", true)
	}
	if d.Source.Type == "vhostuser" {
		p.Str("chardev", vhostUserDiskChardev(d))
	} else {
		p.StrOpt("drive", b.diskBackendAlias(d))
	}
	p.Str("id", d.Info.Alias)
	if d.Device() != "floppy" {
		p.UintNZ("bootindex", b.bootIndexes()[&d.Info])
	}
	p.UintNZ("logical_block_size", uintAttr(attrValue(d.BlockIO, "logical_block_size"))).
		UintNZ("physical_block_size", uintAttr(attrValue(d.BlockIO, "physical_block_size"))).
		UintNZ("discard_granularity", uintAttr(attrValue(d.BlockIO, "discard_granularity")))
	if d.WWN != nil {
		w, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(*d.WWN, "0x"), "0X"), 16, 64)
		if err != nil {
			return nil, Errorf(virterr.InvalidArg, "Failed to parse wwn '%s' as number", *d.WWN)
		}
		p.Uint("wwn", w)
	}
	p.UintNZ("rotation_rate", uintAttr(attrValue(d.Target, "rotation_rate")))
	if d.Vendor != nil {
		p.StrOpt("vendor", *d.Vendor)
	}
	if d.Product != nil {
		p.StrOpt("product", *d.Product)
	}
	p.Tristate("removable", removable)
	if d.Device() != "lun" {
		if wb, _, _, ok := cacheFlags(diskCacheMode(d)); ok {
			if wb {
				p.Str("write-cache", "on")
			} else {
				p.Str("write-cache", "off")
			}
		}
	}
	p.UintNZ("cyls", uintAttr(attrValue(d.Geometry, "cyls"))).
		UintNZ("heads", uintAttr(attrValue(d.Geometry, "heads"))).
		UintNZ("secs", uintAttr(attrValue(d.Geometry, "secs")))
	if t := attrValue(d.Geometry, "trans"); t != "" && t != "default" {
		p.Str("bios-chs-trans", t)
	}
	if d.Serial != nil && *d.Serial != "" {
		p.Str("serial", strings.ReplaceAll(*d.Serial, " ", "\\ "))
	}
	wpolicy, rpolicy := drv("error_policy"), drv("rerror_policy")
	if wpolicy == "enospace" {
		wpolicy = "enospc"
	} else if rpolicy == "" {
		rpolicy = wpolicy
	}
	p.StrOpt("werror", wpolicy).StrOpt("rerror", rpolicy)
	return p, nil
}
