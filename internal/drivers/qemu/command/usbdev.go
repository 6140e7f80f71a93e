package command

import (
	"fmt"
	"strconv"
	"strings"
)

func init() {
	RegisterStep("redirdevs", buildRedirdevs)
}

// redirFilter is the usb-redir filter string of <redirfilter>
// (qemuBuildRedirdevDevProps).
func (b *Builder) redirFilter() string {
	filters := b.Def.Devices.Kind("redirfilter")
	if len(filters) == 0 {
		return ""
	}
	var parts []string
	for _, u := range childrenNamed(filters[0], "usbdev") {
		field := func(attr, format string) string {
			v := u.Prop(attr)
			if v == "" || v == "-1" {
				return "-1:"
			}
			n, err := strconv.ParseInt(v, 0, 32)
			if err != nil {
				return "-1:"
			}
			return fmt.Sprintf(format+":", n)
		}
		version := "-1:"
		if major, minor, ok := strings.Cut(u.Prop("version"), "."); ok {
			// virDomainRedirFilterUSBVersionHelper: hex major.minor
			ma, err1 := strconv.ParseUint(major, 16, 8)
			mi, err2 := strconv.ParseUint(minor, 16, 8)
			if err1 == nil && err2 == nil {
				version = fmt.Sprintf("0x%04X:", ma<<8|mi)
			}
		}
		s := field("class", "0x%02X") + field("vendor", "0x%04X") + field("product", "0x%04X") + version
		allow := "0"
		if u.Prop("allow") == "yes" {
			allow = "1"
		}
		parts = append(parts, s+allow)
	}
	return strings.Join(parts, "|")
}

// buildRedirdevs is qemuBuildRedirdevCommandLine.
func buildRedirdevs(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, r := range b.Def.Devices.Kind("redirdev") {
		chr := "char" + r.Info.Alias
		if r.Chr != nil {
			if err := b.addDeviceChardev(r.Chr, chr, ChardevOptions{Spicevmc: "usbredir"}); err != nil {
				return err
			}
		}
		p := NewProps().Str("driver", "usb-redir").Str("chardev", chr).Str("id", r.Info.Alias).
			StrOpt("filter", b.redirFilter()).UintNZ("bootindex", bootIndex(&r.Info))
		if err := b.addDeviceAddress(p, &r.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
