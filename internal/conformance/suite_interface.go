package conformance

import (
	"github.com/govirt/govirt/internal/conf/iface"
)

// interfaceschemadata follows libvirt's tests/interfacexml2xmltest.c:
// every input must parse and format back to itself.
func init() {
	register(Suite{Name: "interfaceschemadata", Run: func(corpus string) ([]Result, error) {
		return XML2XML(corpus, "interfaceschemadata", "", func(in []byte) ([]byte, error) {
			def, err := iface.Parse(in)
			if err != nil {
				return nil, err
			}
			if err := def.Validate(); err != nil {
				return nil, err
			}
			return []byte(def.Format()), nil
		})
	}})
}
