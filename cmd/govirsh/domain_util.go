package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt"
	"github.com/govirt/govirt/virt/virterr"
)

// This file holds what the domain groups share: virsh's numeric option
// readers (vshCommandOpt*), the --config/--live/--current rules, typed
// parameter printing and a small XML tree for the XPath look-ups virsh
// makes on a domain's XML.

// optErr reports a malformed option value as vshCommandOpt* does.
func (c *ctl) optErr(name, val string) bool {
	c.errorf("Numeric value '%s' for <%s> option is malformed or out of range", val, name)
	return false
}

// optInt reads an int option (vshCommandOptInt): ok false on a bad value
// (already reported), set false when absent.
func (c *ctl) optInt(cmd *parsedCmd, name string) (v int, set, ok bool) {
	s, present := cmd.str(name)
	if !present {
		return 0, false, true
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, true, c.optErr(name, s)
	}
	return int(n), true, true
}

// optUInt reads an unsigned option (vshCommandOptUInt): negative numbers
// are refused.
func (c *ctl) optUInt(cmd *parsedCmd, name string) (v uint, set, ok bool) {
	s, present := cmd.str(name)
	if !present {
		return 0, false, true
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, true, c.optErr(name, s)
	}
	return uint(n), true, true
}

// optUIntWrap is vshCommandOptUIntWrap: -1 wraps to UINT_MAX, as
// strtoul does.
func (c *ctl) optUIntWrap(cmd *parsedCmd, name string) (v uint, set, ok bool) {
	s, present := cmd.str(name)
	if !present {
		return 0, false, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n < 0 && n >= -math.MaxUint32 {
		return uint(uint32(n)), true, true
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, true, c.optErr(name, s)
	}
	return uint(n), true, true
}

// optLongLong reads a long long option (vshCommandOptLongLong).
func (c *ctl) optLongLong(cmd *parsedCmd, name string) (v int64, set, ok bool) {
	s, present := cmd.str(name)
	if !present {
		return 0, false, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, c.optErr(name, s)
	}
	return n, true, true
}

// optULongLong reads an unsigned long long option (vshCommandOptULongLong).
func (c *ctl) optULongLong(cmd *parsedCmd, name string) (v uint64, set, ok bool) {
	s, present := cmd.str(name)
	if !present {
		return 0, false, true
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, true, c.optErr(name, s)
	}
	return n, true, true
}

// optULongLongWrap is vshCommandOptULongLongWrap: negative values wrap.
func (c *ctl) optULongLongWrap(cmd *parsedCmd, name string) (v uint64, set, ok bool) {
	s, present := cmd.str(name)
	if !present {
		return 0, false, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return uint64(n), true, true
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, true, c.optErr(name, s)
	}
	return n, true, true
}

// scaleSuffix is virScaleInteger: a unit suffix multiplies the number.
func scaleSuffix(n uint64, suffix string, scale, limit uint64) (uint64, error) {
	if suffix != "" {
		base := uint64(1024)
		var power int
		switch len(suffix) {
		case 1:
		case 2:
			if suffix[1] != 'b' && suffix[1] != 'B' {
				return 0, fmt.Errorf("invalid argument: unknown suffix '%s'", suffix)
			}
			base = 1000
		case 3:
			if suffix[1] != 'i' || suffix[2] != 'B' {
				return 0, fmt.Errorf("invalid argument: unknown suffix '%s'", suffix)
			}
		default:
			return 0, fmt.Errorf("invalid argument: unknown suffix '%s'", suffix)
		}
		switch suffix[0] {
		case 'b', 'B':
			if len(suffix) != 1 {
				return 0, fmt.Errorf("invalid argument: unknown suffix '%s'", suffix)
			}
			power = 0
		case 'k', 'K':
			power = 1
		case 'm', 'M':
			power = 2
		case 'g', 'G':
			power = 3
		case 't', 'T':
			power = 4
		case 'p', 'P':
			power = 5
		case 'e', 'E':
			power = 6
		default:
			return 0, fmt.Errorf("invalid argument: unknown suffix '%s'", suffix)
		}
		scale = 1
		for ; power > 0; power-- {
			if scale > math.MaxUint64/base {
				return 0, fmt.Errorf("numerical overflow: value too large: %d%s", n, suffix)
			}
			scale *= base
		}
	}
	if n > limit/scale {
		return 0, fmt.Errorf("numerical overflow: value too large: %d%s", n, suffix)
	}
	return n * scale, nil
}

// optScaled reads a size with an optional unit suffix
// (vshCommandOptScaledInt); the result is in bytes, defaultScale applies
// to bare numbers.
func (c *ctl) optScaled(cmd *parsedCmd, name string, defaultScale, limit uint64) (v uint64, set, ok bool) {
	s, present := cmd.str(name)
	if !present {
		return 0, false, true
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	bad := func() (uint64, bool, bool) {
		c.errorf("Scaled numeric value '%s' for <%s> option is malformed or out of range", s, name)
		return 0, true, false
	}
	if i == 0 {
		return bad()
	}
	n, err := strconv.ParseUint(s[:i], 10, 64)
	if err != nil {
		return bad()
	}
	r, err := scaleSuffix(n, s[i:], defaultScale, limit)
	if err != nil {
		c.lastErr = errors.New(err.Error())
		return bad()
	}
	return r, true, true
}

// affectFlags reads --current/--live/--config (with --persistent meaning
// --config where the command has it) as most domain commands do.
func (c *ctl) affectFlags(cmd *parsedCmd) (virt.DomainModificationImpact, bool) {
	if !c.exclusive(cmd, "current", "live") || !c.exclusive(cmd, "current", "config") {
		return 0, false
	}
	var f virt.DomainModificationImpact
	if cmd.bool("config") {
		f |= virt.DomainAffectConfig
	}
	if cmd.bool("live") {
		f |= virt.DomainAffectLive
	}
	return f, true
}

// typedParamValue words a value as vshGetTypedParamValue does.
func typedParamValue(p virt.TypedParam) string {
	switch v := p.Value.(type) {
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case uint32:
		return strconv.FormatUint(uint64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return fmt.Sprintf("%f", v)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case string:
		return v
	}
	return fmt.Sprint(p.Value)
}

// domain looks a domain up by id, UUID or name (virshCommandOptDomain).
func (c *ctl) domain(cmd *parsedCmd) (*virt.Domain, string) {
	return c.domainArg(cmd, "domain", byID|byUUID|byName)
}

// xnode is an element of a parsed XML document, enough for the XPath
// expressions virsh evaluates.
type xnode struct {
	name     string
	attrs    []xml.Attr
	children []*xnode
	text     string
	// texts[i] is the text before children[i]; the last one trails.
	texts  []string
	parent *xnode
}

func parseXMLTree(data string) (*xnode, error) {
	dec := xml.NewDecoder(strings.NewReader(data))
	var root, cur *xnode
	for {
		tok, err := dec.Token()
		if err != nil {
			if root != nil && cur == nil {
				return root, nil
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: t.Name.Local, attrs: t.Attr, parent: cur}
			if cur == nil {
				root = n
			} else {
				cur.children = append(cur.children, n)
			}
			cur = n
		case xml.EndElement:
			cur = cur.parent
			if cur == nil {
				return root, nil
			}
		case xml.CharData:
			if cur != nil {
				cur.text += string(t)
				for len(cur.texts) <= len(cur.children) {
					cur.texts = append(cur.texts, "")
				}
				cur.texts[len(cur.children)] += string(t)
			}
		}
	}
}

func (n *xnode) attr(name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// attrStr is string(@name): empty when absent.
func (n *xnode) attrStr(name string) string {
	v, _ := n.attr(name)
	return v
}

func (n *xnode) child(name string) *xnode {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *xnode) all(name string) []*xnode {
	if n == nil {
		return nil
	}
	var out []*xnode
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// path follows child names separated by '/'.
func (n *xnode) path(p string) *xnode {
	for _, part := range strings.Split(p, "/") {
		n = n.child(part)
	}
	return n
}

// firstAttr is XPath's string(a|b|c) over attributes of one element: the
// first in document order, which for one element is attribute order.
func (n *xnode) firstAttr(names ...string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.attrs {
		for _, want := range names {
			if a.Name.Local == want {
				return a.Value, true
			}
		}
	}
	return "", false
}

// textContent is XPath's string(): all descendant text.
func (n *xnode) textContent() string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*xnode)
	walk = func(x *xnode) {
		b.WriteString(x.text)
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// domainXML fetches and parses a domain's XML (virshDomainGetXML).
func (c *ctl) domainXML(cmd *parsedCmd, flags virt.DomainXMLFlags) (*virt.Domain, *xnode, bool) {
	dom, _ := c.domain(cmd)
	if dom == nil {
		return nil, nil, false
	}
	doc, ok := c.domainXMLOf(dom, flags)
	return dom, doc, ok
}

func (c *ctl) domainXMLOf(dom *virt.Domain, flags virt.DomainXMLFlags) (*xnode, bool) {
	s, err := dom.XMLDesc(c.ctx, flags)
	if err != nil {
		return nil, c.fail(err)
	}
	doc, err := parseXMLTree(s)
	if err != nil {
		c.errorf("Failed to parse domain XML")
		return nil, false
	}
	return doc, true
}

// errCode is the libvirt error code of err (virGetLastErrorCode).
func errCode(err error) virterr.Code { return virterr.CodeOf(err) }

// lookupDomain is virshLookupDomainBy for a name given as a string.
func (c *ctl) lookupDomain(name string) *virt.Domain {
	pc := &parsedCmd{opts: map[string]string{"domain": name}, set: map[string]bool{"domain": true}}
	d, _ := c.domainArg(pc, "domain", byID|byUUID|byName)
	return d
}

func xmlAttr(name, value string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: value} }

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
// indentation from level on. The device commands hand what they found in
// the domain XML back to detach/update this way.
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
