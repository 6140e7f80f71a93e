package cpumap

import (
	"testing"
)

// TestHostCPU: the CPU this test runs on decodes, as virCPUGetHost
// does it, into a model of the map.
func TestHostCPU(t *testing.T) {
	if !haveCPUID {
		t.Skip("no CPUID here")
	}
	data, err := X86HostData()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := data[x86Key{in: 0}]; !ok || data.signature() == 0 {
		t.Fatalf("no vendor or signature:\n%s", data.Format())
	}
	cpu, err := GetHost("x86_64", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := getX86Map(); m.model(cpu.Model) == nil || cpu.Vendor == "" {
		t.Errorf("host CPU:\n%s", cpu.Format())
	}
	if _, err := GetHost("s390x", nil); err == nil {
		t.Error("s390x host CPU probed")
	}
}
