// Package golden is the tests' golden-file check: output compared with a
// file in testdata, and the one -update flag that rewrites the files so a
// reviewer reads the change as a diff.
package golden

import (
	"flag"
	"os"
	"testing"
)

// Update is -update: rewrite the golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Check compares got with the file at path, or with -update writes it.
func Check(t testing.TB, path, got string) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n--- want\n%s--- got\n%s", path, want, got)
	}
}
