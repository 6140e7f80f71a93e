package conformance

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/storage"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/command"
	"github.com/govirt/govirt/internal/drivers/qemu/domaindefaults"
	"github.com/govirt/govirt/internal/drivers/qemu/firmware"
	"github.com/govirt/govirt/virt/virterr"
)

// The qemuxml2argv and qemuxml2xml suites follow libvirt 9.0's
// tests/qemuxml2argvtest.c and qemuxml2xmltest.c for the cases run
// against recorded x86_64 capabilities (DO_TEST_CAPS_LATEST and
// DO_TEST_CAPS_VER): NAME.xml is the input, NAME.x86_64-VER.args (or
// .err for an expected failure) the command line, and
// qemuxml2xmloutdata/NAME.x86_64-VER.xml the definition after the QEMU
// driver's defaults. "latest" is caps_8.0.0.
func init() {
	register(Suite{Name: "qemuxml2argvdata", Run: runQEMUXML2Argv})
	register(Suite{Name: "qemuxml2xmloutdata", Run: runQEMUXML2XML})
}

const qemuLatestCaps = "8.0.0"

type qemuCapsCache struct {
	mu   sync.Mutex
	caps map[string]*caps.Caps
	errs map[string]error
}

var qemuCapsLoaded = &qemuCapsCache{caps: map[string]*caps.Caps{}, errs: map[string]error{}}

// load returns a fresh copy of the recorded capabilities of one version,
// prepared as libvirt's test harness does.
func (c *qemuCapsCache) load(corpus, version string) (*caps.Caps, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if qc, ok := c.caps[version]; ok {
		return qc.Copy(), nil
	}
	if err, ok := c.errs[version]; ok {
		return nil, err
	}
	qc, err := caps.LoadFile(filepath.Join(corpus, "qemucapabilitiesdata", "caps_"+version+".x86_64.xml"))
	if err != nil {
		c.errs[version] = err
		return nil, err
	}
	if qc.Binary == "" {
		qc.Binary = "/usr/bin/qemu-system-x86_64"
	}
	// DO_TEST_CAPS_LATEST strips the aliases, DO_TEST_CAPS_VER keeps them.
	if version == qemuLatestCaps {
		stripMachineAliases(qc)
	}
	c.caps[version] = qc
	return qc.Copy(), nil
}

// stripMachineAliases is virQEMUCapsStripMachineAliases, which
// libvirt's test harness applies: each alias becomes a machine type of its
// own, so "pc" stays "pc" on the command line.
func stripMachineAliases(qc *caps.Caps) {
	for _, t := range []caps.VirtType{caps.VirtKVM, caps.VirtTCG} {
		a := qc.Accel(t)
		n := len(a.Machines)
		for i := 0; i < n; i++ {
			m := a.Machines[i]
			if m.Alias == "" {
				continue
			}
			a.Machines[i].Alias = ""
			m.Name, m.Alias = m.Alias, ""
			a.Machines = append(a.Machines, m)
		}
	}
}

// qemuArgvCase is one expectation file with the capabilities version it
// runs with.
type qemuArgvCase struct {
	name    string // input file name without .xml
	version string // caps version
	suffix  string // "x86_64-latest" or "x86_64-5.2.0"
	file    string // the expectation file
	// errVariant is an expected failure beside an expected command line
	// for the same input and capabilities: qemuxml2argvtest.c runs the
	// input a second time under other host conditions.
	errVariant bool
}

// id names the case in results.
func (c qemuArgvCase) id() string {
	if c.errVariant {
		return c.name + "." + c.suffix + ".err"
	}
	return c.name + "." + c.suffix
}

// qemuCases lists the x86_64 capability-versioned expectations in dir
// with the given extensions.
func qemuCases(corpus, dir string, exts ...string) ([]qemuArgvCase, error) {
	entries, err := os.ReadDir(filepath.Join(corpus, dir))
	if err != nil {
		return nil, err
	}
	var cases []qemuArgvCase
	for _, e := range entries {
		n := e.Name()
		for _, ext := range exts {
			if !strings.HasSuffix(n, ext) {
				continue
			}
			base := strings.TrimSuffix(n, ext)
			i := strings.LastIndex(base, ".x86_64-")
			if i < 0 {
				continue
			}
			name, ver := base[:i], base[i+len(".x86_64-"):]
			suffix := "x86_64-" + ver
			if ver == "latest" {
				ver = qemuLatestCaps
			}
			if _, err := os.Stat(filepath.Join(corpus, "qemucapabilitiesdata", "caps_"+ver+".x86_64.xml")); err != nil {
				continue
			}
			cases = append(cases, qemuArgvCase{name: name, version: ver, suffix: suffix, file: n})
		}
	}
	// An .err beside an .args for the same input is a second run.
	count := map[string]int{}
	for _, c := range cases {
		count[c.name+"."+c.suffix]++
	}
	for i, c := range cases {
		if count[c.name+"."+c.suffix] > 1 && strings.HasSuffix(c.file, ".err") {
			cases[i].errVariant = true
		}
	}
	sort.Slice(cases, func(i, j int) bool {
		if cases[i].name != cases[j].name {
			return cases[i].name < cases[j].name
		}
		if cases[i].suffix != cases[j].suffix {
			return cases[i].suffix < cases[j].suffix
		}
		return cases[i].file < cases[j].file
	})
	return cases, nil
}

// qemuTestOptions are the parse options libvirt's harness uses for an
// input: an inactive config, QEMU defaults against the recorded
// capabilities, and the per-test driver settings of qemuxml2argvtest.c.
func qemuTestOptions(name string, qc *caps.Caps) domaindefaults.Options {
	flags := domain.ParseInactive
	if qemuTestABIUpdate[name] {
		flags |= domain.ParseABIUpdate
	}
	return domaindefaults.Options{
		Caps:               qc,
		HostArch:           "x86_64",
		KeepMachineAliases: false,
		Flags:              flags,
		Audio:              qemuTestAudioEnv[name],
		NewUUID:            qemuTestUUID,
	}
}

// qemuTestABIUpdate are the inputs qemuxml2argvtest.c and qemuxml2xmltest.c
// parse with VIR_DOMAIN_DEF_PARSE_ABI_UPDATE (ARG_PARSEFLAGS), as the QEMU
// driver parses new definitions.
var qemuTestABIUpdate = map[string]bool{
	"memory-hotplug-ppc64-nonuma-abi-update": true,
	"memory-hotplug-nvdimm-ppc64-abi-update": true,
	"ppc64-usb-controller-qemu-xhci":         true,
}

// qemuTestUUID is the UUID libvirt's tests generate: their mocked random
// source returns the bytes 0, 1, 2 …
func qemuTestUUID() uuid.UUID {
	var u uuid.UUID
	for i := range u {
		u[i] = byte(i)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// qemuTestAudioEnv are the environment variables and qemu.conf settings
// qemuxml2argvtest.c sets around the default-audio tests.
var qemuTestAudioEnv = map[string]domaindefaults.AudioEnv{
	"audio-default-sdl":        {QEMUAudioDrv: "sdl", SDLAudioDriver: "esd"},
	"audio-default-vnc":        {QEMUAudioDrv: "alsa", VNCAllowHostAudio: true},
	"audio-default-nographics": {QEMUAudioDrv: "alsa", NoGraphicsAllowHostAudio: true},
}

// qemuTestConfig are the qemu.conf settings qemuxml2argvtest.c changes
// around particular tests.
var qemuTestConfig = map[string]func(*command.Context){
	"graphics-vnc-sasl": func(c *command.Context) { c.VNCSASL, c.VNCSASLDir = true, "/root/.sasl2" },
	"graphics-vnc-tls": func(c *command.Context) {
		c.VNCSASL, c.VNCSASLDir, c.VNCTLS, c.VNCTLSx509Verify = true, "/root/.sasl2", true, true
	},
	"graphics-vnc-tls-secret": func(c *command.Context) {
		c.VNCSASL, c.VNCSASLDir, c.VNCTLS, c.VNCTLSx509Verify = true, "/root/.sasl2", true, true
		c.VNCTLSx509SecretUUID = "6fd3f62d-9fe7-4a4e-a869-7acd6376d8ea"
	},
	"graphics-spice-sasl": func(c *command.Context) { c.SpiceSASL, c.SpiceSASLDir = true, "/root/.sasl2" },
}

// qemuTestCapsAdd are the capabilities qemuxml2argvtest.c adds to the
// recorded ones for particular inputs (ARG_QEMU_CAPS).
var qemuTestCapsAdd = map[string][]caps.Flag{
	"launch-security-sev-direct": {caps.SEVGuest},
}

// qemuTestErrVariantConfig are the host conditions of the second,
// failing runs of an input (qemuxml2argvtest.c's mocked swtpm_setup
// capabilities, VIR_TEST_MOCK_FAKE_TPM_VERSION, around the TPM tests).
var qemuTestErrVariantConfig = map[string]func(*command.Context){
	"tpm-emulator":      func(c *command.Context) { c.SwtpmVersions = []string{"2.0"} },
	"tpm-emulator-tpm2": func(c *command.Context) { c.SwtpmVersions = []string{"1.2"} },
}

// qemuTestDefinition parses an input as libvirt's harness does.
func qemuTestDefinition(name string, in []byte, qc *caps.Caps) (*domain.Def, error) {
	return domaindefaults.Parse(in, qemuTestOptions(name, qc))
}

func runQEMUXML2Argv(corpus string) ([]Result, error) {
	dir := filepath.Join(corpus, "qemuxml2argvdata")
	cases, err := qemuCases(corpus, "qemuxml2argvdata", ".args", ".err")
	if err != nil {
		return nil, err
	}
	var res []Result
	for _, c := range cases {
		c := c
		file := c.file
		res = append(res, Check(c.id(), func() error {
			in, err := os.ReadFile(filepath.Join(dir, c.name+".xml"))
			if err != nil {
				return err
			}
			want, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				return err
			}
			qc, err := qemuCapsLoaded.load(corpus, c.version)
			if err != nil {
				return err
			}
			if add := qemuTestCapsAdd[c.name]; add != nil {
				qc.Set(add...)
			}
			got, buildErr := qemuBuildArgv(corpus, c, in, qc)
			if strings.HasSuffix(file, ".err") {
				if buildErr == nil {
					return errors.New("expected failure: " + strings.TrimSpace(string(want)))
				}
				return Diff(strings.TrimSpace(string(want)), strings.TrimSpace(buildErr.Error()))
			}
			if buildErr != nil {
				return buildErr
			}
			return Diff(string(want), got+"\n")
		}))
	}
	return res, nil
}

// qemuBuildArgv is the whole qemuxml2argv pipeline for one input.
func qemuBuildArgv(corpus string, c qemuArgvCase, in []byte, qc *caps.Caps) (string, error) {
	name := c.name
	def, err := qemuTestDefinition(name, in, qc)
	if err != nil {
		return "", err
	}
	if err := def.Validate(); err != nil {
		return "", err
	}
	ctx := command.TestContext(def.Name)
	ctx.Firmware = qemuTestFirmwareDirs(corpus)
	ctx.Volumes = qemuTestStorage{corpus: corpus}
	if set := qemuTestConfig[name]; set != nil {
		set(ctx)
	}
	if c.errVariant {
		if set := qemuTestErrVariantConfig[name]; set != nil {
			set(ctx)
		}
	}
	cmd, err := command.Build(def, qc, ctx)
	if err != nil {
		return "", err
	}
	return cmd.String(), nil
}

// qemuTestFirmwareDirs are the firmware descriptor directories
// qemuxml2argvtest.c redirects into qemufirmwaredata (its driver is
// privileged, so the user's directory is not read).
func qemuTestFirmwareDirs(corpus string) firmware.Dirs {
	root := filepath.Join(corpus, "qemufirmwaredata")
	return firmware.Dirs{
		System: filepath.Join(root, "usr", "share", "qemu", "firmware"),
		Etc:    filepath.Join(root, "etc", "qemu", "firmware"),
	}
}

// qemuTestStorage is qemuxml2argvtest.c's fake storage driver: a pool
// named "inactive" exists but is not running, any other pool is defined
// by storagepoolxml2xmlout/<name>.xml; a volume "TYPE+NAME" is a volume
// of that type (block without a '+') at /some/TYPE/device/NAME, and
// "nonexistent" does not exist.
type qemuTestStorage struct{ corpus string }

func (s qemuTestStorage) Pool(name string) (*storage.PoolDef, bool, error) {
	if name == "inactive" {
		return nil, false, nil
	}
	path := filepath.Join(s.corpus, "storagepoolxml2xmlout", name+".xml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, virterr.NewFrom(virterr.FromStorage, virterr.NoStoragePool, "File '%s' not found", path)
	}
	def, err := storage.ParsePool(data)
	if err != nil {
		return nil, false, err
	}
	return def, true, nil
}

func (s qemuTestStorage) Volume(pool, name string) (command.StorageVolume, error) {
	if name == "nonexistent" {
		return command.StorageVolume{}, virterr.NewFrom(virterr.FromStorage, virterr.NoStorageVol, "no storage vol with matching name '%s'", name)
	}
	typ, vol, ok := strings.Cut(name, "+")
	if !ok {
		typ, vol = "block", name
	}
	switch typ {
	case "file", "block", "dir", "network", "netdir", "ploop":
	default:
		return command.StorageVolume{}, virterr.New(virterr.InternalError, "Invalid volume type '%s'", typ)
	}
	return command.StorageVolume{Type: typ, Path: "/some/" + typ + "/device/" + vol}, nil
}

func runQEMUXML2XML(corpus string) ([]Result, error) {
	cases, err := qemuCases(corpus, "qemuxml2xmloutdata", ".xml")
	if err != nil {
		return nil, err
	}
	exists := func(dir, name string) bool {
		_, err := os.Stat(filepath.Join(corpus, dir, name))
		return err == nil
	}
	var res []Result
	for _, c := range cases {
		c := c
		file := c.file
		// qemuxml2xmltest.c runs every input twice, live and inactive;
		// NAME-active.SUFFIX.xml and NAME-inactive.SUFFIX.xml hold the
		// output of one of the two where it differs from NAME.SUFFIX.xml.
		input, live := c.name, []bool{false, true}
		for _, v := range []struct {
			suffix string
			live   bool
		}{{"-active", true}, {"-inactive", false}} {
			base := strings.TrimSuffix(c.name, v.suffix)
			if base != c.name && !exists("qemuxml2argvdata", c.name+".xml") {
				input, live = base, []bool{v.live}
			}
		}
		if len(live) == 2 {
			live = live[:0]
			if !exists("qemuxml2xmloutdata", c.name+"-inactive."+c.suffix+".xml") {
				live = append(live, false)
			}
			if !exists("qemuxml2xmloutdata", c.name+"-active."+c.suffix+".xml") {
				live = append(live, true)
			}
		}
		res = append(res, Check(c.id(), func() error {
			in, err := os.ReadFile(filepath.Join(corpus, "qemuxml2argvdata", input+".xml"))
			if err != nil {
				return err
			}
			want, err := os.ReadFile(filepath.Join(corpus, "qemuxml2xmloutdata", file))
			if err != nil {
				return err
			}
			for _, l := range live {
				qc, err := qemuCapsLoaded.load(corpus, c.version)
				if err != nil {
					return err
				}
				opts := qemuTestOptions(input, qc)
				format := domain.FormatSecure
				if l {
					opts.Flags = 0
				} else {
					format |= domain.FormatInactive
				}
				def, err := domaindefaults.Parse(in, opts)
				if err != nil {
					return err
				}
				if err := Diff(string(want), def.Format(format)); err != nil {
					if l {
						return errors.New("live: " + err.Error())
					}
					return err
				}
			}
			return nil
		}))
	}
	return res, nil
}
