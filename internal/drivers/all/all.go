// Package all is the one place that knows every driver: it fills the
// registry that virt.Open and the daemon open connections through. No
// driver imports another; only this file imports them all.
package all

import (
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/remote"
	"github.com/govirt/govirt/internal/drivers/test"
)

// Registry returns a registry holding every driver govirt has.
func Registry() *driver.Registry {
	r := driver.NewRegistry()
	r.Register(test.Name, test.Open)
	r.Register(remote.Name, remote.Open)
	return r
}
