// Package domain is libvirt's domain XML: parse (syntax only), defaults,
// validation and canonical format, byte-equal to libvirt 9.0's.
//
// The top level of <domain> (metadata, memory, vcpus, tuning, os, features,
// cpu, clock, lifecycle, security labels …) lives in this file and its
// neighbours; everything under <devices> lives in devices.go and the
// per-device files it dispatches to.
//
// Top-level elements that are not modelled yet are kept as trees and written
// back in libvirt's canonical position, so nothing is lost on a parse/format
// cycle.
package domain

import (
	"slices"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// ParseFlags select how a document is read (libvirt's VIR_DOMAIN_DEF_PARSE_*).
type ParseFlags uint32

const (
	// ParseInactive reads a persistent config: live-only data (ids, device
	// aliases, runtime state) is ignored.
	ParseInactive ParseFlags = 1 << iota
	// ParseStatus reads a daemon's status file, keeping runtime state.
	ParseStatus
	// ParseABIUpdate marks a new definition whose guest ABI may still
	// change (VIR_DOMAIN_DEF_PARSE_ABI_UPDATE): the QEMU driver's define
	// and create-xml pass it, reloads, restores and the test driver do
	// not. Parsing itself ignores it; drivers hand it on to post-parse.
	ParseABIUpdate
)

// FormatFlags select what is written (libvirt's VIR_DOMAIN_DEF_FORMAT_*).
type FormatFlags uint32

const (
	// FormatInactive writes the persistent config (no id, no live state).
	FormatInactive FormatFlags = 1 << iota
	// FormatSecure includes secrets (passwords) in the output.
	FormatSecure
	// FormatStatus writes a status file, with runtime state.
	FormatStatus
	// FormatMigratable drops data that must not cross hosts.
	FormatMigratable
)

// topOrder is the order virDomainDefFormatInternalSetRootName writes the
// children of <domain> in. Elements in other namespaces (qemu:commandline …)
// follow, in document order.
var topOrder = []string{
	"name", "uuid", "genid", "title", "description", "metadata",
	"maxMemory", "memory", "currentMemory",
	"blkiotune", "memtune", "memoryBacking",
	"vcpu", "vcpus", "iothreads", "iothreadids", "defaultiothread",
	"cputune", "numatune", "resource", "sysinfo",
	"bootloader", "bootloader_args", "os", "idmap", "features", "cpu", "clock",
	"on_poweroff", "on_reboot", "on_crash", "on_lockfailure",
	"pm", "perf", "devices", "seclabel", "keywrap", "launchSecurity",
}

var knownTop = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range topOrder {
		m[n] = true
	}
	return m
}()

// Def is one domain definition.
type Def struct {
	Type string // <domain type='…'>
	ID   int    // -1 when inactive
	Name string
	UUID uuid.UUID
	// GenID is the VM generation id; nil when <genid> is absent.
	GenID       *uuid.UUID
	Title       string
	Description string
	Metadata    *Metadata

	Memory Memory
	VCPU   VCPUs

	MemTune       *MemTune
	MemoryBacking *MemoryBacking
	BlkioTune     *BlkioTune
	Resource      *Resource
	SysInfo       []*SysInfo
	IDMap         *IDMap
	PM            *PM
	KeyWrap       *KeyWrap
	IOThreads     *IOThreads
	// DefaultIOThread is <defaultiothread>; nil when absent.
	DefaultIOThread *DefaultIOThread
	CPUTune         *CPUTune
	NumaTune        *NumaTune

	OS       *OS
	Features *Features
	CPU      *CPU
	Clock    *Clock
	// osTypeText is <os><type> as written, for CheckOSType's message.
	osTypeText string
	// uuidGenerated says <uuid> was absent: an SMBIOS system uuid then
	// becomes the domain's.
	uuidGenerated bool
	// hotplugMemory is the size of the <memory> devices, in KiB.
	hotplugMemory uint64
	// deviceBoot records that some device has <boot order>, which rules
	// out <os><boot>.
	deviceBoot bool

	OnPoweroff    string
	OnReboot      string
	OnCrash       string
	OnLockfailure string

	Perf *Perf

	Devices *Devices

	SecLabels      []*SecLabel
	LaunchSecurity *LaunchSecurity

	// Namespace is what the domain type's driver reads from its own XML
	// namespace (qemu:commandline …); nil when there is nothing.
	Namespace *NamespaceData

	// namespaces are the root's xmlns:prefix declarations that the
	// namespaced extension elements use.
	namespaces []xmltree.Attr
	// raw holds known top-level elements not modelled yet, by name.
	raw map[string][]*xmltree.Node
	// extensions are elements in other namespaces (qemu:commandline …).
	extensions []*xmltree.Node
	// unknown are elements libvirt ignores; kept so nothing is lost.
	unknown []*xmltree.Node
}

// Parse reads a <domain> document.
func Parse(data []byte, flags ParseFlags) (*Def, error) {
	root, err := xmltree.ParseRootFrom(data, "(domain_definition)", "domain", virterr.FromDomain)
	if err != nil {
		return nil, err
	}
	return ParseNode(root, flags)
}

// ParseNode reads a <domain> element (also embedded in snapshots and status files).
func ParseNode(n *xmltree.Node, flags ParseFlags) (*Def, error) {
	d := &Def{ID: -1, raw: map[string][]*xmltree.Node{}}
	typ, ok := n.Attr("type")
	if !ok {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "missing domain type attribute")
	}
	d.Type = typ
	if flags&ParseInactive == 0 {
		if v, ok := n.Attr("id"); ok {
			id, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "invalid value for attribute 'id' in element 'domain': '%s'", v)
			}
			d.ID = id
		}
	}

	name, ok := n.ChildText("name")
	if !ok || name == "" {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.NoName, "")
	}
	d.Name = name
	if err := d.parseIDs(n); err != nil {
		return nil, err
	}
	d.osTypeText = firstOSTypeText(n)
	// A <bootloader> without an OS type makes a Xen guest.
	bootloader, _ := n.ChildText("bootloader")
	bootloaderXen := d.osTypeText == "" && bootloader != ""
	if d.osTypeText == "" && !bootloaderXen {
		return nil, virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "an os <type> must be specified")
	}

	var err error
	if d.Memory, err = parseMemory(n); err != nil {
		return nil, err
	}
	if d.VCPU, err = parseVCPUs(n); err != nil {
		return nil, err
	}
	if c := n.Child("memtune"); c != nil {
		if d.MemTune, err = parseMemTune(c); err != nil {
			return nil, err
		}
	}
	if c := n.Child("blkiotune"); c != nil {
		if d.BlkioTune, err = parseBlkioTune(c); err != nil {
			return nil, err
		}
	}
	if c := n.Child("resource"); c != nil {
		d.Resource = parseResource(c)
	}
	for _, c := range n.ChildrenNamed("sysinfo") {
		si := parseSysInfo(c)
		if u, ok := si.systemUUID(); ok && d.uuidGenerated {
			d.UUID, d.uuidGenerated = u, false
		}
		d.SysInfo = append(d.SysInfo, si)
	}
	if c := n.Child("idmap"); c != nil {
		if d.IDMap, err = parseIDMap(c); err != nil {
			return nil, err
		}
	}
	if c := n.Child("pm"); c != nil {
		d.PM = parsePM(c)
	}
	if c := n.Child("keywrap"); c != nil {
		if d.KeyWrap, err = parseKeyWrap(c); err != nil {
			return nil, err
		}
	}
	if c := n.Child("memoryBacking"); c != nil {
		if d.MemoryBacking, err = parseMemoryBacking(c); err != nil {
			return nil, err
		}
	}
	if d.IOThreads, err = parseIOThreads(n); err != nil {
		return nil, err
	}
	if d.DefaultIOThread, err = parseDefaultIOThread(n.Child("defaultiothread")); err != nil {
		return nil, err
	}
	if c := n.Child("cputune"); c != nil {
		if d.CPUTune, err = parseCPUTune(c, flags); err != nil {
			return nil, err
		}
	}
	if d.NumaTune, err = parseNumaTune(n.Child("numatune"), d.VCPU.Placement == "static"); err != nil {
		return nil, err
	}
	// Memory placed by numad takes the vcpus along unless they are pinned.
	if d.NumaTune.placementAuto() && d.VCPU.CPUSet == nil && !d.CPUTune.hasPins() {
		d.VCPU.Placement = "auto"
	}
	d.OnPoweroff = lifecycleText(n, "on_poweroff")
	d.OnReboot = lifecycleText(n, "on_reboot")
	d.OnCrash = lifecycleText(n, "on_crash")
	d.OnLockfailure = lifecycleText(n, "on_lockfailure")
	if o := n.Child("os"); o != nil {
		if d.OS, err = parseOS(o, flags); err != nil {
			return nil, err
		}
	}
	if bootloaderXen {
		if d.OS == nil {
			d.OS = &OS{rest: map[string][]*xmltree.Node{}}
		}
		d.OS.Type = "xen"
	}
	if f := n.Child("features"); f != nil {
		if d.Features, err = parseFeatures(f); err != nil {
			return nil, err
		}
	}
	if c := n.Child("cpu"); c != nil {
		if d.CPU, err = parseCPU(c); err != nil {
			return nil, err
		}
	}
	if c := n.Child("clock"); c != nil {
		if d.Clock, err = parseClock(c, flags); err != nil {
			return nil, err
		}
	}
	d.deviceBoot = hasDeviceBoot(n.Child("devices"))
	d.hotplugMemory = memoryDevicesSize(n.Child("devices"))
	if p := n.Child("perf"); p != nil {
		d.Perf = parsePerf(p)
	}
	if m := n.Child("metadata"); m != nil {
		d.Metadata = parseMetadata(m)
	}
	for _, s := range n.ChildrenNamed("seclabel") {
		l, err := ParseSecLabel(s, flags)
		if err != nil {
			return nil, err
		}
		d.SecLabels = append(d.SecLabels, l)
	}
	if ls := n.Child("launchSecurity"); ls != nil {
		if d.LaunchSecurity, err = parseLaunchSecurity(ls); err != nil {
			return nil, err
		}
	}

	devs, err := parseDevices(n.Child("devices"), flags)
	if err != nil {
		return nil, err
	}
	d.Devices = devs

	if err := d.keepUnmodelled(n); err != nil {
		return nil, err
	}
	return d, nil
}

// firstOSTypeText is libvirt's string(./os/type[1]): the text of the
// first <type> of any <os>, empty when there is none.
func firstOSTypeText(n *xmltree.Node) string {
	for _, o := range n.ChildrenNamed("os") {
		if t := o.Child("type"); t != nil {
			return t.Text
		}
	}
	return ""
}

// osTypes are the guest OS types libvirt 9.0 knows (virDomainOSType).
var osTypes = []string{"hvm", "xen", "linux", "exe", "uml", "xenpvh"}

// CheckOSType refuses an <os><type> libvirt's parser does not know, as
// virDomainDefParseCaps does; Parse keeps it, never rejecting what it
// once accepted, so a driver calls this when a definition is defined or
// started.
func (d *Def) CheckOSType() error {
	if d.OS == nil || slices.Contains(osTypes, d.OS.Type) || slices.Contains(osTypes, d.osTypeText) {
		return nil
	}
	typ := d.OS.Type
	if d.osTypeText != "" {
		typ = d.osTypeText
	}
	return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "unknown OS type '%s'", typ)
}

// modelled are the top-level elements with typed parse and format.
var modelled = map[string]bool{
	"name": true, "uuid": true, "genid": true, "title": true, "description": true,
	"metadata": true, "maxMemory": true, "memory": true, "currentMemory": true,
	"vcpu": true, "vcpus": true, "cputune": true, "memtune": true, "numatune": true,
	"iothreads": true, "iothreadids": true, "defaultiothread": true,
	"on_poweroff": true, "on_reboot": true, "on_crash": true, "on_lockfailure": true,
	"perf": true, "devices": true, "os": true, "features": true, "cpu": true, "clock": true, "memoryBacking": true,
	"blkiotune": true, "resource": true, "sysinfo": true, "idmap": true, "pm": true, "keywrap": true, "seclabel": true, "launchSecurity": true,
}

// repeatable are the unmodelled top-level elements libvirt reads every copy
// of; of the others it reads the first (XPath "[1]") and drops the rest.
var repeatable = map[string]bool{"sysinfo": true}

func (d *Def) keepUnmodelled(n *xmltree.Node) error {
	prefix, uri := driverNamespace(d.Type)
	ns := &NamespaceData{Prefix: prefix, URI: uri}
	root := nsScope{}.with(n)
	usedPrefixes := map[string]bool{}
	for _, c := range n.Children {
		if uri != "" {
			scope := root.with(c)
			if u, local := scope.resolve(c.Name); u == uri {
				if err := ns.parseElement(local, c, scope); err != nil {
					return err
				}
				continue
			}
		}
		switch {
		case strings.Contains(c.Name, ":"):
			d.extensions = append(d.extensions, c)
			usedPrefixes[c.Name[:strings.IndexByte(c.Name, ':')]] = true
		case modelled[c.Name]:
		case knownTop[c.Name]:
			if len(d.raw[c.Name]) > 0 && !repeatable[c.Name] {
				continue
			}
			d.raw[c.Name] = append(d.raw[c.Name], c)
		default:
			d.unknown = append(d.unknown, c)
		}
	}
	if !ns.empty() {
		d.Namespace = ns
	}
	for _, a := range n.Attrs {
		if p, ok := strings.CutPrefix(a.Name, "xmlns:"); ok && usedPrefixes[p] {
			if d.Namespace != nil && p == d.Namespace.Prefix {
				continue
			}
			d.namespaces = append(d.namespaces, a)
		}
	}
	return nil
}

func (d *Def) parseIDs(n *xmltree.Node) error {
	if v, ok := n.ChildText("uuid"); ok && v != "" {
		u, err := uuid.Parse(v)
		if err != nil {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "%s", "malformed uuid element")
		}
		d.UUID = u
	} else {
		d.UUID = uuid.New()
		d.uuidGenerated = true
	}
	if g := n.Child("genid"); g != nil {
		var u uuid.UUID
		if strings.TrimSpace(g.Text) == "" {
			u = uuid.New()
		} else {
			var err error
			if u, err = uuid.Parse(g.Text); err != nil {
				return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "%s", "malformed genid element")
			}
		}
		d.GenID = &u
	}
	d.Title, _ = n.ChildText("title")
	if strings.ContainsAny(d.Title, "\n") {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Domain title can't contain newlines")
	}
	d.Description, _ = n.ChildText("description")
	return nil
}

func lifecycleText(n *xmltree.Node, name string) string {
	v, _ := n.ChildText(name)
	return strings.TrimSpace(v)
}

// PostParseOptions carry what post-parse needs from the driver: libvirt
// takes it from the driver's capabilities.
type PostParseOptions struct {
	// DefaultArch names the guest architecture for an os type and domain
	// type when <os><type> has no arch; nil or "" leaves it unset.
	DefaultArch func(osType, virtType string) string
	// ABIUpdate is set for a new definition (ParseABIUpdate): guest NUMA
	// cells then size <memory> even when it is given.
	ABIUpdate bool
}

// PostParse fills in what libvirt's generic post-parse callbacks fill in
// (virDomainDefPostParseCommon): lifecycle defaults, the guest
// architecture, the current memory bound, metadata clean-up. It is
// idempotent.
func (d *Def) PostParse(opts PostParseOptions) error {
	if d.OS != nil {
		d.OS.postParse()
		if d.OS.Arch == "" && opts.DefaultArch != nil {
			d.OS.Arch = opts.DefaultArch(d.OS.Type, d.Type)
		}
		// virDomainDefBootOrderPostParse: an HVM guest with no boot
		// order at all boots from its first disk.
		if d.OS.Type == "hvm" && len(d.OS.BootDevs) == 0 && !d.deviceBoot {
			d.OS.BootDevs = []string{"hd"}
		}
	}
	if d.OnPoweroff == "" {
		d.OnPoweroff = "destroy"
	}
	if d.OnReboot == "" {
		d.OnReboot = "restart"
	}
	if d.OnCrash == "" {
		d.OnCrash = "destroy"
	}
	if d.Devices != nil {
		ctx := DeviceContext{}
		if d.OS != nil {
			ctx.OSType, ctx.Arch = d.OS.Type, d.OS.Arch
		}
		if err := d.Devices.PostParse(ctx); err != nil {
			return err
		}
	}
	// virDomainDefPostParseCommon: a container runs an init program.
	if d.OS != nil && d.OS.Type == "exe" && !d.OS.hasInit() {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "init binary must be specified")
	}
	// virDomainDefPostParseMemory: guest NUMA cells plus the memory
	// devices size the memory when <memory> is missing or, for a new
	// definition, always; otherwise the memory devices must fit in it.
	var numaMem uint64
	if d.Memory.Total == 0 || opts.ABIUpdate {
		numaMem = d.numaMemory()
	}
	if numaMem > 0 {
		d.Memory.Total = numaMem + d.hotplugMemory
	} else if d.hotplugMemory > d.Memory.Total {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Total size of memory devices exceeds the total memory size")
	}
	if d.Memory.Total == 0 || (d.numaMemory() == 0 && d.Memory.Total == d.hotplugMemory) {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Memory size must be specified via <memory> or in the <numa> configuration")
	}
	d.Memory.postParse()
	if (d.Memory.Max != 0) != (d.Memory.Slots != 0) {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "both maximum memory size and memory slot count must be specified")
	}
	if d.MemoryBacking != nil {
		if err := d.MemoryBacking.postParse(d.numaCells()); err != nil {
			return err
		}
	}
	d.VCPU.postParse()
	if d.CPUTune != nil {
		d.CPUTune.postParse(d.VCPU.Max)
	}
	if d.Metadata != nil {
		d.Metadata.sanitize()
	}
	return nil
}

// Validate runs libvirt's generic semantic checks (virDomainDefValidate
// without a driver).
func (d *Def) Validate() error {
	if d.Name == "" {
		return virterr.NewFrom(virterr.FromDomain, virterr.NoName, "")
	}
	if strings.Contains(d.Name, "/") {
		return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "name %s cannot contain '/'", d.Name)
	}
	if err := d.validateLifecycle(); err != nil {
		return err
	}
	if d.OS != nil {
		if err := d.OS.validate(); err != nil {
			return err
		}
		if len(d.OS.BootDevs) > 0 && d.deviceBoot {
			return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "%s", "per-device boot elements cannot be used together with os/boot elements")
		}
	}
	if len(d.SecLabels) > 1 {
		for _, l := range d.SecLabels {
			if l.Model == "" {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "missing security model when using multiple labels")
			}
		}
	}
	if d.Features != nil {
		if err := d.Features.validate(); err != nil {
			return err
		}
	}
	if d.CPU != nil {
		if err := d.CPU.validate(); err != nil {
			return err
		}
	}
	if d.Clock != nil {
		if err := d.Clock.validate(); err != nil {
			return err
		}
	}
	for _, si := range d.SysInfo {
		if err := si.validate(d.UUID); err != nil {
			return err
		}
	}
	if d.Resource != nil {
		if err := d.Resource.validate(); err != nil {
			return err
		}
	}
	if d.IDMap != nil {
		if err := d.IDMap.validate(); err != nil {
			return err
		}
	}
	if d.PM != nil {
		if err := d.PM.validate(); err != nil {
			return err
		}
	}
	if d.KeyWrap != nil {
		if err := d.KeyWrap.validate(); err != nil {
			return err
		}
	}
	if d.Namespace != nil {
		if err := d.Namespace.validate(); err != nil {
			return err
		}
	}
	if err := d.validateNUMA(); err != nil {
		return err
	}
	if err := d.validateMemoryDeviceNodes(); err != nil {
		return err
	}
	if d.MemoryBacking != nil {
		if err := d.MemoryBacking.validate(d.numaCells()); err != nil {
			return err
		}
	}
	if d.IOThreads != nil {
		if err := d.IOThreads.validate(); err != nil {
			return err
		}
	}
	if d.DefaultIOThread != nil {
		if err := d.DefaultIOThread.Pool.validate(); err != nil {
			return err
		}
	}
	if d.MemTune != nil {
		if err := d.MemTune.validate(); err != nil {
			return err
		}
	}
	if d.NumaTune != nil {
		if err := d.NumaTune.validate(); err != nil {
			return err
		}
	}
	if err := d.Memory.validate(); err != nil {
		return err
	}
	if err := d.VCPU.validate(); err != nil {
		return err
	}
	if d.CPUTune != nil {
		if err := d.CPUTune.validate(d.VCPU.Max); err != nil {
			return err
		}
	}
	if d.Devices != nil {
		if err := d.Devices.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Format writes the definition as libvirt does.
func (d *Def) Format(flags FormatFlags) string {
	b := xmlbuf.New()
	d.FormatTo(b, flags)
	return b.String()
}

// FormatTo writes the definition into b at b's indentation.
func (d *Def) FormatTo(b *xmlbuf.Buffer, flags FormatFlags) {
	d.formatAs(b, "domain", flags)
}

func (d *Def) formatAs(b *xmlbuf.Buffer, root string, flags FormatFlags) {
	b.Asprintf("<%s type='%s'", root, xmlbuf.Escape(d.Type))
	if flags&FormatInactive == 0 && d.ID != -1 {
		b.Attrf("id", "%d", d.ID)
	}
	if d.Namespace != nil {
		b.Attr("xmlns:"+d.Namespace.Prefix, d.Namespace.URI)
	}
	for _, a := range d.namespaces {
		b.Attr(a.Name, a.Value)
	}
	b.AddLit(">\n")
	b.AdjustIndent(2)
	for _, name := range topOrder {
		d.formatTop(b, name, flags)
	}
	if d.Namespace != nil {
		d.Namespace.format(b)
	}
	for _, n := range d.extensions {
		b.FormatNode(n)
	}
	for _, n := range d.unknown {
		b.FormatNode(n)
	}
	b.AdjustIndent(-2)
	b.Asprintf("</%s>\n", root)
}

func (d *Def) formatRaw(b *xmlbuf.Buffer, name string) {
	for _, n := range d.raw[name] {
		b.FormatNode(n)
	}
}

// formatTop writes one top-level slot.
func (d *Def) formatTop(b *xmlbuf.Buffer, name string, flags FormatFlags) {
	switch name {
	case "name":
		b.TextElement("name", d.Name)
	case "uuid":
		b.TextElement("uuid", d.UUID.String())
	case "genid":
		if d.GenID != nil {
			b.TextElement("genid", d.GenID.String())
		}
	case "title":
		b.TextElementIf("title", d.Title)
	case "description":
		b.TextElementIf("description", d.Description)
	case "metadata":
		if d.Metadata != nil {
			d.Metadata.format(b)
		}
	case "maxMemory", "memory", "currentMemory":
		d.Memory.format(b, name)
	case "vcpu", "vcpus":
		d.VCPU.format(b, name)
	case "blkiotune":
		if d.BlkioTune != nil {
			d.BlkioTune.format(b)
		}
	case "resource":
		if d.Resource != nil {
			d.Resource.format(b)
		}
	case "sysinfo":
		for _, si := range d.SysInfo {
			si.format(b)
		}
	case "idmap":
		if d.IDMap != nil {
			d.IDMap.format(b)
		}
	case "pm":
		if d.PM != nil {
			d.PM.format(b)
		}
	case "keywrap":
		if d.KeyWrap != nil {
			d.KeyWrap.format(b)
		}
	case "memoryBacking":
		if d.MemoryBacking != nil {
			d.MemoryBacking.format(b)
		}
	case "memtune":
		if d.MemTune != nil {
			d.MemTune.format(b)
		}
	case "numatune":
		if d.NumaTune != nil {
			d.NumaTune.format(b)
		}
	case "defaultiothread":
		if d.DefaultIOThread != nil {
			d.DefaultIOThread.format(b)
		}
	case "iothreads", "iothreadids":
		if d.IOThreads != nil {
			d.IOThreads.format(b, name)
		}
	case "cputune":
		if d.CPUTune != nil {
			d.CPUTune.format(b, flags)
		}
	case "os":
		if d.OS != nil {
			d.OS.format(b, len(d.raw["bootloader"]) > 0, flags)
		}
	case "clock":
		if d.Clock != nil {
			d.Clock.format(b, flags)
		} else {
			b.AddLit("<clock offset='utc'/>\n")
		}
	case "on_poweroff":
		b.TextElement("on_poweroff", orDefault(d.OnPoweroff, "destroy"))
	case "on_reboot":
		b.TextElement("on_reboot", orDefault(d.OnReboot, "restart"))
	case "on_crash":
		b.TextElement("on_crash", orDefault(d.OnCrash, "destroy"))
	case "on_lockfailure":
		b.TextElementIf("on_lockfailure", d.OnLockfailure)
	case "features":
		if d.Features != nil {
			d.Features.format(b)
		}
	case "cpu":
		if d.CPU != nil {
			d.CPU.format(b)
		}
	case "perf":
		if d.Perf != nil {
			d.Perf.format(b)
		}
	case "devices":
		if d.Devices != nil {
			d.Devices.format(b, flags)
		} else {
			b.AddLit("<devices>\n")
			b.AddLit("</devices>\n")
		}
	case "seclabel":
		for _, l := range d.SecLabels {
			l.Format(b, flags)
		}
	case "launchSecurity":
		if d.LaunchSecurity != nil {
			d.LaunchSecurity.format(b)
		}
	default:
		d.formatRaw(b, name)
	}
}

// validateNUMA checks the guest NUMA cells against the vcpus and the
// host NUMA tuning of their memory.
func (d *Def) validateNUMA() error {
	cells := d.numaCells()
	for i := 0; i < cells; i++ {
		for j := 0; j < i; j++ {
			if d.CPU.NUMA.Cells[i].CPUs.Overlaps(d.CPU.NUMA.Cells[j].CPUs) {
				return virterr.NewFrom(virterr.FromDomain, virterr.ConfigUnsupported, "NUMA cells %d and %d have overlapping vCPU ids", i, j)
			}
		}
	}
	if d.NumaTune != nil && len(d.NumaTune.MemNodes) > 0 {
		if cells == 0 {
			return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Element 'memnode' is invalid without any guest NUMA cells")
		}
		for _, m := range d.NumaTune.MemNodes {
			if int(m.CellID) >= cells {
				return virterr.NewFrom(virterr.FromDomain, virterr.XMLError, "%s", "Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell")
			}
		}
	}
	if cells > 0 {
		total := 0
		for _, c := range d.CPU.NUMA.Cells {
			total += len(c.CPUs)
		}
		if total > int(d.VCPU.Max) {
			return virterr.NewFrom(virterr.FromDomain, virterr.InternalError, "%s", "Number of CPUs in <numa> exceeds the <vcpu> count")
		}
	}
	return nil
}

// numaMemory is the memory of the guest NUMA nodes, in KiB.
func (d *Def) numaMemory() uint64 {
	if d.numaCells() == 0 {
		return 0
	}
	return d.CPU.NUMA.TotalMemory()
}

// numaCells is the number of guest NUMA nodes.
func (d *Def) numaCells() int {
	if d.CPU == nil || d.CPU.NUMA == nil || d.CPU.NUMA.raw != nil {
		return 0
	}
	return len(d.CPU.NUMA.Cells)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
