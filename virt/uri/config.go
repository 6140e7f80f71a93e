package uri

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/virtconf"
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
	conf, err := virtconf.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return configFrom(conf)
}

// ParseConfig reads libvirt.conf's syntax (virConf, see internal/virtconf).
// Settings other than uri_default and uri_aliases are accepted and ignored.
func ParseConfig(data []byte, name string) (*Config, error) {
	conf, err := virtconf.Parse(data, name)
	if err != nil {
		return nil, err
	}
	return configFrom(conf)
}

func configFrom(conf *virtconf.Conf) (*Config, error) {
	c := &Config{}
	if err := conf.GetString("uri_default", &c.Default); err != nil {
		return nil, err
	}
	if err := conf.GetStrings("uri_aliases", &c.Aliases); err != nil {
		return nil, err
	}
	return c, nil
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
