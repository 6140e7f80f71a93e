package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// The subset of the XDR language (RFC 4506 §6) that libvirt's .x files use,
// plus the procedure annotations libvirt keeps in doc comments.

type file struct {
	consts   []constDef
	enums    []*enumDef
	typedefs []*decl
	structs  []*structDef
	unions   []*unionDef
	order    []any // definitions in file order
}

type constDef struct{ name, value string }

type enumDef struct {
	name   string
	values []enumValue
}

type enumValue struct {
	name, value string
	doc         string // the doc comment before the value (procedure annotations)
}

type structDef struct {
	name   string
	fields []*decl
}

type unionCase struct {
	values []string // case labels
	arm    *decl    // nil for void
}

type unionDef struct {
	name  string
	discr *decl
	cases []unionCase
	def   *unionCase
}

// decl is one declaration: a field, a typedef or a union arm.
type decl struct {
	name     string
	typ      string // base type: "int", "unsigned hyper", "opaque", "string", an identifier …
	kind     declKind
	size     string // fixed size, or variable maximum ("" = unbounded)
	optional bool   // T *name
}

type declKind int

const (
	plain declKind = iota
	fixedArray
	varArray
)

type token struct {
	text string
	doc  string // the last comment before this token
	line int
}

func tokenize(src string) ([]token, error) {
	var toks []token
	doc := ""
	line := 1
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '%' && (i == 0 || src[i-1] == '\n'):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated comment", line)
			}
			doc = src[i+2 : i+2+end]
			line += strings.Count(doc, "\n")
			i += end + 4
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.ContainsRune("{}()[]<>;,=*:", rune(c)):
			toks = append(toks, token{text: string(c), doc: doc, line: line})
			doc = ""
			i++
		case c == '-' || unicode.IsDigit(rune(c)) || c == '_' || unicode.IsLetter(rune(c)):
			j := i + 1
			for j < len(src) && (src[j] == '_' || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			toks = append(toks, token{text: src[i:j], doc: doc, line: line})
			doc = ""
			i = j
		default:
			return nil, fmt.Errorf("line %d: unexpected %q", line, c)
		}
	}
	return toks, nil
}

type parser struct {
	toks []token
	pos  int
	f    *file
}

func parse(src string) (*file, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, f: &file{}}
	for p.pos < len(p.toks) {
		if err := p.definition(); err != nil {
			return nil, err
		}
	}
	return p.f, nil
}

func (p *parser) peek() token {
	if p.pos >= len(p.toks) {
		return token{}
	}
	return p.toks[p.pos]
}

func (p *parser) next() token {
	t := p.peek()
	p.pos++
	return t
}

func (p *parser) expect(s string) error {
	t := p.next()
	if t.text != s {
		return fmt.Errorf("line %d: expected %q, got %q", t.line, s, t.text)
	}
	return nil
}

func (p *parser) definition() error {
	t := p.next()
	switch t.text {
	case "const":
		name := p.next().text
		if err := p.expect("="); err != nil {
			return err
		}
		v := p.next().text
		p.f.consts = append(p.f.consts, constDef{name, v})
		p.f.order = append(p.f.order, constDef{name, v})
		return p.expect(";")
	case "typedef":
		d, err := p.declaration()
		if err != nil {
			return err
		}
		p.f.typedefs = append(p.f.typedefs, d)
		p.f.order = append(p.f.order, d)
		return p.expect(";")
	case "enum":
		e := &enumDef{name: p.next().text}
		if err := p.expect("{"); err != nil {
			return err
		}
		for {
			vt := p.next()
			if vt.text == "}" {
				break
			}
			if vt.text == "," {
				continue
			}
			ev := enumValue{name: vt.text, doc: vt.doc}
			if err := p.expect("="); err != nil {
				return err
			}
			ev.value = p.next().text
			e.values = append(e.values, ev)
		}
		p.f.enums = append(p.f.enums, e)
		p.f.order = append(p.f.order, e)
		return p.expect(";")
	case "struct":
		s := &structDef{name: p.next().text}
		if err := p.expect("{"); err != nil {
			return err
		}
		for p.peek().text != "}" {
			d, err := p.declaration()
			if err != nil {
				return err
			}
			s.fields = append(s.fields, d)
			if err := p.expect(";"); err != nil {
				return err
			}
		}
		p.next()
		p.f.structs = append(p.f.structs, s)
		p.f.order = append(p.f.order, s)
		return p.expect(";")
	case "union":
		u := &unionDef{name: p.next().text}
		if err := p.expect("switch"); err != nil {
			return err
		}
		if err := p.expect("("); err != nil {
			return err
		}
		d, err := p.declaration()
		if err != nil {
			return err
		}
		u.discr = d
		if err := p.expect(")"); err != nil {
			return err
		}
		if err := p.expect("{"); err != nil {
			return err
		}
		var labels []string
		for p.peek().text != "}" {
			t := p.next()
			switch t.text {
			case "case":
				labels = append(labels, p.next().text)
				if err := p.expect(":"); err != nil {
					return err
				}
				if p.peek().text == "case" {
					continue
				}
				arm, err := p.arm()
				if err != nil {
					return err
				}
				u.cases = append(u.cases, unionCase{values: labels, arm: arm})
				labels = nil
			case "default":
				if err := p.expect(":"); err != nil {
					return err
				}
				arm, err := p.arm()
				if err != nil {
					return err
				}
				u.def = &unionCase{arm: arm}
			default:
				return fmt.Errorf("line %d: unexpected %q in union", t.line, t.text)
			}
		}
		p.next()
		p.f.unions = append(p.f.unions, u)
		p.f.order = append(p.f.order, u)
		return p.expect(";")
	}
	return fmt.Errorf("line %d: unexpected %q", t.line, t.text)
}

func (p *parser) arm() (*decl, error) {
	if p.peek().text == "void" {
		p.next()
		return nil, p.expect(";")
	}
	d, err := p.declaration()
	if err != nil {
		return nil, err
	}
	return d, p.expect(";")
}

func (p *parser) declaration() (*decl, error) {
	d := &decl{}
	t := p.next()
	switch t.text {
	case "unsigned":
		switch p.peek().text {
		case "int", "hyper", "char", "short":
			d.typ = "unsigned " + p.next().text
		default:
			d.typ = "unsigned int"
		}
	case "struct", "enum", "union":
		d.typ = p.next().text
	default:
		d.typ = t.text
	}
	if p.peek().text == "*" {
		p.next()
		d.optional = true
	}
	d.name = p.next().text
	switch p.peek().text {
	case "[":
		p.next()
		d.kind = fixedArray
		d.size = p.next().text
		if err := p.expect("]"); err != nil {
			return nil, err
		}
	case "<":
		p.next()
		d.kind = varArray
		if p.peek().text != ">" {
			d.size = p.next().text
		}
		if err := p.expect(">"); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// annotations reads libvirt's "@key: value" lines from a doc comment.
func annotations(doc string) map[string][]string {
	out := map[string][]string{}
	for _, l := range strings.Split(doc, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "*"))
		if !strings.HasPrefix(l, "@") {
			continue
		}
		k, v, ok := strings.Cut(l[1:], ":")
		if !ok {
			continue
		}
		out[strings.TrimSpace(k)] = append(out[strings.TrimSpace(k)], strings.TrimSpace(v))
	}
	return out
}

func parseInt(s string) (int64, error) {
	return strconv.ParseInt(s, 0, 64)
}
