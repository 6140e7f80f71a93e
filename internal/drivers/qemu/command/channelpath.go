package command

import "fmt"

func init() { RegisterPrepare(prepareChannelPaths) }

// prepareChannelPaths is qemuDomainPrepareChannel for every channel: a
// virtio channel on a unix socket without a path listens in the domain's
// channel directory, under its target name or, without one, under its
// virtio-serial address.
func prepareChannelPaths(b *Builder) error {
	if b.Def.Devices == nil || b.Ctx.ChannelTargetDir == "" {
		return nil
	}
	for _, c := range b.Def.Devices.Channels() {
		if c.Chr == nil || c.Chr.Type != "unix" || c.Chr.Path != "" || chrTarget(c, "type") != "virtio" {
			continue
		}
		if name := chrTarget(c, "name"); name != "" {
			c.Chr.Path = b.Ctx.ChannelTargetDir + "/" + name
			continue
		}
		var controller, bus, port uint64
		if a := c.Info.Address; a != nil && a.Type == "virtio-serial" {
			controller, bus, port = a.Controller, a.Bus, a.Port
		}
		c.Chr.Path = fmt.Sprintf("%s/vioser-%02d-%02d-%02d.sock", b.Ctx.ChannelTargetDir, controller, bus, port)
	}
	return nil
}
