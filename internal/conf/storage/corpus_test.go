package storage

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir is libvirt's test corpus beside the repository; a fresh clone
// has none, and these tests skip.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "..", "shared", "libvirt-tests")
	if env := os.Getenv("GOVIRT_CORPUS"); env != "" {
		dir = env
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("libvirt test corpus not found at %s", dir)
	}
	return dir
}

// TestSchemaDataParses checks that the corpus's schema examples parse
// (they may fail Validate: some are deliberately invalid).
func TestSchemaDataParses(t *testing.T) {
	corpus := corpusDir(t)
	for _, dir := range []string{"storagepoolschemadata", "storagepoolxml2xmlin"} {
		files, _ := filepath.Glob(filepath.Join(corpus, dir, "*.xml"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			if _, err := ParsePool(data); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	pool := &PoolDef{Type: PoolDir}
	for _, dir := range []string{"storagevolschemadata", "storagevolxml2xmlin"} {
		files, _ := filepath.Glob(filepath.Join(corpus, dir, "*.xml"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			if _, err := ParseVolume(data, pool, VolParseNoCapacity); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
}

// TestOutputMatchesSchema formats every corpus pool and volume and checks
// the result against libvirt's RelaxNG schemas with xmllint.
func TestOutputMatchesSchema(t *testing.T) {
	corpus := corpusDir(t)
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed")
	}
	tmp := t.TempDir()
	check := func(schema, name, xml string) {
		path := filepath.Join(tmp, name)
		if err := os.WriteFile(path, []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("xmllint", "--noout", "--relaxng", filepath.Join(corpus, "schemas", schema), path).CombinedOutput()
		if err != nil {
			t.Errorf("%s does not validate: %s\n%s", name, strings.TrimSpace(string(out)), xml)
		}
	}
	pools, _ := filepath.Glob(filepath.Join(corpus, "storagepoolxml2xmlin", "*.xml"))
	for _, f := range pools {
		data, _ := os.ReadFile(f)
		p, err := ParsePool(data)
		if err != nil {
			continue
		}
		p.SetDefaults()
		if p.Validate() != nil {
			continue
		}
		check("storagepool.rng", "pool-"+filepath.Base(f), p.Format())
	}
	dir := &PoolDef{Type: PoolDir}
	vols, _ := filepath.Glob(filepath.Join(corpus, "storagevolxml2xmlin", "*.xml"))
	for _, f := range vols {
		data, _ := os.ReadFile(f)
		v, err := ParseVolume(data, dir, VolParseNoCapacity)
		if err != nil {
			continue
		}
		v.SetDefaults()
		if v.Validate() != nil {
			continue
		}
		check("storagevol.rng", "vol-"+filepath.Base(f), v.Format())
	}
}

// TestPoolCapabilities compares with libvirt's storagepoolcapstest.c
// expectations: every backend, and the fs backend alone.
func TestPoolCapabilities(t *testing.T) {
	corpus := corpusDir(t)
	for file, supported := range map[string]func(string) bool{
		"poolcaps-full.xml": func(string) bool { return true },
		"poolcaps-fs.xml":   func(t string) bool { return t == PoolFS },
	} {
		want, err := os.ReadFile(filepath.Join(corpus, "storagepoolcapsschemadata", file))
		if err != nil {
			t.Skip(err)
		}
		if got := FormatPoolCapabilities(supported); got != string(want) {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", file, got, want)
		}
	}
}
