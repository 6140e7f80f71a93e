package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// cEnum is one `typedef enum { … } virXxx;` block of a public header.
type cEnum struct {
	cName  string // virDomainCreateFlags
	header string // libvirt-domain.h
	values []cEnumValue
}

type cEnumValue struct {
	cName string // VIR_DOMAIN_START_PAUSED
	value int64
}

// externalConstants are referenced by the headers but defined in
// libvirt-common.h, which is generated at libvirt's build time and so is not
// in the protocol directory.
var externalConstants = map[string]int64{
	"VIR_TYPED_PARAM_INT":     1,
	"VIR_TYPED_PARAM_UINT":    2,
	"VIR_TYPED_PARAM_LLONG":   3,
	"VIR_TYPED_PARAM_ULLONG":  4,
	"VIR_TYPED_PARAM_DOUBLE":  5,
	"VIR_TYPED_PARAM_BOOLEAN": 6,
	"VIR_TYPED_PARAM_STRING":  7,
}

// extraEnums are the enums of libvirt-common.h (see externalConstants).
var extraEnums = []cEnum{{
	cName:  "virTypedParameterType",
	header: "libvirt-common.h",
	values: []cEnumValue{
		{"VIR_TYPED_PARAM_INT", 1}, {"VIR_TYPED_PARAM_UINT", 2},
		{"VIR_TYPED_PARAM_LLONG", 3}, {"VIR_TYPED_PARAM_ULLONG", 4},
		{"VIR_TYPED_PARAM_DOUBLE", 5}, {"VIR_TYPED_PARAM_BOOLEAN", 6},
		{"VIR_TYPED_PARAM_STRING", 7},
	},
}, {
	cName:  "virTypedParameterFlags",
	header: "libvirt-common.h",
	values: []cEnumValue{{"VIR_TYPED_PARAM_STRING_OKAY", 1 << 2}},
}}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	enumBlock    = regexp.MustCompile(`(?s)typedef\s+enum\s*\{(.*?)\}\s*(vir\w+)\s*;`)
	sentinels    = regexp.MustCompile(`(?s)#\s*ifdef\s+VIR_ENUM_SENTINELS.*?#\s*endif`)
	enumEntry    = regexp.MustCompile(`^\s*(VIR_\w+)\s*(?:=\s*(.+?))?\s*$`)
	shiftExpr    = regexp.MustCompile(`^\(?\s*(-?\d+)U?\s*<<\s*(\d+)\s*\)?$`)
)

// parseEnums reads every enum of a header, resolving `1 << N`, negative
// numbers, implicit successors and references to constants defined earlier.
func parseEnums(header string, src []byte, known map[string]int64) ([]cEnum, error) {
	text := sentinels.ReplaceAllString(string(src), "")
	text = blockComment.ReplaceAllString(text, "")
	var out []cEnum
	for _, m := range enumBlock.FindAllStringSubmatch(text, -1) {
		e := cEnum{cName: m[2], header: header}
		next := int64(0)
		for _, item := range strings.Split(m[1], ",") {
			item = strings.TrimSpace(item)
			if item == "" || strings.HasPrefix(item, "#") {
				continue
			}
			em := enumEntry.FindStringSubmatch(item)
			if em == nil {
				return nil, fmt.Errorf("%s: %s: cannot read %q", header, e.cName, item)
			}
			v := next
			if em[2] != "" {
				var err error
				v, err = evalConst(em[2], known)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %v", header, em[1], err)
				}
			}
			known[em[1]] = v
			e.values = append(e.values, cEnumValue{em[1], v})
			next = v + 1
		}
		out = append(out, e)
	}
	return out, nil
}

func evalConst(expr string, known map[string]int64) (int64, error) {
	expr = strings.TrimSpace(expr)
	if m := shiftExpr.FindStringSubmatch(expr); m != nil {
		a, _ := strconv.ParseInt(m[1], 10, 64)
		b, _ := strconv.ParseInt(m[2], 10, 64)
		return a << b, nil
	}
	if n, err := strconv.ParseInt(strings.TrimSuffix(expr, "U"), 0, 64); err == nil {
		return n, nil
	}
	if v, ok := known[expr]; ok {
		return v, nil
	}
	return 0, fmt.Errorf("cannot evaluate %q", expr)
}

// headerFamily names the output file an enum goes to.
func headerFamily(e cEnum) string {
	if strings.Contains(e.cName, "Event") {
		return "event"
	}
	switch e.header {
	case "libvirt-domain.h":
		return "domain"
	case "libvirt-domain-snapshot.h":
		return "snapshot"
	case "libvirt-domain-checkpoint.h":
		return "checkpoint"
	case "libvirt-host.h", "libvirt-common.h":
		return "host"
	}
	return strings.TrimPrefix(strings.TrimSuffix(e.header, ".h"), "libvirt-")
}

// enumHeaders are the public headers whose enums belong to the client API;
// virterror.h is virt/virterr's and libvirt-admin.h the admin API's.
var enumHeaders = []string{
	"libvirt-host.h", "libvirt-domain.h", "libvirt-domain-snapshot.h",
	"libvirt-domain-checkpoint.h", "libvirt-event.h", "libvirt-interface.h",
	"libvirt-network.h", "libvirt-nodedev.h", "libvirt-nwfilter.h",
	"libvirt-secret.h", "libvirt-storage.h", "libvirt-stream.h", "libvirt-qemu.h",
}

func generateEnums(inDir, outDir string) error {
	known := map[string]int64{}
	for k, v := range externalConstants {
		known[k] = v
	}
	byFamily := map[string][]cEnum{}
	all := append([]cEnum(nil), extraEnums...)
	for _, h := range enumHeaders {
		src, err := os.ReadFile(filepath.Join(inDir, h))
		if err != nil {
			return err
		}
		enums, err := parseEnums(h, src, known)
		if err != nil {
			return err
		}
		all = append(all, enums...)
	}
	for _, e := range all {
		f := headerFamily(e)
		byFamily[f] = append(byFamily[f], e)
	}
	families := make([]string, 0, len(byFamily))
	for f := range byFamily {
		families = append(families, f)
	}
	sort.Strings(families)
	for _, f := range families {
		src, err := formatEnums(byFamily[f])
		if err != nil {
			return fmt.Errorf("%s: %v", f, err)
		}
		if err := os.WriteFile(filepath.Join(outDir, f+"_gen.go"), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func formatEnums(enums []cEnum) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/gen/apigen from libvirt's public headers. DO NOT EDIT.\n\npackage virt\n")
	for _, e := range enums {
		typ := enumGoType(e)
		under := "int32"
		if isFlags(e) {
			under = "uint32"
		}
		fmt.Fprintf(&b, "\n// %s is libvirt's %s (%s).\ntype %s %s\n\n", typ, e.cName, e.header, typ, under)
		if len(e.values) == 0 {
			continue
		}
		b.WriteString("const (\n")
		for _, v := range e.values {
			fmt.Fprintf(&b, "\t%s %s = %d // %s\n", constGoName(v.cName), typ, v.value, v.cName)
		}
		b.WriteString(")\n")
	}
	return format.Source(b.Bytes())
}

// enumGoType drops the vir prefix and the "Values" that some flag enums
// carry in C (virDomainDestroyFlagsValues, virDomainRebootFlagValues).
func enumGoType(e cEnum) string {
	n := strings.TrimPrefix(e.cName, "vir")
	n = strings.TrimSuffix(n, "Values")
	if strings.HasSuffix(n, "Flag") {
		n += "s"
	}
	return n
}

// isFlags tells bit sets (unsigned, combined with |) from plain enums.
func isFlags(e cEnum) bool {
	n := enumGoType(e)
	if strings.HasSuffix(n, "Flags") || strings.HasSuffix(n, "Impact") {
		for _, v := range e.values {
			if v.value < 0 {
				return false
			}
		}
		return true
	}
	return false
}

// initialisms are written in capitals in Go names, as Go style asks.
var initialisms = map[string]string{
	"ID": "ID", "UUID": "UUID", "XML": "XML", "CPU": "CPU", "VCPU": "VCPU",
	"VCPUS": "VCPUs", "URI": "URI", "MAC": "MAC", "IP": "IP", "TCP": "TCP",
	"UDP": "UDP", "TLS": "TLS", "SSH": "SSH", "API": "API", "NUMA": "NUMA",
	"PCI": "PCI", "USB": "USB", "SCSI": "SCSI", "DHCP": "DHCP", "DNS": "DNS",
	"QEMU": "QEMU", "LXC": "LXC", "IO": "IO", "OS": "OS", "RTC": "RTC",
	"NVRAM": "NVRAM", "TPM": "TPM", "VNC": "VNC", "RDP": "RDP", "SEV": "SEV",
	"MTU": "MTU", "IOTHREAD": "IOThread", "IOTHREADS": "IOThreads",
	"PMSUSPENDED": "PMSuspended", "PMWAKEUP": "PMWakeup", "PMSUSPEND": "PMSuspend",
	"NWFILTER": "NWFilter", "NWFILTERS": "NWFilters", "HTTP": "HTTP", "ISCSI": "ISCSI", "LVM": "LVM",
	"FS": "FS", "NFS": "NFS", "RBD": "RBD", "VHBA": "VHBA", "MDEV": "MDEV",
	"CCW": "CCW", "VDPA": "VDPA", "SGX": "SGX", "AP": "AP", "NPIV": "NPIV",
	"VPORTS": "VPorts", "VF": "VF", "PF": "PF", "VFS": "VFs", "SRIOV": "SRIOV",
	"DAC": "DAC", "HV": "HV", "PV": "PV", "IOERR": "IOErr", "NIC": "NIC",
	"AES": "AES", "DEA": "DEA", "SASL": "SASL", "QMP": "QMP", "HMP": "HMP",
	"LUKS": "LUKS", "QCOW2": "QCOW2", "LUN": "LUN", "ZFS": "ZFS", "MD5": "MD5",
	"KVM": "KVM", "FD": "FD", "NBD": "NBD", "TTY": "TTY", "PTY": "PTY",
}

func constGoName(c string) string {
	var b strings.Builder
	for _, w := range strings.Split(strings.TrimPrefix(c, "VIR_"), "_") {
		if w == "" {
			continue
		}
		if s, ok := initialisms[w]; ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(w[:1])
		b.WriteString(strings.ToLower(w[1:]))
	}
	return b.String()
}
