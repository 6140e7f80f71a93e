package qemu

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/netport"
	"github.com/govirt/govirt/virt/virterr"
)

// detachWait is how long a detach waits for the guest to release the
// device before returning (libvirt's QEMU_UNPLUG_TIMEOUT is 5 s); the
// removal still completes later, announced by DEVICE_REMOVED.
var detachWait = 5 * time.Second

// deviceRemoved handles DEVICE_DELETED: the device leaves the live
// definition, its backend is dropped, and DEVICE_REMOVED is sent.
func (p *qemuProcess) deviceRemoved(alias string) {
	o, d := p.o, p.d
	o.mu.Lock()
	if o.proc != p || o.live == nil || o.live.Devices == nil {
		o.mu.Unlock()
		return
	}
	devs := o.live.Devices
	kind := ""
	var layers []chainLayer
	for i, disk := range devs.Disks {
		if disk.Info.Alias == alias {
			devs.Disks = append(devs.Disks[:i], devs.Disks[i+1:]...)
			kind = "disk"
			layers = chainLayers(disk)
			break
		}
	}
	if kind == "" {
	search:
		for k, list := range devs.ByKind {
			for i, dev := range list {
				if dev.Info.Alias == alias {
					devs.ByKind[k] = append(list[:i], list[i+1:]...)
					kind = k
					break search
				}
			}
		}
	}
	ref := o.ref()
	o.mu.Unlock()
	p.mu.Lock()
	ch := p.removed[alias]
	delete(p.removed, alias)
	p.mu.Unlock()
	if ch != nil {
		close(ch)
	}
	if kind == "" {
		// A vCPU, perhaps one whose unplug outlived the API's wait.
		p.vcpuRemoved(alias)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Backends named after the device (libvirt's naming): drop them.
	switch kind {
	case "interface":
		_, _ = p.mon.Execute(ctx, "netdev_del", map[string]any{"id": "host" + alias})
		p.releaseNIC(alias)
	case "disk":
		// Each layer's own nodes, top first (qemuBlockStorageSourceChainDetach):
		// by name, so that a base image another disk shares keeps its nodes.
		for _, l := range layers {
			if l.node == 0 {
				p.deleteImageNodes(ctx, l.path)
				continue
			}
			for _, role := range []string{"format", "storage"} {
				_, _ = p.mon.Execute(ctx, "blockdev-del", map[string]any{"node-name": fmt.Sprintf("libvirt-%d-%s", l.node, role)})
			}
		}
	}
	_ = d.writeStatus(o)
	d.events.Emit(ref, driver.Event{Kind: driver.EventDomain, ID: eventIDDeviceRemoved,
		Payload: &driver.DomainEventDeviceRemovedMsg{Dom: ref, DevAlias: alias}})
}

// deleteImageNodes closes the block nodes of an unplugged disk's image
// that has no node number (a status file from an older govirtd), format
// layer first, as libvirt's qemuDomainRemoveDiskDevice does: the
// libvirt-N nodes QEMU lists with the image's file name. Left open, the
// image stays locked and cannot be plugged in again.
func (p *qemuProcess) deleteImageNodes(ctx context.Context, imagePath string) {
	var nodes []string
	if imagePath != "" {
		var list []struct {
			NodeName string `json:"node-name"`
			File     string `json:"file"`
		}
		if p.mon.ExecuteInto(ctx, "query-named-block-nodes", map[string]any{"flat": true}, &list) == nil {
			var formats, storages []string
			for _, n := range list {
				switch {
				case n.File != imagePath || !strings.HasPrefix(n.NodeName, "libvirt-"):
				case strings.HasSuffix(n.NodeName, "-format"):
					formats = append(formats, n.NodeName)
				default:
					storages = append(storages, n.NodeName)
				}
			}
			nodes = append(formats, storages...)
		}
	}
	for _, n := range nodes {
		_, _ = p.mon.Execute(ctx, "blockdev-del", map[string]any{"node-name": n})
	}
}

// parseDevice reads one device element through a skeleton domain, so the
// domain package parses it exactly as inside a definition.
func parseDevice(xml string) (*domain.Def, string, error) {
	n, err := xmltree.Parse([]byte(xml), "(device_definition)")
	if err != nil {
		return nil, "", err
	}
	kind := n.Name
	if kind == "interface" && n.Child("mac") == nil {
		xml = injectMAC(xml)
	}
	doc := "<domain type='qemu'><name>hotplug</name><memory>1024</memory><os><type>hvm</type></os><devices>" + xml + "</devices></domain>"
	def, err := domain.Parse([]byte(doc), domain.ParseInactive)
	if err != nil {
		return nil, "", err
	}
	return def, kind, nil
}

var openTag = regexp.MustCompile(`<interface\b[^>]*?>`)

// injectMAC gives a NIC without <mac> one in QEMU's 52:54:00 range, as
// libvirt's virDomainNetGenerateMAC does.
func injectMAC(xml string) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	mac := fmt.Sprintf("<mac address='52:54:00:%02x:%02x:%02x'/>", b[0], b[1], b[2])
	loc := openTag.FindStringIndex(xml)
	if loc == nil || strings.HasSuffix(xml[loc[0]:loc[1]], "/>") {
		return xml
	}
	return xml[:loc[1]] + mac + xml[loc[1]:]
}

func macOf(dev *domain.Device) string {
	if m := dev.Child("mac"); m != nil {
		return m.Prop("address")
	}
	return ""
}

func childProp(dev *domain.Device, child, attr string) string {
	if c := dev.Child(child); c != nil {
		return c.Prop(attr)
	}
	return ""
}

// freeRootPort finds a pcie-root-port (or pci-bridge) bus with a free
// slot 0 for a hotplugged device; 0 means none.
func freeRootPort(def *domain.Def) int {
	used := map[uint64]bool{}
	mark := func(info *domain.DeviceInfo) {
		if info.Address != nil && info.Address.Type == "pci" {
			used[info.Address.Bus] = true
		}
	}
	for _, disk := range def.Devices.Disks {
		mark(&disk.Info)
	}
	for _, list := range def.Devices.ByKind {
		for _, dev := range list {
			mark(&dev.Info)
		}
	}
	for _, c := range def.Devices.Controllers() {
		if c.Attr("type") != "pci" || c.Attr("model") != "pcie-root-port" {
			continue
		}
		var idx uint64
		fmt.Sscan(c.Attr("index"), &idx)
		if !used[idx] {
			return int(idx)
		}
	}
	return 0
}

func pciBusName(def *domain.Def, idx int) string {
	if idx == 0 {
		for _, c := range def.Devices.Controllers() {
			if c.Attr("type") == "pci" && c.Attr("model") == "pcie-root" {
				return "pcie.0"
			}
		}
		return "pci.0"
	}
	return fmt.Sprintf("pci.%d", idx)
}

func usedAlias(def *domain.Def, alias string) bool {
	for _, disk := range def.Devices.Disks {
		if disk.Info.Alias == alias {
			return true
		}
	}
	for _, list := range def.Devices.ByKind {
		for _, dev := range list {
			if dev.Info.Alias == alias {
				return true
			}
		}
	}
	return false
}

// DomainAttachDevice hot-plugs a device into a running domain.
func (c *conn) DomainAttachDevice(ctx context.Context, dom driver.DomainRef, xml string) error {
	return c.DomainAttachDeviceFlags(ctx, dom, xml, affectLive)
}

// DomainAttachDeviceFlags adds a disk or NIC to the live domain, its
// config, or both.
func (c *conn) DomainAttachDeviceFlags(ctx context.Context, dom driver.DomainRef, xml string, flags uint32) error {
	return c.changeDevice(ctx, dom, xml, flags, "attach")
}

// DomainDetachDevice hot-unplugs a device.
func (c *conn) DomainDetachDevice(ctx context.Context, dom driver.DomainRef, xml string) error {
	return c.DomainDetachDeviceFlags(ctx, dom, xml, affectLive)
}

// DomainDetachDeviceFlags removes a disk or NIC.
func (c *conn) DomainDetachDeviceFlags(ctx context.Context, dom driver.DomainRef, xml string, flags uint32) error {
	return c.changeDevice(ctx, dom, xml, flags, "detach")
}

// DomainUpdateDeviceFlags changes a device in place: cdrom/floppy media.
func (c *conn) DomainUpdateDeviceFlags(ctx context.Context, dom driver.DomainRef, xml string, flags uint32) error {
	return c.changeDevice(ctx, dom, xml, flags, "update")
}

// DomainDetachDeviceAlias removes the live device with that alias.
func (c *conn) DomainDetachDeviceAlias(ctx context.Context, dom driver.DomainRef, alias string, flags uint32) error {
	if err := c.denyReadOnly("virDomainDetachDeviceAlias"); err != nil {
		return err
	}
	return c.modifyRunning(ctx, dom, "virDomainDetachDeviceAlias", "remoteDispatchDomainDetachDeviceAlias", func(o *domainObj, p *qemuProcess) error {
		o.mu.Lock()
		ok := usedAlias(o.live, alias)
		o.mu.Unlock()
		if !ok {
			return virterr.NewFrom(virterr.FromQemu, virterr.DeviceMissing, "no device found with alias %s", alias)
		}
		return p.unplug(ctx, alias, false)
	})
}

func (c *conn) changeDevice(ctx context.Context, dom driver.DomainRef, xml string, flags uint32, op string) error {
	function := map[string]string{"attach": "virDomainAttachDeviceFlags", "detach": "virDomainDetachDeviceFlags", "update": "virDomainUpdateDeviceFlags"}[op]
	if err := c.denyReadOnly(function); err != nil {
		return err
	}
	const updateForce = 1 << 2
	if err := unsupportedFlags(flags, affectLive|affectConfig|updateForce, "qemuDomain"+strings.Title(op)+"DeviceFlags"); err != nil {
		return err
	}
	d := c.d
	o, err := d.lookup(dom)
	if err != nil {
		return err
	}
	if err := o.job.acquire(ctx, "modify", "remoteDispatchDomain"+strings.Title(op)+"DeviceFlags"); err != nil {
		return err
	}
	defer o.job.end()
	o.mu.Lock()
	p := o.proc
	persistent := o.persistent
	o.mu.Unlock()
	live, config := flags&affectLive != 0, flags&affectConfig != 0
	if !live && !config {
		live = p != nil
		config = p == nil
	}
	if live && p == nil {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "domain is not running")
	}
	if config && !persistent {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "cannot modify device on transient domain")
	}
	if config {
		if err := d.changeConfigDevice(o, xml, op); err != nil {
			return err
		}
	}
	if live {
		return p.changeLiveDevice(ctx, xml, op)
	}
	return nil
}

// changeConfigDevice edits the persistent definition.
func (d *Driver) changeConfigDevice(o *domainObj, xml, op string) error {
	tmp, kind, err := parseDevice(xml)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	def, err := copyDef(o.inactiveDef())
	if err != nil {
		return err
	}
	switch {
	case kind == "disk" && len(tmp.Devices.Disks) == 1:
		nd := tmp.Devices.Disks[0]
		idx := -1
		for i, disk := range def.Devices.Disks {
			if disk.Dst() == nd.Dst() {
				idx = i
			}
		}
		switch op {
		case "attach":
			if idx >= 0 {
				return virterr.NewFrom(virterr.FromQemu, virterr.OperationInvalid, "target %s already exists", nd.Dst())
			}
			def.Devices.InsertDisk(nd)
		case "detach":
			if idx < 0 {
				return virterr.NewFrom(virterr.FromQemu, virterr.DeviceMissing, "no target device %s", nd.Dst())
			}
			def.Devices.Disks = append(def.Devices.Disks[:idx], def.Devices.Disks[idx+1:]...)
		case "update":
			if idx < 0 {
				return virterr.NewFrom(virterr.FromQemu, virterr.DeviceMissing, "target %s doesn't exist.", nd.Dst())
			}
			nd.Info = def.Devices.Disks[idx].Info
			def.Devices.Disks[idx] = nd
		}
	case kind == "interface" && len(tmp.Devices.Interfaces()) == 1:
		nd := tmp.Devices.Interfaces()[0]
		list := def.Devices.ByKind["interface"]
		idx := -1
		for i, dev := range list {
			if strings.EqualFold(macOf(dev), macOf(nd)) {
				idx = i
			}
		}
		switch op {
		case "attach":
			if def.Devices.ByKind == nil {
				def.Devices.ByKind = map[string][]*domain.Device{}
			}
			def.Devices.ByKind["interface"] = append(list, nd)
		case "detach":
			if idx < 0 {
				return virterr.NewFrom(virterr.FromQemu, virterr.DeviceMissing, "network device not found")
			}
			def.Devices.ByKind["interface"] = append(list[:idx], list[idx+1:]...)
		default:
			return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "persistent update of device 'interface' is not supported")
		}
	default:
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "persistent %s of device '%s' is not supported", op, kind)
	}
	// Re-read through the QEMU defaults so addresses are assigned; an
	// attach post-parses as a new definition, as
	// qemuDomainAttachDeviceConfig does with its ABI-update parse flags.
	reparse := domain.ParseInactive
	if op == "attach" {
		reparse |= domain.ParseABIUpdate
	}
	ndef, err := d.parseDef(context.Background(), def.Format(domain.FormatInactive|domain.FormatSecure), reparse)
	if err != nil {
		return err
	}
	if err := d.saveConfig(ndef); err != nil {
		return err
	}
	if o.active() {
		o.newDef = ndef
	} else {
		o.def = ndef
	}
	return nil
}

// changeLiveDevice hot-plugs, unplugs or updates a device in QEMU.
func (p *qemuProcess) changeLiveDevice(ctx context.Context, xml, op string) error {
	tmp, kind, err := parseDevice(xml)
	if err != nil {
		return err
	}
	o := p.o
	switch {
	case kind == "disk" && len(tmp.Devices.Disks) == 1:
		nd := tmp.Devices.Disks[0]
		o.mu.Lock()
		var cur *domain.Disk
		for _, disk := range o.live.Devices.Disks {
			if disk.Dst() == nd.Dst() {
				cur = disk
			}
		}
		o.mu.Unlock()
		switch op {
		case "attach":
			if cur != nil {
				return virterr.NewFrom(virterr.FromQemu, virterr.OperationFailed, "target %s already exists", nd.Dst())
			}
			return p.attachDisk(ctx, nd)
		case "detach":
			if cur == nil {
				return virterr.NewFrom(virterr.FromQemu, virterr.DeviceMissing, "disk %s not found", nd.Dst())
			}
			return p.unplug(ctx, cur.Info.Alias, true)
		default:
			if cur == nil {
				return virterr.NewFrom(virterr.FromQemu, virterr.DeviceMissing, "disk %s not found", nd.Dst())
			}
			return p.changeMedia(ctx, cur, nd)
		}
	case kind == "interface" && len(tmp.Devices.Interfaces()) == 1:
		nd := tmp.Devices.Interfaces()[0]
		o.mu.Lock()
		var cur *domain.Device
		for _, dev := range o.live.Devices.Interfaces() {
			if strings.EqualFold(macOf(dev), macOf(nd)) {
				cur = dev
			}
		}
		o.mu.Unlock()
		switch op {
		case "attach":
			return p.attachNIC(ctx, nd)
		case "detach":
			if cur == nil {
				return virterr.NewFrom(virterr.FromQemu, virterr.DeviceMissing, "network device not found")
			}
			return p.unplug(ctx, cur.Info.Alias, true)
		default:
			if cur == nil {
				return virterr.NewFrom(virterr.FromQemu, virterr.DeviceMissing, "network device not found")
			}
			return p.updateNIC(ctx, cur, nd)
		}
	}
	return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "live %s of device '%s' is not supported", op, kind)
}

// attachDisk adds a virtio disk: its -blockdev chain, then the device on
// a free root port (qemuDomainAttachDiskGeneric).
func (p *qemuProcess) attachDisk(ctx context.Context, disk *domain.Disk) error {
	if disk.Bus() != "" && disk.Bus() != "virtio" {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "disk bus '%s' cannot be hotplugged.", disk.Bus())
	}
	if disk.Source == nil || disk.Source.Path() == "" {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "disk without a source cannot be hotplugged")
	}
	detected, err := hotplugDiskChain(disk)
	if err != nil {
		return err
	}
	o := p.o
	o.mu.Lock()
	alias := ""
	dst := disk.Dst()
	if len(dst) >= 3 {
		alias = fmt.Sprintf("virtio-disk%d", diskIndex(dst))
	}
	for i := 0; alias == "" || usedAlias(o.live, alias); i++ {
		alias = fmt.Sprintf("virtio-disk%d", i)
	}
	bus := freeRootPort(o.live)
	busName := pciBusName(o.live, bus)
	o.mu.Unlock()
	if bus == 0 {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "No more available PCI slots")
	}
	format := disk.Source.Format
	if v, ok := disk.DriverAttr("type"); ok && v != "" {
		format = v
	}
	if format == "" {
		format = "raw"
	}
	driverName := "file"
	if disk.Source.Type == "block" {
		driverName = "host_device"
	}
	index, err := p.nextNodeIndex(ctx)
	if err != nil {
		return err
	}
	index = numberHotplugChain(disk, index, detected)
	backing, hasBacking, undoBacking, err := p.addBackingBlockdevs(ctx, disk)
	if err != nil {
		return err
	}
	storage, fmtNode := fmt.Sprintf("libvirt-%d-storage", index), fmt.Sprintf("libvirt-%d-format", index)
	readOnly := disk.ReadOnly
	if _, err := p.mon.Execute(ctx, "blockdev-add", map[string]any{"driver": driverName, "filename": disk.Source.Path(),
		"node-name": storage, "auto-read-only": true, "discard": "unmap", "read-only": readOnly}); err != nil {
		undoBacking()
		return err
	}
	fmtProps := map[string]any{"node-name": fmtNode, "read-only": readOnly, "driver": format, "file": storage}
	if hasBacking {
		fmtProps["backing"] = backing
	}
	if _, err := p.mon.Execute(ctx, "blockdev-add", fmtProps); err != nil {
		_, _ = p.mon.Execute(ctx, "blockdev-del", map[string]any{"node-name": storage})
		undoBacking()
		return err
	}
	if _, err := p.mon.Execute(ctx, "device_add", map[string]any{"driver": "virtio-blk-pci", "bus": busName, "addr": "0x0",
		"drive": fmtNode, "id": alias}); err != nil {
		_, _ = p.mon.Execute(ctx, "blockdev-del", map[string]any{"node-name": fmtNode})
		_, _ = p.mon.Execute(ctx, "blockdev-del", map[string]any{"node-name": storage})
		undoBacking()
		return err
	}
	disk.Info.Alias = alias
	disk.Info.Address = &domain.Address{Type: "pci", Bus: uint64(bus)}
	o.mu.Lock()
	o.live.Devices.InsertDisk(disk)
	o.mu.Unlock()
	return p.d.writeStatus(o)
}

// nextNodeIndex numbers the block nodes of a hot-plugged image as
// libvirt's nodename index does: past every libvirt-N node QEMU has, so
// that domstats and the node names follow libvirt's.
func (p *qemuProcess) nextNodeIndex(ctx context.Context) (int, error) {
	var list []struct {
		NodeName string `json:"node-name"`
	}
	if err := p.mon.ExecuteInto(ctx, "query-named-block-nodes", map[string]any{"flat": true}, &list); err != nil {
		return 0, err
	}
	next := 1
	for _, n := range list {
		v, ok := strings.CutPrefix(n.NodeName, "libvirt-")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(v, "-")
		if i, err := strconv.Atoi(num); err == nil && i >= next {
			next = i + 1
		}
	}
	return next, nil
}

// diskIndex is virDiskNameToIndex: vda → 0, vdb → 1, vdaa → 26.
func diskIndex(dst string) int {
	s := strings.TrimLeft(dst, "abcdefghijklmnopqrstuvwxyz")
	_ = s
	name := dst
	for _, pfx := range []string{"fd", "hd", "vd", "sd", "xvd", "ubd"} {
		if strings.HasPrefix(name, pfx) {
			name = name[len(pfx):]
			break
		}
	}
	idx := 0
	for i, c := range name {
		if c < 'a' || c > 'z' {
			return 0
		}
		if i > 0 {
			idx = (idx + 1) * 26
		}
		idx += int(c - 'a')
	}
	return idx
}

// nextNetAlias is qemuAssignDeviceNetAlias's choice for a new NIC: one
// past the highest netN of the guest's NICs, so an alias freed by an
// unplug is not given again.
func nextNetAlias(def *domain.Def) string {
	next := 0
	if def.Devices != nil {
		for _, nic := range def.Devices.Interfaces() {
			v, ok := strings.CutPrefix(nic.Info.Alias, "net")
			if !ok {
				continue
			}
			if n, err := strconv.Atoi(v); err == nil && n >= next {
				next = n + 1
			}
		}
	}
	return fmt.Sprintf("net%d", next)
}

// attachNIC hot-plugs a NIC (qemuDomainAttachNetDevice): the host side
// is plugged in as at start (port, tap or macvtap, filter binding), the
// descriptors are handed to QEMU with getfd, then the backend and the
// device are added; any failure undoes it all.
func (p *qemuProcess) attachNIC(ctx context.Context, nic *domain.Device) (err error) {
	typ := nic.Attr("type")
	switch typ {
	case "user", "network", "bridge", "direct", "ethernet":
	default:
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "live attach of interface type '%s' is not supported", typ)
	}
	o := p.o
	o.mu.Lock()
	alias := nextNetAlias(o.live)
	if ua := nic.Info.Alias; strings.HasPrefix(ua, "ua-") {
		if usedAlias(o.live, ua) {
			o.mu.Unlock()
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "non unique alias detected: %s", ua)
		}
		alias = ua
	}
	bus := freeRootPort(o.live)
	busName := pciBusName(o.live, bus)
	def := o.live
	o.mu.Unlock()
	if bus == 0 {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "No more available PCI slots")
	}
	model := childProp(nic, "model", "type")
	devDriver := map[string]string{"": "virtio-net-pci", "virtio": "virtio-net-pci", "e1000e": "e1000e", "e1000": "e1000", "rtl8139": "rtl8139"}[model]
	if devDriver == "" {
		return virterr.NewFrom(virterr.FromQemu, virterr.ConfigUnsupported, "interface model '%s' cannot be hotplugged", model)
	}
	nic.Info.Alias = alias
	netdev := map[string]any{"type": "user", "id": "host" + alias}
	var h *hostNIC
	if typ != "user" {
		if h, err = p.d.connectNIC(ctx, def, nic); err != nil {
			nic.Info.Alias = ""
			return err
		}
		defer func() {
			if err != nil {
				p.d.disconnectNIC(context.Background(), h)
				nic.Info.Alias = ""
			}
		}()
		var fds, vhostfds []string
		for i, f := range h.tapFiles {
			name := fmt.Sprintf("hostnet-%s-tap%d", alias, i)
			if err := p.mon.GetFD(ctx, name, f); err != nil {
				return err
			}
			fds = append(fds, name)
		}
		for i, f := range h.vhostFiles {
			name := fmt.Sprintf("hostnet-%s-vhost%d", alias, i)
			if err := p.mon.GetFD(ctx, name, f); err != nil {
				return err
			}
			vhostfds = append(vhostfds, name)
		}
		h.closeFiles()
		netdev = map[string]any{"type": "tap", "id": "host" + alias}
		if len(fds) == 1 {
			netdev["fd"] = fds[0]
		} else {
			netdev["fds"] = strings.Join(fds, ":")
		}
		if len(vhostfds) > 0 {
			netdev["vhost"] = true
			if len(vhostfds) == 1 {
				netdev["vhostfd"] = vhostfds[0]
			} else {
				netdev["vhostfds"] = strings.Join(vhostfds, ":")
			}
		}
	}
	if _, err := p.mon.Execute(ctx, "netdev_add", netdev); err != nil {
		return err
	}
	if _, err := p.mon.Execute(ctx, "device_add", map[string]any{"driver": devDriver, "netdev": "host" + alias, "id": alias,
		"mac": macOf(nic), "bus": busName, "addr": "0x0"}); err != nil {
		_, _ = p.mon.Execute(ctx, "netdev_del", map[string]any{"id": "host" + alias})
		return err
	}
	// QEMU plugs a NIC in with its link up; one defined down is taken
	// down once it is there.
	if childProp(nic, "link", "state") == "down" {
		if _, err := p.mon.Execute(ctx, "set_link", map[string]any{"name": alias, "up": false}); err != nil {
			// libvirt's try_remove takes the backend away and leaves the
			// device to the guest.
			_, _ = p.mon.Execute(ctx, "netdev_del", map[string]any{"id": "host" + alias})
			return err
		}
	}
	nic.Info.Address = &domain.Address{Type: "pci", Bus: uint64(bus)}
	o.mu.Lock()
	if o.live.Devices.ByKind == nil {
		o.live.Devices.ByKind = map[string][]*domain.Device{}
	}
	o.live.Devices.ByKind["interface"] = append(o.live.Devices.ByKind["interface"], nic)
	o.mu.Unlock()
	if h != nil {
		h.Alias = alias
		p.mu.Lock()
		p.nics = append(p.nics, h)
		p.mu.Unlock()
	}
	return p.d.writeStatus(o)
}

// unplug asks QEMU to remove a device and waits a bounded time for the
// guest to let go (qemuDomainDeleteDevice + qemuDomainWaitForDeviceRemoval).
func (p *qemuProcess) unplug(ctx context.Context, alias string, wait bool) error {
	ch := make(chan struct{})
	p.mu.Lock()
	p.removed[alias] = ch
	p.mu.Unlock()
	if _, err := p.mon.Execute(ctx, "device_del", map[string]any{"id": alias}); err != nil {
		p.mu.Lock()
		delete(p.removed, alias)
		p.mu.Unlock()
		return err
	}
	if !wait {
		return nil
	}
	select {
	case <-ch:
	case <-time.After(detachWait):
	case <-ctx.Done():
	}
	return nil
}

// changeMedia swaps or ejects the medium of a cdrom or floppy.
func (p *qemuProcess) changeMedia(ctx context.Context, cur, nd *domain.Disk) error {
	if dev := cur.Device(); dev != "cdrom" && dev != "floppy" {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported, "disk bus '%s' cannot be updated.", cur.Bus())
	}
	id := cur.Info.Alias
	if nd.Source != nil && nd.Source.Path() != "" {
		// QEMU opens the new medium's chain itself (blockdev-change-medium),
		// so its layers get no libvirt node numbers
		if err := determineDiskChain(nd, nil, nil); err != nil {
			return err
		}
	}
	if nd.Source == nil || nd.Source.Path() == "" {
		if _, err := p.mon.Execute(ctx, "blockdev-open-tray", map[string]any{"id": id, "force": true}); err != nil {
			return err
		}
		if _, err := p.mon.Execute(ctx, "blockdev-remove-medium", map[string]any{"id": id}); err != nil {
			return err
		}
	} else {
		format := nd.Source.Format
		if v, ok := nd.DriverAttr("type"); ok && v != "" {
			format = v
		}
		if format == "" {
			format = "raw"
		}
		if _, err := p.mon.Execute(ctx, "blockdev-change-medium", map[string]any{"id": id, "filename": nd.Source.Path(),
			"format": format, "read-only-mode": "retain"}); err != nil {
			return err
		}
	}
	o := p.o
	o.mu.Lock()
	cur.Source = nd.Source
	o.mu.Unlock()
	return p.d.writeStatus(o)
}

// updateNIC changes a running interface (qemuDomainChangeNet): the new
// actual definition is checked like at start, then the link state is
// set; changing what needs a new host device is refused.
func (p *qemuProcess) updateNIC(ctx context.Context, cur, nd *domain.Device) error {
	a, err := actualOfConfig(nd)
	if err != nil {
		return err
	}
	if h := p.nicByDevice(cur); h != nil {
		a.Type, a.DirectMode = h.Actual, h.Mode
	}
	if a.Type != "network" {
		if err := netport.Validate(a); err != nil {
			return err
		}
	}
	for _, name := range []string{"model", "filterref", "vlan", "virtualport", "driver"} {
		var was, now string
		if c := cur.Child(name); c != nil {
			was = c.String()
		}
		if c := nd.Child(name); c != nil {
			now = c.String()
		}
		if was != now {
			return virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported, "cannot modify network device %s setting", name)
		}
	}
	if nd.Attr("type") != cur.Attr("type") {
		return virterr.NewFrom(virterr.FromQemu, virterr.OperationUnsupported, "cannot change network interface type to '%s'", nd.Attr("type"))
	}
	was, now := childProp(cur, "link", "state"), childProp(nd, "link", "state")
	if was == now {
		return nil
	}
	if _, err := p.mon.Execute(ctx, "set_link", map[string]any{"name": cur.Info.Alias, "up": now != "down"}); err != nil {
		return err
	}
	o := p.o
	o.mu.Lock()
	if link := nd.Child("link"); link != nil {
		cur.SetChild(link)
	} else {
		cur.SetChild(&xmltree.Node{Name: "link", Attrs: []xmltree.Attr{{Name: "state", Value: "up"}}, Segments: []string{""}})
	}
	o.mu.Unlock()
	return p.d.writeStatus(o)
}
