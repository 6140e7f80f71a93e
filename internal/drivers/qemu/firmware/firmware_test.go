package firmware

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/virt/virterr"
)

func testDirs(user bool) Dirs {
	d := Dirs{
		System: filepath.Join("testdata", "usr", "qemu", "firmware"),
		Etc:    filepath.Join("testdata", "etc", "qemu", "firmware"),
	}
	if user {
		d.User = filepath.Join("testdata", "home", "qemu", "firmware")
	}
	return d
}

func TestPathsPrecedence(t *testing.T) {
	paths, err := testDirs(true).Paths()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range paths {
		got = append(got, filepath.ToSlash(p))
	}
	want := []string{
		"testdata/usr/qemu/firmware/30-seabios.json",
		"testdata/usr/qemu/firmware/40-uefi-secure.json",
		"testdata/usr/qemu/firmware/45-uefi-stateless.json",
		// the administrator's copy replaces QEMU's
		"testdata/etc/qemu/firmware/50-uefi.json",
		// 60-masked.json is hidden by an empty file in etc
		"testdata/home/qemu/firmware/70-aavmf.json",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("paths:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A privileged daemon does not read the user's directory; missing
	// directories are no error.
	paths, err = Dirs{System: "testdata/nowhere", Etc: testDirs(false).Etc}.Paths()
	if err != nil || len(paths) != 1 {
		t.Fatalf("paths %v, %v", paths, err)
	}
}

func TestParse(t *testing.T) {
	fws, err := testDirs(true).Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(fws) != 5 {
		t.Fatalf("%d descriptors", len(fws))
	}
	bios := fws[0]
	if bios.Device != "memory" || bios.Filename != "/fw/bios.bin" || bios.Targets[0].Arch != "i686" {
		t.Errorf("seabios: %+v", bios)
	}
	sec := fws[1]
	if sec.Mode != ModeSplit || sec.NVRAMTemplate.Filename != "/fw/VARS.secboot.fd" {
		t.Errorf("secure: %+v", sec)
	}
	if sec.HasFeature("some-future-feature") || !sec.HasFeature("requires-smm") {
		t.Errorf("features %v", sec.Features)
	}
	if fws[2].Mode != ModeStateless || fws[2].NVRAMTemplate.Filename != "" {
		t.Errorf("stateless: %+v", fws[2])
	}
	if !sec.MatchesMachine("pc-q35-8.0", "x86_64") || sec.MatchesMachine("pc-i440fx-8.0", "x86_64") || sec.MatchesMachine("pc-q35-8.0", "i686") {
		t.Error("machine matching")
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ doc, msg string }{
		{`{`, "unable to parse json file 'x.json'"},
		{`{}`, "failed to get interface-types from 'x.json'"},
		{`{"interface-types":["dos"]}`, "unknown interface type: 'dos'"},
		{`{"interface-types":["uefi"]}`, "missing mapping in 'x.json'"},
		{`{"interface-types":["uefi"],"mapping":{}}`, "missing device type in 'x.json'"},
		{`{"interface-types":["uefi"],"mapping":{"device":"tape"}}`, "unknown device type in 'x.json'"},
		{`{"interface-types":["uefi"],"mapping":{"device":"flash","mode":"odd"}}`, "Firmware flash mode value 'odd' unexpected"},
		{`{"interface-types":["uefi"],"mapping":{"device":"flash","mode":1}}`, "Firmware flash mode value was malformed"},
		{`{"interface-types":["uefi"],"mapping":{"device":"flash"}}`, "missing 'executable' in 'x.json'"},
		{`{"interface-types":["uefi"],"mapping":{"device":"flash","executable":{"filename":"a"}}}`, "missing 'format' in 'x.json'"},
		{`{"interface-types":["uefi"],"mapping":{"device":"flash","executable":{"filename":"a","format":"raw"}}}`, "missing 'nvram-template' in 'x.json'"},
		{`{"interface-types":["bios"],"mapping":{"device":"memory","filename":"a"}}`, "failed to get targets from 'x.json'"},
		{`{"interface-types":["bios"],"mapping":{"device":"memory","filename":"a"},"targets":[{"architecture":"vax","machines":[]}]}`, "unknown architecture 'vax'"},
		{`{"interface-types":["bios"],"mapping":{"device":"memory","filename":"a"},"targets":[{"architecture":"x86_64"}]}`, "missing 'machines' in 'x.json'"},
		{`{"interface-types":["bios"],"mapping":{"device":"memory","filename":"a"},"targets":[]}`, "failed to get features from 'x.json'"},
	} {
		_, err := Parse("x.json", []byte(c.doc))
		var ve *virterr.Error
		if !errors.As(err, &ve) || ve.Code != virterr.InternalError || ve.Message != "internal error: "+c.msg {
			t.Errorf("%s: got %v, want %q", c.doc, err, c.msg)
		}
	}
}

func parseDomain(t *testing.T, osXML, extra string) *domain.Def {
	t.Helper()
	doc := `<domain type='kvm'><name>guest</name><memory>1024</memory>` + osXML + extra + `</domain>`
	def, err := domain.Parse([]byte(doc), domain.ParseInactive)
	if err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	return def
}

func TestFillDomain(t *testing.T) {
	const q35 = `<type arch='x86_64' machine='pc-q35-8.0'>hvm</type>`
	const i440 = `<type arch='x86_64' machine='pc-i440fx-8.0'>hvm</type>`
	opts := Options{NVRAMDir: "/nvram", StartNew: true}
	for _, c := range []struct {
		name, os, extra string
		// loader type:path:secure, nvram path:template, smm state
		loader, nvram, smm string
		err                string
	}{
		{name: "efi picks the first uefi", os: `<os firmware='efi'>` + q35 + `</os>`,
			loader: "pflash:/fw/CODE.secboot.fd:yes", nvram: "/nvram/guest_VARS.fd:/fw/VARS.secboot.fd", smm: "on"},
		{name: "efi without secure boot", os: `<os firmware='efi'>` + q35 + `<firmware><feature enabled='no' name='secure-boot'/></firmware></os>`,
			loader: "pflash:/etc-fw/CODE.fd:", nvram: "/nvram/guest_VARS.fd:/etc-fw/VARS.fd"},
		{name: "stateless efi", os: `<os firmware='efi'>` + q35 + `<loader stateless='yes'/></os>`,
			loader: "pflash:/fw/OVMF.sev.fd:"},
		{name: "efi on i440fx skips q35-only firmware", os: `<os firmware='efi'>` + i440 + `</os>`,
			loader: "pflash:/etc-fw/CODE.fd:", nvram: "/nvram/guest_VARS.fd:/etc-fw/VARS.fd"},
		{name: "configured nvram kept", os: `<os firmware='efi'>` + q35 + `<nvram>/my/VARS.fd</nvram></os>`,
			loader: "pflash:/fw/CODE.secboot.fd:yes", nvram: "/my/VARS.fd:/fw/VARS.secboot.fd", smm: "on"},
		{name: "bios", os: `<os firmware='bios'>` + q35 + `</os>`, loader: "rom:/fw/bios.bin:"},
		{name: "S4 needs a firmware supporting it", os: `<os firmware='efi'>` + q35 + `</os>`, extra: `<pm><suspend-to-disk enabled='yes'/></pm>`,
			err: "operation failed: Unable to find any firmware to satisfy 'efi'"},
		{name: "SEV-ES policy", os: `<os firmware='efi'>` + q35 + `<loader stateless='yes'/></os>`,
			extra:  `<launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits><policy>0x0007</policy></launchSecurity>`,
			loader: "pflash:/fw/OVMF.sev.fd:"},
		{name: "SMM off refused", os: `<os firmware='efi'>` + q35 + `<loader secure='yes'/></os>`, extra: `<features><smm state='off'/></features>`,
			err: "Requested operation is not valid: domain has SMM turned off but chosen firmware requires it"},
		{name: "old-style loader gets its template", os: `<os>` + q35 + `<loader readonly='yes' type='pflash'>/etc-fw/CODE.fd</loader></os>`,
			loader: "pflash:/etc-fw/CODE.fd:", nvram: "/nvram/guest_VARS.fd:/etc-fw/VARS.fd"},
		{name: "unknown old-style loader left alone", os: `<os>` + q35 + `<loader readonly='yes' type='pflash'>/other/CODE.fd</loader></os>`,
			loader: "pflash:/other/CODE.fd:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			def := parseDomain(t, c.os, c.extra)
			err := FillDomain(def, testDirs(false), opts)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("got %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if def.OS.Firmware != "" {
				t.Errorf("firmware %q left", def.OS.Firmware)
			}
			l := def.OS.Loader
			if got := l.Type + ":" + l.Path + ":" + l.Secure; got != c.loader {
				t.Errorf("loader %q, want %q", got, c.loader)
			}
			nv := ""
			if def.OS.NVRAM != nil {
				nv = def.OS.NVRAM.Path + ":" + def.OS.NVRAM.Template
			}
			if nv != c.nvram {
				t.Errorf("nvram %q, want %q", nv, c.nvram)
			}
			smm := ""
			if def.Features != nil && def.Features.SMM != nil {
				smm = def.Features.SMM.State
			}
			if smm != c.smm {
				t.Errorf("smm %q, want %q", smm, c.smm)
			}
		})
	}
}

func TestFillDomainIncoming(t *testing.T) {
	def := parseDomain(t, `<os firmware='efi'><type arch='x86_64' machine='pc-q35-8.0'>hvm</type></os>`, "")
	if err := FillDomain(def, testDirs(false), Options{NVRAMDir: "/nvram"}); err != nil {
		t.Fatal(err)
	}
	if def.OS.Firmware != "efi" || def.OS.Loader != nil {
		t.Fatal("an incoming guest keeps its firmware choice")
	}
}

func FuzzParse(f *testing.F) {
	for _, dir := range []string{"usr", "etc", "home"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "qemu", "firmware", "*.json"))
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err == nil {
				f.Add(data)
			}
		}
	}
	def, err := domain.Parse([]byte(`<domain type='kvm'><name>g</name><memory>1024</memory><os firmware='efi'><type arch='x86_64' machine='pc-q35-8.0'>hvm</type></os></domain>`), domain.ParseInactive)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fw, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		_ = Matches(def, fw)
	})
}
