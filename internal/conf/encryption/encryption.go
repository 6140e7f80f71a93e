// Package encryption reads and writes the <encryption> element that storage
// volumes and disk sources carry (libvirt's storage_encryption_conf.c):
//
//	<encryption format='luks' engine='qemu'>
//	  <secret type='passphrase' uuid='…'/>
//	  <cipher name='aes' size='256' mode='cbc' hash='sha256'/>
//	  <ivgen name='plain64' hash='sha256'/>
//	</encryption>
package encryption

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/secret"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Formats libvirt 9.0 knows (virStorageEncryptionFormat).
const (
	FormatDefault = "default"
	FormatQcow    = "qcow"
	FormatLUKS    = "luks"
	FormatLUKS2   = "luks2"
)

// Engines libvirt 9.0 knows; "" is the default engine (not written).
const (
	EngineQemu   = "qemu"
	EngineLibrbd = "librbd"
)

// SecretPassphrase is the only secret type libvirt knows.
const SecretPassphrase = "passphrase"

// Secret is one <secret type='passphrase' uuid|usage='…'/>.
type Secret struct {
	Type   string
	Lookup secret.Lookup
}

// Cipher is LUKS's <cipher name size mode hash/>.
type Cipher struct {
	Name string
	Size uint32
	Mode string
	Hash string
}

// Ivgen is LUKS's <ivgen name hash/>.
type Ivgen struct {
	Name string
	Hash string
}

// Def is one <encryption> element.
type Def struct {
	// FormatType is the format attribute: the on-disk encryption scheme.
	FormatType string
	Engine     string
	Secrets    []Secret
	// Cipher and Ivgen are only read and written for the "luks" format, as
	// libvirt does; Ivgen requires Cipher.
	Cipher *Cipher
	Ivgen  *Ivgen
}

// Parse reads a document whose root is <encryption>.
func Parse(data []byte) (*Def, error) {
	root, err := xmltree.ParseRootFrom(data, "(encryption_definition)", "encryption", virterr.FromStorage)
	if err != nil {
		return nil, err
	}
	return ParseNode(root)
}

// ParseNode reads an <encryption> element (virStorageEncryptionParseNode).
func ParseNode(n *xmltree.Node) (*Def, error) {
	d := &Def{}
	d.FormatType = n.Prop("format")
	if d.FormatType == "" {
		return nil, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "unknown volume encryption format")
	}
	if e, ok := n.Attr("engine"); ok {
		// "default" is the absence of the attribute; libvirt refuses it
		// spelled out (VIR_XML_PROP_NONZERO).
		if e == "" || e == "default" {
			return nil, xmlHelperError("Invalid value for attribute 'engine' in element 'encryption': '%s'.", e)
		}
		d.Engine = e
	}
	for _, sn := range n.ChildrenNamed("secret") {
		s := Secret{Type: sn.Prop("type")}
		if s.Type == "" {
			return nil, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "unknown volume encryption secret type")
		}
		l, err := secret.ParseLookup(sn)
		if err != nil {
			return nil, err
		}
		s.Lookup = l
		d.Secrets = append(d.Secrets, s)
	}
	if d.FormatType != FormatLUKS {
		return d, nil
	}
	if cn := n.Child("cipher"); cn != nil {
		c := &Cipher{}
		var ok bool
		if c.Name, ok = cn.Attr("name"); !ok {
			return nil, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "cipher info missing 'name' attribute")
		}
		size, ok := cn.Attr("size")
		if !ok {
			return nil, xmlHelperError("Missing required attribute 'size' in element 'cipher'")
		}
		v, err := parseUint(size, 32)
		if err != nil {
			return nil, xmlHelperError("Invalid value for attribute 'size' in element 'cipher': '%s'. Expected non-negative integer value", size)
		}
		c.Size = uint32(v)
		c.Mode = cn.Prop("mode")
		c.Hash = cn.Prop("hash")
		d.Cipher = c
	}
	if in := n.Child("ivgen"); in != nil {
		if d.Cipher == nil {
			return nil, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "ivgen element found, but cipher is missing")
		}
		iv := &Ivgen{}
		var ok bool
		if iv.Name, ok = in.Attr("name"); !ok {
			return nil, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "missing ivgen info name string")
		}
		iv.Hash = in.Prop("hash")
		d.Ivgen = iv
	}
	return d, nil
}

// parseUint reads an unsigned decimal as libvirt's virStrToLong_uip does:
// leading white space allowed, no sign, nothing after the digits.
func parseUint(s string, bits int) (uint64, error) {
	t := strings.TrimLeft(s, " \t\n\r\v\f")
	if strings.HasPrefix(t, "+") {
		t = t[1:]
	}
	return strconv.ParseUint(t, 10, bits)
}

// Validate rejects the formats, engines and secret types libvirt 9.0 does
// not know; libvirt's parser refuses them with VIR_ERR_CONFIG_UNSUPPORTED.
func (d *Def) Validate() error {
	switch d.FormatType {
	case FormatDefault, FormatQcow, FormatLUKS, FormatLUKS2:
	default:
		return virterr.NewFrom(virterr.FromStorage, virterr.ConfigUnsupported, "unknown volume encryption format type %s", d.FormatType)
	}
	switch d.Engine {
	case "", EngineQemu, EngineLibrbd:
	default:
		return xmlHelperError("Invalid value for attribute 'engine' in element 'encryption': '%s'.", d.Engine)
	}
	for _, s := range d.Secrets {
		if s.Type != SecretPassphrase {
			return virterr.NewFrom(virterr.FromStorage, virterr.ConfigUnsupported, "unknown volume encryption secret type %s", s.Type)
		}
	}
	return nil
}

// FormatTo writes the element into b at b's indentation
// (virStorageEncryptionFormat).
func (d *Def) FormatTo(b *xmlbuf.Buffer) {
	b.Asprintf("<encryption format='%s'", xmlbuf.Escape(d.FormatType))
	if d.Engine != "" {
		b.Attr("engine", d.Engine)
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	for _, s := range d.Secrets {
		secret.FormatLookup(b, s.Type, s.Lookup)
	}
	if d.FormatType == FormatLUKS && d.Cipher != nil {
		c := d.Cipher
		b.EscapeString("<cipher name='%s'", c.Name)
		b.Attrf("size", "%d", c.Size)
		if c.Mode != "" {
			b.Attr("mode", c.Mode)
		}
		if c.Hash != "" {
			b.Attr("hash", c.Hash)
		}
		b.AddLit("/>\n")
		if d.Ivgen != nil {
			b.EscapeString("<ivgen name='%s'", d.Ivgen.Name)
			if d.Ivgen.Hash != "" {
				b.Attr("hash", d.Ivgen.Hash)
			}
			b.AddLit("/>\n")
		}
	}
	b.AdjustIndent(-2)
	b.AddLit("</encryption>\n")
}

// Format returns the element at no indentation.
func (d *Def) Format() string {
	b := xmlbuf.New()
	d.FormatTo(b)
	return b.String()
}

// xmlHelperError is an error raised inside libvirt's XML helpers
// (virxml.c: virXMLProp*), which report in error domain VIR_FROM_XML
// rather than virstorageencryption.c's VIR_FROM_STORAGE.
func xmlHelperError(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromXML, virterr.XMLError, format, args...)
}
