package conformance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/backup"
	"github.com/govirt/govirt/internal/conf/checkpoint"
	"github.com/govirt/govirt/internal/conf/snapshot"
)

// The snapshot, checkpoint and backup suites follow libvirt's
// qemudomainsnapshotxml2xmltest.c, qemudomaincheckpointxml2xmltest.c and
// the backup part of genericxml2xmltest.c: each case names its input and
// expected files, the domain UUID or creation time the test program
// supplies, and the flags it parses and formats with. Files the tables do
// not name (libvirt added them later, or they are held back) get the
// default treatment of their directory; "*-invalid" inputs without an
// expected output are schema-invalid documents that must be rejected.

func init() {
	register(Suite{Name: "qemudomainsnapshotxml2xmlin", Run: runSnapshotSuite})
	register(Suite{Name: "qemudomaincheckpointxml2xmlin", Run: runCheckpointSuite})
	register(Suite{Name: "domainbackupxml2xmlin", Run: runBackupSuite})
}

type momentCase struct {
	name    string
	inDir   string
	outDir  string
	uuid    string
	time    int64
	flags   int
	invalid bool
}

const (
	momentInternal = 1 << iota
	momentRedefine
	momentRunning
	momentParent
	momentVdaBitmap
	momentSize
)

const (
	snapIn  = "qemudomainsnapshotxml2xmlin"
	snapOut = "qemudomainsnapshotxml2xmlout"
	chkIn   = "qemudomaincheckpointxml2xmlin"
	chkOut  = "qemudomaincheckpointxml2xmlout"
	bakIn   = "domainbackupxml2xmlin"
	bakOut  = "domainbackupxml2xmlout"
)

const (
	uuidA = "9d37b878-a7cc-9f9a-b78f-49b3abad25a8"
	uuidB = "c7a5fdbd-edaf-9455-926a-d65c16db1809"
)

var snapshotCases = []momentCase{
	{name: "all_parameters", inDir: snapOut, outDir: snapOut, uuid: uuidA, flags: momentInternal | momentRedefine},
	{name: "disk_snapshot_redefine", inDir: snapOut, outDir: snapOut, uuid: uuidB, flags: momentInternal | momentRedefine},
	{name: "full_domain", inDir: snapOut, outDir: snapOut, uuid: uuidB, flags: momentInternal | momentRedefine},
	{name: "noparent_nodescription_noactive", inDir: snapOut, outDir: snapOut, flags: momentRedefine},
	{name: "noparent_nodescription", inDir: snapOut, outDir: snapOut, flags: momentInternal | momentRedefine},
	{name: "noparent", inDir: snapOut, outDir: snapOut, uuid: uuidA, flags: momentRedefine},
	{name: "metadata", inDir: snapOut, outDir: snapOut, uuid: uuidB, flags: momentRedefine},
	{name: "external_vm_redefine", inDir: snapOut, outDir: snapOut, uuid: uuidB, flags: momentRedefine},
	{name: "memory-snapshot-inactivedomain", inDir: snapOut, outDir: snapOut, uuid: "14beef2c-8cae-4ea8-bf55-e48fe0cd4b73", flags: momentRedefine},
	{name: "empty", inDir: snapIn, outDir: snapOut, uuid: uuidA, time: 1386166249},
	{name: "noparent", inDir: snapIn, outDir: snapOut, uuid: uuidA, time: 1272917631, flags: momentRunning},
	{name: "external_vm", inDir: snapIn, outDir: snapOut, time: 1555419243},
	{name: "disk_snapshot", inDir: snapIn, outDir: snapOut, time: 1555419243},
	{name: "disk_driver_name_null", inDir: snapIn, outDir: snapOut, time: 1555419243},
	{name: "disk-seclabel", inDir: snapIn, outDir: snapOut, uuid: uuidA, time: 581484660},
	{name: "name_and_description", inDir: snapIn, outDir: snapIn},
	{name: "description_only", inDir: snapIn, outDir: snapIn},
	{name: "name_only", inDir: snapIn, outDir: snapIn},
	{name: "qcow2-metadata-cache", inDir: snapIn, outDir: snapOut, uuid: uuidA, time: 1386166249},
}

var checkpointCases = []momentCase{
	{name: "redefine", inDir: chkOut, outDir: chkOut, flags: momentRedefine},
	{name: "empty", inDir: chkIn, outDir: chkOut, time: 1525889631, flags: momentVdaBitmap},
	{name: "disk-default", inDir: chkIn, outDir: chkOut, time: 1525889631, flags: momentParent | momentVdaBitmap},
	{name: "sample", inDir: chkIn, outDir: chkOut, time: 1525889631, flags: momentParent | momentVdaBitmap},
	{name: "size", inDir: chkIn, outDir: chkOut, time: 1553648510, flags: momentParent | momentVdaBitmap | momentSize},
	{name: "disk-invalid", inDir: chkIn, invalid: true},
	{name: "name-invalid", inDir: chkIn, invalid: true},
}

var backupCases = []momentCase{
	{name: "empty", inDir: bakIn, outDir: bakOut},
	{name: "backup-pull", inDir: bakIn, outDir: bakOut},
	{name: "backup-pull-seclabel", inDir: bakIn, outDir: bakOut},
	{name: "backup-pull-encrypted", inDir: bakIn, outDir: bakOut},
	{name: "backup-push", inDir: bakIn, outDir: bakOut},
	{name: "backup-push-seclabel", inDir: bakIn, outDir: bakOut},
	{name: "backup-push-encrypted", inDir: bakIn, outDir: bakOut},
	{name: "backup-pull-internal-invalid", inDir: bakIn, outDir: bakOut, flags: momentInternal},
}

// completeCases adds the files of the corpus the table does not name:
// inputs compare with their namesake output (or themselves), outputs
// alone are redefined onto themselves.
func completeCases(corpus string, cases []momentCase, inDir, outDir string) []momentCase {
	known := map[string]bool{}
	for _, c := range cases {
		known[c.inDir+"/"+c.name] = true
	}
	exists := func(dir, name string) bool {
		_, err := os.Stat(filepath.Join(corpus, dir, name+".xml"))
		return err == nil
	}
	ins, _ := Inputs(corpus, inDir, ".xml")
	for _, f := range ins {
		n := strings.TrimSuffix(f, ".xml")
		if known[inDir+"/"+n] {
			continue
		}
		c := momentCase{name: n, inDir: inDir, outDir: outDir}
		switch {
		case exists(outDir, n):
		case strings.HasSuffix(n, "-invalid"):
			c.invalid = true
		default:
			c.outDir = inDir
		}
		cases = append(cases, c)
	}
	outs, _ := Inputs(corpus, outDir, ".xml")
	for _, f := range outs {
		n := strings.TrimSuffix(f, ".xml")
		if known[outDir+"/"+n] || known[inDir+"/"+n] || exists(inDir, n) {
			continue
		}
		c := momentCase{name: n, inDir: outDir, outDir: outDir, flags: momentRedefine}
		if data, err := os.ReadFile(filepath.Join(corpus, outDir, f)); err == nil && bytes.Contains(data, []byte("<active>")) {
			c.flags |= momentInternal
		}
		if strings.HasSuffix(n, "-invalid") {
			c.invalid = true
		}
		cases = append(cases, c)
	}
	return cases
}

func runMomentCases(corpus, inDir string, cases []momentCase, run func(c momentCase, in []byte) (string, error)) ([]Result, error) {
	if _, err := os.Stat(filepath.Join(corpus, inDir)); err != nil {
		return nil, err
	}
	var res []Result
	for _, c := range cases {
		c := c
		in, err := os.ReadFile(filepath.Join(corpus, c.inDir, c.name+".xml"))
		if err != nil {
			continue // a case whose files are not in this corpus
		}
		label := c.name
		if c.inDir != inDir {
			label = "out->out " + c.name
		}
		res = append(res, Check(label, func() error {
			got, err := run(c, in)
			if c.invalid {
				if err == nil {
					return fmt.Errorf("expected a parse failure, got success")
				}
				return nil
			}
			if err != nil {
				return err
			}
			want, err := os.ReadFile(filepath.Join(corpus, c.outDir, c.name+".xml"))
			if err != nil {
				return err
			}
			return Diff(string(want), got)
		}))
	}
	return res, nil
}

func runSnapshotSuite(corpus string) ([]Result, error) {
	cases := completeCases(corpus, snapshotCases, snapIn, snapOut)
	for i := range cases {
		if cases[i].invalid {
			cases[i].outDir = ""
		}
	}
	return runMomentCases(corpus, snapIn, cases, func(c momentCase, in []byte) (string, error) {
		pf := snapshot.ParseDisks
		ff := snapshot.FormatSecure
		if c.flags&momentInternal != 0 {
			pf |= snapshot.ParseInternal
			ff |= snapshot.FormatInternal
		}
		if c.flags&momentRedefine != 0 {
			pf |= snapshot.ParseRedefine
		}
		if c.invalid {
			pf |= snapshot.ParseValidate
		}
		def, err := snapshot.Parse(in, pf)
		if err != nil {
			return "", err
		}
		if c.time != 0 && pf&snapshot.ParseRedefine == 0 {
			def.PostParse(c.time)
		}
		if def.Current {
			ff |= snapshot.FormatCurrent
		}
		if c.flags&momentRunning != 0 {
			if def.State != "" {
				return "", fmt.Errorf("state already set")
			}
			def.State = "running"
		}
		return def.Format(snapshot.FormatOptions{Flags: ff, DomainUUID: c.uuid}), nil
	})
}

func runCheckpointSuite(corpus string) ([]Result, error) {
	cases := completeCases(corpus, checkpointCases, chkIn, chkOut)
	return runMomentCases(corpus, chkIn, cases, func(c momentCase, in []byte) (string, error) {
		var pf checkpoint.ParseFlags
		ff := checkpoint.FormatSecure
		if c.flags&momentRedefine != 0 {
			pf |= checkpoint.ParseRedefine
		}
		def, err := checkpoint.Parse(in, pf)
		if err != nil {
			return "", err
		}
		if c.time != 0 && pf&checkpoint.ParseRedefine == 0 {
			def.PostParse(c.time)
		}
		if c.flags&momentParent != 0 {
			if def.Parent != "" {
				return "", fmt.Errorf("parent already set")
			}
			def.Parent = "1525111885"
		}
		if c.flags&momentVdaBitmap != 0 {
			// The test program grows the disk list by one and then
			// hard-codes the first disk, as libvirt's does.
			def.Disks = append(def.Disks, checkpoint.Disk{})
			d := &def.Disks[0]
			if d.Bitmap != "" {
				return "", fmt.Errorf("bitmap already set")
			}
			if d.Name == "" {
				d.Checkpoint = checkpoint.DiskBitmap
				d.Name = "vda"
			} else if d.Name != "vda" {
				return "", fmt.Errorf("first disk is not vda")
			}
			d.Bitmap = def.Name
		}
		if c.flags&momentSize != 0 {
			def.Disks[0].Size = 1048576
			def.Disks[0].SizeValid = true
			ff |= checkpoint.FormatSize
		}
		if def.Domain == nil {
			ff |= checkpoint.FormatNoDomain
		}
		return def.Format(ff), nil
	})
}

func runBackupSuite(corpus string) ([]Result, error) {
	cases := completeCases(corpus, backupCases, bakIn, bakOut)
	return runMomentCases(corpus, bakIn, cases, func(c momentCase, in []byte) (string, error) {
		var pf backup.ParseFlags
		internal := c.flags&momentInternal != 0
		if internal {
			pf |= backup.ParseInternal
		}
		def, err := backup.Parse(in, pf)
		if err != nil {
			return "", err
		}
		// The test program fakes a domain with one qcow2 file disk per
		// backup disk plus "vdextradisk".
		var dom []backup.DomainDisk
		for _, d := range def.Disks {
			dom = append(dom, backup.DomainDisk{Target: d.Name, Type: "file", Path: "/fake/" + d.Name + ".qcow2"})
		}
		dom = append(dom, backup.DomainDisk{Target: "vdextradisk", Type: "file", Path: "/fake/vdextradisk.qcow2"})
		if err := def.AlignDisks(dom, "SUFFIX"); err != nil {
			return "", err
		}
		return def.Format(internal), nil
	})
}
