// Package virtconf reads libvirt's configuration file syntax (virConf), used
// by libvirtd.conf, libvirt.conf, network.conf and qemu.conf:
//
//	name = "string"      # comment
//	count = 5
//	list = [ "a", "b" ]
//
// Values are strings (single, double or triple quoted), integers, or lists
// of those; settings end at a newline or ';'.
package virtconf

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// Kind is a value's type.
type Kind int

const (
	String Kind = iota
	Int
	List
)

// Value is one setting's value.
type Value struct {
	Kind Kind
	Str  string
	Int  int64
	List []Value
}

// Conf is a parsed file: settings in file order (a repeated name keeps the
// last value, as libvirt does).
type Conf struct {
	Name  string
	order []string
	vals  map[string]Value
}

// ReadFile parses a file; a missing file is an empty configuration.
func ReadFile(path string) (*Conf, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &Conf{Name: path, vals: map[string]Value{}}, nil
	}
	if err != nil {
		return nil, virterr.NewFrom(virterr.FromConf, virterr.ReadFailed, "%s", path)
	}
	return Parse(data, path)
}

// Parse reads configuration text; name is used in errors.
func Parse(data []byte, name string) (*Conf, error) {
	c := &Conf{Name: name, vals: map[string]Value{}}
	p := parser{src: string(data), name: name, line: 1}
	for {
		p.skipBlank(true)
		if p.eof() {
			return c, nil
		}
		key := p.ident()
		if key == "" {
			return nil, p.errorf("expecting a name")
		}
		p.skipBlank(false)
		if !p.consume('=') {
			return nil, p.errorf("expecting an assignment")
		}
		p.skipBlank(false)
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if _, dup := c.vals[key]; !dup {
			c.order = append(c.order, key)
		}
		c.vals[key] = v
		p.skipBlank(false)
		if !p.eof() && !p.consume(';') && !p.consume('\n') {
			return nil, p.errorf("expecting a separator")
		}
	}
}

// Keys lists the settings in file order.
func (c *Conf) Keys() []string { return append([]string(nil), c.order...) }

// Get returns a setting.
func (c *Conf) Get(key string) (Value, bool) {
	v, ok := c.vals[key]
	return v, ok
}

// GetString reads a string setting into dst, leaving it untouched when absent.
func (c *Conf) GetString(key string, dst *string) error {
	v, ok := c.vals[key]
	if !ok {
		return nil
	}
	if v.Kind != String {
		return c.typeError(key, "a string")
	}
	*dst = v.Str
	return nil
}

// GetInt reads an integer setting into dst.
func (c *Conf) GetInt(key string, dst *int64) error {
	v, ok := c.vals[key]
	if !ok {
		return nil
	}
	if v.Kind != Int {
		return c.typeError(key, "an unsigned integer")
	}
	*dst = v.Int
	return nil
}

// GetStrings reads a list of strings (a lone string counts as a list of one).
func (c *Conf) GetStrings(key string, dst *[]string) error {
	v, ok := c.vals[key]
	if !ok {
		return nil
	}
	switch v.Kind {
	case String:
		*dst = []string{v.Str}
	case List:
		out := make([]string, 0, len(v.List))
		for _, e := range v.List {
			if e.Kind != String {
				return c.typeError(key, "a string list")
			}
			out = append(out, e.Str)
		}
		*dst = out
	default:
		return c.typeError(key, "a string list")
	}
	return nil
}

func (c *Conf) typeError(key, want string) error {
	return virterr.NewFrom(virterr.FromConf, virterr.ConfSyntax, "%s: expected %s for '%s' parameter", c.Name, want, key)
}

type parser struct {
	src  string
	pos  int
	line int
	name string
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) errorf(msg string) error {
	return virterr.NewFrom(virterr.FromConf, virterr.ConfSyntax, "%s:%d: %s", p.name, p.line, msg)
}

func (p *parser) consume(c byte) bool {
	if !p.eof() && p.src[p.pos] == c {
		if c == '\n' {
			p.line++
		}
		p.pos++
		return true
	}
	return false
}

func (p *parser) skipBlank(newlines bool) {
	for !p.eof() {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\r':
			p.pos++
		case c == '#':
			for !p.eof() && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == '\n' && newlines:
			p.line++
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) ident() string {
	start := p.pos
	for !p.eof() {
		c := p.src[p.pos]
		if c == '_' || c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (c >= '0' && c <= '9' && p.pos > start) {
			p.pos++
			continue
		}
		break
	}
	return p.src[start:p.pos]
}

func (p *parser) value() (Value, error) {
	if p.eof() {
		return Value{}, p.errorf("expecting a value")
	}
	switch p.src[p.pos] {
	case '"', '\'':
		s, err := p.str()
		return Value{Kind: String, Str: s}, err
	case '[':
		p.pos++
		v := Value{Kind: List, List: []Value{}}
		for {
			p.skipBlank(true)
			if p.consume(']') {
				return v, nil
			}
			e, err := p.value()
			if err != nil {
				return Value{}, err
			}
			if e.Kind == List {
				return Value{}, p.errorf("lists may not nest")
			}
			v.List = append(v.List, e)
			p.skipBlank(true)
			if p.consume(']') {
				return v, nil
			}
			if !p.consume(',') {
				return Value{}, p.errorf("expecting a separator in list")
			}
		}
	}
	start := p.pos
	if p.src[p.pos] == '-' || p.src[p.pos] == '+' {
		p.pos++
	}
	for !p.eof() && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.ParseInt(p.src[start:p.pos], 10, 64)
	if err != nil {
		return Value{}, p.errorf("expecting a value")
	}
	return Value{Kind: Int, Int: n}, nil
}

func (p *parser) str() (string, error) {
	if strings.HasPrefix(p.src[p.pos:], `"""`) {
		end := strings.Index(p.src[p.pos+3:], `"""`)
		if end < 0 {
			return "", p.errorf("unterminated string")
		}
		s := p.src[p.pos+3 : p.pos+3+end]
		p.line += strings.Count(s, "\n")
		p.pos += end + 6
		return s, nil
	}
	q := p.src[p.pos]
	end := strings.IndexAny(p.src[p.pos+1:], string(q)+"\n")
	if end < 0 || p.src[p.pos+1+end] != q {
		return "", p.errorf("unterminated string")
	}
	s := p.src[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return s, nil
}

// String renders a value in the file syntax.
func (v Value) String() string {
	switch v.Kind {
	case Int:
		return strconv.FormatInt(v.Int, 10)
	case List:
		parts := make([]string, len(v.List))
		for i, e := range v.List {
			parts[i] = e.String()
		}
		return "[ " + strings.Join(parts, ", ") + " ]"
	}
	return fmt.Sprintf("%q", v.Str)
}
