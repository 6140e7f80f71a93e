package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/nwfilter"
)

// libvirt's nwfilterxml2xmltest: an input named X-invalid.xml must fail to
// parse (libvirt 9.0 would otherwise compare it with a missing
// X-invalid.xml output); any other input X.xml must parse and format to
// nwfilterxml2xmlout/X.xml.
func init() {
	register(Suite{Name: "nwfilterxml2xmlin", Run: func(corpus string) ([]Result, error) {
		names, err := Inputs(corpus, "nwfilterxml2xmlin", ".xml")
		if err != nil {
			return nil, err
		}
		var res []Result
		for _, n := range names {
			n := n
			res = append(res, Check(n, func() error {
				in, err := os.ReadFile(filepath.Join(corpus, "nwfilterxml2xmlin", n))
				if err != nil {
					return err
				}
				def, perr := nwfilter.Parse(in)
				if perr == nil {
					perr = def.Validate()
				}
				if strings.HasSuffix(n, "-invalid.xml") {
					if perr == nil {
						return fmt.Errorf("parsed, but libvirt rejects this input")
					}
					return nil
				}
				if perr != nil {
					return perr
				}
				want, err := os.ReadFile(filepath.Join(corpus, "nwfilterxml2xmlout", n))
				if err != nil {
					return err
				}
				return Diff(string(want), def.Format())
			}))
		}
		return res, nil
	}})

	// libvirt's virnwfilterbindingxml2xmltest: every file formats to itself.
	register(Suite{Name: "virnwfilterbindingxml2xmldata", Run: func(corpus string) ([]Result, error) {
		return XML2XML(corpus, "virnwfilterbindingxml2xmldata", "", func(in []byte) ([]byte, error) {
			b, err := nwfilter.ParseBinding(in)
			if err != nil {
				return nil, err
			}
			return []byte(b.Format()), nil
		})
	}})
}
