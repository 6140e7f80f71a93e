package caps

import (
	"os"
	"strings"
	"testing"
)

// TestHostCPUModel: the host-model CPU of libvirt's recorded QEMU 8.0
// capabilities, with and without the features that block migration.
func TestHostCPUModel(t *testing.T) {
	path := "../../../../../shared/libvirt-tests/qemucapabilitiesdata/caps_8.0.0.x86_64.xml"
	if _, err := os.Stat(path); err != nil {
		t.Skip("libvirt's test corpus is not there")
	}
	c, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	full, err := c.HostCPUModel(VirtKVM, false)
	if err != nil || full == nil {
		t.Fatalf("%v %v", full, err)
	}
	mig, err := c.HostCPUModel(VirtKVM, true)
	if err != nil || mig == nil {
		t.Fatalf("%v %v", mig, err)
	}
	for _, cpu := range []string{full.Format(), mig.Format()} {
		if !strings.Contains(cpu, "<model fallback='forbid'>EPYC-Rome</model>\n  <vendor>AMD</vendor>\n  <feature policy='require' name='x2apic'/>") {
			t.Errorf("unexpected host model:\n%s", cpu)
		}
	}
	if !strings.Contains(full.Format(), "name='invtsc'") || strings.Contains(mig.Format(), "name='invtsc'") {
		t.Errorf("invtsc blocks migration:\n%s\n%s", full.Format(), mig.Format())
	}
	if tcg, err := c.HostCPUModel(VirtTCG, true); err != nil || tcg == nil || tcg.Model == "" {
		t.Errorf("TCG host model: %v %v", tcg, err)
	}
}

// TestTCGHostCPUModel: QEMU's TCG CPU decodes as libvirt 9.0 decodes it,
// which depends on how x86DecodeUseCandidate weighs disabled features.
func TestTCGHostCPUModel(t *testing.T) {
	for version, want := range map[string]string{"7.1.0": "Opteron_G3", "7.2.0": "EPYC", "8.0.0": "EPYC"} {
		path := "../../../../../shared/libvirt-tests/qemucapabilitiesdata/caps_" + version + ".x86_64.xml"
		if _, err := os.Stat(path); err != nil {
			t.Skip("libvirt's test corpus is not there")
		}
		c, err := LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cpu, err := c.HostCPUModel(VirtTCG, false)
		if err != nil || cpu == nil {
			t.Fatalf("%s: %v %v", version, cpu, err)
		}
		if cpu.Model != want {
			t.Errorf("%s: TCG host model %s, want %s", version, cpu.Model, want)
		}
	}
}
