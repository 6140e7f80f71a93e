package command

import (
	"strconv"

	"github.com/govirt/govirt/internal/conf/domain"
)

func init() {
	RegisterStep("serials", buildSerials)
	RegisterStep("parallels", buildParallels)
	RegisterStep("channels", buildChannels)
	RegisterStep("consoles", buildConsoles)
}

// serialDriver is qemuChrSerialTargetModel by target type, for models
// left to the default.
func serialDriver(c *domain.Device) string {
	if t := c.Child("target"); t != nil {
		if m := t.Child("model"); m != nil && m.Prop("name") != "" {
			return m.Prop("name")
		}
		switch t.Prop("type") {
		case "usb-serial":
			return "usb-serial"
		case "pci-serial":
			return "pci-serial"
		case "spapr-vio-serial":
			return "spapr-vty"
		case "isa-debug":
			return "isa-debugcon"
		}
	}
	return "isa-serial"
}

func chrPort(c *domain.Device) int64 {
	if t := c.Child("target"); t != nil {
		if v, err := strconv.ParseInt(t.Prop("port"), 10, 64); err == nil {
			return v
		}
	}
	return 0
}

// buildSerials is qemuBuildSerialCommandLine: the backend, then the
// guest device (system serials have none).
func buildSerials(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, s := range b.Def.Devices.Serials() {
		if s.Chr == nil {
			continue
		}
		if err := b.addDeviceChardev(s.Chr, "char"+s.Info.Alias, ChardevOptions{}); err != nil {
			return err
		}
		tt := chrTarget(s, "type")
		if tt == "system-serial" || tt == "sclp-serial" {
			continue
		}
		drv := serialDriver(s)
		p := NewProps().Str("driver", drv).Str("chardev", "char"+s.Info.Alias).Str("id", s.Info.Alias)
		if drv == "isa-serial" {
			p.Int("index", chrPort(s))
		}
		if err := b.addDeviceAddress(p, &s.Info, ""); err != nil {
			return err
		}
		if drv == "isa-debugcon" && !p.Has("iobase") {
			p.Int("iobase", 0x402)
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}

func buildParallels(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, s := range b.Def.Devices.Kind("parallel") {
		if s.Chr == nil {
			continue
		}
		if err := b.addDeviceChardev(s.Chr, "char"+s.Info.Alias, ChardevOptions{}); err != nil {
			return err
		}
		p := NewProps().Str("driver", "isa-parallel").Str("chardev", "char"+s.Info.Alias).Str("id", s.Info.Alias)
		if err := b.addDeviceAddress(p, &s.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}

// buildChannels is qemuBuildChannelsCommandLine (guestfwd channels are
// the core's netdev forwarding and not handled here).
// spiceAgentPort is the virtio-serial port name of the SPICE agent.
const spiceAgentPort = "com.redhat.spice.0"

func buildChannels(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, c := range b.Def.Devices.Channels() {
		if c.Chr == nil {
			continue
		}
		switch chrTarget(c, "type") {
		case "virtio":
			if c.Chr.Type != "spicevmc" || !b.spicevmcChardevLess() {
				if err := b.addDeviceChardev(c.Chr, "char"+c.Info.Alias, ChardevOptions{}); err != nil {
					return err
				}
			}
			p := NewProps().Str("driver", "virtserialport")
			if err := b.addDeviceAddress(p, &c.Info, ""); err != nil {
				return err
			}
			p.Str("chardev", "char"+c.Info.Alias).Str("id", c.Info.Alias)
			name := chrTarget(c, "name")
			if c.Chr.Type == "spicevmc" {
				// the SPICE agent's port has one name (qemuBuildVirtioSerialPortDevProps)
				if name != "" && name != spiceAgentPort {
					return Unsupported("Unsupported spicevmc target name '%s'", name)
				}
				name = spiceAgentPort
			}
			p.StrOpt("name", name)
			if err := b.AddDevice(p); err != nil {
				return err
			}
		case "guestfwd":
			if err := b.addDeviceChardev(c.Chr, "char"+c.Info.Alias, ChardevOptions{}); err != nil {
				return err
			}
			addr := chrTarget(c, "address")
			port := chrTarget(c, "port")
			// qemuBuildChannelGuestfwdNetdevProps
			fwd := NewProps().Str("str", "tcp:"+addr+":"+port+"-chardev:char"+c.Info.Alias)
			if err := b.AddNetdev(NewProps().Str("type", "user").Arr("guestfwd", Array{fwd}).Str("id", c.Info.Alias)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *Builder) spicevmcChardevLess() bool { return false }

// buildConsoles is qemuBuildConsoleCommandLine: virtio and sclp consoles
// (serial consoles are the serial ports themselves).
func buildConsoles(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, c := range b.Def.Devices.Consoles() {
		if c.Chr == nil {
			continue
		}
		var drv string
		switch chrTarget(c, "type") {
		case "virtio":
			drv = "virtconsole"
		case "sclp":
			drv = "sclpconsole"
		case "sclplm":
			drv = "sclplmconsole"
		default:
			continue
		}
		if err := b.addDeviceChardev(c.Chr, "char"+c.Info.Alias, ChardevOptions{}); err != nil {
			return err
		}
		p := NewProps().Str("driver", drv).Str("chardev", "char"+c.Info.Alias).Str("id", c.Info.Alias)
		if err := b.addDeviceAddress(p, &c.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
