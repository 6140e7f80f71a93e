package domain

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var testPostParse = PostParseOptions{DefaultArch: func(osType, virtType string) string {
	if osType == "hvm" {
		return "x86_64"
	}
	return ""
}}

// roundTrip parses, fills defaults, validates and formats, as a driver's
// define followed by dumpxml does.
func roundTrip(t testing.TB, in []byte, pflags ParseFlags, fflags FormatFlags) (string, error) {
	d, err := Parse(in, pflags)
	if err != nil {
		return "", err
	}
	if err := d.PostParse(testPostParse); err != nil {
		return "", err
	}
	if err := d.Validate(); err != nil {
		return "", err
	}
	return d.Format(fflags), nil
}

// TestGolden formats each testdata/golden/*.xml live and inactive and
// compares with the .live.golden / .inactive.golden files next to it.
func TestGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/golden/*.xml")
	if len(ins) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, in := range ins {
		for _, mode := range []struct {
			suffix string
			pflags ParseFlags
			fflags FormatFlags
		}{
			{".live.golden", 0, FormatSecure},
			{".inactive.golden", ParseInactive, FormatInactive | FormatSecure},
		} {
			name := strings.TrimSuffix(filepath.Base(in), ".xml") + mode.suffix
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				got, err := roundTrip(t, data, mode.pflags, mode.fflags)
				if err != nil {
					t.Fatalf("round trip: %v", err)
				}
				golden := strings.TrimSuffix(in, ".xml") + mode.suffix
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update)", err)
				}
				if got != string(want) {
					t.Errorf("output differs from %s:\n%s", golden, got)
				}
				again, err := roundTrip(t, []byte(got), mode.pflags, mode.fflags)
				if err != nil || again != got {
					t.Errorf("not a fixed point (err %v):\n%s", err, again)
				}
			})
		}
	}
}

const minimal = `<domain type='qemu'>
  <name>%NAME%</name>
  <memory unit='KiB'>1024</memory>
  <os><type>hvm</type></os>
  %EXTRA%
</domain>`

func doc(name, extra string) []byte {
	return []byte(strings.NewReplacer("%NAME%", name, "%EXTRA%", extra).Replace(minimal))
}

func TestFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		code virterr.Code
	}{
		{"missing name", []byte(`<domain type='qemu'><os><type>hvm</type></os></domain>`), virterr.NoName},
		{"missing type", []byte(`<domain><name>a</name><os><type>hvm</type></os></domain>`), virterr.InternalError},
		{"no os type", []byte(`<domain type='qemu'><name>a</name></domain>`), virterr.XMLError},
		{"slash in name", doc("foo/bar", ""), virterr.XMLError},
		{"bad uuid", doc("a", "<uuid>nope</uuid>"), virterr.InternalError},
		{"bad memory", doc("a", "<currentMemory>lots</currentMemory>"), virterr.XMLError},
		{"bad vcpu", doc("a", "<vcpu>many</vcpu>"), virterr.XMLError},
		{"current above max", doc("a", "<vcpu current='4'>2</vcpu>"), virterr.InternalError},
		{"colliding allocs", doc("a", `<vcpu>2</vcpu><cputune><cachetune vcpus='0'><cache id='0' level='3' type='code' size='1'/><cache id='0' level='3' type='code' size='2'/></cachetune></cputune>`), virterr.XMLError},
		{"identical tunes", doc("a", `<vcpu>2</vcpu><cputune><cachetune vcpus='0'/><cachetune vcpus='0'/></cputune>`), virterr.XMLError},
		{"monitor outside", doc("a", `<vcpu>4</vcpu><cputune><cachetune vcpus='0-1'><monitor level='3' vcpus='2'/></cachetune></cputune>`), virterr.InvalidArg},
		{"memorytune node twice", doc("a", `<cputune><memorytune vcpus='0'><node id='0' bandwidth='1'/><node id='0' bandwidth='2'/></memorytune></cputune>`), virterr.XMLError},
		{"sev without policy", doc("a", `<launchSecurity type='sev'/>`), virterr.XMLError},
		{"static label missing", doc("a", `<seclabel type='static' model='selinux'/>`), virterr.XMLError},
		{"malformed", []byte(`<domain type='qemu'><name>a</name>`), virterr.XMLDetail},
		{"unknown feature", doc("a", `<features><foo/></features>`), virterr.ConfigUnsupported},
		{"hyperv without state", doc("a", `<features><hyperv><relaxed/></hyperv></features>`), virterr.XMLError},
		{"few spinlock retries", doc("a", `<features><hyperv><spinlocks state='on' retries='100'/></hyperv></features>`), virterr.XMLError},
		{"bad gic", doc("a", `<features><gic version='none'/></features>`), virterr.XMLError},
		{"cpu feature twice", doc("a", `<cpu><model>a</model><feature name='x'/><feature name='x'/></cpu>`), virterr.XMLError},
		{"cpu features without model", doc("a", `<cpu><feature name='x'/></cpu>`), virterr.XMLError},
		{"topology without cores", doc("a", `<cpu><topology sockets='2'/></cpu>`), virterr.XMLError},
		{"numa cell gap", doc("a", `<cpu><numa><cell id='2' memory='1024'/></numa></cpu>`), virterr.XMLError},
		{"numa overlap", doc("a", `<vcpu>4</vcpu><cpu><numa><cell id='0' cpus='0-2' memory='1'/><cell id='1' cpus='2-3' memory='1'/></numa></cpu>`), virterr.ConfigUnsupported},
		{"numa link twice", doc("a", `<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0' memory='1'/><cell id='1' cpus='1' memory='1'/><interconnects><latency initiator='0' target='1' type='access' value='5'/><latency initiator='1' target='0' type='access' value='5'/></interconnects></numa></cpu>`), virterr.XMLError},
		{"pit track", doc("a", `<clock offset='utc'><timer name='pit' track='boot'/></clock>`), virterr.ConfigUnsupported},
		{"timezone missing", doc("a", `<clock offset='timezone'/>`), virterr.InternalError},
		{"bad adjustment", doc("a", `<clock offset='utc' adjustment='x'/>`), virterr.XMLError},
		{"two master hugepages", doc("a", `<memoryBacking><hugepages><page size='2048'/><page size='4'/></hugepages></memoryBacking>`), virterr.XMLDetail},
		{"bios date", doc("a", `<sysinfo type='smbios'><bios><entry name='date'>2011</entry></bios></sysinfo>`), virterr.XMLDetail},
		{"smbios uuid mismatch", doc("a", `<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><sysinfo type='smbios'><system><entry name='uuid'>a94b4335-6a14-8bc4-d6da-f7ea590b6816</entry></system></sysinfo>`), virterr.XMLDetail},
		{"cipher twice", doc("a", `<keywrap><cipher name='aes' state='on'/><cipher name='aes' state='off'/></keywrap>`), virterr.InternalError},
		{"stateless nvram", []byte(`<domain type='qemu'><name>a</name><memory>1024</memory><os><type>hvm</type><loader stateless='yes' type='pflash'>/x</loader><nvram>/n</nvram></os></domain>`), virterr.XMLDetail},
		{"no memory", []byte(`<domain type='qemu'><name>a</name><os><type>hvm</type></os></domain>`), virterr.XMLError},
		{"thread pool order", doc("a", `<defaultiothread thread_pool_min='5' thread_pool_max='1'/>`), virterr.ConfigUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := roundTrip(t, tc.in, 0, 0)
			if err == nil {
				t.Fatal("expected an error")
			}
			if c := virterr.CodeOf(err); c != tc.code {
				t.Errorf("code %v, want %v (%v)", c, tc.code, err)
			}
		})
	}
}

func TestCPUSet(t *testing.T) {
	for in, want := range map[string]string{
		"0-3,^2,8": "0-1,3,8",
		" 5 , 1-2": "1-2,5",
		"7":        "7",
	} {
		s, err := ParseCPUSet(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if s.String() != want {
			t.Errorf("%q: got %q want %q", in, s, want)
		}
	}
	for _, bad := range []string{"", "a", "3-1", "1,,2", "^1-2", "99999999"} {
		if _, err := ParseCPUSet(bad); err == nil {
			t.Errorf("%q: expected error", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	ins, _ := filepath.Glob("testdata/golden/*.xml")
	for _, in := range ins {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	f.Add(doc("a", "<vcpu current='1'>2</vcpu><vcpus><vcpu id='1' enabled='yes'/></vcpus>"))
	f.Add([]byte("<domain type='test'><name>x</name><memory>65536</memory><bootloader>/usr/bin/pygrub</bootloader></domain>"))
	f.Add(doc("a", "<clock offset='variable' adjustment='1.5'/><blkiotune><weight> 5 </weight></blkiotune>"+
		"<devices><memballoon model='virtio'><stats period='-5'/></memballoon></devices>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, 0)
		if err != nil {
			return
		}
		_ = d.PostParse(testPostParse)
		first := d.Format(FormatSecure)
		d2, err := Parse([]byte(first), 0)
		if err != nil {
			t.Fatalf("our output does not parse: %v\n%s", err, first)
		}
		_ = d2.PostParse(testPostParse)
		if second := d2.Format(FormatSecure); second != first {
			t.Fatalf("not a fixed point:\n%s\n---\n%s", first, second)
		}
	})
}

func BenchmarkParseFormat(b *testing.B) {
	data, err := os.ReadFile("testdata/golden/cputune.xml")
	if err != nil {
		b.Skip(err)
	}
	for i := 0; i < b.N; i++ {
		d, err := Parse(data, 0)
		if err != nil {
			b.Fatal(err)
		}
		_ = d.PostParse(testPostParse)
		_ = d.Format(FormatSecure)
	}
}

func TestFormatWithRootName(t *testing.T) {
	d, err := Parse([]byte("<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os></domain>"), ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(d.Format(FormatInactive), "<domain ", "<inactiveDomain ", 1)
	want = strings.Replace(want, "</domain>", "</inactiveDomain>", 1)
	if got := d.FormatWithRootName("inactiveDomain", FormatInactive); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCheckSchemaRefusesUnknownTopLevelElements(t *testing.T) {
	d, err := Parse([]byte("<domain type='test'><name>v1</name><memory>1024</memory><os><type>hvm</type></os><bogus/></domain>"), 0)
	if err != nil {
		t.Fatal(err)
	}
	err = d.CheckSchema()
	want := "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domain.rng\nElement domain has extra content: bogus\n"
	var e *virterr.Error
	if !errors.As(err, &e) || err.Error() != want || e.Domain != virterr.FromXML {
		t.Fatalf("got %#v", err)
	}
	ok, _ := Parse([]byte("<domain type='test'><name>v1</name><memory>1024</memory><os><type>hvm</type></os></domain>"), 0)
	if err := ok.CheckSchema(); err != nil {
		t.Fatal(err)
	}
}
