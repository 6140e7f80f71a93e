package command

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

var updateDevices = flag.Bool("update-devices", false, "rewrite the device golden files")

// deviceTestCaps enables what the device builders consult.
func deviceTestCaps() *caps.Caps {
	qc := &caps.Caps{}
	qc.Set(caps.DeviceJSON, caps.ObjectJSON, caps.PIIX3USBUHCI, caps.DevicePCIERootPort,
		caps.VirtioPCITransitional, caps.SCSILSI, caps.VirtioSCSI, caps.NecUSBXHCI, caps.DeviceQEMUXHCI)
	return qc
}

// deviceLines keeps the options this package produces.
func deviceLines(c *Command) string {
	var out []string
	for i := 0; i < len(c.Args); i++ {
		switch c.Args[i] {
		case "-device", "-blockdev", "-audiodev", "-usb", "-watchdog-action":
			line := c.Args[i]
			if c.Args[i] != "-usb" && i+1 < len(c.Args) {
				line += " " + c.Args[i+1]
				i++
			}
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

func TestDevicesGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/devices/*.xml")
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			def, err := domain.Parse(data, domain.ParseInactive)
			if err != nil {
				t.Fatal(err)
			}
			if err := def.PostParse(domain.PostParseOptions{}); err != nil {
				t.Fatal(err)
			}
			b := NewBuilder(def, deviceTestCaps(), nil)
			if err := prepareDevices(b); err != nil {
				t.Fatal(err)
			}
			for _, step := range []Step{buildControllers, buildDisks, buildInputs, buildAudio, buildVideos, buildSounds, buildWatchdogs, buildMemballoon, buildRNGs} {
				if err := step(b); err != nil {
					t.Fatal(err)
				}
			}
			got := deviceLines(b.Cmd)
			golden := strings.TrimSuffix(in, ".xml") + ".devices"
			if *updateDevices {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-devices)", err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestDiskNameToIndex(t *testing.T) {
	for name, want := range map[string]int{"vda": 0, "vdb": 1, "sdz": 25, "sdaa": 26, "hdab": 27, "xvdc": 2, "bogus": -1} {
		if got := diskNameToIndex(name); got != want {
			t.Errorf("%s: got %d want %d", name, got, want)
		}
	}
}
