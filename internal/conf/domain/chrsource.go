package domain

import (
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// ChrSource is where a character device's data goes (libvirt's
// virDomainChrSourceDef): the <source>, <protocol> and <log> children of
// serials, consoles, channels, parallels, passthrough smartcards,
// redirdevs and egd rng backends.
type ChrSource struct {
	// Type is the device's type attribute: pty, file, unix, tcp, udp …;
	// unknown values are kept as written.
	Type string

	Path   string // file, pty, dev, pipe, unix
	Append string // file: on/off, empty when absent

	// Mode is <source mode> of unix and tcp sources as written (bind or
	// connect); empty means connect.
	Mode string

	Host, Service string // tcp
	TLS           string // tcp: yes/no, empty when absent
	Protocol      string // tcp: raw (the default), telnet, telnets, tls

	BindHost, BindService       string // udp
	ConnectHost, ConnectService string // udp

	Reconnect *ChrReconnect // unix, tcp

	Channel       string // spiceport, dbus
	Master, Slave string // nmdm

	Clipboard string // qemu-vdagent <clipboard copypaste>
	Mouse     string // qemu-vdagent <mouse mode>

	SecLabels []*DeviceSecLabel

	LogFile   string
	LogAppend string
}

// ChrReconnect is <reconnect enabled timeout>.
type ChrReconnect struct {
	Enabled string // yes/no as written
	Timeout uint64 // read only when enabled
}

// isChrSourceChild tells the elements parseChrSource consumes.
func isChrSourceChild(name string) bool {
	return name == "source" || name == "protocol" || name == "log"
}

// parseChrSource reads the chardev source of typ from the children of n
// (the device element, or an rng <backend>), as
// virDomainChrSourceDefParseXML does.
func parseChrSource(typ string, n *xmltree.Node, flags ParseFlags) (*ChrSource, error) {
	s := &ChrSource{Type: typ}
	sources := n.ChildrenNamed("source")
	if len(sources) > 1 && typ != "udp" {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "only one source element is allowed for character device")
	}
	if len(sources) > 2 {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "only two source elements are allowed for character device")
	}
	for _, src := range sources {
		if err := s.parseSourceElement(src, flags); err != nil {
			return nil, err
		}
	}
	if l := n.Child("log"); l != nil {
		s.LogFile = l.Prop("file")
		s.LogAppend = l.Prop("append")
	}
	if typ == "tcp" {
		s.Protocol = "raw"
		if p := n.Child("protocol"); p != nil {
			if v := p.Prop("type"); v != "" {
				s.Protocol = v
			}
		}
	}
	return s, nil
}

func (s *ChrSource) parseSourceElement(src *xmltree.Node, flags ParseFlags) error {
	switch s.Type {
	case "file", "pty", "dev", "pipe":
		s.Path = src.Prop("path")
		if s.Type == "file" {
			s.Append = src.Prop("append")
		}
	case "unix":
		s.Mode = src.Prop("mode")
		s.Path = src.Prop("path")
		if err := s.parseReconnect(src); err != nil {
			return err
		}
	case "tcp":
		s.Mode = src.Prop("mode")
		s.Host = src.Prop("host")
		s.Service = src.Prop("service")
		s.TLS = src.Prop("tls")
		if err := s.parseReconnect(src); err != nil {
			return err
		}
	case "udp":
		mode := src.Prop("mode")
		if mode == "" {
			mode = "connect"
		}
		switch {
		case mode == "connect" && s.ConnectHost == "" && s.ConnectService == "":
			s.ConnectHost, s.ConnectService = src.Prop("host"), src.Prop("service")
		case mode == "bind" && s.BindHost == "" && s.BindService == "":
			s.BindHost, s.BindService = src.Prop("host"), src.Prop("service")
		}
	case "spiceport", "dbus":
		s.Channel = src.Prop("channel")
	case "nmdm":
		s.Master = src.Prop("master")
		s.Slave = src.Prop("slave")
	case "qemu-vdagent":
		if c := src.Child("clipboard"); c != nil {
			s.Clipboard = c.Prop("copypaste")
		}
		if m := src.Child("mouse"); m != nil {
			s.Mouse = m.Prop("mode")
		}
	}
	switch s.Type {
	case "file", "pty", "dev", "pipe", "unix":
		for _, c := range src.ChildrenNamed("seclabel") {
			l, err := ParseDeviceSecLabel(c, flags)
			if err != nil {
				return err
			}
			s.SecLabels = append(s.SecLabels, l)
		}
	}
	return nil
}

func (s *ChrSource) parseReconnect(src *xmltree.Node) error {
	r := src.Child("reconnect")
	if r == nil {
		return nil
	}
	s.Reconnect = &ChrReconnect{Enabled: r.Prop("enabled")}
	if s.Reconnect.Enabled != "yes" {
		return nil
	}
	v, ok := r.Attr("timeout")
	if !ok {
		return errMissingProp("reconnect", "timeout")
	}
	t, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return errInvalidNumberProp("reconnect", "timeout", v, expectNonNegativeInt)
	}
	s.Reconnect.Timeout = t
	return nil
}

func (s *ChrSource) modeName() string {
	if s.Mode == "" {
		return "connect"
	}
	return s.Mode
}

// format writes <source>, <protocol> and <log> as
// virDomainChrSourceDefFormat does.
func (s *ChrSource) format(b *xmlbuf.Buffer, flags FormatFlags) {
	attrs := b.Inherit()
	child := b.Child()
	switch s.Type {
	case "file", "pty", "dev", "pipe":
		if s.Type != "pty" || (s.Path != "" && flags&FormatInactive == 0) {
			if s.Path != "" {
				attrs.Attr("path", s.Path)
			}
			if s.Type == "file" {
				attrs.AttrIf("append", s.Append)
			}
			s.formatSecLabels(child, flags)
			b.FormatElement("source", attrs, child)
		}
	case "nmdm":
		attrs.AttrIf("master", s.Master)
		attrs.AttrIf("slave", s.Slave)
		b.FormatElement("source", attrs, nil)
	case "udp":
		writeUDP := func(mode, host, service string) {
			if host == "" && service == "" {
				return
			}
			a := b.Inherit()
			a.Attr("mode", mode)
			a.AttrIf("host", host)
			a.AttrIf("service", service)
			b.FormatElementAlways("source", a, nil)
		}
		writeUDP("bind", s.BindHost, s.BindService)
		writeUDP("connect", s.ConnectHost, s.ConnectService)
	case "tcp":
		attrs.Attr("mode", s.modeName())
		attrs.AttrIf("host", s.Host)
		attrs.AttrIf("service", s.Service)
		attrs.AttrIf("tls", s.TLS)
		s.Reconnect.format(child)
		b.FormatElementAlways("source", attrs, child)
		b.Asprintf("<protocol type='%s'/>\n", xmlbuf.Escape(s.Protocol))
	case "unix":
		if s.Path != "" {
			attrs.Attr("mode", s.modeName())
			attrs.Attr("path", s.Path)
			s.Reconnect.format(child)
			s.formatSecLabels(child, flags)
			b.FormatElementAlways("source", attrs, child)
		}
	case "spiceport", "dbus":
		attrs.AttrIf("channel", s.Channel)
		b.FormatElement("source", attrs, nil)
	case "qemu-vdagent":
		if s.Clipboard != "" {
			child.EscapeString("<clipboard copypaste='%s'/>\n", s.Clipboard)
		}
		if s.Mouse != "" {
			child.EscapeString("<mouse mode='%s'/>\n", s.Mouse)
		}
		b.FormatElement("source", nil, child)
	}
	if s.LogFile != "" {
		b.Add("<log")
		b.Attr("file", s.LogFile)
		b.AttrIf("append", s.LogAppend)
		b.Add("/>\n")
	}
}

func (s *ChrSource) formatSecLabels(b *xmlbuf.Buffer, flags FormatFlags) {
	for _, l := range s.SecLabels {
		l.Format(b, flags)
	}
}

func (r *ChrReconnect) format(b *xmlbuf.Buffer) {
	if r == nil || r.Enabled == "" {
		return
	}
	b.Add("<reconnect")
	b.Attr("enabled", r.Enabled)
	if r.Enabled == "yes" {
		b.Asprintf(" timeout='%d'", r.Timeout)
	}
	b.Add("/>\n")
}

// validate holds virDomainChrSourceDefValidate's checks. pathOptional is
// set for virtio and xen channels, whose unix socket path the driver
// may generate.
func (s *ChrSource) validate(pathOptional bool) error {
	switch s.Type {
	case "file", "dev", "pipe":
		if s.Path == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Missing source path attribute for char device")
		}
	case "nmdm":
		if s.Master == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Missing master path attribute for nmdm device")
		}
		if s.Slave == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Missing slave path attribute for nmdm device")
		}
	case "tcp":
		if s.Host == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Missing source host attribute for char device")
		}
		if s.Service == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Missing source service attribute for char device")
		}
		return s.validateReconnect()
	case "udp":
		if s.ConnectService == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Missing source service attribute for char device")
		}
	case "unix":
		if s.Path == "" && !pathOptional {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Missing source path attribute for char device")
		}
		return s.validateReconnect()
	case "spiceport":
		if s.Channel == "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Missing source channel attribute for char device")
		}
		if strings.Trim(s.Channel, serialChannelNameChars) != "" {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "Invalid character in source channel for char device")
		}
	}
	return nil
}

const serialChannelNameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."

func (s *ChrSource) validateReconnect() error {
	if s.Reconnect == nil || s.Reconnect.Enabled != "yes" {
		return nil
	}
	if s.Reconnect.Timeout == 0 {
		return virterr.NewFrom(virterr.FromDomain, virterr.InvalidArg, "chardev reconnect source timeout cannot be '0'")
	}
	if s.Mode == "bind" {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "chardev reconnect is possible only for connect mode")
	}
	return nil
}
