package remote

// Test helpers for the external test package (which may import virt,
// whose registry imports this package).
var (
	StartLibvirtd = startLibvirtd
	StartGovirtd  = startGovirtd
	GoBinary      = goBinary
)

// Socket is a test daemon's read-write socket.
func (d daemon) Socket() string { return d.socket }
