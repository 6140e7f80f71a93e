package qemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/firmware"
	"github.com/govirt/govirt/virt/virterr"
)

// virtTypes are libvirt's domain virtualization types
// (virDomainVirtTypeFromString); "none" means the caller did not choose.
var virtTypes = map[string]bool{
	"none": true, "qemu": true, "kqemu": true, "kvm": true, "xen": true, "lxc": true,
	"uml": true, "openvz": true, "test": true, "vmware": true, "hyperv": true,
	"vbox": true, "phyp": true, "parallels": true, "bhyve": true, "vz": true, "hvf": true,
}

// knownArches are the architecture names virArchFromString accepts.
var knownArches = map[string]bool{
	"alpha": true, "armv6l": true, "armv7l": true, "armv7b": true, "aarch64": true,
	"cris": true, "i686": true, "ia64": true, "lm32": true, "loongarch64": true,
	"m68k": true, "microblaze": true, "microblazeel": true, "mips": true,
	"mipsel": true, "mips64": true, "mips64el": true, "openrisc": true,
	"parisc": true, "parisc64": true, "ppc": true, "ppcle": true, "ppc64": true,
	"ppc64le": true, "ppcemb": true, "riscv32": true, "riscv64": true, "s390": true,
	"s390x": true, "sh4": true, "sh4eb": true, "sparc": true, "sparc64": true,
	"unicore32": true, "x86_64": true, "xtensa": true, "xtensaeb": true,
}

// hostArch is virArchFromHost.
func hostArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "386":
		return "i686"
	case "arm64":
		return "aarch64"
	case "arm":
		return "armv7l"
	case "mips64le":
		return "mips64el"
	case "loong64":
		return "loongarch64"
	}
	return runtime.GOARCH
}

func archFamily(arch string) string {
	switch arch {
	case "i686", "x86_64":
		return "x86"
	case "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb":
		return "ppc"
	case "armv6l", "armv7l", "armv7b", "aarch64":
		return "arm"
	case "s390", "s390x":
		return "s390"
	}
	return arch
}

func invalidArg(format string, args ...any) error {
	return virterr.NewFrom(virterr.FromQemu, virterr.InvalidArg, format, args...)
}

// defaultEmulatorFor is virQEMUCapsGetDefaultEmulator: the driver's own
// emulator for the host architecture, else qemu-system-<arch> on PATH.
func (d *Driver) defaultEmulatorFor(arch string) string {
	if arch == "" || arch == hostArch() || (arch == "i686" && hostArch() == "x86_64") {
		return d.Emulator
	}
	qarch := arch
	switch arch {
	case "i686":
		qarch = "i386"
	case "armv6l", "armv7l", "armv7b":
		qarch = "arm"
	}
	if p, err := exec.LookPath("qemu-system-" + qarch); err == nil {
		return p
	}
	return ""
}

// ConnectGetDomainCapabilities is qemuConnectGetDomainCapabilities: the
// domain capabilities of one emulator, architecture, machine type and
// virtualization type, each defaulted as virQEMUCapsCacheLookupDefault
// does.
func (c *conn) ConnectGetDomainCapabilities(ctx context.Context, emulatorbin *string, arch *string, machine *string, virttype *string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, 0, "qemuConnectGetDomainCapabilities"); err != nil {
		return "", err
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	binary, archStr, machineStr, typeStr := str(emulatorbin), str(arch), str(machine), str(virttype)

	virtType := ""
	if typeStr != "" {
		if !virtTypes[typeStr] {
			return "", invalidArg("unknown virttype: %s", typeStr)
		}
		if typeStr != "none" {
			virtType = typeStr
		}
	}
	if archStr != "" && !knownArches[archStr] {
		return "", invalidArg("unknown architecture: %s", archStr)
	}
	if binary == "" {
		binary = c.d.defaultEmulatorFor(archStr)
	}
	if binary == "" {
		return "", invalidArg("unable to find any emulator to serve '%s' architecture", archStr)
	}
	qc, err := c.d.caps.Lookup(ctx, binary)
	if err != nil {
		return "", err
	}
	guestArch := archStr
	if guestArch == "" {
		guestArch = qc.Arch
	}
	if guestArch != qc.Arch && archFamily(guestArch) != archFamily(qc.Arch) {
		return "", invalidArg("architecture from emulator '%s' doesn't match given architecture '%s'", qc.Arch, guestArch)
	}

	capsType := "qemu"
	switch {
	case qc.Has(caps.KVM):
		capsType = "kvm"
	case qc.Has(caps.HVF):
		capsType = "hvf"
	}
	if virtType == "" {
		virtType = capsType
	}
	if virtType == "kvm" && capsType == "qemu" {
		return "", invalidArg("KVM is not supported by '%s' on this host", binary)
	}
	accel := caps.AccelFor(virtType)
	if machineStr != "" {
		machineStr = qc.CanonicalMachine(accel, machineStr)
		if !qc.IsMachineSupported(accel, machineStr) {
			return "", invalidArg("the machine '%s' is not supported by emulator '%s'", machineStr, binary)
		}
	} else {
		machineStr = qc.DefaultMachine(accel)
	}

	dc, err := qc.DomainCaps(virtType, machineStr, guestArch, c.d.domainCapsHost())
	if err != nil {
		return "", err
	}
	return dc.Format(), nil
}

// domainCapsHost probes what domain capabilities need from the host.
func (d *Driver) domainCapsHost() caps.DomainCapsHost {
	host := caps.DomainCapsHost{VFIO: hostSupportsVFIO(), TPMVersions: swtpmVersions()}
	// An unreadable descriptor hides the firmware list, as the firmware
	// enum and loader values are advisory.
	if fws, err := firmware.DefaultDirs(d.privileged).Load(); err == nil {
		host.Firmwares = fws
	}
	return host
}

// hostSupportsVFIO is qemuHostdevHostSupportsPassthroughVFIO: IOMMU
// groups exist, or VFIO runs in no-IOMMU mode.
func hostSupportsVFIO() bool {
	if ents, err := os.ReadDir("/sys/kernel/iommu_groups"); err == nil && len(ents) > 0 {
		return true
	}
	data, err := os.ReadFile("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode")
	return err == nil && strings.TrimSpace(string(data)) == "Y"
}

// swtpmVersions are the TPM versions swtpm_setup can create
// (virTPMSwtpmSetupCapsGet), none without swtpm.
func swtpmVersions() []string {
	setup, err := exec.LookPath("swtpm_setup")
	if err != nil {
		return nil
	}
	if _, err := exec.LookPath(filepath.Join(filepath.Dir(setup), "swtpm")); err != nil {
		if _, err := exec.LookPath("swtpm"); err != nil {
			return nil
		}
	}
	out, err := exec.Command(setup, "--print-capabilities").Output()
	if err != nil {
		return nil
	}
	var versions []string
	if strings.Contains(string(out), `"tpm-1.2"`) {
		versions = append(versions, "1.2")
	}
	if strings.Contains(string(out), `"tpm-2.0"`) {
		versions = append(versions, "2.0")
	}
	return versions
}
