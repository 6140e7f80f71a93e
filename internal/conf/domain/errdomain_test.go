package domain

import (
	"errors"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// TestParseErrorsAsLibvirt checks code, error domain and wording of parse
// errors against what libvirt 9.0's test driver reports for the same
// definitions (python3-libvirt's get_error_code/get_error_domain/
// get_error_message): errors raised inside libvirt's XML helpers
// (virXMLProp*, virParseScaledValue) are VIR_FROM_XML, the parser's own
// are VIR_FROM_DOMAIN.
func TestParseErrorsAsLibvirt(t *testing.T) {
	const hvm = "<memory>65536</memory><os><type>hvm</type></os>"
	for _, tc := range []struct {
		name, body string
		code       virterr.Code
		from       virterr.Domain
		msg        string
	}{
		{"no os", "<memory>65536</memory>", virterr.XMLError, virterr.FromDomain, "XML error: an os <type> must be specified"},
		{"empty os type", "<memory>65536</memory><os><type></type></os>", virterr.XMLError, virterr.FromDomain, "XML error: an os <type> must be specified"},
		{"empty bootloader", "<memory>65536</memory><bootloader></bootloader>", virterr.XMLError, virterr.FromDomain, "XML error: an os <type> must be specified"},
		{"first os without type", "<memory>65536</memory><os><type arch='x86_64'/></os><os><type>hvm</type></os>", virterr.XMLError, virterr.FromDomain, "XML error: an os <type> must be specified"},
		{"os type before memory", "<memory>lots</memory>", virterr.XMLError, virterr.FromDomain, "XML error: an os <type> must be specified"},
		{"exe without init", "<memory>65536</memory><os><type>exe</type></os>", virterr.XMLError, virterr.FromDomain, "XML error: init binary must be specified"},
		{"bad memory", "<memory>lots</memory><os><type>hvm</type></os>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'lots' for element or attribute './memory[1]'"},
		{"negative memory", "<memory>-1</memory><os><type>hvm</type></os>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value '-1' for element or attribute './memory[1]'"},
		{"bad current memory", "<memory>65536</memory><currentMemory>x</currentMemory><os><type>hvm</type></os>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './currentMemory[1]'"},
		{"bad hard limit", hvm + "<memtune><hard_limit>abc</hard_limit></memtune>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'abc' for element or attribute './memtune/hard_limit[1]'"},
		{"numa cell memory missing", hvm + "<cpu><numa><cell id='0' cpus='0'/></numa></cpu>", virterr.XMLError, virterr.FromXML, "XML error: missing element or attribute './@memory'"},
		{"numa cell memory bad", hvm + "<cpu><numa><cell id='0' cpus='0' memory='abc'/></numa></cpu>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'abc' for element or attribute './@memory'"},
		{"numa cache level", hvm + "<cpu><numa><cell id='0' cpus='0' memory='1024'><cache level='0' associativity='direct' policy='writeback'><size value='1' unit='KiB'/><line value='1' unit='B'/></cache></cell></numa></cpu>", virterr.XMLError, virterr.FromDomain, "XML error: Invalid 'level' attribute in cache element for NUMA node 0"},
		{"numa cache size missing", hvm + "<cpu><numa><cell id='0' cpus='0' memory='1024'><cache level='1' associativity='direct' policy='writeback'><line value='1' unit='B'/></cache></cell></numa></cpu>", virterr.XMLError, virterr.FromXML, "XML error: missing element or attribute './size/@value'"},
		{"numa cache line bad", hvm + "<cpu><numa><cell id='0' cpus='0' memory='1024'><cache level='1' associativity='direct' policy='writeback'><size value='1' unit='KiB'/><line value='y' unit='B'/></cache></cell></numa></cpu>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'y' for element or attribute './line/@value'"},
		{"numa cache policy", hvm + "<cpu><numa><cell id='0' cpus='0' memory='1024'><cache level='1' associativity='direct' policy='bogus'><size value='1' unit='KiB'/><line value='1' unit='B'/></cache></cell></numa></cpu>", virterr.XMLError, virterr.FromDomain, "XML error: Invalid cache policy 'bogus'"},
		{"controller index", hvm + "<devices><controller type='usb' index='abc'/></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'index' in element 'controller': 'abc'. Expected integer value"},
		{"controller index negative", hvm + "<devices><controller type='usb' index='-1'/></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value"},
		{"controller model", hvm + "<devices><controller type='usb' model='bogus'/></devices>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: Unknown model type 'bogus'"},
		{"address bus", hvm + "<devices><disk type='file'><source file='/a'/><target dev='hda'/><address type='pci' bus='x'/></disk></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"},
		{"reconnect timeout missing", hvm + "<devices><serial type='tcp'><source mode='connect' host='a' service='1'><reconnect enabled='yes'/></source></serial></devices>", virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'timeout' in element 'reconnect'"},
		{"timer frequency", hvm + "<clock offset='utc'><timer name='tsc' frequency='x'/></clock>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'frequency' in element 'timer': 'x'. Expected non-negative integer value"},
		{"topology sockets", hvm + "<cpu><topology sockets='x' cores='1' threads='1' dies='1'/></cpu>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'sockets' in element 'topology': 'x'. Expected non-negative integer value"},
		{"cache level", hvm + "<cpu><cache level='x' mode='emulate'/></cpu>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'level' in element 'cache': 'x'. Expected integer value"},
		{"spinlocks retries", hvm + "<features><hyperv mode='custom'><spinlocks state='on' retries='x'/></hyperv></features>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'retries' in element 'spinlocks': 'x'. Expected non-negative integer value"},
		{"filesystem limit", hvm + "<devices><filesystem type='mount'><source dir='/a'/><target dir='b'/><space_hard_limit>x</space_hard_limit></filesystem></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './space_hard_limit[1]'"},
		{"msi vectors", hvm + "<devices><shmem name='a'><model type='ivshmem-doorbell'/><msi vectors='x'/></shmem></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'vectors' in element 'msi': 'x'. Expected non-negative integer value"},
		{"msi without server", hvm + "<devices><shmem name='a'><model type='ivshmem-doorbell'/><msi vectors='0'/></shmem></devices>", virterr.XMLError, virterr.FromDomain, "XML error: msi option is only supported with a server"},
		{"hugepage size missing", hvm + "<memoryBacking><hugepages><page/></hugepages></memoryBacking>", virterr.XMLError, virterr.FromXML, "XML error: missing element or attribute './@size'"},
		{"allocation threads", hvm + "<memoryBacking><allocation mode='immediate' threads='x'/></memoryBacking>", virterr.XMLError, virterr.FromDomain, "XML error: Failed to parse memory allocation threads"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte("<domain type='test'><name>x</name>" + tc.body + "</domain>")
			_, err := roundTrip(t, in, ParseInactive, 0)
			var e *virterr.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a libvirt error", err)
			}
			if e.Code != tc.code || e.Domain != tc.from || e.Message != tc.msg {
				t.Errorf("got code %v domain %v %q\nwant code %v domain %v %q", e.Code, e.Domain, e.Message, tc.code, tc.from, tc.msg)
			}
		})
	}
}

// TestBootloaderMakesXenGuest: a <bootloader> stands in for the OS type,
// which becomes xen (virDomainDefParseCaps).
func TestBootloaderMakesXenGuest(t *testing.T) {
	in := []byte("<domain type='test'><name>x</name><memory>65536</memory><bootloader>/usr/bin/pygrub</bootloader></domain>")
	out, err := roundTrip(t, in, ParseInactive, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "  <bootloader>/usr/bin/pygrub</bootloader>\n  <os>\n    <type") || !strings.Contains(out, ">xen</type>") {
		t.Errorf("no xen <os> after the bootloader:\n%s", out)
	}
}

func TestCheckOSType(t *testing.T) {
	for typ, want := range map[string]string{"hvm": "", "xen": "", "exe": "", "foo": "unsupported configuration: unknown OS type 'foo'", " ": "unsupported configuration: unknown OS type ' '"} {
		d, err := Parse([]byte("<domain type='test'><name>x</name><os><type>"+typ+"</type></os></domain>"), ParseInactive)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if err := d.CheckOSType(); err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", typ, got, want)
		}
	}
}

// TestMalformedIsDomainError: virDomainDefParse hands VIR_FROM_DOMAIN to
// virXMLParse, so malformed domain XML is reported in that domain; a wrong
// root element stays VIR_FROM_XML.
func TestMalformedIsDomainError(t *testing.T) {
	for in, want := range map[string]virterr.Domain{
		"<domain type='test'><name>broken": virterr.FromDomain,
		"<foo/>":                           virterr.FromXML,
	} {
		_, err := Parse([]byte(in), ParseInactive)
		var e *virterr.Error
		if !errors.As(err, &e) || e.Domain != want {
			t.Errorf("%s: got %v, want an error in domain %v", in, err, want)
		}
	}
}
