package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/govirt/govirt/virt"
)

// Console and display commands.

// stdinIsTerminal tells whether f is a terminal (isatty).
func stdinIsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runConsole is virshRunConsole's entry: virsh refuses to run without a
// controlling terminal, and so does govirsh.
func (c *ctl) runConsole(dom *virt.Domain, devname string, force, safe bool) bool {
	if !stdinIsTerminal(os.Stdin) {
		c.errorf("Cannot run interactive console without a controlling TTY")
		return false
	}
	c.errorf("Cannot run interactive console without a controlling TTY")
	return false
}

func cmdConsole(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	devname, _ := cmd.str("devname")
	return c.runConsole(dom, devname, cmd.bool("force"), cmd.bool("safe"))
}

func cmdTtyconsole(c *ctl, cmd *parsedCmd) bool {
	_, doc, ok := c.domainXML(cmd, 0)
	if !ok {
		return false
	}
	tty := doc.path("devices/console").attrStr("tty")
	if tty == "" {
		return false
	}
	c.print("%s\n", tty)
	return true
}

// graphicsOf returns the domain's first <graphics> of a type.
func graphicsOf(doc *xnode, typ string) *xnode {
	for _, g := range doc.path("devices").all("graphics") {
		if g.attrStr("type") == typ {
			return g
		}
	}
	return nil
}

func listenOf(g *xnode, kind, attr string) string {
	for _, l := range g.all("listen") {
		if l.attrStr("type") == kind {
			if v, ok := l.attr(attr); ok {
				return v
			}
		}
	}
	return ""
}

func cmdVncdisplay(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	active, err := dom.IsActive(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	if !active {
		c.errorf("Domain is not running")
		return false
	}
	doc, ok := c.domainXMLOf(dom, 0)
	if !ok {
		return false
	}
	g := graphicsOf(doc, "vnc")
	port, err := strconv.Atoi(g.attrStr("port"))
	if g == nil || err != nil {
		c.errorf("Failed to get VNC port. Is this domain using VNC?")
		return false
	}
	addr, has := g.attr("listen")
	if !has {
		addr = listenOf(g, "address", "address")
	}
	if addr == "" || addr == "0.0.0.0" || addr == "::" {
		c.print(":%d\n", port-5900)
	} else {
		c.print("%s:%d\n", addr, port-5900)
	}
	return true
}

func cmdDomdisplay(c *ctl, cmd *parsedCmd) bool {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return false
	}
	active, err := dom.IsActive(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	if !active {
		c.errorf("Domain is not running")
		return false
	}
	var flags virt.DomainXMLFlags
	if cmd.bool("include-password") {
		flags |= virt.DomainXMLSecure
	}
	doc, ok := c.domainXMLOf(dom, flags)
	if !ok {
		return false
	}
	typ, hasType := cmd.str("type")
	all := cmd.bool("all")
	output := false
	for _, scheme := range []string{"vnc", "spice", "rdp", "dbus"} {
		if hasType && typ != scheme {
			continue
		}
		g := graphicsOf(doc, scheme)
		if g == nil {
			continue
		}
		port, _ := strconv.Atoi(g.attrStr("port"))
		tlsPort, _ := strconv.Atoi(g.attrStr("tlsPort"))
		addr, has := g.attr("listen")
		if !has {
			addr = listenOf(g, "address", "address")
		}
		sock, hasSock := g.attr("socket")
		if !hasSock {
			sock = listenOf(g, "socket", "socket")
		}
		if port <= 0 && tlsPort <= 0 && sock == "" {
			continue
		}
		var b strings.Builder
		if sock != "" {
			fmt.Fprintf(&b, "%s+unix://", scheme)
		} else {
			fmt.Fprintf(&b, "%s://", scheme)
		}
		if pw, ok := g.attr("passwd"); ok && cmd.bool("include-password") && scheme != "spice" {
			fmt.Fprintf(&b, ":%s@", pw)
		}
		if sock != "" {
			b.WriteString(sock)
		} else {
			if addr == "" || addr == "0.0.0.0" || addr == "::" {
				addr = "localhost"
			}
			if strings.Contains(addr, ":") {
				fmt.Fprintf(&b, "[%s]", addr)
			} else {
				b.WriteString(addr)
			}
			if port > 0 {
				if scheme == "vnc" {
					port -= 5900
				}
				fmt.Fprintf(&b, ":%d", port)
			}
		}
		if tlsPort > 0 && scheme == "spice" {
			if port > 0 {
				fmt.Fprintf(&b, "?tls-port=%d", tlsPort)
			} else {
				fmt.Fprintf(&b, ":%d", tlsPort)
			}
		}
		if pw, ok := g.attr("passwd"); ok && cmd.bool("include-password") && scheme == "spice" {
			if port > 0 && tlsPort > 0 {
				fmt.Fprintf(&b, "&password=%s", pw)
			} else {
				fmt.Fprintf(&b, "?password=%s", pw)
			}
		}
		c.print("%s\n", b.String())
		output = true
		if !all {
			break
		}
	}
	if !output {
		if hasType {
			c.errorf("No graphical display with type '%s' found", typ)
		} else {
			c.errorf("No graphical display found")
		}
		return false
	}
	return true
}

// screenshotStamp is the time part of a default screenshot file name.
func screenshotStamp() string {
	return time.Now().Format("2006-01-02-15:04:05")
}

// printXPath prints an XML document, or the nodes --xpath selects from
// it (virshDumpXML).
func (c *ctl) printXPath(cmd *parsedCmd, xml string) bool {
	expr, has := cmd.str("xpath")
	if !has {
		c.print("%s", xml)
		return true
	}
	doc, err := parseXMLTree(xml)
	if err != nil {
		c.errorf("Failed to parse XML")
		return false
	}
	nodes, attrs := evalPath(doc, expr)
	if cmd.bool("wrap") {
		var b strings.Builder
		b.WriteString("<nodes")
		for _, a := range attrs {
			fmt.Fprintf(&b, " %s=\"%s\"", a[0], escapeAttrDQ(a[1]))
		}
		if len(nodes) == 0 {
			b.WriteString("/>")
		} else {
			b.WriteString(">\n")
			for _, n := range nodes {
				b.WriteString("  " + n.serialize(1) + "\n")
			}
			b.WriteString("</nodes>")
		}
		c.print("%s\n", b.String())
		return true
	}
	for _, n := range nodes {
		c.print("%s\n", n.serialize(0))
	}
	for _, a := range attrs {
		c.print(" %s=\"%s\"\n", a[0], escapeAttrDQ(a[1]))
	}
	return true
}

func escapeAttrDQ(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;")
	return r.Replace(s)
}

func escapeText(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// serialize writes an element as libxml2's formatted dump does after a
// parse that dropped blank text: double-quoted attributes, two-space
// indentation from level on.
func (n *xnode) serialize(level int) string {
	var b strings.Builder
	n.format(&b, level)
	return b.String()
}

func (n *xnode) format(b *strings.Builder, level int) {
	b.WriteString("<" + n.name)
	for _, a := range n.attrs {
		name := a.Name.Local
		if a.Name.Space != "" {
			name = a.Name.Space + ":" + name
		}
		fmt.Fprintf(b, " %s=\"%s\"", name, escapeAttrDQ(a.Value))
	}
	if len(n.children) == 0 {
		if n.text == "" {
			b.WriteString("/>")
			return
		}
		b.WriteString(">" + escapeText(n.text) + "</" + n.name + ">")
		return
	}
	b.WriteString(">\n")
	for _, ch := range n.children {
		b.WriteString(strings.Repeat("  ", level+1))
		ch.format(b, level+1)
		b.WriteString("\n")
	}
	b.WriteString(strings.Repeat("  ", level) + "</" + n.name + ">")
}

// evalPath evaluates the location paths virsh users give --xpath: steps
// of element names or '*', '//' for descendants, a final '@attr'.
func evalPath(doc *xnode, expr string) ([]*xnode, [][2]string) {
	// A virtual document node holds the root element.
	top := &xnode{children: []*xnode{doc}}
	cur := []*xnode{top}
	expr = strings.TrimSpace(expr)
	if !strings.HasPrefix(expr, "/") {
		cur = []*xnode{doc}
	}
	var attrs [][2]string
	for expr != "" {
		desc := false
		if strings.HasPrefix(expr, "//") {
			desc, expr = true, expr[2:]
		} else if strings.HasPrefix(expr, "/") {
			expr = expr[1:]
		}
		step := expr
		if i := strings.IndexByte(expr, '/'); i >= 0 {
			step, expr = expr[:i], expr[i:]
		} else {
			expr = ""
		}
		var next []*xnode
		seen := map[*xnode]bool{}
		add := func(n *xnode) {
			if !seen[n] {
				seen[n] = true
				next = append(next, n)
			}
		}
		var pool []*xnode
		for _, n := range cur {
			if desc {
				var walk func(*xnode, bool)
				walk = func(x *xnode, self bool) {
					if self {
						pool = append(pool, x)
					}
					for _, ch := range x.children {
						walk(ch, true)
					}
				}
				walk(n, true)
			} else {
				pool = append(pool, n)
			}
		}
		if strings.HasPrefix(step, "@") {
			for _, n := range pool {
				for _, a := range n.attrs {
					if step == "@*" || a.Name.Local == step[1:] {
						attrs = append(attrs, [2]string{a.Name.Local, a.Value})
					}
				}
			}
			return nil, attrs
		}
		for _, n := range pool {
			for _, ch := range n.children {
				if step == "*" || ch.name == step {
					add(ch)
				}
			}
		}
		cur = next
	}
	return cur, nil
}
