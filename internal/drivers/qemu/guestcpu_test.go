package qemu

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/drivers/qemu/domaindefaults"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"
)

// testdata/guestcpu was recorded with libvirt 9.0's libvirtd on an AMD
// host whose KVM host-model CPU is kvm64: its QEMU capabilities cache,
// domains as libvirt defined them (NAME.inactive.xml), the <cpu> of the
// running domain (NAME.live.xml) and of its status file (NAME.orig.xml,
// the CPU before QEMU's report changed it), and the vCPU's
// feature-words and filtered-features as QEMU reported them.
const guestCPUData = "testdata/guestcpu"

func loadGuestCPUCaps(t *testing.T) *caps.Caps {
	t.Helper()
	f, err := os.Open(filepath.Join(guestCPUData, "caps-host.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	qc, err := caps.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return qc
}

func readGuestCPUFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(guestCPUData, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// cpuXML is the <cpu> element of the formatted definition.
func cpuXML(def *domain.Def) string {
	s := def.Format(0)
	i := strings.Index(s, "  <cpu")
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], "  </cpu>\n")
	if k := strings.Index(s[i:], "/>\n"); j < 0 || (k >= 0 && k < strings.Index(s[i:], ">")) {
		return s[i : i+k+3]
	}
	return s[i : i+j+len("  </cpu>\n")]
}

// recordedHostCPU is the recording host's CPU as virCPUGetHost decodes
// its CPUID data.
func recordedHostCPU(t *testing.T) *cpumap.CPU {
	t.Helper()
	data, err := cpumap.ParseX86Data(readGuestCPUFile(t, "host-cpuid.xml"))
	if err != nil {
		t.Fatal(err)
	}
	cpu := cpumap.NewGuest()
	if err := cpumap.X86Decode(cpu, data, nil, ""); err != nil {
		t.Fatal(err)
	}
	return cpu
}

func wantCPU(t *testing.T, name string) string {
	return string(readGuestCPUFile(t, name))
}

// TestGuestCPULive: starting each recorded domain gives the live <cpu>
// libvirt 9.0 gave it, and the status file's original CPU.
func TestGuestCPULive(t *testing.T) {
	qc := loadGuestCPUCaps(t)
	for _, name := range []string{"hm-kvm", "hm-qemu", "qemu-plain", "qemu-custom", "kvm-g1"} {
		t.Run(name, func(t *testing.T) {
			def, err := domain.Parse(readGuestCPUFile(t, name+".inactive.xml"), domain.ParseInactive)
			if err != nil {
				t.Fatal(err)
			}
			if err := updateGuestCPU(def, qc, "x86_64", recordedHostCPU(t), true); err != nil {
				t.Fatal(err)
			}
			enabled, err := x86CPUDataFromFeatureWords(readGuestCPUFile(t, name+".feature-words.json"))
			if err != nil {
				t.Fatal(err)
			}
			disabled, err := x86CPUDataFromFeatureWords(readGuestCPUFile(t, name+".filtered-features.json"))
			if err != nil {
				t.Fatal(err)
			}
			beforeLive := cpuXML(def)
			orig, err := updateLiveGuestCPU(def, enabled, disabled)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := cpuXML(def), wantCPU(t, name+".live.xml"); got != want {
				t.Errorf("live CPU:\n%s\nwant:\n%s", got, want)
			}
			wantOrig := ""
			if _, err := os.Stat(filepath.Join(guestCPUData, name+".orig.xml")); err == nil {
				wantOrig = wantCPU(t, name+".orig.xml")
			}
			switch {
			case wantOrig == "" && orig != nil:
				t.Errorf("QEMU changed nothing, yet an original CPU is kept")
			case wantOrig != "" && orig == nil:
				t.Errorf("no original CPU kept")
			case orig != nil:
				b := xmlbuf.New()
				b.AdjustIndent(2)
				orig.FormatBuf(b)
				if got := b.String(); got != wantOrig {
					t.Errorf("original CPU:\n%s\nwant:\n%s", got, wantOrig)
				}
				if got := b.String(); got != beforeLive {
					t.Errorf("original CPU differs from the CPU before the live update:\n%s\n%s", got, beforeLive)
				}
			}
		})
	}
}

// TestGuestCPUIncompatible: a host-model or custom CPU requiring what
// the host lacks does not start, with libvirt's error.
func TestGuestCPUIncompatible(t *testing.T) {
	qc := loadGuestCPUCaps(t)
	host := recordedHostCPU(t)
	for name, want := range map[string]string{
		"qemu-x2apic": "the CPU is incompatible with host CPU: Host CPU does not provide required features: x2apic",
		// Checked against the host's CPU, which has pni (SSE3) although
		// QEMU's KVM host-model expansion lacks it.
		"kvm-custom": "the CPU is incompatible with host CPU: Host CPU does not provide required features: svm",
	} {
		def, err := domain.Parse(readGuestCPUFile(t, name+".inactive.xml"), domain.ParseInactive)
		if err != nil {
			t.Fatal(err)
		}
		err = updateGuestCPU(def, qc, "x86_64", host, true)
		if err == nil || err.Error() != want || virterr.CodeOf(err) != virterr.CPUIncompatible {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

// TestGuestCPUUnsupportedMode: host-passthrough needs KVM.
func TestGuestCPUUnsupportedMode(t *testing.T) {
	qc := loadGuestCPUCaps(t)
	def, err := domain.Parse(readGuestCPUFile(t, "qemu-plain.inactive.xml"), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	def.CPU.Mode = "host-passthrough"
	err = updateGuestCPU(def, qc, "x86_64", nil, true)
	want := "unsupported configuration: CPU mode 'host-passthrough' for x86_64 qemu domain on x86_64 host is not supported by hypervisor"
	if err == nil || err.Error() != want {
		t.Errorf("%v, want %q", err, want)
	}
}

// TestGuestCPUNothingToDo: no <cpu>, a topology-only <cpu>, and a
// restored guest whose host-model CPU already names its model.
func TestGuestCPUNothingToDo(t *testing.T) {
	qc := loadGuestCPUCaps(t)
	def, err := domain.Parse(readGuestCPUFile(t, "qemu-plain.inactive.xml"), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	cpu := def.CPU
	def.CPU = nil
	if err := updateGuestCPU(def, qc, "x86_64", nil, true); err != nil || def.CPU != nil {
		t.Errorf("no <cpu>: %v", err)
	}
	def.CPU = &domain.CPU{Mode: "custom", Topology: &domain.CPUTopology{Sockets: 1, Dies: 1, Cores: 1, Threads: 1}}
	if err := updateGuestCPU(def, qc, "x86_64", nil, true); err != nil || def.CPU.Model != "" {
		t.Errorf("topology only: %v %+v", err, def.CPU)
	}
	if orig, err := updateLiveGuestCPU(def, cpumap.X86Data{}, nil); err != nil || orig != nil || def.CPU.Check != "" {
		t.Errorf("live, topology only: %v %v", orig, err)
	}
	def.CPU = cpu
	def.CPU.Model, def.CPU.Fallback = "Opteron_G2", "allow"
	if err := updateGuestCPU(def, qc, "x86_64", nil, false); err != nil {
		t.Fatal(err)
	}
	if def.CPU.Mode != "custom" || def.CPU.Model != "Opteron_G2" {
		t.Errorf("incoming host-model CPU with a model: %+v", def.CPU)
	}
	if orig, err := updateLiveGuestCPU(def, nil, nil); err != nil || orig != nil || def.CPU.Check == "full" {
		t.Errorf("QEMU told nothing: %v %v", orig, err)
	}
}

func TestX86CPUDataFromFeatureWords(t *testing.T) {
	d, err := x86CPUDataFromFeatureWords([]byte(`[{"cpuid-register":"ECX","cpuid-input-eax":1,"features":1},{"cpuid-register":"EDX","cpuid-input-eax":7,"cpuid-input-ecx":0,"features":2}]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Format(); !strings.Contains(got, "eax_in='0x00000001' ecx_in='0x00000000' eax='0x00000000' ebx='0x00000000' ecx='0x00000001'") {
		t.Errorf("%s", got)
	}
	for _, bad := range []string{`{}`, `[{"cpuid-input-eax":1,"features":1}]`, `[{"cpuid-register":"EAX","features":1}]`,
		`[{"cpuid-register":"EAX","cpuid-input-eax":1}]`, `[{"cpuid-register":"R8","cpuid-input-eax":1,"features":1}]`} {
		if _, err := x86CPUDataFromFeatureWords([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if d := x86CPUDataFromFeatures("x86_64", []string{"lahf-lm", "no-such-feature"}); !bytes.Contains([]byte(d.Format()), []byte("ecx='0x00000001'")) {
		t.Errorf("features by name:\n%s", d.Format())
	}
}

// TestVerifyGuestCPU: paravirtual spinlocks and an invariant TSC are
// checked against what QEMU gave the guest.
func TestVerifyGuestCPU(t *testing.T) {
	def, err := domain.Parse(readGuestCPUFile(t, "hm-kvm.inactive.xml"), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	kvm, err := x86CPUDataFromFeatureWords(readGuestCPUFile(t, "hm-kvm.feature-words.json"))
	if err != nil {
		t.Fatal(err)
	}
	tcg, err := x86CPUDataFromFeatureWords(readGuestCPUFile(t, "hm-qemu.feature-words.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyGuestCPU(def, kvm); err != nil {
		t.Errorf("plain guest: %v", err)
	}
	if def.Features == nil {
		def.Features = &domain.Features{}
	}
	def.Features.PVSpinlock = "on"
	// The recorded guest ran without kvm-pv-unhalt=on.
	if err := verifyGuestCPU(def, kvm); err == nil {
		t.Error("kvm_pv_unhalt found")
	}
	withPVUnhalt := cpumap.X86Data{}
	for _, it := range kvm.Items() {
		withPVUnhalt.Add(it)
	}
	withPVUnhalt.Add(kvmPVUnhalt)
	if err := verifyGuestCPU(def, withPVUnhalt); err != nil {
		t.Errorf("with kvm_pv_unhalt: %v", err)
	}
	if err := verifyGuestCPU(def, tcg); err == nil || err.Error() != "unsupported configuration: host doesn't support paravirtual spinlocks" {
		t.Errorf("TCG has no kvm_pv_unhalt: %v", err)
	}
	def.Features.PVSpinlock = ""
	def.CPU.Features = append(def.CPU.Features, domain.CPUFeature{Policy: "require", Name: "invtsc"})
	if err := verifyGuestCPU(def, kvm); err == nil || err.Error() != "unsupported configuration: host doesn't support invariant TSC" {
		t.Errorf("invtsc: %v", err)
	}
	if err := verifyGuestCPU(def, nil); err != nil {
		t.Errorf("QEMU told nothing: %v", err)
	}
}

// fakeVCPUMonitor answers qom-get of the first vCPU's properties from
// props (a missing one is QEMU's DeviceNotFound-like GenericError).
func fakeVCPUMonitor(t *testing.T, props map[string][]byte) *qmp.Conn {
	t.Helper()
	client, server := net.Pipe()
	go func() {
		defer server.Close()
		enc := json.NewEncoder(server)
		enc.Encode(map[string]any{"QMP": map[string]any{"version": map[string]any{"qemu": map[string]int{"major": 7, "minor": 2, "micro": 0}}, "capabilities": []string{}}})
		dec := json.NewDecoder(server)
		for {
			var cmd struct {
				Execute   string            `json:"execute"`
				Arguments map[string]string `json:"arguments"`
				ID        json.RawMessage   `json:"id"`
			}
			if dec.Decode(&cmd) != nil {
				return
			}
			reply := map[string]any{"id": cmd.ID, "return": map[string]any{}}
			if cmd.Execute == "qom-get" {
				if v, ok := props[cmd.Arguments["property"]]; ok && cmd.Arguments["path"] == vcpuQOMPath {
					reply["return"] = json.RawMessage(v)
				} else {
					delete(reply, "return")
					reply["error"] = map[string]string{"class": "GenericError", "desc": "Property '" + cmd.Arguments["property"] + "' not found"}
				}
			}
			if enc.Encode(reply) != nil {
				return
			}
		}
	}()
	mon, err := qmp.New(context.Background(), client, qmp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mon.Close() })
	return mon
}

// TestFetchGuestCPU: the recorded feature words read back through QMP
// give the live CPU libvirt wrote.
func TestFetchGuestCPU(t *testing.T) {
	ctx := context.Background()
	mon := fakeVCPUMonitor(t, map[string][]byte{
		"feature-words":     readGuestCPUFile(t, "kvm-g1.feature-words.json"),
		"filtered-features": readGuestCPUFile(t, "kvm-g1.filtered-features.json"),
	})
	enabled, disabled, err := fetchGuestCPU(ctx, mon, "x86_64")
	if err != nil || enabled == nil || disabled == nil {
		t.Fatalf("%v %v %v", enabled, disabled, err)
	}
	def, err := domain.Parse(readGuestCPUFile(t, "kvm-g1.inactive.xml"), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	if err := updateGuestCPU(def, loadGuestCPUCaps(t), "x86_64", recordedHostCPU(t), true); err != nil {
		t.Fatal(err)
	}
	if _, err := updateLiveGuestCPU(def, enabled, disabled); err != nil {
		t.Fatal(err)
	}
	if got, want := cpuXML(def), wantCPU(t, "kvm-g1.live.xml"); got != want {
		t.Errorf("live CPU:\n%s\nwant:\n%s", got, want)
	}
	if e, d, err := fetchGuestCPU(ctx, fakeVCPUMonitor(t, nil), "x86_64"); e != nil || d != nil || err != nil {
		t.Errorf("no feature-words: %v %v %v", e, d, err)
	}
	if e, d, err := fetchGuestCPU(ctx, mon, "aarch64"); e != nil || d != nil || err != nil {
		t.Errorf("aarch64: %v %v %v", e, d, err)
	}
	bad := fakeVCPUMonitor(t, map[string][]byte{"feature-words": []byte(`[{"features":1}]`), "filtered-features": []byte(`[]`)})
	if _, _, err := fetchGuestCPU(ctx, bad, "x86_64"); err == nil {
		t.Error("malformed feature words accepted")
	}
}

func TestProbedHostCPU(t *testing.T) {
	cpu := probedHostCPU()
	if hostArch() == "x86_64" && (cpu == nil || cpu.Model == "") {
		t.Fatalf("host CPU not probed: %v", cpu)
	}
	if probedHostCPU() != cpu {
		t.Error("host CPU probed twice")
	}
}

// BenchmarkUpdateGuestCPU: what turning a host-model CPU into the live
// definition costs a start (the host-model CPU is decoded each time).
func BenchmarkUpdateGuestCPU(b *testing.B) {
	t := &testing.T{}
	qc := loadGuestCPUCaps(t)
	data := readGuestCPUFile(t, "hm-kvm.inactive.xml")
	host := recordedHostCPU(t)
	for b.Loop() {
		def, err := domain.Parse(data, domain.ParseInactive)
		if err != nil {
			b.Fatal(err)
		}
		if err := updateGuestCPU(def, qc, "x86_64", host, true); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzFeatureWords: whatever QEMU answers, reading its feature words
// never panics.
func FuzzFeatureWords(f *testing.F) {
	for _, name := range []string{"hm-kvm.feature-words.json", "qemu-custom.filtered-features.json"} {
		data, err := os.ReadFile(filepath.Join(guestCPUData, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"cpuid-register":"EAX","cpuid-input-eax":-1,"features":1e30}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if d, err := x86CPUDataFromFeatureWords(data); err == nil {
			_ = d.Format()
		}
	})
}

// TestGuestCPUS390HostModel: an s390 host-model CPU becomes QEMU's
// expansion of the host CPU, the CPU libvirt's command line for
// default-video-type-s390x names (qemuxml2argvdata).
func TestGuestCPUS390HostModel(t *testing.T) {
	corpus := "../../../../shared/libvirt-tests"
	qc, err := caps.LoadFile(filepath.Join(corpus, "qemucapabilitiesdata/caps_6.0.0.s390x.xml"))
	if err != nil {
		t.Skip("libvirt's test corpus is not there")
	}
	data, err := os.ReadFile(filepath.Join(corpus, "qemuxml2xmloutdata/default-video-type-s390x.s390x-latest.xml"))
	if err != nil {
		t.Skip("libvirt's test corpus is not there")
	}
	args, err := os.ReadFile(filepath.Join(corpus, "qemuxml2argvdata/default-video-type-s390x.s390x-latest.args"))
	if err != nil {
		t.Skip("libvirt's test corpus is not there")
	}
	def, err := domain.Parse(data, domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	if err := updateGuestCPU(def, qc, "s390x", nil, true); err != nil {
		t.Fatal(err)
	}
	got := def.CPU.Model
	for _, f := range def.CPU.Features {
		v := "on"
		if f.Policy == "disable" {
			v = "off"
		}
		got += "," + f.Name + "=" + v
	}
	want := ""
	for _, l := range strings.Split(string(args), "\n") {
		if s, ok := strings.CutPrefix(l, "-cpu "); ok {
			want = strings.TrimSuffix(s, " \\")
		}
	}
	if def.CPU.Mode != "custom" || got != want {
		t.Errorf("s390 host-model CPU %s:\n%s\nwant\n%s", def.CPU.Mode, got, want)
	}
}

// TestGuestCPUArgv: for every x86_64-latest case of qemuxml2argvdata
// with a CPU model or a host-model CPU, the updated CPU is the one
// libvirt's command line names: model and features in order (what
// follows them on -cpu, KVM and Hyper-V switches, is not the CPU
// definition's).
func TestGuestCPUArgv(t *testing.T) {
	corpus := "../../../../shared/libvirt-tests"
	files, _ := filepath.Glob(filepath.Join(corpus, "qemuxml2argvdata", "*.x86_64-latest.args"))
	if len(files) == 0 {
		t.Skip("libvirt's test corpus is not there")
	}
	base, err := caps.LoadFile(filepath.Join(corpus, "qemucapabilitiesdata", "caps_8.0.0.x86_64.xml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range files {
		name := strings.TrimSuffix(filepath.Base(a), ".x86_64-latest.args")
		in, err := os.ReadFile(filepath.Join(corpus, "qemuxml2argvdata", name+".xml"))
		if err != nil || !bytes.Contains(in, []byte("<cpu")) {
			continue
		}
		qc := base.Copy()
		def, err := domaindefaults.Parse(in, domaindefaults.Options{Caps: qc, HostArch: "x86_64", Flags: domain.ParseInactive})
		if err != nil || def.CPU == nil || (def.CPU.Mode == "custom" && def.CPU.Model == "") {
			continue
		}
		args, err := os.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		want := ""
		for _, l := range strings.Split(string(args), "\n") {
			if s, ok := strings.CutPrefix(l, "-cpu "); ok {
				want = strings.TrimSuffix(s, " \\")
			}
		}
		n++
		if err := updateGuestCPU(def, qc, "x86_64", nil, true); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := def.CPU.Model
		for _, f := range def.CPU.Features {
			v := "on"
			if f.Policy == "disable" || f.Policy == "forbid" {
				v = "off"
			}
			got += "," + caps.FeatureToQEMU("x86_64", f.Name) + "=" + v
		}
		if got != want && !strings.HasPrefix(want, got+",kvm-") && !strings.HasPrefix(want, got+",hv-") {
			t.Errorf("%s:\n got -cpu %s\nwant -cpu %s", name, got, want)
		}
	}
	if n < 50 {
		t.Errorf("only %d cases", n)
	}
}

// TestVerifyHyperv: Hyper-V enlightenments the domain turns on must be in
// the CPUID data QEMU gave the guest (qemuProcessVerifyHypervFeatures).
func TestVerifyHyperv(t *testing.T) {
	with := func(items ...cpumap.X86Item) cpumap.X86Data {
		d := cpumap.X86Data{}
		for _, it := range items {
			d.Add(it)
		}
		return d
	}
	hv := func(states map[string]string, direct string) *domain.Def {
		return &domain.Def{Features: &domain.Features{HyperV: &domain.HyperV{Mode: "custom", States: states, STimerDirect: direct}}}
	}
	for _, c := range []struct {
		name    string
		def     *domain.Def
		enabled cpumap.X86Data
		want    string
	}{
		{"synic given", hv(map[string]string{"synic": "on"}, ""), with(hypervCPUID["synic"]), ""},
		{"synic missing", hv(map[string]string{"synic": "on", "relaxed": "on"}, ""), with(hypervCPUID["relaxed"]),
			"unsupported configuration: host doesn't support hyperv 'synic' feature"},
		{"relaxed only warns", hv(map[string]string{"relaxed": "on", "vapic": "on"}, ""), with(hypervCPUID["synic"]), ""},
		{"off is not checked", hv(map[string]string{"ipi": "off"}, ""), with(hypervCPUID["synic"]), ""},
		{"first in libvirt's order", hv(map[string]string{"evmcs": "on", "vpindex": "on"}, ""), with(hypervCPUID["synic"]),
			"unsupported configuration: host doesn't support hyperv 'vpindex' feature"},
		{"stimer direct missing", hv(map[string]string{"stimer": "on"}, "on"), with(hypervCPUID["stimer"]),
			"unsupported configuration: host doesn't support hyperv stimer 'direct' feature"},
		{"stimer direct given", hv(map[string]string{"stimer": "on"}, "on"), with(hypervCPUID["stimer"], hvSTimerDirect), ""},
		{"passthrough", &domain.Def{Features: &domain.Features{HyperV: &domain.HyperV{Mode: "passthrough", States: map[string]string{"synic": "on"}}}}, with(), ""},
	} {
		err := verifyGuestCPU(c.def, c.enabled)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// Data without KVM's Hyper-V leaves (QEMU 7.2's feature-words) says
	// nothing about them; QEMU refuses what the kernel lacks itself.
	basic := with(cpumap.X86Item{In: 1, Edx: 1})
	if err := verifyGuestCPU(hv(map[string]string{"synic": "on"}, ""), basic); err != nil {
		t.Errorf("no Hyper-V leaves reported: %v", err)
	}
}
