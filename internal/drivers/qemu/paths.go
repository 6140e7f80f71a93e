package qemu

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/govirt/govirt/internal/drivers/qemu/command"
)

// Paths are the driver's directories, laid out as libvirt's
// virQEMUDriverConfigNew does for the system or the session daemon, under
// an optional root.
type Paths struct {
	ConfigDir    string // etc/libvirt/qemu: persistent definitions
	AutostartDir string // etc/libvirt/qemu/autostart
	StateDir     string // run/libvirt/qemu: status files, pid files
	LibDir       string // var/lib/libvirt/qemu: per-domain private dirs
	SaveDir      string // var/lib/libvirt/qemu/save: managed save images
	LogDir       string // var/log/libvirt/qemu
	CapsCacheDir string // var/cache/libvirt/qemu/capabilities
	ChannelDir   string // var/lib/libvirt/qemu/channel/target
}

// NewPaths returns the layout for root ("" = the real system paths).
func NewPaths(root string, privileged bool) Paths {
	j := func(parts ...string) string { return filepath.Join(append([]string{"/", root}, parts...)...) }
	if privileged || root != "" {
		base := []string{}
		if !privileged {
			base = []string{"session"}
		}
		k := func(parts ...string) string { return j(append(append([]string{}, base...), parts...)...) }
		p := Paths{
			ConfigDir:    k("etc", "libvirt", "qemu"),
			StateDir:     k("run", "libvirt", "qemu"),
			LibDir:       k("var", "lib", "libvirt", "qemu"),
			LogDir:       k("var", "log", "libvirt", "qemu"),
			CapsCacheDir: k("var", "cache", "libvirt", "qemu", "capabilities"),
		}
		p.finish()
		return p
	}
	home, _ := os.UserHomeDir()
	config := os.Getenv("XDG_CONFIG_HOME")
	if config == "" {
		config = filepath.Join(home, ".config")
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		cache = filepath.Join(home, ".cache")
	}
	run := os.Getenv("XDG_RUNTIME_DIR")
	if run == "" {
		run = filepath.Join(cache, "run")
	}
	p := Paths{
		ConfigDir:    filepath.Join(config, "libvirt", "qemu"),
		StateDir:     filepath.Join(run, "libvirt", "qemu", "run"),
		LibDir:       filepath.Join(config, "libvirt", "qemu", "lib"),
		LogDir:       filepath.Join(cache, "libvirt", "qemu", "log"),
		CapsCacheDir: filepath.Join(cache, "libvirt", "qemu", "cache", "capabilities"),
	}
	p.finish()
	return p
}

func (p *Paths) finish() {
	p.AutostartDir = filepath.Join(p.ConfigDir, "autostart")
	p.SaveDir = filepath.Join(p.LibDir, "save")
	p.ChannelDir = filepath.Join(p.LibDir, "channel", "target")
}

func (p Paths) mkdirs() error {
	for _, d := range []string{p.ConfigDir, p.AutostartDir, p.StateDir, p.LibDir, p.SaveDir, p.LogDir, p.CapsCacheDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("qemu driver: %w", err)
		}
	}
	return nil
}

// ConfigFile is where a persistent definition lives.
func (p Paths) ConfigFile(name string) string { return filepath.Join(p.ConfigDir, name+".xml") }

// AutostartLink is the symlink marking a domain for autostart.
func (p Paths) AutostartLink(name string) string { return filepath.Join(p.AutostartDir, name+".xml") }

// StatusFile is a running domain's status XML.
func (p Paths) StatusFile(name string) string { return filepath.Join(p.StateDir, name+".xml") }

// PidFile is a running domain's QEMU pid file.
func (p Paths) PidFile(name string) string { return filepath.Join(p.StateDir, name+".pid") }

// LogFile is a domain's QEMU log.
func (p Paths) LogFile(name string) string { return filepath.Join(p.LogDir, name+".log") }

// ManagedSaveFile is a domain's managed save image.
func (p Paths) ManagedSaveFile(name string) string { return filepath.Join(p.SaveDir, name+".save") }

// DomainLibDir is the private directory of a running domain (master key,
// monitor socket), named after its short name.
func (p Paths) DomainLibDir(id int, name string) string {
	return filepath.Join(p.LibDir, "domain-"+command.DomainShortName(id, name))
}

func itoa(i int) string { return strconv.Itoa(i) }
