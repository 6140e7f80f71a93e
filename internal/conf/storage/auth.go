package storage

import (
	"github.com/govirt/govirt/internal/conf/secret"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Auth types (virStorageAuthType); "" is none.
const (
	AuthCHAP = "chap"
	AuthCeph = "ceph"
)

// Auth is an <auth> element of a pool source or a disk source
// (storage_source_conf.c's virStorageAuthDef):
//
//	<auth type='chap' username='admin'><secret uuid='…'/></auth>
type Auth struct {
	// Type is the pool's auth type; disks leave it "" and use SecretType.
	Type     string
	Username string
	// SecretType is the <secret type='…'> a disk names ("iscsi", "ceph").
	SecretType string
	Secret     secret.Lookup
}

// ParseAuth reads an <auth> element (virStorageAuthDefParse).
func ParseAuth(n *xmltree.Node) (*Auth, error) {
	a := &Auth{Username: n.Prop("username")}
	if a.Username == "" {
		return nil, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "missing username for auth")
	}
	a.Type = n.Prop("type")
	sn := n.Child("secret")
	if sn == nil {
		// virStorageAuthDefParse refuses an unknown type before a
		// missing secret.
		if err := a.Validate(); err != nil {
			return nil, err
		}
		return nil, virterr.NewFrom(virterr.FromStorage, virterr.XMLError, "Missing <secret> element in auth")
	}
	a.SecretType = sn.Prop("type")
	l, err := secret.ParseLookup(sn)
	if err != nil {
		return nil, err
	}
	a.Secret = l
	return a, nil
}

// Validate refuses auth types libvirt does not know.
func (a *Auth) Validate() error {
	switch a.Type {
	case "", "none", AuthCHAP, AuthCeph:
		return nil
	}
	return virterr.NewFrom(virterr.FromStorage, virterr.ConfigUnsupported, "unknown auth type '%s'", a.Type)
}

// FormatTo writes the element into b (virStorageAuthDefFormat).
func (a *Auth) FormatTo(b *xmlbuf.Buffer) {
	if a.Type == "" || a.Type == "none" {
		b.EscapeString("<auth username='%s'>\n", a.Username)
	} else {
		b.Asprintf("<auth type='%s' ", xmlbuf.Escape(a.Type))
		b.EscapeString("username='%s'>\n", a.Username)
	}
	b.AdjustIndent(2)
	secret.FormatLookup(b, a.SecretType, a.Secret)
	b.AdjustIndent(-2)
	b.AddLit("</auth>\n")
}
