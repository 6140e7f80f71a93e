package caps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpusDir = "../../../../../shared/libvirt-tests/qemucapabilitiesdata"

// corpusCaps lists libvirt's recorded caps_<ver>.<arch>.xml files, or
// skips when the reference corpus is absent.
func corpusCaps(t testing.TB) []string {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "caps_*.xml"))
	if len(files) == 0 {
		t.Skip("libvirt's qemucapabilitiesdata not available")
	}
	return files
}

func TestCacheRoundTripCorpus(t *testing.T) {
	for _, f := range corpusCaps(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Format(); got != string(data) {
				t.Errorf("round trip differs:\n%s", firstDiff(string(data), got))
			}
		})
	}
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
			return "line " + itoa(uint(i+1)) + ":\n-" + w + "\n+" + g
		}
	}
	return ""
}
