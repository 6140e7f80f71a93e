package caps

import (
	"context"
	"fmt"

	"github.com/govirt/govirt/internal/qmp"
)

// ProbeReplay probes a recorded conversation instead of a running QEMU,
// as libvirt's qemucapabilitiestest.c does with its *.replies files: the
// accelerated conversation, then (when KVM and TCG are both there) the
// TCG one on the same recording after a fresh qmp_capabilities. Every
// command must match the recording, arguments included, and the whole
// recording must be used.
func ProbeReplay(ctx context.Context, exchanges []qmp.Exchange, binary string) (*Caps, error) {
	r := qmp.NewReplay(exchanges, qmp.ReplayOptions{CheckArguments: true})
	conn, err := r.Dial(ctx, qmp.Options{IDPrefix: "libvirt-"})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	c := New(binary)
	if err := ProbeMonitor(ctx, c, conn); err != nil {
		if rerr := r.Err(); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	if c.HaveAccel() && c.Has(TCG) {
		if _, err := conn.Execute(ctx, "qmp_capabilities", nil); err != nil {
			return nil, err
		}
		if err := ProbeMonitorTCG(ctx, c, conn); err != nil {
			if rerr := r.Err(); rerr != nil {
				return nil, rerr
			}
			return nil, err
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if n := r.Remaining(); n > 0 {
		return nil, fmt.Errorf("replay: %d recorded commands were never sent", n)
	}
	return c, nil
}

// TestMicrocodeVersion is the microcode version libvirt's test suite
// fakes for a replayed probe with an accelerator: the byte sum of the
// architecture times 100000 plus the byte sum of the version string.
func TestMicrocodeVersion(arch, version string) uint {
	var a, v uint
	for i := 0; i < len(arch); i++ {
		a += uint(arch[i])
	}
	for i := 0; i < len(version); i++ {
		v += uint(version[i])
	}
	return a*100000 + v
}
