package qemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/cpumap"
	"github.com/govirt/govirt/virt/virterr"
)

// testdata/guestcpu/mig-* were recorded from libvirt 9.0 (the embedded
// QEMU driver, QEMU 7.2 with KVM) for the host-model guest of
// mig.inactive.xml: its live definition (mig-live.xml), `dumpxml
// --migratable` of the running guest (mig-migratable.xml, byte for byte
// the definition its save image holds), the save image's cookie
// (mig-cookie.xml) and `save-image-dumpxml` (mig-saved-image-dumpxml.xml).
// The embedded driver's channel directory is replaced by the driver's,
// and the <seclabel> libvirt generated at start is left out: libvirt
// knows it generated it (implicit) and never writes it inactive, which
// a dump of the live XML cannot tell.
const recordedChannelDir = "/tmp/pcs/e/lib/qemu/channel/target"

func migratableTestDriver(t *testing.T) *Driver {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 not installed")
	}
	d, err := NewDriver(Config{Root: t.TempDir(), Privileged: true, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func recordedLiveDef(t *testing.T, d *Driver) *domain.Def {
	t.Helper()
	live := strings.ReplaceAll(string(readGuestCPUFile(t, "mig-live.xml")), recordedChannelDir, d.paths.ChannelDir)
	live = regexp.MustCompile(`(?s)  <seclabel .*</seclabel>\n`).ReplaceAllString(live, "")
	def, err := domain.Parse([]byte(live), 0)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// recordedOrigCPU is the CPU the recorded guest asked for: the <cpu> of
// its migratable definition.
func recordedOrigCPU(t *testing.T) *cpumap.CPU {
	t.Helper()
	root, err := xmltree.Parse(readGuestCPUFile(t, "mig-migratable.xml"), "mig-migratable.xml")
	if err != nil {
		t.Fatal(err)
	}
	cpu, err := cpumap.ParseNode(root.Child("cpu"), cpumap.Guest)
	if err != nil {
		t.Fatal(err)
	}
	return cpu
}

// TestMigratableXMLAsLibvirt: the migratable definition of a running
// host-model guest is its live one with the original CPU, without the
// devices older libvirt would not know (default USB controller and
// pci-root, ps2 keyboard, default audio) and without the generated guest
// agent socket path, as libvirt 9.0 writes it.
func TestMigratableXMLAsLibvirt(t *testing.T) {
	d := migratableTestDriver(t)
	live := recordedLiveDef(t, d)
	got, err := d.migratableXML(context.Background(), migratableCopyXML(live), recordedOrigCPU(t), false)
	if err != nil {
		t.Fatal(err)
	}
	if want := string(readGuestCPUFile(t, "mig-migratable.xml")); got != want {
		t.Errorf("migratable XML:\n%s\nlibvirt 9.0:\n%s", got, want)
	}
	// save-image-dumpxml reads that definition back with the defaults.
	again, err := d.parseDef(context.Background(), got, domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := again.Format(domain.FormatInactive|domain.FormatSecure), string(readGuestCPUFile(t, "mig-saved-image-dumpxml.xml")); got != want {
		t.Errorf("saved image definition read back:\n%s\nlibvirt 9.0:\n%s", got, want)
	}
}

// TestSaveCookieAsLibvirt: the save image's cookie holds the live CPU
// when QEMU changed the one the guest asked for.
func TestSaveCookieAsLibvirt(t *testing.T) {
	d := migratableTestDriver(t)
	live := recordedLiveDef(t, d)
	if got, want := saveCookie(live, true), string(readGuestCPUFile(t, "mig-cookie.xml")); got != want {
		t.Errorf("cookie:\n%s\nlibvirt 9.0:\n%s", got, want)
	}
	if got := saveCookie(live, false); got != "<cookie>\n  <slirpHelper/>\n</cookie>\n" {
		t.Errorf("cookie without an updated CPU:\n%s", got)
	}
}

func TestMigratableKeepsWhatOlderLibvirtKnows(t *testing.T) {
	d := migratableTestDriver(t)
	const x = `<domain type='qemu'><name>m</name><memory>65536</memory>
<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
<cpu mode='custom' match='exact'><model>Icelake-Server</model></cpu>
<devices>
<controller type='usb' index='0' model='qemu-xhci'/>
<channel type='unix'><source mode='bind' path='/elsewhere/org.qemu.guest_agent.0'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<input type='keyboard' bus='usb'/>
<audio id='1' type='none' timerPeriod='100'/>
</devices></domain>`
	def, err := d.parseDef(context.Background(), x, domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.migratableXML(context.Background(), migratableCopyXML(def), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<controller type='usb' index='0' model='qemu-xhci'>", // not i440FX
		"<controller type='pci' index='0' model='pcie-root'/>",
		"path='/elsewhere/org.qemu.guest_agent.0'",
		"<input type='keyboard' bus='usb'/>",
		"<audio id='1' type='none' timerPeriod='100'/>",
		"<feature policy='disable' name='pconfig'/>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
}

func TestDropDefaultChannelPath(t *testing.T) {
	dir := "/var/lib/libvirt/qemu/channel/target"
	for path, drop := range map[string]bool{
		dir + "/domain-3-g/org.qemu.guest_agent.0": true,
		dir + "/g.org.qemu.guest_agent.0":          true, // libvirt before 1.3's names
		"/tmp/org.qemu.guest_agent.0":              false,
		dir + "/domain-3-g/other":                  false,
	} {
		x := `<domain type='qemu'><name>g</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os><devices>
<channel type='unix'><source mode='bind' path='` + path + `'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices></domain>`
		def, err := domain.Parse([]byte(x), 0)
		if err != nil {
			t.Fatal(err)
		}
		ch := def.Devices.Channels()[0]
		dropDefaultChannelPath(ch, dir)
		if (ch.Chr.Path == "") != drop {
			t.Errorf("%s: dropped %v, want %v", path, ch.Chr.Path == "", drop)
		}
	}
}

// TestKVMSaveRestoreKeepsGuestCPU: a host-model guest saved and restored
// runs with the same CPU, and its save image carries the CPU it asked
// for with the live one in the cookie, as libvirt 9.0 writes them.
func TestKVMSaveRestoreKeepsGuestCPU(t *testing.T) {
	requireKVM(t)
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDriver(Config{Root: root, Privileged: true, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	h := d.Connect(0).Hypervisor
	ref, err := h.DomainDefineXML(ctx, hostModelXML)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DomainCreateWithFlags(ctx, ref, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.DomainDestroy(ctx, ref) })
	live, _ := h.DomainGetXMLDesc(ctx, ref, 0)
	liveCPU := cpuElement.FindString(live)
	migratable, err := h.DomainGetXMLDesc(ctx, ref, 8 /* VIR_DOMAIN_XML_MIGRATABLE */)
	if err != nil {
		t.Fatal(err)
	}
	origCPU := cpuElement.FindString(migratable)
	if !strings.HasPrefix(origCPU, "  <cpu mode='custom' match='exact' check='partial'>") || origCPU == liveCPU {
		t.Fatalf("migratable CPU:\n%s\nlive:\n%s", origCPU, liveCPU)
	}
	if regexp.MustCompile(` id='|<alias |<seclabel|<input type='keyboard'|<audio `).MatchString(migratable) {
		t.Errorf("migratable XML keeps live or default parts:\n%s", migratable)
	}

	img := filepath.Join(root, "hm.save")
	if err := h.DomainSave(ctx, ref, img); err != nil {
		t.Fatal(err)
	}
	hdr, xml, offset, err := readSaveImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if xml != migratable {
		t.Errorf("save image XML:\n%s\nwant the migratable one:\n%s", xml, migratable)
	}
	data, _ := os.ReadFile(img)
	cookie := string(data[saveHeaderSize+int(hdr.cookieOffset):])
	cookie = cookie[:strings.IndexByte(cookie, 0)]
	if !strings.HasPrefix(cookie, "<cookie>\n  "+strings.TrimPrefix(liveCPU, "  ")) {
		t.Errorf("cookie:\n%s\nwant the live CPU:\n%s", cookie, liveCPU)
	}
	if offset != int64(saveHeaderSize+len(xml)+1+len(cookie)+1+savePad) {
		t.Errorf("stream at %d", offset)
	}
	if cpu, err := saveCookieCPU(img); err != nil || cpu == nil || cpu.Check != "full" {
		t.Errorf("cookie CPU %+v, %v", cpu, err)
	}

	if err := h.DomainRestore(ctx, img); err != nil {
		t.Fatal(err)
	}
	restored, _ := h.DomainGetXMLDesc(ctx, ref, 0)
	if got := cpuElement.FindString(restored); got != liveCPU {
		t.Errorf("restored live CPU:\n%s\nwant:\n%s", got, liveCPU)
	}
	again, _ := h.DomainGetXMLDesc(ctx, ref, 8)
	if got := cpuElement.FindString(again); got != origCPU {
		t.Errorf("restored migratable CPU:\n%s\nwant:\n%s", got, origCPU)
	}
}

// TestSaveCookieCPUAndUpdatedCPU: the cookie of a libvirt 9.0 save image
// gives the CPU the restored guest runs with, and the definition's own
// CPU becomes its original one (qemuDomainUpdateCPU).
func TestSaveCookieCPUAndUpdatedCPU(t *testing.T) {
	xml := string(readGuestCPUFile(t, "mig-migratable.xml"))
	cookie := readGuestCPUFile(t, "mig-cookie.xml")
	data := append([]byte(xml), 0)
	h := saveHeader{version: saveVersion, cookieOffset: uint32(len(data))}
	data = append(append(data, cookie...), 0)
	data = append(data, make([]byte, savePad)...)
	h.dataLen = uint32(len(data))
	img := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(img, append(h.encode(saveMagic), data...), 0o600); err != nil {
		t.Fatal(err)
	}
	updated, err := saveCookieCPU(img)
	if err != nil || updated == nil {
		t.Fatalf("cookie CPU %v, %v", updated, err)
	}
	def, err := domain.Parse([]byte(xml), domain.ParseInactive)
	if err != nil {
		t.Fatal(err)
	}
	qc := loadGuestCPUCaps(t)
	orig := useUpdatedCPU(def, updated, qc)
	if orig == nil || orig.Check != "partial" {
		t.Fatalf("original CPU %+v", orig)
	}
	if got, want := cpuElement.FindString(def.Format(domain.FormatInactive)), "  "+strings.TrimPrefix(strings.TrimSuffix(string(cookie), "  <slirpHelper/>\n</cookie>\n"), "<cookie>\n  "); got != want {
		t.Errorf("restored CPU:\n%s\nwant the cookie's:\n%s", got, want)
	}
	d := migratableTestDriver(t)
	got, err := d.Connect(0).Hypervisor.DomainSaveImageGetXMLDesc(context.Background(), img, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := string(readGuestCPUFile(t, "mig-saved-image-dumpxml.xml")); got != want {
		t.Errorf("save-image-dumpxml:\n%s\nlibvirt 9.0:\n%s", got, want)
	}
	if useUpdatedCPU(def, updated, qc) != nil {
		t.Error("the same CPU again counts as a change")
	}
	if _, err := saveCookieCPU(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing image accepted")
	}
}

// TestKVMUpdateCPUXML: dumpxml --update-cpu of a shut-off host-model
// guest shows the custom CPU the host-model expands to, as libvirt 9.0's
// did for mig.inactive.xml on the recording host (same <cpu>, byte for
// byte, there; the features differ from host to host, so only the shape
// is checked).
func TestKVMUpdateCPUXML(t *testing.T) {
	requireKVM(t)
	ctx := context.Background()
	d, err := NewDriver(Config{Root: t.TempDir(), Privileged: true, NoAutostart: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	h := d.Connect(0).Hypervisor
	ref, err := h.DomainDefineXML(ctx, hostModelXML)
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.DomainGetXMLDesc(ctx, ref, 4 /* VIR_DOMAIN_XML_UPDATE_CPU */)
	if err != nil {
		t.Fatal(err)
	}
	cpu := cpuElement.FindString(got)
	if !strings.HasPrefix(cpu, "  <cpu mode='custom' match='exact' check='partial'>\n    <model fallback='allow'>") ||
		!strings.Contains(cpu, "<feature policy='disable' name='arch-capabilities'/>") {
		t.Errorf("updated CPU:\n%s", cpu)
	}
}

// TestSaveImageDefineXML: a new definition goes into the image's room,
// migratable, with the cookie and the stream where they were.
func TestSaveImageDefineXML(t *testing.T) {
	d := migratableTestDriver(t)
	h := d.Connect(0).Hypervisor
	ctx := context.Background()
	xml := string(readGuestCPUFile(t, "mig-migratable.xml"))
	cookie := readGuestCPUFile(t, "mig-cookie.xml")
	data := append([]byte(xml), 0)
	hdr := saveHeader{version: saveVersion, cookieOffset: uint32(len(data))}
	data = append(append(data, cookie...), 0)
	data = append(data, make([]byte, savePad)...)
	hdr.dataLen = uint32(len(data))
	img := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(img, append(append(hdr.encode(saveMagic), data...), "QEVM"...), 0o600); err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(xml, "  <memory ", "  <description>edited</description>\n  <memory ", 1)
	edited = strings.Replace(edited, "<devices>\n", "<devices>\n    <input type='keyboard' bus='ps2'/>\n", 1)
	if err := h.DomainSaveImageDefineXML(ctx, img, edited, 1<<1 /* VIR_DOMAIN_SAVE_RUNNING */); err != nil {
		t.Fatal(err)
	}
	got, gotXML, offset, err := readSaveImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if got.wasRunning != 1 || got.dataLen != hdr.dataLen || offset != int64(saveHeaderSize)+int64(hdr.dataLen) {
		t.Errorf("header %+v, stream at %d", got, offset)
	}
	want := strings.Replace(xml, "  <memory ", "  <description>edited</description>\n  <memory ", 1)
	if gotXML != want {
		t.Errorf("image definition:\n%s\nwant:\n%s", gotXML, want)
	}
	if c, err := saveImageCookie(img); err != nil || c != string(cookie) {
		t.Errorf("cookie %q, %v", c, err)
	}
	if err := h.DomainSaveImageDefineXML(ctx, img, strings.Replace(xml, "<name>hm</name>", "<name>other</name>", 1), 0); virterr.CodeOf(err) != virterr.ConfigUnsupported {
		t.Errorf("another domain's definition: %v", err)
	}
	huge := strings.Replace(xml, "  <uuid>", "  <description>"+strings.Repeat("x", savePad)+"</description>\n  <uuid>", 1)
	if err := h.DomainSaveImageDefineXML(ctx, img, huge, 0); virterr.CodeOf(err) != virterr.OperationFailed {
		t.Errorf("too large a definition: %v", err)
	}
}
