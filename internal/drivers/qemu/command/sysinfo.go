package command

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	RegisterStep("smbios", buildSMBIOS)
	RegisterStep("sysinfo", buildSysinfoFWCfg)
	RegisterStep("vmgenid", buildVMGenID)
}

// smbiosSection formats one -smbios type=N table from entries in order;
// always lists entries printed even when empty (manufacturer of types 2
// and 3).
func smbiosSection(typ string, m map[string]string, order []string, always ...string) string {
	var s strings.Builder
	s.WriteString("type=" + typ)
	for _, k := range order {
		v, ok := m[k]
		isAlways := false
		for _, a := range always {
			if a == k {
				isAlways = true
			}
		}
		if !ok && !isAlways {
			continue
		}
		s.WriteString("," + k + "=" + EscapeComma(v))
	}
	return s.String()
}

// buildSMBIOS is qemuBuildSmbiosCommandLine.
func buildSMBIOS(b *Builder) error {
	d := b.Def
	mode := ""
	if d.OS != nil {
		mode = d.OS.SMBIOSMode
	}
	var src *domain.SysInfo
	skipUUID := false
	switch mode {
	case "", "none", "emulate":
		return nil
	case "host":
		return Unsupported("Host SMBIOS information is not available")
	case "sysinfo":
		for _, si := range d.SysInfo {
			if si.Type == "smbios" {
				src = si
				break
			}
		}
		if src == nil {
			return Errorf(virterr.XMLError, "Domain '%s' sysinfo are not available", d.Name)
		}
	}
	if src.BIOS != nil {
		b.Cmd.Arg("-smbios", smbiosSection("0", src.BIOS, []string{"vendor", "version", "date", "release"}))
	}
	if sys := src.System; sys != nil {
		order := []string{"manufacturer", "product", "version", "serial", "uuid", "sku", "family"}
		if skipUUID {
			order = []string{"manufacturer", "product", "version", "serial", "sku", "family"}
		}
		b.Cmd.Arg("-smbios", smbiosSection("1", sys, order))
	}
	if len(src.BaseBoards) > 1 {
		return Unsupported("qemu does not support more than one entry to Type 2 in SMBIOS table")
	}
	for _, bb := range src.BaseBoards {
		b.Cmd.Arg("-smbios", smbiosSection("2", bb, []string{"manufacturer", "product", "version", "serial", "asset", "location"}, "manufacturer"))
	}
	if src.Chassis != nil {
		b.Cmd.Arg("-smbios", smbiosSection("3", src.Chassis, []string{"manufacturer", "version", "serial", "asset", "sku"}, "manufacturer"))
	}
	if src.OEMStrings != nil {
		var s strings.Builder
		s.WriteString("type=11")
		for _, v := range src.OEMStrings {
			s.WriteString(",value=" + EscapeComma(v))
		}
		b.Cmd.Arg("-smbios", s.String())
	}
	return nil
}

// buildSysinfoFWCfg is qemuBuildSysinfoCommandLine: fw_cfg entries.
func buildSysinfoFWCfg(b *Builder) error {
	for _, si := range b.Def.SysInfo {
		if si.Type != "fwcfg" {
			continue
		}
		for _, e := range si.FWCfg {
			arg := "name=" + e.Name
			if e.Value != "" {
				arg += ",string=" + xmlbuf.Escape(e.Value)
			} else {
				arg += ",file=" + xmlbuf.Escape(e.File)
			}
			b.Cmd.Arg("-fw_cfg", arg)
		}
	}
	return nil
}

// buildVMGenID is qemuBuildVMGenIDCommandLine.
func buildVMGenID(b *Builder) error {
	if b.Def.GenID == nil {
		return nil
	}
	return b.AddDevice(NewProps().Str("driver", "vmgenid").Str("guid", b.Def.GenID.String()).Str("id", "vmgenid0"))
}
