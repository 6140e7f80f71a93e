package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// libvirtNoSupport calls, through python3-libvirt against libvirt's test
// driver, public functions that driver does not implement; each prints the
// libvirt function named in the error, its code and its error domain.
const libvirtNoSupport = `
import libvirt, libvirt_qemu, libvirt_lxc
libvirt.registerErrorHandler(lambda *a: None, None)
c = libvirt.open("test:///default")
d = c.lookupByName("test")
n = c.networkLookupByName("default")
calls = [
    lambda: c.secretDefineXML("<secret/>"),
    lambda: c.listSecrets(),
    lambda: c.nwfilterDefineXML("<filter name='x'/>"),
    lambda: c.listNWFilters(),
    lambda: c.listAllNWFilterBindings(),
    lambda: c.getDomainCapabilities(),
    lambda: c.getSEVInfo(),
    lambda: c.allocPages({4: 1}, 0, 1),
    lambda: c.getMemoryStats(-1),
    lambda: c.getMemoryParameters(),
    lambda: c.compareCPU("<cpu/>"),
    lambda: c.compareHypervisorCPU(None, None, None, None, "<cpu/>"),
    lambda: c.suspendForDuration(0, 1, 0),
    lambda: d.backupBegin("<domainbackup/>", None),
    lambda: n.portCreateXML("<networkport/>"),
    lambda: n.listAllPorts(),
    lambda: c.newStream(0).finish(),
    lambda: libvirt_qemu.qemuMonitorCommand(d, "x", 0),
    lambda: libvirt_lxc.lxcOpenNamespace(d, 0),
]
for call in calls:
    try:
        call()
    except libvirt.libvirtError as e:
        if e.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            print(e.get_error_message().rsplit(" ", 1)[-1], e.get_error_domain())
`

// TestAPIDomainsAsLibvirt checks apifiles.tsv and sourceDomains against the
// domain libvirt 9.0 raises VIR_ERR_NO_SUPPORT from, where python3-libvirt
// is installed.
func TestAPIDomainsAsLibvirt(t *testing.T) {
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no python3")
	}
	out, err := exec.Command(python, "-c", libvirtNoSupport).Output()
	if err != nil {
		t.Skipf("python3-libvirt against test:///default: %v", err)
	}
	domains, err := apiDomains()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]virterr.Domain{
		"FromNone": virterr.FromNone, "FromDomain": virterr.FromDomain,
		"FromDomainSnapshot": virterr.FromDomainSnapshot, "FromDomainCheckpoint": virterr.FromDomainCheckpoint,
		"FromNetwork": virterr.FromNetwork, "FromStorage": virterr.FromStorage,
		"FromSecret": virterr.FromSecret, "FromNwfilter": virterr.FromNwfilter,
		"FromNodedev": virterr.FromNodedev, "FromInterface": virterr.FromInterface,
		"FromStreams": virterr.FromStreams,
	}
	for file, name := range sourceDomains {
		if _, ok := byName[name]; !ok {
			t.Errorf("%s: virterr has no %s", file, name)
		}
	}
	checked := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fn, num, _ := strings.Cut(sc.Text(), " ")
		want, _ := strconv.Atoi(num)
		name, ok := domains[fn]
		if !ok {
			t.Errorf("%s: not in apifiles.tsv", fn)
			continue
		}
		got := byName[name]
		if int(got) != want {
			t.Errorf("%s: domain %s (%d), libvirt raises %d", fn, name, got, want)
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("only %d functions reported VIR_ERR_NO_SUPPORT:\n%s", checked, out)
	}
}
