package conformance

import "github.com/govirt/govirt/internal/drivers/qemu/command"

// qemuTestDeviceConfig are the qemu.conf settings of the devices'
// consumers (TLS of character devices and network disks, automatic
// display sockets) that qemuxml2argvtest.c changes around particular
// tests; they join qemuTestConfig.
var qemuTestDeviceConfig = map[string]func(*command.Context){}

func init() {
	diskTLS := func(c *command.Context) {
		cfg := command.TLSConfigOf(c)
		cfg.VxHSTLS = true
		cfg.NBDSecretUUID = "6fd3f62d-9fe7-4a4e-a869-7acd6376d8ea"
		cfg.VxHSSecretUUID = "6fd3f62d-9fe7-4a4e-a869-7acd6376d8ea"
		c.TLS = &cfg
	}
	for _, name := range []string{"disk-network-tlsx509-nbd", "disk-network-tlsx509-nbd-hostname", "disk-network-tlsx509-vxhs", "disk-network-http"} {
		qemuTestDeviceConfig[name] = diskTLS
	}
	chardevTLS := func(verify bool, secret string) func(*command.Context) {
		return func(c *command.Context) {
			cfg := command.TLSConfigOf(c)
			cfg.ChardevTLS, cfg.ChardevVerify, cfg.ChardevSecretUUID = true, verify, secret
			c.TLS = &cfg
		}
	}
	qemuTestDeviceConfig["serial-tcp-tlsx509-chardev"] = chardevTLS(false, "")
	qemuTestDeviceConfig["serial-tcp-tlsx509-chardev-verify"] = chardevTLS(true, "")
	qemuTestDeviceConfig["serial-tcp-tlsx509-chardev-notls"] = chardevTLS(false, "")
	qemuTestDeviceConfig["serial-tcp-tlsx509-secret-chardev"] = chardevTLS(false, "6fd3f62d-9fe7-4a4e-a869-7acd6376d8ea")

	autoSocket := func(vnc bool) func(*command.Context) {
		return func(c *command.Context) {
			g := command.TestGraphicsConfig()
			if vnc {
				g.VNCAutoUnixSocket = true
			} else {
				g.SpiceAutoUnixSocket = true
			}
			c.Graphics = g
		}
	}
	qemuTestDeviceConfig["graphics-vnc-auto-socket-cfg"] = autoSocket(true)
	qemuTestDeviceConfig["graphics-spice-auto-socket-cfg"] = autoSocket(false)

	for name, set := range qemuTestDeviceConfig {
		prev, set := qemuTestConfig[name], set
		qemuTestConfig[name] = func(c *command.Context) {
			if prev != nil {
				prev(c)
			}
			set(c)
		}
	}
}
