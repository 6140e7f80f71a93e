package difftest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Daemon runs a client (normally the stock virsh) against a private
// govirtd per script, through test+unix:///default?socket=…. The daemon's
// test driver keeps its state for the daemon's life, as libvirtd's does,
// so scripts undo what they change.
type Daemon struct {
	Govirtd string // the daemon binary
	Client  string // the client binary speaking to it
	Label   string
}

func (d Daemon) Mode() string { return d.Label }
func (d Daemon) Daemon() bool { return true }

// Start starts govirtd --root under a short private directory (unix socket
// paths are limited to 108 bytes) and waits until a client gets an answer.
func (d Daemon) Start(ctx context.Context, s *Script, _ string) (Client, func(), error) {
	root, err := os.MkdirTemp("", "difftest-govirtd-")
	if err != nil {
		return Client{}, nil, err
	}
	logf, err := os.Create(filepath.Join(root, "govirtd.log"))
	if err != nil {
		os.RemoveAll(root)
		return Client{}, nil, err
	}
	cmd := exec.Command(d.Govirtd, "--root", root)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = cleanEnv(root)
	if err := cmd.Start(); err != nil {
		logf.Close()
		os.RemoveAll(root)
		return Client{}, nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.RemoveAll(root)
	}
	sock := filepath.Join(root, "run", "libvirt", "libvirt-sock")
	c := Client{Label: d.Label, Binary: d.Client, URI: "test+unix:///default?socket=" + sock, NoRetry: true}
	if err := waitReady(ctx, c, sock, root, done); err != nil {
		log, _ := os.ReadFile(filepath.Join(root, "govirtd.log"))
		stop()
		return Client{}, nil, fmt.Errorf("govirtd for %s: %v\n%s", s.Name, err, strings.TrimSpace(string(log)))
	}
	return c, stop, nil
}

// waitReady waits for the socket, then for a client to answer "uri".
func waitReady(ctx context.Context, c Client, sock, dir string, done <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		select {
		case <-done:
			return fmt.Errorf("exited before creating %s", sock)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no socket %s after 30s", sock)
		}
	}
	// The socket file exists from bind(), a moment before the daemon
	// listens, so a refused first client is asked again until the deadline.
	c.Timeout = 10 * time.Second
	c.NoRetry = false
	for {
		o := c.Run(ctx, dir, []string{"uri"})
		if o.Exit == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s -c %s uri: exit %d: %s", c.Binary, c.URI, o.Exit, strings.TrimSpace(o.Stderr))
		}
		select {
		case <-done:
			return fmt.Errorf("exited before answering %s -c %s uri: %s", c.Binary, c.URI, strings.TrimSpace(o.Stderr))
		case <-time.After(50 * time.Millisecond):
		}
	}
}
