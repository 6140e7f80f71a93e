package domaindefaults

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/virt/virterr"
)

// pseriesMemoryXML is memory-hotplug-ppc64-nonuma from libvirt's tests
// with an NVDIMM added: modules of 511 MiB and 512 MiB - 1 KiB.
const pseriesMemoryXML = `<domain type='kvm'><name>p</name>
<maxMemory slots='16' unit='KiB'>8388608</maxMemory><memory unit='KiB'>2097152</memory>
<os><type arch='ppc64' machine='pseries'>hvm</type></os><devices>
<memory model='dimm'><target><size unit='KiB'>523264</size></target></memory>
<memory model='dimm'><target><size unit='KiB'>524287</size></target></memory>
%s
</devices></domain>`

const pseriesNVDIMM = `<memory model='nvdimm'><source><path>/tmp/nvdimm</path></source><target><size unit='KiB'>550000</size><label><size unit='KiB'>128</size></label></target></memory>`

func parsePseries(t *testing.T, extra string, flags domain.ParseFlags) (string, error) {
	t.Helper()
	qc := &caps.Caps{Arch: "ppc64", Binary: "/usr/bin/qemu-system-ppc64"}
	def, err := Parse([]byte(strings.Replace(pseriesMemoryXML, "%s", extra, 1)), Options{Caps: qc, KeepMachineAliases: true, Flags: flags})
	if err != nil {
		return "", err
	}
	return def.Format(domain.FormatInactive), nil
}

func memorySizes(xml string) []string {
	var sizes []string
	for _, l := range strings.Split(xml, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "<size unit='KiB'>") {
			sizes = append(sizes, strings.TrimSuffix(strings.TrimPrefix(l, "<size unit='KiB'>"), "</size>"))
		}
	}
	return sizes
}

// TestPseriesModulesAlignedWhenNew: qemuDomainMemoryDefPostParse aligns a
// new pseries definition's modules to 256 MiB (an NVDIMM's guest area
// down, its label kept); a reloaded definition keeps its sizes.
func TestPseriesModulesAlignedWhenNew(t *testing.T) {
	for _, tc := range []struct {
		flags domain.ParseFlags
		want  string
	}{
		{domain.ParseInactive, "523264 524287 550000 128"},
		{domain.ParseInactive | domain.ParseABIUpdate, "524288 524288 524416 128"},
	} {
		out, err := parsePseries(t, pseriesNVDIMM, tc.flags)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(memorySizes(out), " "); got != tc.want {
			t.Errorf("flags %v: sizes %s, want %s\n%s", tc.flags, got, tc.want, out)
		}
	}
}

func TestPseriesNVDIMMTooSmall(t *testing.T) {
	small := strings.Replace(pseriesNVDIMM, "550000", "262000", 1)
	if _, err := parsePseries(t, small, domain.ParseInactive); err != nil {
		t.Fatalf("reloaded definition refused: %v", err)
	}
	_, err := parsePseries(t, small, domain.ParseInactive|domain.ParseABIUpdate)
	var e *virterr.Error
	if !errors.As(err, &e) || e.Code != virterr.ConfigUnsupported || e.Message != "unsupported configuration: minimum target size for the NVDIMM must be 256MB plus the label size" {
		t.Fatalf("got %v", err)
	}
}

// TestPseriesNVDIMMABIUpdateAsLibvirt: libvirt's
// memory-hotplug-nvdimm-ppc64-abi-update parses the input of
// memory-hotplug-nvdimm-ppc64 with ABI update; its expected output has
// the NVDIMM at 524416 KiB and <memory> at the NUMA cell plus that.
func TestPseriesNVDIMMABIUpdateAsLibvirt(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "..", "shared", "libvirt-tests", "qemuxml2argvdata", "memory-hotplug-nvdimm-ppc64.xml"))
	if err != nil {
		t.Skip("libvirt test corpus not available")
	}
	qc := &caps.Caps{Arch: "ppc64", Binary: "/usr/bin/qemu-system-ppc64"}
	def, err := Parse(in, Options{Caps: qc, KeepMachineAliases: true, Flags: domain.ParseInactive | domain.ParseABIUpdate})
	if err != nil {
		t.Fatal(err)
	}
	out := def.Format(domain.FormatInactive)
	for _, want := range []string{"<memory unit='KiB'>1572992</memory>", "<currentMemory unit='KiB'>1267710</currentMemory>", "<size unit='KiB'>524416</size>"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %s in\n%s", want, out)
		}
	}
}

// FuzzParseABIUpdate checks that a definition parsed as new never panics,
// that what it writes reloads without ABI update, and that reloading then
// converges: nothing an ABI update changed is undone or redone on reload.
func FuzzParseABIUpdate(f *testing.F) {
	f.Add([]byte(strings.Replace(pseriesMemoryXML, "%s", pseriesNVDIMM, 1)))
	f.Add([]byte(`<domain type='qemu'><name>n</name><maxMemory slots='4' unit='GiB'>8</maxMemory><memory unit='GiB'>1</memory><vcpu>2</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><cpu><numa><cell id='0' cpus='0-1' memory='2' unit='GiB'/></numa></cpu><devices><memory model='dimm'><target><size unit='MiB'>511</size><node>0</node></target></memory></devices></domain>`))
	parse := func(data []byte, flags domain.ParseFlags) (string, error) {
		qc := defaultsCaps()
		if strings.Contains(string(data), "ppc64") {
			qc = &caps.Caps{Arch: "ppc64", Binary: "/usr/bin/qemu-system-ppc64"}
		}
		def, err := Parse(data, Options{Caps: qc, KeepMachineAliases: true, Flags: flags})
		if err != nil {
			return "", err
		}
		return def.Format(domain.FormatInactive | domain.FormatSecure), nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		first, err := parse(data, domain.ParseInactive|domain.ParseABIUpdate)
		if err != nil {
			return
		}
		reloaded, err := parse([]byte(first), domain.ParseInactive)
		if err != nil {
			t.Fatalf("reloading own output: %v\n%s", err, first)
		}
		again, err := parse([]byte(reloaded), domain.ParseInactive)
		if err != nil {
			t.Fatalf("reloading own output: %v\n%s", err, reloaded)
		}
		if again != reloaded {
			t.Fatalf("not a fixed point:\n%s\n---\n%s", reloaded, again)
		}
	})
}
