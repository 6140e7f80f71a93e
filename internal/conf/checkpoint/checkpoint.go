// Package checkpoint is libvirt's domain checkpoint XML (<domaincheckpoint>,
// src/conf/checkpoint_conf.c): parse, defaults, disk alignment and canonical
// format, byte-equal to libvirt 9.0's.
package checkpoint

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// ParseFlags are libvirt's VIR_DOMAIN_CHECKPOINT_PARSE_*.
type ParseFlags uint32

const (
	// ParseRedefine reads a checkpoint being restored: name and
	// creationTime are required, parent and domain are kept.
	ParseRedefine ParseFlags = 1 << iota
)

// FormatFlags are libvirt's VIR_DOMAIN_CHECKPOINT_FORMAT_*.
type FormatFlags uint32

const (
	// FormatSecure includes secrets in the embedded domain.
	FormatSecure FormatFlags = 1 << iota
	// FormatNoDomain leaves the embedded <domain> out.
	FormatNoDomain
	// FormatSize writes each bitmap's size when it is known.
	FormatSize
)

// Checkpoint modes of a disk (<disk checkpoint='…'>).
const (
	DiskDefault = ""
	DiskNo      = "no"
	DiskBitmap  = "bitmap"
)

// Disk is one <disks>/<disk>.
type Disk struct {
	Name       string // target name or source path; "" disks are not written
	Checkpoint string // DiskNo, DiskBitmap, or DiskDefault
	Bitmap     string
	Size       uint64
	SizeValid  bool
}

// Def is one checkpoint definition.
type Def struct {
	Name         string
	Description  string
	Parent       string
	CreationTime int64
	Disks        []Disk
	Domain       *domain.Def
}

var (
	nameRE = regexp.MustCompile(`^[a-zA-Z0-9_\-][a-zA-Z0-9_\-.]*$`)
	// diskNameRE is the schema's diskTargetDev or absFilePath.
	diskNameRE = regexp.MustCompile(`^((ioemu:)?(fd|hd|sd|vd|xvd|ubd)[a-zA-Z0-9_]+|(/|[a-zA-Z]:\\).+)$`)
)

// Parse reads a <domaincheckpoint> document. libvirt always validates
// checkpoint XML against domaincheckpoint.rng, so the schema's rules on
// the checkpoint's own elements are enforced here too.
func Parse(data []byte, flags ParseFlags) (*Def, error) {
	root, err := xmltree.ParseRootFrom(data, "(domain_checkpoint)", "domaincheckpoint", virterr.FromDomainCheckpoint)
	if err != nil {
		return nil, err
	}
	return ParseNode(root, flags)
}

// ParseNode reads a <domaincheckpoint> element.
func ParseNode(n *xmltree.Node, flags ParseFlags) (*Def, error) {
	if n.Name != "domaincheckpoint" {
		return nil, virterr.NewFrom(virterr.FromDomainCheckpoint, virterr.XMLError, "domaincheckpoint")
	}
	if err := checkSchema(n); err != nil {
		return nil, err
	}
	def := &Def{}
	// libvirt's virXPathString reads an empty element as absent.
	def.Name, _ = n.ChildText("name")
	if def.Name == "" && flags&ParseRedefine != 0 {
		return nil, virterr.NewFrom(virterr.FromDomainCheckpoint, virterr.XMLError, "a redefined checkpoint must have a name")
	}
	def.Description, _ = n.ChildText("description")
	if flags&ParseRedefine != 0 {
		ct, ok := n.ChildText("creationTime")
		v, err := strconv.ParseInt(strings.TrimSpace(ct), 10, 64)
		if !ok || err != nil {
			return nil, virterr.NewFrom(virterr.FromDomainCheckpoint, virterr.InternalError, "missing creationTime from existing checkpoint")
		}
		def.CreationTime = v
		if p := n.Find("parent/name"); p != nil {
			def.Parent = p.Text
		}
		if dn := n.Child("domain"); dn != nil {
			dom, err := domain.ParseNode(dn, domain.ParseInactive)
			if err != nil {
				return nil, err
			}
			def.Domain = dom
		}
	}
	if disks := n.Child("disks"); disks != nil {
		for _, dn := range disks.Children {
			d := Disk{Name: dn.Prop("name"), Bitmap: dn.Prop("bitmap"), Checkpoint: DiskBitmap}
			if c, ok := dn.Attr("checkpoint"); ok {
				d.Checkpoint = c
			}
			def.Disks = append(def.Disks, d)
		}
	}
	return def, nil
}

// schemaPath is where libvirt keeps the checkpoint schema; its messages
// name it.
const schemaPath = "/usr/share/libvirt/schemas/domaincheckpoint.rng"

// schemaError is virXMLValidateAgainstSchema's complaint, which libvirt
// reports in VIR_FROM_XML, with libxml2's lines after it.
func schemaError(detail string) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLInvalidSchema,
		"Unable to validate doc against %s\n%s\n", schemaPath, detail)
}

// errBadSchema marks a violation inside one of the checkpoint's
// elements; libxml2 reports only which element of the interleave failed.
var errBadSchema = errors.New("schema violation")

var topElements = map[string]bool{
	"name": true, "description": true, "creationTime": true, "parent": true,
	"domain": true, "disks": true,
}

// checkSchema enforces domaincheckpoint.rng for the checkpoint's own
// elements; the embedded <domain> is the domain parser's business. The
// checkpoint's children form an interleave, so libxml2 names the child
// that broke it, whatever broke inside.
func checkSchema(n *xmltree.Node) error {
	seen := map[string]bool{}
	for _, c := range n.Children {
		if !topElements[c.Name] {
			return schemaError("Element domaincheckpoint has extra content: " + c.Name)
		}
		if seen[c.Name] || checkTopSchema(c) != nil {
			return schemaError("Extra element " + c.Name + " in interleave\nElement domaincheckpoint failed to validate content")
		}
		seen[c.Name] = true
	}
	return nil
}

func checkTopSchema(c *xmltree.Node) error {
	switch c.Name {
	case "name":
		if !nameRE.MatchString(c.Text) {
			return errBadSchema
		}
	case "creationTime":
		if _, err := strconv.ParseUint(strings.TrimSpace(c.Text), 10, 64); err != nil {
			return errBadSchema
		}
	case "parent":
		pn := c.Child("name")
		if pn == nil || len(c.Children) != 1 || !nameRE.MatchString(pn.Text) {
			return errBadSchema
		}
	case "disks":
		if len(c.Children) == 0 {
			return errBadSchema
		}
		for _, d := range c.Children {
			if err := checkDiskSchema(d); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkDiskSchema(d *xmltree.Node) error {
	if d.Name != "disk" || len(d.Children) != 0 {
		return errBadSchema
	}
	if name, ok := d.Attr("name"); !ok || !diskNameRE.MatchString(name) {
		return errBadSchema
	}
	mode, hasMode := d.Attr("checkpoint")
	for _, a := range d.Attrs {
		switch a.Name {
		case "name":
		case "checkpoint":
			if a.Value != DiskNo && a.Value != DiskBitmap {
				return errBadSchema
			}
		case "bitmap", "size":
			if hasMode && mode == DiskNo {
				return errBadSchema
			}
			if a.Name == "size" {
				if _, err := strconv.ParseUint(a.Value, 10, 64); err != nil {
					return errBadSchema
				}
			}
		default:
			return errBadSchema
		}
	}
	return nil
}

// PostParse fills in what libvirt's moment post-parse callback does for a
// new (not redefined) checkpoint: the creation time, and a name made from
// it when none was given.
func (def *Def) PostParse(now int64) {
	def.CreationTime = now
	if def.Name == "" {
		def.Name = strconv.FormatInt(now, 10)
	}
}

// DomainDisk is what disk alignment needs to know of one domain disk.
type DomainDisk struct {
	Target   string // <target dev>
	Path     string // source path, used to match disks named by path
	Empty    bool   // no media
	ReadOnly bool
}

// AlignDisks orders def.Disks like the domain's disks, filling in the
// omitted ones (bitmap for every writable disk when <disks> was omitted,
// nothing otherwise) and default bitmap names (virDomainCheckpointAlignDisks).
func (def *Def) AlignDisks(dom []DomainDisk) error {
	errf := func(code virterr.Code, format string, args ...any) error {
		return virterr.NewFrom(virterr.FromDomainCheckpoint, code, format, args...)
	}
	if len(def.Disks) > len(dom) {
		return errf(virterr.ConfigUnsupported, "too many disk checkpoint requests for domain")
	}
	if len(dom) == 0 {
		return errf(virterr.ConfigUnsupported, "domain must have at least one disk to perform checkpoints")
	}
	fallback := DiskDefault
	if len(def.Disks) == 0 {
		fallback = DiskBitmap
	}
	byTarget := map[string]Disk{}
	for _, d := range def.Disks {
		idx := diskByName(dom, d.Name)
		if idx < 0 {
			return errf(virterr.ConfigUnsupported, "no disk named '%s'", d.Name)
		}
		dd := dom[idx]
		if _, dup := byTarget[dd.Target]; dup {
			return errf(virterr.ConfigUnsupported, "disk '%s' specified twice", d.Name)
		}
		if (dd.Empty || dd.ReadOnly) && d.Checkpoint != DiskDefault && d.Checkpoint != DiskNo {
			return errf(virterr.ConfigUnsupported, "disk '%s' is empty or readonly", d.Name)
		}
		d.Name = dd.Target
		byTarget[dd.Target] = d
	}
	out := make([]Disk, len(dom))
	for i, dd := range dom {
		if d, ok := byTarget[dd.Target]; ok {
			out[i] = d
			continue
		}
		out[i].Name = dd.Target
		if dd.Empty || dd.ReadOnly {
			out[i].Checkpoint = DiskNo
		} else {
			out[i].Checkpoint = fallback
		}
	}
	def.Disks = out
	def.AssignBitmapNames()
	return nil
}

// AssignBitmapNames names every bitmap disk's bitmap after the checkpoint
// when it has no name yet.
func (def *Def) AssignBitmapNames() {
	for i := range def.Disks {
		if def.Disks[i].Checkpoint == DiskBitmap && def.Disks[i].Bitmap == "" {
			def.Disks[i].Bitmap = def.Name
		}
	}
}

func diskByName(dom []DomainDisk, name string) int {
	for i, d := range dom {
		if d.Target == name {
			return i
		}
	}
	for i, d := range dom {
		if d.Path != "" && d.Path == name {
			return i
		}
	}
	return -1
}

// Validate checks what libvirt checks before taking or redefining a
// checkpoint without a domain to align against.
func (def *Def) Validate() error {
	if def.Name != "" && !nameRE.MatchString(def.Name) {
		return virterr.NewFrom(virterr.FromDomainCheckpoint, virterr.InvalidArg, "invalid checkpoint name '%s'", def.Name)
	}
	for _, d := range def.Disks {
		if d.Checkpoint != DiskDefault && d.Checkpoint != DiskNo && d.Checkpoint != DiskBitmap {
			return virterr.NewFrom(virterr.FromDomainCheckpoint, virterr.ConfigUnsupported, "unknown checkpoint type '%s'", d.Checkpoint)
		}
	}
	return nil
}

// Format writes the checkpoint as libvirt does.
func (def *Def) Format(flags FormatFlags) string {
	b := xmlbuf.New()
	def.FormatTo(b, flags)
	return b.String()
}

// FormatTo writes the checkpoint into b at b's indentation.
func (def *Def) FormatTo(b *xmlbuf.Buffer, flags FormatFlags) {
	b.AddLit("<domaincheckpoint>\n")
	b.AdjustIndent(2)
	if def.Name != "" {
		b.EscapeString("<name>%s</name>\n", def.Name)
	}
	if def.Description != "" {
		b.EscapeString("<description>%s</description>\n", def.Description)
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
	var disks []Disk
	for _, d := range def.Disks {
		if d.Name != "" {
			disks = append(disks, d)
		}
	}
	if len(def.Disks) > 0 {
		b.AddLit("<disks>\n")
		b.AdjustIndent(2)
		for _, d := range disks {
			b.EscapeString("<disk name='%s'", d.Name)
			if d.Checkpoint != DiskDefault {
				b.Attr("checkpoint", d.Checkpoint)
			}
			if d.Bitmap != "" {
				b.Attr("bitmap", d.Bitmap)
				if flags&FormatSize != 0 && d.SizeValid {
					b.Attrf("size", "%d", d.Size)
				}
			}
			b.AddLit("/>\n")
		}
		b.AdjustIndent(-2)
		b.AddLit("</disks>\n")
	}
	if def.Domain != nil && flags&FormatNoDomain == 0 {
		df := domain.FormatInactive
		if flags&FormatSecure != 0 {
			df |= domain.FormatSecure
		}
		def.Domain.FormatTo(b, df)
	}
	b.AdjustIndent(-2)
	b.AddLit("</domaincheckpoint>\n")
}
