// Package xdrspec reads the subset of the XDR language (RFC 4506 §6) that
// libvirt's .x protocol files use, with the procedure annotations libvirt
// keeps in doc comments. The wire generator (internal/gen/rpcgen) and the
// API generator (internal/gen/apigen) both read the .x files through it.
package xdrspec

import (
	"fmt"
	"strings"
	"unicode"
)

// File is one parsed .x file.
type File struct {
	Consts   []Const
	Enums    []*Enum
	Typedefs []*Decl
	Structs  []*Struct
	Unions   []*Union
	Order    []any // definitions in file order
}

// Const is a "const NAME = value;" definition.
type Const struct{ Name, Value string }

// Enum is an enum definition; a procedure enum carries its annotations in
// the values' doc comments.
type Enum struct {
	Name   string
	Values []EnumValue
}

// EnumValue is one NAME = value of an enum.
type EnumValue struct {
	Name, Value string
	Doc         string // the doc comment before the value (procedure annotations)
}

// Struct is a struct definition.
type Struct struct {
	Name   string
	Fields []*Decl
}

// UnionCase is one arm of a union with its case labels.
type UnionCase struct {
	Values []string // case labels
	Arm    *Decl    // nil for void
}

// Union is a discriminated union; Default is its default arm, if any.
type Union struct {
	Name         string
	Discriminant *Decl
	Cases        []UnionCase
	Default      *UnionCase
}

// Decl is one declaration: a field, a typedef or a union arm.
type Decl struct {
	Name     string
	Type     string // base type: "int", "unsigned hyper", "opaque", "string", an identifier …
	Kind     DeclKind
	Size     string // fixed size, or variable maximum ("" = unbounded)
	Optional bool   // T *name
}

// DeclKind tells a scalar from fixed (x[N]) and variable (x<N>) arrays.
type DeclKind int

const (
	Plain DeclKind = iota
	FixedArray
	VarArray
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
	f    *File
}

// Parse reads one .x file.
func Parse(src string) (*File, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, f: &File{}}
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
		p.f.Consts = append(p.f.Consts, Const{name, v})
		p.f.Order = append(p.f.Order, Const{name, v})
		return p.expect(";")
	case "typedef":
		d, err := p.declaration()
		if err != nil {
			return err
		}
		p.f.Typedefs = append(p.f.Typedefs, d)
		p.f.Order = append(p.f.Order, d)
		return p.expect(";")
	case "enum":
		e := &Enum{Name: p.next().text}
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
			ev := EnumValue{Name: vt.text, Doc: vt.doc}
			if err := p.expect("="); err != nil {
				return err
			}
			ev.Value = p.next().text
			e.Values = append(e.Values, ev)
		}
		p.f.Enums = append(p.f.Enums, e)
		p.f.Order = append(p.f.Order, e)
		return p.expect(";")
	case "struct":
		s := &Struct{Name: p.next().text}
		if err := p.expect("{"); err != nil {
			return err
		}
		for p.peek().text != "}" {
			d, err := p.declaration()
			if err != nil {
				return err
			}
			s.Fields = append(s.Fields, d)
			if err := p.expect(";"); err != nil {
				return err
			}
		}
		p.next()
		p.f.Structs = append(p.f.Structs, s)
		p.f.Order = append(p.f.Order, s)
		return p.expect(";")
	case "union":
		u := &Union{Name: p.next().text}
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
		u.Discriminant = d
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
				u.Cases = append(u.Cases, UnionCase{Values: labels, Arm: arm})
				labels = nil
			case "default":
				if err := p.expect(":"); err != nil {
					return err
				}
				arm, err := p.arm()
				if err != nil {
					return err
				}
				u.Default = &UnionCase{Arm: arm}
			default:
				return fmt.Errorf("line %d: unexpected %q in union", t.line, t.text)
			}
		}
		p.next()
		p.f.Unions = append(p.f.Unions, u)
		p.f.Order = append(p.f.Order, u)
		return p.expect(";")
	}
	return fmt.Errorf("line %d: unexpected %q", t.line, t.text)
}

func (p *parser) arm() (*Decl, error) {
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

func (p *parser) declaration() (*Decl, error) {
	d := &Decl{}
	t := p.next()
	switch t.text {
	case "unsigned":
		switch p.peek().text {
		case "int", "hyper", "char", "short":
			d.Type = "unsigned " + p.next().text
		default:
			d.Type = "unsigned int"
		}
	case "struct", "enum", "union":
		d.Type = p.next().text
	default:
		d.Type = t.text
	}
	if p.peek().text == "*" {
		p.next()
		d.Optional = true
	}
	d.Name = p.next().text
	switch p.peek().text {
	case "[":
		p.next()
		d.Kind = FixedArray
		d.Size = p.next().text
		if err := p.expect("]"); err != nil {
			return nil, err
		}
	case "<":
		p.next()
		d.Kind = VarArray
		if p.peek().text != ">" {
			d.Size = p.next().text
		}
		if err := p.expect(">"); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Annotations reads libvirt's "@key: value" lines from a doc comment.
func Annotations(doc string) map[string][]string {
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
