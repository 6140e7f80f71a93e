package domaindefaults

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
)

var updateAddress = flag.Bool("update", false, "rewrite the address golden files")

// addressCaps is a capability set with what address assignment looks at.
func addressCaps() *caps.Caps {
	qc := &caps.Caps{}
	qc.Set(caps.DevicePCIERootPort, caps.VirtioPCITransitional, caps.DevicePCIEPCIBridge, caps.SCSILSI, caps.VirtioSCSI)
	return qc
}

func assignFromXML(t testing.TB, data []byte, newDomain bool) (*domain.Def, error) {
	def, err := domain.Parse(data, domain.ParseInactive)
	if err != nil {
		return nil, err
	}
	if err := AssignAddresses(def, addressCaps(), newDomain); err != nil {
		return def, err
	}
	return def, nil
}

func TestAddressGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/address/*.xml")
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
			def, err := assignFromXML(t, data, true)
			if err != nil {
				t.Fatal(err)
			}
			got := def.Format(domain.FormatInactive)
			golden := strings.TrimSuffix(in, ".xml") + ".out.xml"
			if *updateAddress {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, got)
			}
			// assignment keeps what it assigned
			if base, g2 := reassign(t, got); g2 != base {
				t.Errorf("second assignment changed the definition:\n%s", g2)
			}
		})
	}
}

func TestAddressErrors(t *testing.T) {
	cases := map[string]string{
		"double use": `<domain type='qemu'><name>x</name><memory>1024</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/>
<interface type='user'><mac address='52:54:00:00:00:01'/><model type='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></interface>
<interface type='user'><mac address='52:54:00:00:00:02'/><model type='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></interface>
</devices></domain>`,
		"virtio-serial port taken": `<domain type='qemu'><name>x</name><memory>1024</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/>
<controller type='virtio-serial' index='0'/>
<channel type='pty'><target type='virtio' name='a'/><address type='virtio-serial' controller='0' bus='0' port='1'/></channel>
<channel type='pty'><target type='virtio' name='b'/><address type='virtio-serial' controller='0' bus='0' port='1'/></channel>
</devices></domain>`,
	}
	for name, x := range cases {
		if _, err := assignFromXML(t, []byte(x), true); err == nil {
			t.Errorf("%s: expected an error", name)
		}
	}
}

// FuzzAssignAddresses checks assignment never panics and, when it
// succeeds, is a fixed point.
func FuzzAssignAddresses(f *testing.F) {
	files, _ := filepath.Glob("testdata/address/*.xml")
	for _, in := range files {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		def, err := assignFromXML(t, data, true)
		if err != nil {
			return
		}
		got := def.Format(domain.FormatInactive)
		if base, g2 := reassign(t, got); g2 != base {
			t.Fatalf("not a fixed point:\n%s\n---\n%s", base, g2)
		}
	})
}

// reassign parses an assigned definition again (which regroups
// controllers as the parser does) and returns it formatted before and
// after a second assignment.
func reassign(t testing.TB, xml string) (string, string) {
	t.Helper()
	def, err := domain.Parse([]byte(xml), domain.ParseInactive)
	if err != nil {
		t.Fatalf("re-parsing own output failed: %v", err)
	}
	base := def.Format(domain.FormatInactive)
	if err := AssignAddresses(def, addressCaps(), true); err != nil {
		t.Fatalf("re-assigning own output failed: %v\n%s", err, base)
	}
	return base, def.Format(domain.FormatInactive)
}
