package storagefile

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestHandMadeHeaders reads the small headers in testdata, each made to
// show one rule of libvirt's probe.
func TestHandMadeHeaders(t *testing.T) {
	cases := []struct {
		file   string
		format string // "" probes
		want   Info
	}{
		{"cow-backing.bin", "", Info{Format: FormatCOW, Backing: "base.img", BackingFormat: BackingFormatAuto, Capacity: 1 << 20, PayloadOffset: -1}},
		{"vmdk-parent.bin", "", Info{Format: FormatVMDK, Backing: "parent.vmdk", BackingFormat: BackingFormatAuto, Capacity: 2048 * 512, PayloadOffset: -1}},
		// a backing format libvirt does not know leaves the backing name
		// and no format (BACKING_STORE_INVALID after the name was read)
		{"qcow2-unknown-backing-format.bin", "", Info{Format: FormatQCOW2, Backing: "base.qcow2", BackingFormat: BackingFormatAuto, Capacity: 1 << 20, ClusterSize: 1 << 16, PayloadOffset: -1}},
		// "none" is kept as the backing's format, which libvirt then
		// cannot read the backing image as
		{"qcow2-none-backing-format.bin", "", Info{Format: FormatQCOW2, Backing: "base.img", BackingFormat: FormatNone, Capacity: 1 << 20, ClusterSize: 1 << 16, PayloadOffset: -1}},
		// too short to hold the capacity: nothing past the format
		{"qcow2-truncated.bin", "", Info{Format: FormatQCOW2, PayloadOffset: -1}},
		{"luks.bin", "", Info{Format: FormatRaw, Encryption: "luks", PayloadOffset: 4096}},
		{"qed-noprobe.bin", "", Info{Format: FormatQED, Backing: "/images/base.raw", BackingFormat: FormatRaw, Capacity: 1 << 20, PayloadOffset: -1}},
		// read as raw, as a disk that says raw is: nothing is probed
		{"cow-backing.bin", FormatRaw, Info{Format: FormatRaw, PayloadOffset: -1}},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.format, func(t *testing.T) {
			got, err := ReadFile(filepath.Join("testdata", c.file), c.format)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Errorf("got  %+v\nwant %+v", *got, c.want)
			}
		})
	}
}

func TestFormatNumber(t *testing.T) {
	for name, want := range map[string]int{FormatNone: 0, FormatRaw: 1, FormatQCOW2: 14, FormatVMDK: 16, "vhdx": -1} {
		if got := FormatNumber(name); got != want {
			t.Errorf("FormatNumber(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := FromHeader(nil, "vhdx"); err != ErrUnknownFormat {
		t.Fatalf("got %v", err)
	}
	if _, err := FromHeader(nil, FormatNone); err != ErrUnknownFormat {
		t.Fatalf("got %v", err)
	}
}

func qemuImg(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("qemu-img", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("qemu-img %v: %v\n%s", args, err, out)
	}
}

// TestQemuImgImages reads images made by the installed qemu-img.
func TestQemuImgImages(t *testing.T) {
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed")
	}
	dir := t.TempDir()
	img := func(args ...string) { qemuImg(t, dir, append([]string{"create", "-q"}, args...)...) }
	img("-f", "raw", "raw.img", "1M")
	img("-f", "qcow2", "base.qcow2", "1M")
	img("-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2")
	img("-f", "qcow2", "-o", "compat=0.10", "-b", "raw.img", "-F", "raw", "v2.qcow2")
	img("-f", "qcow2", "-o", "lazy_refcounts=on", "lazy.qcow2", "1M")
	img("-f", "qcow2", "-o", "data_file=data.raw", "external.qcow2", "1M")
	img("-f", "qed", "-b", "raw.img", "-F", "raw", "over.qed")
	img("-f", "vmdk", "base.vmdk", "1M")
	img("-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", "over.vmdk")
	abs := filepath.Join(dir, "base.qcow2")
	img("-f", "qcow2", "-b", abs, "-F", "qcow2", "abs.qcow2")

	cases := []struct {
		file string
		want Info
	}{
		{"raw.img", Info{Format: FormatRaw, PayloadOffset: -1}},
		{"base.qcow2", Info{Format: FormatQCOW2, BackingFormat: FormatNone, Capacity: 1 << 20, ClusterSize: 65536, Compat: "1.1", PayloadOffset: -1}},
		{"top.qcow2", Info{Format: FormatQCOW2, Backing: "base.qcow2", BackingFormat: FormatQCOW2, Capacity: 1 << 20, ClusterSize: 65536, Compat: "1.1", PayloadOffset: -1}},
		{"abs.qcow2", Info{Format: FormatQCOW2, Backing: abs, BackingFormat: FormatQCOW2, Capacity: 1 << 20, ClusterSize: 65536, Compat: "1.1", PayloadOffset: -1}},
		{"v2.qcow2", Info{Format: FormatQCOW2, Backing: "raw.img", BackingFormat: FormatRaw, Capacity: 1 << 20, ClusterSize: 65536, PayloadOffset: -1}},
		{"lazy.qcow2", Info{Format: FormatQCOW2, BackingFormat: FormatNone, Capacity: 1 << 20, ClusterSize: 65536, Compat: "1.1", LazyRefcounts: true, PayloadOffset: -1}},
		{"external.qcow2", Info{Format: FormatQCOW2, BackingFormat: FormatNone, DataFile: "data.raw", Capacity: 1 << 20, ClusterSize: 65536, Compat: "1.1", PayloadOffset: -1}},
		{"over.qed", Info{Format: FormatQED, Backing: "raw.img", BackingFormat: FormatRaw, Capacity: 1 << 20, PayloadOffset: -1}},
		{"base.vmdk", Info{Format: FormatVMDK, BackingFormat: FormatNone, Capacity: 1 << 20, PayloadOffset: -1}},
		{"over.vmdk", Info{Format: FormatVMDK, Backing: "base.vmdk", BackingFormat: BackingFormatAuto, Capacity: 1 << 20, PayloadOffset: -1}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got, err := ReadFile(filepath.Join(dir, c.file), "")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Errorf("got  %+v\nwant %+v", *got, c.want)
			}
		})
	}
}

func TestReadHeaderMissing(t *testing.T) {
	if _, err := ReadHeader(filepath.Join(t.TempDir(), "none")); !os.IsNotExist(err) {
		t.Fatalf("got %v", err)
	}
}

// FuzzParse checks that no header makes the probe panic and that reading
// a header twice gives the same answer.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.bin")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, errA := FromHeader(data, "")
		b, errB := FromHeader(data, "")
		if (errA == nil) != (errB == nil) || (errA == nil && !reflect.DeepEqual(a, b)) {
			t.Fatalf("probe is not deterministic: %v %v", a, b)
		}
		for _, format := range formatOrder[1:] {
			_, _ = FromHeader(data, format)
		}
	})
}

func BenchmarkProbeQCOW2(b *testing.B) {
	data, err := os.ReadFile("testdata/qcow2-unknown-backing-format.bin")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_, _ = FromHeader(data, "")
	}
}

// The backing format extension's name is read as libvirt copies it, a C
// string; a later extension naming a format libvirt does not know leaves
// the format "auto" (-1), whatever an earlier one said.
func TestQcow2BackingFormatExtensionNames(t *testing.T) {
	header := func(names ...string) []byte {
		buf := make([]byte, 512)
		binary.BigEndian.PutUint32(buf[qcowVersion:], 2)
		binary.BigEndian.PutUint64(buf[qcowBackingFileOffset:], 400)
		off := qcow2TotalSize
		for _, name := range names {
			payload := make([]byte, 8)
			copy(payload, name)
			binary.BigEndian.PutUint32(buf[off:], qcow2ExtBackingFormat)
			binary.BigEndian.PutUint32(buf[off+4:], uint32(len(payload)))
			copy(buf[off+8:], payload)
			off += 8 + len(payload)
		}
		return buf
	}
	if f, ok := qcow2BackingFormat(header("qcow2")); !ok || f != FormatQCOW2 {
		t.Errorf("NUL-padded name: %q %v, want qcow2", f, ok)
	}
	if f, ok := qcow2BackingFormat(header("raw", "vhdx")); ok || f != BackingFormatAuto {
		t.Errorf("known then unknown: %q %v, want auto and not ok", f, ok)
	}
}
