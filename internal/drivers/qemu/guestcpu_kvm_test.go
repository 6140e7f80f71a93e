package qemu

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The host-model guest of testdata/guestcpu/hm-kvm.inactive.xml (with
// the two features this kind of host cannot give a nested guest
// disabled, as it was recorded from libvirtd 9.0).
const hostModelXML = `<domain type='kvm'>
  <name>hm</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <cpu mode='host-model' check='partial'>
    <feature policy='disable' name='vme'/>
    <feature policy='disable' name='arch-capabilities'/>
  </cpu>
  <devices><memballoon model='none'/></devices>
</domain>`

var cpuElement = regexp.MustCompile(`(?s)  <cpu .*?</cpu>\n`)

// TestKVMHostModelLiveCPU: a started host-model guest shows the custom
// CPU it runs with and check='full' (qemuProcessUpdateGuestCPU and
// qemuProcessUpdateLiveGuestCPU), the status file keeps the CPU it asked
// for after <channelTargetDir>, and a driver that reconnects to the
// running guest reports the same live CPU and keeps that original.
func TestKVMHostModelLiveCPU(t *testing.T) {
	requireKVM(t)
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDriver(Config{Root: root, Privileged: true, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	h := d.Connect(0).Hypervisor
	ref, err := h.DomainDefineXML(ctx, hostModelXML)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DomainCreateWithFlags(ctx, ref, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.DomainDestroy(ctx, ref) })

	live, err := h.DomainGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	liveCPU := cpuElement.FindString(live)
	if !strings.HasPrefix(liveCPU, "  <cpu mode='custom' match='exact' check='full'>\n    <model fallback='forbid'>") {
		t.Fatalf("live CPU of a started host-model guest:\n%s", liveCPU)
	}
	inactive, _ := h.DomainGetXMLDesc(ctx, ref, 2 /* VIR_DOMAIN_XML_INACTIVE */)
	if !strings.Contains(inactive, "<cpu mode='host-model' check='partial'>") {
		t.Errorf("the persistent definition changed:\n%s", cpuElement.FindString(inactive))
	}
	status, err := os.ReadFile(d.paths.StatusFile("hm"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`<channelTargetDir [^>]*/>\n  <cpu mode='custom' match='exact' check='partial'>`).Match(status) {
		t.Fatalf("status file lacks the original CPU after <channelTargetDir>:\n%s", status)
	}

	d.Close()
	d2, err := NewDriver(Config{Root: root, Privileged: true, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	h2 := d2.Connect(0).Hypervisor
	t.Cleanup(func() { h2.DomainDestroy(ctx, ref) })
	again, err := h2.DomainGetXMLDesc(ctx, ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := cpuElement.FindString(again); got != liveCPU {
		t.Errorf("live CPU after reconnect:\n%s\nwant:\n%s", got, liveCPU)
	}
	o, err := d2.lookup(ref)
	if err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	orig := o.proc.origCPU
	o.mu.Unlock()
	if orig == nil || orig.Check != "partial" {
		t.Errorf("reconnected process lost the original CPU: %+v", orig)
	}
}
