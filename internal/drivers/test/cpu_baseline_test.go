package test

import (
	"context"
	"testing"

	"github.com/govirt/govirt/virt/virterr"
)

// TestBaselineCPU: results and errors as python3-libvirt gets them from
// libvirt 9.0's test driver (virConnectBaselineCPU), with libvirt's CPU map.
func TestBaselineCPU(t *testing.T) {
	ctx := context.Background()
	h := open(t, "test:///default", 0).Hypervisor
	cpu := func(arch, model, vendor string, features ...string) string {
		s := "<cpu><arch>" + arch + "</arch>"
		if model != "" {
			s += "<model>" + model + "</model>"
		}
		if vendor != "" {
			s += "<vendor>" + vendor + "</vendor>"
		}
		for _, f := range features {
			s += "<feature name='" + f + "'/>"
		}
		return s + "</cpu>"
	}
	const head = "<cpu mode='custom' match='exact'>\n"
	cases := []struct {
		name  string
		cpus  []string
		flags uint32
		want  string
		code  virterr.Code
		msg   string
	}{
		{name: "one", cpus: []string{cpu("x86_64", "Westmere", "Intel", "vmx")},
			want: head + "  <model fallback='forbid'>Westmere</model>\n  <vendor>Intel</vendor>\n  <feature policy='require' name='vmx'/>\n</cpu>\n"},
		{name: "two models", cpus: []string{cpu("x86_64", "Westmere", "Intel", "vmx"), cpu("x86_64", "SandyBridge", "Intel", "vmx", "ht")},
			want: head + "  <model fallback='allow'>Westmere</model>\n  <vendor>Intel</vendor>\n  <feature policy='require' name='vmx'/>\n</cpu>\n"},
		{name: "vendor not given by all", cpus: []string{cpu("x86_64", "Nehalem", "", "aes", "ht", "acpi"), cpu("x86_64", "SandyBridge", "Intel", "vmx", "ht")},
			want: head + "  <model fallback='allow'>Westmere</model>\n  <feature policy='require' name='ht'/>\n</cpu>\n"},
		{name: "map order", cpus: []string{cpu("x86_64", "Nehalem", "", "aes", "ht", "acpi")},
			want: head + "  <model fallback='forbid'>Nehalem</model>\n  <feature policy='require' name='acpi'/>\n  <feature policy='require' name='ht'/>\n  <feature policy='require' name='aes'/>\n</cpu>\n"},
		{name: "removed feature", cpus: []string{cpu("x86_64", "EPYC", "AMD", "ht")},
			want: head + "  <model fallback='forbid'>EPYC</model>\n  <vendor>AMD</vendor>\n  <feature policy='require' name='ht'/>\n  <feature policy='disable' name='monitor'/>\n</cpu>\n"},
		{name: "disabled feature", cpus: []string{cpu("x86_64", "486", ""), cpu("x86_64", "Westmere", "Intel", "vmx")},
			want: head + "  <model fallback='allow'>486</model>\n  <feature policy='disable' name='vme'/>\n</cpu>\n"},
		{name: "disabling costs more", cpus: []string{cpu("x86_64", "Dhyana", ""), cpu("x86_64", "Broadwell-noTSX-IBRS", "")},
			want: head + "  <model fallback='allow'>Nehalem</model>\n" +
				"  <feature policy='require' name='fma'/>\n  <feature policy='require' name='movbe'/>\n  <feature policy='require' name='xsave'/>\n" +
				"  <feature policy='require' name='avx'/>\n  <feature policy='require' name='fsgsbase'/>\n  <feature policy='require' name='bmi1'/>\n" +
				"  <feature policy='require' name='avx2'/>\n  <feature policy='require' name='smep'/>\n  <feature policy='require' name='bmi2'/>\n" +
				"  <feature policy='require' name='rdseed'/>\n  <feature policy='require' name='adx'/>\n  <feature policy='require' name='smap'/>\n" +
				"  <feature policy='require' name='rdtscp'/>\n  <feature policy='require' name='3dnowprefetch'/>\n</cpu>\n"},
		{name: "guest decoding off", cpus: []string{cpu("x86_64", "Skylake-Client-noTSX-IBRS", "Intel")},
			want: head + "  <model fallback='allow'>Skylake-Client-IBRS</model>\n  <vendor>Intel</vendor>\n  <feature policy='disable' name='hle'/>\n  <feature policy='disable' name='rtm'/>\n</cpu>\n"},
		{name: "expand", cpus: []string{cpu("x86_64", "qemu64", "")}, flags: 1,
			want: head + "  <model fallback='forbid'>qemu64</model>\n" +
				"  <feature policy='require' name='apic'/>\n  <feature policy='require' name='clflush'/>\n  <feature policy='require' name='cmov'/>\n" +
				"  <feature policy='require' name='cx16'/>\n  <feature policy='require' name='cx8'/>\n  <feature policy='require' name='de'/>\n" +
				"  <feature policy='require' name='fpu'/>\n  <feature policy='require' name='fxsr'/>\n  <feature policy='require' name='lm'/>\n" +
				"  <feature policy='require' name='mca'/>\n  <feature policy='require' name='mce'/>\n  <feature policy='require' name='mmx'/>\n" +
				"  <feature policy='require' name='msr'/>\n  <feature policy='require' name='mtrr'/>\n  <feature policy='require' name='nx'/>\n" +
				"  <feature policy='require' name='pae'/>\n  <feature policy='require' name='pat'/>\n  <feature policy='require' name='pge'/>\n" +
				"  <feature policy='require' name='pni'/>\n  <feature policy='require' name='pse'/>\n  <feature policy='require' name='pse36'/>\n" +
				"  <feature policy='require' name='sep'/>\n  <feature policy='require' name='sse'/>\n  <feature policy='require' name='sse2'/>\n" +
				"  <feature policy='require' name='svm'/>\n  <feature policy='require' name='syscall'/>\n  <feature policy='require' name='tsc'/>\n</cpu>\n"},
		{name: "ppc64", cpus: []string{cpu("ppc64", "POWER8", "")}, want: head + "  <model fallback='forbid'>POWER8</model>\n</cpu>\n"},
		{name: "aarch64", cpus: []string{cpu("aarch64", "cortex-a53", "")}, want: head + "  <model fallback='allow'>cortex-a53</model>\n</cpu>\n"},

		{name: "migratable", cpus: []string{cpu("x86_64", "Westmere", "")}, flags: 3, code: virterr.InvalidArg, msg: "unsupported flags (0x2) in function testConnectBaselineCPU"},
		{name: "no cpus", code: virterr.InvalidArg, msg: "invalid argument: no CPUs given"},
		{name: "vendors", cpus: []string{cpu("x86_64", "Westmere", "Intel"), cpu("x86_64", "Opteron_G3", "AMD")}, code: virterr.OperationFailed, msg: "operation failed: CPU vendors do not match"},
		{name: "no arch", cpus: []string{"<cpu><model>Westmere</model></cpu>"}, code: virterr.XMLError, msg: "XML error: Missing CPU architecture"},
		{name: "no model", cpus: []string{cpu("x86_64", "", "")}, code: virterr.XMLError, msg: "XML error: Missing CPU model name"},
		{name: "not a cpu", cpus: []string{"<domain><cpu/></domain>"}, code: virterr.XMLError, msg: "XML error: XML does not contain expected 'cpu' element"},
		{name: "unknown model", cpus: []string{cpu("x86_64", "Foo", "")}, code: virterr.InternalError, msg: "internal error: Unknown CPU model Foo"},
		{name: "alias", cpus: []string{cpu("x86_64", "Westmere", "", "sse4_1")}, code: virterr.InternalError, msg: "internal error: Unknown CPU feature sse4_1"},
		{name: "unknown vendor", cpus: []string{cpu("x86_64", "Westmere", "Foo")}, code: virterr.OperationFailed, msg: "operation failed: Unknown CPU vendor Foo"},
		{name: "ppc64 models", cpus: []string{cpu("ppc64", "POWER8", ""), cpu("ppc64", "POWER9", "")}, code: virterr.OperationFailed, msg: "operation failed: CPUs are incompatible"},
		{name: "s390x", cpus: []string{cpu("s390x", "z13", "")}, code: virterr.NoSupport, msg: "this function is not supported by the connection driver: cannot compute baseline CPU of s390x architecture"},
		{name: "sparc", cpus: []string{cpu("sparc", "x", "")}, code: virterr.NoSupport, msg: "this function is not supported by the connection driver: 'sparc' architecture is not supported by CPU driver"},
	}
	for _, tc := range cases {
		got, err := h.ConnectBaselineCPU(ctx, tc.cpus, tc.flags)
		if tc.code != 0 {
			wantCode(t, tc.name, err, tc.code, tc.msg)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// FuzzBaselineCPU: no CPU definition makes the baseline panic.
func FuzzBaselineCPU(f *testing.F) {
	f.Add("<cpu><arch>x86_64</arch><model>Westmere</model><vendor>Intel</vendor><feature name='vmx'/></cpu>", uint32(1))
	f.Add("<cpu><arch>ppc64</arch><model>POWER8</model></cpu>", uint32(0))
	c := &conn{}
	f.Fuzz(func(t *testing.T, x string, flags uint32) {
		_, _ = c.ConnectBaselineCPU(context.Background(), []string{x, x}, flags&1)
	})
}
