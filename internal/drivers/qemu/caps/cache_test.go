package caps

import (
	"context"

	"github.com/govirt/govirt/internal/qmp"
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

// corpusReplay probes one recorded caps_<ver>.<arch>.replies the way
// libvirt's qemucapabilitiestest.c does and formats the result.
func corpusReplay(t testing.TB, repliesPath string) string {
	t.Helper()
	base := strings.TrimSuffix(filepath.Base(repliesPath), ".replies")
	parts := strings.SplitN(strings.TrimPrefix(base, "caps_"), ".", 4)
	version := strings.Join(parts[:3], ".")
	arch := parts[3]
	ex, err := qmp.LoadReplies(repliesPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ProbeReplay(context.Background(), ex, "/usr/bin/qemu-system-"+arch)
	if err != nil {
		t.Fatal(err)
	}
	if c.HaveAccel() && c.Has(TCG) {
		c.MicrocodeVersion = TestMicrocodeVersion(arch, version)
	}
	return c.Format()
}

func TestProbeReplayCorpus(t *testing.T) {
	for _, f := range corpusCaps(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := corpusReplay(t, strings.TrimSuffix(f, ".xml")+".replies")
			if got != string(want) {
				t.Errorf("probe differs:\n%s", firstDiff(string(want), got))
			}
		})
	}
}
