package domain

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/units"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// Filesystem is <filesystem>: a host directory, file, block device,
// template, RAM disk or storage volume exported to the guest
// (virDomainFSDef).
type Filesystem struct {
	Type string // mount when not given
	// AccessMode is "" until post-parse makes it passthrough; a virtiofs
	// daemon started outside libvirt (Socket) keeps none.
	AccessMode string
	Model      string
	Multidevs  string
	// FMode and DMode are the permission bits of created files and
	// directories (octal in XML), 0 when not given.
	FMode uint64
	DMode uint64

	// <driver>
	DriverType   string // path, handle, loop, nbd, ploop, virtiofs
	DriverFormat string
	WrPolicy     string
	Queue        uint64 // virtiofs only
	Virtio       VirtioOptions

	// <binary> of virtiofs: the daemon and its options.
	Binary    string
	Xattr     string
	Cache     string
	Sandbox   string
	LockPosix string
	LockFlock string
	// ThreadPoolSize is <thread_pool size>, -1 when not given.
	ThreadPoolSize int

	// Source is the directory, file, device or template name, by Type.
	Source string
	Socket string // a running virtiofsd's socket (mount and bind)
	Usage  uint64 // ram: in bytes
	Pool   string // volume
	Volume string

	Target   string
	ReadOnly bool
	// Space limits in bytes, 0 when not given.
	SpaceHardLimit uint64
	SpaceSoftLimit uint64
}

func init() {
	typedKinds["filesystem"] = func(n *xmltree.Node, flags ParseFlags) (deviceBody, error) {
		return parseFilesystem(n)
	}
}

// Filesystem returns the device's typed content, nil for other kinds.
func (g *Device) Filesystem() *Filesystem {
	x, _ := g.typed().(*Filesystem)
	return x
}

var (
	fsTypes       = []string{"mount", "block", "file", "template", "ram", "bind", "volume"}
	fsAccessModes = []string{"default", "passthrough", "mapped", "squash"}
	fsModels      = []string{"default", "virtio", "virtio-transitional", "virtio-non-transitional"}
	fsMultidevs   = []string{"default", "remap", "forbid", "warn"}
	fsDrivers     = []string{"default", "path", "handle", "loop", "nbd", "ploop", "virtiofs"}
	fsWrPolicies  = []string{"default", "immediate"}
	fsCacheModes  = []string{"none", "always"}
	fsSandboxes   = []string{"namespace", "chroot"}
)

// parseFilesystem is virDomainFSDefParseXML.
func parseFilesystem(n *xmltree.Node) (*Filesystem, error) {
	fs := &Filesystem{Type: "mount", ThreadPoolSize: -1}
	if t, ok := n.Attr("type"); ok {
		fs.Type = t
	}
	// An unknown type has no source libvirt could read.
	if !slices.Contains([]string{"mount", "block", "file", "template", "ram", "bind", "volume"}, fs.Type) {
		return nil, errInvalidProp("filesystem", "type", fs.Type)
	}
	fs.AccessMode = n.Prop("accessmode")
	fs.Model = n.Prop("model")
	fs.Multidevs = n.Prop("multidevs")
	for _, m := range []struct {
		name string
		dst  *uint64
	}{{"fmode", &fs.FMode}, {"dmode", &fs.DMode}} {
		s, ok := n.Attr(m.name)
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimLeft(s, " \t\n\v\f\r"), 8, 32)
		if err != nil {
			return nil, errInvalidNumberProp("filesystem", m.name, s, expectNonNegativeInt)
		}
		if v > 0o777 {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "invalid %s: '0%o'", m.name, v)
		}
		*m.dst = v
	}
	for _, l := range []struct {
		name string
		dst  *uint64
	}{{"space_hard_limit", &fs.SpaceHardLimit}, {"space_soft_limit", &fs.SpaceSoftLimit}} {
		if c := n.Child(l.name); c != nil {
			v, _, err := parseScaledValue(c.Text, c.Prop("unit"), "./"+l.name+"[1]", 1, math.MaxUint64)
			if err != nil {
				return nil, err
			}
			*l.dst = v
		}
	}
	if drv := n.Child("driver"); drv != nil {
		fs.DriverType = drv.Prop("type")
		fs.WrPolicy = drv.Prop("wrpolicy")
		fs.DriverFormat = drv.Prop("format")
		fs.Virtio = parseVirtioOptions(drv)
		if fs.DriverType == "virtiofs" {
			if q, ok := drv.Attr("queue"); ok {
				v, err := strconv.ParseUint(strings.TrimLeft(q, " \t\n\v\f\r"), 10, 64)
				if err != nil || strings.HasPrefix(strings.TrimSpace(q), "-") {
					return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "cannot parse queue size '%s' for virtiofs", q)
				}
				fs.Queue = v
			}
		}
	}
	if bin := n.Child("binary"); bin != nil && fs.DriverType == "virtiofs" {
		if p := bin.Prop("path"); p != "" {
			fs.Binary = sanitizePath(p)
		}
		fs.Xattr = bin.Prop("xattr")
		if c := bin.Child("cache"); c != nil {
			fs.Cache = c.Prop("mode")
		}
		if s := bin.Child("sandbox"); s != nil {
			fs.Sandbox = s.Prop("mode")
		}
		if l := bin.Child("lock"); l != nil {
			fs.LockPosix = l.Prop("posix")
			fs.LockFlock = l.Prop("flock")
		}
		if tp := bin.Child("thread_pool"); tp != nil {
			v, ok, err := propIntC(tp, "size", 10)
			if err != nil {
				return nil, err
			}
			if ok {
				fs.ThreadPoolSize = v
			}
		}
	}
	usage, units := "", ""
	hasUsage := false
	if src := n.Child("source"); src != nil {
		fs.Socket = src.Prop("socket")
		switch fs.Type {
		case "mount", "bind":
			fs.Source = src.Prop("dir")
		case "file":
			fs.Source = src.Prop("file")
		case "block":
			fs.Source = src.Prop("dev")
		case "template":
			fs.Source = src.Prop("name")
		case "ram":
			usage, hasUsage = src.Attr("usage")
			units = src.Prop("units")
		case "volume":
			fs.Pool, fs.Volume = src.Prop("pool"), src.Prop("volume")
			if (fs.Pool == "") != (fs.Volume == "") {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "'pool' and 'volume' must be specified together for 'pool' type source")
			}
		}
	}
	if t := n.Child("target"); t != nil {
		fs.Target = t.Prop("dir")
	}
	fs.ReadOnly = n.Child("readonly") != nil
	if fs.Type == "ram" {
		if !hasUsage {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "missing 'usage' attribute for RAM filesystem")
		}
		v, err := strconv.ParseUint(strings.TrimLeft(usage, " \t\n\v\f\r"), 10, 64)
		if err != nil {
			return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "cannot parse usage '%s' for RAM filesystem", usage)
		}
		scaled, err := units2bytes(v, units)
		if err != nil {
			return nil, err
		}
		fs.Usage = scaled
	}
	if fs.Source == "" && fs.Type != "ram" && fs.Type != "volume" && fs.Socket == "" {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.NoSource, "%s", fs.Target)
	}
	if fs.Target == "" {
		src := fs.Source
		if src == "" {
			src = fs.Socket
		}
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.NoTarget, "%s", src)
	}
	return fs, nil
}

// units2bytes scales a RAM filesystem's usage by its units, KiB by
// default (virScaleInteger).
func units2bytes(v uint64, unit string) (uint64, error) {
	return units.ParseScaled(strconv.FormatUint(v, 10), unit, 1024, math.MaxUint64)
}

// sanitizePath is virFileSanitizePath: repeated slashes collapsed (a
// leading pair kept, as POSIX allows it a meaning), no trailing slash.
func sanitizePath(p string) string {
	lead := ""
	if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
		lead = "/"
		p = p[1:]
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	s := b.String()
	if len(s) > 1 && strings.HasSuffix(s, "/") {
		s = s[:len(s)-1]
	}
	return lead + s
}

// postParse is virDomainFSDefPostParse: passthrough access unless the
// daemon is started outside libvirt.
func (fs *Filesystem) postParse() {
	if (fs.AccessMode == "" || fs.AccessMode == "default") && fs.Socket == "" {
		fs.AccessMode = "passthrough"
	}
}

func (fs *Filesystem) formatAttrs(b *xmlbuf.Buffer, flags FormatFlags) {
	b.Attr("type", fs.Type)
	if fs.AccessMode != "default" {
		b.AttrIf("accessmode", fs.AccessMode)
	}
	if fs.Model != "default" {
		b.AttrIf("model", fs.Model)
	}
	if fs.Multidevs != "default" {
		b.AttrIf("multidevs", fs.Multidevs)
	}
	if fs.FMode != 0 {
		b.Attrf("fmode", "%04o", fs.FMode)
	}
	if fs.DMode != 0 {
		b.Attrf("dmode", "%04o", fs.DMode)
	}
}

// formatChildren is virDomainFSDefFormat up to the device info.
func (fs *Filesystem) formatChildren(b *xmlbuf.Buffer, flags FormatFlags) {
	drv := b.Inherit()
	if fs.DriverType != "" && fs.DriverType != "default" {
		drv.Attr("type", fs.DriverType)
		drv.AttrIf("format", fs.DriverFormat)
		if fs.WrPolicy != "default" {
			drv.AttrIf("wrpolicy", fs.WrPolicy)
		}
		if fs.Queue != 0 {
			drv.Attrf("queue", "%d", fs.Queue)
		}
	}
	fs.Virtio.format(drv)
	b.FormatElement("driver", drv, nil)
	if fs.DriverType == "virtiofs" {
		bin := b.Inherit()
		binChildren := b.Child()
		if fs.Binary != "" {
			bin.Attr("path", fs.Binary)
		}
		bin.AttrIf("xattr", fs.Xattr)
		if fs.Cache != "" && fs.Cache != "default" {
			binChildren.EscapeString("<cache mode='%s'/>\n", fs.Cache)
		}
		if fs.Sandbox != "" && fs.Sandbox != "default" {
			binChildren.EscapeString("<sandbox mode='%s'/>\n", fs.Sandbox)
		}
		lock := b.Inherit()
		lock.AttrIf("posix", fs.LockPosix)
		lock.AttrIf("flock", fs.LockFlock)
		binChildren.FormatElement("lock", lock, nil)
		if fs.ThreadPoolSize >= 0 {
			binChildren.Asprintf("<thread_pool size='%d'/>\n", fs.ThreadPoolSize)
		}
		b.FormatElement("binary", bin, binChildren)
	}
	switch fs.Type {
	case "mount", "bind":
		if fs.Socket != "" {
			b.EscapeString("<source socket='%s'/>\n", fs.Socket)
		} else if fs.Source != "" {
			b.EscapeString("<source dir='%s'/>\n", fs.Source)
		}
	case "block":
		if fs.Source != "" {
			b.EscapeString("<source dev='%s'/>\n", fs.Source)
		}
	case "file":
		if fs.Source != "" {
			b.EscapeString("<source file='%s'/>\n", fs.Source)
		}
	case "template":
		if fs.Source != "" {
			b.EscapeString("<source name='%s'/>\n", fs.Source)
		}
	case "ram":
		b.Asprintf("<source usage='%d' units='KiB'/>\n", fs.Usage/1024)
	case "volume":
		b.Add("<source")
		b.AttrIf("pool", fs.Pool)
		b.AttrIf("volume", fs.Volume)
		b.Add("/>\n")
	}
	b.EscapeString("<target dir='%s'/>\n", fs.Target)
	if fs.ReadOnly {
		b.Add("<readonly/>\n")
	}
}

// formatTrailer writes the space limits, which libvirt prints after the
// device info.
func (fs *Filesystem) formatTrailer(b *xmlbuf.Buffer, flags FormatFlags) {
	if fs.SpaceHardLimit != 0 {
		b.Asprintf("<space_hard_limit unit='bytes'>%d</space_hard_limit>\n", fs.SpaceHardLimit)
	}
	if fs.SpaceSoftLimit != 0 {
		b.Asprintf("<space_soft_limit unit='bytes'>%d</space_soft_limit>\n", fs.SpaceSoftLimit)
	}
}

// validate refuses the values libvirt's parser refuses (kept here so
// that saved configs still load) and runs virDomainFSDefValidate.
func (fs *Filesystem) validate(info *DeviceInfo) error {
	checks := []struct{ elem, attr, value string }{
		{"filesystem", "type", fs.Type},
		{"filesystem", "accessmode", fs.AccessMode},
		{"filesystem", "model", fs.Model},
		{"filesystem", "multidevs", fs.Multidevs},
		{"driver", "type", fs.DriverType},
		{"driver", "wrpolicy", fs.WrPolicy},
		{"binary", "xattr", fs.Xattr},
		{"cache", "mode", fs.Cache},
		{"sandbox", "mode", fs.Sandbox},
		{"lock", "posix", fs.LockPosix},
		{"lock", "flock", fs.LockFlock},
	}
	allowed := map[string][]string{
		"filesystem/type": fsTypes, "filesystem/accessmode": fsAccessModes, "filesystem/model": fsModels,
		"filesystem/multidevs": fsMultidevs, "driver/type": fsDrivers, "driver/wrpolicy": fsWrPolicies,
		"binary/xattr": tristateSwitch, "cache/mode": fsCacheModes, "sandbox/mode": fsSandboxes,
		"lock/posix": tristateSwitch, "lock/flock": tristateSwitch,
	}
	for _, c := range checks {
		if err := checkEnum(c.elem, c.attr, c.value, allowed[c.elem+"/"+c.attr]...); err != nil {
			return err
		}
	}
	if fs.DriverFormat != "" && !knownStorageFormat(fs.DriverFormat) {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown driver format value '%s'", fs.DriverFormat)
	}
	if err := fs.Virtio.validate(); err != nil {
		return err
	}
	if info != nil && info.BootOrder != "" && fs.DriverType != "virtiofs" {
		return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "boot order is only supported for virtiofs")
	}
	return nil
}

// storageFormats are virStorageFileFormat's names.
var storageFormats = []string{"none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi",
	"fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk"}

func knownStorageFormat(f string) bool {
	for _, s := range storageFormats {
		if s == f {
			return true
		}
	}
	return false
}

// validateFilesystems runs each filesystem's checks and refuses a target
// used twice (virDomainDefValidateInternal).
func (d *Devices) validateFilesystems() error {
	seen := map[string]bool{}
	for _, dev := range d.ByKind["filesystem"] {
		fs := dev.Filesystem()
		if fs == nil {
			continue
		}
		if err := fs.validate(&dev.Info); err != nil {
			return err
		}
		if seen[fs.Target] {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "filesystem target '%s' specified twice", fs.Target)
		}
		seen[fs.Target] = true
	}
	return nil
}
