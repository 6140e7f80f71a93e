package command

import (
	"net"
	"os/user"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmltree"
)

// netHost is one <host> of a network source.
type netHost struct {
	name, port, transport, socket string
}

func (n blockNode) hosts() []netHost {
	out := make([]netHost, 0, len(n.src.Hosts))
	for _, h := range n.src.Hosts {
		tr := attrValue(h, "transport")
		if tr == "" {
			tr = "tcp"
		}
		out = append(out, netHost{name: attrValue(h, "name"), port: attrValue(h, "port"), transport: tr, socket: attrValue(h, "socket")})
	}
	return out
}

// socketAddress is qemuBlockStorageSourceBuildJSONSocketAddress.
func socketAddress(h netHost) (*Props, error) {
	switch h.transport {
	case "tcp":
		return NewProps().Str("type", "inet").Str("host", h.name).Str("port", portText(h.port)), nil
	case "unix":
		return NewProps().Str("type", "unix").Str("path", h.socket), nil
	}
	return nil, Internal("transport protocol '%s' is not yet supported", h.transport)
}

// inetSocketAddress is qemuBlockStorageSourceBuildJSONInetSocketAddress.
func inetSocketAddress(h netHost) (*Props, error) {
	if h.transport != "tcp" {
		return nil, Internal("only TCP protocol can be converted to InetSocketAddress")
	}
	return NewProps().Str("host", h.name).Str("port", portText(h.port)), nil
}

func portText(p string) string {
	if p == "" {
		return "0"
	}
	return p
}

func (n blockNode) singleHost(proto string) (netHost, error) {
	hs := n.hosts()
	if len(hs) != 1 {
		return netHost{}, Internal("%s protocol accepts only one host", proto)
	}
	return hs[0], nil
}

// networkStorageProps covers the network protocols of
// qemuBlockStorageSourceGetBackendProps.
func (b *Builder) networkStorageProps(p *Props, n blockNode) error {
	proto := n.protocol()
	volume, path := n.volumePath()
	sec := b.storageSecretAliases(n)
	switch proto {
	case "nbd":
		h, err := n.singleHost("nbd")
		if err != nil {
			return err
		}
		server, err := socketAddress(h)
		if err != nil {
			return err
		}
		p.Str("driver", "nbd").Obj("server", server).StrOpt("export", path)
		p.StrOpt("tls-creds", sec.tls)
		p.StrOpt("tls-hostname", srcAttr(n.src, "tlsHostname"))
		if r := n.child("reconnect"); r != nil {
			p.UintNZ("reconnect-delay", uintAttr(r.Prop("delay")))
		}
	case "http", "https", "ftp", "ftps", "tftp":
		uri, err := n.storageURI()
		if err != nil {
			return err
		}
		p.Str("driver", proto).Str("url", uri)
		if a := n.auth(); a != nil && sec.auth != "" {
			p.StrOpt("username", a.Prop("username")).Str("password-secret", sec.auth)
		}
		if ssl := n.child("ssl"); ssl != nil {
			p.Tristate("sslverify", ssl.Prop("verify"))
		}
		p.StrOpt("cookie-secret", sec.cookie)
		if t := n.child("timeout"); t != nil {
			p.UintNZ("timeout", uintAttr(t.Prop("seconds")))
		}
		if r := n.child("readahead"); r != nil {
			p.UintNZ("readahead", uintAttr(r.Prop("size")))
		}
	case "iscsi":
		if len(n.hosts()) == 0 {
			return Internal("iscsi protocol accepts only one host")
		}
		h := n.hosts()[0]
		target, lun := path, uint64(0)
		if i := strings.IndexByte(path, '/'); i >= 0 {
			target = path[:i]
			v, err := strconv.ParseUint(path[i+1:], 10, 32)
			if err != nil {
				return Internal("cannot parse target for lunStr '%s'", target)
			}
			lun = v
		}
		portal := h.name + ":" + portText(h.port)
		if ip := net.ParseIP(h.name); ip != nil && ip.To4() == nil {
			portal = "[" + h.name + "]:" + portText(h.port)
		}
		p.Str("driver", "iscsi").Str("portal", portal).Str("target", target).Uint("lun", lun).Str("transport", "tcp")
		if a := n.auth(); a != nil && sec.auth != "" {
			p.StrOpt("user", a.Prop("username")).Str("password-secret", sec.auth)
		}
		if ini := n.child("initiator"); ini != nil {
			if iqn := ini.Child("iqn"); iqn != nil {
				p.StrOpt("initiator-name", iqn.Prop("name"))
			}
		}
	case "rbd":
		p.Str("driver", "rbd").Str("pool", volume).Str("image", path)
		if sn := n.child("snapshot"); sn != nil {
			p.StrOpt("snapshot", sn.Prop("name"))
		}
		if c := n.child("config"); c != nil {
			p.StrOpt("conf", c.Prop("file"))
		}
		if hs := n.hosts(); len(hs) > 0 {
			var arr Array
			for _, h := range hs {
				a, err := inetSocketAddress(h)
				if err != nil {
					return err
				}
				arr = append(arr, a)
			}
			p.Arr("server", arr)
		}
		if e := n.encryption(); e != nil && e.Prop("engine") == "librbd" && sec.encryption != "" {
			format := e.Prop("format")
			if format != "luks" && format != "luks2" {
				format = ""
			}
			p.Obj("encrypt", NewProps().Str("format", format).Str("key-secret", sec.encryption))
		}
		if a := n.auth(); a != nil && sec.auth != "" {
			p.StrOpt("user", a.Prop("username")).
				Arr("auth-client-required", Array{"cephx", "none"}).
				Str("key-secret", sec.auth)
		}
	case "gluster":
		var arr Array
		for _, h := range n.hosts() {
			a, err := socketAddress(h)
			if err != nil {
				return err
			}
			arr = append(arr, a)
		}
		p.Str("driver", "gluster").Str("volume", volume).Str("path", path).Arr("server", arr)
		// qemu.conf's gluster_debug_level defaults to 4.
		p.Uint("debug", 4)
	case "vxhs":
		h, err := n.singleHost("VxHS")
		if err != nil {
			return err
		}
		server, err := inetSocketAddress(h)
		if err != nil {
			return err
		}
		p.Str("driver", "vxhs").StrOpt("tls-creds", sec.tls).Str("vdisk-id", path).Obj("server", server)
	case "nfs":
		hs := n.hosts()
		if len(hs) == 0 {
			return Internal("nfs protocol accepts only one host")
		}
		p.Str("driver", "nfs").Obj("server", NewProps().Str("host", hs[0].name).Str("type", "inet")).StrOpt("path", path)
		if id := n.child("identity"); id != nil {
			if uid, ok := nfsIdentity(id.Prop("user"), false); ok {
				p.Int("user", uid)
			}
			if gid, ok := nfsIdentity(id.Prop("group"), true); ok {
				p.Int("group", gid)
			}
		}
	case "sheepdog":
		h, err := n.singleHost("sheepdog")
		if err != nil {
			return err
		}
		server, err := socketAddress(h)
		if err != nil {
			return err
		}
		p.Str("driver", "sheepdog").Obj("server", server).Str("vdi", path)
	case "ssh":
		h, err := n.singleHost("ssh")
		if err != nil {
			return err
		}
		server, err := inetSocketAddress(h)
		if err != nil {
			return err
		}
		p.Str("driver", "ssh").Str("path", path).Obj("server", server)
		if a := n.auth(); a != nil {
			p.StrOpt("user", a.Prop("username"))
		}
	default:
		return Internal("unsupported network storage protocol '%s'", proto)
	}
	return nil
}

// nfsIdentity resolves an <identity> user or group: "+N" is a number,
// anything else a host user or group name (virGetUserID, virGetGroupID).
func nfsIdentity(v string, group bool) (int64, bool) {
	if v == "" {
		return 0, false
	}
	if strings.HasPrefix(v, "+") {
		n, err := strconv.ParseInt(v[1:], 10, 64)
		return n, err == nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	var id string
	if group {
		g, err := user.LookupGroup(v)
		if err != nil {
			return 0, false
		}
		id = g.Gid
	} else {
		u, err := user.Lookup(v)
		if err != nil {
			return 0, false
		}
		id = u.Uid
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil
}

// storageURI is qemuBlockStorageSourceGetURI formatted by virURIFormat.
func (n blockNode) storageURI() (string, error) {
	h, err := n.singleHost(n.protocol())
	if err != nil {
		return "", Internal("protocol '%s' accepts only one host", n.protocol())
	}
	var s strings.Builder
	s.WriteString(n.protocol())
	if h.transport != "tcp" {
		s.WriteString("+" + h.transport)
	}
	s.WriteString("://")
	host := h.name
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	s.WriteString(host)
	if h.transport == "tcp" && h.port != "" && h.port != "0" {
		s.WriteString(":" + h.port)
	}
	volume, path := n.volumePath()
	if path != "" {
		if volume != "" {
			s.WriteString("/" + volume + "/" + path)
		} else {
			if path[0] != '/' {
				s.WriteByte('/')
			}
			s.WriteString(path)
		}
	}
	if q := srcAttr(n.src, "query"); q != "" {
		s.WriteString("?" + q)
	}
	return s.String(), nil
}

// cookieString is qemuBlockStorageSourceGetCookieString: "name=value"
// pairs joined by "; ".
func cookieString(cookies *xmltree.Node) string {
	var parts []string
	for _, c := range cookies.ChildrenNamed("cookie") {
		parts = append(parts, c.Prop("name")+"="+c.Text)
	}
	return strings.Join(parts, "; ")
}
