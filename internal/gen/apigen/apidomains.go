package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

// apiFiles maps each libvirt function a driver method names to the libvirt
// source file defining it; see the file's header for how it was made.
//
//go:embed apifiles.tsv
var apiFiles []byte

// sourceDomains is the VIR_FROM_THIS of each libvirt source file that
// defines public API, as libvirt 9.0 sets it (and as its test driver shows:
// libvirt-host.c raises from VIR_FROM_DOMAIN, libvirt.c, libvirt-qemu.c and
// libvirt-lxc.c from VIR_FROM_NONE). Values are virterr's Go names.
var sourceDomains = map[string]string{
	"src/libvirt.c":                   "FromNone",
	"src/libvirt-host.c":              "FromDomain",
	"src/libvirt-domain.c":            "FromDomain",
	"src/libvirt-domain-snapshot.c":   "FromDomainSnapshot",
	"src/libvirt-domain-checkpoint.c": "FromDomainCheckpoint",
	"src/libvirt-network.c":           "FromNetwork",
	"src/libvirt-storage.c":           "FromStorage",
	"src/libvirt-secret.c":            "FromSecret",
	"src/libvirt-nwfilter.c":          "FromNwfilter",
	"src/libvirt-nodedev.c":           "FromNodedev",
	"src/libvirt-interface.c":         "FromInterface",
	"src/libvirt-stream.c":            "FromStreams",
	"src/libvirt-qemu.c":              "FromNone",
	"src/libvirt-lxc.c":               "FromNone",
}

// apiDomains reads apiFiles into function → virterr domain name.
func apiDomains() (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(apiFiles))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fn, file, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("apifiles.tsv:%d: want function<TAB>file", n)
		}
		d, ok := sourceDomains[file]
		if !ok {
			return nil, fmt.Errorf("apifiles.tsv:%d: no error domain known for %s", n, file)
		}
		if prev, dup := out[fn]; dup && prev != d {
			return nil, fmt.Errorf("apifiles.tsv:%d: %s listed twice", n, fn)
		}
		out[fn] = d
	}
	return out, sc.Err()
}

// writeAPIDomains writes the table every NO_SUPPORT answer takes its domain
// from: every function apifiles.tsv knows (the daemon reports some, such as
// the QEMU and LXC programs', without a driver method), which must include
// the functions the driver contracts and hand-written code report.
func writeAPIDomains(b *bytes.Buffer, domains map[string]string, functions []string) error {
	for _, fn := range functions {
		if _, ok := domains[fn]; !ok {
			return fmt.Errorf("apifiles.tsv does not say where %s is defined", fn)
		}
	}
	names := make([]string, 0, len(domains))
	for fn := range domains {
		names = append(names, fn)
	}
	sort.Strings(names)
	b.WriteString(genHeader)
	b.WriteString("import \"github.com/govirt/govirt/virt/virterr\"\n\n")
	b.WriteString("// functionDomains is the error domain (the VIR_FROM_THIS of the libvirt\n// source file defining it) of each libvirt public function.\nvar functionDomains = map[string]virterr.Domain{\n")
	for _, fn := range names {
		fmt.Fprintf(b, "\t%q: virterr.%s,\n", fn, domains[fn])
	}
	b.WriteString("}\n\n")
	b.WriteString("// FunctionDomain is the error domain libvirt raises errors of the public\n// function fn from (VIR_FROM_NONE for one it does not know).\nfunc FunctionDomain(fn string) virterr.Domain {\n\treturn functionDomains[fn]\n}\n\n")
	b.WriteString("// NoSupport is libvirt's VIR_ERR_NO_SUPPORT for the function fn, raised\n// from fn's error domain as libvirt's public API does.\nfunc NoSupport(fn string) *virterr.Error {\n\treturn virterr.NoSupportFrom(functionDomains[fn], fn)\n}\n")
	return nil
}

// eventFunctions are the registration functions events.go reports.
var eventFunctions = []string{
	"virConnectDomainEventRegisterAny", "virConnectDomainEventDeregisterAny",
	"virConnectNetworkEventRegisterAny", "virConnectNetworkEventDeregisterAny",
	"virConnectStoragePoolEventRegisterAny", "virConnectStoragePoolEventDeregisterAny",
	"virConnectNodeDeviceEventRegisterAny", "virConnectNodeDeviceEventDeregisterAny",
	"virConnectSecretEventRegisterAny", "virConnectSecretEventDeregisterAny",
}
