package firmware

import (
	"os"
	"path/filepath"
	"sort"

	"github.com/govirt/govirt/virt/virterr"
)

// Dirs are the directories descriptors are read from, lowest priority
// first: QEMU's shipped descriptors, the host administrator's, and (for
// an unprivileged daemon) the user's. A file in a later directory
// replaces the file of the same name in an earlier one; an empty file
// hides it.
type Dirs struct {
	System string // $prefix/share/qemu/firmware
	Etc    string // $sysconfdir/qemu/firmware
	User   string // $XDG_CONFIG_HOME/qemu/firmware; "" for a privileged daemon
}

// DefaultDirs are the locations libvirt reads (qemuInteropFetchConfigs):
// the user's directory only for a session daemon, since the system
// daemon runs as root and root's home holds no firmware of its guests.
func DefaultDirs(privileged bool) Dirs {
	d := Dirs{System: "/usr/share/qemu/firmware", Etc: "/etc/qemu/firmware"}
	if !privileged {
		cfg := os.Getenv("XDG_CONFIG_HOME")
		if cfg == "" {
			home, _ := os.UserHomeDir()
			cfg = filepath.Join(home, ".config")
		}
		d.User = filepath.Join(cfg, "qemu", "firmware")
	}
	return d
}

// Paths is qemuInteropFetchConfigs: the descriptor files that count,
// sorted by file name, each from the highest-priority directory holding
// that name, empty (masking) files left out. Missing directories are
// skipped.
func (d Dirs) Paths() ([]string, error) {
	files := map[string]string{}
	for _, dir := range []string{d.System, d.Etc, d.User} {
		if dir == "" {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "cannot open directory '%s': %v", dir, err)
		}
		for _, e := range entries {
			name := e.Name()
			if name == "" || name[0] == '.' {
				continue
			}
			if t := e.Type(); !t.IsRegular() && t&os.ModeSymlink == 0 {
				continue
			}
			files[name] = filepath.Join(dir, name)
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var paths []string
	for _, n := range names {
		p := files[n]
		st, err := os.Stat(p)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "unable to get size of '%s': %v", p, err)
		}
		if st.Size() == 0 {
			continue
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// maxDescriptorSize is libvirt's DOCUMENT_SIZE.
const maxDescriptorSize = 1 << 20

// Load is qemuFirmwareFetchParsedConfigs: every descriptor of Paths,
// parsed; one unreadable description fails the whole load as in libvirt.
func (d Dirs) Load() ([]*Descriptor, error) {
	paths, err := d.Paths()
	if err != nil {
		return nil, err
	}
	var out []*Descriptor
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.SystemError, "Failed to open file '%s': %v", p, err)
		}
		if len(data) > maxDescriptorSize {
			return nil, virterr.NewFrom(virterr.FromQemu, virterr.InternalError, "file '%s' is too large", p)
		}
		fw, err := Parse(p, data)
		if err != nil {
			return nil, err
		}
		out = append(out, fw)
	}
	return out, nil
}
