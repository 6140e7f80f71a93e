package test

import (
	"context"

	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/virt/virterr"
)

// baselineExpandFeatures is VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES; the
// test driver refuses VIR_CONNECT_BASELINE_CPU_MIGRATABLE.
const baselineExpandFeatures = 1 << 0

// ConnectBaselineCPU computes the CPU model every given host CPU can run
// (testConnectBaselineCPU: virCPUBaseline, then virCPUExpandFeatures on
// request), from libvirt's CPU map compiled into internal/cpumap.
func (c *conn) ConnectBaselineCPU(ctx context.Context, xmlCPUs []string, flags uint32) (string, error) {
	if err := unsupportedFlags(flags, baselineExpandFeatures, "testConnectBaselineCPU"); err != nil {
		return "", err
	}
	if len(xmlCPUs) == 0 {
		return "", virterr.NewFrom(virterr.FromCPU, virterr.InvalidArg, "no CPUs given")
	}
	cpus := make([]*cpumap.CPU, len(xmlCPUs))
	for i, x := range xmlCPUs {
		cpu, err := cpumap.Parse([]byte(x), cpumap.Host)
		if err != nil {
			return "", err
		}
		cpus[i] = cpu
	}
	arch := cpus[0].Arch
	out, err := cpumap.Baseline(arch, cpus, nil, nil, false)
	if err != nil {
		return "", err
	}
	if flags&baselineExpandFeatures != 0 {
		if err := cpumap.ExpandFeatures(arch, out); err != nil {
			return "", err
		}
	}
	return out.Format(), nil
}
