// Package secret reads and writes libvirt's secret XML (secret_conf.c) and
// the secret references other documents carry (virsecret.c's lookup).
//
//	<secret ephemeral='no' private='yes'>
//	  <uuid>…</uuid>
//	  <description>…</description>
//	  <usage type='ceph'><name>client.admin secret</name></usage>
//	</secret>
package secret

import (
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Usage types libvirt 9.0 knows (virSecretUsageType).
const (
	UsageNone   = "none"
	UsageVolume = "volume"
	UsageCeph   = "ceph"
	UsageISCSI  = "iscsi"
	UsageTLS    = "tls"
	UsageVTPM   = "vtpm"
)

// Def is one <secret> document.
type Def struct {
	Ephemeral bool
	Private   bool
	// UUID is meaningful when HasUUID; SetDefaults generates one otherwise.
	UUID        uuid.UUID
	HasUUID     bool
	Description string // "" when absent: libvirt treats empty as absent
	// UsageType is "" without a <usage> element; an unknown type is kept
	// for Validate to refuse.
	UsageType string
	// UsageID is the volume path, ceph/tls/vtpm name or iSCSI target.
	UsageID string
}

// usageElement names the child of <usage> carrying the usage ID.
func usageElement(usageType string) string {
	switch usageType {
	case UsageVolume:
		return "volume"
	case UsageISCSI:
		return "target"
	case UsageCeph, UsageTLS, UsageVTPM:
		return "name"
	}
	return ""
}

// usageMissing is libvirt's wording when a usage lacks its ID.
var usageMissing = map[string]string{
	UsageVolume: "volume usage specified, but volume path is missing",
	UsageCeph:   "Ceph usage specified, but name is missing",
	UsageISCSI:  "iSCSI usage specified, but target is missing",
	UsageTLS:    "TLS usage specified, but name is missing",
	UsageVTPM:   "vTPM usage specified, but name is missing",
}

// Parse reads a secret document (virSecretDefParseString without
// generating a missing UUID; see SetDefaults).
func Parse(data []byte) (*Def, error) {
	root, err := xmltree.ParseFrom(data, "(definition_of_secret)", virterr.FromSecret)
	if err != nil {
		return nil, err
	}
	if root.Name != "secret" {
		return nil, virterr.NewFrom(virterr.FromSecret, virterr.XMLError, "unexpected root element <%s>, expecting <secret>", root.Name)
	}
	d := &Def{}
	for _, yn := range []struct {
		name string
		dst  *bool
	}{{"ephemeral", &d.Ephemeral}, {"private", &d.Private}} {
		v := root.Prop(yn.name)
		switch v {
		case "":
		case "yes":
			*yn.dst = true
		case "no":
			*yn.dst = false
		default:
			return nil, virterr.NewFrom(virterr.FromSecret, virterr.XMLError, "invalid value of '%s'", yn.name)
		}
	}
	if s, _ := root.ChildText("uuid"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromSecret, virterr.InternalError, "malformed uuid element")
		}
		d.UUID, d.HasUUID = id, true
	}
	d.Description, _ = root.ChildText("description")
	if un := root.Child("usage"); un != nil {
		d.UsageType = un.Prop("type")
		if d.UsageType == "" {
			return nil, virterr.NewFrom(virterr.FromSecret, virterr.XMLError, "unknown secret usage type")
		}
		if el := usageElement(d.UsageType); el != "" {
			d.UsageID, _ = un.ChildText(el)
			if d.UsageID == "" {
				return nil, virterr.NewFrom(virterr.FromSecret, virterr.InternalError, "%s", usageMissing[d.UsageType])
			}
		}
	}
	return d, nil
}

// SetDefaults gives a secret without a UUID a fresh one, as libvirt's
// parser does.
func (d *Def) SetDefaults() {
	if !d.HasUUID {
		d.UUID, d.HasUUID = uuid.New(), true
	}
}

// Validate refuses usage types libvirt does not know.
func (d *Def) Validate() error {
	switch d.UsageType {
	case "", UsageNone, UsageVolume, UsageCeph, UsageISCSI, UsageTLS, UsageVTPM:
		return nil
	}
	return virterr.NewFrom(virterr.FromSecret, virterr.ConfigUnsupported, "unknown secret usage type %s", d.UsageType)
}

// Format writes the document (virSecretDefFormat).
func (d *Def) Format() string {
	b := xmlbuf.New()
	b.Asprintf("<secret ephemeral='%s' private='%s'>\n", yesNo(d.Ephemeral), yesNo(d.Private))
	b.AdjustIndent(2)
	b.Asprintf("<uuid>%s</uuid>\n", d.UUID.String())
	if d.Description != "" {
		b.EscapeString("<description>%s</description>\n", d.Description)
	}
	if d.UsageType != "" && d.UsageType != UsageNone {
		el := usageElement(d.UsageType)
		if el == "" {
			// an unknown type (refused by Validate) has no ID to write
			b.EscapeString("<usage type='%s'/>\n", d.UsageType)
		} else {
			b.EscapeString("<usage type='%s'>\n", d.UsageType)
			b.AdjustIndent(2)
			b.Asprintf("<%s>%s</%s>\n", el, xmlbuf.Escape(d.UsageID), el)
			b.AdjustIndent(-2)
			b.AddLit("</usage>\n")
		}
	}
	b.AdjustIndent(-2)
	b.AddLit("</secret>\n")
	return b.String()
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
