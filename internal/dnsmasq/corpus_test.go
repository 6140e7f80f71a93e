package dnsmasq

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/network"
)

const corpusDir = "../../../shared/libvirt-tests/networkxml2confdata"

// TestCorpus runs libvirt's networkxml2confdata cases when the corpus is
// beside the repository (the conformance command reports the same).
func TestCorpus(t *testing.T) {
	names, err := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	if err != nil || len(names) == 0 {
		t.Skip("libvirt test corpus not present")
	}
	for _, in := range names {
		base := strings.TrimSuffix(in, ".xml")
		want, err := os.ReadFile(base + ".conf")
		if err != nil {
			continue
		}
		t.Run(filepath.Base(base), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			def, err := network.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Contents(def, "", Paths{StateDir: "/var/lib/libvirt/dnsmasq", Name: def.Name}, DefaultCaps())
			if err != nil {
				t.Fatal(err)
			}
			if f.Conf != string(want) {
				t.Errorf("conf:\n--- want\n%s--- got\n%s", want, f.Conf)
			}
			wantHosts, herr := os.ReadFile(base + ".hostsfile")
			got, ok := f.HostsfileText()
			if ok != (herr == nil) {
				t.Fatalf("hosts file generated %v, expected %v", ok, herr == nil)
			}
			if ok && got != string(wantHosts) {
				t.Errorf("hostsfile:\n--- want\n%s--- got\n%s", wantHosts, got)
			}
		})
	}
}
