package uri

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/virt/virterr"
)

// Config is what a client reads from libvirt.conf.
type Config struct {
	Default string   // uri_default
	Aliases []string // uri_aliases: "name=uri" entries
}

// ConfigPath is where libvirt's client looks for libvirt.conf: the system
// file for root, $XDG_CONFIG_HOME/libvirt/libvirt.conf (default
// ~/.config/libvirt/libvirt.conf) for everyone else.
func ConfigPath() string {
	if os.Geteuid() == 0 {
		return "/etc/libvirt/libvirt.conf"
	}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "libvirt", "libvirt.conf")
}

// LoadConfig reads a libvirt.conf; a missing file is an empty config.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, virterr.NewFrom(virterr.FromConf, virterr.ReadFailed, "%s", path)
	}
	return ParseConfig(data, path)
}

// ParseConfig reads libvirt.conf's syntax (virConf): "name = value" lines,
// where a value is a quoted string, a number or a [list, of, strings], and
// '#' starts a comment. Settings other than uri_default and uri_aliases are
// accepted and ignored.
func ParseConfig(data []byte, name string) (*Config, error) {
	c := &Config{}
	p := confParser{src: string(data), name: name, line: 1}
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
		val, list, err := p.value()
		if err != nil {
			return nil, err
		}
		switch key {
		case "uri_default":
			if list != nil {
				return nil, virterr.NewFrom(virterr.FromConf, virterr.ConfSyntax, "%s: expected a string for 'uri_default' parameter", name)
			}
			c.Default = val
		case "uri_aliases":
			if list == nil {
				list = []string{val}
			}
			c.Aliases = list
		}
		p.skipBlank(false)
		if !p.eof() && !p.consume(';') && !p.consume('\n') {
			return nil, p.errorf("expecting a separator")
		}
	}
}

type confParser struct {
	src  string
	pos  int
	line int
	name string
}

func (p *confParser) eof() bool { return p.pos >= len(p.src) }

func (p *confParser) errorf(msg string) error {
	return virterr.NewFrom(virterr.FromConf, virterr.ConfSyntax, "%s:%d: %s", p.name, p.line, msg)
}

func (p *confParser) consume(c byte) bool {
	if !p.eof() && p.src[p.pos] == c {
		if c == '\n' {
			p.line++
		}
		p.pos++
		return true
	}
	return false
}

func (p *confParser) skipComment() {
	for !p.eof() && p.src[p.pos] != '\n' {
		p.pos++
	}
}

// skipBlank skips spaces and comments, and newlines too when newlines is set.
func (p *confParser) skipBlank(newlines bool) {
	for !p.eof() {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\r':
			p.pos++
		case c == '#':
			p.skipComment()
		case c == '\n' && newlines:
			p.line++
			p.pos++
		default:
			return
		}
	}
}

func (p *confParser) ident() string {
	start := p.pos
	for !p.eof() {
		c := p.src[p.pos]
		if c == '_' || c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && p.pos > start {
			p.pos++
			continue
		}
		break
	}
	return p.src[start:p.pos]
}

func (p *confParser) value() (string, []string, error) {
	if p.eof() {
		return "", nil, p.errorf("expecting a value")
	}
	switch p.src[p.pos] {
	case '"', '\'':
		s, err := p.str()
		return s, nil, err
	case '[':
		p.pos++
		list := []string{}
		for {
			p.skipBlank(true)
			if p.consume(']') {
				return "", list, nil
			}
			s, err := p.str()
			if err != nil {
				return "", nil, err
			}
			list = append(list, s)
			p.skipBlank(true)
			if p.consume(']') {
				return "", list, nil
			}
			if !p.consume(',') {
				return "", nil, p.errorf("expecting a separator in list")
			}
		}
	}
	start := p.pos
	for !p.eof() && (p.src[p.pos] == '-' || p.src[p.pos] >= '0' && p.src[p.pos] <= '9') {
		p.pos++
	}
	if start == p.pos {
		return "", nil, p.errorf("expecting a value")
	}
	return p.src[start:p.pos], nil, nil
}

func (p *confParser) str() (string, error) {
	if p.eof() || (p.src[p.pos] != '"' && p.src[p.pos] != '\'') {
		return "", p.errorf("expecting a string")
	}
	q := p.src[p.pos]
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
	end := strings.IndexAny(p.src[p.pos+1:], string(q)+"\n")
	if end < 0 || p.src[p.pos+1+end] != q {
		return "", p.errorf("unterminated string")
	}
	s := p.src[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return s, nil
}

const aliasChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// ResolveAlias returns the URI an alias stands for, or "" when no entry of
// uri_aliases is called name (virURIResolveAlias). Entries are checked in
// order up to the match, as libvirt checks them.
func (c *Config) ResolveAlias(name string) (string, error) {
	for _, a := range c.Aliases {
		eq := strings.IndexByte(a, '=')
		if eq < 0 {
			return "", virterr.NewFrom(virterr.FromURI, virterr.ConfSyntax,
				"Malformed 'uri_aliases' config entry '%s', expected 'alias=uri://host/path'", a)
		}
		safe := 0
		for safe < len(a) && strings.IndexByte(aliasChars, a[safe]) >= 0 {
			safe++
		}
		if safe < eq {
			return "", virterr.NewFrom(virterr.FromURI, virterr.ConfSyntax,
				"Malformed 'uri_aliases' config entry '%s', aliases may only contain 'a-Z, 0-9, _, -'", a)
		}
		if a[:eq] == name {
			return a[eq+1:], nil
		}
	}
	return "", nil
}

// Resolve turns what the user asked for into the URI to open, as
// virConnectOpenInternal does: an empty name means LIBVIRT_DEFAULT_URI,
// then the config's uri_default, then probe (the caller's default); the
// result is then looked up among the aliases unless noAliases is set.
func Resolve(name string, conf *Config, noAliases bool, probe func() string) (string, error) {
	if conf == nil {
		conf = &Config{}
	}
	if name == "" {
		name = os.Getenv("LIBVIRT_DEFAULT_URI")
	}
	if name == "" {
		name = conf.Default
	}
	if name == "" && probe != nil {
		name = probe()
	}
	if name == "" || noAliases {
		return name, nil
	}
	alias, err := conf.ResolveAlias(name)
	if err != nil {
		return "", err
	}
	if alias != "" {
		return alias, nil
	}
	return name, nil
}
