// Package storage reads and writes libvirt's storage pool and volume XML
// (storage_conf.c, storage_adapter_conf.c and the parts of
// storage_source_conf.c pools and volumes use), byte for byte as
// libvirt 9.0 writes them.
//
// Parse checks syntax; SetDefaults applies what libvirt's parser fills in
// (UUID, formats, derived names and paths); Validate makes the semantic
// checks libvirt's parser makes, and expects defaults applied.
package storage

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/cnum"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Host is a <host name port/> of a network pool's source; Port 0 is unset.
type Host struct {
	Name string
	Port int32
}

// Extent is a byte range [Start, End) of a device.
type Extent struct {
	Start, End uint64
}

// Device is a <device path part_separator/> of a pool source.
type Device struct {
	Path          string
	PartSeparator string // "", "yes" or "no"
	// FreeExtents are reported by a disk pool's refresh; never parsed.
	FreeExtents []Extent
}

// PoolSource is a pool's <source>.
type PoolSource struct {
	Hosts   []Host
	Devices []Device
	Dir     string
	Adapter *Adapter
	Name    string
	// InitiatorIQN is <initiator><iqn name='…'/></initiator>.
	InitiatorIQN string
	// Format is the pool format (file system, partition table, …) for the
	// types that have one; "" until SetDefaults picks the type's default.
	Format string
	Auth   *Auth
	// ProtocolVersion is netfs's <protocol ver='…'/>, an NFS version such
	// as "4" or "4.1" passed to mount; "" is unset.
	ProtocolVersion string
	Vendor          string
	Product         string
}

// PoolTarget is a pool's <target>.
type PoolTarget struct {
	Path  string
	Perms Perms
}

// PoolDef is a <pool> document.
type PoolDef struct {
	Type    string
	Name    string
	UUID    uuid.UUID
	HasUUID bool
	// Capacity, Allocation and Available are a running pool's sizes in
	// bytes; libvirt never reads them back from XML.
	Capacity, Allocation, Available uint64
	// COW is <features><cow state='…'/></features>: "", "yes" or "no".
	COW    string
	Source PoolSource
	Target PoolTarget
	// RefreshVolumeAllocation is <refresh><volume allocation='…'/>:
	// "", "default" or "capacity".
	RefreshVolumeAllocation string
	// MountOptions are an fs/netfs pool's <fs:mount_opts> options.
	MountOptions []string
	// RBDConfigOptions are an rbd pool's <rbd:config_opts> options.
	RBDConfigOptions []RBDOption
}

func xmlError(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromStorage, virterr.XMLError, format, args...)
}

// xmlHelperError is an error raised inside libvirt's XML helpers
// (virxml.c: virXMLProp*, virParseScaledValue), which report in error
// domain VIR_FROM_XML rather than storage_conf.c's VIR_FROM_STORAGE.
func xmlHelperError(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError, format, args...)
}

func unsupported(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromStorage, virterr.ConfigUnsupported, format, args...)
}

// ParsePool reads a pool document (virStoragePoolDefParseString, without
// the defaults and checks SetDefaults and Validate apply).
func ParsePool(data []byte) (*PoolDef, error) {
	root, err := xmltree.ParseRootFrom(data, "(storage_pool_definition)", "pool", virterr.FromStorage)
	if err != nil {
		return nil, err
	}
	return ParsePoolNode(root)
}

// ParsePoolNode reads a <pool> element.
func ParsePoolNode(root *xmltree.Node) (*PoolDef, error) {
	if root.Name != "pool" {
		return nil, xmlError("unexpected root element <%s>, expecting <pool>", root.Name)
	}
	p := &PoolDef{}
	t, ok := root.Attr("type")
	if !ok {
		return nil, xmlHelperError("Missing required attribute 'type' in element 'pool'")
	}
	p.Type = t
	opts := optionsFor(p.Type)
	if sn := root.Child("source"); sn != nil {
		src, err := parsePoolSource(sn, p.Type)
		if err != nil {
			return nil, err
		}
		p.Source = *src
	}
	p.Name = childString(root, "name")
	if p.Name == "" && opts.flags&srcName != 0 {
		p.Name = p.Source.Name
	}
	if p.Name == "" {
		return nil, xmlError("missing pool source name element")
	}
	if s := childString(root, "uuid"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, xmlError("malformed uuid element")
		}
		p.UUID, p.HasUUID = id, true
	}
	if cow := root.Find("features/cow"); cow != nil {
		p.COW = cow.Prop("state")
	}
	if opts.flags&srcNetwork == 0 {
		if tn := root.Child("target"); tn != nil {
			if path := childString(tn, "path"); path != "" {
				p.Target.Path = sanitizePath(path)
			}
			perms, err := parsePerms(tn.Child("permissions"))
			if err != nil {
				return nil, err
			}
			p.Target.Perms = perms
		}
	}
	if vn := root.Find("refresh/volume"); vn != nil {
		p.RefreshVolumeAllocation = vn.Prop("allocation")
	}
	if opts.namespace != nil {
		if err := p.parseNamespace(root, opts.namespace); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ParsePoolSource reads a lone <source> document, as libvirt's
// find-storage-pool-sources API takes it.
func ParsePoolSource(data []byte, poolType string) (*PoolSource, error) {
	root, err := xmltree.ParseRootFrom(data, "(storage_source_specification)", "source", virterr.FromStorage)
	if err != nil {
		return nil, err
	}
	s, err := parsePoolSource(root, poolType)
	if err != nil {
		return nil, err
	}
	// Nothing is reloaded from a lone source, so libvirt's parser's own
	// refusals (unknown formats, adapter and auth types) apply at once.
	if err := s.validate(poolType); err != nil {
		return nil, err
	}
	return s, nil
}

func parsePoolSource(n *xmltree.Node, poolType string) (*PoolSource, error) {
	s := &PoolSource{}
	opts := optionsFor(poolType)
	s.Name = childString(n, "name")
	if poolType == PoolRBD && s.Name == "" {
		return nil, xmlError("element 'name' is mandatory for RBD pool")
	}
	if opts.poolFormats != nil {
		s.Format = attrString(n, "format", "type")
	}
	for _, hn := range n.ChildrenNamed("host") {
		h := Host{}
		var ok bool
		if h.Name, ok = hn.Attr("name"); !ok {
			return nil, xmlError("missing storage pool host name")
		}
		if port, ok := hn.Attr("port"); ok {
			v, ok := cnum.Int(port, 10)
			if !ok {
				return nil, xmlHelperError("Invalid value for attribute 'port' in element 'host': '%s'. Expected integer value", port)
			}
			h.Port = int32(v)
		}
		s.Hosts = append(s.Hosts, h)
	}
	if in := n.Child("initiator"); in != nil {
		s.InitiatorIQN = attrString(in, "iqn", "name")
	}
	for _, dn := range n.ChildrenNamed("device") {
		d := Device{}
		var ok bool
		if d.Path, ok = dn.Attr("path"); !ok {
			return nil, xmlError("missing storage pool source device path")
		}
		d.PartSeparator = dn.Prop("part_separator")
		s.Devices = append(s.Devices, d)
	}
	if dir := attrString(n, "dir", "path"); dir != "" {
		s.Dir = sanitizePath(dir)
	}
	if an := n.Child("adapter"); an != nil {
		a, err := parseAdapter(an)
		if err != nil {
			return nil, err
		}
		s.Adapter = &a
	}
	if an := n.Child("auth"); an != nil {
		a, err := ParseAuth(an)
		if err != nil {
			return nil, err
		}
		s.Auth = a
	}
	s.ProtocolVersion = attrString(n, "protocol", "ver")
	s.Vendor = attrString(n, "vendor", "name")
	s.Product = attrString(n, "product", "name")
	return s, nil
}

// SetDefaults fills in what libvirt's parser derives: a UUID, the type's
// default source format, gluster's "/" directory, the source name from
// the pool name, and the device directory of logical and zfs pools.
func (p *PoolDef) SetDefaults() {
	opts := optionsFor(p.Type)
	if !p.HasUUID {
		p.UUID, p.HasUUID = uuid.New(), true
	}
	if opts.poolFormats != nil && p.Source.Format == "" {
		p.Source.Format = opts.defaultPoolFormat
	}
	if p.Type == PoolGluster && p.Source.Dir == "" {
		p.Source.Dir = "/"
	}
	if opts.flags&srcName != 0 && p.Source.Name == "" {
		p.Source.Name = p.Name
	}
	switch p.Type {
	case PoolLogical:
		p.Target.Path = sanitizePath("/dev/" + p.Source.Name)
	case PoolZFS:
		p.Target.Path = sanitizePath("/dev/zvol/" + p.Source.Name)
	}
}

// Validate makes the checks libvirt's pool parser makes beyond syntax:
// known type and formats, the source parts each type requires, a target
// path for local pools. Run it on a pool with defaults applied.
func (p *PoolDef) Validate() error {
	opts, known := poolTypes[p.Type]
	if !known {
		return xmlHelperError("Invalid value for attribute 'type' in element 'pool': '%s'.", p.Type)
	}
	if err := p.Source.validate(p.Type); err != nil {
		return err
	}
	if strings.Contains(p.Name, "/") {
		return xmlError("name %s cannot contain '/'", p.Name)
	}
	if p.COW != "" {
		if p.COW != "yes" && p.COW != "no" {
			return xmlHelperError("Invalid value for attribute 'state' in element 'cow': '%s'.", p.COW)
		}
		if p.Type != PoolFS && p.Type != PoolDir {
			return virterr.NewFrom(virterr.FromStorage, virterr.NoSupport, "cow feature may only be used for 'fs' and 'dir' pools")
		}
	}
	if opts.flags&srcHost != 0 && len(p.Source.Hosts) == 0 {
		return xmlError("missing storage pool source host name")
	}
	if opts.flags&srcDir != 0 && p.Source.Dir == "" {
		return xmlError("missing storage pool source path")
	}
	if opts.flags&srcAdapter != 0 {
		a := p.Source.Adapter
		if a == nil {
			a = &Adapter{}
		}
		if err := a.validate(); err != nil {
			return err
		}
	}
	if opts.flags == srcDevice && len(p.Source.Devices) == 0 {
		return xmlError("missing storage pool source device name")
	}
	if opts.flags&srcNetwork == 0 && p.Target.Path == "" {
		return xmlError("missing storage pool target path")
	}
	if p.Type == PoolISCSIDirect && p.Source.InitiatorIQN == "" {
		return unsupported("missing initiator IQN")
	}
	switch p.RefreshVolumeAllocation {
	case "", "default", "capacity":
	default:
		return unsupported("unknown storage pool volume refresh allocation type %s", p.RefreshVolumeAllocation)
	}
	return nil
}

func (s *PoolSource) validate(poolType string) error {
	opts := optionsFor(poolType)
	formatIndex := 0
	if opts.poolFormats != nil && s.Format != "" {
		if formatIndex = indexOf(opts.poolFormats, s.Format); formatIndex < 0 {
			return unsupported("unknown pool format type %s", s.Format)
		}
	}
	for _, d := range s.Devices {
		if d.PartSeparator != "" && d.PartSeparator != "yes" && d.PartSeparator != "no" {
			return xmlHelperError("Invalid value for attribute 'part_separator' in element 'device': '%s'.", d.PartSeparator)
		}
	}
	if s.Adapter != nil {
		if err := s.Adapter.checkSyntax(); err != nil {
			return err
		}
	}
	if s.Auth != nil {
		if err := s.Auth.Validate(); err != nil {
			return err
		}
		if s.Auth.Type == "" || s.Auth.Type == "none" {
			return unsupported("storage pool missing auth type")
		}
	}
	// libvirt compares the format's position in the pool type's own list
	// with netfs's "auto" and "nfs", whatever the pool type.
	if s.ProtocolVersion != "" {
		if formatIndex != 0 && formatIndex != 1 {
			name := ""
			if formatIndex < len(netfsPoolFormats) {
				name = netfsPoolFormats[formatIndex]
			}
			return unsupported("storage pool protocol ver unsupported for pool type '%s'", name)
		}
		// it becomes part of the comma-separated mount options
		if strings.Contains(s.ProtocolVersion, ",") {
			return xmlError("storage pool protocol ver '%s' must not contain ','", s.ProtocolVersion)
		}
	}
	return nil
}

// Format writes the pool document (virStoragePoolDefFormat).
func (p *PoolDef) Format() string {
	b := xmlbuf.New()
	p.FormatTo(b)
	return b.String()
}

// FormatTo writes the pool element into b at b's indentation (the pool
// state file nests it in <poolstate>).
func (p *PoolDef) FormatTo(b *xmlbuf.Buffer) {
	opts := optionsFor(p.Type)
	b.Asprintf("<pool type='%s'", xmlbuf.Escape(p.Type))
	ns := p.namespaceInUse()
	if ns != nil {
		b.Attr("xmlns:"+ns.prefix, ns.href)
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	b.EscapeString("<name>%s</name>\n", p.Name)
	b.Asprintf("<uuid>%s</uuid>\n", p.UUID.String())
	b.Asprintf("<capacity unit='bytes'>%d</capacity>\n", p.Capacity)
	b.Asprintf("<allocation unit='bytes'>%d</allocation>\n", p.Allocation)
	b.Asprintf("<available unit='bytes'>%d</available>\n", p.Available)
	if p.COW != "" {
		b.AddLit("<features>\n")
		b.AdjustIndent(2)
		b.Asprintf("<cow state='%s'/>\n", xmlbuf.Escape(p.COW))
		b.AdjustIndent(-2)
		b.AddLit("</features>\n")
	}
	p.Source.FormatTo(b, p.Type)
	if opts.flags&srcNetwork == 0 {
		b.AddLit("<target>\n")
		b.AdjustIndent(2)
		if p.Target.Path != "" {
			b.EscapeString("<path>%s</path>\n", p.Target.Path)
		}
		p.Target.Perms.format(b)
		b.AdjustIndent(-2)
		b.AddLit("</target>\n")
	}
	if p.RefreshVolumeAllocation != "" {
		b.AddLit("<refresh>\n")
		b.AdjustIndent(2)
		b.Asprintf("<volume allocation='%s'/>\n", xmlbuf.Escape(p.RefreshVolumeAllocation))
		b.AdjustIndent(-2)
		b.AddLit("</refresh>\n")
	}
	if ns != nil {
		p.formatNamespace(b, ns)
	}
	b.AdjustIndent(-2)
	b.AddLit("</pool>\n")
}

// FormatTo writes the <source> element of a pool of the given type
// (virStoragePoolSourceFormat); only the parts the type uses are written.
func (s *PoolSource) FormatTo(b *xmlbuf.Buffer, poolType string) {
	opts := optionsFor(poolType)
	b.AddLit("<source>\n")
	b.AdjustIndent(2)
	if opts.flags&srcHost != 0 {
		for _, h := range s.Hosts {
			b.EscapeString("<host name='%s'", h.Name)
			if h.Port != 0 {
				b.Attrf("port", "%d", h.Port)
			}
			b.AddLit("/>\n")
		}
	}
	if opts.flags&srcDevice != 0 {
		for _, d := range s.Devices {
			b.EscapeString("<device path='%s'", d.Path)
			b.AttrIf("part_separator", d.PartSeparator)
			if len(d.FreeExtents) == 0 {
				b.AddLit("/>\n")
				continue
			}
			b.AddLit(">\n")
			b.AdjustIndent(2)
			for _, e := range d.FreeExtents {
				b.Asprintf("<freeExtent start='%d' end='%d'/>\n", e.Start, e.End)
			}
			b.AdjustIndent(-2)
			b.AddLit("</device>\n")
		}
	}
	if opts.flags&srcDir != 0 && s.Dir != "" {
		b.EscapeString("<dir path='%s'/>\n", s.Dir)
	}
	if opts.flags&srcAdapter != 0 && s.Adapter != nil &&
		(s.Adapter.Type == AdapterFCHost || s.Adapter.Type == AdapterSCSIHost) {
		s.Adapter.format(b)
	}
	if opts.flags&srcName != 0 && s.Name != "" {
		b.EscapeString("<name>%s</name>\n", s.Name)
	}
	if opts.flags&srcInitiatorIQN != 0 && s.InitiatorIQN != "" {
		b.AddLit("<initiator>\n")
		b.AdjustIndent(2)
		b.EscapeString("<iqn name='%s'/>\n", s.InitiatorIQN)
		b.AdjustIndent(-2)
		b.AddLit("</initiator>\n")
	}
	if opts.poolFormats != nil {
		f := s.Format
		if f == "" {
			f = opts.defaultPoolFormat
		}
		b.Asprintf("<format type='%s'/>\n", xmlbuf.Escape(f))
	}
	if s.Auth != nil {
		s.Auth.FormatTo(b)
	}
	if s.ProtocolVersion != "" {
		b.EscapeString("<protocol ver='%s'/>\n", s.ProtocolVersion)
	}
	if s.Vendor != "" {
		b.EscapeString("<vendor name='%s'/>\n", s.Vendor)
	}
	if s.Product != "" {
		b.EscapeString("<product name='%s'/>\n", s.Product)
	}
	b.AdjustIndent(-2)
	b.AddLit("</source>\n")
}

// FormatSourceList writes the <sources> document that pool source
// discovery (virConnectFindStoragePoolSources) answers with
// (virStoragePoolSourceListFormat).
func FormatSourceList(poolType string, sources []PoolSource) string {
	b := xmlbuf.New()
	b.AddLit("<sources>\n")
	b.AdjustIndent(2)
	for i := range sources {
		sources[i].FormatTo(b, poolType)
	}
	b.AdjustIndent(-2)
	b.AddLit("</sources>\n")
	return b.String()
}
