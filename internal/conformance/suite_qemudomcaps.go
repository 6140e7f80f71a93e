package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/firmware"
)

// The domain capabilities suite is libvirt's domaincapstest.c for QEMU:
// each domaincapsdata/qemu_<ver>[-<variant>].<arch>.xml is the domain
// capabilities of the recorded caps_<ver>.<arch>.xml, where the variant
// picks the machine ("q35", "virt") or TCG ("tcg") instead of KVM with
// the default machine.

// testDomainCapsHost is the host domaincapstest.c fakes: firmware
// descriptors from qemufirmwaredata, no kernel vCPU limit, VFIO, swtpm
// with TPM 2.0 and the SEV guest limits its CPUID mock reports.
func testDomainCapsHost(corpus string) (caps.DomainCapsHost, error) {
	fwData := filepath.Join(corpus, "qemufirmwaredata")
	dirs := firmware.Dirs{
		System: filepath.Join(fwData, "usr/share/qemu/firmware"),
		Etc:    filepath.Join(fwData, "etc/qemu/firmware"),
		User:   filepath.Join(fwData, "home/user/.config/qemu/firmware"),
	}
	fws, err := dirs.Load()
	if err != nil {
		return caps.DomainCapsHost{}, err
	}
	return caps.DomainCapsHost{
		SEVMaxGuests:   59,
		SEVMaxESGuests: 450,
		Firmwares:      fws,
		VFIO:           true,
	}, nil
}

// testLoaderValues replace the loader paths in domaincapstest.c, so the
// output does not depend on which firmware the build host has.
var testLoaderValues = []string{
	"/usr/share/AAVMF/AAVMF_CODE.fd",
	"/usr/share/AAVMF/AAVMF32_CODE.fd",
	"/usr/share/OVMF/OVMF_CODE.fd",
}

func qemuDomainCapsCase(corpus, name string, host caps.DomainCapsHost) (string, error) {
	base := strings.TrimSuffix(strings.TrimPrefix(name, "qemu_"), ".xml")
	dot := strings.LastIndex(base, ".")
	if dot < 0 {
		return "", fmt.Errorf("unexpected file name")
	}
	version, arch := base[:dot], base[dot+1:]
	variant := ""
	if i := strings.Index(version, "-"); i >= 0 {
		version, variant = version[:i], version[i+1:]
	}
	c, err := caps.LoadFile(filepath.Join(corpus, "qemucapabilitiesdata", "caps_"+version+"."+arch+".xml"))
	if err != nil {
		return "", err
	}
	// domaincapsmock.c claims the host kernel runs secure guests.
	c.KVMSupportsSecureGuest = true
	virtType, machine := "kvm", ""
	switch variant {
	case "":
	case "tcg":
		virtType = "qemu"
	default:
		machine = variant
	}
	// The machine is looked up with KVM's machine list when QEMU has KVM,
	// whatever the domain type (fillQemuCaps).
	lookup := caps.VirtTCG
	if c.Has(caps.KVM) {
		lookup = caps.VirtKVM
	}
	if machine != "" {
		machine = c.CanonicalMachine(lookup, machine)
	} else {
		machine = c.DefaultMachine(lookup)
	}
	// The swtpm libvirt's expectations were recorded with differs by
	// QEMU release: TPM 1.2 only before 6.0, both in 6.x, 2.0 only since.
	host.TPMVersions = []string{"2.0"}
	if major, _, _ := strings.Cut(version, "."); len(major) == 1 && major < "6" {
		host.TPMVersions = []string{"1.2"}
	} else if major == "6" {
		host.TPMVersions = []string{"1.2", "2.0"}
	}
	if arch == "ppc64" {
		host.HostCPU = &cpumap.CPU{Model: "POWER8"}
	}
	dc, err := c.DomainCaps(virtType, machine, arch, host)
	if err != nil {
		return "", err
	}
	if loader := dc.OS.Blocks[0]; loader != nil {
		loader.Values = testLoaderValues
	}
	// domaincapstest.c sets the PCI backends by hand rather than probe
	// the build host for VFIO.
	for _, d := range dc.Devices {
		if d.Name == "hostdev" {
			for i := range d.Enums {
				if d.Enums[i].Name == "pciBackend" {
					d.Enums[i].Values = []string{"default", "vfio"}
				}
			}
		}
	}
	return dc.Format(), nil
}

func init() {
	register(Suite{Name: "domaincapsdata-qemu", Run: func(corpus string) ([]Result, error) {
		files, err := Inputs(corpus, "domaincapsdata", ".xml")
		if err != nil {
			return nil, err
		}
		host, err := testDomainCapsHost(corpus)
		if err != nil {
			return nil, err
		}
		var out []Result
		for _, f := range files {
			if !strings.HasPrefix(f, "qemu_") {
				continue
			}
			out = append(out, Check(f, func() error {
				want, err := os.ReadFile(filepath.Join(corpus, "domaincapsdata", f))
				if err != nil {
					return err
				}
				got, err := qemuDomainCapsCase(corpus, f, host)
				if err != nil {
					return err
				}
				return Diff(string(want), got)
			}))
		}
		return out, nil
	}})
}
