package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/nodedev"
)

// nodedevschemadata follows libvirt's tests/nodedevxml2xmltest.c: each
// input is parsed as an existing device, the storage geometry the test
// computes is filled in, and the output is compared with
// nodedevxml2xmlout/<name>.xml. Inputs without an expected output are the
// schema test's: an "-invalid" one must be rejected by Parse or Validate,
// any other must parse, validate and format to a fixed point.
func init() {
	register(Suite{Name: "nodedevschemadata", Run: runNodedev})
}

func runNodedev(corpus string) ([]Result, error) {
	names, err := Inputs(corpus, "nodedevschemadata", ".xml")
	if err != nil {
		return nil, err
	}
	var res []Result
	for _, n := range names {
		n := n
		res = append(res, Check(n, func() error {
			in, err := os.ReadFile(filepath.Join(corpus, "nodedevschemadata", n))
			if err != nil {
				return err
			}
			want, wantErr := os.ReadFile(filepath.Join(corpus, "nodedevxml2xmlout", n))
			if wantErr != nil && strings.Contains(n, "-invalid") {
				def, err := nodedev.Parse(in)
				if err == nil {
					err = def.Validate()
				}
				if err == nil {
					return fmt.Errorf("invalid device accepted")
				}
				return nil
			}
			def, err := nodedev.Parse(in)
			if err != nil {
				return err
			}
			if err := def.Validate(); err != nil {
				return err
			}
			nodedevTestGeometry(def)
			got := def.Format()
			if wantErr == nil {
				return Diff(string(want), got)
			}
			again, err := nodedev.Parse([]byte(got))
			if err != nil {
				return fmt.Errorf("reparsing output: %v", err)
			}
			nodedevTestGeometry(again)
			return Diff(got, again.Format())
		}))
	}
	return res, nil
}

// nodedevTestGeometry is what libvirt's test program computes for storage
// devices, since the parser does not read block sizes.
func nodedevTestGeometry(def *nodedev.Def) {
	for _, c := range def.Caps {
		s, ok := c.(*nodedev.StorageCap)
		if !ok {
			continue
		}
		if s.Removable {
			if s.MediaAvailable {
				s.LogicalBlockSize = 2048
				s.NumBlocks = s.MediaSize / s.LogicalBlockSize
			}
		} else {
			s.LogicalBlockSize = 512
			s.NumBlocks = s.Size / s.LogicalBlockSize
		}
	}
}
