package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Graphics is <graphics>: a display for the guest (vnc, spice, rdp, sdl,
// desktop, egl-headless, dbus).
type Graphics struct {
	Type string

	// Port and TLSPort are the ports of vnc, spice and rdp, 0 when unset;
	// AutoPort means libvirt picks them.
	Port      int
	TLSPort   int
	AutoPort  bool
	Websocket int

	Listens []*GraphicsListen

	// Attrs holds the attributes that are printed as read (keymap,
	// passwd, display …), in document order.
	Attrs attrList
	// children are the other sub-elements (channel, image, gl, audio …).
	children []*xmltree.Node
}

// GraphicsListen is <listen>.
type GraphicsListen struct {
	Type    string // address, network, socket, none
	Address string
	Network string
	Socket  string
}

// graphicsAttrOrder lists, per type, the attributes printed as read, in
// libvirt's order, after the port and listen attributes.
var graphicsAttrOrder = map[string][]string{
	"vnc":          {"keymap", "sharePolicy", "powerControl", "passwd", "passwdValidTo", "connected"},
	"spice":        {"keymap", "defaultMode", "passwd", "passwdValidTo", "connected"},
	"rdp":          {"replaceUser", "multiUser"},
	"sdl":          {"display", "xauth", "fullscreen"},
	"desktop":      {"display", "fullscreen"},
	"egl-headless": {},
	"dbus":         {"address", "p2p"},
}

func init() {
	addSpecs(map[string]elemSpec{
		"graphics/channel": {attrs: []string{"name", "mode"}},
		"graphics/gl":      {attrs: []string{"enable", "rendernode"}},
	})
	kindParse["graphics"] = parseGraphics
}

var graphicsChildOrder = []string{"channel", "image", "jpeg", "zlib", "playback", "streaming",
	"mouse", "clipboard", "filetransfer", "gl", "audio"}

// Graphics returns the device's typed content, nil for other kinds.
func (g *Device) Graphics() *Graphics {
	x, _ := g.body.(*Graphics)
	return x
}

func parseGraphicsPort(n *xmltree.Node, name string) (int, bool, error) {
	v, ok := n.Attr(name)
	if !ok {
		return 0, false, nil
	}
	p, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, false, virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "cannot parse %s %s %s", n.Prop("type"), name, v)
	}
	return int(p), true, nil
}

func parseGraphics(dev *Device, n *xmltree.Node, flags ParseFlags) error {
	g := &Graphics{Type: n.Prop("type")}
	inactive := flags&ParseInactive != 0
	var err error
	autoport := n.Prop("autoport")
	switch g.Type {
	case "vnc":
		port, hasPort, err := parseGraphicsPort(n, "port")
		if err != nil {
			return err
		}
		g.Port = port
		if !hasPort {
			g.AutoPort = true
		} else if port == -1 {
			if inactive {
				g.Port = 0
			}
			g.AutoPort = true
		}
		switch autoport {
		case "yes":
			g.Port = 0
			g.AutoPort = true
		case "no":
			g.AutoPort = false
		}
		if g.Websocket, _, err = parseGraphicsPort(n, "websocket"); err != nil {
			return err
		}
	case "spice":
		if g.Port, _, err = parseGraphicsPort(n, "port"); err != nil {
			return err
		}
		if g.TLSPort, _, err = parseGraphicsPort(n, "tlsPort"); err != nil {
			return err
		}
		if autoport == "yes" {
			g.AutoPort = true
		}
		if g.Port == -1 && g.TLSPort == -1 {
			g.AutoPort = true
		}
		if g.AutoPort && inactive {
			g.Port, g.TLSPort = 0, 0
		}
	case "rdp":
		port, _, err := parseGraphicsPort(n, "port")
		if err != nil {
			return err
		}
		g.Port = port
		if port == -1 {
			g.Port = 0
			g.AutoPort = true
		}
		if autoport == "yes" {
			g.AutoPort = true
		}
		if g.AutoPort && inactive {
			g.Port = 0
		}
	}
	for _, a := range n.Attrs {
		switch a.Name {
		case "type", "port", "tlsPort", "autoport", "websocket", "listen", "socket":
		default:
			g.Attrs = append(g.Attrs, a)
		}
	}
	if err := g.parseListens(n, flags); err != nil {
		return err
	}
	for _, c := range dev.children {
		if c.Name != "listen" {
			g.children = append(g.children, c)
		}
	}
	dev.body = g
	return nil
}

// parseListens is virDomainGraphicsListensParseXML: the <listen>
// elements, and the legacy listen/socket attributes that stand for the
// first one.
func (g *Graphics) parseListens(n *xmltree.Node, flags ParseFlags) error {
	switch g.Type {
	case "vnc", "spice", "rdp":
	default:
		return nil
	}
	listenAttr, hasListenAttr := n.Attr("listen")
	socketAttr, hasSocketAttr := n.Attr("socket")
	if g.Type != "vnc" {
		hasSocketAttr = false
	}
	for i, l := range n.ChildrenNamed("listen") {
		gl := &GraphicsListen{Type: l.Prop("type")}
		if gl.Type == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "graphics listen type must be specified")
		}
		address := l.Prop("address")
		switch gl.Type {
		case "address":
			if i == 0 && address == "" && hasListenAttr {
				address = listenAttr
			}
			if i == 0 && hasListenAttr && address != listenAttr {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "graphics 'listen' attribute '%s' must match 'address' attribute of first listen element (found '%s')", listenAttr, address)
			}
			gl.Address = address
		case "network":
			gl.Network = l.Prop("network")
			if gl.Network == "" {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "'network' attribute is required for listen type 'network'")
			}
			if flags&ParseInactive == 0 {
				gl.Address = address
			}
		case "socket":
			gl.Socket = l.Prop("socket")
			if i == 0 && hasSocketAttr {
				if gl.Socket == "" {
					gl.Socket = socketAttr
				} else if gl.Socket != socketAttr {
					return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "graphics 'socket' attribute '%s' must match 'socket' attribute of first listen element (found '%s')", socketAttr, gl.Socket)
				}
			}
		}
		g.Listens = append(g.Listens, gl)
	}
	if len(g.Listens) > 0 && hasSocketAttr && g.Listens[0].Type == "address" {
		// the legacy socket attribute wins over an address listen
		g.Listens[0] = &GraphicsListen{Type: "socket", Socket: socketAttr}
	}
	if len(g.Listens) == 0 {
		if hasSocketAttr {
			g.Listens = append(g.Listens, &GraphicsListen{Type: "socket", Socket: socketAttr})
		} else {
			g.Listens = append(g.Listens, &GraphicsListen{Type: "address", Address: listenAttr})
		}
	}
	return nil
}

// postParse turns a spice display without ports into one that listens
// nowhere (virDomainDefPostParseGraphics).
func (g *Graphics) postParse() {
	if g.Type != "spice" || len(g.Listens) == 0 {
		return
	}
	if l := g.Listens[0]; l.Type == "address" && g.Port == 0 && g.TLSPort == 0 && !g.AutoPort {
		l.Address = ""
		l.Type = "none"
	}
}

func (g *Graphics) formatAttrs(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Attr("type", g.Type)
	var first *GraphicsListen
	if len(g.Listens) > 0 {
		first = g.Listens[0]
	}
	listenAddr := func() {
		if first != nil && first.Type == "address" && first.Address != "" {
			b.Attr("listen", first.Address)
		}
	}
	inactive := flags&FormatInactive != 0
	switch g.Type {
	case "vnc":
		if first != nil {
			switch first.Type {
			case "socket":
				b.AttrIf("socket", first.Socket)
			case "address", "network":
				if g.Port != 0 && (!g.AutoPort || !inactive) {
					b.Attr("port", strconv.Itoa(g.Port))
				} else if g.AutoPort {
					b.Attr("port", "-1")
				}
				b.Attr("autoport", yesNo(g.AutoPort))
				if g.Websocket != 0 {
					b.Attr("websocket", strconv.Itoa(g.Websocket))
				}
				listenAddr()
			}
		}
	case "spice":
		if first != nil && (first.Type == "address" || first.Type == "network") {
			if g.Port != 0 {
				b.Attr("port", strconv.Itoa(g.Port))
			}
			if g.TLSPort != 0 {
				b.Attr("tlsPort", strconv.Itoa(g.TLSPort))
			}
			b.Attr("autoport", yesNo(g.AutoPort))
			listenAddr()
		}
	case "rdp":
		if g.Port != 0 {
			b.Attr("port", strconv.Itoa(g.Port))
		} else if g.AutoPort {
			b.Attr("port", "0")
		}
		if g.AutoPort {
			b.Attr("autoport", "yes")
		}
		listenAddr()
	}
	attrs := g.Attrs
	if flags&FormatSecure == 0 {
		attrs = nil
		for _, a := range g.Attrs {
			if a.Name != "passwd" {
				attrs = append(attrs, a)
			}
		}
	}
	writeAttrsInOrder(b, attrs, graphicsAttrOrder[g.Type])
}

func (g *Graphics) formatChildren(b *xmlbuf.Buffer, flags FormatFlags) {
	for _, l := range g.Listens {
		l.format(b, flags)
	}
	forEachInOrder(g.children, graphicsChildOrder, func(n *xmltree.Node) {
		formatCanon(b, n, "graphics/"+n.Name, flags)
	})
}

func (l *GraphicsListen) format(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Add("<listen")
	b.Attr("type", l.Type)
	if l.Address != "" && (l.Type == "address" || (l.Type == "network" && flags&FormatInactive == 0)) {
		b.Attr("address", l.Address)
	}
	if l.Type == "network" {
		b.AttrIf("network", l.Network)
	}
	if l.Type == "socket" {
		b.AttrIf("socket", l.Socket)
	}
	b.Add("/>\n")
}
