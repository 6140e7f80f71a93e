// Command govirt-ssh-helper is what the far side of a qemu+ssh:// (or any
// +ssh) connection runs, like libvirt's virt-ssh-helper: it connects to the
// local daemon socket the URI names and copies bytes between it and its
// standard input and output, which ssh carries to the client.
//
//	govirt-ssh-helper [-r] URI
//
// -r picks the read-only socket. The socket is chosen as govirt's and
// libvirt's clients choose it (socket= in the URI, else the driver's
// modular daemon socket when it exists, else libvirtd's).
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/govirt/govirt/internal/drivers/remote"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout io.Writer, stderr io.Writer) int {
	fs := flag.NewFlagSet("govirt-ssh-helper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	readOnly := fs.Bool("r", false, "connect to the read-only socket")
	fs.BoolVar(readOnly, "readonly", false, "connect to the read-only socket")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: govirt-ssh-helper [-r] URI")
	}
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 1
	}
	sock, err := remote.HelperSocket(fs.Arg(0), *readOnly)
	if err != nil {
		fmt.Fprintf(stderr, "govirt-ssh-helper: %v\n", err)
		return 1
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		fmt.Fprintf(stderr, "govirt-ssh-helper: %v\n", err)
		return 1
	}
	return bridge(conn.(*net.UnixConn), stdin, stdout)
}

// bridge copies both ways. The client hanging up (stdin at EOF) is passed
// on as a half-close, so the daemon still delivers what it owes; the
// helper ends when the daemon closes its side.
func bridge(conn *net.UnixConn, stdin io.Reader, stdout io.Writer) int {
	go func() {
		_, _ = io.Copy(conn, stdin)
		_ = conn.CloseWrite()
	}()
	_, _ = io.Copy(stdout, conn)
	_ = conn.Close()
	return 0
}
