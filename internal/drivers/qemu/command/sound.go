package command

import (
	"strconv"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

func init() {
	RegisterStep("audio", buildAudio)
	RegisterStep("sounds", buildSounds)
}

// audioDriverName is qemuAudioDriverTypeToString.
func audioDriverName(t string) string {
	switch t {
	case "pulseaudio":
		return "pa"
	case "file":
		return "wav"
	}
	return t
}

// audioStreamProps are the in/out settings of an audio backend
// (qemuBuildAudioCommonProps and the per-driver extras).
func audioStreamProps(typ string, n *xmltree.Node) *Props {
	if n == nil {
		return nil
	}
	p := NewProps().Tristate("mixing-engine", n.Prop("mixingEngine")).Tristate("fixed-settings", n.Prop("fixedSettings"))
	p.UintNZ("voices", uintAttr(n.Prop("voices"))).UintNZ("buffer-length", uintAttr(n.Prop("bufferLength")))
	if s := n.Child("settings"); s != nil {
		p.UintNZ("frequency", uintAttr(s.Prop("frequency"))).UintNZ("channels", uintAttr(s.Prop("channels"))).StrOpt("format", s.Prop("format"))
	}
	switch typ {
	case "alsa", "coreaudio", "oss", "pulseaudio", "sdl", "jack":
		switch typ {
		case "alsa":
			p.StrOpt("dev", n.Prop("dev"))
		case "coreaudio":
			p.UintNZ("buffer-count", uintAttr(n.Prop("bufferCount")))
		case "jack":
			p.StrOpt("server-name", n.Prop("serverName")).StrOpt("client-name", n.Prop("clientName")).
				StrOpt("connect-ports", n.Prop("connectPorts")).Tristate("exact-name", n.Prop("exactName"))
		case "oss":
			p.StrOpt("dev", n.Prop("dev")).UintNZ("buffer-count", uintAttr(n.Prop("bufferCount"))).Tristate("try-poll", n.Prop("tryPoll"))
		case "pulseaudio":
			p.StrOpt("name", n.Prop("name")).StrOpt("stream-name", n.Prop("streamName")).UintNZ("latency", uintAttr(n.Prop("latency")))
		case "sdl":
			p.UintNZ("buffer-count", uintAttr(n.Prop("bufferCount")))
		}
	}
	if p.Len() == 0 {
		return nil
	}
	return p
}

// buildAudio is qemuBuildAudioCommandLine.
func buildAudio(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for _, a := range b.Def.Devices.Kind("audio") {
		typ := a.Attr("type")
		p := NewProps().Str("id", "audio"+a.Attr("id")).Str("driver", audioDriverName(typ))
		p.UintNZ("timer-period", uintAttr(a.Attr("timerPeriod")))
		switch typ {
		case "file":
			p.StrOpt("path", a.Attr("path"))
		case "pulseaudio":
			p.StrOpt("server", a.Attr("serverName"))
		case "oss":
			p.Tristate("try-mmap", a.Attr("tryMMap")).Tristate("exclusive", a.Attr("exclusive"))
			if v := a.Attr("dspPolicy"); v != "" {
				p.Int("dsp-policy", intAttr(v))
			}
		case "sdl":
		}
		p.Obj("in", audioStreamProps(typ, a.Child("input")))
		p.Obj("out", audioStreamProps(typ, a.Child("output")))
		if err := b.AddAudiodev(p); err != nil {
			return err
		}
	}
	return nil
}

// AddAudiodev adds -audiodev, JSON with QEMU 6.0 and newer.
func (b *Builder) AddAudiodev(p *Props) error {
	b.Cmd.Arg("-audiodev", p.JSON())
	return nil
}

var soundDriver = map[string]string{
	"sb16": "sb16", "es1370": "ES1370", "ac97": "AC97", "ich6": "intel-hda",
	"ich7": "intel-hda", "ich9": "ich9-intel-hda", "usb": "usb-audio", "pcspk": "",
}

var soundCodecDriver = map[string]string{"duplex": "hda-duplex", "micro": "hda-micro", "output": "hda-output"}

// soundAudioID is the audio backend a sound card uses.
func (b *Builder) soundAudioID(s *domain.Device) string {
	if a := s.Child("audio"); a != nil && a.Prop("id") != "" {
		return a.Prop("id")
	}
	if auds := b.Def.Devices.Kind("audio"); len(auds) > 0 {
		return auds[0].Attr("id")
	}
	return ""
}

// buildSounds is qemuBuildSoundCommandLine.
func buildSounds(b *Builder) error {
	if b.Def.Devices == nil {
		return nil
	}
	for i, s := range b.Def.Devices.Kind("sound") {
		model := s.Attr("model")
		if model == "pcspk" {
			// libvirt 9.0 has no -machine pcspk-audiodev yet: it writes
			// -soundhw even for QEMU 7.1 and newer, which removed it
			// (such a guest fails to start there, as with libvirt).
			b.Cmd.Arg("-soundhw", "pcspk")
			continue
		}
		drv, ok := soundDriver[model]
		if !ok {
			return Unsupported("sound card model '%s' is not supported by qemu", model)
		}
		hda := model == "ich6" || model == "ich7" || model == "ich9"
		p := NewProps().Str("driver", drv).Str("id", s.Info.Alias)
		if !hda {
			if id := b.soundAudioID(s); id != "" {
				p.Str("audiodev", "audio"+id)
			}
		}
		if err := b.addDeviceAddress(p, &s.Info, ""); err != nil {
			return err
		}
		if err := b.AddDevice(p); err != nil {
			return err
		}
		if !hda {
			continue
		}
		// the domain model exposes the first <codec> only
		var codecs []*xmltree.Node
		if c := s.Child("codec"); c != nil {
			codecs = append(codecs, c)
		}
		if len(codecs) == 0 {
			cp := NewProps().Str("driver", "hda-duplex").Str("id", s.Info.Alias+"-codec0").Str("bus", s.Info.Alias+".0").Int("cad", 0)
			if id := b.soundAudioID(s); id != "" {
				cp.Str("audiodev", "audio"+id)
			}
			if err := b.AddDevice(cp); err != nil {
				return err
			}
			continue
		}
		for j, c := range codecs {
			cp := NewProps().Str("driver", soundCodecDriver[c.Prop("type")]).Str("id", s.Info.Alias+"-codec"+strconv.Itoa(j)).
				Str("bus", s.Info.Alias+".0").Int("cad", int64(j))
			if id := b.soundAudioID(s); id != "" {
				cp.Str("audiodev", "audio"+id)
			}
			if err := b.AddDevice(cp); err != nil {
				return err
			}
		}
		_ = i
	}
	return nil
}
