package domaindefaults

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/uuid"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

var updateDefaults = flag.Bool("update-defaults", false, "rewrite the testdata/defaults golden files")

// defaultsCaps is an x86_64 QEMU with the devices the defaults look at.
func defaultsCaps() *caps.Caps {
	qc := &caps.Caps{Arch: "x86_64", Binary: "/usr/bin/qemu-system-x86_64"}
	qc.Set(caps.TCG, caps.KVM, caps.DeviceI8042, caps.PIIX3USBUHCI, caps.DeviceQEMUXHCI,
		caps.SCSILSI, caps.VirtioSCSI, caps.DeviceRTL8139, caps.DeviceCirrusVGA, caps.DeviceVGA,
		caps.DevicePCIERootPort, caps.VirtioPCITransitional, caps.MCHExtendedTsegMbytes)
	return qc
}

func fixedUUID() uuid.UUID {
	var u uuid.UUID
	for i := range u {
		u[i] = byte(i)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func parseDefaults(data []byte) (*domain.Def, error) {
	return Parse(data, Options{Caps: defaultsCaps(), KeepMachineAliases: true, Flags: domain.ParseInactive, NewUUID: fixedUUID})
}

func TestDefaultsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/defaults/*.xml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range files {
		if strings.HasSuffix(in, ".out.xml") {
			continue
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			def, err := parseDefaults(data)
			if err != nil {
				t.Fatal(err)
			}
			got := def.Format(domain.FormatInactive | domain.FormatSecure)
			golden := strings.TrimSuffix(in, ".xml") + ".out.xml"
			if *updateDefaults {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-defaults)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, got)
			}
			// the defaults of a defaulted definition change nothing
			def2, err := parseDefaults([]byte(got))
			if err != nil {
				t.Fatalf("re-parsing own output: %v", err)
			}
			if again := def2.Format(domain.FormatInactive | domain.FormatSecure); again != got {
				t.Errorf("defaults are not a fixed point:\n%s", again)
			}
		})
	}
}

func TestDefaultsErrors(t *testing.T) {
	const head = `<domain type='qemu'><name>x</name><memory>1024</memory><os><type arch='x86_64' machine='%s'>hvm</type></os><features><smm state='on'>%s</smm></features><devices>%s</devices></domain>`
	cases := []struct {
		name, machine, smm, devices string
		code                        virterr.Code
	}{
		{"pcie-root on pc", "pc", "", `<controller type='pci' index='0' model='pcie-root'/>`, virterr.XMLError},
		{"pci-root on q35", "q35", "", `<controller type='pci' index='0' model='pci-root'/>`, virterr.XMLError},
		{"qusb", "pc", "", `<controller type='usb' index='0' model='qusb1'/>`, virterr.ConfigUnsupported},
		{"xhci ports", "pc", "", `<controller type='usb' index='0' model='qemu-xhci' ports='16'/>`, virterr.ConfigUnsupported},
		{"expander on q35", "q35", "", `<controller type='pci' index='1' model='pci-expander-bus'/>`, virterr.ConfigUnsupported},
		{"tseg on pc", "pc", `<tseg unit='MiB'>48</tseg>`, ``, virterr.ConfigUnsupported},
		{"tseg not whole MiB", "q35", `<tseg unit='KiB'>1025</tseg>`, ``, virterr.ConfigUnsupported},
	}
	for _, c := range cases {
		x := strings.Replace(strings.Replace(strings.Replace(head, "%s", c.machine, 1), "%s", c.smm, 1), "%s", c.devices, 1)
		_, err := parseDefaults([]byte(x))
		if err == nil {
			t.Errorf("%s: expected an error", c.name)
			continue
		}
		if got := virterr.CodeOf(err); got != c.code {
			t.Errorf("%s: code %v, want %v (%v)", c.name, got, c.code, err)
		}
	}
}

func TestDefaultAudio(t *testing.T) {
	const x = `<domain type='qemu'><name>x</name><memory>1024</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>%s</devices></domain>`
	cases := []struct {
		graphics string
		env      AudioEnv
		want     string
	}{
		{"", AudioEnv{}, "none"},
		{"", AudioEnv{QEMUAudioDrv: "alsa", NoGraphicsAllowHostAudio: true}, "alsa"},
		{"<graphics type='vnc'/>", AudioEnv{QEMUAudioDrv: "alsa"}, "none"},
		{"<graphics type='vnc'/>", AudioEnv{QEMUAudioDrv: "alsa", VNCAllowHostAudio: true}, "alsa"},
		{"<graphics type='spice'/>", AudioEnv{QEMUAudioDrv: "alsa"}, "spice"},
		{"<graphics type='sdl'/>", AudioEnv{QEMUAudioDrv: "sdl", SDLAudioDriver: "esd"}, "sdl"},
		{"<graphics type='egl-headless'/>", AudioEnv{}, ""},
		// host audio without QEMU_AUDIO_DRV adds none (graphics-sdl)
		{"<graphics type='sdl'/>", AudioEnv{}, ""},
		{"<graphics type='vnc'/>", AudioEnv{VNCAllowHostAudio: true}, ""},
		{"", AudioEnv{NoGraphicsAllowHostAudio: true}, ""},
	}
	for _, c := range cases {
		def, err := Parse([]byte(strings.Replace(x, "%s", c.graphics, 1)), Options{Caps: defaultsCaps(), Flags: domain.ParseInactive, Audio: c.env})
		if err != nil {
			t.Fatalf("%s: %v", c.graphics, err)
		}
		got := ""
		if a := def.Devices.Kind("audio"); len(a) == 1 {
			got = a[0].Attr("type")
		}
		if got != c.want {
			t.Errorf("%s %+v: audio %q, want %q", c.graphics, c.env, got, c.want)
		}
	}
	_, err := Parse([]byte(strings.Replace(x, "%s", "", 1)), Options{Caps: defaultsCaps(), Flags: domain.ParseInactive,
		Audio: AudioEnv{QEMUAudioDrv: "bogus", NoGraphicsAllowHostAudio: true}})
	if virterr.CodeOf(err) != virterr.InternalError {
		t.Errorf("unknown QEMU_AUDIO_DRV: %v", err)
	}
}

// FuzzParse checks the QEMU defaults never panic, that their output reads
// back, and that defaulting converges: the parser regroups controllers
// it reads, so the fixed point is reached from the first re-read on.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/defaults/*.xml")
	for _, in := range files {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		def, err := parseDefaults(data)
		if err != nil {
			return
		}
		got := def.Format(domain.FormatInactive | domain.FormatSecure)
		def2, err := parseDefaults([]byte(got))
		if err != nil {
			t.Fatalf("re-parsing own output: %v\n%s", err, got)
		}
		got2 := def2.Format(domain.FormatInactive | domain.FormatSecure)
		def3, err := parseDefaults([]byte(got2))
		if err != nil {
			t.Fatalf("re-parsing own output: %v\n%s", err, got2)
		}
		if again := def3.Format(domain.FormatInactive | domain.FormatSecure); again != got2 {
			t.Fatalf("not a fixed point:\n%s\n---\n%s", got2, again)
		}
	})
}

func TestShmemPostParseErrors(t *testing.T) {
	for body, msg := range map[string]string{
		`<shmem name='a'><model type='ivshmem-doorbell'/></shmem>`:                                 "XML error: shmem model 'ivshmem-doorbell' is supported only with server option enabled",
		`<shmem name='a'><model type='ivshmem-plain'/><server/></shmem>`:                           "XML error: shmem model 'ivshmem-plain' is not supported with server option enabled",
		`<shmem name='a'><model type='ivshmem-doorbell'/><server/><size unit='M'>4</size></shmem>`: "XML error: shmem model 'ivshmem-doorbell' does not support size setting",
	} {
		x := `<domain type='kvm'><name>s</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>` + body + `</devices></domain>`
		_, err := parseDefaults([]byte(x))
		var ve *virterr.Error
		if err == nil || err.Error() != msg || !errors.As(err, &ve) || ve.Code != virterr.XMLError {
			t.Errorf("%s: got %v, want %q", body, err, msg)
		}
	}
}

func TestMdevDisplayDefault(t *testing.T) {
	const x = `<domain type='kvm'><name>m</name><memory>65536</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source></hostdev>
</devices></domain>`
	for _, has := range []bool{false, true} {
		qc := defaultsCaps()
		if has {
			qc.Set(caps.VfioPCIDisplay)
		}
		def, err := Parse([]byte(x), Options{Caps: qc, KeepMachineAliases: true, Flags: domain.ParseInactive})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(def.Format(domain.FormatInactive), "model='vfio-pci' display='off'>")
		if got != has {
			t.Errorf("vfio-pci.display %v: display='off' %v", has, got)
		}
	}
}
