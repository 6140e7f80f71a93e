package domain

import (
	"strings"
	"testing"
)

// The backing chain a driver detected belongs to the live XML only:
// inactive XML of a running guest leaves it out while keeping the node
// numbers and a chain the definition gave, as libvirtd 9.0's
// dumpxml --inactive of a running transient domain does.
func TestDetectedChainLiveOnly(t *testing.T) {
	const xml = `<domain type='qemu' id='1'>
  <name>d</name>
  <uuid>6f1e0b1a-3c2d-4e5f-8a9b-0c1d2e3f4a5b</uuid>
  <memory unit='KiB'>65536</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/i/top.qcow2' index='3'/>
      <backingStore type='file' index='4'>
        <format type='qcow2'/>
        <source file='/i/base.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/i/given.raw' index='1'/>
      <backingStore/>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>`
	def, err := Parse([]byte(xml), 0)
	if err != nil {
		t.Fatal(err)
	}
	for s := def.Devices.Disks[0].Source.Backing; s != nil; s = s.Backing {
		s.Detected = true
	}
	live := def.Format(0)
	for _, want := range []string{"<source file='/i/top.qcow2' index='3'/>", "<backingStore type='file' index='4'>", "<source file='/i/given.raw' index='1'/>"} {
		if !strings.Contains(live, want) {
			t.Errorf("live XML lacks %s:\n%s", want, live)
		}
	}
	inactive := def.Format(FormatInactive)
	if strings.Contains(inactive, "base.qcow2") || !strings.Contains(inactive, "<source file='/i/top.qcow2' index='3'/>") {
		t.Errorf("inactive XML keeps the detected chain or loses a node number:\n%s", inactive)
	}
	if strings.Count(inactive, "<backingStore/>") != 1 {
		t.Errorf("inactive XML lost the chain end the definition gave:\n%s", inactive)
	}
}
