package hostnet

import "sync"

var shared struct {
	once  sync.Once
	names *Names
}

// Shared is the process's one set of device-name counters: every driver
// that creates guest devices in a process (the QEMU driver's taps and
// macvtaps, the network driver's) takes names from it, so two drivers
// never hand out the same vnetN at the same moment. The first call moves
// the counters past the generated names the host already has.
func Shared() *Names {
	shared.once.Do(func() {
		shared.names = NewNames()
		_ = shared.names.ReserveExisting()
	})
	return shared.names
}
