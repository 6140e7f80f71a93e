package caps

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
)

// localQEMU writes a wrapper script around the installed
// qemu-system-x86_64 into a temporary directory (QEMU finds its modules
// beside its real path, so it cannot be copied), whose mtime the test may
// change; it skips without QEMU.
func localQEMU(t testing.TB) string {
	t.Helper()
	src, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Skip("qemu-system-x86_64 not installed")
	}
	dst := filepath.Join(t.TempDir(), "qemu-system-x86_64")
	script := "#!/bin/sh\nexec " + src + " \"$@\"\n"
	if err := os.WriteFile(dst, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestRealProbeAndCache(t *testing.T) {
	if testing.Short() {
		t.Skip("starts QEMU")
	}
	bin := localQEMU(t)
	dir := t.TempDir()
	k := NewCache(dir, &cmdrun.Exec{})
	ctx := context.Background()
	c, err := k.Lookup(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	if c.Arch != "x86_64" || c.Version < 7000000 {
		t.Fatalf("arch %q version %d", c.Arch, c.Version)
	}
	for _, f := range []Flag{TCG, DeviceVirtioNet, VirtioSCSI, DevicePCIERootPort, DeviceQEMUXHCI, QueryCPUModelExpansion, ObjectJSON, NetdevJSON} {
		if !c.Has(f) {
			t.Errorf("flag %s missing", f)
		}
	}
	if c.DefaultMachine(VirtTCG) == "" && c.DefaultMachine(VirtKVM) == "" {
		t.Error("no machine types")
	}
	if k.Probes != 1 {
		t.Fatalf("probes = %d", k.Probes)
	}
	// Second lookup: memory hit; a fresh cache over the same directory:
	// file hit.
	if _, err := k.Lookup(ctx, bin); err != nil || k.Probes != 1 {
		t.Fatalf("second lookup probed again (%d, %v)", k.Probes, err)
	}
	k2 := NewCache(dir, &cmdrun.Exec{})
	c2, err := k2.Lookup(ctx, bin)
	if err != nil || k2.Probes != 0 {
		t.Fatalf("file cache missed (%d, %v)", k2.Probes, err)
	}
	if c2.Format() != c.Format() {
		t.Error("cached capabilities differ from probed ones")
	}
	// Touching the binary invalidates both.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(bin, later, later); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if _, err := k2.Lookup(ctx, bin); err != nil || k2.Probes != 1 {
		t.Fatalf("changed binary not probed again (%d, %v)", k2.Probes, err)
	}
}

func BenchmarkProbeBinary(b *testing.B) {
	bin, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		b.Skip("qemu-system-x86_64 not installed")
	}
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := ProbeBinary(ctx, &cmdrun.Exec{}, bin); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProbeReplay(b *testing.B) {
	files := corpusCaps(b)
	path := files[len(files)-1]
	for i := 0; i < b.N; i++ {
		corpusReplay(b, path[:len(path)-len(".xml")]+".replies")
	}
}
