package xmltree

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govirt/govirt/virt/virterr"
)

// parser is a recursive-descent XML 1.0 reader that follows libxml2's
// xmlParseDocument closely enough to stop at the same place, with the same
// message, as libxml2 does on malformed input: libvirt shows that first
// fatal error to users (catchXMLError), so its wording, line and caret
// position are part of the interface. Only fatal errors stop the parse;
// libxml2's recoverable namespace errors are accepted, as libvirt accepts them.
type parser struct {
	data     []byte
	pos      int
	docName  string
	domain   virterr.Domain
	entities map[string]string // internal-subset general entities
	depth    int               // entity expansion depth
	states   entityStates      // what libxml2 remembers of entities, shared by contexts
	refs     int               // libxml2's ctxt->nbentities for this context
	copied   int               // libxml2's ctxt->sizeentcopy for this context
	open     int               // elements open around the current position
	lineBias int               // lines libxml2 has counted past its position
	extDTD   bool              // DOCTYPE names an external subset
	buf      []byte
	// lineFrom and lineNo cache the line number of offset lineFrom, so
	// elements' lines are counted in one pass over the document.
	lineFrom int
	lineNo   int
	// strs holds the names, indentation and short values seen so far: a
	// document repeats them, and one string for each saves allocations.
	strs map[string]string
	// attrs collects a start tag's attributes before they are copied
	// into a slice of the right size.
	attrs []Attr
}

// intern returns b as a string, shared with earlier equal strings.
func (p *parser) intern(b []byte) string {
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	if p.strs == nil {
		p.strs = make(map[string]string, 64)
	}
	s := string(b)
	p.strs[s] = s
	return s
}

// fatal carries the first fatal error out of the descent.
type fatal struct{ err *virterr.Error }

// fail stops the parse with libxml2's message msg (without its trailing
// newline) at the current position, formatted as libvirt's catchXMLError
// formats it: "name:line: msg\ncontext\ncaret".
func (p *parser) fail(msg string) {
	panic(fatal{p.errorAt(p.pos, msg)})
}

func (p *parser) failf(format string, args ...any) { p.fail(fmt.Sprintf(format, args...)) }

func (p *parser) errorAt(cur int, msg string) *virterr.Error {
	line := 1 + bytes.Count(p.data[:cur], newline) + p.lineBias
	context, caret := errorContext(p.data, cur)
	if p.docName == "" {
		// an entity's replacement text has no file name: libvirt's
		// catchXMLError then says "at line N"
		return virterr.NewFrom(p.domain, virterr.XMLDetail, "at line %d: %s\n%s\n%s", line, msg, context, caret)
	}
	return virterr.NewFrom(p.domain, virterr.XMLDetail, "%s:%d: %s\n%s\n%s", p.docName, line, msg, context, caret)
}

// lineAt returns the line of offset pos, which must not be before the
// offset of the previous call.
func (p *parser) lineAt(pos int) int {
	if p.lineNo == 0 {
		p.lineNo = 1
	}
	p.lineNo += bytes.Count(p.data[p.lineFrom:pos], newline)
	p.lineFrom = pos
	return p.lineNo
}

var newline = []byte{'\n'}

// errorContext builds the context line and the caret line around offset
// cur as libvirt's catchXMLError does: the line holding cur (or the last
// non-empty one before it when cur sits on line ends), and a pointer line
// of '-' (tabs kept) up to the column. An empty context prints as "(null)",
// as glibc prints the NULL that an empty virBuffer yields.
func errorContext(data []byte, cur int) (string, string) {
	isEOL := func(i int) bool { return i < len(data) && (data[i] == '\n' || data[i] == '\r') }
	c := cur
	for c > 0 && isEOL(c) {
		c--
	}
	for c > 0 && c < len(data) && !isEOL(c) {
		c--
	}
	if c == len(data) && c > 0 {
		// cur at the end: the C loop steps back over the terminating NUL.
		c--
		for c > 0 && !isEOL(c) {
			c--
		}
	}
	if isEOL(c) {
		c++
	}
	col := cur - c
	end := c
	for end < len(data) && !isEOL(end) {
		end++
	}
	context := data[c:end]
	if len(context) == 0 {
		return "(null)", "^"
	}
	var caret strings.Builder
	for n := 0; (col < 0 || n < col) && n < len(context); n++ {
		if context[n] == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte('-')
		}
	}
	caret.WriteByte('^')
	return string(context), caret.String()
}

func (p *parser) peek(off int) byte {
	if i := p.pos + off; i < len(p.data) {
		return p.data[i]
	}
	return 0
}

func (p *parser) hasPrefix(s string) bool {
	return len(p.data)-p.pos >= len(s) && string(p.data[p.pos:p.pos+len(s)]) == s
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *parser) skipBlanks() int {
	start := p.pos
	for p.pos < len(p.data) && isBlank(p.data[p.pos]) {
		p.pos++
	}
	return p.pos - start
}

// char decodes the character at the current position as libxml2's
// xmlCurrentChar does: CR LF and lone CR read as LF; a multi-byte sequence
// for a code point outside XML's Char range is the fatal "out of allowed
// range" error; malformed UTF-8 is the fatal encoding error, except within
// the last three bytes, where libxml2 takes it for a character cut by its
// input buffer and reads no character. It returns the rune and its byte
// length; 0, 0 at the end or when no character can be read.
func (p *parser) char() (rune, int) {
	if p.pos >= len(p.data) {
		return 0, 0
	}
	c := p.data[p.pos]
	if c < utf8.RuneSelf {
		if c == '\r' {
			if p.peek(1) == '\n' {
				return '\n', 2
			}
			return '\n', 1
		}
		return rune(c), 1
	}
	rest := p.data[p.pos:]
	cont := func(i int) bool { return i < len(rest) && rest[i]&0xC0 == 0x80 }
	var val rune
	var n int
	switch {
	case c&0x40 == 0 || c == 0xC0 || !cont(1):
		return p.encodingError()
	case c&0xE0 != 0xE0:
		n, val = 2, rune(c&0x1F)<<6|rune(rest[1]&0x3F)
		if val < 0x80 {
			return p.encodingError()
		}
	case !cont(2):
		return p.encodingError()
	case c&0xF0 != 0xF0:
		n, val = 3, rune(c&0x0F)<<12|rune(rest[1]&0x3F)<<6|rune(rest[2]&0x3F)
		if val < 0x800 {
			return p.encodingError()
		}
	case c&0xF8 != 0xF0 || !cont(3):
		return p.encodingError()
	default:
		n, val = 4, rune(c&0x07)<<18|rune(rest[1]&0x3F)<<12|rune(rest[2]&0x3F)<<6|rune(rest[3]&0x3F)
		if val < 0x10000 {
			return p.encodingError()
		}
	}
	if !isChar(val) {
		p.failf("Char 0x%X out of allowed range", val)
	}
	return val, n
}

func (p *parser) encodingError() (rune, int) {
	rest := p.data[p.pos:]
	if len(rest) < 4 {
		return 0, 0
	}
	p.failf("Input is not proper UTF-8, indicate encoding !\nBytes: 0x%02X 0x%02X 0x%02X 0x%02X", rest[0], rest[1], rest[2], rest[3])
	return 0, 0
}

func isChar(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

func isNameStartChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r == ':':
		return true
	case r < 0xC0:
		return false
	case r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF,
		r >= 0x200C && r <= 0x200D, r >= 0x2070 && r <= 0x218F,
		r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD,
		r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func isNameChar(r rune) bool {
	if isNameStartChar(r) {
		return true
	}
	switch {
	case r >= '0' && r <= '9', r == '-', r == '.', r == 0xB7:
		return true
	case r >= 0x300 && r <= 0x36F, r >= 0x203F && r <= 0x2040:
		return true
	}
	return false
}

// name reads an XML Name (prefixes included), or "" when none starts here.
func (p *parser) name() string {
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c < utf8.RuneSelf {
			r := rune(c)
			if (p.pos == start && !isNameStartChar(r)) || !isNameChar(r) {
				break
			}
			p.pos++
			continue
		}
		r, n := p.char()
		if (p.pos == start && !isNameStartChar(r)) || !isNameChar(r) {
			break
		}
		p.pos += n
	}
	return p.intern(p.data[start:p.pos])
}

func (p *parser) parseDocument() *Node {
	if p.hasPrefix("\xEF\xBB\xBF") {
		p.pos = 3
	}
	if p.pos >= len(p.data) {
		p.fail("Document is empty")
	}
	if p.hasPrefix("<?xml") && isBlank(p.peek(5)) {
		p.xmlDecl()
	}
	p.misc()
	if p.hasPrefix("<!DOCTYPE") {
		p.doctype()
		p.misc()
	}
	if p.peek(0) != '<' {
		p.fail("Start tag expected, '<' not found")
	}
	root := p.element(nil)
	p.misc()
	if p.pos < len(p.data) {
		p.fail("Extra content at the end of the document")
	}
	return root
}

// xmlDecl reads the XML declaration as libxml2's xmlParseXMLDecl does.
func (p *parser) xmlDecl() {
	p.pos += 5
	p.skipBlanks()
	if !p.hasPrefix("version") {
		p.fail("Malformed declaration expecting version")
	}
	p.pos += 7
	version := p.declValue(func() string {
		start := p.pos
		if c := p.peek(0); c < '0' || c > '9' {
			return ""
		}
		p.pos++
		if p.peek(0) != '.' {
			p.pos = start + 1
			return ""
		}
		p.pos++
		for c := p.peek(0); c >= '0' && c <= '9'; c = p.peek(0) {
			p.pos++
		}
		return string(p.data[start:p.pos])
	})
	if version == "" {
		p.fail("Malformed declaration expecting version")
	}
	if version != "1.0" && !strings.HasPrefix(version, "1.") {
		p.failf("Unsupported version '%s'", version)
	}
	if !isBlank(p.peek(0)) {
		if p.hasPrefix("?>") {
			p.pos += 2
			return
		}
		p.fail("Blank needed here")
	}
	p.skipBlanks()
	hasEncoding := false
	if p.hasPrefix("encoding") {
		p.pos += 8
		enc := p.declValue(func() string {
			start := p.pos
			if c := p.peek(0); !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				p.fail("Invalid XML encoding name")
			}
			for c := p.peek(0); c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'; c = p.peek(0) {
				p.pos++
			}
			return string(p.data[start:p.pos])
		})
		// libvirt hands libxml2 a string: with no input buffer to convert,
		// a declared encoding only has to be one libxml2 can find (its own
		// or iconv's); the text is read as UTF-8 whatever it declares.
		switch upper := strings.ToUpper(enc); {
		case upper == "UTF-16" || upper == "UTF16" || upper == "UTF-8" || upper == "UTF8":
			// libxml2 records these in the context, not in the input
		case !knownEncoding(upper):
			p.failf("Unsupported encoding %s", enc)
		default:
			hasEncoding = true
		}
	}
	if hasEncoding && !isBlank(p.peek(0)) {
		if p.hasPrefix("?>") {
			p.pos += 2
			return
		}
		p.fail("Blank needed here")
	}
	p.skipBlanks()
	if p.hasPrefix("standalone") {
		p.pos += 10
		p.skipBlanks()
		if p.peek(0) != '=' {
			p.fail("expected '='")
		}
		p.pos++
		p.skipBlanks()
		q := p.peek(0)
		if q != '"' && q != '\'' {
			p.fail("String not started expecting ' or \"")
		}
		p.pos++
		switch {
		case p.hasPrefix("no"):
			p.pos += 2
		case p.hasPrefix("yes"):
			p.pos += 3
		default:
			p.fail("standalone accepts only 'yes' or 'no'")
		}
		if p.peek(0) != q {
			p.fail("String not closed expecting \" or '")
		}
		p.pos++
	}
	p.skipBlanks()
	if !p.hasPrefix("?>") {
		p.fail("parsing XML declaration: '?>' expected")
	}
	p.pos += 2
}

// knownEncoding tells whether libxml2 finds a handler for an (upper-case)
// encoding name: one of its own, or one glibc's iconv knows.
func knownEncoding(name string) bool {
	switch name {
	case "UTF-16LE", "UTF-16BE", "ISO-8859-1", "ISO-LATIN-1", "ASCII", "US-ASCII", "HTML":
		return true
	}
	return iconvNames[name]
}

// declValue reads `= "value"` of the XML declaration; value reads the
// text between the quotes.
func (p *parser) declValue(value func() string) string {
	p.skipBlanks()
	if p.peek(0) != '=' {
		p.fail("expected '='")
	}
	p.pos++
	p.skipBlanks()
	q := p.peek(0)
	if q != '"' && q != '\'' {
		p.fail("String not started expecting ' or \"")
	}
	p.pos++
	v := value()
	if p.peek(0) != q {
		p.fail("String not closed expecting \" or '")
	}
	p.pos++
	return v
}

// misc skips blanks, comments and processing instructions (libxml2's
// xmlParseMisc) outside the root element.
func (p *parser) misc() {
	for {
		p.skipBlanks()
		switch {
		case p.hasPrefix("<?"):
			p.pi()
		case p.hasPrefix("<!--"):
			p.comment()
		default:
			return
		}
	}
}

func (p *parser) pi() {
	p.pos += 2
	target := p.name()
	if target == "" {
		p.fail("xmlParsePI : no target name")
	}
	if target == "xml" {
		p.fail("XML declaration allowed only at the start of the document")
	}
	if strings.EqualFold(target, "xml") {
		p.fail("Invalid PI name")
	}
	if p.hasPrefix("?>") {
		p.pos += 2
		return
	}
	if p.skipBlanks() == 0 {
		p.failf("ParsePI: PI %s space expected", target)
	}
	for {
		if p.hasPrefix("?>") {
			p.pos += 2
			return
		}
		r, n := p.char()
		if n == 0 || !isChar(r) {
			p.failf("ParsePI: PI %s never end ...", target)
		}
		p.pos += n
	}
}

// comment reads a comment the way libxml2's xmlParseComment does, since
// its errors depend on the route taken: a fast path over ASCII text, and
// xmlParseCommentComplex from the first other character on.
func (p *parser) comment() {
	p.pos += 4
	d := p.data
	var buf []byte // nil until text is saved: libxml2's NULL buffer
	in := p.pos
	for {
		for in < len(d) && (d[in] >= 0x20 && d[in] <= 0x7F && d[in] != '-' || d[in] == '\t' || d[in] == '\n') {
			in++
		}
		if in > p.pos {
			buf = append(buf, d[p.pos:in]...)
		}
		p.pos = in
		if in+1 < len(d) && d[in] == '\r' && d[in+1] == '\n' {
			p.pos, in = in+1, in+1 // the CR is dropped
			continue
		}
		if in >= len(d) || d[in] != '-' {
			break
		}
		if in+1 < len(d) && d[in+1] == '-' {
			if in+2 < len(d) && d[in+2] == '>' {
				p.pos = in + 3
				return
			}
			if buf == nil {
				p.fail("Double hyphen within comment")
			}
			p.failf("Double hyphen within comment: <!--%s", clip50(buf))
		}
		in++
	}
	p.commentComplex(buf)
}

func (p *parser) commentComplex(buf []byte) {
	read := func(invalid rune) rune {
		r, n := p.char()
		if n == 0 {
			p.fail("Comment not terminated")
		}
		if !isChar(r) {
			if invalid < 0 {
				invalid = r
			}
			p.failf("xmlParseComment: invalid xmlChar value %d", invalid)
		}
		p.pos += n
		return r
	}
	q := read(-1)
	r := read(q)
	cur, n := p.char()
	if n == 0 {
		p.fail("Comment not terminated")
	}
	for isChar(cur) && (cur != '>' || r != '-' || q != '-') {
		if q == '-' && r == '-' {
			p.fail("Comment must not contain '--' (double-hyphen)")
		}
		buf = utf8.AppendRune(buf, q)
		q, r = r, cur
		p.pos += n
		cur, n = p.char()
		if n == 0 {
			p.failf("Comment not terminated \n<!--%s", clip50(buf))
		}
	}
	if !isChar(cur) {
		p.failf("xmlParseComment: invalid xmlChar value %d", cur)
	}
	p.pos += n
}

// clip50 is C's "%.50s".
func clip50(b []byte) []byte {
	if len(b) > 50 {
		return b[:50]
	}
	return b
}

func (p *parser) doctype() {
	p.pos += 9
	p.skipBlanks()
	if p.name() == "" {
		p.fail("xmlParseDocTypeDecl : no DOCTYPE name !")
	}
	p.skipBlanks()
	switch {
	case p.hasPrefix("SYSTEM"):
		p.pos += 6
		if p.skipBlanks() == 0 {
			p.fail("Space required after 'SYSTEM'")
		}
		p.systemLiteral()
		p.extDTD = true
	case p.hasPrefix("PUBLIC"):
		p.pos += 6
		if p.skipBlanks() == 0 {
			p.fail("Space required after 'PUBLIC'")
		}
		p.systemLiteral()
		if p.skipBlanks() == 0 {
			p.fail("Space required after the Public Identifier")
		}
		p.systemLiteral()
		p.extDTD = true
	}
	p.skipBlanks()
	if p.peek(0) == '[' {
		p.pos++
		p.internalSubset()
		p.skipBlanks()
	}
	if p.peek(0) != '>' {
		p.fail("DOCTYPE improperly terminated")
	}
	p.pos++
}

func (p *parser) systemLiteral() string {
	q := p.peek(0)
	if q != '"' && q != '\'' {
		p.fail("SystemLiteral \" or ' expected")
	}
	p.pos++
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] != q {
		p.pos++
	}
	if p.pos >= len(p.data) {
		p.fail("Unfinished System or Public ID \" or ' expected")
	}
	v := string(p.data[start:p.pos])
	p.pos++
	return v
}

// internalSubset reads the DTD internal subset, keeping internal general
// entities (whose values expand in content and attributes) and skipping
// other declarations.
func (p *parser) internalSubset() {
	for {
		p.skipBlanks()
		switch {
		case p.peek(0) == ']':
			p.pos++
			return
		case p.hasPrefix("<!--"):
			p.comment()
		case p.hasPrefix("<?"):
			p.pi()
		case p.hasPrefix("<!ENTITY"):
			p.entityDecl()
		case p.hasPrefix("<!ELEMENT"):
			p.elementDecl()
		case p.hasPrefix("<!ATTLIST"), p.hasPrefix("<!NOTATION"):
			p.skipDecl()
		case p.peek(0) == '%':
			p.pos++
			p.name()
			if p.peek(0) == ';' {
				p.pos++
			}
		default:
			p.fail("internal error: xmlParseInternalSubset: error detected in Markup declaration\n")
		}
	}
}

func (p *parser) skipDecl() {
	var q byte
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		p.pos++
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '>':
			return
		}
	}
	p.fail("DOCTYPE improperly terminated")
}

// entityDecl reads <!ENTITY …> as xmlParseEntityDecl does, keeping
// internal general entities; parameter and external entities are skipped.
func (p *parser) entityDecl() {
	start := p.pos
	p.pos += 8
	if p.skipBlanks() == 0 {
		p.fail("Space required after '<!ENTITY'")
	}
	if p.peek(0) == '%' {
		p.pos = start
		p.skipDecl()
		return
	}
	name := p.name()
	if name == "" {
		p.fail("xmlParseEntityDecl: no name")
	}
	if p.skipBlanks() == 0 {
		p.fail("Space required after the entity name")
	}
	q := p.peek(0)
	if q != '"' && q != '\'' {
		if p.hasPrefix("SYSTEM") || p.hasPrefix("PUBLIC") {
			p.pos = start
			p.skipDecl()
			return
		}
		p.fail("Entity value required")
	}
	p.pos++
	vstart := p.pos
	for p.pos < len(p.data) && p.data[p.pos] != q {
		r, n := p.char()
		if n == 0 || !isChar(r) {
			break
		}
		p.pos += n
	}
	if p.pos >= len(p.data) || p.data[p.pos] != q {
		p.fail("EntityValue: \" or ' expected")
	}
	value := string(p.data[vstart:p.pos])
	p.pos++
	if msg := checkEntityValueRefs(p.data[vstart : p.pos-1]); msg != "" {
		p.fail(msg)
	}
	p.skipBlanks()
	if p.peek(0) != '>' {
		p.failf("xmlParseEntityDecl: entity %s not terminated", name)
	}
	p.pos++
	if p.entities == nil {
		p.entities = map[string]string{}
	}
	if _, dup := p.entities[name]; !dup {
		p.entities[name] = expandCharRefs(value)
	}
}

// checkEntityValueRefs checks the references in an entity value as
// libxml2 does when it stores the declaration, returning its message for
// the first bad one.
func checkEntityValueRefs(v []byte) string {
	for {
		i := bytes.IndexByte(v, '&')
		if i < 0 {
			return ""
		}
		v = v[i+1:]
		if len(v) > 0 && v[0] == '#' {
			hex := len(v) > 1 && v[1] == 'x'
			digits := v[1:]
			if hex {
				digits = v[2:]
			}
			var val uint32
			j := 0
			for ; j < len(digits) && digits[j] != ';'; j++ {
				c := digits[j]
				switch {
				case c >= '0' && c <= '9':
					val = val*10 + uint32(c-'0')
					if hex {
						val = val/10*16 + uint32(c-'0')
					}
				case hex && c >= 'a' && c <= 'f':
					val = val*16 + uint32(c-'a') + 10
				case hex && c >= 'A' && c <= 'F':
					val = val*16 + uint32(c-'A') + 10
				case hex:
					return "CharRef: invalid hexadecimal value"
				default:
					return "CharRef: invalid decimal value"
				}
				if val > 0x110000 {
					val = 0x110000
				}
			}
			switch {
			case val >= 0x110000:
				return "xmlParseStringCharRef: character reference out of bounds"
			case !isChar(rune(val)):
				return fmt.Sprintf("xmlParseStringCharRef: invalid xmlChar value %d", val)
			}
			continue
		}
		sub := parser{data: v}
		if sub.name() == "" || sub.peek(0) != ';' {
			return "EntityValue: '&' forbidden except for entities references"
		}
	}
}

// elementDecl checks the start of <!ELEMENT …> as xmlParseElementDecl
// does and skips the content model.
func (p *parser) elementDecl() {
	p.pos += 9
	if p.skipBlanks() == 0 {
		p.fail("Space required after 'ELEMENT'")
	}
	if p.name() == "" {
		p.fail("xmlParseElementDecl: no name for Element")
	}
	if p.skipBlanks() == 0 {
		p.fail("Space required after the element name")
	}
	switch {
	case p.hasPrefix("EMPTY"):
		p.pos += 5
	case p.hasPrefix("ANY"):
		p.pos += 3
	case p.peek(0) == '(':
		p.skipDecl()
		return
	default:
		p.fail("xmlParseElementDecl: 'EMPTY', 'ANY' or '(' expected")
	}
	p.skipBlanks()
	if p.peek(0) != '>' {
		p.fail("expected '>'")
	}
	p.pos++
}

// expandCharRefs resolves character references in an entity value, as
// libxml2 does when it stores the declaration.
func expandCharRefs(v string) string {
	if !strings.Contains(v, "&#") {
		return v
	}
	var b strings.Builder
	for {
		i := strings.Index(v, "&#")
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		j := strings.IndexByte(v[i:], ';')
		if j < 0 {
			b.WriteString(v)
			return b.String()
		}
		b.WriteString(v[:i])
		ref := v[i+2 : i+j]
		var n uint64
		var err error
		if strings.HasPrefix(ref, "x") {
			n, err = strconv.ParseUint(ref[1:], 16, 32)
		} else {
			n, err = strconv.ParseUint(ref, 10, 32)
		}
		if err == nil {
			b.WriteRune(rune(n))
		}
		v = v[i+j+1:]
	}
}

// element reads one element and its content. It mirrors libxml2's
// xmlParseElementStart / xmlParseContentInternal / xmlParseEndTag2.
func (p *parser) element(parent *Node) *Node {
	// libvirt does not pass XML_PARSE_HUGE: libxml2 refuses nesting
	// deeper than xmlParserMaxDepth
	if p.open > 256 {
		p.fail("Excessive depth in document: 256 use XML_PARSE_HUGE option")
	}
	line := p.lineAt(p.pos)
	n := p.startTag(line)
	n.Parent = parent
	if parent != nil {
		parent.Children = append(parent.Children, n)
		parent.Segments = append(parent.Segments, "")
	}
	if p.hasPrefix("/>") {
		p.pos += 2
		return n
	}
	if p.peek(0) != '>' {
		p.failf("Couldn't find end of Start Tag %s line %d", localName(n.Name), line)
	}
	p.pos++
	p.open++
	p.content(n)
	p.open--
	if p.pos >= len(p.data) {
		p.failf("Premature end of data in tag %s line %d", localName(n.Name), line)
	}
	p.endTag(n)
	if len(n.Segments) == 1 {
		n.Text = n.Segments[0]
	} else {
		n.Text = strings.Join(n.Segments, "")
	}
	return n
}

func (p *parser) startTag(line int) *Node {
	p.pos++ // '<'
	name := p.name()
	if name == "" {
		p.fail("StartTag: invalid element name")
	}
	n := &Node{Name: name, Line: line, Segments: []string{""}}
	p.skipBlanks()
	attrs := p.attrs[:0]
	for {
		c := p.peek(0)
		if c == '>' || (c == '/' && p.peek(1) == '>') || c == 0 || !(c >= 0x20 || isBlank(c)) {
			break
		}
		aname := p.name()
		if aname == "" {
			p.fail("error parsing attribute name")
		}
		p.skipBlanks()
		if p.peek(0) != '=' {
			p.failf("Specification mandates value for attribute %s", localName(aname))
		}
		p.pos++
		p.skipBlanks()
		attrs = append(attrs, Attr{Name: aname, Value: p.attValue()})
		c = p.peek(0)
		if c == '>' || (c == '/' && p.peek(1) == '>') {
			break
		}
		if p.skipBlanks() == 0 {
			p.fail("attributes construct error")
		}
	}
	p.checkDuplicates(attrs)
	if len(attrs) > 0 {
		n.Attrs = append([]Attr(nil), attrs...)
	}
	p.attrs = attrs[:0]
	return n
}

// checkDuplicates reports the first attribute whose name an earlier one
// already has; libxml2 checks once the whole start tag is read.
func (p *parser) checkDuplicates(attrs []Attr) {
	if len(attrs) <= 16 {
		for i := 1; i < len(attrs); i++ {
			for j := 0; j < i; j++ {
				if attrs[i].Name == attrs[j].Name {
					p.failf("Attribute %s redefined", attrs[i].Name)
				}
			}
		}
		return
	}
	seen := make(map[string]bool, len(attrs))
	for _, a := range attrs {
		if seen[a.Name] {
			p.failf("Attribute %s redefined", a.Name)
		}
		seen[a.Name] = true
	}
}

// attValue reads a quoted attribute value with libxml2's normalisation:
// literal tabs and line ends become spaces, references are resolved.
func (p *parser) attValue() string {
	q := p.peek(0)
	if q != '"' && q != '\'' {
		p.fail("AttValue: \" or ' expected")
	}
	p.pos++
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == q {
			var v string
			if p.pos-start <= 32 {
				v = p.intern(p.data[start:p.pos])
			} else {
				v = string(p.data[start:p.pos])
			}
			p.pos++
			return v
		}
		if c < 0x20 || c >= 0x80 || c == '&' || c == '<' {
			break
		}
		p.pos++
	}
	b := append(p.buf[:0], p.data[start:p.pos]...)
	for {
		c := p.peek(0)
		switch {
		case c == q:
			p.pos++
			p.buf = b
			return string(b)
		case c == '<':
			p.fail("Unescaped '<' not allowed in attributes values")
		case c == '&':
			b = p.reference(b, true)
			continue
		}
		r, n := p.char()
		if n == 0 {
			p.fail("AttValue: ' expected")
		}
		if !isChar(r) {
			p.fail("invalid character in attribute value")
		}
		if r == '\t' || r == '\n' {
			r = ' '
		}
		b = utf8.AppendRune(b, r)
		p.pos += n
	}
}

// reference resolves a character or entity reference at '&' and appends
// its text to b.
func (p *parser) reference(b []byte, inAttr bool) []byte {
	if p.peek(1) == '#' {
		r := p.charRef()
		return utf8.AppendRune(b, r)
	}
	p.pos++
	name := p.name()
	if name == "" {
		p.fail("xmlParseEntityRef: no name")
	}
	if p.peek(0) != ';' {
		p.fail("EntityRef: expecting ';'")
	}
	p.pos++
	switch name {
	case "lt":
		return append(b, '<')
	case "gt":
		return append(b, '>')
	case "amp":
		return append(b, '&')
	case "apos":
		return append(b, '\'')
	case "quot":
		return append(b, '"')
	}
	if v, ok := p.entities[name]; ok {
		if inAttr {
			if strings.IndexByte(v, '<') >= 0 {
				p.failf("'<' in entity '%s' is not allowed in attributes values", name)
			}
			return p.attrEntity(b, name, v)
		}
		p.refs++
		b = append(b, v...)
		p.contentEntityDone(name, v, 0)
		return b
	}
	if !p.extDTD {
		p.failf("Entity '%s' not defined", name)
	}
	return b
}

func (p *parser) charRef() rune {
	var val uint32
	if p.peek(2) == 'x' {
		p.pos += 3
		for p.peek(0) != ';' {
			c := p.peek(0)
			switch {
			case c >= '0' && c <= '9':
				val = val*16 + uint32(c-'0')
			case c >= 'a' && c <= 'f':
				val = val*16 + uint32(c-'a') + 10
			case c >= 'A' && c <= 'F':
				val = val*16 + uint32(c-'A') + 10
			default:
				p.fail("CharRef: invalid hexadecimal value")
			}
			if val > 0x110000 {
				val = 0x110000
			}
			p.pos++
		}
	} else {
		p.pos += 2
		for p.peek(0) != ';' {
			c := p.peek(0)
			if c < '0' || c > '9' {
				p.fail("CharRef: invalid decimal value")
			}
			val = val*10 + uint32(c-'0')
			if val > 0x110000 {
				val = 0x110000
			}
			p.pos++
		}
	}
	p.pos++ // ';'
	if val >= 0x110000 {
		p.fail("xmlParseCharRef: character reference out of bounds")
	}
	if !isChar(rune(val)) {
		p.failf("xmlParseCharRef: invalid xmlChar value %d", val)
	}
	return rune(val)
}

// markupEntity reports whether the reference at '&' names an internal
// entity whose replacement text holds markup or references, which libxml2
// parses as content; it consumes the reference only then.
func (p *parser) markupEntity() (value, name string, ok bool) {
	if len(p.entities) == 0 || p.peek(1) == '#' {
		return "", "", false
	}
	start := p.pos
	p.pos++
	name = p.name()
	if name == "" || p.peek(0) != ';' {
		p.pos = start
		return "", "", false
	}
	value, ok = p.entities[name]
	if !ok || !strings.ContainsAny(value, "<&") {
		p.pos = start
		return "", "", false
	}
	p.pos++
	return value, name, true
}

// expandInContent parses an entity's replacement text as content of n.
func (p *parser) expandInContent(n *Node, name, value string) {
	if p.depth >= maxEntityDepth {
		p.loop()
	}
	p.refs++
	if p.states == nil {
		p.states = entityStates{}
	}
	sub := parser{data: []byte(value), domain: p.domain, entities: p.entities, states: p.states, depth: p.depth + 1, open: p.open, lineNo: p.lineAt(p.pos)}
	if strings.Contains(value, "&"+name+";") {
		sub.pos = strings.Index(value, "&"+name+";") + len(name) + 2
		sub.fail("Detected an entity reference loop")
	}
	sub.content(n)
	if sub.pos < len(sub.data) {
		// an end tag with no start in the replacement text
		sub.fail("chunk is not well balanced")
	}
	p.contentEntityDone(name, value, sub.refs)
}

// content reads the content of n up to its end tag (or the end of input).
func (p *parser) content(n *Node) {
	for p.pos < len(p.data) {
		start := p.pos
		p.contentItem(n)
		if p.pos == start {
			if p.peek(0) == '<' && p.peek(1) == '/' {
				return
			}
			p.fail("internal error: detected an error in element content\n")
		}
	}
}

// contentItem reads one piece of content: markup, a reference or text.
func (p *parser) contentItem(n *Node) {
	switch c := p.data[p.pos]; {
	case c == '<':
		switch {
		case p.peek(1) == '/':
		case p.peek(1) == '?':
			p.pi()
		case p.hasPrefix("<![CDATA["):
			p.addText(n, p.cdata())
		case p.hasPrefix("<!--"):
			p.comment()
		default:
			p.element(n)
		}
	case c == '&':
		if v, name, ok := p.markupEntity(); ok {
			p.expandInContent(n, name, v)
			return
		}
		b := p.reference(p.buf[:0], false)
		p.addText(n, string(b))
		p.buf = b
	default:
		p.addText(n, p.charData())
	}
}

func (p *parser) addText(n *Node, s string) {
	if s == "" {
		return
	}
	last := len(n.Segments) - 1
	if n.Segments[last] == "" {
		n.Segments[last] = s
	} else {
		n.Segments[last] += s
	}
}

// charData reads text up to the next '<' or '&' like libxml2's
// xmlParseCharData: a fast path over ASCII, which reports "]]>" at the
// start of the run it has not yet handed on (that run restarts after each
// CR LF), then xmlParseCharDataComplex, which reports it where it is.
func (p *parser) charData() string {
	d := p.data
	start, run := p.pos, p.pos
	var b []byte // the text before run, once a CR LF was dropped
	crlf := false
	in := p.pos
fast:
	for in < len(d) {
		switch c := d[in]; {
		case c == '<' || c == '&':
			break fast
		case c == ']':
			if in+2 < len(d) && d[in+1] == ']' && d[in+2] == '>' {
				p.pos = run
				if run > start && d[run] == '\n' {
					// libxml2 has counted the line the CR LF ends
					p.lineBias = 1
				}
				p.fail("Sequence ']]>' not allowed in content")
			}
			in++
		case c >= 0x20 && c < 0x80 || c == '\n' || c == '\t':
			in++
		case c == '\r' && in+1 < len(d) && d[in+1] == '\n':
			b = append(b, d[run:in]...)
			crlf = true
			run = in + 1
			in += 2
		default:
			break fast
		}
	}
	p.pos = in
	if in >= len(d) || d[in] == '<' || d[in] == '&' {
		if !crlf {
			if text := d[start:in]; len(text) <= 64 && len(bytes.TrimLeft(text, " \t\n")) == 0 {
				return p.intern(text)
			}
			return string(d[start:in])
		}
		return string(append(b, d[run:in]...))
	}
	b = append(append(p.buf[:0], b...), d[run:in]...)
	for p.pos < len(d) {
		c := d[p.pos]
		if c == '<' || c == '&' {
			break
		}
		if c == ']' && p.hasPrefix("]]>") {
			p.fail("Sequence ']]>' not allowed in content")
		}
		r, n := p.char()
		if n == 0 {
			break
		}
		if !isChar(r) {
			p.failf("PCDATA invalid Char value %d", r)
		}
		b = utf8.AppendRune(b, r)
		p.pos += n
	}
	p.buf = b
	return string(b)
}

func (p *parser) cdata() string {
	p.pos += 9
	start := p.pos
	// libxml2 reads two characters ahead before it looks for "]]>"; an
	// input ending (or breaking) there gets its generic message.
	for i := 0; i < 2; i++ {
		r, n := p.char()
		if n == 0 || !isChar(r) {
			p.fail("Unregistered error message")
		}
		p.pos += n
	}
	p.pos = start
	b := p.buf[:0]
	for {
		if p.hasPrefix("]]>") {
			p.pos += 3
			p.buf = b
			return string(b)
		}
		r, n := p.char()
		if n == 0 || !isChar(r) {
			// libxml2 has not yet stored the last two characters it read
			body := b
			for i := 0; i < 2; i++ {
				_, size := utf8.DecodeLastRune(body)
				body = body[:len(body)-size]
			}
			if len(body) > 50 {
				body = body[:50]
			}
			p.failf("CData section not finished\n%s", body)
		}
		b = utf8.AppendRune(b, r)
		p.pos += n
	}
}

func (p *parser) endTag(n *Node) {
	p.pos += 2
	name := p.name()
	p.skipBlanks()
	if p.peek(0) != '>' {
		p.fail("expected '>'")
	}
	p.pos++
	if name != n.Name {
		switch {
		case name == "":
			name = "unparsable"
		case hasPrefix(n.Name):
			// libxml2 names a prefixed element's end tag by its local part
			name = localName(name)
		}
		p.failf("Opening and ending tag mismatch: %s line %d and %s", localName(n.Name), n.Line, name)
	}
}

// localName is the part of a qualified name libxml2's xmlParseQName keeps
// as the local name: what follows "prefix:" when both parts are names.
func localName(qname string) string {
	if i := strings.IndexByte(qname, ':'); i > 0 && i+1 < len(qname) {
		r, _ := utf8.DecodeRuneInString(qname[i+1:])
		if r != ':' && isNameStartChar(r) {
			return qname[i+1:]
		}
	}
	return qname
}

func hasPrefix(qname string) bool { return localName(qname) != qname }
