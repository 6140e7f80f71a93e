// Package firmware reads QEMU firmware descriptors (the JSON files of
// QEMU's firmware interop specification, docs/interop/firmware.json) and
// picks the one that fits a domain, as libvirt's src/qemu/qemu_firmware.c
// does for <os firmware='…'> and for old-style UEFI loaders without an
// NVRAM template.
package firmware

import (
	"encoding/json"
	"fmt"
	"path"

	"github.com/govirt/govirt/virt/virterr"
)

// Interface types of the specification's FirmwareOSInterface that libvirt
// understands; any other name makes a descriptor unreadable.
var interfaceTypes = map[string]bool{"bios": true, "openfirmware": true, "uboot": true, "uefi": true}

// Features libvirt acts on; others are ignored as libvirt ignores them.
var knownFeatures = map[string]bool{
	"acpi-s3": true, "acpi-s4": true, "amd-sev": true, "amd-sev-es": true,
	"enrolled-keys": true, "requires-smm": true, "secure-boot": true,
	"verbose-dynamic": true, "verbose-static": true,
}

// Flash modes of a flash mapping.
const (
	ModeSplit     = "split"
	ModeCombined  = "combined"
	ModeStateless = "stateless"
)

// File is a flash file: its path and image format.
type File struct {
	Filename string
	Format   string
}

// Target is one architecture with the machine type patterns (glob
// patterns, '*' and '?') the firmware supports on it.
type Target struct {
	Arch     string
	Machines []string
}

// Descriptor is one parsed firmware description.
type Descriptor struct {
	// Path is the file the description was read from.
	Path       string
	Interfaces []string
	// Device is the mapping's device: flash, kernel or memory.
	Device string
	// Mode, Executable and NVRAMTemplate describe a flash mapping;
	// NVRAMTemplate is set for the split mode only.
	Mode          string
	Executable    File
	NVRAMTemplate File
	// Filename is the image of a kernel or memory mapping.
	Filename string
	Targets  []Target
	// Features are the known features, in the file's order.
	Features []string
}

// HasFeature says whether the description lists feature.
func (d *Descriptor) HasFeature(feature string) bool {
	for _, f := range d.Features {
		if f == feature {
			return true
		}
	}
	return false
}

func (d *Descriptor) hasInterface(iface string) bool {
	for _, i := range d.Interfaces {
		if i == iface {
			return true
		}
	}
	return false
}

// MatchesMachine is qemuFirmwareMatchesMachineArch: a target of arch
// whose machine patterns match machine.
func (d *Descriptor) MatchesMachine(machine, arch string) bool {
	for _, t := range d.Targets {
		if t.Arch != arch {
			continue
		}
		for _, m := range t.Machines {
			if ok, err := path.Match(m, machine); err == nil && ok {
				return true
			}
		}
	}
	return false
}

type rawFile struct {
	Filename *string `json:"filename"`
	Format   *string `json:"format"`
}

type rawDescriptor struct {
	Interfaces *[]json.RawMessage `json:"interface-types"`
	Mapping    *struct {
		Device        *string         `json:"device"`
		Mode          json.RawMessage `json:"mode"`
		Executable    *rawFile        `json:"executable"`
		NVRAMTemplate *rawFile        `json:"nvram-template"`
		Filename      *string         `json:"filename"`
	} `json:"mapping"`
	Targets *[]struct {
		Architecture *string            `json:"architecture"`
		Machines     *[]json.RawMessage `json:"machines"`
	} `json:"targets"`
	Features *[]json.RawMessage `json:"features"`
}

func internal(format string, a ...any) error {
	return virterr.NewFrom(virterr.FromQemu, virterr.InternalError, format, a...)
}

// rawString is a JSON string value, or "" for anything else (libvirt's
// virJSONValueGetString returning NULL).
func rawString(m json.RawMessage) (string, bool) {
	var s string
	if err := json.Unmarshal(m, &s); err != nil {
		return "", false
	}
	return s, true
}

// archFromQEMU is virQEMUCapsArchFromString: QEMU's names for the
// architectures libvirt spells differently.
func archFromQEMU(a string) string {
	switch a {
	case "i386":
		return "i686"
	case "arm":
		return "armv7l"
	}
	return a
}

// Parse is qemuFirmwareParse: the description in data, read from file
// (named in errors).
func Parse(file string, data []byte) (*Descriptor, error) {
	var raw rawDescriptor
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, internal("unable to parse json file '%s'", file)
	}
	d := &Descriptor{Path: file}

	if raw.Interfaces == nil {
		return nil, internal("failed to get interface-types from '%s'", file)
	}
	for _, m := range *raw.Interfaces {
		s, _ := rawString(m)
		if !interfaceTypes[s] {
			return nil, internal("unknown interface type: '%s'", s)
		}
		d.Interfaces = append(d.Interfaces, s)
	}

	mp := raw.Mapping
	if mp == nil {
		return nil, internal("missing mapping in '%s'", file)
	}
	if mp.Device == nil {
		return nil, internal("missing device type in '%s'", file)
	}
	d.Device = *mp.Device
	switch d.Device {
	case "flash":
		d.Mode = ModeSplit // the historical default
		if mp.Mode != nil {
			s, ok := rawString(mp.Mode)
			if !ok {
				return nil, internal("%s", "Firmware flash mode value was malformed")
			}
			if s != ModeSplit && s != ModeCombined && s != ModeStateless {
				return nil, internal("Firmware flash mode value '%s' unexpected", s)
			}
			d.Mode = s
		}
		if mp.Executable == nil {
			return nil, internal("missing 'executable' in '%s'", file)
		}
		var err error
		if d.Executable, err = parseFile(file, mp.Executable); err != nil {
			return nil, err
		}
		if d.Mode == ModeSplit {
			if mp.NVRAMTemplate == nil {
				return nil, internal("missing 'nvram-template' in '%s'", file)
			}
			if d.NVRAMTemplate, err = parseFile(file, mp.NVRAMTemplate); err != nil {
				return nil, err
			}
		}
	case "kernel", "memory":
		if mp.Filename == nil {
			return nil, internal("missing 'filename' in '%s'", file)
		}
		d.Filename = *mp.Filename
	default:
		return nil, internal("unknown device type in '%s'", file)
	}

	if raw.Targets == nil {
		return nil, internal("failed to get targets from '%s'", file)
	}
	for _, t := range *raw.Targets {
		if t.Architecture == nil {
			return nil, internal("missing 'architecture' in '%s'", file)
		}
		arch := archFromQEMU(*t.Architecture)
		if !knownArch(arch) {
			return nil, internal("unknown architecture '%s'", *t.Architecture)
		}
		if t.Machines == nil {
			return nil, internal("missing 'machines' in '%s'", file)
		}
		tg := Target{Arch: arch}
		for _, m := range *t.Machines {
			s, _ := rawString(m)
			tg.Machines = append(tg.Machines, s)
		}
		d.Targets = append(d.Targets, tg)
	}

	if raw.Features == nil {
		return nil, internal("failed to get features from '%s'", file)
	}
	for _, m := range *raw.Features {
		if s, _ := rawString(m); knownFeatures[s] {
			d.Features = append(d.Features, s)
		}
	}
	return d, nil
}

func parseFile(file string, f *rawFile) (File, error) {
	if f.Filename == nil {
		return File{}, internal("missing 'filename' in '%s'", file)
	}
	if f.Format == nil {
		return File{}, internal("missing 'format' in '%s'", file)
	}
	return File{Filename: *f.Filename, Format: *f.Format}, nil
}

// knownArch accepts the architecture names libvirt's virArch knows.
func knownArch(a string) bool {
	switch a {
	case "i686", "x86_64", "aarch64", "armv6l", "armv7l", "armv7b", "ppc",
		"ppc64", "ppc64le", "ppcle", "ppcemb", "s390", "s390x", "riscv32",
		"riscv64", "mips", "mipsel", "mips64", "mips64el", "sparc",
		"sparc64", "alpha", "cris", "lm32", "m68k", "microblaze",
		"microblazeel", "or32", "parisc", "parisc64", "sh4", "sh4eb",
		"unicore32", "xtensa", "xtensaeb", "loongarch64":
		return true
	}
	return false
}

// String names the description for messages.
func (d *Descriptor) String() string {
	return fmt.Sprintf("firmware description '%s'", d.Path)
}
