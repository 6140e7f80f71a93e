package conformance

import (
	"github.com/govirt/govirt/internal/conf/capabilities"
	"github.com/govirt/govirt/internal/conf/domaincaps"
)

// The capabilities suites round-trip documents libvirt produced (host
// capabilities from vircaps2xmltest.c and the schema test data, domain
// capabilities from domaincapstest.c): parsing and formatting again must
// reproduce them byte for byte.

func init() {
	hostCaps := func(in []byte) ([]byte, error) {
		c, err := capabilities.Parse(in)
		if err != nil {
			return nil, err
		}
		return []byte(c.Format()), nil
	}
	register(Suite{Name: "vircaps2xmldata", Run: func(corpus string) ([]Result, error) {
		return XML2XML(corpus, "vircaps2xmldata", "", hostCaps)
	}})
	register(Suite{Name: "capabilityschemadata", Run: func(corpus string) ([]Result, error) {
		return XML2XML(corpus, "capabilityschemadata", "", hostCaps)
	}})
	register(Suite{Name: "domaincapsdata", Run: func(corpus string) ([]Result, error) {
		return XML2XML(corpus, "domaincapsdata", "", func(in []byte) ([]byte, error) {
			c, err := domaincaps.Parse(in)
			if err != nil {
				return nil, err
			}
			return []byte(c.Format()), nil
		})
	}})
}
