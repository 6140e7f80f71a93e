// Package backup is libvirt's domain backup XML (<domainbackup>,
// src/conf/backup_conf.c): parse, disk alignment and canonical format,
// byte-equal to libvirt 9.0's.
package backup

import (
	"strconv"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// ParseFlags are libvirt's VIR_DOMAIN_BACKUP_PARSE_*.
type ParseFlags uint32

const (
	// ParseInternal reads the daemon's status XML: disk state and index,
	// and the private TLS aliases.
	ParseInternal ParseFlags = 1 << iota
)

// Backup modes.
const (
	ModePush = "push"
	ModePull = "pull"
)

// Per-disk backup modes; "" is the default, resolved by AlignDisks.
const (
	DiskModeDefault     = ""
	DiskModeFull        = "full"
	DiskModeIncremental = "incremental"
)

// Server is the NBD server of a pull backup.
type Server struct {
	Transport string // tcp (default), unix, rdma
	Name      string
	Port      uint32
	Socket    string
}

// Store is where a disk's backup is written (push <target>) or its scratch
// image lives (pull <scratch>).
type Store struct {
	Type   string // file or block
	Format string // <driver type>
	Index  uint32 // status XML only
	// Source is the <target> or <scratch> element's content; nil when
	// there was none.
	Source *domain.StorageSource
}

// Path is the store's file or device.
func (st *Store) Path() string {
	if st.Source == nil {
		return ""
	}
	return st.Source.Path()
}

// Disk is one <disks>/<disk>.
type Disk struct {
	Name         string
	Backup       string // "yes" or "no"
	BackupMode   string // a DiskMode*
	Incremental  string
	ExportName   string
	ExportBitmap string
	State        string // status XML only
	Store        *Store
}

// Def is one backup definition.
type Def struct {
	Mode        string
	Incremental string
	Server      *Server
	TLS         string // "", "yes" or "no"
	Disks       []Disk

	TLSAlias       string // status XML only
	TLSSecretAlias string // status XML only
}

func errf(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromDomain, code, format, args...)
}

// errInvalidProp is virXMLPropEnum's (and virXMLPropTristateBool's)
// complaint about a value outside the enum; libvirt's XML helpers report
// in VIR_FROM_XML, not in backup_conf.c's VIR_FROM_DOMAIN.
func errInvalidProp(elem, attr, value string) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError, "Invalid value for attribute '%s' in element '%s': '%s'.", attr, elem, value)
}

// Parse reads a <domainbackup> document.
func Parse(data []byte, flags ParseFlags) (*Def, error) {
	root, err := xmltree.ParseRootFrom(data, "(domain_backup)", "domainbackup", virterr.FromDomain)
	if err != nil {
		return nil, err
	}
	return ParseNode(root, flags)
}

// ParseNode reads a <domainbackup> element (virDomainBackupDefParse).
func ParseNode(n *xmltree.Node, flags ParseFlags) (*Def, error) {
	if n.Name != "domainbackup" {
		return nil, errf(virterr.XMLError, "domainbackup")
	}
	def := &Def{Mode: ModePush}
	if m, ok := n.Attr("mode"); ok {
		if m != ModePush && m != ModePull {
			return nil, errf(virterr.ConfigUnsupported, "unknown backup mode '%s'", m)
		}
		def.Mode = m
	}
	push := def.Mode == ModePush
	def.Incremental, _ = n.ChildText("incremental")

	if sn := n.Child("server"); sn != nil {
		if def.Mode != ModePull {
			return nil, errf(virterr.ConfigUnsupported, "use of <server> requires pull mode backup")
		}
		s, err := parseServer(sn)
		if err != nil {
			return nil, err
		}
		def.Server = s
		if t, ok := sn.Attr("tls"); ok {
			if t != "yes" && t != "no" {
				return nil, errInvalidProp("server", "tls", t)
			}
			def.TLS = t
		}
	}
	if disks := n.Child("disks"); disks != nil {
		for _, dn := range disks.Children {
			d, err := parseDisk(dn, push, flags)
			if err != nil {
				return nil, err
			}
			def.Disks = append(def.Disks, *d)
		}
	}
	if flags&ParseInternal != 0 {
		if objs := n.Find("privateData/objects"); objs != nil {
			for _, o := range objs.Children {
				switch {
				case o.Name == "secret" && o.Prop("type") == "tlskey":
					if def.TLSSecretAlias == "" {
						def.TLSSecretAlias = o.Prop("alias")
					}
				case o.Name == "TLSx509":
					if def.TLSAlias == "" {
						def.TLSAlias = o.Prop("alias")
					}
				}
			}
		}
	}
	return def, nil
}

// parseServer reads <server> (virDomainStorageNetworkParseHost).
func parseServer(n *xmltree.Node) (*Server, error) {
	s := &Server{Transport: "tcp", Name: n.Prop("name"), Socket: n.Prop("socket")}
	if t, ok := n.Attr("transport"); ok {
		switch t {
		case "tcp", "unix", "rdma":
			s.Transport = t
		default:
			return nil, errf(virterr.XMLError, "unknown protocol transport type '%s'", t)
		}
	}
	if s.Transport == "unix" {
		if s.Socket == "" {
			return nil, errf(virterr.XMLError, "missing socket for unix transport")
		}
	} else if s.Socket != "" {
		return nil, errf(virterr.XMLError, "transport '%s' does not support socket attribute", s.Transport)
	}
	if s.Transport != "unix" && s.Name == "" {
		return nil, errf(virterr.XMLError, "missing hostname for tcp transport")
	}
	if p, ok := n.Attr("port"); ok {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, errf(virterr.XMLError, "failed to parse port number '%s'", p)
		}
		s.Port = uint32(v)
	}
	if s.Transport == "rdma" {
		return nil, errf(virterr.ConfigUnsupported, "transport rdma is not supported for <server>")
	}
	if s.Transport == "unix" && s.Socket[0] != '/' {
		return nil, errf(virterr.XMLError, "backup socket path '%s' must be absolute", s.Socket)
	}
	return s, nil
}

// storageFormats are libvirt's image formats (virStorageFileFormat,
// without "none").
var storageFormats = map[string]bool{
	"raw": true, "dir": true, "bochs": true, "cloop": true, "dmg": true, "iso": true,
	"vpc": true, "vdi": true, "fat": true, "vhd": true, "ploop": true, "cow": true,
	"qcow": true, "qcow2": true, "qed": true, "vmdk": true,
}

var storageTypes = map[string]bool{
	"file": true, "block": true, "dir": true, "network": true, "volume": true, "nvme": true, "vhostuser": true, "vdpa": true,
}

// parseDisk reads one backup <disk> (virDomainBackupDiskDefParseXML).
func parseDisk(n *xmltree.Node, push bool, flags ParseFlags) (*Disk, error) {
	internal := flags&ParseInternal != 0
	name, ok := n.Attr("name")
	if !ok {
		return nil, errf(virterr.XMLError, "missing name from disk backup element")
	}
	d := &Disk{Name: name, Backup: "yes"}
	if b, ok := n.Attr("backup"); ok {
		if b != "yes" && b != "no" {
			return nil, errInvalidProp("disk", "backup", b)
		}
		d.Backup = b
	}
	if d.Backup == "no" {
		return d, nil
	}
	if !push {
		d.ExportName = n.Prop("exportname")
		d.ExportBitmap = n.Prop("exportbitmap")
	}
	if m, ok := n.Attr("backupmode"); ok {
		if m != DiskModeFull && m != DiskModeIncremental {
			return nil, errInvalidProp("disk", "backupmode", m)
		}
		d.BackupMode = m
	}
	d.Incremental = n.Prop("incremental")
	if internal {
		st, ok := n.Attr("state")
		if !ok {
			return nil, virterr.NewFrom(virterr.FromXML, virterr.XMLError, "Missing required attribute 'state' in element 'disk'")
		}
		d.State = st
	}
	st := &Store{Type: "file"}
	if t, ok := n.Attr("type"); ok {
		if !storageTypes[t] {
			return nil, errf(virterr.XMLError, "unknown storage source type '%s'", t)
		}
		st.Type = t
	}
	if dr := n.Child("driver"); dr != nil {
		if f, ok := dr.Attr("type"); ok {
			if !storageFormats[f] {
				return nil, errf(virterr.XMLError, "unknown storage source format '%s'", f)
			}
			st.Format = f
		}
	}
	if internal {
		if idx, ok := n.Attr("index"); ok {
			v, err := strconv.ParseUint(idx, 10, 32)
			if err != nil {
				return nil, errf(virterr.XMLError, "invalid storage source index '%s'", idx)
			}
			st.Index = uint32(v)
		}
	}
	if st.Type != "file" && st.Type != "block" {
		return nil, errf(virterr.XMLError, "unsupported disk backup type '%s'", st.Type)
	}
	srcName := "scratch"
	if push {
		srcName = "target"
	}
	if sn := n.Child(srcName); sn != nil {
		pf := domain.ParseInactive
		if internal {
			pf = domain.ParseStatus
		}
		src, err := domain.ParseStorageSource(st.Type, sn, nil, pf)
		if err != nil {
			return nil, err
		}
		// Written only when there is something in it, as libvirt does.
		src.HasSource = false
		st.Source = src
	}
	d.Store = st
	return d, nil
}

// DomainDisk is what disk alignment needs to know of one domain disk.
type DomainDisk struct {
	Target   string // <target dev>
	Type     string // storage type of its source (file, block, network, …)
	Path     string // source path; "" when the drive is empty
	ReadOnly bool
}

func (d DomainDisk) empty() bool { return d.Path == "" && d.Type != "network" }

// AlignDisks completes the list of disks against the domain's
// (virDomainBackupAlignDisks): every domain disk appears, the ones left
// out are backed up only when no disk was named at all, new file stores
// are named "<path>.<suffix>", and default modes are resolved.
func (def *Def) AlignDisks(dom []DomainDisk, suffix string) error {
	if len(dom) == 0 {
		return errf(virterr.ConfigUnsupported, "domain must have at least one disk to perform backup")
	}
	byTarget := func(name string) *DomainDisk {
		for i := range dom {
			if dom[i].Target == name {
				return &dom[i]
			}
		}
		return nil
	}
	seen := map[string]bool{}
	for i := range def.Disks {
		bd := &def.Disks[i]
		dd := byTarget(bd.Name)
		if dd == nil {
			return errf(virterr.ConfigUnsupported, "no disk named '%s'", bd.Name)
		}
		if seen[bd.Name] {
			return errf(virterr.ConfigUnsupported, "disk '%s' specified twice", bd.Name)
		}
		seen[bd.Name] = true
		if bd.BackupMode == DiskModeIncremental && bd.Incremental == "" && def.Incremental == "" {
			return errf(virterr.ConfigUnsupported, "'incremental' backup mode of disk '%s' requires setting 'incremental' field for disk or backup", bd.Name)
		}
		if bd.Backup == "yes" {
			if err := assignStore(bd, dd, suffix); err != nil {
				return err
			}
		}
	}
	all := len(def.Disks) == 0
	for i := range dom {
		dd := &dom[i]
		if seen[dd.Target] {
			continue
		}
		bd := Disk{Name: dd.Target, Backup: "no"}
		if all && !dd.empty() && !dd.ReadOnly {
			bd.Backup = "yes"
			if err := assignStore(&bd, dd, suffix); err != nil {
				return err
			}
		}
		def.Disks = append(def.Disks, bd)
	}
	for i := range def.Disks {
		bd := &def.Disks[i]
		if bd.BackupMode == DiskModeDefault {
			if def.Incremental != "" || bd.Incremental != "" {
				bd.BackupMode = DiskModeIncremental
			} else {
				bd.BackupMode = DiskModeFull
			}
		}
		if bd.Incremental == "" && bd.BackupMode == DiskModeIncremental {
			bd.Incremental = def.Incremental
		}
	}
	return nil
}

// assignStore names the image a disk without a target or scratch file is
// backed up to: "<source path>.<suffix>" (virDomainBackupDefAssignStore).
func assignStore(bd *Disk, dd *DomainDisk, suffix string) error {
	if dd.empty() && bd.Store != nil {
		return errf(virterr.ConfigUnsupported, "disk '%s' has no media", bd.Name)
	}
	if bd.Store != nil && bd.Store.Path() != "" {
		return nil
	}
	if dd.Type != "file" {
		return errf(virterr.ConfigUnsupported, "refusing to generate file name for disk '%s'", bd.Name)
	}
	if bd.Store == nil {
		bd.Store = &Store{}
	}
	if bd.Store.Source == nil {
		bd.Store.Source = &domain.StorageSource{}
	}
	// Only the type and path change; labels and encryption stay.
	src := bd.Store.Source
	attrs := []xmltree.Attr{{Name: "file", Value: dd.Path + "." + suffix}}
	for _, a := range src.Attrs {
		if a.Name != "file" && a.Name != "dev" {
			attrs = append(attrs, a)
		}
	}
	bd.Store.Type = "file"
	src.Type = "file"
	src.Attrs = attrs
	return nil
}

// Format writes the backup as libvirt does (virDomainBackupDefFormat);
// internal adds the status-only data.
func (def *Def) Format(internal bool) string {
	b := xmlbuf.New()
	def.FormatTo(b, internal)
	return b.String()
}

// FormatTo writes the backup into b at b's indentation.
func (def *Def) FormatTo(b *xmlbuf.Buffer, internal bool) {
	attrs := b.Inherit()
	children := b.Child()
	attrs.Attr("mode", def.Mode)
	if def.Incremental != "" {
		children.EscapeString("<incremental>%s</incremental>\n", def.Incremental)
	}
	if s := def.Server; s != nil {
		sa := children.Inherit()
		sa.Attr("transport", s.Transport)
		sa.AttrIf("tls", def.TLS)
		sa.AttrIf("name", s.Name)
		if s.Port != 0 {
			sa.Attrf("port", "%d", s.Port)
		}
		sa.AttrIf("socket", s.Socket)
		children.FormatElement("server", sa, nil)
	}
	disks := children.Child()
	for i := range def.Disks {
		def.Disks[i].format(disks, def.Mode == ModePush, internal)
	}
	children.FormatElement("disks", nil, disks)
	if internal {
		priv := children.Child()
		objs := priv.Child()
		if def.TLSSecretAlias != "" {
			objs.EscapeString("<secret type='tlskey' alias='%s'/>\n", def.TLSSecretAlias)
		}
		if def.TLSAlias != "" {
			objs.EscapeString("<TLSx509 alias='%s'/>\n", def.TLSAlias)
		}
		priv.FormatElement("objects", nil, objs)
		children.FormatElement("privateData", nil, priv)
	}
	b.FormatElement("domainbackup", attrs, children)
}

// format writes one backup disk (virDomainBackupDiskDefFormat).
func (d *Disk) format(b *xmlbuf.Buffer, push, internal bool) {
	attrs := b.Inherit()
	children := b.Child()
	attrs.Attr("name", d.Name)
	attrs.Attr("backup", d.Backup)
	if internal && d.State != "" {
		attrs.Attr("state", d.State)
	}
	if d.Backup == "yes" && d.Store != nil {
		st := d.Store
		attrs.Attr("type", st.Type)
		attrs.AttrIf("backupmode", d.BackupMode)
		attrs.AttrIf("incremental", d.Incremental)
		attrs.AttrIf("exportname", d.ExportName)
		attrs.AttrIf("exportbitmap", d.ExportBitmap)
		if st.Index != 0 {
			attrs.Attrf("index", "%d", st.Index)
		}
		if st.Format != "" {
			children.EscapeString("<driver type='%s'/>\n", st.Format)
		}
		st.format(children, push)
	}
	b.FormatElement("disk", attrs, children)
}

// format writes the store as <target> or <scratch>
// (virDomainDiskSourceFormat): nothing when it is empty.
func (st *Store) format(b *xmlbuf.Buffer, push bool) {
	if st.Source == nil {
		return
	}
	name := "scratch"
	if push {
		name = "target"
	}
	st.Source.FormatSource(b, name, domain.FormatInactive)
}
