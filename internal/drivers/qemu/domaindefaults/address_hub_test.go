package domaindefaults

import (
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
)

// TestUSBAutoHub checks that devices outnumbering the controller's ports
// get a usb-hub on the first free port and the rest behind it
// (qemuDomainAssignUSBHubs, libvirt's usb-hub-autoadd case).
func TestUSBAutoHub(t *testing.T) {
	in := `<domain type='qemu'>
  <name>hubs</name>
  <memory unit='KiB'>219136</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <controller type='usb' index='0' model='piix3-uhci'/>
    <input type='mouse' bus='usb'/>
    <input type='mouse' bus='usb'/>
    <input type='mouse' bus='usb'/>
    <input type='tablet' bus='usb'/>
  </devices>
</domain>`
	def, err := domain.Parse([]byte(in), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	if err := AssignAddresses(def, addressCaps(), true); err != nil {
		t.Fatal(err)
	}
	hubs := def.Devices.Kind("hub")
	if len(hubs) != 1 || hubs[0].Info.Address == nil || hubs[0].Info.Address.USBPort != "1" {
		t.Fatalf("want one hub on port 1, got %d hubs", len(hubs))
	}
	var ports []string
	for _, in := range def.Devices.Kind("input") {
		ports = append(ports, in.Info.Address.USBPort)
	}
	if got := strings.Join(ports, " "); got != "2 1.1 1.2 1.3" {
		t.Fatalf("input ports %q, want %q", got, "2 1.1 1.2 1.3")
	}
	// A second run (as at start after define) adds no further hub.
	if err := AssignAddresses(def, addressCaps(), true); err != nil {
		t.Fatal(err)
	}
	if n := len(def.Devices.Kind("hub")); n != 1 {
		t.Fatalf("%d hubs after a second assignment", n)
	}
}
