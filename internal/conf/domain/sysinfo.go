package domain

import (
	"regexp"

	"github.com/govirt/govirt/internal/conf/uuid"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// SysInfo is one <sysinfo>: SMBIOS tables (type smbios) or firmware
// configuration files (type fwcfg).
type SysInfo struct {
	Type string

	// SMBIOS sections; each maps an entry name to its value.
	BIOS       map[string]string
	System     map[string]string
	BaseBoards []map[string]string
	Chassis    map[string]string
	OEMStrings []string

	// FWCfg are the fwcfg entries, in document order.
	FWCfg []FWCfgEntry
}

// FWCfgEntry is one <sysinfo type='fwcfg'><entry>.
type FWCfgEntry struct {
	Name, File, Value string
}

// The print order of each SMBIOS section's entries; entries with other
// names are not read.
var (
	sysinfoBIOSOrder      = []string{"vendor", "version", "date", "release"}
	sysinfoSystemOrder    = []string{"manufacturer", "product", "version", "serial", "uuid", "sku", "family"}
	sysinfoBaseBoardOrder = []string{"manufacturer", "product", "version", "serial", "asset", "location"}
	sysinfoChassisOrder   = []string{"manufacturer", "version", "serial", "asset", "sku"}
)

func parseSysInfoSection(n *xmltree.Node, order []string) map[string]string {
	if n == nil {
		return nil
	}
	m := map[string]string{}
	for _, name := range order {
		for _, e := range n.ChildrenNamed("entry") {
			if e.Prop("name") == name {
				if e.Text != "" {
					m[name] = e.Text
				}
				break
			}
		}
	}
	return m
}

func parseSysInfo(n *xmltree.Node) *SysInfo {
	s := &SysInfo{Type: n.Prop("type")}
	switch s.Type {
	case "smbios":
		s.BIOS = parseSysInfoSection(n.Child("bios"), sysinfoBIOSOrder)
		s.System = parseSysInfoSection(n.Child("system"), sysinfoSystemOrder)
		// libvirt writes the system uuid in canonical form.
		if u, ok := s.systemUUID(); ok {
			s.System["uuid"] = u.String()
		}
		for _, bb := range n.ChildrenNamed("baseBoard") {
			s.BaseBoards = append(s.BaseBoards, parseSysInfoSection(bb, sysinfoBaseBoardOrder))
		}
		s.Chassis = parseSysInfoSection(n.Child("chassis"), sysinfoChassisOrder)
		if o := n.Child("oemStrings"); o != nil {
			for _, e := range o.ChildrenNamed("entry") {
				s.OEMStrings = append(s.OEMStrings, e.Text)
			}
		}
	case "fwcfg":
		for _, e := range n.ChildrenNamed("entry") {
			s.FWCfg = append(s.FWCfg, FWCfgEntry{Name: e.Prop("name"), File: e.Prop("file"), Value: e.Text})
		}
	}
	return s
}

var biosDate = regexp.MustCompile(`^\d\d/\d\d/(\d\d|\d\d\d\d)$`)

// systemUUID is the SMBIOS system uuid, when it is a valid UUID.
func (s *SysInfo) systemUUID() (uuid.UUID, bool) {
	v, ok := s.System["uuid"]
	if !ok {
		return uuid.UUID{}, false
	}
	u, err := uuid.Parse(v)
	return u, err == nil
}

func (s *SysInfo) validate(domainUUID uuid.UUID) error {
	if err := checkEnum("sysinfo", "type", s.Type, "smbios", "fwcfg"); err != nil {
		return err
	}
	if v, ok := s.System["uuid"]; ok {
		u, err := uuid.Parse(v)
		if err != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "%s", "malformed <sysinfo> uuid element")
		}
		if u != domainUUID {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "%s", "UUID mismatch between <uuid> and <sysinfo>")
		}
	}
	if d, ok := s.BIOS["date"]; ok && !biosDate.MatchString(d) {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLDetail, "%s", "Invalid BIOS 'date' format")
	}
	for _, e := range s.FWCfg {
		if e.Name == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Firmware entry must have either name attribute")
		}
		if e.File == "" && e.Value == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Firmware entry %s must have either value or 'file' attribute", e.Name)
		}
		if e.File != "" && e.Value != "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "Firmware entry %s must have either value or 'file' attribute", e.Name)
		}
	}
	return nil
}

func formatSysInfoSection(b *xmlbuf.Buffer, name string, m map[string]string, order []string) {
	c := b.Child()
	for _, k := range order {
		if v, ok := m[k]; ok {
			c.Asprintf("<entry name='%s'>%s</entry>\n", k, xmlbuf.Escape(v))
		}
	}
	b.FormatElement(name, nil, c)
}

func (s *SysInfo) format(b *xmlbuf.Buffer) {
	attrs := xmlbuf.New()
	attrs.Attr("type", s.Type)
	c := b.Child()
	switch s.Type {
	case "smbios":
		formatSysInfoSection(c, "bios", s.BIOS, sysinfoBIOSOrder)
		formatSysInfoSection(c, "system", s.System, sysinfoSystemOrder)
		for _, bb := range s.BaseBoards {
			formatSysInfoSection(c, "baseBoard", bb, sysinfoBaseBoardOrder)
		}
		formatSysInfoSection(c, "chassis", s.Chassis, sysinfoChassisOrder)
		if len(s.OEMStrings) > 0 {
			c.AddLit("<oemStrings>\n")
			c.AdjustIndent(2)
			for _, o := range s.OEMStrings {
				c.Asprintf("<entry>%s</entry>\n", xmlbuf.Escape(o))
			}
			c.AdjustIndent(-2)
			c.AddLit("</oemStrings>\n")
		}
	case "fwcfg":
		for _, e := range s.FWCfg {
			c.AddLit("<entry")
			c.AttrIf("name", e.Name)
			c.AttrIf("file", e.File)
			if e.Value != "" {
				c.Asprintf(">%s</entry>\n", xmlbuf.Escape(e.Value))
			} else {
				c.AddLit("/>\n")
			}
		}
	}
	b.FormatElementAlways("sysinfo", attrs, c)
}
