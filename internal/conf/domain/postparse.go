package domain

import (
	"github.com/govirt/govirt/virt/virterr"
)

// DeviceContext is what the device defaults need to know about the domain.
type DeviceContext struct {
	OSType string // <os><type>: hvm, xen, linux, exe …
	Arch   string // <os><type arch>
}

func archIsX86(arch string) bool {
	return arch == "" || arch == "i686" || arch == "x86_64" || arch == "i386"
}

// PostParse applies libvirt's driver-independent device defaults
// (virDomainDefPostParseCommon and the per-device post-parse callbacks):
// implicit inputs, videos, consoles and controllers, numbered character
// device ports, drive addresses and the primary video.
func (d *Devices) PostParse(ctx DeviceContext) error {
	if ctx.OSType != "" {
		d.hvm = ctx.OSType == "hvm"
	}
	if err := d.assignControllerIndexes(); err != nil {
		return err
	}
	d.assignChrPorts()
	d.inputDefaults(ctx.OSType)
	d.addConsoleCompat()
	for _, disk := range d.Disks {
		disk.postParse()
	}
	for _, g := range d.ByKind["hostdev"] {
		if h := g.Hostdev(); h != nil {
			h.postParse(d, &g.Info)
			g.syncView()
		}
	}
	for _, g := range d.ByKind["filesystem"] {
		if fs := g.Filesystem(); fs != nil {
			fs.postParse()
			g.syncView()
		}
	}
	for _, g := range d.ByKind["graphics"] {
		if x := g.Graphics(); x != nil {
			x.postParse()
		}
	}
	// virDomainMemoryDefPostParse: virtio-pmem mandates shared access, so
	// that guest writes reach the file.
	for _, g := range d.ByKind["memory"] {
		if _, ok := g.attrs.get("access"); !ok && g.Attr("model") == "virtio-pmem" {
			g.attrs.set("access", "shared")
		}
	}
	d.addImplicitVideo(ctx)
	d.videoDefaults()
	d.setPrimaryVideo()
	d.addImplicitControllers()
	return nil
}

// addImplicitControllers adds the controllers that devices refer to by
// address but the config does not list (virDomainDefAddImplicitControllers).
func (d *Devices) addImplicitControllers() {
	for _, t := range []struct{ ctrl, bus string }{{"scsi", "scsi"}, {"fdc", "fdc"}, {"ide", "ide"}, {"sata", "sata"}} {
		max := -1
		for _, disk := range d.Disks {
			if disk.Bus() != t.bus || disk.Info.Address == nil || disk.Info.Address.Type != "drive" {
				continue
			}
			if int(disk.Info.Address.Controller) > max {
				max = int(disk.Info.Address.Controller)
			}
		}
		for i := 0; i <= max; i++ {
			d.maybeAddController(t.ctrl, i, "")
		}
	}
	// virtio-serial ports need their controller
	for _, kind := range []string{"channel", "console"} {
		for _, c := range d.ByKind[kind] {
			if c.targetType() != "virtio" {
				continue
			}
			idx := 0
			if a := c.Info.Address; a != nil && a.Type == "virtio-serial" {
				idx = int(a.Controller)
			}
			d.maybeAddController("virtio-serial", idx, "")
		}
	}
	// smartcards sit on a CCID controller
	for _, c := range d.ByKind["smartcard"] {
		idx := 0
		if a := c.Info.Address; a != nil && a.Type == "ccid" {
			idx = int(a.Controller)
		} else if a == nil || a.Type == "" {
			c.Info.Address = &Address{Type: "ccid"}
		}
		d.maybeAddController("ccid", idx, "")
	}
}

// Validate runs libvirt's device checks that apply to every driver.
func (d *Devices) Validate() error {
	seen := map[string]*Disk{}
	for _, disk := range d.Disks {
		if err := disk.validateKnownValues(); err != nil {
			return err
		}
		if err := disk.validate(); err != nil {
			return err
		}
		dst := disk.Dst()
		if first := seen[dst]; first != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "target '%s' duplicated for disk sources '%s' and '%s'", dst, first.sourceForError(), disk.sourceForError())
		}
		seen[dst] = disk
	}
	if err := d.validateKnownValues(); err != nil {
		return err
	}
	for _, kind := range []string{"serial", "parallel", "console", "channel", "smartcard", "redirdev"} {
		for _, c := range d.ByKind[kind] {
			if err := validateChrSource(c); err != nil {
				return err
			}
		}
	}
	if err := d.validateControllers(); err != nil {
		return err
	}
	if err := d.validateInterfaces(); err != nil {
		return err
	}
	if err := d.validateHostdevs(); err != nil {
		return err
	}
	if err := d.validateFilesystems(); err != nil {
		return err
	}
	if err := d.validatePrimaryVideo(); err != nil {
		return err
	}
	if err := d.validateLoadParms(); err != nil {
		return err
	}
	for _, sh := range d.ByKind["shmem"] {
		if s := sh.Shmem(); s != nil {
			if err := s.validate(); err != nil {
				return err
			}
		}
	}
	for _, r := range d.ByKind["rng"] {
		if rng := r.RNG(); rng != nil {
			if err := rng.validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateLoadParms checks every device's <boot loadparm> as libvirt's
// parser does.
func (d *Devices) validateLoadParms() error {
	infos := []*DeviceInfo{}
	for _, disk := range d.Disks {
		infos = append(infos, &disk.Info)
	}
	for _, kind := range deviceOrder {
		for _, dev := range d.ByKind[kind] {
			infos = append(infos, &dev.Info)
		}
	}
	for _, info := range infos {
		if info.hasLoadParm {
			if err := checkLoadParm(info.LoadParm); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateChrSource(c *Device) error {
	if c.Chr == nil {
		return nil
	}
	tt := c.targetType()
	pathOptional := c.Kind == "channel" && (tt == "virtio" || tt == "xen")
	return c.Chr.validate(pathOptional)
}
