package secret

import (
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// LookupKind says how a Lookup names its secret.
type LookupKind int

const (
	LookupNone LookupKind = iota
	LookupUUID
	LookupUsage
)

// Lookup is a reference to a secret by UUID or by usage name, as it appears
// in `<secret uuid='…'/>` or `<secret usage='…'/>` inside disk, pool auth
// and encryption elements (libvirt's virSecretLookupTypeDef).
type Lookup struct {
	Kind  LookupKind
	UUID  uuid.UUID
	Usage string
}

// ParseLookup reads the uuid or usage attribute of a secret element; exactly
// one of the two must be present (virSecretLookupParseSecret).
func ParseLookup(n *xmltree.Node) (Lookup, error) {
	u, hasUUID := n.Attr("uuid")
	usage, hasUsage := n.Attr("usage")
	switch {
	case !hasUUID && !hasUsage:
		return Lookup{}, virterr.New(virterr.XMLError, "missing secret uuid or usage attribute")
	case hasUUID && hasUsage:
		return Lookup{}, virterr.New(virterr.XMLError, "either secret uuid or usage expected")
	case hasUUID:
		id, err := uuid.Parse(u)
		if err != nil {
			return Lookup{}, virterr.New(virterr.XMLError, "invalid secret uuid '%s'", u)
		}
		return Lookup{Kind: LookupUUID, UUID: id}, nil
	}
	return Lookup{Kind: LookupUsage, Usage: usage}, nil
}

// FormatLookup writes `<secret type='…' uuid|usage='…'/>`; secretType ""
// leaves the type attribute out (virSecretLookupFormatSecret).
func FormatLookup(b *xmlbuf.Buffer, secretType string, l Lookup) {
	if secretType != "" {
		b.Asprintf("<secret type='%s'", xmlbuf.Escape(secretType))
	} else {
		b.AddLit("<secret")
	}
	switch l.Kind {
	case LookupUUID:
		b.Asprintf(" uuid='%s'/>\n", l.UUID.String())
	case LookupUsage:
		b.EscapeString(" usage='%s'/>\n", l.Usage)
	default:
		b.AddLit("/>\n")
	}
}
