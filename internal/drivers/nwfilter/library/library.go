// Package library holds govirt's standard network filters, the set
// libvirt ships (clean-traffic, no-mac-spoofing, allow-dhcp, …) under the
// same names and with the same rules. The nwfilter driver defines them
// when the daemon starts, so domains can refer to them at once.
package library

import (
	"embed"
	"path"
	"sort"
	"strings"

	"github.com/govirt/govirt/internal/conf/nwfilter"
	"github.com/govirt/govirt/internal/drivers/nwfilter/gentech"
)

//go:embed filters/*.xml
var files embed.FS

// Names lists the standard filters, sorted.
func Names() []string {
	ents, err := files.ReadDir("filters")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".xml"))
	}
	sort.Strings(out)
	return out
}

// XML returns the document of a standard filter.
func XML(name string) ([]byte, bool) {
	data, err := files.ReadFile(path.Join("filters", name+".xml"))
	if err != nil {
		return nil, false
	}
	return data, true
}

// Defs parses every standard filter. Each gets a fresh UUID, as a filter
// defined without one does.
func Defs() (gentech.FilterMap, error) {
	out := gentech.FilterMap{}
	for _, name := range Names() {
		data, _ := XML(name)
		def, err := nwfilter.Parse(data)
		if err != nil {
			return nil, err
		}
		out[def.Name] = def
	}
	return out, nil
}
