package domain

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
)

const corpusDir = "../../../../shared/libvirt-tests"

// formatDevicesOf parses a whole domain document and returns its
// <devices> section as this package prints it, after the defaults.
func formatDevicesOf(t testing.TB, data []byte, defaults bool) (string, error) {
	root, err := xmltree.ParseRoot(data, "(domain_definition)", "domain")
	if err != nil {
		return "", err
	}
	devs, err := parseDevices(root.Child("devices"), ParseInactive)
	if err != nil {
		return "", err
	}
	if defaults {
		ctx := DeviceContext{OSType: strings.TrimSpace(textOf(root.Find("os/type")))}
		if ty := root.Find("os/type"); ty != nil {
			ctx.Arch = ty.Prop("arch")
		}
		if err := devs.PostParse(ctx); err != nil {
			return "", err
		}
	}
	b := xmlbuf.New()
	b.AdjustIndent(2)
	devs.format(b, FormatInactive|FormatSecure)
	return b.String(), nil
}

var asTestDomain = regexp.MustCompile(`(<domain[^>]*?\btype=)(["'])[a-z]+["']`)

var devicesSection = regexp.MustCompile(`(?s)\n(  <devices>\n.*?  </devices>\n)`)

func sectionOf(s string) string {
	m := devicesSection.FindStringSubmatch(s)
	if m == nil {
		if strings.Contains(s, "<devices/>") {
			return "  <devices/>\n"
		}
		return ""
	}
	return m[1]
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "want " + strings.TrimSpace(w) + "\n     got  " + strings.TrimSpace(g)
		}
	}
	return ""
}

// TestCorpusDevicesFixedPoint: over every qemuxml2argvdata input, printing
// the parsed devices and parsing that again prints the same.
func TestCorpusDevicesFixedPoint(t *testing.T) {
	dir := filepath.Join(corpusDir, "qemuxml2argvdata")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) == 0 {
		t.Skip("corpus absent")
	}
	fail := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		out1, err := formatDevicesOf(t, data, true)
		if err != nil {
			continue
		}
		root, _ := xmltree.ParseRoot(data, "", "domain")
		ty := root.Find("os/type")
		if ty == nil {
			ty = newNode("type")
		}
		doc := "<domain type='kvm'><os>" + ty.String() + "</os>" + out1 + "</domain>"
		out2, err := formatDevicesOf(t, []byte(doc), true)
		if err != nil {
			t.Errorf("%s: reparse: %v", filepath.Base(f), err)
			fail++
			continue
		}
		if out1 != out2 {
			// libvirt itself is not always a fixed point: implicit
			// controllers are appended, and sorted when read back.
			fail++
			t.Logf("%s: not a fixed point:\n     %s", filepath.Base(f), firstDiff(out1, out2))
		}
	}
	t.Logf("fixed point: %d/%d", len(files)-fail, len(files))
	if fail*50 > len(files) {
		t.Errorf("fixed point below 98%%: %d/%d", len(files)-fail, len(files))
	}
}

// TestOracleDevices compares with what libvirt's own test driver printed
// for each input (a directory of NAME.out files named by
// GOVIRT_DEVICE_ORACLE, made with virsh define + dumpxml --inactive).
func TestOracleDevices(t *testing.T) {
	oracle := os.Getenv("GOVIRT_DEVICE_ORACLE")
	if oracle == "" {
		t.Skip("GOVIRT_DEVICE_ORACLE not set")
	}
	outs, _ := filepath.Glob(filepath.Join(oracle, "*.out"))
	testnet := regexp.MustCompile(`(?m)^ *<target dev='testnet\d+'/>\n`)
	pass, total := 0, 0
	reasons := map[string]int{}
	var names []string
	for _, o := range outs {
		want, _ := os.ReadFile(o)
		if len(want) == 0 {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(o), ".out")
		in, err := os.ReadFile(filepath.Join(corpusDir, "qemuxml2argvdata", name+".xml"))
		if err != nil {
			continue
		}
		// the oracle ran the inputs on the test driver
		in = asTestDomain.ReplaceAll(in, []byte("${1}${2}test${2}"))
		total++
		w := testnet.ReplaceAllString(sectionOf(string(want)), "")
		got, err := formatDevicesOf(t, in, true)
		if err != nil {
			reasons["error: "+err.Error()]++
			names = append(names, name+": "+err.Error())
			continue
		}
		if !strings.Contains(w, "<emulator>") {
			got = regexp.MustCompile(`(?m)^ *<emulator>.*\n`).ReplaceAllString(got, "")
		}
		if dir := os.Getenv("GOVIRT_DEVICE_GOT"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, name+".want"), []byte(w), 0o644)
			_ = os.WriteFile(filepath.Join(dir, name+".got"), []byte(got), 0o644)
		}
		if w == got {
			pass++
			continue
		}
		d := firstDiff(w, got)
		reasons[d]++
		names = append(names, name+": "+d)
	}
	t.Logf("oracle devices: %d/%d", pass, total)
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range reasons {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
	for i, x := range l {
		if i > 40 {
			break
		}
		t.Logf("%3d  %s", x.v, x.k)
	}
	if os.Getenv("V") != "" {
		for _, n := range names {
			t.Log(n)
		}
	}
}
