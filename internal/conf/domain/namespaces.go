package domain

import (
	"regexp"
	"strings"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Driver namespaces: each hypervisor driver reads its own elements from
// the domain (libvirt's virXMLNamespace) and writes them back under a fixed
// prefix, whatever prefix the input used.
const (
	qemuNamespaceURI  = "http://libvirt.org/schemas/domain/qemu/1.0"
	lxcNamespaceURI   = "http://libvirt.org/schemas/domain/lxc/1.0"
	bhyveNamespaceURI = "http://libvirt.org/schemas/domain/bhyve/1.0"
	xenNamespaceURI   = "http://libvirt.org/schemas/domain/xen/1.0"
)

// driverNamespace is the namespace the driver for a domain type reads.
func driverNamespace(virtType string) (prefix, uri string) {
	switch virtType {
	case "qemu", "kvm":
		return "qemu", qemuNamespaceURI
	case "lxc":
		return "lxc", lxcNamespaceURI
	case "bhyve":
		return "bhyve", bhyveNamespaceURI
	case "xen":
		return "xen", xenNamespaceURI
	}
	return "", ""
}

// NamespaceData is what a driver reads from its namespace: command-line
// additions (qemu, bhyve, xen), QEMU capability overrides, device property
// overrides and deprecation behaviour, and LXC namespace sharing.
type NamespaceData struct {
	Prefix, URI string

	Args []string
	Env  []NamespaceEnv

	CapsAdd, CapsDel []string

	Overrides []QEMUDeviceOverride

	DeprecationBehavior string

	// Share maps sharenet/shareipc/shareuts to their type and value.
	Share map[string]LXCShare
}

// NamespaceEnv is one <env name value>.
type NamespaceEnv struct {
	Name  string
	Value string
	// HasValue distinguishes value='' from no value.
	HasValue bool
}

// QEMUDeviceOverride is <qemu:override><qemu:device alias>.
type QEMUDeviceOverride struct {
	Alias    string
	Frontend []QEMUProperty
}

// QEMUProperty is one <qemu:frontend><qemu:property>.
type QEMUProperty struct {
	Name, Type, Value string
}

// LXCShare is one <lxc:shareXXX type value>.
type LXCShare struct {
	Type, Value string
}

var lxcShareOrder = []string{"sharenet", "shareipc", "shareuts"}

// nsScope maps prefixes ("" for the default namespace) to URIs.
type nsScope map[string]string

func (s nsScope) with(n *xmltree.Node) nsScope {
	var out nsScope
	for _, a := range n.Attrs {
		p, ok := "", a.Name == "xmlns"
		if !ok {
			p, ok = strings.CutPrefix(a.Name, "xmlns:")
		}
		if !ok {
			continue
		}
		if out == nil {
			out = nsScope{}
			for k, v := range s {
				out[k] = v
			}
		}
		out[p] = a.Value
	}
	if out == nil {
		return s
	}
	return out
}

// resolve splits an element name into its namespace URI and local name.
func (s nsScope) resolve(name string) (uri, local string) {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return s[name[:i]], name[i+1:]
	}
	return s[""], name
}

// children yields the child elements of n in namespace uri, by local name.
func (s nsScope) children(n *xmltree.Node, uri string, fn func(local string, c *xmltree.Node, scope nsScope) error) error {
	for _, c := range n.Children {
		cs := s.with(c)
		u, local := cs.resolve(c.Name)
		if u != uri {
			continue
		}
		if err := fn(local, c, cs); err != nil {
			return err
		}
	}
	return nil
}

var envNameRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// parseNamespaceElement reads one top-level element in the driver's
// namespace into ns.
func (ns *NamespaceData) parseElement(local string, n *xmltree.Node, scope nsScope) error {
	internal := func(format string, args ...any) error {
		return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, format, args...)
	}
	switch {
	case local == "commandline" && ns.URI != lxcNamespaceURI:
		return scope.children(n, ns.URI, func(l string, c *xmltree.Node, _ nsScope) error {
			switch l {
			case "arg":
				v, ok := c.Attr("value")
				if !ok {
					return internal("No %s command-line argument specified", ns.Prefix)
				}
				ns.Args = append(ns.Args, v)
			case "env":
				if ns.URI == xenNamespaceURI {
					return nil
				}
				name, ok := c.Attr("name")
				if !ok {
					return internal("%s", "No qemu environment name specified")
				}
				if !envNameRe.MatchString(name) {
					if name == "" || !(name[0] == '_' || (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z')) {
						return internal("%s", "Invalid environment name, it must begin with a letter or underscore")
					}
					return internal("%s", "Invalid environment name, it must contain only alphanumerics and underscore")
				}
				v, has := c.Attr("value")
				ns.Env = append(ns.Env, NamespaceEnv{Name: name, Value: v, HasValue: has})
			}
			return nil
		})
	case local == "capabilities" && ns.URI == qemuNamespaceURI:
		return scope.children(n, ns.URI, func(l string, c *xmltree.Node, _ nsScope) error {
			capName, ok := c.Attr("capability")
			switch {
			case l == "add" && ok:
				ns.CapsAdd = append(ns.CapsAdd, capName)
			case l == "del" && ok:
				ns.CapsDel = append(ns.CapsDel, capName)
			case l == "add" || l == "del":
				return internal("%s", "missing 'capability' attribute")
			}
			return nil
		})
	case local == "deprecation" && ns.URI == qemuNamespaceURI:
		if ns.DeprecationBehavior == "" {
			ns.DeprecationBehavior = n.Prop("behavior")
		}
	case local == "override" && ns.URI == qemuNamespaceURI:
		return scope.children(n, ns.URI, func(l string, dev *xmltree.Node, ds nsScope) error {
			if l != "device" {
				return nil
			}
			alias, err := requiredProp(dev, "alias")
			if err != nil {
				return err
			}
			o := QEMUDeviceOverride{Alias: alias}
			err = ds.children(dev, ns.URI, func(l string, fe *xmltree.Node, fs nsScope) error {
				if l != "frontend" {
					return nil
				}
				return fs.children(fe, ns.URI, func(l string, p *xmltree.Node, _ nsScope) error {
					if l != "property" {
						return nil
					}
					name, err := requiredProp(p, "name")
					if err != nil {
						return err
					}
					typ, err := requiredProp(p, "type")
					if err != nil {
						return err
					}
					o.Frontend = append(o.Frontend, QEMUProperty{Name: name, Type: typ, Value: p.Prop("value")})
					return nil
				})
			})
			if err != nil {
				return err
			}
			ns.Overrides = append(ns.Overrides, o)
			return nil
		})
	case local == "namespace" && ns.URI == lxcNamespaceURI:
		return scope.children(n, ns.URI, func(l string, c *xmltree.Node, _ nsScope) error {
			for _, k := range lxcShareOrder {
				if l == k {
					if ns.Share == nil {
						ns.Share = map[string]LXCShare{}
					}
					ns.Share[k] = LXCShare{Type: c.Prop("type"), Value: c.Prop("value")}
				}
			}
			return nil
		})
	}
	return nil
}

func (ns *NamespaceData) empty() bool {
	return len(ns.Args) == 0 && len(ns.Env) == 0 && len(ns.CapsAdd) == 0 &&
		len(ns.CapsDel) == 0 && len(ns.Overrides) == 0 &&
		ns.DeprecationBehavior == "" && len(ns.Share) == 0
}

func (ns *NamespaceData) validate() error {
	for _, s := range ns.Share {
		if err := checkEnum("namespace", "type", s.Type, "netns", "name", "pid"); err != nil {
			return err
		}
	}
	return nil
}

func (ns *NamespaceData) format(b *xmlbuf.Buffer) {
	p := ns.Prefix + ":"
	if len(ns.Args) > 0 || len(ns.Env) > 0 {
		b.Asprintf("<%scommandline>\n", p)
		b.AdjustIndent(2)
		for _, a := range ns.Args {
			b.Asprintf("<%sarg value='%s'/>\n", p, xmlbuf.Escape(a))
		}
		for _, e := range ns.Env {
			b.Asprintf("<%senv name='%s'", p, xmlbuf.Escape(e.Name))
			if e.HasValue {
				b.Attr("value", e.Value)
			}
			b.AddLit("/>\n")
		}
		b.AdjustIndent(-2)
		b.Asprintf("</%scommandline>\n", p)
	}
	if len(ns.CapsAdd) > 0 || len(ns.CapsDel) > 0 {
		b.Asprintf("<%scapabilities>\n", p)
		b.AdjustIndent(2)
		for _, c := range ns.CapsAdd {
			b.Asprintf("<%sadd capability='%s'/>\n", p, xmlbuf.Escape(c))
		}
		for _, c := range ns.CapsDel {
			b.Asprintf("<%sdel capability='%s'/>\n", p, xmlbuf.Escape(c))
		}
		b.AdjustIndent(-2)
		b.Asprintf("</%scapabilities>\n", p)
	}
	if len(ns.Overrides) > 0 {
		b.Asprintf("<%soverride>\n", p)
		b.AdjustIndent(2)
		for _, o := range ns.Overrides {
			attrs := xmlbuf.New()
			attrs.Attr("alias", o.Alias)
			c := b.Child()
			if len(o.Frontend) > 0 {
				c.Asprintf("<%sfrontend>\n", p)
				c.AdjustIndent(2)
				for _, pr := range o.Frontend {
					c.Asprintf("<%sproperty name='%s' type='%s'", p, xmlbuf.Escape(pr.Name), xmlbuf.Escape(pr.Type))
					if pr.Type != "remove" {
						c.Attr("value", pr.Value)
					}
					c.AddLit("/>\n")
				}
				c.AdjustIndent(-2)
				c.Asprintf("</%sfrontend>\n", p)
			}
			b.FormatElementAlways(p+"device", attrs, c)
		}
		b.AdjustIndent(-2)
		b.Asprintf("</%soverride>\n", p)
	}
	if ns.DeprecationBehavior != "" {
		b.Asprintf("<%sdeprecation behavior='%s'/>\n", p, xmlbuf.Escape(ns.DeprecationBehavior))
	}
	if len(ns.Share) > 0 {
		b.Asprintf("<%snamespace>\n", p)
		b.AdjustIndent(2)
		for _, k := range lxcShareOrder {
			if s, ok := ns.Share[k]; ok {
				b.Asprintf("<%s%s type='%s' value='%s'/>\n", p, k, xmlbuf.Escape(s.Type), xmlbuf.Escape(s.Value))
			}
		}
		b.AdjustIndent(-2)
		b.Asprintf("</%snamespace>\n", p)
	}
}
