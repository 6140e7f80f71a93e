package interop

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

var (
	govirtdFlag = flag.String("interop.govirtd", "", "use this govirtd binary instead of building one")
	keepLogs    = flag.Bool("interop.logs", false, "log each daemon's output at the end of every test")
)

var (
	govirtdBin string // built or given; empty when the build failed
	buildErr   string
)

func TestMain(m *testing.M) {
	flag.Parse()
	var tmp string
	switch {
	case *govirtdFlag != "":
		govirtdBin = *govirtdFlag
	case os.Getenv("GOVIRTD") != "":
		govirtdBin = os.Getenv("GOVIRTD")
	case testing.Short():
		buildErr = "short mode: govirtd not built"
	default:
		var err error
		tmp, err = os.MkdirTemp("", "interop-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		govirtdBin, err = BuildGovirtd(ctx, tmp)
		cancel()
		if err != nil {
			buildErr = err.Error()
		}
	}
	code := m.Run()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	os.Exit(code)
}

// startGovirtd runs a private govirtd for the test and stops it at the
// end; a daemon that needed SIGKILL fails the test.
func startGovirtd(t *testing.T) *Daemon {
	t.Helper()
	if govirtdBin == "" {
		t.Skipf("govirtd is not available: %s", buildErr)
	}
	d, err := StartGovirtd(govirtdBin, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopDaemon(t, d) })
	return d
}

// startLibvirtd runs Debian's libvirtd as the oracle, or skips.
func startLibvirtd(t *testing.T) *Daemon {
	t.Helper()
	bin := lookPath("libvirtd", "/usr/sbin/libvirtd", "/sbin/libvirtd")
	if bin == "" {
		t.Skip("libvirtd is not installed (Debian package libvirt-daemon)")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	d, err := StartLibvirtd(bin)
	if err != nil {
		t.Skipf("cannot run libvirtd: %v", err)
	}
	t.Cleanup(func() { stopDaemon(t, d) })
	return d
}

func stopDaemon(t *testing.T, d *Daemon) {
	if *keepLogs || t.Failed() {
		t.Logf("%s log:\n%s", d.Name, d.LogText())
	}
	if !d.Alive() {
		t.Errorf("%s died during the test:\n%s", d.Name, d.LogText())
	}
	if err := d.Stop(); err != nil {
		t.Error(err)
	}
}

// lookPath finds name on PATH or at one of the given places.
func lookPath(name string, places ...string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range places {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}
