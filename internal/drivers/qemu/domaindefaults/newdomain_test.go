package domaindefaults

import (
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
)

// TestNewDomainGetsUSBPorts: qemuDomainDefAssignAddresses treats a
// definition parsed with ABI update as a new domain, whose USB devices
// get ports at define (libvirt 9.0's embedded QEMU driver writes these
// for a tablet and a hub without addresses); a reloaded definition with
// an unaddressed USB device keeps it unaddressed.
func TestNewDomainGetsUSBPorts(t *testing.T) {
	const x = `<domain type='qemu'><name>usb1</name><memory unit='GiB'>1</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<input type='tablet' bus='usb'/><hub type='usb'/></devices></domain>`
	for _, tc := range []struct {
		flags domain.ParseFlags
		want  []string
		not   string
	}{
		{domain.ParseInactive | domain.ParseABIUpdate, []string{
			"<input type='tablet' bus='usb'>\n      <address type='usb' bus='0' port='2'/>\n    </input>",
			"<hub type='usb'>\n      <address type='usb' bus='0' port='1'/>\n    </hub>",
		}, ""},
		{domain.ParseInactive, []string{"<input type='tablet' bus='usb'/>", "<hub type='usb'/>"}, "type='usb' bus='0'"},
	} {
		def, err := Parse([]byte(x), Options{Caps: defaultsCaps(), KeepMachineAliases: true, Flags: tc.flags})
		if err != nil {
			t.Fatal(err)
		}
		out := def.Format(domain.FormatInactive)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("flags %v: want\n%s\nin\n%s", tc.flags, w, out)
			}
		}
		if tc.not != "" && strings.Contains(out, tc.not) {
			t.Errorf("flags %v: unexpected %s in\n%s", tc.flags, tc.not, out)
		}
	}
}
