package conformance

import "sort"

// order is the order the report prints suites in: XML formats first, then
// what the drivers generate. A suite not listed here prints after these,
// by name.
var order = []string{
	"genericxml2xmlindata",
	"qemuxml2argvdata-fixedpoint",
	"qemuxml2argvdata-schema",
	"networkxml2xmlin",
	"networkxml2xmlupdatein",
	"virnetworkportxml2xmldata",
	"storagepoolxml2xmlin",
	"storagevolxml2xmlin",
	"storagepoolcapsschemadata",
	"secretxml2xmlin",
	"nwfilterxml2xmlin",
	"virnwfilterbindingxml2xmldata",
	"nodedevschemadata",
	"interfaceschemadata",
	"qemudomainsnapshotxml2xmlin",
	"qemudomaincheckpointxml2xmlin",
	"domainbackupxml2xmlin",
	"vircaps2xmldata",
	"domaincapsdata",
	"capabilityschemadata",
}

var registered []Suite

// register adds a suite; each suite_*.go file calls it from init.
func register(s Suite) { registered = append(registered, s) }

// Suites lists every registered suite in report order.
func Suites() []Suite {
	rank := map[string]int{}
	for i, n := range order {
		rank[n] = i + 1
	}
	out := append([]Suite(nil), registered...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank[out[i].Name], rank[out[j].Name]
		if ri == 0 {
			ri = len(order) + 1
		}
		if rj == 0 {
			rj = len(order) + 1
		}
		if ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}
