package network

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

var commandNames = map[string]UpdateCommand{
	"add-first": UpdateAddFirst, "add-last": UpdateAddLast, "modify": UpdateModify, "delete": UpdateDelete,
}

var sectionNames = map[string]UpdateSection{
	"bridge": SectionBridge, "domain": SectionDomain, "ip": SectionIP,
	"ip-dhcp-host": SectionIPDHCPHost, "ip-dhcp-range": SectionIPDHCPRange,
	"forward": SectionForward, "forward-interface": SectionForwardInterface,
	"forward-pf": SectionForwardPF, "portgroup": SectionPortGroup,
	"dns-host": SectionDNSHost, "dns-txt": SectionDNSTxt, "dns-srv": SectionDNSSrv,
}

// TestUpdateSequence replays testdata/update/steps.txt (command, section,
// parent index, XML) on base.xml as `virsh net-update --config` does and
// compares with what libvirt 9.0's test driver ended with; two steps fail
// there and must fail here with the same codes.
func TestUpdateSequence(t *testing.T) {
	dir := filepath.Join("testdata", "update")
	in, err := os.ReadFile(filepath.Join(dir, "base.xml"))
	if err != nil {
		t.Fatal(err)
	}
	def, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := os.ReadFile(filepath.Join(dir, "steps.txt"))
	if err != nil {
		t.Fatal(err)
	}
	wantFail := map[int]virterr.Code{8: virterr.XMLError, 14: virterr.OperationInvalid}
	for i, line := range strings.Split(strings.TrimSpace(string(steps)), "\n") {
		f := strings.SplitN(line, "|", 4)
		idx, _ := strconv.Atoi(f[2])
		next, err := def.Update(commandNames[f[0]], sectionNames[f[1]], idx, []byte(f[3]), FormatInactive)
		if code, ok := wantFail[i]; ok {
			if virterr.CodeOf(err) != code {
				t.Errorf("step %d %s: got %v, want code %v", i, line, err, code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", i, line, err)
		}
		def = next
	}
	want, err := os.ReadFile(filepath.Join(dir, "result.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if got := def.Format(0); got != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestUpdateErrors(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "update", "base.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cmd     UpdateCommand
		section UpdateSection
		index   int
		xml     string
		code    virterr.Code
	}{
		{UpdateModify, SectionBridge, 0, "<bridge name='x'/>", virterr.OperationUnsupported},
		{UpdateModify, SectionDomain, 0, "<domain name='x'/>", virterr.OperationUnsupported},
		{UpdateModify, SectionIP, 0, "<ip address='1.2.3.4'/>", virterr.OperationUnsupported},
		{UpdateModify, SectionForward, 0, "<forward/>", virterr.OperationUnsupported},
		{UpdateModify, SectionForwardPF, 0, "<pf dev='x'/>", virterr.OperationUnsupported},
		{UpdateModify, 99, 0, "<x/>", virterr.OperationUnsupported},
		{UpdateNone, SectionDNSTxt, 0, "<txt name='q' value='v'/>", virterr.OperationUnsupported},
		{UpdateAddLast, SectionIPDHCPHost, 0, "<range start='192.168.122.2' end='192.168.122.9'/>", virterr.XMLError},
		{UpdateAddLast, SectionIPDHCPHost, 5, "<host name='z' ip='192.168.122.50'/>", virterr.OperationInvalid},
		{UpdateAddLast, SectionIPDHCPHost, 0, "<host name='z'/>", virterr.XMLError},
		{UpdateAddLast, SectionIPDHCPHost, 0, "<host name='a.example.com' ip='192.168.122.51'/>", virterr.OperationInvalid},
		{UpdateAddLast, SectionIPDHCPHost, 0, "<host name='z' ip='2001:db8::5'/>", virterr.OperationInvalid},
		{UpdateModify, SectionIPDHCPHost, 0, "<host name='nobody' ip='192.168.122.99'/>", virterr.OperationInvalid},
		{UpdateDelete, SectionIPDHCPHost, 0, "<host name='nobody'/>", virterr.OperationInvalid},
		{UpdateModify, SectionIPDHCPRange, 0, "<range start='192.168.122.2' end='192.168.122.100'/>", virterr.OperationUnsupported},
		{UpdateAddLast, SectionIPDHCPRange, 0, "<range start='192.168.122.2' end='192.168.122.100'/>", virterr.OperationInvalid},
		{UpdateAddLast, SectionIPDHCPRange, 0, "<range start='10.0.0.2' end='10.0.0.9'/>", virterr.InternalError},
		{UpdateDelete, SectionIPDHCPRange, 0, "<range start='192.168.122.3' end='192.168.122.100'/>", virterr.OperationInvalid},
		{UpdateModify, SectionForwardInterface, 0, "<interface dev='eth0'/>", virterr.OperationUnsupported},
		{UpdateAddLast, SectionForwardInterface, 0, "<interface dev='eth0'/>", virterr.OperationInvalid},
		{UpdateDelete, SectionForwardInterface, 0, "<interface dev='eth7'/>", virterr.OperationInvalid},
		{UpdateAddLast, SectionForwardInterface, 0, "<interface/>", virterr.XMLError},
		{UpdateAddLast, SectionPortGroup, 0, "<portgroup name='pg1'/>", virterr.OperationInvalid},
		{UpdateAddLast, SectionPortGroup, 0, "<portgroup name='pg2' default='yes'/>", virterr.OperationInvalid},
		{UpdateDelete, SectionPortGroup, 0, "<portgroup name='pg9'/>", virterr.OperationInvalid},
		{UpdateModify, SectionDNSHost, 0, "<host ip='192.168.122.1'><hostname>g</hostname></host>", virterr.OperationUnsupported},
		{UpdateAddLast, SectionDNSHost, 0, "<host ip='192.168.122.1'><hostname>g</hostname></host>", virterr.OperationInvalid},
		{UpdateAddLast, SectionDNSHost, 0, "<host ip='192.168.122.7'/>", virterr.XMLDetail},
		{UpdateDelete, SectionDNSHost, 0, "<host ip='192.168.122.7'/>", virterr.OperationInvalid},
		{UpdateAddLast, SectionDNSTxt, 0, "<txt name='example' value='v'/>", virterr.OperationInvalid},
		{UpdateDelete, SectionDNSTxt, 0, "<txt name='nope'/>", virterr.OperationInvalid},
		{UpdateModify, SectionDNSSrv, 0, "<srv service='ldap' protocol='tcp'/>", virterr.OperationUnsupported},
		{UpdateAddLast, SectionDNSSrv, 0, "<srv service='ldap' protocol='tcp'/>", virterr.OperationInvalid},
		{UpdateDelete, SectionDNSSrv, 0, "<srv service='nope'/>", virterr.OperationInvalid},
		{UpdateAddLast, SectionDNSTxt, 0, "<txt name='a'", virterr.XMLDetail},
	}
	for _, c := range cases {
		def, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		before := def.Format(0)
		err = def.UpdateSection(c.cmd, c.section, c.index, []byte(c.xml))
		if got := virterr.CodeOf(err); err == nil || got != c.code {
			t.Errorf("%d/%d %s: got %v (%v), want %v", c.cmd, c.section, c.xml, got, err, c.code)
		}
		if after := def.Format(0); after != before {
			t.Errorf("%s: failed update changed the network", c.xml)
		}
	}
}
