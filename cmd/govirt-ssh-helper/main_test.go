package main

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestBridge runs the helper against an echo daemon: what arrives on
// stdin reaches the socket named by the URI, and the answer comes out on
// stdout; the helper ends when stdin does.
func TestBridge(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()
	var out, errOut bytes.Buffer
	code := run([]string{"test:///default?socket=" + sock}, strings.NewReader("ping"), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if out.String() != "ping" {
		t.Errorf("stdout %q", out.String())
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, strings.NewReader(""), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "usage") {
		t.Errorf("exit %d, %q", code, errOut.String())
	}
	if code := run([]string{"test:///default?socket=/nonexistent/sock"}, strings.NewReader(""), &out, &errOut); code != 1 {
		t.Errorf("missing socket: exit %d", code)
	}
}
