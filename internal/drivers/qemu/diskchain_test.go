package qemu

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/conf/xmlbuf"
	"github.com/govirt/govirt/internal/conf/xmltree"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/virt/virterr"
)

// chainImages makes images in a fresh directory with qemu-img; each
// entry is qemu-img create's arguments after "create -q". The test is
// skipped without qemu-img.
func chainImages(t *testing.T, specs ...[]string) string {
	t.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed")
	}
	dir := t.TempDir()
	for _, args := range specs {
		cmd := exec.Command("qemu-img", append([]string{"create", "-q"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("qemu-img create %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// forgetBackingFormat rewrites a qcow2 image's backing format header
// extension into an unknown one, as images made before QEMU recorded the
// format are (current qemu-img refuses to make them).
func forgetBackingFormat(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data[:4096], []byte{0xE2, 0x79, 0x2A, 0xCA})
	if i < 0 {
		t.Fatalf("%s has no backing format extension", path)
	}
	copy(data[i:], []byte{0x0B, 0xAD, 0xF0, 0x0D})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// setBackingFormatNone makes a qcow2 image record "none" as its backing
// format.
func setBackingFormatNone(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data[:4096], []byte{0xE2, 0x79, 0x2A, 0xCA})
	if i < 0 {
		t.Fatalf("%s has no backing format extension", path)
	}
	copy(data[i+4:], []byte{0, 0, 0, 4, 'n', 'o', 'n', 'e', 0})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func parseChainDef(t *testing.T, dir, disks string) *domain.Def {
	t.Helper()
	xml := "<domain type='qemu' id='1'><name>chain</name><memory unit='KiB'>65536</memory>" +
		"<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>" +
		strings.ReplaceAll(disks, "$DIR", dir) + "</devices></domain>"
	def, err := domain.Parse([]byte(xml), domain.ParseStatus)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// formattedDisks is the <disk> elements of def's live XML.
func formattedDisks(def *domain.Def) string {
	out := def.Format(0)
	start := strings.Index(out, "    <disk")
	end := strings.LastIndex(out, "</disk>\n")
	if start < 0 || end < 0 {
		return ""
	}
	return out[start : end+len("</disk>\n")]
}

func checkDisks(t *testing.T, def *domain.Def, dir, want string) {
	t.Helper()
	want = strings.ReplaceAll(want, "$DIR", dir)
	if got := formattedDisks(def); got != want {
		t.Errorf("disks differ\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestDetermineDiskChainsLikeLibvirtd starts from the definition a
// private libvirtd 9.0 was given and expects its live XML (virsh dumpxml
// of the running guest, paths replaced): the top sources are numbered
// from the last disk to the first, then the detected layers, again from
// the last disk.
func TestDetermineDiskChainsLikeLibvirtd(t *testing.T) {
	dir := chainImages(t,
		[]string{"-f", "raw", "raw.img", "1M"},
		[]string{"-f", "qcow2", "base.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "mid.qcow2"},
		[]string{"-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", "top.qcow2"},
		[]string{"-f", "raw", "rawbase.img", "1M"},
		[]string{"-f", "qcow2", "-b", "rawbase.img", "-F", "raw", "ovl-raw.qcow2"},
		[]string{"-f", "qcow2", "plain.qcow2", "1M"},
	)
	def := parseChainDef(t, dir, `
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$DIR/raw.img'/>
      <target dev='vda' bus='virtio'/>
      <alias name='virtio-disk0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/top.qcow2'/>
      <target dev='vdb' bus='virtio'/>
      <alias name='virtio-disk1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/ovl-raw.qcow2'/>
      <target dev='vdc' bus='virtio'/>
      <alias name='virtio-disk2'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/plain.qcow2'/>
      <target dev='vdd' bus='virtio'/>
      <alias name='virtio-disk3'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
      <alias name='ide0-1-0'/>
      <address type='drive' controller='0' bus='1' target='0' unit='0'/>
    </disk>`)
	if _, err := determineDiskChains(def, true); err != nil {
		t.Fatal(err)
	}
	checkDisks(t, def, dir, `    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$DIR/raw.img' index='5'/>
      <backingStore/>
      <target dev='vda' bus='virtio'/>
      <alias name='virtio-disk0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/top.qcow2' index='4'/>
      <backingStore type='file' index='7'>
        <format type='qcow2'/>
        <source file='$DIR/mid.qcow2'/>
        <backingStore type='file' index='8'>
          <format type='qcow2'/>
          <source file='$DIR/base.qcow2'/>
          <backingStore/>
        </backingStore>
      </backingStore>
      <target dev='vdb' bus='virtio'/>
      <alias name='virtio-disk1'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/ovl-raw.qcow2' index='3'/>
      <backingStore type='file' index='6'>
        <format type='raw'/>
        <source file='$DIR/rawbase.img'/>
        <backingStore/>
      </backingStore>
      <target dev='vdc' bus='virtio'/>
      <alias name='virtio-disk2'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/plain.qcow2' index='2'/>
      <backingStore/>
      <target dev='vdd' bus='virtio'/>
      <alias name='virtio-disk3'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
      <alias name='ide0-1-0'/>
      <address type='drive' controller='0' bus='1' target='0' unit='0'/>
    </disk>
`)
}

// TestStartupPolicyAndLabels follows libvirtd 9.0 on a guest whose
// optional CD-ROM and optional disk are missing (the medium goes, the
// disk goes, its node number stays taken) and whose disks carry a DAC
// label, which the detected layers inherit.
func TestStartupPolicyAndLabels(t *testing.T) {
	dir := chainImages(t,
		[]string{"-f", "qcow2", "plain.qcow2", "1M"},
		[]string{"-f", "raw", "rawbase.img", "1M"},
		[]string{"-f", "qcow2", "-b", "rawbase.img", "-F", "raw", "ovl-raw.qcow2"},
	)
	def := parseChainDef(t, dir, `
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$DIR/none.iso' startupPolicy='optional'/><target dev='hdc' bus='ide'/><readonly/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/none.qcow2' startupPolicy='optional'/><target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/plain.qcow2'><seclabel model='dac' relabel='no'/></source><backingStore/><target dev='vdc' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/ovl-raw.qcow2'><seclabel model='dac' relabel='no'/></source><target dev='vdd' bus='virtio'/></disk>`)
	events, err := determineDiskChains(def, true)
	if err != nil {
		t.Fatal(err)
	}
	// last disk first, as libvirt walks them
	if len(events) != 2 || *events[0].OldSrcPath != filepath.Join(dir, "none.qcow2") || events[0].Reason != diskDropMissingOnStart ||
		*events[1].OldSrcPath != filepath.Join(dir, "none.iso") || events[1].Reason != diskChangeMissingOnStart || events[1].NewSrcPath != nil {
		t.Errorf("events %+v", events)
	}
	checkDisks(t, def, dir, `    <disk type='file' device='cdrom'>
      <driver name='qemu'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/plain.qcow2' index='2'>
        <seclabel model='dac' relabel='no'/>
      </source>
      <backingStore/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/ovl-raw.qcow2' index='1'>
        <seclabel model='dac' relabel='no'/>
      </source>
      <backingStore type='file' index='5'>
        <format type='raw'/>
        <source file='$DIR/rawbase.img'>
          <seclabel model='dac' relabel='no'/>
        </source>
        <backingStore/>
      </backingStore>
      <target dev='vdd' bus='virtio'/>
    </disk>
`)

	// a restore needs the disk the saved state has a section for
	def = parseChainDef(t, dir, `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/none.qcow2' startupPolicy='optional'/><target dev='vdb' bus='virtio'/></disk>`)
	if _, err := determineDiskChains(def, false); virterr.CodeOf(err) != virterr.SystemError {
		t.Fatalf("restore with a missing optional disk: %v", err)
	}
	// requisite drops only on a restore
	def = parseChainDef(t, dir, `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$DIR/none.iso' startupPolicy='requisite'/><target dev='hdc' bus='ide'/><readonly/></disk>`)
	if _, err := determineDiskChains(def, true); virterr.CodeOf(err) != virterr.SystemError {
		t.Fatalf("cold boot with a missing requisite medium: %v", err)
	}
	if _, err := determineDiskChains(def, false); err != nil || def.Devices.Disks[0].Source.Path() != "" {
		t.Fatalf("restore with a missing requisite medium: %v", err)
	}
}

// TestDiskChainErrors expects libvirtd 9.0's errors, code and words, for
// the same images.
func TestDiskChainErrors(t *testing.T) {
	dir := chainImages(t,
		[]string{"-f", "qcow2", "gone-base.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "gone-base.qcow2", "-F", "qcow2", "missing-back.qcow2"},
		[]string{"-f", "qcow2", "base.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "deep-base.qcow2"},
		[]string{"-f", "qcow2", "-b", "deep-base.qcow2", "-F", "qcow2", "nofmt2.qcow2"},
		[]string{"-f", "qcow2", "loopa.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "loopa.qcow2", "-F", "qcow2", "loopb.qcow2"},
		[]string{"-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "nonefmt.qcow2"},
	)
	setBackingFormatNone(t, filepath.Join(dir, "nonefmt.qcow2"))
	if err := os.Remove(filepath.Join(dir, "gone-base.qcow2")); err != nil {
		t.Fatal(err)
	}
	forgetBackingFormat(t, filepath.Join(dir, "nofmt2.qcow2"))
	if out, err := exec.Command("qemu-img", "rebase", "-u", "-b", "loopb.qcow2", "-F", "qcow2", filepath.Join(dir, "loopa.qcow2")).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	as := " (as uid:" + strconv.Itoa(os.Geteuid()) + ", gid:" + strconv.Itoa(os.Getegid()) + ")"
	cases := []struct {
		file, format string
		code         virterr.Code
		domain       virterr.Domain
		msg          string
	}{
		{"missing-back.qcow2", "qcow2", virterr.SystemError, virterr.FromStorage,
			"Cannot access backing file '$DIR/gone-base.qcow2' of storage file '$DIR/missing-back.qcow2'" + as + ": No such file or directory"},
		{"nofmt2.qcow2", "qcow2", virterr.OperationInvalid, virterr.FromStorage,
			"Requested operation is not valid: format of backing image 'deep-base.qcow2' of image '$DIR/nofmt2.qcow2' was not specified in the image metadata (See https://libvirt.org/kbase/backing_chains.html for troubleshooting)"},
		{"loopa.qcow2", "qcow2", virterr.InternalError, virterr.FromStorage,
			"internal error: backing store for $DIR/loopa.qcow2 is self-referential or too deeply nested"},
		{"nonefmt.qcow2", "qcow2", virterr.SystemError, virterr.FromStorage,
			"unknown storage file meta->format 0: Invalid argument"},
		{"nonexist.img", "raw", virterr.SystemError, virterr.FromStorage,
			"Cannot access storage file '$DIR/nonexist.img': No such file or directory"},
		{"nonexist.qcow2", "qcow2", virterr.SystemError, virterr.FromStorage,
			"Cannot access storage file '$DIR/nonexist.qcow2'" + as + ": No such file or directory"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			def := parseChainDef(t, dir, "<disk type='file' device='disk'><driver name='qemu' type='"+c.format+"'/><source file='$DIR/"+c.file+"'/><target dev='vda' bus='virtio'/></disk>")
			_, err := determineDiskChains(def, true)
			e := virterr.As(err)
			if e == nil {
				t.Fatalf("no error (%v)", err)
			}
			want := strings.ReplaceAll(c.msg, "$DIR", dir)
			if e.Code != c.code || e.Domain != c.domain || e.Message != want {
				t.Errorf("got %v/%v %q\nwant %v/%v %q", e.Code, e.Domain, e.Message, c.code, c.domain, want)
			}
		})
	}
}

// TestProbedAndRelativeBacking follows libvirtd 9.0 where an image does
// not record its backing format (probed, allowed while the probed image
// has no backing file of its own) and where the backing name is relative
// to the overlay's directory.
func TestProbedAndRelativeBacking(t *testing.T) {
	dir := chainImages(t,
		[]string{"-f", "qcow2", "nofmt-base.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "nofmt-base.qcow2", "-F", "qcow2", "nofmt.qcow2"},
		[]string{"-f", "raw", "nofmtraw-base.img", "1M"},
		[]string{"-f", "qcow2", "-b", "nofmtraw-base.img", "-F", "raw", "nofmtraw.qcow2"},
		[]string{"-f", "qcow2", "sub-b.qcow2", "1M"},
	)
	forgetBackingFormat(t, filepath.Join(dir, "nofmt.qcow2"))
	forgetBackingFormat(t, filepath.Join(dir, "nofmtraw.qcow2"))
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "sub-b.qcow2"), filepath.Join(dir, "sub", "b.qcow2")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", "-b", "sub/b.qcow2", "-F", "qcow2", "relsub.qcow2")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	def := parseChainDef(t, dir, `
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/nofmt.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/nofmtraw.qcow2'/><target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/relsub.qcow2'/><target dev='vdc' bus='virtio'/></disk>`)
	if _, err := determineDiskChains(def, true); err != nil {
		t.Fatal(err)
	}
	checkDisks(t, def, dir, `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/nofmt.qcow2' index='3'/>
      <backingStore type='file' index='6'>
        <format type='qcow2'/>
        <source file='$DIR/nofmt-base.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/nofmtraw.qcow2' index='2'/>
      <backingStore type='file' index='5'>
        <format type='raw'/>
        <source file='$DIR/nofmtraw-base.img'/>
        <backingStore/>
      </backingStore>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/relsub.qcow2' index='1'/>
      <backingStore type='file' index='4'>
        <format type='qcow2'/>
        <source file='$DIR/sub/b.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vdc' bus='virtio'/>
    </disk>
`)
}

// TestGivenChains: a chain the definition ends with <backingStore/> is
// not read; one it leaves open is completed from its last layer; network
// and vhost-user disks are left alone, and vhost-user takes no number.
func TestGivenChains(t *testing.T) {
	dir := chainImages(t,
		[]string{"-f", "qcow2", "base.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "mid.qcow2"},
		[]string{"-f", "qcow2", "given.qcow2", "1M"},
		[]string{"-f", "qcow2", "top-given.qcow2", "1M"},
	)
	def := parseChainDef(t, dir, `
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/given.qcow2'/>
  <backingStore type='file'><format type='qcow2'/><source file='$DIR/given-base.qcow2'/><backingStore/></backingStore>
  <target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/top-given.qcow2'/>
  <backingStore type='file'><format type='qcow2'/><source file='$DIR/mid.qcow2'/></backingStore>
  <target dev='vdb' bus='virtio'/></disk>
<disk type='network' device='disk'><driver name='qemu' type='qcow2'/><source protocol='nbd' name='x'><host name='example.org'/></source><target dev='vdc' bus='virtio'/></disk>
<disk type='vhostuser' device='disk'><driver name='qemu' type='raw'/><source type='unix' path='/run/vhost.sock'/><target dev='vdd' bus='virtio'/></disk>`)
	if _, err := determineDiskChains(def, true); err != nil {
		t.Fatal(err)
	}
	checkDisks(t, def, dir, `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/given.qcow2' index='4'/>
      <backingStore type='file' index='5'>
        <format type='qcow2'/>
        <source file='$DIR/given-base.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/top-given.qcow2' index='2'/>
      <backingStore type='file' index='3'>
        <format type='qcow2'/>
        <source file='$DIR/mid.qcow2'/>
        <backingStore type='file' index='6'>
          <format type='qcow2'/>
          <source file='$DIR/base.qcow2'/>
          <backingStore/>
        </backingStore>
      </backingStore>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source protocol='nbd' name='x' index='1'>
        <host name='example.org'/>
      </source>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <disk type='vhostuser' device='disk'>
      <driver name='qemu' type='raw'/>
      <source type='unix' path='/run/vhost.sock'/>
      <target dev='vdd' bus='virtio'/>
    </disk>
`)
}

// TestGivenChainsMustExist: each given image with a layer below it is
// checked before the chain's end is reached (the last given layer above
// <backingStore/> is not), with libvirtd 9.0's messages.
func TestGivenChainsMustExist(t *testing.T) {
	dir := chainImages(t,
		[]string{"-f", "qcow2", "base.qcow2", "1M"},
		[]string{"-f", "qcow2", "mid.qcow2", "1M"},
	)
	as := " (as uid:" + strconv.Itoa(os.Geteuid()) + ", gid:" + strconv.Itoa(os.Getegid()) + ")"
	for _, tc := range []struct{ disk, want string }{
		{`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/gone.qcow2'/>
  <backingStore type='file'><format type='qcow2'/><source file='$DIR/base.qcow2'/><backingStore/></backingStore>
  <target dev='vda' bus='virtio'/></disk>`,
			"Cannot access storage file '$DIR/gone.qcow2'" + as + ": No such file or directory"},
		{`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/mid.qcow2'/>
  <backingStore type='file'><format type='qcow2'/><source file='$DIR/nothere.qcow2'/>
    <backingStore type='file'><format type='qcow2'/><source file='$DIR/base.qcow2'/></backingStore></backingStore>
  <target dev='vda' bus='virtio'/></disk>`,
			"Cannot access backing file '$DIR/nothere.qcow2' of storage file '$DIR/mid.qcow2'" + as + ": No such file or directory"},
	} {
		def := parseChainDef(t, dir, tc.disk)
		_, err := determineDiskChains(def, true)
		want := strings.ReplaceAll(tc.want, "$DIR", dir)
		if e := virterr.As(err); e == nil || e.Code != virterr.SystemError || e.Message != want {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
	// startupPolicy='optional' drops such a disk, as libvirtd does.
	def := parseChainDef(t, dir, `<disk type='file' device='cdrom'><driver name='qemu' type='qcow2'/><source file='$DIR/gone.qcow2' startupPolicy='optional'/>
  <backingStore type='file'><format type='qcow2'/><source file='$DIR/base.qcow2'/><backingStore/></backingStore>
  <target dev='sda' bus='sata'/></disk>`)
	if events, err := determineDiskChains(def, true); err != nil || len(events) != 1 {
		t.Errorf("optional CD-ROM with a missing given image: events %v, %v", events, err)
	}
}

// TestHotplugNumbering follows libvirtd 9.0 attaching a qcow2 disk with
// one backing image when node 5 is the next free one: the detected layer
// takes 5, then the chain is numbered again from the top, 6 and 7.
func TestHotplugNumbering(t *testing.T) {
	dir := chainImages(t,
		[]string{"-f", "qcow2", "hp-base.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "hp-base.qcow2", "-F", "qcow2", "hp.qcow2"},
	)
	def := parseChainDef(t, dir, `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/hp.qcow2'/><target dev='vdb' bus='virtio'/></disk>`)
	detected, err := hotplugDiskChain(def.Devices.Disks[0])
	if err != nil || detected != 1 {
		t.Fatalf("detected %d, %v", detected, err)
	}
	if top := numberHotplugChain(def.Devices.Disks[0], 5, detected); top != 6 {
		t.Fatalf("top %d", top)
	}
	checkDisks(t, def, dir, `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/hp.qcow2' index='6'/>
      <backingStore type='file' index='7'>
        <format type='qcow2'/>
        <source file='$DIR/hp-base.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vdb' bus='virtio'/>
    </disk>
`)
	if got := chainLayers(def.Devices.Disks[0]); len(got) != 2 || got[0].node != 6 || got[1] != (chainLayer{node: 7, path: filepath.Join(dir, "hp-base.qcow2")}) {
		t.Errorf("chainLayers: %+v", got)
	}
}

func TestChainDepthLimit(t *testing.T) {
	top := &domain.StorageSource{Type: "file"}
	s := top
	for range chainMaxDepth {
		s.Backing = &domain.StorageSource{Type: "file"}
		s = s.Backing
	}
	err := validateChainDepth(top, "vda")
	if e := virterr.As(err); e == nil || e.Code != virterr.OperationUnsupported ||
		e.Message != "Operation not supported: backing chains more than 200 layers deep are not supported for disk 'vda'" {
		t.Fatalf("got %v", err)
	}
}

func TestBackingNames(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/a/b", "/a"}, {"/a", "/"}, {"a", "."}, {"/a//b", "/a"}, {"a/b/", "a/b"}, {"/", "/"},
	} {
		if got := pathDirname(c.in); got != c.want {
			t.Errorf("pathDirname(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		want bool
	}{{"a.img", true}, {"/x/y:z", true}, {"foo:bar/baz", false}, {"./foo:bar", true}, {"nbd:host:10809", false}, {"json:{}", false}} {
		if got := isFileName(c.in); got != c.want {
			t.Errorf("isFileName(%q) = %v", c.in, got)
		}
	}
	parent := &domain.StorageSource{Type: "file", Attrs: []xmltree.Attr{{Name: "file", Value: "/images/top.qcow2"}}}
	for _, c := range []struct{ raw, want string }{
		{"base.qcow2", "<source file='/images/base.qcow2'/>\n"},
		{"../b/base.qcow2", "<source file='/images/../b/base.qcow2'/>\n"},
		{"nbd://example.org/disk", "<source protocol='nbd' name='disk'>\n  <host name='example.org' port='10809'/>\n</source>\n"},
		{"nbd+unix:///exp?socket=/run/nbd.sock", "<source protocol='nbd' name='exp'>\n  <host transport='unix' socket='/run/nbd.sock'/>\n</source>\n"},
		{"https://example.org:8443/img.qcow2?a=b", "<source protocol='https' name='img.qcow2' query='a=b'>\n  <host name='example.org' port='8443'/>\n</source>\n"},
		{"nbd:example.org:10810:exportname=disk1", "<source protocol='nbd' name='disk1'>\n  <host name='example.org' port='10810'/>\n</source>\n"},
		{"nbd:unix:/run/nbd.sock", "<source protocol='nbd'>\n  <host transport='unix' socket='/run/nbd.sock'/>\n</source>\n"},
		{"rbd:pool/image@snap:id=admin:mon_host=10.0.0.1\\:6789;10.0.0.2:conf=/etc/ceph/ceph.conf",
			"<source protocol='rbd' name='pool/image'>\n  <host name='10.0.0.1' port='6789'/>\n  <host name='10.0.0.2'/>\n  <snapshot name='snap'/>\n  <config file='/etc/ceph/ceph.conf'/>\n</source>\n"},
		{`json:{"driver":"file","filename":"/images/base.qcow2"}`, "<source file='/images/base.qcow2'/>\n"},
		{`json:{"file.driver":"nbd","file.server.type":"inet","file.server.host":"h","file.export":"e"}`,
			"<source protocol='nbd' name='e'>\n  <host name='h' port='10809'/>\n</source>\n"},
		{`json:{"driver":"raw","file":{"driver":"host_device","filename":"/dev/sdz"}}`, "<source dev='/dev/sdz'/>\n"},
	} {
		s, usable, err := newBackingSource(parent, c.raw, "qcow2")
		if err != nil || !usable {
			t.Errorf("%s: %v %v", c.raw, usable, err)
			continue
		}
		if got := formatSource(s); got != c.want {
			t.Errorf("%s:\ngot  %q\nwant %q", c.raw, got, c.want)
		}
	}
	if _, usable, err := newBackingSource(parent, "http://user@example.org/x", "raw"); err != nil || usable {
		t.Errorf("inline credentials: usable %v, %v", usable, err)
	}
	for _, c := range []struct{ raw, msg string }{
		{"foo:bar", "internal error: invalid backing protocol 'foo'"},
		{"sheepdog:x", "internal error: backing store parser is not implemented for protocol sheepdog"},
		{"http:x", "internal error: malformed backing store path for protocol http"},
		{"nbd:h", "internal error: malformed nbd string 'nbd:h'"},
		{`json:{"driver":"vvfat"}`, "internal error: missing parser implementation for JSON backing volume driver 'vvfat'"},
	} {
		_, _, err := newBackingSource(parent, c.raw, "raw")
		if e := virterr.As(err); e == nil || e.Message != c.msg {
			t.Errorf("%s: got %v, want %s", c.raw, err, c.msg)
		}
	}
}

func formatSource(s *domain.StorageSource) string {
	b := xmlbuf.New()
	s.FormatSource(b, "source", 0)
	return b.String()
}

// A hot-plugged qcow2 disk with a backing image opens its chain bottom
// first with the properties libvirtd 9.0 gives the layers (read-only
// backing layers, "backing" naming the layer below, null at the end), and
// its unplug closes every layer, top first.
func TestAttachDiskChain(t *testing.T) {
	ctx := context.Background()
	dir := chainImages(t,
		[]string{"-f", "qcow2", "hp-base.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "hp-base.qcow2", "-F", "qcow2", "hp.qcow2"},
	)
	top, base := filepath.Join(dir, "hp.qcow2"), filepath.Join(dir, "hp-base.qcow2")
	nodes := `[{"node-name": "libvirt-1-format", "file": "/x.raw"}, {"node-name": "libvirt-4-storage", "file": "/y.raw"}]`
	mon, sm := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "query-named-block-nodes" {
			return json.RawMessage(nodes), nil
		}
		return answerQEMU(execute, args)
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, hotplugControllers), mon, false)
	disk := "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + top + "'/><target dev='vdb' bus='virtio'/></disk>"
	if err := c.DomainAttachDeviceFlags(ctx, o.ref(), disk, affectLive); err != nil {
		t.Fatal(err)
	}
	sameCommands(t, "disk attach", sm.commands(), []string{
		`query-named-block-nodes {"flat":true}`,
		`blockdev-add {"auto-read-only":true,"discard":"unmap","driver":"file","filename":"` + base + `","node-name":"libvirt-7-storage"}`,
		`blockdev-add {"backing":null,"driver":"qcow2","file":"libvirt-7-storage","node-name":"libvirt-7-format","read-only":true}`,
		`blockdev-add {"auto-read-only":true,"discard":"unmap","driver":"file","filename":"` + top + `","node-name":"libvirt-6-storage","read-only":false}`,
		`blockdev-add {"backing":"libvirt-7-format","driver":"qcow2","file":"libvirt-6-storage","node-name":"libvirt-6-format","read-only":false}`,
		`device_add {"addr":"0x0","bus":"pci.1","drive":"libvirt-6-format","driver":"virtio-blk-pci","id":"virtio-disk1"}`,
	})

	nodes = `[{"node-name": "libvirt-7-format", "file": "` + base + `"}, {"node-name": "libvirt-7-storage", "file": "` + base + `"},
	  {"node-name": "libvirt-6-format", "file": "` + top + `"}, {"node-name": "libvirt-6-storage", "file": "` + top + `"}]`
	before := len(sm.commands())
	o.proc.deviceRemoved("virtio-disk1")
	// by the disk's own node numbers: no lookup by file, which would also
	// name another disk's nodes over a shared base image
	sameCommands(t, "disk removal", sm.commands()[before:], []string{
		`blockdev-del {"node-name":"libvirt-6-format"}`,
		`blockdev-del {"node-name":"libvirt-6-storage"}`,
		`blockdev-del {"node-name":"libvirt-7-format"}`,
		`blockdev-del {"node-name":"libvirt-7-storage"}`,
	})
}

// A broken chain refuses the hotplug before QEMU is asked to open
// anything.
func TestAttachDiskBrokenChain(t *testing.T) {
	ctx := context.Background()
	dir := chainImages(t,
		[]string{"-f", "qcow2", "gone.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "gone.qcow2", "-F", "qcow2", "top.qcow2"},
	)
	os.Remove(filepath.Join(dir, "gone.qcow2"))
	mon, sm := newScriptedMonitor(t, 0, func(execute string, args map[string]any) (any, *qmpFailure) {
		if execute == "query-named-block-nodes" {
			return json.RawMessage(`[]`), nil
		}
		return answerQEMU(execute, args)
	})
	c, o := memoryTestDriver(t, memoryTestDef(t, hotplugControllers), mon, false)
	disk := "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + filepath.Join(dir, "top.qcow2") + "'/><target dev='vdb' bus='virtio'/></disk>"
	err := c.DomainAttachDeviceFlags(ctx, o.ref(), disk, affectLive)
	if virterr.CodeOf(err) != virterr.SystemError {
		t.Fatalf("got %v", err)
	}
	// a missing raw image is refused with libvirt's words for it
	raw := filepath.Join(dir, "none.raw")
	disk = "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + raw + "'/><target dev='vdc' bus='virtio'/></disk>"
	err = c.DomainAttachDeviceFlags(ctx, o.ref(), disk, affectLive)
	if e := virterr.As(err); e == nil || e.Message != "Cannot access storage file '"+raw+"': No such file or directory" {
		t.Fatalf("got %v", err)
	}
	for _, cmd := range sm.commands() {
		if strings.HasPrefix(cmd, "blockdev-add") || strings.HasPrefix(cmd, "device_add") {
			t.Errorf("QEMU was asked %s", cmd)
		}
	}
}

// TestNetworkBackingLayer follows libvirtd 9.0 on a qcow2 image whose
// backing file is an NBD export (served by qemu-nbd for the comparison):
// the layer is described from the URI, gets TLS off from the default
// qemu.conf, and ends the chain without a terminator, since libvirt
// cannot read network images.
func TestNetworkBackingLayer(t *testing.T) {
	dir := chainImages(t, []string{"-f", "qcow2", "-u", "-b", "nbd://127.0.0.1:10811/exp", "-F", "raw", "o-nbd.qcow2", "1M"})
	def := parseChainDef(t, dir, `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/o-nbd.qcow2'/><target dev='vda' bus='virtio'/></disk>`)
	if _, err := determineDiskChains(def, true); err != nil {
		t.Fatal(err)
	}
	checkDisks(t, def, dir, `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/o-nbd.qcow2' index='1'/>
      <backingStore type='network' index='2'>
        <format type='raw'/>
        <source protocol='nbd' name='exp' tls='no'>
          <host name='127.0.0.1' port='10811'/>
        </source>
      </backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
`)
}

// A new CD-ROM medium's chain is described (QEMU opens it itself), and a
// medium whose backing image is missing is refused with libvirt's error
// before QEMU is asked anything.
func TestChangeMediaChain(t *testing.T) {
	ctx := context.Background()
	dir := chainImages(t,
		[]string{"-f", "qcow2", "mb.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "mb.qcow2", "-F", "qcow2", "media.qcow2"},
		[]string{"-f", "qcow2", "gone.qcow2", "1M"},
		[]string{"-f", "qcow2", "-b", "gone.qcow2", "-F", "qcow2", "broken.qcow2"},
	)
	os.Remove(filepath.Join(dir, "gone.qcow2"))
	mon, sm := newScriptedMonitor(t, 0, answerQEMU)
	c, o := memoryTestDriver(t, memoryTestDef(t, statsDiskXML+periodBalloon), mon, true)
	media := func(file string) string {
		return "<disk type='file' device='cdrom'><driver name='qemu' type='qcow2'/><source file='" + filepath.Join(dir, file) +
			"'/><target dev='sda' bus='sata'/><readonly/></disk>"
	}
	err := c.DomainUpdateDeviceFlags(ctx, o.ref(), media("broken.qcow2"), affectLive)
	if e := virterr.As(err); e == nil || !strings.HasPrefix(e.Message, "Cannot access backing file '"+filepath.Join(dir, "gone.qcow2")+"'") {
		t.Fatalf("got %v", err)
	}
	if n := len(sm.commands()); n != 0 {
		t.Errorf("QEMU was asked %v", sm.commands())
	}
	if err := c.DomainUpdateDeviceFlags(ctx, o.ref(), media("media.qcow2"), affectLive); err != nil {
		t.Fatal(err)
	}
	var cd *domain.Disk
	for _, d := range o.live.Devices.Disks {
		if d.Dst() == "sda" {
			cd = d
		}
	}
	if b := cd.Source.Backing; b == nil || b.Path() != filepath.Join(dir, "mb.qcow2") || b.Format != "qcow2" || b.Backing == nil || isBacking(b.Backing) {
		t.Errorf("new medium's chain: %+v", b)
	}
}

// writeQcow2Header writes the header of a qcow2 v2 image backed by
// backing (recorded as qcow2), which is all chain detection reads.
func writeQcow2Header(t *testing.T, path, backing string) {
	t.Helper()
	h := make([]byte, 72)
	copy(h, "QFI\xfb")
	binary.BigEndian.PutUint32(h[4:], 2)
	binary.BigEndian.PutUint32(h[20:], 16)
	binary.BigEndian.PutUint64(h[24:], 1<<20)
	var ext []byte
	if backing != "" {
		ext = binary.BigEndian.AppendUint32(ext, 0xE2792ACA)
		ext = binary.BigEndian.AppendUint32(ext, 5)
		ext = append(ext, "qcow2\x00\x00\x00"...)
		ext = append(ext, 0, 0, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint64(h[8:], uint64(len(h)+len(ext)))
		binary.BigEndian.PutUint32(h[16:], uint32(len(backing)))
	}
	data := append(append(h, ext...), backing...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestChainTooDeep follows libvirtd 9.0 on chains of 200 and 201
// images: 200 start, and the 201st image is named as "self-referential
// or too deeply nested".
func TestChainTooDeep(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i <= 200; i++ {
		backing := ""
		if i > 0 {
			backing = "l" + strconv.Itoa(i-1) + ".qcow2"
		}
		writeQcow2Header(t, filepath.Join(dir, "l"+strconv.Itoa(i)+".qcow2"), backing)
	}
	def := parseChainDef(t, dir, "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/l199.qcow2'/><target dev='vda' bus='virtio'/></disk>")
	if _, err := determineDiskChains(def, true); err != nil {
		t.Fatal(err)
	}
	if n := chainLength(def.Devices.Disks[0].Source); n != 200 {
		t.Errorf("%d layers", n)
	}
	def = parseChainDef(t, dir, "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/l200.qcow2'/><target dev='vda' bus='virtio'/></disk>")
	_, err := determineDiskChains(def, true)
	want := "internal error: backing store for " + filepath.Join(dir, "l0.qcow2") + " is self-referential or too deeply nested"
	if e := virterr.As(err); e == nil || e.Code != virterr.InternalError || e.Message != want {
		t.Fatalf("got %v", err)
	}
}

// The start step sends libvirt's DISK_CHANGE event for a CD-ROM whose
// optional medium is missing.
func TestPrepareDiskChainsEvents(t *testing.T) {
	dir := t.TempDir()
	c, _ := memoryTestDriver(t, memoryTestDef(t, ""), nil, true)
	var got []driver.Event
	if _, err := c.d.events.Register(c, driver.EventDomain, eventIDDiskChange, nil, func(ev driver.Event) { got = append(got, ev) }); err != nil {
		t.Fatal(err)
	}
	def := parseChainDef(t, dir, `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='$DIR/none.iso' startupPolicy='optional'/><target dev='sda' bus='sata'/><readonly/><alias name='sata0-0-0'/></disk>`)
	if err := c.d.prepareDiskChains(def, true); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d events", len(got))
	}
	m, ok := got[0].Payload.(*driver.DomainEventDiskChangeMsg)
	if !ok || m.Dom.Name != "chain" || m.Dom.ID != 1 || *m.OldSrcPath != filepath.Join(dir, "none.iso") || m.NewSrcPath != nil ||
		m.DevAlias != "sata0-0-0" || m.Reason != diskChangeMissingOnStart {
		t.Errorf("event %+v", got[0].Payload)
	}
}
