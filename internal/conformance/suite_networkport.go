package conformance

import "github.com/govirt/govirt/internal/conf/networkport"

// virnetworkportxml2xmldata: libvirt's tests/virnetworkportxml2xmltest.c
// parses each network port and expects its own input back.
func init() {
	register(Suite{Name: "virnetworkportxml2xmldata", Run: func(corpus string) ([]Result, error) {
		return XML2XML(corpus, "virnetworkportxml2xmldata", "", func(in []byte) ([]byte, error) {
			d, err := networkport.Parse(in)
			if err != nil {
				return nil, err
			}
			if err := d.Validate(); err != nil {
				return nil, err
			}
			return []byte(d.Format()), nil
		})
	}})
}
