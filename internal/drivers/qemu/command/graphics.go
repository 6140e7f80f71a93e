package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

func init() {
	RegisterStep("graphics", buildGraphics)
	RegisterPrepare(prepareGraphics)
	RegisterValidator(validateGraphicsCount)
}

// GraphicsConfig is the part of qemu.conf the displays depend on.
type GraphicsConfig struct {
	VNCListen, SpiceListen string
	VNCPassword            bool // vnc_password is set
	VNCTLS                 bool
	VNCTLSDir              string
	VNCTLSVerify           bool
	VNCSASL                bool
	VNCSASLDir             string
	SpicePassword          bool // spice_password is set
	SpiceTLS               bool
	SpiceTLSDir            string
	SpiceSASL              bool
	SpiceSASLDir           string
	// VNCTLSSecretUUID is vnc_tls_x509_secret_uuid: the secret holding
	// the password of the server key.
	VNCTLSSecretUUID string
	// VNCAutoUnixSocket and SpiceAutoUnixSocket are *_auto_unix_socket:
	// a listen without address becomes a socket in the domain's
	// directory.
	VNCAutoUnixSocket, SpiceAutoUnixSocket bool
	// RemotePortMin is the first port handed to automatic VNC and SPICE
	// displays, WebSocketPortMin the first VNC websocket port.
	RemotePortMin, WebSocketPortMin int
	// RenderNode is the host's DRM render node used for OpenGL displays
	// that name none (virHostGetDRMRenderNode).
	RenderNode string
	// Pretend builds a command line for a QEMU that is not started
	// (VIR_QEMU_PROCESS_START_PRETEND: libvirt's tests, domxml-to-native):
	// no port is reserved, an automatic VNC display is given 5900 and an
	// automatic SPICE display 5901 and 5902.
	Pretend bool
}

// TestGraphicsConfig is libvirt's test configuration (qemuxml2argvtest.c
// and its mocks): default listen addresses, SPICE TLS with a password,
// ports from 5900 and the mocked render node.
func TestGraphicsConfig() *GraphicsConfig {
	return &GraphicsConfig{
		VNCListen:        "127.0.0.1",
		SpiceListen:      "127.0.0.1",
		VNCTLSDir:        "/etc/pki/libvirt-vnc",
		VNCTLSVerify:     true,
		SpicePassword:    true,
		SpiceTLS:         true,
		SpiceTLSDir:      "/etc/pki/libvirt-spice",
		RemotePortMin:    5900,
		WebSocketPortMin: 5700,
		RenderNode:       "/dev/dri/foo",
		Pretend:          true,
	}
}

// Ports qemuProcessGraphicsAllocatePorts gives automatic displays when
// nothing is reserved.
const (
	pretendVNCPort      = 5900
	pretendSpicePort    = 5901
	pretendSpiceTLSPort = 5902
)

// graphicsConfig is the display configuration of the build, with the
// qemu.conf SASL and VNC TLS settings the context carries.
func (b *Builder) graphicsConfig() *GraphicsConfig {
	c := b.Ctx.Graphics
	if c == nil {
		c = TestGraphicsConfig()
	}
	cfg := *c
	ctx := b.Ctx
	if ctx.VNCSASL {
		cfg.VNCSASL, cfg.VNCSASLDir = true, ctx.VNCSASLDir
	}
	if ctx.SpiceSASL {
		cfg.SpiceSASL, cfg.SpiceSASLDir = true, ctx.SpiceSASLDir
	}
	if ctx.VNCTLS {
		cfg.VNCTLS, cfg.VNCTLSVerify = true, ctx.VNCTLSx509Verify
	}
	if ctx.VNCTLSx509SecretUUID != "" {
		cfg.VNCTLSSecretUUID = ctx.VNCTLSx509SecretUUID
	}
	return &cfg
}

// validateGraphicsCount is qemuBuildCommandLineValidate's display check.
func validateGraphicsCount(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	count := map[string]int{}
	for _, g := range b.Def.Devices.Graphics() {
		count[g.Attr("type")]++
		if gr := g.Graphics(); gr != nil && len(gr.Listens) > 1 {
			return Unsupported("QEMU does not support multiple listens for one graphics device.")
		}
	}
	for _, t := range []string{"sdl", "vnc", "spice", "egl-headless", "dbus"} {
		if count[t] > 1 {
			return Unsupported("only 1 graphics device of each type (sdl, vnc, spice, headless, dbus) is supported")
		}
	}
	// qemuValidateDomainDeviceDefGraphics: egl-headless only pairs with
	// the remote displays.
	if count["egl-headless"] > 0 {
		for _, g := range b.Def.Devices.Graphics() {
			switch g.Attr("type") {
			case "egl-headless", "vnc", "spice":
			default:
				return Unsupported("graphics type 'egl-headless' is only supported with one of: 'vnc', 'spice' graphics types")
			}
		}
	}
	return nil
}

// prepareGraphics is qemuProcessPrepareGraphics/qemuProcessGraphicsSetup*:
// automatic ports, default listen addresses, generated socket paths and
// the render node of OpenGL displays.
func prepareGraphics(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	cfg := b.graphicsConfig()
	port := cfg.RemotePortMin
	wsPort := cfg.WebSocketPortMin
	for _, dev := range b.Def.Devices.Graphics() {
		g := dev.Graphics()
		if g == nil {
			continue
		}
		switch g.Type {
		case "vnc":
			setupListen(g, cfg.VNCListen, cfg.VNCAutoUnixSocket, b.Ctx.LibDir+"/vnc.sock")
			if g.AutoPort && usesNetworkListen(g) {
				if cfg.Pretend {
					g.Port = pretendVNCPort
				} else {
					g.Port = port
					port++
				}
			}
			if g.Websocket == -1 {
				g.Websocket = wsPort
				wsPort++
			}
		case "spice":
			setupListen(g, cfg.SpiceListen, cfg.SpiceAutoUnixSocket, b.Ctx.LibDir+"/spice.sock")
			if g.AutoPort && usesNetworkListen(g) {
				needTLS, needPlain := spiceNeededPorts(dev, cfg)
				if needPlain && g.Port <= 0 {
					if cfg.Pretend {
						g.Port = pretendSpicePort
					} else {
						g.Port = port
						port++
					}
				}
				if needTLS && g.TLSPort <= 0 {
					if cfg.Pretend {
						g.TLSPort = pretendSpiceTLSPort
					} else {
						g.TLSPort = port
						port++
					}
				}
			}
			if gl := dev.Child("gl"); gl != nil && gl.Prop("enable") == "yes" && gl.Prop("rendernode") == "" {
				setSubElementAttr(gl, "rendernode", cfg.RenderNode)
			}
		case "egl-headless":
			if gl := dev.Child("gl"); gl == nil {
				dev.SetChild(domain.NewNode("gl", "rendernode", cfg.RenderNode))
			} else if gl.Prop("rendernode") == "" {
				setSubElementAttr(gl, "rendernode", cfg.RenderNode)
			}
		}
	}
	return nil
}

// setSubElementAttr sets an attribute of a sub-element in place, the way
// libvirt's start-time preparation fills in defaults.
func setSubElementAttr(n *xmltree.Node, name, value string) {
	for i, a := range n.Attrs {
		if a.Name == name {
			n.Attrs[i].Value = value
			return
		}
	}
	n.Attrs = append(n.Attrs, xmltree.Attr{Name: name, Value: value})
}

func usesNetworkListen(g *domain.Graphics) bool {
	if len(g.Listens) == 0 {
		return true
	}
	t := g.Listens[0].Type
	return t == "address" || t == "network"
}

// setupListen is qemuProcessGraphicsSetupListen for the first listen:
// an address listen without address takes the configured socket or
// address.
func setupListen(g *domain.Graphics, defaultAddr string, autoSocket bool, socket string) {
	if len(g.Listens) == 0 {
		return
	}
	l := g.Listens[0]
	switch l.Type {
	case "address":
		if l.Address == "" {
			if autoSocket {
				*l = domain.GraphicsListen{Type: "socket", Socket: socket}
			} else {
				l.Address = defaultAddr
			}
		}
	case "socket":
		if l.Socket == "" {
			l.Socket = socket
		}
	}
}

// spiceChannelNames are VIR_DOMAIN_GRAPHICS_SPICE_CHANNEL in enum order.
var spiceChannelNames = []string{"main", "display", "inputs", "cursor", "playback", "record", "smartcard", "usbredir"}

// spiceChannelModes maps channel names to their configured modes.
func spiceChannelModes(dev *domain.Device) map[string]string {
	m := map[string]string{}
	for _, c := range childrenNamed(dev, "channel") {
		m[c.Prop("name")] = c.Prop("mode")
	}
	return m
}

// spiceNeededPorts is qemuProcessSPICEAllocatePorts' choice of ports.
func spiceNeededPorts(dev *domain.Device, cfg *GraphicsConfig) (tls, plain bool) {
	modes := spiceChannelModes(dev)
	check := func(mode string) {
		switch mode {
		case "secure":
			tls = true
		case "insecure":
			plain = true
		default:
			if cfg.SpiceTLS {
				tls = true
			}
			plain = true
		}
	}
	for _, name := range spiceChannelNames {
		check(modes[name])
	}
	check(dev.Attr("defaultMode"))
	return tls, plain
}

// graphicsAudioID is the -audiodev id a display uses: its <audio id>, or
// the first audio backend (virDomainDefFindAudioByID with no id).
func (b *Builder) graphicsAudioID(dev *domain.Device) (string, error) {
	id := ""
	if a := dev.Child("audio"); a != nil {
		id = a.Prop("id")
	}
	for _, a := range b.Def.Devices.Kind("audio") {
		if id == "" || id == "0" || a.Attr("id") == id {
			return "audio" + a.Attr("id"), nil
		}
	}
	return "", Internal("unable to find audio backend for sound device")
}

func buildGraphics(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, dev := range b.Def.Devices.Graphics() {
		var err error
		switch dev.Attr("type") {
		case "sdl":
			err = b.buildSDL(dev)
		case "vnc":
			err = b.buildVNC(dev)
		case "spice":
			err = b.buildSpice(dev)
		case "egl-headless":
			opt := "egl-headless"
			if gl := dev.Child("gl"); gl != nil && gl.Prop("rendernode") != "" {
				opt += ",rendernode=" + EscapeComma(gl.Prop("rendernode"))
			}
			b.Cmd.Arg("-display", opt)
		case "dbus":
			err = b.buildDBusDisplay(dev)
		default:
			return Unsupported("unsupported graphics type '%s'", dev.Attr("type"))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// buildSDL is qemuBuildGraphicsSDLCommandLine.
func (b *Builder) buildSDL(dev *domain.Device) error {
	if v := dev.Attr("xauth"); v != "" {
		b.Cmd.SetEnv("XAUTHORITY", v)
	}
	if v := dev.Attr("display"); v != "" {
		b.Cmd.SetEnv("DISPLAY", v)
	}
	if dev.Attr("fullscreen") == "yes" {
		b.Cmd.Arg("-full-screen")
	}
	opt := "sdl"
	if gl := dev.Child("gl"); gl != nil {
		if v := switchText(gl.Prop("enable")); v != "" {
			opt += ",gl=" + v
		}
	}
	b.Cmd.Arg("-display", opt)
	return nil
}

// buildVNC is qemuBuildGraphicsVNCCommandLine.
func (b *Builder) buildVNC(dev *domain.Device) error {
	g := dev.Graphics()
	cfg := b.graphicsConfig()
	audio, err := b.graphicsAudioID(dev)
	if err != nil {
		return err
	}
	if len(g.Listens) == 0 {
		return Internal("missing listen element")
	}
	var opt strings.Builder
	l := g.Listens[0]
	switch l.Type {
	case "socket":
		opt.WriteString("vnc=unix:" + EscapeComma(l.Socket))
	case "address", "network":
		if !g.AutoPort && (g.Port < 5900 || g.Port > 65535) {
			return Unsupported("vnc port must be in range [5900,65535]")
		}
		if l.Address != "" {
			if strings.Contains(l.Address, ":") {
				opt.WriteString("[" + l.Address + "]")
			} else {
				opt.WriteString(l.Address)
			}
		}
		fmt.Fprintf(&opt, ":%d", g.Port-5900)
		if g.Websocket != 0 {
			fmt.Fprintf(&opt, ",websocket=%d", g.Websocket)
		}
	case "none":
		opt.WriteString("none")
	}
	if v := dev.Attr("sharePolicy"); v != "" {
		opt.WriteString(",share=" + v)
	}
	if dev.Attr("passwd") != "" || cfg.VNCPassword {
		opt.WriteString(",password=on")
	}
	if cfg.VNCTLS {
		alias := "vnc-tls-creds0"
		secretAlias := ""
		if cfg.VNCTLSSecretUUID != "" {
			secretAlias = alias + "-secret0"
			obj, err := b.secretObject(secretAlias, secretRefByUUID(cfg.VNCTLSSecretUUID))
			if err != nil {
				return err
			}
			if err := b.AddObject(obj); err != nil {
				return err
			}
		}
		if err := b.AddObject(tlsX509Props(cfg.VNCTLSDir, true, cfg.VNCTLSVerify, alias, secretAlias)); err != nil {
			return err
		}
		opt.WriteString(",tls-creds=" + alias)
	}
	// SASL_CONF_PATH is part of the environment the build sets up front.
	if cfg.VNCSASL {
		opt.WriteString(",sasl=on")
	}
	switch dev.Attr("powerControl") {
	case "yes":
		opt.WriteString(",power-control=on")
	case "no":
		opt.WriteString(",power-control=off")
	}
	opt.WriteString(",audiodev=" + audio)
	b.Cmd.Arg("-vnc", opt.String())
	if k := dev.Attr("keymap"); k != "" {
		b.Cmd.Arg("-k", k)
	}
	return nil
}

// buildSpice is qemuBuildGraphicsSPICECommandLine.
func (b *Builder) buildSpice(dev *domain.Device) error {
	g := dev.Graphics()
	cfg := b.graphicsConfig()
	if len(g.Listens) == 0 {
		return Internal("missing listen element")
	}
	var opt strings.Builder
	hasSecure, hasInsecure := false, false
	l := g.Listens[0]
	switch l.Type {
	case "socket":
		opt.WriteString("unix,addr=" + EscapeComma(l.Socket) + ",")
		hasInsecure = true
	case "address", "network":
		if g.Port > 0 {
			fmt.Fprintf(&opt, "port=%d,", g.Port)
			hasInsecure = true
		}
		if g.TLSPort > 0 {
			fmt.Fprintf(&opt, "tls-port=%d,", g.TLSPort)
			hasSecure = true
		}
		if (g.Port > 0 || g.TLSPort > 0) && l.Address != "" {
			opt.WriteString("addr=" + l.Address + ",")
		}
	case "none":
		opt.WriteString("port=0,")
		hasInsecure = true
	}
	if cfg.SpiceSASL {
		opt.WriteString("sasl=on,")
	}
	if m := dev.Child("mouse"); m != nil {
		switch m.Prop("mode") {
		case "server":
			opt.WriteString("agent-mouse=off,")
		case "client":
			opt.WriteString("agent-mouse=on,")
		}
	}
	if dev.Attr("passwd") == "" && !cfg.SpicePassword {
		opt.WriteString("disable-ticketing=on,")
	}
	if hasSecure {
		opt.WriteString("x509-dir=" + EscapeComma(cfg.SpiceTLSDir) + ",")
	}
	switch dev.Attr("defaultMode") {
	case "secure":
		if !hasSecure {
			return Unsupported("spice defaultMode secure requested in XML configuration, but TLS connection is not available")
		}
		opt.WriteString("tls-channel=default,")
	case "insecure":
		if !hasInsecure {
			return Unsupported("spice defaultMode insecure requested in XML configuration, but plaintext connection is not available")
		}
		opt.WriteString("plaintext-channel=default,")
	}
	modes := spiceChannelModes(dev)
	for _, name := range spiceChannelNames {
		switch modes[name] {
		case "secure":
			if !hasSecure {
				return Unsupported("spice secure channels set in XML configuration, but TLS connection is not available")
			}
			opt.WriteString("tls-channel=" + name + ",")
		case "insecure":
			if !hasInsecure {
				return Unsupported("spice insecure channels set in XML configuration, but plaintext connection is not available")
			}
			opt.WriteString("plaintext-channel=" + name + ",")
		}
	}
	sub := func(name, attr string) string {
		if c := dev.Child(name); c != nil {
			return c.Prop(attr)
		}
		return ""
	}
	if v := sub("image", "compression"); v != "" {
		opt.WriteString("image-compression=" + v + ",")
	}
	if v := sub("jpeg", "compression"); v != "" {
		opt.WriteString("jpeg-wan-compression=" + v + ",")
	}
	if v := sub("zlib", "compression"); v != "" {
		opt.WriteString("zlib-glz-wan-compression=" + v + ",")
	}
	if v := sub("playback", "compression"); v != "" {
		opt.WriteString("playback-compression=" + v + ",")
	}
	if v := sub("streaming", "mode"); v != "" {
		opt.WriteString("streaming-video=" + v + ",")
	}
	if sub("clipboard", "copypaste") == "no" {
		opt.WriteString("disable-copy-paste=on,")
	}
	if sub("filetransfer", "enable") == "no" {
		opt.WriteString("disable-agent-file-xfer=on,")
	}
	if sub("gl", "enable") == "yes" {
		opt.WriteString("gl=on,")
		if rn := sub("gl", "rendernode"); rn != "" {
			opt.WriteString("rendernode=" + EscapeComma(rn) + ",")
		}
	}
	opt.WriteString("seamless-migration=on")
	b.Cmd.Arg("-spice", opt.String())
	if k := dev.Attr("keymap"); k != "" {
		b.Cmd.Arg("-k", k)
	}
	return nil
}

// buildDBusDisplay is qemuBuildGraphicsDBusCommandLine.
func (b *Builder) buildDBusDisplay(dev *domain.Device) error {
	opt := "dbus"
	if dev.Attr("p2p") == "yes" {
		opt += ",p2p=on"
	} else {
		addr := dev.Attr("address")
		if addr == "" {
			// the domain's own bus daemon (qemuDBusGetAddress)
			addr = "unix:path=" + b.Ctx.StateDir + "/dbus/" + b.Ctx.ShortName + "-dbus.sock"
		}
		opt += ",addr=" + EscapeComma(addr)
	}
	if gl := dev.Child("gl"); gl != nil {
		if v := switchText(gl.Prop("enable")); v != "" {
			opt += ",gl=" + v
		}
		if rn := gl.Prop("rendernode"); rn != "" {
			opt += ",rendernode=" + EscapeComma(rn)
		}
	}
	if a := dev.Child("audio"); a != nil {
		if id, _ := strconv.Atoi(a.Prop("id")); id > 0 {
			audio, err := b.graphicsAudioID(dev)
			if err != nil {
				return err
			}
			opt += ",audiodev=" + audio
		}
	}
	b.Cmd.Arg("-display", opt)
	return nil
}

// tlsX509Props is qemuBuildTLSx509BackendProps.
func tlsX509Props(dir string, listen, verify bool, alias, secretAlias string) *Props {
	endpoint := "client"
	if listen {
		endpoint = "server"
	} else {
		verify = true
	}
	return ObjectProps("tls-creds-x509", alias).Str("dir", dir).Str("endpoint", endpoint).
		Bool("verify-peer", verify).StrOpt("passwordid", secretAlias)
}
