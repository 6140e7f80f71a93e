package library

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
)

func TestLibraryParsesAndResolves(t *testing.T) {
	defs, err := Defs()
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != len(Names()) || len(defs) < 20 {
		t.Fatalf("got %d filters for %d files", len(defs), len(Names()))
	}
	for name, def := range defs {
		if err := def.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := gentech.CheckLoops(defs, def); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, e := range def.Entries {
			if e.Ref != nil {
				if _, ok := defs[e.Ref.Filter]; !ok {
					t.Errorf("%s refers to unknown filter %s", name, e.Ref.Filter)
				}
			}
		}
	}
}

// The standard filters mean what libvirt's do: parsed, they format the
// same as libvirt's own files (when the reference set is at hand).
func TestLibraryMatchesReference(t *testing.T) {
	ref := filepath.Join("..", "..", "..", "..", "..", "shared", "reference", "libvirt-9.0.0-nwfilter-library")
	if _, err := os.Stat(ref); err != nil {
		t.Skip("reference filters not available")
	}
	defs, err := Defs()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		data, err := os.ReadFile(filepath.Join(ref, name+".xml"))
		if err != nil {
			t.Errorf("%s: no reference filter", name)
			continue
		}
		want, err := nwfilter.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		want.UUID = defs[name].UUID
		if got := defs[name].Format(); got != want.Format() {
			t.Errorf("%s differs from libvirt's:\n%s\nwant:\n%s", name, got, want.Format())
		}
	}
}

func TestCleanTrafficNeedsIP(t *testing.T) {
	defs, err := Defs()
	if err != nil {
		t.Fatal(err)
	}
	missing, err := gentech.MissingVars(defs, defs["clean-traffic"], nwfilter.Params{"MAC": {"52:54:00:00:00:01"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0] != "IP" {
		t.Fatalf("missing = %v, want [IP]", missing)
	}
}
