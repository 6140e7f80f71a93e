package command

import (
	"strings"

	"github.com/govirt/govirt/internal/drivers/qemu/firmware"
)

func init() {
	RegisterStep("pflash", buildPflash)
	RegisterStep("loader", buildLoader)
}

// fillFirmware is qemuProcessPrepareDomain's firmware step
// (qemuFirmwareFillDomain): <os firmware='…'> becomes the loader, NVRAM
// and SMM settings of the chosen firmware descriptor.
func (b *Builder) fillFirmware() error {
	src := b.Ctx.Firmware
	if src == nil {
		src = firmware.DefaultDirs(b.Ctx.Privileged)
	}
	return firmware.FillDomain(b.Def, src, firmware.Options{
		NVRAMDir: b.Ctx.NVRAMDir,
		StartNew: !b.Ctx.Incoming,
	})
}

// hasOldStyleUEFI is virDomainDefHasOldStyleUEFI: a pflash loader.
func (b *Builder) hasOldStyleUEFI() bool {
	os := b.Def.OS
	return os != nil && os.Loader != nil && os.Loader.Type == "pflash"
}

// nvramPath is the NVRAM file of a pflash loader: the configured one, or
// the per-domain default libvirt fills in.
func (b *Builder) nvramPath() string {
	os := b.Def.OS
	if os == nil {
		return ""
	}
	if os.NVRAM != nil {
		if os.NVRAM.Path != "" {
			return os.NVRAM.Path
		}
		if os.NVRAM.Source != nil {
			return os.NVRAM.Source.Path()
		}
	}
	if os.Loader != nil && os.Loader.ReadOnly == "yes" && os.Loader.Stateless != "yes" {
		return b.Ctx.NVRAMDir + "/" + b.Def.Name + "_VARS.fd"
	}
	return ""
}

// hasNVRAM says whether the domain gets a pflash1 (a writable varstore).
func (b *Builder) hasNVRAM() bool {
	os := b.Def.OS
	if os == nil || os.Loader == nil || os.Loader.Stateless == "yes" {
		return false
	}
	return os.NVRAM != nil || os.Loader.ReadOnly == "yes"
}

func (b *Builder) pflashMachineParams(s *strings.Builder) {
	if !b.hasOldStyleUEFI() {
		return
	}
	if b.Def.OS.Loader.Path != "" {
		s.WriteString(",pflash0=libvirt-pflash0-format")
	}
	if b.hasNVRAM() {
		s.WriteString(",pflash1=libvirt-pflash1-format")
	}
}

// buildPflash is qemuBuildPflashBlockdevCommandLine for local files.
func buildPflash(b *Builder) error {
	if !b.hasOldStyleUEFI() {
		return nil
	}
	l := b.Def.OS.Loader
	if l.Path != "" {
		b.addFileBlockdev("libvirt-pflash0", l.Path, l.ReadOnly == "yes")
	}
	if b.hasNVRAM() {
		// A network or block varstore is a storage source like a disk's,
		// with its secrets and TLS objects.
		if n := b.Def.OS.NVRAM; n != nil && n.Source != nil && (n.Type == "network" || n.Type == "block") {
			return b.AddStorageSourceBlockdevs(n.Source, "libvirt-pflash1", false)
		}
		if p := b.nvramPath(); p != "" {
			b.addFileBlockdev("libvirt-pflash1", p, false)
		}
	}
	return nil
}

func (b *Builder) addFileBlockdev(prefix, path string, readOnly bool) {
	b.AddBlockdev(NewProps().
		Str("driver", "file").
		Str("filename", path).
		Str("node-name", prefix+"-storage").
		Bool("auto-read-only", true).
		Str("discard", "unmap"))
	b.AddBlockdev(NewProps().
		Str("node-name", prefix+"-format").
		Bool("read-only", readOnly).
		Str("driver", "raw").
		Str("file", prefix+"-storage"))
}

// buildLoader is qemuBuildDomainLoaderCommandLine.
func buildLoader(b *Builder) error {
	os := b.Def.OS
	if os == nil || os.Loader == nil || os.Loader.Path == "" {
		return nil
	}
	switch os.Loader.Type {
	case "rom":
		b.Cmd.Arg("-bios", os.Loader.Path)
	case "pflash":
		if os.Loader.Secure == "yes" {
			b.Cmd.Arg("-global", "driver=cfi.pflash01,property=secure,value=on")
		}
	}
	return nil
}
