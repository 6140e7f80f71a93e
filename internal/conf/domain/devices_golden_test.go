package domain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/virt/virterr"
)

// TestDevicesGolden prints the <devices> of each testdata/devices/in
// document, after the device defaults, and compares it with
// testdata/devices/out (rewritten with -update).
func TestDevicesGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/devices/in/*.xml")
	if len(ins) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range ins {
		name := filepath.Base(in)
		t.Run(strings.TrimSuffix(name, ".xml"), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := formatDevicesOf(t, data, true)
			if err != nil {
				t.Fatal(err)
			}
			// interfaces without a MAC get a random one
			out := filepath.Join("testdata/devices/out", name)
			if *update {
				if err := os.WriteFile(out, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if string(want) != got {
				t.Errorf("mismatch:\n%s", firstDiff(string(want), got))
			}
		})
	}
}

// FuzzParseDevices checks that reading device XML never panics and that
// printing what was read is a fixed point.
func FuzzParseDevices(f *testing.F) {
	ins, _ := filepath.Glob("testdata/devices/in/*.xml")
	for _, in := range ins {
		data, _ := os.ReadFile(in)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out1, err := formatDevicesOf(t, data, false)
		if err != nil {
			return
		}
		doc := "<domain>" + out1 + "</domain>"
		out2, err := formatDevicesOf(t, []byte(doc), false)
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out1)
		}
		if out1 != out2 {
			t.Fatalf("not a fixed point:\n%s\n%s", out1, out2)
		}
	})
}

// BenchmarkParseFormatLargeDomain parses and prints a domain with 100
// disks and 50 interfaces.
func BenchmarkParseFormatLargeDomain(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<domain type='kvm'><name>big</name><os><type arch='x86_64'>hvm</type></os><devices>\n")
	for i := 0; i < 100; i++ {
		dev := "vd" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		sb.WriteString("<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none'/><source file='/var/lib/img/" + dev + ".qcow2'/><target dev='" + dev + "' bus='virtio'/></disk>\n")
	}
	for i := 0; i < 50; i++ {
		sb.WriteString("<interface type='network'><mac address='52:54:00:00:01:" + string("0123456789abcdef"[i/16]) + string("0123456789abcdef"[i%16]) + "'/><source network='default'/><model type='virtio'/></interface>\n")
	}
	sb.WriteString("</devices></domain>\n")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := formatDevicesOf(b, data, true); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDevicesInvalid checks that device XML libvirt refuses is refused,
// at parse or at validation, with libvirt's error code.
func TestDevicesInvalid(t *testing.T) {
	cases := []struct {
		name, xml string
		code      virterr.Code
	}{
		{"tcp-two-sources", `<serial type='tcp'><source host='a' service='1'/><source host='b' service='2'/></serial>`, virterr.XMLError},
		{"udp-three-sources", `<serial type='udp'><source service='1'/><source service='2'/><source service='3'/></serial>`, virterr.XMLError},
		{"udp-no-connect-service", `<serial type='udp'><source host='a'/><source service='6'/></serial>`, virterr.InternalError},
		{"tcp-no-host", `<serial type='tcp'><source service='1'/></serial>`, virterr.InternalError},
		{"reconnect-no-timeout", `<serial type='tcp'><source host='a' service='1'><reconnect enabled='yes'/></source></serial>`, virterr.XMLError},
		{"reconnect-bind", `<serial type='unix'><source mode='bind' path='/s'><reconnect enabled='yes' timeout='2'/></source></serial>`, virterr.InternalError},
		{"unix-no-path", `<serial type='unix'/>`, virterr.InternalError},
		{"rng-unix-no-path", `<rng model='virtio'><backend model='egd' type='unix'><source mode='connect'/></backend></rng>`, virterr.InternalError},
		{"listen-network-no-network", `<graphics type='vnc'><listen type='network'/></graphics>`, virterr.XMLError},
		{"socket-mismatch", `<graphics type='vnc' socket='/a'><listen type='socket' socket='/b'/></graphics>`, virterr.ConfigUnsupported},
		{"bandwidth-floor-bridge", `<interface type='bridge'><source bridge='br0'/><bandwidth><inbound average='1' floor='1'/></bandwidth></interface>`, virterr.ConfigUnsupported},
		{"virtualport-user", `<interface type='user'><virtualport type='openvswitch'/></interface>`, virterr.ConfigUnsupported},
		{"vlan-no-tag", `<interface type='bridge'><source bridge='br0'/><vlan/></interface>`, virterr.XMLError},
		{"isolated-ovs", `<interface type='bridge'><source bridge='br0'/><virtualport type='openvswitch'/><port isolated='yes'/></interface>`, virterr.ConfigUnsupported},
		{"controller-chassisNr", `<controller type='pci' index='1' model='pci-bridge'><target chassisNr='0'/></controller>`, virterr.ConfigUnsupported},
		{"controller-bad-model", `<controller type='usb' index='0' model='bogus'/>`, virterr.ConfigUnsupported},
		{"controller-iothread", `<controller type='scsi' index='0' model='lsilogic'><driver iothread='1'/></controller>`, virterr.XMLError},
		{"usb-none-and-other", `<controller type='usb' index='0' model='none'/><controller type='usb' index='1' model='qemu-xhci'/>`, virterr.XMLError},
		{"fs-no-source", `<filesystem type='mount'><target dir='t'/></filesystem>`, virterr.NoSource},
		{"fs-no-target", `<filesystem type='mount'><source dir='/a'/></filesystem>`, virterr.NoTarget},
		{"fs-fmode", `<filesystem type='mount' fmode='1777'><source dir='/a'/><target dir='t'/></filesystem>`, virterr.XMLError},
		{"fs-ram-no-usage", `<filesystem type='ram'><source/><target dir='t'/></filesystem>`, virterr.XMLError},
		{"fs-twice", `<filesystem><source dir='/a'/><target dir='t'/></filesystem><filesystem><source dir='/b'/><target dir='t'/></filesystem>`, virterr.ConfigUnsupported},
		{"fs-boot", `<filesystem><driver type='path'/><source dir='/a'/><target dir='t'/><boot order='1'/></filesystem>`, virterr.ConfigUnsupported},
		{"hostdev-usb-no-product", `<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/></source></hostdev>`, virterr.InternalError},
		{"hostdev-mdev-no-uuid", `<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source/></hostdev>`, virterr.ConfigUnsupported},
		{"listen-mismatch", `<graphics type='vnc' listen='1.1.1.1'><listen type='address' address='2.2.2.2'/></graphics>`, virterr.XMLError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := "<domain type='test'><os><type>hvm</type></os><devices>" + c.xml + "</devices></domain>"
			root, err := xmltree.ParseRoot([]byte(doc), "", "domain")
			if err != nil {
				t.Fatal(err)
			}
			devs, err := parseDevices(root.Child("devices"), ParseInactive)
			if err == nil {
				if err = devs.PostParse(DeviceContext{OSType: "hvm"}); err == nil {
					err = devs.Validate()
				}
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if virterr.CodeOf(err) != c.code {
				t.Fatalf("got %v, want code %v", err, c.code)
			}
		})
	}
}
