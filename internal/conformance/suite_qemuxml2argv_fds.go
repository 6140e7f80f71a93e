package conformance

import "github.com/govirt/govirt/internal/drivers/qemu/command"

// qemuTestFDGroups are the descriptor groups qemuxml2argvtest.c
// associates with a domain before building its command line
// (ARG_FD_GROUP: a name and the stable fd numbers the test dups the
// passed descriptors to).
var qemuTestFDGroups = map[string]map[string]command.FDGroup{
	"disk-source-fd": {
		"testgroup2": {FDs: []int{700, 705}},
		"testgroup5": {FDs: []int{704}},
		"testgroup6": {FDs: []int{777, 778}},
	},
}

func init() {
	for name, groups := range qemuTestFDGroups {
		prev, groups := qemuTestConfig[name], groups
		qemuTestConfig[name] = func(c *command.Context) {
			if prev != nil {
				prev(c)
			}
			c.FDGroups = groups
		}
	}
}
