package xmltree

import (
	"fmt"
	"strings"
	"testing"
)

// hundredDiskDomain is a domain definition with 100 disks, the size of
// document the drivers parse on every define and status reload.
func hundredDiskDomain() []byte {
	var b strings.Builder
	b.WriteString("<domain type='kvm'>\n  <name>big</name>\n  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\n  <memory unit='KiB'>4194304</memory>\n  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n  </os>\n  <devices>\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2' cache='none'/>\n      <source file='/var/lib/libvirt/images/disk%d.qcow2'/>\n      <target dev='vd%c%c' bus='virtio'/>\n      <address type='pci' domain='0x0000' bus='0x%02x' slot='0x01' function='0x0'/>\n    </disk>\n", i, 'a'+i/26, 'a'+i%26, i+1)
	}
	b.WriteString("  </devices>\n</domain>\n")
	return []byte(b.String())
}

func BenchmarkParse100Disks(b *testing.B) {
	data := hundredDiskDomain()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, "(domain_definition)"); err != nil {
			b.Fatal(err)
		}
	}
}
