package interop

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// python3 is Debian's interpreter, the one python3-libvirt installs into
// (a python3 earlier on PATH, e.g. from pyenv, may lack the module).
func python3(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(p, "-c", "import libvirt").Run(); err == nil {
			return p
		}
	}
	t.Skip("python3-libvirt is not installed (Debian package python3-libvirt)")
	return ""
}

// runClient runs testdata/client.py for one section, bounded in time; a
// run that hangs returns what it printed so far and hung = true.
func runClient(t *testing.T, py, uri, section string, limit time.Duration) (out string, hung bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/client.py", uri, section, "testdata")
	cmd.Env = append(cmd.Environ(), "LC_ALL=C", "LIBVIRT_DEFAULT_URI=")
	b, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(b), true
	}
	if err != nil {
		return string(b) + "exit: " + err.Error() + "\n", false
	}
	return string(b), false
}

// maskKnown replaces every line that starts with a known difference's
// prefix, so the rest of two outputs can still be compared exactly.
func maskKnown(s string, k known) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		for prefix := range k {
			if strings.HasPrefix(l, prefix) {
				lines[i] = prefix + " (known difference)"
			}
		}
	}
	return strings.Join(lines, "\n")
}

func linesWithPrefix(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// remoteInherent: lines where any daemon differs from libvirt in process,
// because of what the C remote driver keeps on the client side. They are
// compared with libvirtd when it is installed, and only logged otherwise.
var remoteInherent = known{
	// The test driver resets the caller's virDomainPtr id on shutdown in
	// process; the remote client only does that itself for destroy.
	"shutdown ": "the client's cached domain id is not reset by a remote shutdown",
}

// pythonKnown: where govirtd still differs from libvirtd (and libvirt's
// own test driver) as python3-libvirt sees it, by line prefix.
var pythonKnown = map[string]known{}

// TestPythonLibvirt runs the same python3-libvirt client in process
// against test:///default, through libvirtd (when installed) and through
// govirtd, section by section (each against fresh daemons), and asks for
// identical output: open, listing and lookups, define/create/suspend/
// resume/shutdown/reboot/destroy/undefine, domain events in the modern and
// the legacy form and network events with virEventRegisterDefaultImpl's
// loop in a thread, error codes and the read-only connection, and a
// screenshot stream.
func TestPythonLibvirt(t *testing.T) {
	py := python3(t)
	for _, section := range []string{"basics", "lifecycle", "errors", "screenshot"} {
		t.Run(section, func(t *testing.T) {
			inProcess, hung := runClient(t, py, "test:///default", section, 60*time.Second)
			if hung {
				t.Fatalf("in process: python3-libvirt hung:\n%s", inProcess)
			}
			if !strings.HasSuffix(inProcess, "closed\n") {
				t.Fatalf("in process: python3-libvirt failed:\n%s", inProcess)
			}
			var viaLibvirtd string
			t.Run("libvirtd", func(t *testing.T) {
				d := startLibvirtd(t)
				out, hung := runClient(t, py, d.URI("test", "/default"), section, 60*time.Second)
				if hung {
					t.Fatalf("through libvirtd: python3-libvirt hung:\n%s", out)
				}
				viaLibvirtd = strings.ReplaceAll(out, d.URI("test", "/default"), "test:///default")
				if w, g := maskKnown(inProcess, remoteInherent), maskKnown(viaLibvirtd, remoteInherent); w != g {
					t.Logf("libvirtd differs from in process beyond the known remote differences (-in process +libvirtd):\n%s", lineDiff(w, g))
				}
			})
			t.Run("govirtd", func(t *testing.T) {
				d := startGovirtd(t)
				out, hung := runClient(t, py, d.URI("test", "/default"), section, 30*time.Second)
				if hung {
					t.Fatalf("through govirtd: python3-libvirt hung after:\n%s", out)
				}
				// The client computes getURI() itself from the URI it opened.
				got := strings.ReplaceAll(out, d.URI("test", "/default"), "test:///default")
				k := pythonKnown[section]
				oracle, oracleName := viaLibvirtd, "libvirtd"
				if oracle == "" {
					oracle, oracleName = inProcess, "test:///default in process"
					k = merge(k, remoteInherent)
				}
				for prefix, why := range k {
					w, g := linesWithPrefix(oracle, prefix), linesWithPrefix(got, prefix)
					if w == g {
						t.Logf("known difference %q is gone: remove it from the list", prefix)
					} else {
						t.Logf("known difference %q (%s):\n  %s: %s\n  govirtd: %s", prefix, why, oracleName, w, g)
					}
				}
				if w, g := maskKnown(oracle, k), maskKnown(got, k); w != g {
					t.Errorf("python3-libvirt through govirtd differs from %s (-%s +govirtd):\n%s", oracleName, oracleName, lineDiff(w, g))
				}
				// Side by side with the in-process run, for the record.
				if w, g := maskKnown(inProcess, merge(k, remoteInherent)), maskKnown(got, merge(k, remoteInherent)); w != g {
					t.Errorf("python3-libvirt through govirtd differs from in process (-test:///default +govirtd):\n%s", lineDiff(w, g))
				}
			})
		})
	}
}

func merge(a, b known) known {
	m := known{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}
