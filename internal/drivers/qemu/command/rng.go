package command

import (
	"strings"

	"github.com/govirt/govirt/internal/conf/domain"
)

func init() {
	RegisterStep("rngs", buildRNGs)
}

// buildRNGs is qemuBuildRNGCommandLine: the backend object (and chardev
// for egd), then the virtio-rng device.
func buildRNGs(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, r := range b.Def.Devices.Kind("rng") {
		be := r.Child("backend")
		if be == nil {
			continue
		}
		objAlias := "obj" + r.Info.Alias
		var o *domain.Device
		_ = o
		switch be.Prop("model") {
		case "random":
			file := strings.TrimSpace(be.Text)
			if rng := r.RNG(); rng != nil && rng.BackendFile != "" {
				file = rng.BackendFile // with the parser's /dev/random default
			}
			b.addRNGObject(ObjectProps("rng-random", objAlias).Str("filename", file))
		case "builtin":
			b.addRNGObject(ObjectProps("rng-builtin", objAlias))
		case "egd":
			chr := r.Chr
			if chr == nil && r.RNG() != nil {
				chr = r.RNG().BackendChr
			}
			if chr != nil {
				if err := b.addDeviceChardev(chr, "char"+r.Info.Alias, ChardevOptions{}); err != nil {
					return err
				}
			}
			b.addRNGObject(ObjectProps("rng-egd", objAlias).Str("chardev", "char"+r.Info.Alias))
		default:
			return Unsupported("unknown rng-random backend")
		}
		p, err := b.virtioDevProps("virtio-rng", r, &r.Info, r.Attr("model"), true)
		if err != nil {
			return err
		}
		p.Str("rng", objAlias).Str("id", r.Info.Alias)
		if rate := r.Child("rate"); rate != nil {
			p.UintNZ("max-bytes", uintAttr(rate.Prop("bytes")))
			period := uintAttr(rate.Prop("period"))
			if period == 0 && uintAttr(rate.Prop("bytes")) > 0 {
				period = 1000
			}
			p.UintNZ("period", period)
		}
		if err := b.addDeviceAddress(p, &r.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
	}
	return nil
}

func (b *Builder) addRNGObject(p *Props) { _ = b.AddObject(p) }
