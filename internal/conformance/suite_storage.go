package conformance

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/storage"
)

// storagepoolxml2xmlin and storagevolxml2xmlin follow libvirt's
// tests/storagepoolxml2xmltest.c and tests/storagevolxml2xmltest.c: parse,
// format, compare with the file of the same name in the out directory. An
// input without an out file belongs to another test program (the
// xml2argv ones) and is not a case here.
func init() {
	register(Suite{Name: "storagepoolxml2xmlin", Run: func(corpus string) ([]Result, error) {
		return storageXML2XML(corpus, "storagepoolxml2xmlin", "storagepoolxml2xmlout", nil, func(name string, in []byte) ([]byte, error) {
			p, err := parseStoragePool(in)
			if err != nil {
				return nil, err
			}
			return []byte(p.Format()), nil
		})
	}})
	register(Suite{Name: "storagevolxml2xmlin", Run: func(corpus string) ([]Result, error) {
		return storageXML2XML(corpus, "storagevolxml2xmlin", "storagevolxml2xmlout", isVolumeCase, func(name string, in []byte) ([]byte, error) {
			c := volumeCases[strings.TrimSuffix(name, ".xml")]
			poolXML, err := os.ReadFile(filepath.Join(corpus, "storagepoolxml2xmlin", c.pool+".xml"))
			if err != nil {
				return nil, err
			}
			pool, err := parseStoragePool(poolXML)
			if err != nil {
				return nil, err
			}
			v, err := storage.ParseVolume(in, pool, c.flags)
			if err != nil {
				return nil, err
			}
			v.SetDefaults()
			if err := v.Validate(); err != nil {
				return nil, err
			}
			return []byte(v.Format()), nil
		})
	}})
	register(Suite{Name: "storagepoolcapsschemadata", Run: runPoolCapabilities})
}

// runPoolCapabilities follows tests/storagepoolcapstest.c: "full" has a
// backend for every pool type, "fs" only the fs backend.
func runPoolCapabilities(corpus string) ([]Result, error) {
	cases := []struct {
		name      string
		supported func(string) bool
	}{
		{"poolcaps-full.xml", func(string) bool { return true }},
		{"poolcaps-fs.xml", func(t string) bool { return t == storage.PoolFS }},
	}
	if _, err := os.Stat(filepath.Join(corpus, "storagepoolcapsschemadata")); err != nil {
		return nil, err
	}
	var res []Result
	for _, c := range cases {
		c := c
		want, err := os.ReadFile(filepath.Join(corpus, "storagepoolcapsschemadata", c.name))
		if err != nil {
			continue
		}
		res = append(res, Check(c.name, func() error {
			return Diff(string(want), storage.FormatPoolCapabilities(c.supported))
		}))
	}
	return res, nil
}

// parseStoragePool is what virStoragePoolDefParseString does: parse,
// derive defaults, check.
func parseStoragePool(in []byte) (*storage.PoolDef, error) {
	p, err := storage.ParsePool(in)
	if err != nil {
		return nil, err
	}
	p.SetDefaults()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// volumeCases is storagevolxml2xmltest.c's table: each volume case with
// the pool (from storagepoolxml2xmlin) it is parsed against and the parse
// flags. Other files in storagevolxml2xmlin serve the xml2argv tests.
var volumeCases = map[string]struct {
	pool  string
	flags storage.VolParseFlags
}{
	"vol-file":                {pool: "pool-dir"},
	"vol-file-naming":         {pool: "pool-dir"},
	"vol-file-backing":        {pool: "pool-dir"},
	"vol-file-iso":            {pool: "pool-dir"},
	"vol-qcow2":               {pool: "pool-dir"},
	"vol-qcow2-1.1":           {pool: "pool-dir"},
	"vol-qcow2-lazy":          {pool: "pool-dir"},
	"vol-qcow2-0.10-lazy":     {pool: "pool-dir"},
	"vol-qcow2-nobacking":     {pool: "pool-dir"},
	"vol-qcow2-encryption":    {pool: "pool-dir"},
	"vol-qcow2-luks":          {pool: "pool-dir"},
	"vol-qcow2-clusterSize":   {pool: "pool-dir"},
	"vol-luks":                {pool: "pool-dir"},
	"vol-luks-cipher":         {pool: "pool-dir"},
	"vol-partition":           {pool: "pool-disk"},
	"vol-logical":             {pool: "pool-logical"},
	"vol-logical-backing":     {pool: "pool-logical"},
	"vol-gluster-dir":         {pool: "pool-gluster"},
	"vol-gluster-dir-neg-uid": {pool: "pool-gluster"},
	"vol-qcow2-nocapacity":    {pool: "pool-dir", flags: storage.VolParseNoCapacity},
}

func storageXML2XML(corpus, inDir, outDir string, isCase func(name string) bool, roundTrip func(name string, in []byte) ([]byte, error)) ([]Result, error) {
	names, err := Inputs(corpus, inDir, ".xml")
	if err != nil {
		return nil, err
	}
	var res []Result
	for _, n := range names {
		n := n
		if isCase != nil && !isCase(n) {
			continue
		}
		want, err := os.ReadFile(filepath.Join(corpus, outDir, n))
		if err != nil {
			continue
		}
		res = append(res, Check(n, func() error {
			in, err := os.ReadFile(filepath.Join(corpus, inDir, n))
			if err != nil {
				return err
			}
			got, err := roundTrip(n, in)
			if err != nil {
				return err
			}
			return Diff(string(want), string(got))
		}))
	}
	return res, nil
}

func isVolumeCase(name string) bool {
	_, ok := volumeCases[strings.TrimSuffix(name, ".xml")]
	return ok
}
