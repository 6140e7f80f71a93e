package command

import (
	"fmt"
	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

func init() {
	RegisterStep("videos", buildVideos)
}

func videoModelAttr(v *domain.Device, name string) string {
	if m := v.Child("model"); m != nil {
		return m.Prop(name)
	}
	return ""
}

// videoDriver is qemuDeviceVideoGetModel; virtio tells whether the
// virtio props apply and suffix whether the bus suffix is added.
func (b *Builder) videoDriver(v *domain.Device, primary bool) (name string, virtio, suffix bool, err error) {
	typ := videoModelAttr(v, "type")
	accel3d := ""
	if m := v.Child("model"); m != nil {
		if a := m.Child("acceleration"); a != nil {
			accel3d = a.Prop("accel3d")
		}
	}
	primaryVGA := primary && typ != "virtio" || primary && typ == "virtio" && b.Has(caps.DeviceVirtioVGA)
	if d := v.Child("driver"); d != nil && d.Prop("name") == "vhostuser" {
		if primaryVGA {
			return "vhost-user-vga", false, false, nil
		}
		return "vhost-user-gpu", true, true, nil
	}
	if primaryVGA {
		switch typ {
		case "vga":
			return "VGA", false, false, nil
		case "cirrus":
			return "cirrus-vga", false, false, nil
		case "vmvga":
			return "vmware-svga", false, false, nil
		case "qxl":
			return "qxl-vga", false, false, nil
		case "virtio":
			if b.Has(caps.VirtioVGAGl) && accel3d == "yes" {
				return "virtio-vga-gl", true, false, nil
			}
			return "virtio-vga", true, false, nil
		case "bochs":
			return "bochs-display", false, false, nil
		case "ramfb":
			return "ramfb", false, false, nil
		}
	} else {
		switch typ {
		case "qxl":
			return "qxl", false, false, nil
		case "virtio":
			if b.Has(caps.VirtioGPUGlPCI) && accel3d == "yes" {
				return "virtio-gpu-gl", true, true, nil
			}
			return "virtio-gpu", true, true, nil
		}
	}
	return "", false, false, Internal("invalid model for video type '%s'", typ)
}

// vhostUserVideoChardev is qemuDomainGetVhostUserChrAlias for a video.
func vhostUserVideoChardev(v *domain.Device) string { return "chr-vu-" + v.Info.Alias }

// videoHelperFD is the descriptor of the vhost-user-gpu helper's socket
// handed to QEMU; the test context answers 1729 like libvirt's harness.
func (b *Builder) videoHelperFD(v *domain.Device) int {
	if b.Ctx.ListenFD != nil {
		return b.Ctx.ListenFD(vhostUserVideoChardev(v))
	}
	return b.Ctx.NextFD()
}

// buildVideos is qemuBuildVideoCommandLine.
func buildVideos(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for i, v := range b.Def.Devices.Videos() {
		typ := videoModelAttr(v, "type")
		if typ == "none" {
			continue
		}
		primary := i == 0 || videoModelAttr(v, "primary") == "yes"
		name, virtio, suffix, err := b.videoDriver(v, primary)
		if err != nil {
			return err
		}
		vhostUser := false
		if d := v.Child("driver"); d != nil && d.Prop("name") == "vhostuser" {
			vhostUser = true
			// The vhost-user-gpu helper's end of its socket pair.
			b.Cmd.Arg("-chardev", fmt.Sprintf("socket,id=%s,fd=%d", vhostUserVideoChardev(v), b.videoHelperFD(v)))
		}
		var p *Props
		if virtio {
			base := name
			if suffix {
				base = name
			}
			p, err = b.virtioDevProps(base, v, &v.Info, "", suffix)
			if err != nil {
				return err
			}
		} else {
			p = NewProps().Str("driver", name)
		}
		p.Str("id", v.Info.Alias)
		heads := uintAttr(videoModelAttr(v, "heads"))
		switch {
		case typ == "qxl":
			p.UintNZ("max_outputs", heads).
				UintNZ("ram_size", uintAttr(videoModelAttr(v, "ram"))*1024).
				UintNZ("vram_size", uintAttr(videoModelAttr(v, "vram"))*1024).
				Uint("vram64_size_mb", uintAttr(videoModelAttr(v, "vram64"))/1024).
				Uint("vgamem_mb", uintAttr(videoModelAttr(v, "vgamem"))/1024)
		case typ == "virtio":
			p.UintNZ("max_outputs", heads)
			if vhostUser {
				p.Str("chardev", vhostUserVideoChardev(v))
			}
			if m := v.Child("model"); m != nil {
				p.Tristate("blob", m.Prop("blob"))
			}
		case typ == "vga" || typ == "vmvga":
			if vr := uintAttr(videoModelAttr(v, "vram")); vr > 0 {
				p.Uint("vgamem_mb", vr/1024)
			}
		case typ == "bochs":
			if vr := uintAttr(videoModelAttr(v, "vram")); vr > 0 {
				p.Uint("vgamem", vr*1024)
			}
		}
		if m := v.Child("model"); m != nil {
			if res := m.Child("resolution"); res != nil {
				p.UintNZ("xres", uintAttr(res.Prop("x"))).UintNZ("yres", uintAttr(res.Prop("y")))
			}
		}
		if err := b.addDeviceAddress(p, &v.Info, ""); err != nil {
			return err
		}
		if err := addRomProps(p, &v.Info); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}
