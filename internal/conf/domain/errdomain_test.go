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
		{"pcihole64", hvm + "<devices><controller type='pci' index='0' model='pci-root'><pcihole64>x</pcihole64></controller></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './pcihole64'"},
		{"smm tseg", hvm + "<features><smm state='on'><tseg>x</tseg></smm></features>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute 'string(./features/smm/tseg)'"},
		{"hpt maxpagesize", hvm + "<features><hpt resizing='enabled'><maxpagesize>x</maxpagesize></hpt></features>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: Unable to parse HPT maxpagesize setting"},
		{"tb-cache", hvm + "<features><tcg><tb-cache>x</tb-cache></tcg></features>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './tb-cache'"},
		{"shmem size", hvm + "<devices><shmem name='a'><size>x</size></shmem></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './size[1]'"},
		{"metadata cache", hvm + "<devices><disk type='file'><driver name='qemu' type='qcow2'><metadata_cache><max_size>x</max_size></metadata_cache></driver><source file='/a'/><target dev='vda'/></disk></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './metadata_cache/max_size'"},
		{"hugepage size", hvm + "<memoryBacking><hugepages><page size='x'/></hugepages></memoryBacking>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './@size'"},
		{"cachetune size missing", hvm + "<vcpu>2</vcpu><cputune><cachetune vcpus='0'><cache id='0' level='3' type='both'/></cachetune></cputune>", virterr.XMLError, virterr.FromXML, "XML error: missing element or attribute './@size'"},
		{"cachetune id", hvm + "<vcpu>2</vcpu><cputune><cachetune vcpus='0'><cache id='x' level='3' type='both' size='1'/></cachetune></cputune>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'id' in element 'cache': 'x'. Expected non-negative integer value"},
		{"memorytune bandwidth missing", hvm + "<vcpu>2</vcpu><cputune><memorytune vcpus='0'><node id='0'/></memorytune></cputune>", virterr.XMLError, virterr.FromXML, "XML error: Missing required attribute 'bandwidth' in element 'node'"},
		{"dimm size", hvm + "<maxMemory slots='4'>2000000</maxMemory><devices><memory model='dimm'><target><size>x</size><node>0</node></target></memory></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './size'"},
		{"dimm size missing", hvm + "<maxMemory slots='4'>2000000</maxMemory><devices><memory model='dimm'><target><node>0</node></target></memory></devices>", virterr.XMLError, virterr.FromXML, "XML error: missing element or attribute './size'"},
		{"memory device target", hvm + "<maxMemory slots='4'>2000000</maxMemory><devices><memory model='dimm'></memory></devices>", virterr.XMLError, virterr.FromDomain, "XML error: missing <target> element for <memory> device"},
		{"nvdimm alignsize", hvm + "<maxMemory slots='4'>2000000</maxMemory><devices><memory model='nvdimm'><source><path>/a</path><alignsize>x</alignsize></source><target><size>1024</size><node>0</node></target></memory></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value 'x' for element or attribute './alignsize'"},
		{"video vram", hvm + "<devices><video><model type='vga' vram='abc'/></video></devices>", virterr.XMLError, virterr.FromDomain, "XML error: cannot parse video vram 'abc'"},
		{"video heads", hvm + "<devices><video><model type='vga' heads='x'/></video></devices>", virterr.InternalError, virterr.FromDomain, "internal error: cannot parse video heads 'x'"},
		{"balloon period", hvm + "<devices><memballoon model='virtio'><stats period='x'/></memballoon></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'period' in element 'stats': 'x'. Expected integer value"},
		{"vcpu current", "<memory>65536</memory><vcpu current='x'>2</vcpu><os><type>hvm</type></os>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'current' in element 'vcpu': 'x'. Expected non-negative integer value"},
		{"iothread id zero", hvm + "<iothreadids><iothread id='0'/></iothreadids>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'id' in element 'iothread': Zero is not permitted"},
		{"iothreads count", hvm + "<iothreads>-1</iothreads>", virterr.XMLError, virterr.FromDomain, "XML error: invalid iothreads count '-1'"},
		{"rng period", hvm + "<devices><rng model='virtio'><rate bytes='1' period='x'/><backend model='random'>/dev/random</backend></rng></devices>", virterr.XMLError, virterr.FromDomain, "XML error: invalid RNG rate period value"},
		{"blockio", hvm + "<devices><disk type='file'><source file='/a'/><target dev='vda'/><blockio physical_block_size='x'/></disk></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'physical_block_size' in element 'blockio': 'x'. Expected non-negative integer value"},
		{"iotune", hvm + "<devices><disk type='file'><source file='/a'/><target dev='vda'/><iotune><read_iops_sec>-1</read_iops_sec></iotune></disk></devices>", virterr.XMLError, virterr.FromDomain, "XML error: disk iotune field 'read_iops_sec' must be an integer"},
		{"max memory without slots", "<memory>65536</memory><maxMemory>2000000</maxMemory><os><type>hvm</type></os>", virterr.XMLError, virterr.FromDomain, "XML error: both maximum memory size and memory slot count must be specified"},
		{"slots without max memory", "<memory>65536</memory><maxMemory slots='4'/><os><type>hvm</type></os>", virterr.XMLError, virterr.FromDomain, "XML error: both maximum memory size and memory slot count must be specified"},
		{"slice without size", hvm + "<devices><disk type='file'><source file='/a'><slices><slice type='storage' offset='1'/></slices></source><target dev='vda'/></disk></devices>", virterr.XMLError, virterr.FromDomain, "XML error: missing offset or size attribute of slice"},
		{"slice size", hvm + "<devices><disk type='file'><source file='/a'><slices><slice type='storage' offset='1' size='x'/></slices></source><target dev='vda'/></disk></devices>", virterr.XMLError, virterr.FromDomain, "XML error: malformed value 'x' of 'size' attribute of slice"},
		{"uhci companion alone", hvm + "<devices><controller type='usb' index='2' model='ich9-uhci1'/></devices>", virterr.XMLDetail, virterr.FromDomain, "No master USB controller specified"},
		{"uhci companions alone", hvm + "<devices><controller type='usb' model='ich9-uhci1'/><controller type='usb' model='ich9-uhci2'/></devices>", virterr.XMLDetail, virterr.FromDomain, "No master USB controller specified"},
		{"unknown clock offset", hvm + "<clock offset='bogus'/>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: unknown clock offset 'bogus'"},
		{"unknown cpu mode", hvm + "<cpu mode='bogus'/>", virterr.ConfigUnsupported, virterr.FromCPU, "unsupported configuration: Invalid mode attribute 'bogus'"},
		{"unknown hostdev mode", hvm + "<devices><hostdev mode='bogus'/></devices>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: unknown hostdev mode 'bogus'"},
		{"unknown filesystem type", hvm + "<devices><filesystem type='bogus'><source dir='/a'/><target dir='b'/></filesystem></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'filesystem': 'bogus'."},
		{"unknown poweroff action", hvm + "<on_poweroff>bogus</on_poweroff>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: unknown on_poweroff action: bogus"},
		{"reboot dumping core", hvm + "<on_reboot>coredump-destroy</on_reboot>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: Lifecycle event 'reboot' doesn't support 'coredump-destroy' action"},
		{"unknown disk device", hvm + "<devices><disk type='file' device='bogus'><source file='/a'/><target dev='vda'/></disk></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'device' in element 'disk': 'bogus'."},
		{"unknown disk bus", hvm + "<devices><disk type='file'><source file='/a'/><target dev='vda' bus='bogus'/></disk></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'bus' in element 'target': 'bogus'."},
		{"unknown interface type", hvm + "<devices><interface type='bogus'/></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'type' in element 'interface': 'bogus'."},
		{"unknown serial type", hvm + "<devices><serial type='bogus'/></devices>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: unknown type presented to host for character device: bogus"},
		{"unknown video model", hvm + "<devices><video><model type='bogus'/></video></devices>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: unknown video model 'bogus'"},
		{"unknown sound model", hvm + "<devices><sound model='bogus'/></devices>", virterr.XMLError, virterr.FromXML, "XML error: Invalid value for attribute 'model' in element 'sound': 'bogus'."},
		{"unknown panic model", hvm + "<devices><panic model='bogus'/></devices>", virterr.ConfigUnsupported, virterr.FromDomain, "unsupported configuration: unknown panic model 'bogus'"},
		{"memory device without numa", hvm + "<maxMemory slots='4'>2000000</maxMemory><devices><memory model='dimm'><target><size>1024</size><node>0</node></target></memory></devices>", virterr.XMLDetail, virterr.FromDomain, "can't add memory backend as guest has no NUMA nodes configured"},
		{"memory device node", hvm + "<maxMemory slots='4'>2000000</maxMemory><vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-1' memory='65536'/></numa></cpu><devices><memory model='dimm'><target><size>1024</size><node>3</node></target></memory></devices>", virterr.XMLDetail, virterr.FromDomain, "can't add memory backend for guest node '3' as the guest has only '1' NUMA nodes configured"},
		{"memory devices too big", hvm + "<maxMemory slots='4'>20000000</maxMemory><vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-1' memory='65536'/></numa></cpu><devices><memory model='dimm'><target><size unit='GiB'>1</size><node>0</node></target></memory></devices>", virterr.XMLError, virterr.FromDomain, "XML error: Total size of memory devices exceeds the total memory size"},
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

// TestBalloonWithoutPeriod: a statistics period of zero or below is no
// statistics, and libvirt leaves <stats> out.
func TestBalloonWithoutPeriod(t *testing.T) {
	for _, stats := range []string{"<stats period='-5'/>", "<stats period='0'/>", "<stats/>"} {
		in := []byte("<domain type='test'><name>x</name><memory>65536</memory><os><type>hvm</type></os><devices><memballoon model='virtio'>" + stats + "</memballoon></devices></domain>")
		out, err := roundTrip(t, in, ParseInactive, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "<memballoon model='virtio'/>") {
			t.Errorf("%s: <stats> kept:\n%s", stats, out)
		}
	}
}

// TestLenientNumbers: where libvirt reads a number with virXPath* and
// takes a bad one as none, so does Parse.
func TestLenientNumbers(t *testing.T) {
	for _, tc := range []struct{ body, want, not string }{
		{"<blkiotune><weight>abc</weight></blkiotune>", "", "<blkiotune>"},
		{"<blkiotune><weight> 500 </weight></blkiotune>", "", "<weight>"},
		{"<clock offset='variable' adjustment='abc'/>", "<clock offset='variable' adjustment='0' basis='utc'/>", ""},
		{"<clock offset='variable' adjustment='1.5'/>", "<clock offset='variable' adjustment='0' basis='utc'/>", ""},
		{"<clock offset='variable' adjustment='-30'/>", "<clock offset='variable' adjustment='-30' basis='utc'/>", ""},
		{"<clock offset='localtime' adjustment=' 12'/>", "<clock offset='variable' adjustment='12' basis='localtime'/>", ""},
		{"<devices><disk type='file'><source file='/a'><slices><foo/><slice type='storage' offset=' 1' size='+2'/><slice type='storage' offset='x' size='2'/></slices></source><target dev='vda'/></disk></devices>",
			"<slices>\n          <slice type='storage' offset='1' size='2'/>\n        </slices>", ""},
	} {
		in := []byte("<domain type='test'><name>x</name><memory>65536</memory><os><type>hvm</type></os>" + tc.body + "</domain>")
		out, err := roundTrip(t, in, ParseInactive, 0)
		if err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if !strings.Contains(out, tc.want) || (tc.not != "" && strings.Contains(out, tc.not)) {
			t.Errorf("%s: want %q (and no %q) in\n%s", tc.body, tc.want, tc.not, out)
		}
	}
}

// TestMemoryDeviceSizes: libvirt writes memory device sizes back in KiB
// and gives virtio-pmem shared access.
func TestMemoryDeviceSizes(t *testing.T) {
	in := []byte("<domain type='test'><name>x</name><memory>4194304</memory><maxMemory slots='4'>8000000</maxMemory><vcpu>2</vcpu><os><type>hvm</type></os>" +
		"<cpu><numa><cell id='0' cpus='0-1' memory='65536'/></numa></cpu><devices>" +
		"<memory model='virtio-mem'><source><pagesize unit='KiB'>2048</pagesize></source><target><size unit='GiB'>1</size><node>0</node><block unit='MiB'>2</block><requested unit='b'>2049</requested></target></memory>" +
		"<memory model='virtio-pmem'><source><path>/a</path></source><target><size>1024</size></target></memory></devices></domain>")
	out, err := roundTrip(t, in, ParseInactive, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<pagesize unit='KiB'>2048</pagesize>", "<size unit='KiB'>1048576</size>", "<block unit='KiB'>2048</block>",
		"<requested unit='KiB'>3</requested>", "<memory model='virtio-pmem' access='shared'>", "<size unit='KiB'>1024</size>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, out)
		}
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
