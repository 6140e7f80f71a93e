package domain

import (
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// parityDir names a directory of real libvirt's `virsh -c test:///default
// define X.xml; dumpxml --inactive NAME` output, one NAME.out per
// qemuxml2argvdata/NAME.xml. The measure is how many of those domains we
// write byte for byte, everything outside <devices> compared.
var (
	parityDir = flag.String("parity", "", "directory of real libvirt dumpxml --inactive outputs for qemuxml2argvdata")
	paritySrc = flag.String("parity-src", "", "directory of the inputs (default: the corpus's qemuxml2argvdata)")
)

// testDriverPostParse is the test driver's idea of a default arch.
var testDriverPostParse = PostParseOptions{DefaultArch: func(osType, virtType string) string {
	if osType == "hvm" {
		return "i686"
	}
	return ""
}}

func stripDevices(s string) string {
	i := strings.Index(s, "\n  <devices>\n")
	j := strings.Index(s, "\n  </devices>\n")
	if i < 0 || j < i {
		return s
	}
	return s[:i] + s[j+len("\n  </devices>"):]
}

// firstDiffElement names the top-level element where two documents part.
func firstDiffElement(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	top := ""
	for i := 0; i < len(wl) && i < len(gl); i++ {
		if strings.HasPrefix(wl[i], "  <") && !strings.HasPrefix(wl[i], "  </") {
			top = strings.Fields(strings.TrimPrefix(wl[i], "  <"))[0]
			top = strings.TrimRight(top, ">/")
		}
		if wl[i] != gl[i] {
			return top
		}
	}
	return "(length)"
}

func TestParity(t *testing.T) {
	if *parityDir == "" {
		t.Skip("no -parity directory")
	}
	corpus := filepath.Join("..", "..", "..", "..", "shared", "libvirt-tests", "qemuxml2argvdata")
	if *paritySrc != "" {
		corpus = *paritySrc
	}
	outs, _ := filepath.Glob(filepath.Join(*parityDir, "*.out"))
	total, same := 0, 0
	causes := map[string][]string{}
	for _, o := range outs {
		want, err := os.ReadFile(o)
		if err != nil || !strings.HasPrefix(string(want), "<domain") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(o), ".out")
		in, err := os.ReadFile(filepath.Join(corpus, name+".xml"))
		if err != nil {
			continue
		}
		total++
		got, err := roundTripWith(in, testDriverPostParse)
		if err != nil {
			causes["(error)"] = append(causes["(error)"], name+": "+err.Error())
			continue
		}
		w, g := stripDevices(string(want)), stripDevices(got)
		if w == g {
			same++
			continue
		}
		e := firstDiffElement(w, g)
		causes[e] = append(causes[e], name)
		if os.Getenv("PARITY_SHOW") == name {
			t.Logf("want:\n%s\ngot:\n%s", w, g)
		}
	}
	keys := make([]string, 0, len(causes))
	for k := range causes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(causes[keys[i]]) > len(causes[keys[j]]) })
	for _, k := range keys {
		v := causes[k]
		t.Logf("%-16s %3d  e.g. %s", k, len(v), strings.Join(v[:min(len(v), 4)], " "))
	}
	t.Logf("PARITY %d/%d", same, total)
}

func roundTripWith(in []byte, opts PostParseOptions) (string, error) {
	d, err := Parse(in, ParseInactive)
	if err != nil {
		return "", err
	}
	if err := d.PostParse(opts); err != nil {
		return "", err
	}
	return d.Format(FormatInactive | FormatSecure), nil
}

// TestParityFile writes our define+dumpxml --inactive of $PARITY_FILE to
// $PARITY_OUT, for comparing one hand-made input with real libvirt.
func TestParityFile(t *testing.T) {
	in, out := os.Getenv("PARITY_FILE"), os.Getenv("PARITY_OUT")
	if in == "" || out == "" {
		t.Skip("PARITY_FILE/PARITY_OUT not set")
	}
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := roundTripWith(data, testDriverPostParse)
	if err == nil {
		d, _ := Parse(data, ParseInactive)
		if d != nil {
			_ = d.PostParse(testDriverPostParse)
			if verr := d.Validate(); verr != nil {
				got = "error: " + verr.Error() + "\n"
			}
		}
	} else {
		got = "error: " + err.Error() + "\n"
	}
	if err := os.WriteFile(out, []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
}
