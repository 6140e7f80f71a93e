// Package domain is libvirt's domain XML: parse (syntax only), defaults,
// validation and canonical format, byte-equal to libvirt 9.0's.
//
// The top level of <domain> (metadata, memory, vcpus, tuning, os, features,
// cpu, clock, lifecycle, security labels …) lives in this file and its
// neighbours; everything under <devices> lives in devices.go and the
// per-device files it dispatches to.
package domain

import (
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

// ParseFlags select how a document is read (libvirt's VIR_DOMAIN_DEF_PARSE_*).
type ParseFlags uint32

const (
	// ParseInactive reads a persistent config: live-only data (ids, device
	// aliases, runtime state) is ignored.
	ParseInactive ParseFlags = 1 << iota
	// ParseStatus reads a daemon's status file, keeping runtime state.
	ParseStatus
)

// FormatFlags select what is written (libvirt's VIR_DOMAIN_DEF_FORMAT_*).
type FormatFlags uint32

const (
	// FormatInactive writes the persistent config (no id, no live state).
	FormatInactive FormatFlags = 1 << iota
	// FormatSecure includes secrets (passwords) in the output.
	FormatSecure
	// FormatStatus writes a status file, with runtime state.
	FormatStatus
	// FormatMigratable drops data that must not cross hosts.
	FormatMigratable
)

// Def is one domain definition.
type Def struct {
	Type string // <domain type='…'>
	ID   int    // -1 when inactive
	Name string

	Devices *Devices
}

// Parse reads a <domain> document.
func Parse(data []byte, flags ParseFlags) (*Def, error) {
	root, err := xmltree.ParseRoot(data, "(domain_definition)", "domain")
	if err != nil {
		return nil, err
	}
	return ParseNode(root, flags)
}

// ParseNode reads a <domain> element (also embedded in snapshots and status files).
func ParseNode(n *xmltree.Node, flags ParseFlags) (*Def, error) {
	d := &Def{ID: -1, Type: n.Prop("type")}
	d.Name, _ = n.ChildText("name")
	devs, err := parseDevices(n.Child("devices"), flags)
	if err != nil {
		return nil, err
	}
	d.Devices = devs
	return d, nil
}

// Format writes the definition as libvirt does.
func (d *Def) Format(flags FormatFlags) string {
	b := xmlbuf.New()
	d.FormatTo(b, flags)
	return b.String()
}

// FormatTo writes the definition into b at b's indentation.
func (d *Def) FormatTo(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Asprintf("<domain type='%s'>\n", xmlbuf.Escape(d.Type))
	b.AdjustIndent(2)
	b.EscapeString("<name>%s</name>\n", d.Name)
	d.Devices.format(b, flags)
	b.AdjustIndent(-2)
	b.Add("</domain>\n")
}
