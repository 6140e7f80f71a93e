// Package command turns a domain definition into QEMU's command line, as
// libvirt's qemu_command.c does: the argv is built as data (environment,
// binary, arguments in libvirt's order) so that golden tests compare it
// with libvirt's expectations and real starts hand it to cmdrun.
package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/firmware"
	"github.com/govirt/govirt/virt/virterr"
)

// Command is a QEMU invocation: environment, binary and arguments.
type Command struct {
	Env    []string // NAME=value, in the order libvirt adds them
	Binary string
	Args   []string
}

// Arg appends arguments.
func (c *Command) Arg(args ...string) { c.Args = append(c.Args, args...) }

// Argf appends one formatted argument.
func (c *Command) Argf(format string, a ...any) { c.Args = append(c.Args, fmt.Sprintf(format, a...)) }

// SetEnv appends NAME=value.
func (c *Command) SetEnv(name, value string) { c.Env = append(c.Env, name+"="+value) }

// Cmd converts to the command runner's form.
func (c *Command) Cmd() *cmdrun.Cmd {
	return &cmdrun.Cmd{
		Argv:     append([]string{c.Binary}, c.Args...),
		Env:      append([]string(nil), c.Env...),
		ClearEnv: true,
	}
}

// String renders the command exactly like libvirt's *.args files: one
// option per line, continued with " \".
func (c *Command) String() string { return cmdrun.ToString(c.Cmd(), true, false) }

// Context is what the command line depends on besides the definition and
// the capabilities: paths, descriptors handed over, host facts. Real
// starts fill it from the driver's configuration and the opened fds; the
// conformance run uses TestContext, libvirt's test configuration.
type Context struct {
	// Privileged is a system (root) driver: HOME and XDG_* point into
	// LibDir instead of only XDG_CACHE_HOME.
	Privileged bool
	// PassEnv are the common variables virCommandAddEnvPassCommon sets
	// (LC_ALL, PATH, USER, LOGNAME) as NAME=value, in order.
	PassEnv []string

	// LibDir is the domain's private directory (master key, …).
	LibDir string
	// NodeIndexesGiven says the driver numbered the block nodes as
	// libvirt's start does (every disk's top first, then the layers it
	// detected): each source's index and each backing store's index are
	// its libvirt-N node names. Unset, the nodes are numbered as
	// libvirt's test set-up does, ignoring indexes the XML carries.
	NodeIndexesGiven bool
	// DevicesPrepared says the driver already ran PrepareDevices on the
	// definition: the build does not assign addresses and aliases again.
	DevicesPrepared bool
	// ChannelTargetDir holds the auto-generated channel sockets.
	ChannelTargetDir string
	// MemoryBackingDir is the per-domain directory for file-backed memory.
	MemoryBackingDir string
	// HugepageDirs maps a hugepage size in KiB to its mount point with the
	// per-domain suffix; DefaultHugepageKiB is the host's default size.
	HugepageDirs       map[uint64]string
	DefaultHugepageKiB uint64
	// NVRAMDir is where per-domain NVRAM files live.
	NVRAMDir string
	// Firmware gives the firmware descriptors <os firmware='…'> chooses
	// from; nil reads the host's (firmware.DefaultDirs).
	Firmware firmware.Source
	// The host-side sources of the devices: secret values, TLS settings
	// of character devices and network disks, display settings, the
	// descriptors of NICs and vhost-scsi devices, TPM backends. Unset
	// ones mean libvirt's test harness values.
	Secrets  SecretSource
	TLS      *TLSConfig
	Graphics *GraphicsConfig
	HostFDs  HostFDs
	TPMPaths TPMPaths

	// FDGroups are the descriptors clients associated with the domain by
	// name (virDomainFDAssociate), which <source fdgroup> refers to.
	FDGroups map[string]FDGroup

	// IsCDROM tells a host CD-ROM drive, which a raw CD-ROM disk opens
	// with host_cdrom; nil asks the host (virFileIsCDROM).
	IsCDROM func(path string) bool

	// Volumes resolves <disk type='volume'> sources; nil refuses them.
	Volumes StorageVolumes
	// CheckHostNUMANodes refuses a host nodeset guest memory is bound to
	// when a node is not online (virNumaNodesetIsAvailable); nil skips the
	// check.
	CheckHostNUMANodes func(nodes []uint) error
	// SwtpmVersions are the TPM versions the host's swtpm_setup can
	// create state for ("1.2", "2.0"); nil skips the check.
	SwtpmVersions []string
	// Incoming is set when the guest is started for an incoming
	// migration or restore, which keeps the firmware it was started with.
	Incoming bool
	// IncomingURI is where an incoming migration or saved state arrives
	// (-incoming: "defer", "fd:N", "tcp:…"); empty for a fresh start.
	IncomingURI string
	// DeprecationBehavior is qemu.conf's deprecation_behavior (none,
	// omit, reject, crash); <qemu:deprecation> overrides it.
	DeprecationBehavior string
	// StateDir is the driver's run directory (pid files, sockets).
	StateDir string
	// ConfigDir is the driver's configuration directory.
	ConfigDir string

	// MonitorFD is the descriptor of the monitor socket handed to QEMU;
	// when negative, MonitorPath is used as a listening path instead.
	MonitorFD   int
	MonitorPath string

	// SetMaxMemLock, LogTimestamp, … mirror qemu.conf settings.
	LogTimestamp bool
	// SeccompSandbox is qemu.conf's seccomp_sandbox: -1 leaves QEMU's
	// default, 0 turns it off, 1 on.
	SeccompSandbox int
	// DumpGuestCore is qemu.conf's dump_guest_core.
	DumpGuestCore bool
	// HostFIPS says the host requires FIPS mode.
	HostFIPS bool
	// MemoryBackingFile is qemu.conf's memory_backing_dir being used for
	// file-backed memory (as opposed to memfd).
	SetDebugThreads bool
	// ListenFD returns the descriptor of a listening unix socket libvirt
	// opens for QEMU; nil keeps the path. The test context answers 1729.
	ListenFD func(path string) int
	// FileFD returns the descriptor of a file libvirt opens for a
	// character device (its log when log is set); nil keeps the path.
	// The test context answers 1750 and 1751.
	FileFD func(path string, log bool) int
	// NextFD hands out descriptor numbers for fds passed to QEMU (taps,
	// vhost, files); the test context counts up from 1729 like libvirt's
	// mocked virCommandPassFD.
	NextFD func() int
	// HostArch is the host's architecture (accelerator choice, CPU
	// host-passthrough checks).
	HostArch string
	// ShortName is the domain's short name (virDomainDefGetShortName);
	// computed from the id and name when empty.
	ShortName string

	// VNCSASL and SpiceSASL are qemu.conf's vnc_sasl and spice_sasl;
	// VNCSASLDir and SpiceSASLDir their vnc_sasl_dir and spice_sasl_dir,
	// handed to QEMU as SASL_CONF_PATH.
	VNCSASL, SpiceSASL       bool
	VNCSASLDir, SpiceSASLDir string
	// VNCTLS, VNCTLSx509Verify and VNCTLSx509SecretUUID are qemu.conf's
	// vnc_tls, vnc_tls_x509_verify and vnc_tls_x509_secret_uuid.
	VNCTLS, VNCTLSx509Verify bool
	VNCTLSx509SecretUUID     string
}

// DomainShortName is libvirt's virDomainDefGetShortName: "<id>-<name>"
// with the name cut to 20 bytes.
func DomainShortName(id int, name string) string {
	const maxName = 20
	n := name
	if len(n) > maxName {
		n = n[:maxName]
		// libvirt cuts on a character boundary.
		for len(n) > 0 && !validUTF8End(n) {
			n = n[:len(n)-1]
		}
	}
	return strconv.Itoa(id) + "-" + n
}

func validUTF8End(s string) bool {
	return strings.ToValidUTF8(s, "\uFFFD") == s
}

// TestContext is libvirt's test set-up (testutilsqemu.c, qemuxml2argvtest.c)
// for a domain of that name: fixed paths under /tmp/lib and
// /var/lib/libvirt/qemu, the monitor at fd 1729, a privileged driver.
func TestContext(name string) *Context {
	short := DomainShortName(-1, name)
	next := 1729
	return &Context{
		Privileged: true,
		PassEnv:    []string{"LC_ALL=C", "PATH=/bin"},
		LibDir:     "/tmp/lib/domain-" + short,
		// libvirt's test configuration keeps the channel sockets under
		// the config's channel target dir.
		ChannelTargetDir:   "/var/lib/libvirt/qemu/channel/target/domain-" + short,
		MemoryBackingDir:   "/var/lib/libvirt/qemu/ram/" + short,
		HugepageDirs:       map[uint64]string{2048: "/dev/hugepages2M/libvirt/qemu/" + short, 1048576: "/dev/hugepages1G/libvirt/qemu/" + short},
		DefaultHugepageKiB: 2048,
		NVRAMDir:           "/var/lib/libvirt/qemu/nvram",
		Firmware:           firmware.Dirs{},
		CheckHostNUMANodes: testHostNUMANodes,
		// qemuxml2argvtest.c marks exactly /dev/cdrom as a host CD-ROM.
		IsCDROM: func(path string) bool { return path == "/dev/cdrom" },
		// libvirt's test driver is configured unprivileged, with its run
		// directory under the XDG_RUNTIME_DIR the test framework fakes.
		StateDir:       "/bad-test-used-env-xdg-runtime-dir/libvirt/qemu/run",
		ConfigDir:      "/etc/libvirt/qemu",
		MonitorFD:      1729,
		LogTimestamp:   true,
		SeccompSandbox: -1,
		HostArch:       "x86_64",
		ShortName:      short,
		ListenFD:       func(string) int { return 1729 },
		FileFD: func(_ string, log bool) int {
			if log {
				return 1751
			}
			return 1750
		},
		NextFD: func() int {
			fd := next
			next++
			return fd
		},
	}
}

// testHostNUMANodes is libvirt's mocked virNumaNodesetIsAvailable
// (qemuxml2argvmock.c): nodes 0-7 exist.
func testHostNUMANodes(nodes []uint) error {
	for _, n := range nodes {
		if n > 7 {
			return Internal("Mock: no numa node set is available at bit %d", n)
		}
	}
	return nil
}

// testUserEnv are the variables libvirt's test harness sets for USER and
// LOGNAME; they follow HOME in the argv files.
var testUserEnv = []string{"USER=test", "LOGNAME=test"}

// Builder holds one command line under construction.
type Builder struct {
	Def  *domain.Def
	Caps *caps.Caps
	Ctx  *Context
	Cmd  *Command

	// Aliases and state shared between steps (e.g. the memory backend id
	// that -machine refers to) live here.
	state map[string]any
	// restore undoes the build-time substitutions in Def (translated
	// volume sources) once the build ends.
	restore []func()
}

// Step adds one group of options (a qemuBuild*CommandLine function).
type Step func(b *Builder) error

// stepOrder is qemuBuildCommandLine's sequence. Steps are registered by
// name from the file that implements them, so device files can be added
// independently; a step nobody registered adds nothing.
var stepOrder = []string{
	"name",
	"compat-deprecated",
	"freeze",
	"master-key",
	"dbus-vmstate",
	"managed-pr",
	"pflash",
	"fips",
	"machine",
	"accel",
	"tseg",
	"cpu",
	"loader",
	"memory",
	"smp",
	"iothreads",
	"numa",
	"uuid",
	"smbios",
	"sysinfo",
	"vmgenid",
	"display",
	"defaults",
	"monitor",
	"clock",
	"pm",
	"boot",
	"iommu",
	"global-controllers",
	"controllers",
	"memory-devices",
	"hubs",
	"ccid-controllers",
	"disks",
	"filesystems",
	"net",
	"smartcards",
	"serials",
	"parallels",
	"channels",
	"consoles",
	"tpms",
	"inputs",
	"audio",
	"graphics",
	"videos",
	"sounds",
	"watchdogs",
	"redirdevs",
	"hostdevs",
	"incoming",
	"memballoon",
	"rngs",
	"nvram",
	"vmcoreinfo",
	"launch-security",
	"loadvm",
	"qemu-namespace",
	"sandbox",
	"panic",
	"shmems",
	"vsock",
	"crypto",
	"async-teardown",
	"msg",
}

var steps = map[string]Step{}

// preBuild hooks run before any step in registration order (alias
// assignment, address preparation); validators run first of all.
var (
	preBuild   []Step
	validators []Step
)

// RegisterStep installs the implementation of one named step of
// stepOrder. It panics on an unknown or duplicate name: that is a
// programming error caught by any test.
func RegisterStep(name string, fn Step) {
	known := false
	for _, n := range stepOrder {
		if n == name {
			known = true
		}
	}
	if !known {
		panic("command: unknown step " + name)
	}
	if _, dup := steps[name]; dup {
		panic("command: step registered twice: " + name)
	}
	steps[name] = fn
}

// RegisterPrepare adds a hook run before the steps, after validation
// (libvirt's qemuBuildCommandLine preconditions: aliases, prepared
// host state).
func RegisterPrepare(fn Step) { preBuild = append(preBuild, fn) }

// RegisterValidator adds a check run before anything is built, after
// the domain-level ones (qemu_validate.c's device checks,
// qemuBuildCommandLineValidate).
func RegisterValidator(fn Step) { validators = append(validators, fn) }

// domainValidatorOrder is the order of qemuValidateDomainDef's checks,
// which libvirt runs before it validates any device.
var domainValidatorOrder = []string{
	"emulator",         // os type, arch, virt type, machine, ACPI, …
	"vcpus",            // topology, hotplug granularity, limits
	"cpu",              // CPU mode, cache, maxphysaddr
	"features",         // machine-dependent features
	"pseries-features", // features only pSeries guests have
	"launch-security",
}

var domainValidators = map[string]Step{}

// RegisterDomainValidator installs one named domain-level check of
// domainValidatorOrder; an unknown or duplicate name panics.
func RegisterDomainValidator(name string, fn Step) {
	known := false
	for _, n := range domainValidatorOrder {
		if n == name {
			known = true
		}
	}
	if !known {
		panic("command: unknown domain validator " + name)
	}
	if _, dup := domainValidators[name]; dup {
		panic("command: domain validator registered twice: " + name)
	}
	domainValidators[name] = fn
}

// NewBuilder returns a builder for def; ctx nil means TestContext.
func NewBuilder(def *domain.Def, qc *caps.Caps, ctx *Context) *Builder {
	if ctx == nil {
		ctx = TestContext(def.Name)
	}
	if ctx.ShortName == "" {
		ctx.ShortName = DomainShortName(def.ID, def.Name)
	}
	if ctx.NextFD == nil {
		next := 3
		ctx.NextFD = func() int { n := next; next++; return n }
	}
	return &Builder{Def: def, Caps: qc, Ctx: ctx, Cmd: &Command{}, state: map[string]any{}}
}

// Build produces the command line for def against qc.
func Build(def *domain.Def, qc *caps.Caps, ctx *Context) (*Command, error) {
	b := NewBuilder(def, qc, ctx)
	if err := b.Run(); err != nil {
		return nil, err
	}
	return b.Cmd, nil
}

// Run validates, prepares and runs every step in libvirt's order.
func (b *Builder) Run() error {
	for _, name := range domainValidatorOrder {
		if v := domainValidators[name]; v != nil {
			if err := v(b); err != nil {
				return err
			}
		}
	}
	for _, v := range validators {
		if err := v(b); err != nil {
			return err
		}
	}
	// qemuProcessPrepareDomain: the firmware is chosen and volume disks
	// are resolved before anything looks at the loader or the sources.
	defer func() {
		for i := len(b.restore) - 1; i >= 0; i-- {
			b.restore[i]()
		}
		b.restore = nil
	}()
	if err := b.fillFirmware(); err != nil {
		return err
	}
	if err := b.translateVolumes(); err != nil {
		return err
	}
	for _, p := range preBuild {
		if err := p(b); err != nil {
			return err
		}
	}
	b.Cmd.Binary = b.emulator()
	b.buildEnv()
	for _, name := range stepOrder {
		fn := steps[name]
		if fn == nil {
			continue
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

func (b *Builder) emulator() string {
	if b.Def.Devices != nil && b.Def.Devices.Emulator != "" {
		return b.Def.Devices.Emulator
	}
	if b.Caps != nil {
		return b.Caps.Binary
	}
	return ""
}

func (b *Builder) buildEnv() {
	c := b.Cmd
	c.Env = append(c.Env, b.Ctx.PassEnv...)
	if !b.Ctx.Privileged {
		c.SetEnv("XDG_CACHE_HOME", b.Ctx.LibDir+"/.cache")
		return
	}
	c.SetEnv("HOME", b.Ctx.LibDir)
	if b.Ctx.PassEnv != nil && len(b.Ctx.PassEnv) == 2 && b.Ctx.PassEnv[0] == "LC_ALL=C" && b.Ctx.PassEnv[1] == "PATH=/bin" {
		// libvirt's test harness also fixes USER and LOGNAME.
		c.Env = append(c.Env, testUserEnv...)
	}
	c.SetEnv("XDG_DATA_HOME", b.Ctx.LibDir+"/.local/share")
	c.SetEnv("XDG_CACHE_HOME", b.Ctx.LibDir+"/.cache")
	c.SetEnv("XDG_CONFIG_HOME", b.Ctx.LibDir+"/.config")
	b.deviceEnv()
}

// deviceEnv adds the variables devices hand to QEMU through its
// environment, in the order libvirt's builders add them: the SDL audio
// driver, then the SASL configuration of VNC and SPICE.
func (b *Builder) deviceEnv() {
	d := b.Def.Devices
	if d == nil {
		return
	}
	for _, a := range d.Kind("audio") {
		if a.Attr("type") == "sdl" && a.Attr("driver") != "" {
			b.Cmd.SetEnv("SDL_AUDIODRIVER", a.Attr("driver"))
		}
	}
	for _, dev := range d.Graphics() {
		g := dev.Graphics()
		if g == nil {
			continue
		}
		switch g.Type {
		case "vnc":
			if b.Ctx.VNCSASL && b.Ctx.VNCSASLDir != "" {
				b.Cmd.SetEnv("SASL_CONF_PATH", b.Ctx.VNCSASLDir)
			}
		case "spice":
			if b.Ctx.SpiceSASL && b.Ctx.SpiceSASLDir != "" {
				b.Cmd.SetEnv("SASL_CONF_PATH", b.Ctx.SpiceSASLDir)
			}
		}
	}
}

// Has reports whether QEMU has a capability.
func (b *Builder) Has(f caps.Flag) bool { return b.Caps != nil && b.Caps.Has(f) }

// State returns a value shared between steps.
func (b *Builder) State(key string) any { return b.state[key] }

// SetState records a value shared between steps.
func (b *Builder) SetState(key string, v any) { b.state[key] = v }

// AddDevice adds -device with props, as JSON when QEMU takes it
// (qemuBuildDeviceCommandlineFromJSON), applying <qemu:override> device
// property overrides.
func (b *Builder) AddDevice(props *Props) error {
	b.applyDeviceOverrides(props)
	if b.Has(caps.DeviceJSON) {
		b.Cmd.Arg("-device", props.JSON())
		return nil
	}
	kv, err := props.KeyValue("driver", ArrayNone)
	if err != nil {
		return err
	}
	b.Cmd.Arg("-device", joinHead(props.GetString("driver"), kv))
	return nil
}

// AddObject adds -object (qemuBuildObjectCommandlineFromJSON).
func (b *Builder) AddObject(props *Props) error {
	if b.Has(caps.ObjectJSON) {
		b.Cmd.Arg("-object", props.JSON())
		return nil
	}
	kv, err := props.KeyValue("qom-type", ArrayBitmap)
	if err != nil {
		return err
	}
	b.Cmd.Arg("-object", joinHead(props.GetString("qom-type"), kv))
	return nil
}

// AddNetdev adds -netdev (qemuBuildNetdevCommandlineFromJSON).
func (b *Builder) AddNetdev(props *Props) error {
	if b.Has(caps.NetdevJSON) {
		b.Cmd.Arg("-netdev", props.JSON())
		return nil
	}
	kv, err := props.KeyValue("type", ArrayObjectsStr)
	if err != nil {
		return err
	}
	b.Cmd.Arg("-netdev", joinHead(props.GetString("type"), kv))
	return nil
}

// AddBlockdev adds -blockdev, always JSON.
func (b *Builder) AddBlockdev(props *Props) {
	b.Cmd.Arg("-blockdev", props.JSON())
}

// joinHead is libvirt's "%s," head followed by the key=value list, with
// the trailing comma trimmed when the list is empty.
func joinHead(head, kv string) string {
	if kv == "" {
		return head
	}
	return head + "," + kv
}

// ObjectProps starts the props of a QOM object (qemuMonitorCreateObjectProps).
func ObjectProps(qomType, id string) *Props {
	return NewProps().Str("qom-type", qomType).Str("id", id)
}

// Errorf is a QEMU-domain error with libvirt's code.
func Errorf(code virterr.Code, format string, a ...any) error {
	return virterr.NewFrom(virterr.FromQemu, code, format, a...)
}

// Unsupported is VIR_ERR_CONFIG_UNSUPPORTED, the usual refusal of the
// validation steps.
func Unsupported(format string, a ...any) error {
	return Errorf(virterr.ConfigUnsupported, format, a...)
}

// Internal is VIR_ERR_INTERNAL_ERROR.
func Internal(format string, a ...any) error {
	return Errorf(virterr.InternalError, format, a...)
}
