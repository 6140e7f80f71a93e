package command

import (
	"strings"
	"testing"
)

// libvirt 9.0's domxml-to-native (QEMU 7.2) writes the PC speaker as
// -soundhw pcspk where the sound cards go, whatever <audio> it names, and
// never as -machine pcspk-audiodev.
func TestPCSpeakerAsLibvirt90(t *testing.T) {
	const x = `<domain type='qemu'><name>spk</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/>
<audio id='1' type='none'/>
<sound model='pcspk'><audio id='1'/></sound>
<sound model='es1370'/>
</devices></domain>`
	got, err := buildWithContext(t, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "pcspk-audiodev") {
		t.Errorf("pcspk-audiodev in\n%s", got)
	}
	if n := strings.Count(got, "-soundhw pcspk \\\n-device '{\"driver\":\"ES1370\""); n != 1 {
		t.Errorf("want one -soundhw pcspk before the ES1370 card, got %d in\n%s", n, got)
	}
}
