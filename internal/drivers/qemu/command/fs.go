package command

import (
	"fmt"
	"strconv"

	"github.com/govirt/govirt/internal/conf/domain"
)

func init() {
	RegisterStep("filesystems", buildFilesystems)
}

func fsChildAttr(fs *domain.Device, child, attr string) string {
	if c := fs.Child(child); c != nil {
		return c.Prop(attr)
	}
	return ""
}

// buildFilesystems is qemuBuildFilesystemCommandLine: 9p shares as
// -fsdev plus virtio-9p, virtiofs through a vhost-user-fs socket.
func buildFilesystems(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, fs := range b.Def.Devices.Kind("filesystem") {
		var err error
		switch fsChildAttr(fs, "driver", "type") {
		case "", "path", "handle":
			err = b.build9p(fs)
		case "virtiofs":
			err = b.buildVirtiofs(fs)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// build9p is qemuBuildFSDevCommandLine.
func (b *Builder) build9p(fs *domain.Device) error {
	opt := ""
	if fsChildAttr(fs, "driver", "type") == "handle" {
		opt = "handle"
	} else {
		opt = "local"
		switch fs.Attr("accessmode") {
		case "mapped":
			opt += ",security_model=mapped"
		case "passthrough", "":
			// passthrough is the default libvirt fills in at parse time
			opt += ",security_model=passthrough"
		case "squash":
			opt += ",security_model=none"
		}
		switch m := fs.Attr("multidevs"); m {
		case "remap", "forbid", "warn":
			opt += ",multidevs=" + m
		}
		for _, mode := range []string{"fmode", "dmode"} {
			if v, err := strconv.ParseUint(fs.Attr(mode), 8, 32); err == nil && v != 0 {
				opt += fmt.Sprintf(",%s=%04o", mode, v)
			}
		}
	}
	if wr := fsChildAttr(fs, "driver", "wrpolicy"); wr != "" {
		opt += ",writeout=" + wr
	}
	opt += ",id=fsdev-" + fs.Info.Alias + ",path=" + EscapeComma(fsChildAttr(fs, "source", "dir"))
	if fs.Child("readonly") != nil {
		opt += ",readonly"
	}
	b.Cmd.Arg("-fsdev", opt)
	p, err := b.virtioDevProps("virtio-9p", fs, &fs.Info, fs.Attr("model"), true)
	if err != nil {
		return err
	}
	p.Str("id", fs.Info.Alias).Str("fsdev", "fsdev-"+fs.Info.Alias).Str("mount_tag", fsChildAttr(fs, "target", "dir"))
	if err := b.addDeviceAddress(p, &fs.Info, ""); err != nil {
		return err
	}
	return b.AddDevice(p)
}

// buildVirtiofs is qemuBuildVHostUserFsCommandLine.
func (b *Builder) buildVirtiofs(fs *domain.Device) error {
	chr := "chr-vu-" + fs.Info.Alias
	sock := fsChildAttr(fs, "source", "socket")
	if sock == "" {
		sock = b.Ctx.LibDir + "/" + fs.Info.Alias + "-fs.sock"
	}
	if err := b.AddChardev(&domain.ChrSource{Type: "unix", Path: sock}, chr, ChardevOptions{NoFDPass: true}); err != nil {
		return err
	}
	p, err := b.virtioDevProps("vhost-user-fs", fs, &fs.Info, fs.Attr("model"), true)
	if err != nil {
		return err
	}
	p.Str("id", fs.Info.Alias).Str("chardev", chr).
		UintNZ("queue-size", uintAttr(fsChildAttr(fs, "driver", "queue"))).
		Str("tag", fsChildAttr(fs, "target", "dir")).
		UintNZ("bootindex", bootIndex(&fs.Info))
	if err := b.addDeviceAddress(p, &fs.Info, ""); err != nil {
		return err
	}
	return b.AddDevice(p)
}
