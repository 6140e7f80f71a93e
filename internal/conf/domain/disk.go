package domain

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Disk is <disk>.
type Disk struct {
	Attrs  attrList // type device model rawio sgio snapshot
	Source *StorageSource

	Driver        attrList
	MetadataCache *uint64 // <driver><metadata_cache><max_size>, bytes
	driverExtra   []*xmltree.Node

	Target   attrList // dev bus tray removable rotation_rate
	Geometry attrList
	BlockIO  attrList
	IOTune   []*xmltree.Node // children of <iotune>, in libvirt's order

	BackendDomain string
	HasBackend    bool
	ReadOnly      bool
	Shareable     bool
	Transient     attrList
	HasTransient  bool
	Serial        *string
	WWN           *string
	Vendor        *string
	Product       *string
	Mirror        *xmltree.Node

	Info DeviceInfo

	// xmlBus is the bus as written: libvirt places disks among the others
	// before it guesses a missing bus from the target name.
	xmlBus string
}

var diskAttrOrder = []string{"type", "device", "model", "rawio", "sgio", "snapshot"}
var diskDriverOrder = []string{"name", "type", "cache", "error_policy", "rerror_policy", "io", "ioeventfd", "event_idx", "copy_on_read", "discard", "iothread", "detect_zeroes", "queues", "queue_size", "iommu", "ats", "packed", "page_per_vq"}
var diskTargetOrder = []string{"dev", "bus", "tray", "removable", "rotation_rate"}
var iotuneOrder = []string{
	"total_bytes_sec", "read_bytes_sec", "write_bytes_sec",
	"total_iops_sec", "read_iops_sec", "write_iops_sec",
	"total_bytes_sec_max", "read_bytes_sec_max", "write_bytes_sec_max",
	"total_iops_sec_max", "read_iops_sec_max", "write_iops_sec_max",
	"size_iops_sec", "group_name",
	"total_bytes_sec_max_length", "read_bytes_sec_max_length", "write_bytes_sec_max_length",
	"total_iops_sec_max_length", "read_iops_sec_max_length", "write_iops_sec_max_length",
}

func parseDisk(n *xmltree.Node, flags ParseFlags) (*Disk, error) {
	d := &Disk{Attrs: append(attrList(nil), n.Attrs...)}
	typ := n.Prop("type")
	src := n.Child("source")
	if typ == "" || src == nil {
		// a disk without <source> is an empty file disk, whatever its
		// type said (virDomainDiskDefParseSourceXML)
		typ = "file"
		d.Attrs.set("type", typ)
	}
	if _, ok := d.Attrs.get("device"); !ok {
		d.Attrs.set("device", "disk")
	}
	s, err := ParseStorageSource(typ, src, nil, flags)
	if err != nil {
		return nil, err
	}
	d.Source = s
	if bs := n.Child("backingStore"); bs != nil {
		if s.Backing, err = parseBackingStore(bs, flags); err != nil {
			return nil, err
		}
	}
	if a := n.Child("auth"); a != nil {
		s.AuthAtDisk = canonicalAuth(a)
	}
	if e := n.Child("encryption"); e != nil {
		s.EncryptionAtDisk = e
	}
	if drv := n.Child("driver"); drv != nil {
		d.Driver = append(attrList(nil), drv.Attrs...)
		for _, c := range drv.Children {
			if c.Name == "metadata_cache" {
				if ms := c.Child("max_size"); ms != nil {
					v, present, err := scaledBytes(ms, "./metadata_cache/max_size", 1)
					if err != nil {
						return nil, err
					}
					if present {
						d.MetadataCache = &v
					}
				}
				continue
			}
			d.driverExtra = append(d.driverExtra, c)
		}
		if t := d.Driver.value("type"); t != "" {
			s.Format = t
		}
	}
	if t := n.Child("target"); t != nil {
		d.Target = append(attrList(nil), t.Attrs...)
		d.xmlBus = t.Prop("bus")
		// libvirt prints only an open tray
		if d.Target.value("tray") == "closed" {
			d.Target.del("tray")
		}
	}
	if g := n.Child("geometry"); g != nil {
		d.Geometry = append(attrList(nil), g.Attrs...)
	}
	if bio := n.Child("blockio"); bio != nil {
		for _, name := range []string{"logical_block_size", "physical_block_size"} {
			if _, _, err := propUint(bio, name, 32); err != nil {
				return nil, err
			}
		}
		d.BlockIO = append(attrList(nil), bio.Attrs...)
	}
	if io := n.Child("iotune"); io != nil {
		for _, name := range iotuneOrder {
			if c := io.Child(name); c != nil {
				if err := checkIOTuneValue(c); err != nil {
					return nil, err
				}
				d.IOTune = append(d.IOTune, c)
			}
		}
	}
	if bd := n.Child("backenddomain"); bd != nil {
		d.BackendDomain, d.HasBackend = bd.Attr("name")
	}
	d.ReadOnly = n.Child("readonly") != nil
	d.Shareable = n.Child("shareable") != nil
	if t := n.Child("transient"); t != nil {
		d.HasTransient = true
		d.Transient = append(attrList(nil), t.Attrs...)
	}
	text := func(name string) *string {
		if c := n.Child(name); c != nil {
			v := c.Text
			return &v
		}
		return nil
	}
	d.Serial, d.WWN, d.Vendor, d.Product = text("serial"), text("wwn"), text("vendor"), text("product")
	if m := n.Child("mirror"); m != nil && flags&ParseInactive == 0 {
		d.Mirror = m
	}
	d.Info, err = parseDeviceInfo(n, flags)
	if err != nil {
		return nil, err
	}
	d.applyParseDefaults()
	return d, nil
}

// applyParseDefaults fills what libvirt's disk parser itself fills in:
// the target bus guessed from the device name.
func (d *Disk) applyParseDefaults() {
	if _, ok := d.Target.get("bus"); ok {
		return
	}
	dev := d.Target.value("dev")
	if _, ok := d.Target.get("dev"); !ok {
		return
	}
	bus := "ide"
	switch {
	case d.Attrs.value("device") == "floppy":
		bus = "fdc"
	case strings.HasPrefix(dev, "hd"):
		bus = "ide"
	case strings.HasPrefix(dev, "sd"):
		bus = "scsi"
	case strings.HasPrefix(dev, "vd"):
		bus = "virtio"
	case strings.HasPrefix(dev, "xvd"):
		bus = "xen"
	case strings.HasPrefix(dev, "ubd"):
		bus = "uml"
	}
	d.Target.set("bus", bus)
}

// Dst is <target dev>.
func (d *Disk) Dst() string { return d.Target.value("dev") }

// Bus is <target bus>.
func (d *Disk) Bus() string { return d.Target.value("bus") }

// Device is <disk device>.
func (d *Disk) Device() string { return d.Attrs.value("device") }

func (d *Disk) format(b *xmlbuf.Buffer, flags FormatFlags) {
	attrs := b.Inherit()
	da := d.Attrs
	if da.value("snapshot") == "no" && d.ReadOnly {
		// implied for read-only disks; libvirt leaves it out
		da = append(attrList(nil), da...)
		da.del("snapshot")
	}
	da.writeOrdered(attrs, diskAttrOrder)
	c := b.Child()

	if len(d.Driver) > 0 || d.MetadataCache != nil || len(d.driverExtra) > 0 {
		da := c.Inherit()
		d.Driver.writeOrdered(da, diskDriverOrder)
		dc := c.Child()
		if d.MetadataCache != nil {
			dc.Add("<metadata_cache>\n")
			dc.Asprintf("  <max_size unit='bytes'>%d</max_size>\n", *d.MetadataCache)
			dc.Add("</metadata_cache>\n")
		}
		for _, x := range d.driverExtra {
			dc.FormatNode(x)
		}
		c.FormatElement("driver", da, dc)
	}
	if d.Source.AuthAtDisk != nil {
		c.FormatNode(d.Source.AuthAtDisk)
	}
	d.Source.FormatSource(c, "source", flags)
	d.Source.FormatBackingStore(c, flags)
	if d.Mirror != nil {
		c.FormatNode(d.Mirror)
	}
	if d.HasBackend {
		c.EscapeString("<backenddomain name='%s'/>\n", d.BackendDomain)
	}
	formatOrderedEmpty(c, "geometry", d.Geometry, []string{"cyls", "heads", "secs", "trans"})
	formatOrderedEmpty(c, "blockio", d.BlockIO, []string{"logical_block_size", "physical_block_size"})
	formatOrderedEmpty(c, "target", d.Target, diskTargetOrder)
	if len(d.IOTune) > 0 {
		ic := c.Child()
		for _, x := range d.IOTune {
			ic.FormatNode(x)
		}
		c.FormatElement("iotune", nil, ic)
	}
	if d.ReadOnly {
		c.Add("<readonly/>\n")
	}
	if d.Shareable {
		c.Add("<shareable/>\n")
	}
	if d.HasTransient {
		ta := c.Inherit()
		d.Transient.writeOrdered(ta, []string{"shareBacking"})
		c.FormatElementAlways("transient", ta, nil)
	}
	for _, t := range []struct {
		name string
		v    *string
	}{{"serial", d.Serial}, {"wwn", d.WWN}, {"vendor", d.Vendor}, {"product", d.Product}} {
		if t.v != nil && *t.v != "" {
			c.TextElement(t.name, *t.v)
		}
	}
	if d.Source.EncryptionAtDisk != nil {
		c.FormatNode(d.Source.EncryptionAtDisk)
	}
	d.Info.format(c, flags)
	b.FormatElementAlways("disk", attrs, c)
}

// diskNameToIndex is libvirt's virDiskNameToIndex: "sda" → 0, "hdc" → 2,
// "vdaa" → 26; -1 when the name has no known prefix.
func diskNameToIndex(name string) int {
	rest := ""
	for _, p := range []string{"fd", "hd", "vd", "sd", "xvd", "ubd"} {
		if strings.HasPrefix(name, p) {
			rest = name[len(p):]
			break
		}
	}
	if rest == "" {
		return -1
	}
	idx := 0
	i := 0
	for ; i < len(rest) && rest[i] >= 'a' && rest[i] <= 'z'; i++ {
		if i > 0 {
			idx++
		}
		idx = idx*26 + int(rest[i]-'a')
		if idx > 1<<24 {
			return -1
		}
	}
	if i == 0 {
		return -1
	}
	// a partition number may follow
	for ; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return -1
		}
	}
	return idx
}

// InsertDisk adds disk where libvirt's virDomainDiskInsert puts it (a
// disk attached to a definition goes there too).
func (d *Devices) InsertDisk(disk *Disk) { d.Disks = insertDisk(d.Disks, disk) }

// insertDisk adds a disk where libvirt's virDomainDiskInsert puts it:
// after the disks on the same bus with a lower index.
func insertDisk(list []*Disk, disk *Disk) []*Disk {
	insertAt := -1
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].xmlBus != disk.xmlBus {
			continue
		}
		if diskNameToIndex(list[i].Dst()) > diskNameToIndex(disk.Dst()) {
			insertAt = i
		} else if insertAt == -1 {
			insertAt = i + 1
		}
	}
	if insertAt == -1 {
		return append(list, disk)
	}
	list = append(list, nil)
	copy(list[insertAt+1:], list[insertAt:])
	list[insertAt] = disk
	return list
}

// assignDriveAddress gives a disk without an address libvirt's default
// drive address for its bus (virDomainDiskDefAssignAddress).
func (d *Disk) assignDriveAddress(wideSCSI bool) {
	if d.Info.Address != nil && d.Info.Address.Type != "" {
		return
	}
	idx := diskNameToIndex(d.Dst())
	if idx < 0 {
		return
	}
	a := &Address{Type: "drive"}
	i := uint64(idx)
	switch d.Bus() {
	case "scsi":
		if wideSCSI {
			a.Controller = i / 15
			a.Unit = i % 15
			if a.Unit >= 7 {
				a.Unit++
			}
		} else {
			a.Controller = i / 7
			a.Unit = i % 7
		}
	case "ide":
		a.Controller = i / 4
		a.Bus = (i % 4) / 2
		a.Unit = i % 2
	case "sata":
		a.Controller = i / 6
		a.Unit = i % 6
	case "fdc":
		a.Controller = i / 2
		a.Unit = i % 2
	default:
		return
	}
	d.Info.Address = a
}

// postParse is libvirt's generic disk post-parse.
func (d *Disk) postParse() {
	if d.Device() == "cdrom" {
		d.ReadOnly = true
	}
	if d.Source.Type == "vhostuser" {
		if _, ok := d.Attrs.get("snapshot"); !ok {
			d.Attrs.set("snapshot", "no")
		}
	}
	d.assignDriveAddress(false)
	if d.Source.Type == "network" && d.Source.Attrs.value("protocol") == "iscsi" {
		if name, ok := d.Source.Attrs.get("name"); ok {
			d.Source.Attrs.set("name", addISCSILUN(name))
		}
	}
	d.Source.assignDefaultPorts()
}

// validateDisk holds libvirt's parse-time disk checks that every driver
// relies on.
func (d *Disk) validate() error {
	if _, ok := d.Target.get("dev"); !ok {
		return virterr.NewFrom(virterr.FromDomain, virterr.NoTarget, "%s", d.sourceDescription())
	}
	return nil
}

func (d *Disk) sourceDescription() string {
	if p := d.Source.Path(); p != "" {
		return p
	}
	return d.Source.Attrs.value("name")
}

// sourceForError is virDomainDiskGetSource as libvirt's messages print
// it (NULLSTR).
func (d *Disk) sourceForError() string {
	var s string
	switch d.Source.Type {
	case "network":
		s = d.Source.Attrs.value("name")
	case "volume":
		s = d.Source.Attrs.value("volume")
	default:
		s = d.Source.Path()
	}
	if s == "" {
		return "<null>"
	}
	return s
}

// checkIOTuneValue refuses an <iotune> limit that is not a number, as
// virDomainDiskDefIotuneParse does (virXPathULongLong); group_name is the
// one field that is text.
func checkIOTuneValue(c *xmltree.Node) error {
	if c.Name == "group_name" || c.Text == "" {
		return nil
	}
	if _, ok := parseULongLongPositive(c.Text); !ok {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "disk iotune field '%s' must be an integer", c.Name)
	}
	return nil
}
