// Package xmlbuf writes XML the way libvirt's virBuffer does, so formatted
// documents are byte-equal to libvirt's: two-space indentation applied at
// the start of each line, single-quoted attributes, libvirt's escaping, and
// elements that collapse to <name/> when they have no children
// (virXMLFormatElement).
//
// The methods mirror libvirt's names so code ported from libvirt's
// formatters reads the same: Asprintf (virBufferAsprintf), AddLit
// (virBufferAddLit), EscapeString (virBufferEscapeString), AdjustIndent
// (virBufferAdjustIndent), and FormatElement (virXMLFormatElement).
package xmlbuf

import (
	"fmt"
	"strings"
)

// Buffer accumulates formatted XML.
type Buffer struct {
	b      strings.Builder
	indent int
}

// New returns an empty buffer with no indentation.
func New() *Buffer { return &Buffer{} }

// Child returns an empty buffer indented two spaces deeper than b, for an
// element's children (virBufferSetChildIndent).
func (b *Buffer) Child() *Buffer { return &Buffer{indent: b.indent + 2} }

// Inherit returns an empty buffer with b's indentation, for attributes
// (virBufferInheritIndent).
func (b *Buffer) Inherit() *Buffer { return &Buffer{indent: b.indent} }

// AdjustIndent changes the indentation by n spaces.
func (b *Buffer) AdjustIndent(n int) {
	b.indent += n
	if b.indent < 0 {
		b.indent = 0
	}
}

// SetIndent sets the indentation to n spaces.
func (b *Buffer) SetIndent(n int) { b.indent = n }

// Indent returns the current indentation.
func (b *Buffer) Indent() int { return b.indent }

// Len is the number of bytes written.
func (b *Buffer) Len() int { return b.b.Len() }

// String returns what was written.
func (b *Buffer) String() string { return b.b.String() }

// Bytes returns what was written.
func (b *Buffer) Bytes() []byte { return []byte(b.b.String()) }

// Reset empties the buffer, keeping its indentation.
func (b *Buffer) Reset() { b.b.Reset() }

func (b *Buffer) atLineStart() bool {
	s := b.b.Len()
	if s == 0 {
		return true
	}
	return b.b.String()[s-1] == '\n'
}

// Add writes s, indenting it if it starts a line. Like virBuffer, only the
// start of the written piece is indented; embedded newlines are not.
func (b *Buffer) Add(s string) {
	if s == "" {
		return
	}
	if b.indent > 0 && b.atLineStart() {
		b.b.WriteString(strings.Repeat(" ", b.indent))
	}
	b.b.WriteString(s)
}

// AddLit is Add (virBufferAddLit).
func (b *Buffer) AddLit(s string) { b.Add(s) }

// Asprintf formats and writes (virBufferAsprintf).
func (b *Buffer) Asprintf(format string, args ...any) {
	b.Add(fmt.Sprintf(format, args...))
}

// AddBuffer appends another buffer's content verbatim (virBufferAddBuffer).
func (b *Buffer) AddBuffer(o *Buffer) {
	if o == nil || o.b.Len() == 0 {
		return
	}
	// o was indented by its own indentation already.
	b.b.WriteString(o.b.String())
}

// EscapeString writes format with its single %s replaced by s escaped for
// XML (virBufferEscapeString). Unlike libvirt, which skips a NULL string,
// it always writes; callers decide whether the value is present.
func (b *Buffer) EscapeString(format string, s string) {
	b.Asprintf(format, Escape(s))
}

// Escape escapes s as virBufferEscapeString does: the five XML specials
// become entities and control characters other than tab, newline and
// carriage return are dropped.
func Escape(s string) string {
	needs := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '<' || c == '>' || c == '&' || c == '"' || c == '\'' || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			needs = true
			break
		}
	}
	if !needs {
		return s
	}
	var o strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<':
			o.WriteString("&lt;")
		case c == '>':
			o.WriteString("&gt;")
		case c == '&':
			o.WriteString("&amp;")
		case c == '"':
			o.WriteString("&quot;")
		case c == '\'':
			o.WriteString("&apos;")
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			// silently dropped, as libvirt does
		default:
			o.WriteByte(c)
		}
	}
	return o.String()
}

// Attr writes ` name='value'` with value escaped. Attributes continue a
// line, so they are never indented, whatever buffer they go to.
func (b *Buffer) Attr(name, value string) {
	b.b.WriteString(" " + name + "='" + Escape(value) + "'")
}

// Attrf writes ` name='…'` with a formatted, escaped value.
func (b *Buffer) Attrf(name, format string, args ...any) {
	b.Attr(name, fmt.Sprintf(format, args...))
}

// AttrIf writes the attribute only when value is not empty.
func (b *Buffer) AttrIf(name, value string) {
	if value != "" {
		b.Attr(name, value)
	}
}

// TextElement writes <name>value</name> on its own line, value escaped.
func (b *Buffer) TextElement(name, value string) {
	b.Add("<" + name + ">" + Escape(value) + "</" + name + ">\n")
}

// TextElementIf writes the element only when value is not empty.
func (b *Buffer) TextElementIf(name, value string) {
	if value != "" {
		b.TextElement(name, value)
	}
}

// FormatElement writes an element from an attribute buffer (written with
// Attr, each piece starting with a space) and a child buffer made with
// b.Child(), as libvirt's virXMLFormatElement: nothing when both are empty,
// <name attrs/> without children, otherwise the children between open and
// close tags.
func (b *Buffer) FormatElement(name string, attrs, children *Buffer) {
	hasAttrs := attrs != nil && attrs.Len() > 0
	hasChildren := children != nil && children.Len() > 0
	if !hasAttrs && !hasChildren {
		return
	}
	b.FormatElementAlways(name, attrs, children)
}

// FormatElementAlways is FormatElement that writes <name/> even when empty
// (virXMLFormatElementEmpty).
func (b *Buffer) FormatElementAlways(name string, attrs, children *Buffer) {
	b.Add("<" + name)
	if attrs != nil {
		b.b.WriteString(attrs.b.String())
	}
	if children != nil && children.Len() > 0 {
		b.b.WriteString(">\n")
		b.AddBuffer(children)
		b.Add("</" + name + ">\n")
		return
	}
	b.b.WriteString("/>\n")
}
