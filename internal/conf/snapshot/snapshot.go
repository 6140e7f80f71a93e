// Package snapshot is libvirt's domain snapshot XML (<domainsnapshot>,
// src/conf/snapshot_conf.c and moment_conf.c): parse, defaults, disk
// alignment and canonical format, byte-equal to libvirt 9.0's.
package snapshot

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/units"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// ParseFlags are libvirt's VIR_DOMAIN_SNAPSHOT_PARSE_*.
type ParseFlags uint32

const (
	// ParseRedefine reads a snapshot being restored: name, state and
	// creationTime are required; parent, domain and inactiveDomain are kept.
	ParseRedefine ParseFlags = 1 << iota
	// ParseDisks reads <disks> (always done; kept for libvirt's flag set).
	ParseDisks
	// ParseInternal reads the daemon's own saved state, with <active>.
	ParseInternal
	// ParseOffline reads a snapshot of a shut-off domain.
	ParseOffline
	// ParseValidate checks the document against domainsnapshot.rng's
	// rules for the snapshot's own elements.
	ParseValidate
)

// FormatFlags are libvirt's VIR_DOMAIN_SNAPSHOT_FORMAT_*.
type FormatFlags uint32

const (
	// FormatSecure includes secrets in the embedded domain.
	FormatSecure FormatFlags = 1 << iota
	// FormatInternal writes <active>, for the daemon's saved state.
	FormatInternal
	// FormatCurrent marks the snapshot current (<active>1</active>).
	FormatCurrent
)

// Snapshot locations (<memory snapshot>, <disk snapshot>); "" is the default.
const (
	LocationDefault  = ""
	LocationNo       = "no"
	LocationInternal = "internal"
	LocationExternal = "external"
	LocationManual   = "manual"
)

// States a snapshot records (virDomainSnapshotState).
var states = []string{"nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended", "disk-snapshot"}

// Disk is one <disks>/<disk>.
type Disk struct {
	Name     string
	Snapshot string // a Location*
	Source   *Source
}

// Def is one snapshot definition.
type Def struct {
	Name         string
	Description  string
	State        string // "" when not recorded
	Parent       string
	CreationTime int64
	Memory       string // a Location*
	MemoryFile   string
	Disks        []Disk
	// Domain is the domain's definition when the snapshot was taken;
	// DomainUUID is all an old snapshot recorded of it (<domain><uuid>).
	Domain     *domain.Def
	DomainUUID string
	// InactiveDomain is the persistent definition of a running domain.
	InactiveDomain *domain.Def
	// Cookie is the hypervisor's opaque save cookie (<cookie>).
	Cookie *xmltree.Node
	// Current is what an internal parse read from <active>.
	Current bool
}

func errf(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromDomainSnapshot, code, format, args...)
}

// errInvalidProp is virXMLPropEnum's complaint about a value outside the
// enum; libvirt's XML helpers report in VIR_FROM_XML, not in
// snapshot_conf.c's VIR_FROM_DOMAIN_SNAPSHOT.
func errInvalidProp(elem, attr, value string) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError, "Invalid value for attribute '%s' in element '%s': '%s'.", attr, elem, value)
}

// knownMemoryLocation reports the memory snapshot modes libvirt's parser
// takes (manual is refused on its own).
func knownMemoryLocation(l string) bool {
	switch l {
	case LocationDefault, LocationNo, LocationInternal, LocationExternal:
		return true
	}
	return false
}

// Parse reads a <domainsnapshot> document.
func Parse(data []byte, flags ParseFlags) (*Def, error) {
	root, err := xmltree.ParseRootFrom(data, "(domain_snapshot)", "domainsnapshot", virterr.FromDomainSnapshot)
	if err != nil {
		return nil, err
	}
	return ParseNode(root, flags)
}

// ParseNode reads a <domainsnapshot> element (virDomainSnapshotDefParse).
func ParseNode(n *xmltree.Node, flags ParseFlags) (*Def, error) {
	if n.Name != "domainsnapshot" {
		return nil, errf(virterr.XMLError, "domainsnapshot")
	}
	if flags&ParseValidate != 0 {
		if err := checkSchema(n); err != nil {
			return nil, err
		}
	}
	redefine := flags&ParseRedefine != 0
	offline := flags&ParseOffline != 0
	def := &Def{}
	def.Name, _ = n.ChildText("name")
	if def.Name == "" && redefine {
		return nil, errf(virterr.XMLError, "a redefined snapshot must have a name")
	}
	def.Description, _ = n.ChildText("description")

	if redefine {
		ct, _ := n.ChildText("creationTime")
		v, err := strconv.ParseInt(strings.TrimSpace(ct), 10, 64)
		if err != nil {
			return nil, errf(virterr.InternalError, "missing creationTime from existing snapshot")
		}
		def.CreationTime = v
		if p := n.Find("parent/name"); p != nil {
			def.Parent = p.Text
		}
		def.State, _ = n.ChildText("state")
		if def.State == "" {
			return nil, errf(virterr.XMLError, "missing state from existing snapshot")
		}
		offline = def.State == "shutoff" || def.State == "disk-snapshot"

		// Older snapshots recorded only <domain><uuid>, without a type.
		if dn := n.Child("domain"); dn != nil {
			if _, typed := dn.Attr("type"); typed {
				dom, err := domain.ParseNode(dn, domain.ParseInactive)
				if err != nil {
					return nil, err
				}
				def.Domain = dom
			} else {
				def.DomainUUID, _ = dn.ChildText("uuid")
			}
		}
		if in := n.Child("inactiveDomain"); in != nil {
			dom, err := domain.ParseNode(in, domain.ParseInactive)
			if err != nil {
				return nil, err
			}
			def.InactiveDomain = dom
		}
	}

	if mn := n.Child("memory"); mn != nil {
		def.MemoryFile = mn.Prop("file")
		def.Memory = mn.Prop("snapshot")
		if def.Memory == "default" {
			return nil, errInvalidProp("memory", "snapshot", def.Memory)
		}
		if def.Memory == LocationManual {
			return nil, errf(virterr.XMLError, "'manual' memory snapshot mode not supported")
		}
	}
	if def.Memory == LocationDefault {
		switch {
		case def.MemoryFile != "":
			def.Memory = LocationExternal
		case redefine && offline:
			def.Memory = LocationNo
		case redefine:
			def.Memory = LocationInternal
		}
	}
	// An unknown mode is kept for Validate to refuse, before what
	// depends on the mode.
	if def.MemoryFile != "" && def.Memory != LocationExternal && knownMemoryLocation(def.Memory) {
		return nil, errf(virterr.XMLError, "memory filename '%s' requires external snapshot", def.MemoryFile)
	}
	if def.MemoryFile == "" && def.Memory == LocationExternal {
		return nil, errf(virterr.XMLError, "external memory snapshots require a filename")
	}
	if offline && def.Memory != LocationDefault && def.Memory != LocationNo && knownMemoryLocation(def.Memory) {
		return nil, errf(virterr.XMLError, "memory state cannot be saved with offline or disk-only snapshot")
	}

	if disks := n.Child("disks"); disks != nil {
		for _, dn := range disks.Children {
			d, err := parseDisk(dn)
			if err != nil {
				return nil, err
			}
			def.Disks = append(def.Disks, *d)
		}
	}

	if flags&ParseInternal != 0 {
		at, _ := n.ChildText("active")
		v, err := strconv.Atoi(strings.TrimSpace(at))
		if err != nil {
			return nil, errf(virterr.InternalError, "Could not find 'active' element")
		}
		def.Current = v != 0
	}
	if !offline {
		def.Cookie = n.Child("cookie")
	}
	return def, nil
}

// parseDisk reads one snapshot <disk> (virDomainSnapshotDiskDefParseXML).
func parseDisk(n *xmltree.Node) (*Disk, error) {
	name, ok := n.Attr("name")
	if !ok {
		return nil, errf(virterr.InternalError, "missing name from disk snapshot element")
	}
	d := &Disk{Name: name, Snapshot: n.Prop("snapshot")}
	if d.Snapshot == "default" {
		return nil, errInvalidProp("disk", "snapshot", d.Snapshot)
	}
	typ := "file"
	if t, ok := n.Attr("type"); ok {
		typ = t
	}
	if typ == "none" || typ == "" {
		return nil, errInvalidProp("disk", "type", typ)
	}
	if typ == "volume" || typ == "dir" {
		return nil, errf(virterr.XMLError, "unsupported disk snapshot type '%s'", typ)
	}
	src, err := parseSource(n.Child("source"), typ)
	if err != nil {
		return nil, err
	}
	if dr := n.Child("driver"); dr != nil {
		src.Format = dr.Prop("type")
		if ms := dr.Find("metadata_cache/max_size"); ms != nil {
			v, err := parseScaledValue(ms.Text, ms.Prop("unit"), "./driver/metadata_cache/max_size")
			if err != nil {
				return nil, err
			}
			src.MetadataCacheMaxSize = v
		}
	}
	if src.relative() {
		return nil, errf(virterr.XMLError, "disk snapshot image path '%s' must be absolute", src.path())
	}
	if d.Snapshot == LocationDefault && (src.path() != "" || src.Format != "") {
		d.Snapshot = LocationExternal
	}
	d.Source = src
	return d, nil
}

// PostParse fills in what libvirt's moment post-parse callback does for a
// new (not redefined) snapshot: the creation time, and a name made from it
// when none was given.
func (def *Def) PostParse(now int64) {
	def.CreationTime = now
	if def.Name == "" {
		def.Name = strconv.FormatInt(now, 10)
	}
}

// storageFormats are the image formats a snapshot may be written in
// (virStorageFileFormat, without "none").
var storageFormats = map[string]bool{
	"raw": true, "dir": true, "bochs": true, "cloop": true, "dmg": true, "iso": true,
	"vpc": true, "vdi": true, "fat": true, "vhd": true, "ploop": true, "cow": true,
	"qcow": true, "qcow2": true, "qed": true, "vmdk": true,
}

// diskTypes are the storage types a snapshot disk may name
// (virStorageType without "none").
var diskTypes = map[string]bool{
	"file": true, "block": true, "dir": true, "network": true, "volume": true,
	"nvme": true, "vhostuser": true, "vdpa": true,
}

// netProtocols are virStorageNetProtocol's names.
var netProtocols = map[string]bool{
	"none": true, "nbd": true, "rbd": true, "sheepdog": true, "gluster": true,
	"iscsi": true, "http": true, "https": true, "ftp": true, "ftps": true,
	"tftp": true, "ssh": true, "vxhs": true, "nfs": true,
}

// Validate checks the values libvirt's parser rejects but this package
// keeps, for use before a snapshot is taken.
func (def *Def) Validate() error {
	if def.State != "" {
		known := false
		for _, s := range states[1:] {
			known = known || s == def.State
		}
		if !known {
			return errf(virterr.ConfigUnsupported, "Invalid state '%s' in domain snapshot XML", def.State)
		}
	}
	if !knownMemoryLocation(def.Memory) {
		return errInvalidProp("memory", "snapshot", def.Memory)
	}
	if def.MemoryFile != "" && !strings.HasPrefix(def.MemoryFile, "/") {
		return errf(virterr.XMLError, "memory snapshot file path (%s) must be absolute", def.MemoryFile)
	}
	for _, d := range def.Disks {
		switch d.Snapshot {
		case LocationDefault, LocationNo, LocationInternal, LocationExternal, LocationManual:
		default:
			return errInvalidProp("disk", "snapshot", d.Snapshot)
		}
		if !diskTypes[d.Source.Type] {
			return errInvalidProp("disk", "type", d.Source.Type)
		}
		if d.Source.Type == "network" {
			p, ok := "", false
			for _, a := range d.Source.Attrs {
				if a.Name == "protocol" {
					p, ok = a.Value, true
				}
			}
			if !ok {
				return virterr.NewFrom(virterr.FromXML, virterr.XMLError, "Missing required attribute 'protocol' in element 'source'")
			}
			if !netProtocols[p] {
				return errInvalidProp("source", "protocol", p)
			}
		}
		if f := d.Source.Format; f != "" && !storageFormats[f] {
			return errf(virterr.ConfigUnsupported, "unknown disk snapshot driver '%s'", f)
		}
	}
	return nil
}

// FormatOptions say what to write besides the definition.
type FormatOptions struct {
	Flags FormatFlags
	// DomainUUID is written as <domain><uuid> when the snapshot holds no
	// domain definition; when empty, def.DomainUUID is used.
	DomainUUID string
}

// Format writes the snapshot as libvirt does (virDomainSnapshotDefFormat).
func (def *Def) Format(opts FormatOptions) string {
	b := xmlbuf.New()
	def.FormatTo(b, opts)
	return b.String()
}

// FormatTo writes the snapshot into b at b's indentation.
func (def *Def) FormatTo(b *xmlbuf.Buffer, opts FormatOptions) {
	domFlags := domain.FormatInactive
	if opts.Flags&FormatSecure != 0 {
		domFlags |= domain.FormatSecure
	}
	b.AddLit("<domainsnapshot>\n")
	b.AdjustIndent(2)
	if def.Name != "" {
		b.EscapeString("<name>%s</name>\n", def.Name)
	}
	if def.Description != "" {
		b.EscapeString("<description>%s</description>\n", def.Description)
	}
	if def.State != "" {
		b.EscapeString("<state>%s</state>\n", def.State)
	}
	if def.Parent != "" {
		b.AddLit("<parent>\n")
		b.AdjustIndent(2)
		b.EscapeString("<name>%s</name>\n", def.Parent)
		b.AdjustIndent(-2)
		b.AddLit("</parent>\n")
	}
	if def.CreationTime != 0 {
		b.Asprintf("<creationTime>%d</creationTime>\n", def.CreationTime)
	}
	if def.Memory != "" {
		b.EscapeString("<memory snapshot='%s'", def.Memory)
		b.AttrIf("file", def.MemoryFile)
		b.AddLit("/>\n")
	}
	if len(def.Disks) > 0 {
		b.AddLit("<disks>\n")
		b.AdjustIndent(2)
		for i := range def.Disks {
			def.Disks[i].format(b)
		}
		b.AdjustIndent(-2)
		b.AddLit("</disks>\n")
	}
	uuid := opts.DomainUUID
	if uuid == "" {
		uuid = def.DomainUUID
	}
	if def.Domain != nil {
		def.Domain.FormatTo(b, domFlags)
	} else if uuid != "" {
		b.AddLit("<domain>\n")
		b.AdjustIndent(2)
		b.EscapeString("<uuid>%s</uuid>\n", uuid)
		b.AdjustIndent(-2)
		b.AddLit("</domain>\n")
	}
	if def.InactiveDomain != nil {
		formatRenamed(b, def.InactiveDomain, domFlags, "inactiveDomain")
	}
	if def.Cookie != nil {
		b.AddLit("<cookie>\n")
		b.AdjustIndent(2)
		for _, c := range def.Cookie.Children {
			b.FormatNode(c)
		}
		b.AdjustIndent(-2)
		b.AddLit("</cookie>\n")
	}
	if opts.Flags&FormatInternal != 0 {
		active := 0
		if opts.Flags&FormatCurrent != 0 {
			active = 1
		}
		b.Asprintf("<active>%d</active>\n", active)
	}
	b.AdjustIndent(-2)
	b.AddLit("</domainsnapshot>\n")
}

// formatRenamed writes a domain definition under another root element name
// (virDomainDefFormatInternalSetRootName).
func formatRenamed(b *xmlbuf.Buffer, dom *domain.Def, flags domain.FormatFlags, root string) {
	tmp := xmlbuf.New()
	tmp.SetIndent(b.Indent())
	dom.FormatTo(tmp, flags)
	s := tmp.String()
	pad := strings.Repeat(" ", b.Indent())
	if strings.HasPrefix(s, pad+"<domain") {
		s = pad + "<" + root + s[len(pad)+len("<domain"):]
	}
	if strings.HasSuffix(s, pad+"</domain>\n") {
		s = s[:len(s)-len("</domain>\n")] + "</" + root + ">\n"
	}
	out := xmlbuf.New()
	out.AddLit(s)
	b.AddBuffer(out)
}

// format writes one snapshot disk (virDomainSnapshotDiskDefFormat).
func (d *Disk) format(b *xmlbuf.Buffer) {
	attrs := b.Inherit()
	children := b.Child()
	attrs.Attr("name", d.Name)
	if d.Snapshot != "" {
		attrs.Attr("snapshot", d.Snapshot)
	}
	if s := d.Source; s != nil && (s.path() != "" || s.Format != "") {
		attrs.Attr("type", s.Type)
		dattrs := children.Inherit()
		dchildren := children.Child()
		dattrs.AttrIf("type", s.Format)
		if s.MetadataCacheMaxSize > 0 {
			mc := dchildren.Child()
			mc.Asprintf("<max_size unit='bytes'>%d</max_size>\n", s.MetadataCacheMaxSize)
			dchildren.FormatElement("metadata_cache", nil, mc)
		}
		children.FormatElement("driver", dattrs, dchildren)
		s.format(children)
	}
	b.FormatElement("disk", attrs, children)
}

// parseScaledValue is virParseScaledValue for an optional size in bytes:
// an empty text is absent (0); a text that is not a plain decimal number
// is refused in VIR_FROM_XML, naming the XPath libvirt's caller gives.
func parseScaledValue(text, unit, xpath string) (uint64, error) {
	if text == "" {
		return 0, nil
	}
	t := strings.TrimPrefix(strings.TrimLeft(text, " \t\n\v\f\r"), "+")
	if t == "" || t[0] < '0' || t[0] > '9' {
		return 0, virterr.NewFrom(virterr.FromXML, virterr.XMLError, "Invalid value '%s' for element or attribute '%s'", text, xpath)
	}
	v, err := strconv.ParseUint(t, 10, 64)
	if err != nil {
		return 0, virterr.NewFrom(virterr.FromXML, virterr.XMLError, "Invalid value '%s' for element or attribute '%s'", text, xpath)
	}
	return units.Scale(v, unit, 1, 0)
}
