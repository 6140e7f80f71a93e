package dispatch

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/rpc/message"
	"github.com/govirt/govirt/internal/rpc/netproto"
	"github.com/govirt/govirt/internal/rpc/remote"
)

// TestScreenshotSentWithinCall: the test driver sends its image before
// DomainScreenshot returns; the daemon must still put the reply first and
// the data after it (it used to wait for a reply that could never go out).
func TestScreenshotSentWithinCall(t *testing.T) {
	f := newFixture(t, daemon.DefaultConfig())
	c := dial(t, f.rw)
	c.open("test:///default", 0)
	serial := c.callRaw(remote.Program, int32(remote.ProcDomainScreenshot), encode(&remote.DomainScreenshotArgs{Dom: remote.NonnullDomain{Name: "test", ID: 1}}))
	var ret remote.DomainScreenshotRet
	if e := decodeReply(t, c.read(), &ret); e != nil || ret.Mime == nil || *ret.Mime != "image/png" {
		t.Fatalf("screenshot reply: %v %+v", e, ret)
	}
	var data []byte
	for {
		p := c.read()
		if p.Type != netproto.Stream || p.Serial != serial || p.Status != netproto.Continue {
			t.Fatalf("stream packet %+v", p.Header)
		}
		if len(p.Payload) == 0 {
			break
		}
		data = append(data, p.Payload...)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Fatalf("not a PNG: % x", data[:min(8, len(data))])
	}
	c.send(message.Header{Prog: remote.Program, Vers: 1, Proc: int32(remote.ProcDomainScreenshot), Type: netproto.Stream, Serial: serial, Status: netproto.OK}, nil)
	if p := c.read(); p.Type != netproto.Stream || p.Status != netproto.OK {
		t.Fatalf("finish confirmation %+v", p.Header)
	}
}

// TestStockVirshScreenshot: the stock virsh saves the test driver's
// screenshot through the daemon, as it does in process.
func TestStockVirshScreenshot(t *testing.T) {
	if _, err := exec.LookPath("virsh"); err != nil {
		t.Skip("stock virsh (libvirt-clients) is not installed")
	}
	f := newFixture(t, daemon.DefaultConfig())
	dir := t.TempDir()
	run := func(uri, file string) (string, []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "virsh", "-q", "-c", uri, "screenshot", "test", file)
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir, "LC_ALL=C")
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Fatalf("virsh -c %s screenshot hung", uri)
		}
		if err != nil {
			t.Fatalf("virsh -c %s screenshot: %v\n%s", uri, err, out)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(out), file, "FILE"), data
	}
	gotOut, got := run("test+unix:///default?socket="+f.rw, filepath.Join(dir, "govirtd.png"))
	wantOut, want := run("test:///default", filepath.Join(dir, "libvirt.png"))
	if gotOut != wantOut {
		t.Errorf("virsh through govirtd printed %q, in process %q", gotOut, wantOut)
	}
	if _, err := os.Stat("/usr/share/libvirt/test-screenshot.png"); err == nil && !bytes.Equal(got, want) {
		t.Errorf("image through govirtd differs: %d bytes, libvirt's %d", len(got), len(want))
	}
}
