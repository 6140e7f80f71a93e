package command

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
)

var updateHostSide = flag.Bool("update-hostside", false, "rewrite the host-side device golden files")

// hostSideSteps are the device groups built in this package beyond the
// controllers and disks: NICs, displays, host devices and the rest.
var hostSideSteps = []Step{buildFilesystems, buildNets, buildSmartcards, buildTPMs, buildGraphics,
	buildRedirdevs, buildHostdevs, buildPanics, buildVsock}

func buildHostSide(t testing.TB, data []byte) (*Builder, error) {
	t.Helper()
	def, err := domain.Parse(data, domain.ParseInactive)
	if err != nil {
		return nil, err
	}
	if err := def.PostParse(domain.PostParseOptions{}); err != nil {
		return nil, err
	}
	b := NewBuilder(def, deviceTestCaps(), nil)
	for _, v := range []Step{validateGraphicsCount, validateHostdevs, validateIOMMU} {
		if err := v(b); err != nil {
			return nil, err
		}
	}
	if err := prepareDevices(b); err != nil {
		return nil, err
	}
	if err := prepareGraphics(b); err != nil {
		return nil, err
	}
	for _, step := range hostSideSteps {
		if err := step(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func TestHostSideDevicesGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/devices2/*.xml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			b, err := buildHostSide(t, data)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(b.Cmd.Env, "\n") + "\n--\n" + strings.Join(b.Cmd.Args, "\n") + "\n"
			golden := strings.TrimSuffix(in, ".xml") + ".args"
			if *updateHostSide {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-hostside)", err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestHostSideValidation(t *testing.T) {
	for name, tc := range map[string]struct{ xml, want string }{
		"two vnc":           {`<graphics type='vnc'/><graphics type='vnc'/>`, "only 1 graphics device of each type"},
		"intel iommu on pc": {`<iommu model='intel'/>`, "'intel' is only supported with Q35 machines"},
		"vhost-scsi boot":   {`<hostdev mode='subsystem' type='scsi_host'><source protocol='vhost' wwpn='naa.5123456789abcde0'/><boot order='1'/></hostdev>`, "booting from assigned devices is not supported by vhost SCSI devices"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := "<domain type='kvm'><name>v</name><memory>1024</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>" + tc.xml + "</devices></domain>"
			_, err := buildHostSide(t, []byte(doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEncryptSecretMatchesLibvirt(t *testing.T) {
	// libvirt's tests encrypt the fake secret with the bytes 0… as key and IV
	data, iv, err := encryptSecret(byteRange(32), byteRange(16), []byte("AQCVn5hO6HzFAhAAq0NCv8jtJcIcE+HOBlMQ1A"))
	if err != nil {
		t.Fatal(err)
	}
	if data != "9eao5F8qtkGt+seB1HYivWIxbtwUu6MQtg1zpj/oDtUsPr1q8wBYM91uEHCn6j/1" || iv != "AAECAwQFBgcICQoLDA0ODw==" {
		t.Fatalf("got %s %s", data, iv)
	}
}

func FuzzHostSideDevices(f *testing.F) {
	files, _ := filepath.Glob("testdata/devices2/*.xml")
	for _, in := range files {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// building must never panic, whatever the definition holds
		_, _ = buildHostSide(t, data)
	})
}
