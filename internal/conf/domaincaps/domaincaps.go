// Package domaincaps is libvirt's domain capabilities XML
// (<domainCapabilities>, src/conf/domain_capabilities.c): what one
// emulator, machine type and virtualization type offer to domains — vCPU
// limits, firmware, CPU modes, memory backing, the values each device
// type accepts, and guest features such as GIC, SEV and SGX. libvirt only
// writes this document; Parse reads it back (for clients and tests) and
// Format reproduces libvirt's output byte for byte.
//
// Most of the document is "supported" blocks listing the values an
// attribute may take (<enum name='bus'><value>virtio</value>…</enum>).
// They are modelled generically as Block and Enum, so device types and
// features libvirt adds later survive a parse/format cycle.
package domaincaps

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Caps is one domain capabilities document.
type Caps struct {
	Path    string
	Domain  string // virtualization type: kvm, qemu, bhyve, xen, …
	Machine string
	Arch    string
	// MaxVCPUs is <vcpu max>; 0 when not reported.
	MaxVCPUs uint64
	// IOThreads is <iothreads supported>: "yes", "no" or "" (not reported).
	IOThreads     string
	OS            *Block
	CPU           *CPU
	MemoryBacking *Block
	// Devices are the <devices> blocks (disk, graphics, video, hostdev,
	// rng, filesystem, tpm, redirdev, channel, …) in document order.
	Devices []*Block
	// Features are the <features> blocks (gic, vmcoreinfo, genid,
	// backingStoreInput, backup, async-teardown, s390-pv, sev, sgx,
	// hyperv, …) in document order; nil Features means no <features>.
	Features []*Block
}

// Block is an element reporting whether something is supported and, when
// it is, the values it accepts.
type Block struct {
	Name      string
	Supported string // "yes" or "no"
	// Values are plain <value> children (the firmware paths of <loader>).
	Values []string
	Enums  []Enum
	// Blocks are nested supported-blocks (<os> holds <loader>).
	Blocks []*Block
	// Other are the remaining children, kept as they came (the details
	// of <sev> and <sgx>).
	Other []*xmltree.Node
	// Simple marks a feature libvirt writes as <name supported='yes'/>
	// without children (qemuDomainCapsFeatureFormatSimple); other blocks
	// that are supported always get an open and a close tag.
	Simple bool
}

// Enum is <enum name='…'> with its accepted values.
type Enum struct {
	Name   string
	Values []string
}

// simpleFeatures are written as <x supported='…'/> whatever their support.
var simpleFeatures = map[string]bool{
	"iothreads": true, "vmcoreinfo": true, "genid": true, "backingStoreInput": true,
	"backup": true, "async-teardown": true, "s390-pv": true,
}

func errf(code virterr.Code, format string, args ...any) error {
	return virterr.NewFrom(virterr.FromCapabilities, code, format, args...)
}

// Parse reads a <domainCapabilities> document.
func Parse(data []byte) (*Caps, error) {
	root, err := xmltree.ParseRootFrom(data, "(domain_capabilities)", "domainCapabilities", virterr.FromCapabilities)
	if err != nil {
		return nil, err
	}
	return ParseNode(root)
}

// ParseNode reads a <domainCapabilities> element.
func ParseNode(n *xmltree.Node) (*Caps, error) {
	c := &Caps{}
	for _, ch := range n.Children {
		switch ch.Name {
		case "path":
			c.Path = ch.Text
		case "domain":
			c.Domain = ch.Text
		case "machine":
			c.Machine = ch.Text
		case "arch":
			c.Arch = ch.Text
		case "vcpu":
			v, err := strconv.ParseUint(strings.TrimSpace(ch.Prop("max")), 10, 64)
			if err != nil {
				return nil, errf(virterr.XMLError, "invalid vcpu max '%s'", ch.Prop("max"))
			}
			c.MaxVCPUs = v
		case "iothreads":
			c.IOThreads = ch.Prop("supported")
		case "os":
			c.OS = parseBlock(ch)
		case "cpu":
			cpu, err := parseCPU(ch)
			if err != nil {
				return nil, err
			}
			c.CPU = cpu
		case "memoryBacking":
			c.MemoryBacking = parseBlock(ch)
		case "devices":
			c.Devices = []*Block{}
			for _, d := range ch.Children {
				c.Devices = append(c.Devices, parseBlock(d))
			}
		case "features":
			c.Features = []*Block{}
			for _, f := range ch.Children {
				c.Features = append(c.Features, parseBlock(f))
			}
		}
	}
	return c, nil
}

func parseBlock(n *xmltree.Node) *Block {
	b := &Block{Name: n.Name, Supported: n.Prop("supported")}
	b.Simple = simpleFeatures[n.Name] || (len(n.Children) == 0 && n.Parent != nil && n.Parent.Name == "features" && b.Supported == "yes")
	for _, c := range n.Children {
		switch {
		case c.Name == "value":
			b.Values = append(b.Values, c.Text)
		case c.Name == "enum":
			b.Enums = append(b.Enums, parseEnum(c))
		case c.Name == "loader":
			b.Blocks = append(b.Blocks, parseBlock(c))
		default:
			b.Other = append(b.Other, c)
		}
	}
	return b
}

func parseEnum(n *xmltree.Node) Enum {
	e := Enum{Name: n.Prop("name")}
	for _, v := range n.ChildrenNamed("value") {
		e.Values = append(e.Values, v.Text)
	}
	return e
}

// Enum returns the block's enum called name, or nil.
func (b *Block) Enum(name string) *Enum {
	for i := range b.Enums {
		if b.Enums[i].Name == name {
			return &b.Enums[i]
		}
	}
	return nil
}

// Format writes the document as libvirt does (virDomainCapsFormat).
func (c *Caps) Format() string {
	b := xmlbuf.New()
	b.AddLit("<domainCapabilities>\n")
	b.AdjustIndent(2)
	b.EscapeString("<path>%s</path>\n", c.Path)
	b.EscapeString("<domain>%s</domain>\n", c.Domain)
	if c.Machine != "" {
		b.EscapeString("<machine>%s</machine>\n", c.Machine)
	}
	b.EscapeString("<arch>%s</arch>\n", c.Arch)
	if c.MaxVCPUs != 0 {
		b.Asprintf("<vcpu max='%d'/>\n", c.MaxVCPUs)
	}
	if c.IOThreads != "" {
		b.EscapeString("<iothreads supported='%s'/>\n", c.IOThreads)
	}
	c.OS.format(b)
	if c.CPU != nil {
		c.CPU.format(b)
	}
	c.MemoryBacking.format(b)
	if c.Devices != nil {
		b.AddLit("<devices>\n")
		b.AdjustIndent(2)
		for _, d := range c.Devices {
			d.format(b)
		}
		b.AdjustIndent(-2)
		b.AddLit("</devices>\n")
	}
	if c.Features != nil {
		children := b.Child()
		for _, f := range c.Features {
			f.format(children)
		}
		b.FormatElement("features", nil, children)
	}
	b.AdjustIndent(-2)
	b.AddLit("</domainCapabilities>\n")
	return b.String()
}

// format writes a block (libvirt's FORMAT_PROLOGUE/FORMAT_EPILOGUE, or
// qemuDomainCapsFeatureFormatSimple for simple features); nothing when
// support is not reported.
func (blk *Block) format(b *xmlbuf.Buffer) {
	if blk == nil || blk.Supported == "" {
		return
	}
	b.Add("<" + blk.Name)
	b.Attr("supported", blk.Supported)
	if blk.Supported != "yes" || blk.Simple {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	for _, v := range blk.Values {
		b.EscapeString("<value>%s</value>\n", v)
	}
	for _, e := range blk.Enums {
		e.format(b)
	}
	for _, sub := range blk.Blocks {
		sub.format(b)
	}
	for _, o := range blk.Other {
		b.FormatNode(o)
	}
	b.AdjustIndent(-2)
	b.Add("</" + blk.Name + ">\n")
}

// format writes an enum (virDomainCapsEnumFormat).
func (e *Enum) format(b *xmlbuf.Buffer) {
	b.EscapeString("<enum name='%s'", e.Name)
	if len(e.Values) == 0 {
		b.AddLit("/>\n")
		return
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	for _, v := range e.Values {
		b.EscapeString("<value>%s</value>\n", v)
	}
	b.AdjustIndent(-2)
	b.AddLit("</enum>\n")
}
