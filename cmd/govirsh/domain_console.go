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
// it (virshDumpXML), with the framework's libxml2-style evaluator.
func (c *ctl) printXPath(cmd *parsedCmd, xml string) bool {
	xpath, ok := c.xpathOpt(cmd)
	if !ok {
		return false
	}
	return c.dumpXML(xml, xpath, cmd.bool("wrap"))
}
