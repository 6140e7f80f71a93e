package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// blockNode is one storage source of a disk's chain with the node names
// libvirt gives it (libvirt-N-storage / libvirt-N-format) and the disk
// properties qemuDomainPrepareDiskSourceData hands down to it.
type blockNode struct {
	src  *domain.StorageSource
	id   int
	disk *domain.Disk
	top  bool
	// backing is the next source of the chain: nil when the chain is not
	// described, a source of empty Type for the terminator.
	backing *domain.StorageSource
	// backingFormat is the format node of backing when it is a source.
	backingFormat string
	// prefix names the nodes of a source that is no disk's
	// (libvirt-pflash1); ro is its read-only state.
	prefix string
	ro     bool
}

func (n blockNode) nodePrefix() string {
	if n.prefix != "" {
		return n.prefix
	}
	return fmt.Sprintf("libvirt-%d", n.id)
}

func (n blockNode) storageName() string { return n.nodePrefix() + "-storage" }
func (n blockNode) formatName() string  { return n.nodePrefix() + "-format" }
func (n blockNode) sliceName() string   { return n.nodePrefix() + "-slice-sto" }

// driverAttr is an attribute of the disk's <driver>; sources of no disk
// have none.
func (n blockNode) driverAttr(name string) string {
	if n.disk == nil {
		return ""
	}
	return attrValue(n.disk.Driver, name)
}

func (n blockNode) device() string {
	if n.disk == nil {
		return ""
	}
	return n.disk.Device()
}

const blockNodesKey = "blockdev-nodes"

// diskNodes numbers every disk's chain as libvirt's test set-up ends up
// doing: disks are prepared last to first, each chain top down.
func (b *Builder) diskNodes() map[*domain.Disk][]blockNode {
	if m, ok := b.State(blockNodesKey).(map[*domain.Disk][]blockNode); ok {
		return m
	}
	m := map[*domain.Disk][]blockNode{}
	next := 0
	given := func(s *domain.StorageSource) int { return 0 }
	if b.Ctx != nil && b.Ctx.NodeIndexesGiven {
		given = nodeIndex
		// a layer left unnumbered takes a number no given one uses
		for _, d := range b.Def.Devices.Disks {
			for s := d.Source; s != nil; s = s.Backing {
				next = max(next, nodeIndex(s))
			}
		}
	}
	disks := b.Def.Devices.Disks
	for i := len(disks) - 1; i >= 0; i-- {
		d := disks[i]
		var chain []blockNode
		if d.Bus() == "sd" {
			// SD cards still use -drive and get no node names.
			m[d] = nil
			continue
		}
		for s := d.Source; s != nil; s = s.Backing {
			if s != d.Source && s.Type == "" {
				break
			}
			id := given(s)
			if id == 0 {
				next++
				id = next
			}
			chain = append(chain, blockNode{src: s, id: id, disk: d, top: s == d.Source, backing: s.Backing})
		}
		for j := range chain {
			if j+1 < len(chain) {
				chain[j].backingFormat = chain[j+1].formatName()
			}
		}
		m[d] = chain
	}
	b.SetState(blockNodesKey, m)
	return m
}

// nodeIndex is the node number the definition gives a source: its
// <source index> at the top of a chain, its <backingStore index> below;
// 0 when there is none.
func nodeIndex(s *domain.StorageSource) int {
	v := s.BackingIndex
	if v == "" {
		v = srcAttr(s, "index")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func srcAttr(s *domain.StorageSource, name string) string { return attrValue(s.Attrs, name) }

func attrValue(list []xmltree.Attr, name string) string {
	for _, a := range list {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// child is the first <name> element inside the source.
func (n blockNode) child(name string) *xmltree.Node {
	for _, c := range n.src.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (n blockNode) protocol() string { return srcAttr(n.src, "protocol") }

// auth is the source's <auth>; libvirt moves a disk-level <auth> onto
// the top source.
func (n blockNode) auth() *xmltree.Node {
	if a := n.child("auth"); a != nil {
		return a
	}
	if n.top {
		return n.src.AuthAtDisk
	}
	return nil
}

// encryption is the source's <encryption>, or the disk's for the top one.
func (n blockNode) encryption() *xmltree.Node {
	if e := n.child("encryption"); e != nil {
		return e
	}
	if n.top {
		return n.src.EncryptionAtDisk
	}
	return nil
}

// qemuEncryption tells an encryption QEMU's crypto layer handles
// (engine qemu, the default) with its format.
func (n blockNode) qemuEncryption() (format string, ok bool) {
	e := n.encryption()
	if e == nil || e.Prop("engine") == "librbd" {
		return "", false
	}
	return e.Prop("format"), true
}

// volumePath splits the network source name into libvirt's volume and
// path: gluster and rbd keep "volume/path" in one attribute.
func (n blockNode) volumePath() (volume, path string) {
	name := srcAttr(n.src, "name")
	switch n.protocol() {
	case "gluster", "rbd":
		if i := strings.IndexByte(name, '/'); i > 0 {
			return name[:i], name[i+1:]
		}
	}
	return "", name
}

// storageSlice is the <slices><slice type='storage'> of the source.
func (n blockNode) storageSlice() (offset, size uint64, ok bool) {
	sl := n.child("slices")
	if sl == nil {
		return 0, 0, false
	}
	for _, c := range sl.ChildrenNamed("slice") {
		if c.Prop("type") == "storage" {
			return uintAttr(c.Prop("offset")), uintAttr(c.Prop("size")), true
		}
	}
	return 0, 0, false
}

// format is the source's image format with libvirt's default (raw).
func (n blockNode) format() string {
	f := n.src.Format
	if f == "" || f == "none" || f == "auto" {
		return "raw"
	}
	return f
}

// needsSliceLayer is qemuBlockStorageSourceNeedsStorageSliceLayer: raw
// images take the slice in their own node unless LUKS sits on top.
func (n blockNode) needsSliceLayer() bool {
	if _, _, ok := n.storageSlice(); !ok {
		return false
	}
	if n.format() != "raw" {
		return true
	}
	f, ok := n.qemuEncryption()
	return ok && f == "luks"
}

// cacheMode is the disk's cache mode for every source of its chain.
func (n blockNode) cacheMode() string {
	if n.disk == nil {
		return ""
	}
	return diskCacheMode(n.disk)
}

// diskCacheMode is the disk's cache mode, with shared writable disks
// defaulting to none (qemuDomainPrepareDiskCachemode).
func diskCacheMode(d *domain.Disk) string {
	mode := attrValue(d.Driver, "cache")
	if (mode == "" || mode == "default") && d.Shareable && !d.ReadOnly {
		return "none"
	}
	return mode
}

// readOnly is whether the source is opened read-only: the top one when
// the disk is, every backing image.
func (n blockNode) readOnly() bool {
	if n.disk == nil {
		return n.ro
	}
	return !n.top || n.disk.ReadOnly
}

// storageEmpty is virStorageSourceIsEmpty.
func storageEmpty(s *domain.StorageSource) bool {
	if s == nil {
		return true
	}
	switch s.Type {
	case "file", "block", "dir":
		return s.Path() == ""
	case "network":
		return srcAttr(s, "protocol") == "" && len(s.Hosts) == 0 && srcAttr(s, "name") == ""
	case "":
		return true
	}
	return false
}

// cacheFlags is qemuDomainDiskCachemodeFlags.
func cacheFlags(mode string) (writeback, direct, noflush, ok bool) {
	switch mode {
	case "writeback":
		return true, false, false, true
	case "writethrough":
		return false, false, false, true
	case "none":
		return true, true, false, true
	case "directsync":
		return false, true, false, true
	case "unsafe":
		return true, false, true, true
	}
	return false, false, false, false
}

func cacheProps(mode string) *Props {
	_, direct, noflush, ok := cacheFlags(mode)
	if !ok {
		return nil
	}
	return NewProps().Bool("direct", direct).Bool("no-flush", noflush)
}

// storageProps is qemuBlockStorageSourceGetBackendProps for the protocol
// layer with auto-read-only, as the command line uses it.
func (b *Builder) storageProps(n blockNode) (*Props, error) {
	s := n.src
	p := NewProps()
	switch s.Type {
	case "file", "block":
		drv := "file"
		if s.Type == "block" {
			drv = "host_device"
			// qemuDomainPrepareDiskSourceData: only a raw top image on a
			// real CD-ROM drive uses host_cdrom.
			if n.device() == "cdrom" && n.top && n.format() == "raw" && b.isCDROM(s.Path()) {
				drv = "host_cdrom"
			}
		}
		path := s.Path()
		if fp := b.fdPass(n); fp != nil {
			path = fp.path()
		}
		p.Str("driver", drv).Str("filename", path)
		if io := n.driverAttr("io"); io != "" && io != "default" {
			p.Str("aio", io)
		}
		if r := n.reservations(); r != nil {
			p.Str("pr-manager", n.prManagerAlias(r))
		}
	case "dir":
		p.Str("driver", "vvfat").Str("dir", s.Path()).Bool("floppy", n.device() == "floppy").Bool("rw", !n.readOnly())
	case "nvme":
		addr := n.child("address")
		if addr == nil {
			return nil, Internal("missing PCI address of NVMe disk")
		}
		p.Str("driver", "nvme").Str("device", pciAddressString(addr))
		if ns := srcAttr(s, "namespace"); ns != "" {
			p.Uint("namespace", uintAttr(ns))
		}
	case "network":
		if err := b.networkStorageProps(p, n); err != nil {
			return nil, err
		}
	case "vhostuser":
		return nil, Internal("unable to create blockdev props for vhostuser disk type")
	case "volume":
		return nil, Internal("storage source pool '%s' volume '%s' is not translated", srcAttr(s, "pool"), srcAttr(s, "volume"))
	default:
		return nil, Internal("unsupported storage type '%s'", s.Type)
	}
	p.Str("node-name", n.storageName())
	p.Obj("cache", cacheProps(n.cacheMode()))
	// QEMU picks the descriptor of an fd set by access mode, and
	// auto-read-only first wants a read-only one: with a single passed
	// descriptor the source is opened in the mode it needs instead.
	if fp := b.fdPass(n); fp != nil && len(fp.fds) == 1 {
		p.Bool("read-only", !fp.writable && n.readOnly())
	} else {
		p.Bool("auto-read-only", true)
	}
	p.Str("discard", "unmap")
	return p, nil
}

func (b *Builder) isCDROM(path string) bool {
	if b.Ctx.IsCDROM != nil {
		return b.Ctx.IsCDROM(path)
	}
	return hostIsCDROM(path)
}

// pciAddressString is virPCIDeviceAddressAsString.
func pciAddressString(a *xmltree.Node) string {
	return fmt.Sprintf("%04x:%02x:%02x.%d", uintAttr(a.Prop("domain")), uintAttr(a.Prop("bus")),
		uintAttr(a.Prop("slot")), uintAttr(a.Prop("function")))
}

// managedPRAlias is the pr-manager-helper object libvirt starts for the
// domain's managed persistent reservations.
const managedPRAlias = "pr-helper0"

// reservations is the source's enabled <reservations>, nil without.
func (n blockNode) reservations() *xmltree.Node {
	if r := n.child("reservations"); r != nil && r.Prop("enabled") != "no" {
		return r
	}
	return nil
}

// prManagerAlias is the pr-manager-helper object a source's persistent
// reservations use: the shared managed one or its own, named after its
// storage node (qemuDomainPrepareStorageSourcePR).
func (n blockNode) prManagerAlias(r *xmltree.Node) string {
	if r.Prop("managed") == "yes" {
		return managedPRAlias
	}
	return "pr-helper-" + n.storageName()
}

func init() { RegisterStep("managed-pr", buildManagedPR) }

// buildManagedPR is qemuBuildManagedPRCommandLine: one helper object,
// listening in the domain's directory, serves every source whose
// reservations libvirt manages.
func buildManagedPR(b *Builder) error {
	for _, chain := range b.diskNodes() {
		for _, n := range chain {
			if r := n.reservations(); r != nil && r.Prop("managed") == "yes" {
				return b.AddObject(ObjectProps("pr-manager-helper", managedPRAlias).
					Str("path", b.Ctx.LibDir+"/"+managedPRAlias+".sock"))
			}
		}
	}
	return nil
}

// formatBackingCapable are the formats at or past VIR_STORAGE_FILE_BACKING.
var formatBackingCapable = map[string]bool{"cow": true, "qcow": true, "qcow2": true, "qed": true, "vmdk": true}

// formatDriverNames are the formats qemu knows under another driver name
// or as they are.
var formatDriverNames = map[string]string{
	"ploop": "parallels", "vhd": "vhdx",
	"bochs": "bochs", "cloop": "cloop", "dmg": "dmg", "vdi": "vdi", "vpc": "vpc", "qed": "qed", "vmdk": "vmdk",
}

// formatProps is qemuBlockStorageSourceGetBlockdevProps: the format
// layer on top of a storage (or slice) node.
func (b *Builder) formatProps(n blockNode, encAlias string) (*Props, error) {
	discard := n.driverAttr("discard")
	if discard == "default" {
		discard = ""
	}
	p := NewProps().Str("node-name", n.formatName()).Bool("read-only", n.readOnly())
	p.StrOpt("discard", discard)
	if n.top {
		dz := n.driverAttr("detect_zeroes")
		if dz == "unmap" && discard != "unmap" {
			dz = "on"
		}
		if dz == "off" {
			dz = ""
		}
		p.StrOpt("detect-zeroes", dz)
	}
	p.Obj("cache", cacheProps(n.cacheMode()))
	format := n.format()
	encFormat, qemuEnc := n.qemuEncryption()
	encrypt := func() (*Props, error) {
		if !qemuEnc || encAlias == "" {
			return nil, nil
		}
		switch encFormat {
		case "qcow":
			return NewProps().Str("format", "aes").Str("key-secret", encAlias), nil
		case "luks":
			return NewProps().Str("format", "luks").Str("key-secret", encAlias), nil
		case "luks2":
			return nil, Unsupported("luks2 is currently not supported by the qemu encryption engine")
		}
		return nil, Internal("unexpected encryption format '%s'", encFormat)
	}
	switch format {
	case "raw", "fat":
		if qemuEnc && encFormat == "luks" {
			if encAlias == "" {
				return nil, Internal("missing secret info for 'luks' driver")
			}
			p.Str("driver", "luks").Str("key-secret", encAlias)
		} else {
			p.Str("driver", "raw")
			if off, size, ok := n.storageSlice(); ok {
				p.Uint("offset", off).Uint("size", size)
			}
		}
	case "qcow2", "qcow":
		enc, err := encrypt()
		if err != nil {
			return nil, err
		}
		p.Str("driver", format).Obj("encrypt", enc)
		if size := n.metadataCacheSize(); format == "qcow2" && size > 0 {
			p.Uint("cache-size", size)
		}
	case "cow", "iso", "dir":
		return nil, Internal("mishandled storage format '%s'", format)
	default:
		drv, ok := formatDriverNames[format]
		if !ok {
			return nil, Internal("unknown storage format '%s'", format)
		}
		p.Str("driver", drv)
	}
	file := n.storageName()
	if n.needsSliceLayer() {
		file = n.sliceName()
	}
	p.Str("file", file)
	if n.backing != nil {
		if formatBackingCapable[format] {
			if n.backing.Type != "" {
				p.Str("backing", n.backingFormat)
			} else {
				p.Set("backing", nil)
			}
		} else if n.backing.Type != "" {
			return nil, Unsupported("storage format '%s' does not support backing store", format)
		}
	}
	return p, nil
}

// metadataCacheSize is the source's metadataCacheMaxSize: a disk keeps
// it in <driver><metadata_cache>, a backing store in
// <format><metadata_cache>.
func (n blockNode) metadataCacheSize() uint64 {
	if n.top && n.disk != nil {
		if n.disk.MetadataCache != nil {
			return *n.disk.MetadataCache
		}
		return 0
	}
	if n.src != nil && n.src.FormatMetadataCache != nil {
		return *n.src.FormatMetadataCache
	}
	return 0
}

// sliceProps is qemuBlockStorageSourceGetBlockdevStorageSliceProps.
func (b *Builder) sliceProps(n blockNode) *Props {
	off, size, _ := n.storageSlice()
	p := NewProps().Str("driver", "raw").Str("node-name", n.sliceName()).Uint("offset", off).Uint("size", size).
		Str("file", n.storageName()).Bool("auto-read-only", true).Str("discard", "unmap")
	p.Obj("cache", cacheProps(n.cacheMode()))
	return p
}

// buildDiskSource adds the objects and -blockdev nodes of a disk's
// chain, bottom first (qemuBuildDiskSourceCommandLine), then the
// copy-on-read layer.
func (b *Builder) buildDiskSource(d *domain.Disk) error {
	if storageEmpty(d.Source) || d.Source.Type == "vhostuser" {
		return nil
	}
	chain := b.diskNodes()[d]
	b.addDiskFDSets(chain)
	for i := len(chain) - 1; i >= 0; i-- {
		if err := b.buildBlockNode(chain[i]); err != nil {
			return err
		}
	}
	if attrValue(d.Driver, "copy_on_read") == "on" && len(chain) > 0 {
		b.AddBlockdev(NewProps().Str("driver", "copy-on-read").Str("node-name", "libvirt-CoR-"+d.Dst()).
			Str("file", chain[0].formatName()).Str("discard", "unmap"))
	}
	return nil
}

// buildBlockNode is qemuBuildStorageSourceAttachPrepareCommon with
// qemuBuildBlockStorageSourceAttachDataCommandline for one source: its
// secret and TLS objects, then the storage, slice and format nodes.
func (b *Builder) buildBlockNode(n blockNode) error {
	deps, err := b.storageSourceObjects(n)
	if err != nil {
		return err
	}
	sp, err := b.storageProps(n)
	if err != nil {
		return err
	}
	fp, err := b.formatProps(n, deps.encryptionAlias)
	if err != nil {
		return err
	}
	for _, o := range deps.objects {
		if err := b.AddObject(o); err != nil {
			return err
		}
	}
	b.AddBlockdev(sp)
	if n.needsSliceLayer() {
		b.AddBlockdev(b.sliceProps(n))
	}
	b.AddBlockdev(fp)
	return nil
}

// AddStorageSourceBlockdevs adds the objects and nodes of a storage
// source that belongs to no disk, named prefix-storage and prefix-format
// (a network or block NVRAM: qemuBuildPflashBlockdevCommandLine with
// the nodes qemuBlockStorageSourceSetFormatNodename gives it).
func (b *Builder) AddStorageSourceBlockdevs(src *domain.StorageSource, prefix string, readOnly bool) error {
	if storageEmpty(src) {
		return nil
	}
	return b.buildBlockNode(blockNode{src: src, top: true, prefix: prefix, ro: readOnly})
}

// diskBackendAlias is the node the disk's device uses
// (qemuDomainDiskGetBackendAlias).
func (b *Builder) diskBackendAlias(d *domain.Disk) string {
	if storageEmpty(d.Source) {
		return ""
	}
	if attrValue(d.Driver, "copy_on_read") == "on" {
		return "libvirt-CoR-" + d.Dst()
	}
	chain := b.diskNodes()[d]
	if len(chain) == 0 {
		return ""
	}
	return chain[0].formatName()
}
