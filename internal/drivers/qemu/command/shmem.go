package command

import (
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

func init() {
	RegisterStep("shmems", buildShmems)
	RegisterValidator(validateShmems)
}

// validateShmems is qemuValidateDomainDeviceDefShmem: the device model
// must be one this binary has.
func validateShmems(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, dev := range b.Def.Devices.Kind("shmem") {
		s := dev.Shmem()
		if s == nil {
			continue
		}
		flag, ok := shmemModelCaps[s.Model]
		if ok && !b.Has(flag) {
			return Unsupported("%s device is not supported with this QEMU binary", s.Model)
		}
	}
	return nil
}

var shmemModelCaps = map[string]caps.Flag{
	"ivshmem":          caps.XDeviceIvshmem,
	"ivshmem-plain":    caps.DeviceIvshmemPlain,
	"ivshmem-doorbell": caps.DeviceIvshmemDoorbell,
}

// buildShmems is qemuBuildShmemCommandLine for every <shmem>: a plain
// region is a shared file-backed memory object the device maps, a
// doorbell device talks to its ivshmem server over a unix socket
// (libvirt's default /var/lib/libvirt/shmem-NAME-sock).
func buildShmems(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, dev := range b.Def.Devices.Kind("shmem") {
		s := dev.Shmem()
		if s == nil {
			continue
		}
		// QEMU maps a region of a power-of-two size of at least 1 MiB,
		// only on a PCI device.
		if s.Size != 0 {
			if s.Size&(s.Size-1) != 0 {
				return Errorf(virterr.XMLError, "shmem size must be a power of two")
			}
			if s.Size < 1<<20 {
				return Errorf(virterr.XMLError, "shmem size must be at least 1 MiB (1024 KiB)")
			}
		}
		if a := dev.Info.Address; a == nil || a.Type != "pci" {
			return Unsupported("only 'pci' addresses are supported for the shared memory device")
		}
		alias := dev.Info.Alias
		p := NewProps().Str("driver", s.Model).Str("id", alias)
		switch s.Model {
		case "ivshmem-plain", "ivshmem-doorbell":
		default:
			return Unsupported("%s device is not supported with this QEMU binary", s.Model)
		}
		if s.Server {
			p.Str("chardev", "char"+alias)
		} else {
			if s.Model == "ivshmem-plain" {
				mem := ObjectProps("memory-backend-file", "shmmem-"+alias).
					Str("mem-path", "/dev/shm/"+s.Name).Uint("size", s.Size).Bool("share", true)
				if err := b.AddObject(mem); err != nil {
					return err
				}
			}
			p.Str("memdev", "shmmem-"+alias)
			switch s.Role {
			case "master":
				p.Str("master", "on")
			case "peer":
				p.Str("master", "off")
			}
		}
		p.UintNZ("vectors", s.MSIVectors).Tristate("ioeventfd", s.MSIIOEventFD)
		if err := b.addDeviceAddress(p, &dev.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
		if s.Server {
			path := s.ServerPath
			if path == "" {
				path = "/var/lib/libvirt/shmem-" + s.Name + "-sock"
			}
			if err := b.AddChardev(&domain.ChrSource{Type: "unix", Path: path}, "char"+alias, ChardevOptions{}); err != nil {
				return err
			}
		}
	}
	return nil
}
