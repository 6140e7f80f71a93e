package conformance

import "github.com/govirt/govirt/internal/conf/secret"

// secretxml2xmlin: libvirt's tests/secretxml2xmltest.c parses each secret
// and formats it back; every case expects its own input.
func init() {
	register(Suite{Name: "secretxml2xmlin", Run: func(corpus string) ([]Result, error) {
		return XML2XML(corpus, "secretxml2xmlin", "", func(in []byte) ([]byte, error) {
			d, err := secret.Parse(in)
			if err != nil {
				return nil, err
			}
			if err := d.Validate(); err != nil {
				return nil, err
			}
			d.SetDefaults()
			return []byte(d.Format()), nil
		})
	}})
}
