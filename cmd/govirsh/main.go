// Command govirsh is govirt's virsh: the same commands, options, output
// and errors as libvirt 9.0's virsh, over govirt's public API.
//
//	govirsh [-c URI] [-r] [-q] COMMAND [ARG]...
//	govirsh [-c URI] [-r] [-q] 'COMMAND ARG...; COMMAND ARG...'
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/govirt/govirt/virt"
)

// version is the virsh version govirsh stands in for.
const version = "9.0.0"

// ctl is virsh's vshControl: the connection and how to print.
type ctl struct {
	ctx      context.Context
	connName string
	readOnly bool
	quiet    bool
	conn     *virt.Conn
	stdout   io.Writer
	stderr   io.Writer
	// lastErr is the libvirt error the failing command left unreported
	// (virsh's last_error); commands reset it when they report their own.
	lastErr error
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &ctl{ctx: ctx, stdout: stdout, stderr: stderr}
	rest, code, done := c.parseGlobal(args)
	if done {
		return code
	}
	if len(rest) == 0 {
		c.errorf("interactive mode is not supported; give a command")
		return 1
	}
	var cmds []*parsedCmd
	var err error
	if len(rest) == 1 {
		cmds, err = parseCommandString(rest[0])
	} else {
		var pc *parsedCmd
		pc, err = parseArgv(rest)
		cmds = []*parsedCmd{pc}
	}
	if err != nil {
		c.errorf("%s", err)
		return 1
	}
	defer func() {
		if c.conn != nil {
			_ = c.conn.Close(ctx)
		}
	}()
	ok := true
	for _, pc := range cmds {
		if pc.def.needsConn && c.conn == nil {
			if !c.connect() {
				return 1
			}
		}
		c.lastErr = nil
		ok = pc.def.run(c, pc)
		if !ok {
			c.reportError()
		}
		c.printExtra("\n")
	}
	if !ok {
		return 1
	}
	return 0
}

// parseGlobal reads virsh's options up to the first command word.
func (c *ctl) parseGlobal(args []string) (rest []string, code int, done bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			return args[i:], 0, false
		}
		if a == "--" {
			return args[i+1:], 0, false
		}
		name, val, hasVal := strings.Cut(a, "=")
		needVal := func() (string, bool) {
			if hasVal {
				return val, true
			}
			if len(name) > 2 && !strings.HasPrefix(name, "--") {
				// -cURI
				return name[2:], true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			c.errorf("option '%s' requires an argument", name)
			return "", false
		}
		switch {
		case name == "-c" || name == "--connect" || strings.HasPrefix(name, "-c") && !strings.HasPrefix(name, "--"):
			v, ok := needVal()
			if !ok {
				return nil, 1, true
			}
			c.connName = v
		case name == "-r" || name == "--readonly":
			c.readOnly = true
		case name == "-q" || name == "--quiet":
			c.quiet = true
		case name == "-v" || name == "--version" && (!hasVal || val == "short"):
			fmt.Fprintln(c.stdout, version)
			return nil, 0, true
		case name == "-V" || name == "--version" && val == "long":
			fmt.Fprintf(c.stdout, "Virsh command line tool of libvirt %s\n", version)
			return nil, 0, true
		case name == "-h" || name == "--help":
			c.printHelp()
			return nil, 0, true
		default:
			c.errorf("unsupported option '%s'. See --help.", a)
			return nil, 1, true
		}
	}
	return nil, 0, false
}

func (c *ctl) connect() bool {
	var err error
	if c.readOnly {
		c.conn, err = virt.OpenReadOnly(c.ctx, c.connName)
	} else {
		c.conn, err = virt.Open(c.ctx, c.connName)
	}
	if err != nil {
		c.errorf("failed to connect to the hypervisor")
		c.errorf("%s", err)
		return false
	}
	return true
}

// print writes to stdout (vshPrint).
func (c *ctl) print(format string, args ...any) { fmt.Fprintf(c.stdout, format, args...) }

// printExtra writes what --quiet suppresses (vshPrintExtra).
func (c *ctl) printExtra(format string, args ...any) {
	if !c.quiet {
		fmt.Fprintf(c.stdout, format, args...)
	}
}

// errorf reports an error line (vshError).
func (c *ctl) errorf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "error: "+format+"\n", args...)
}

// fail records a libvirt error for reportError and returns false, the
// failed command's result.
func (c *ctl) fail(err error) bool {
	c.lastErr = err
	return false
}

// reportError prints the libvirt error a failed command left (vshReportError).
func (c *ctl) reportError() {
	if c.lastErr != nil {
		c.errorf("%s", c.lastErr)
		c.lastErr = nil
	}
}

func (c *ctl) printHelp() {
	c.print("\nvirsh [options]... [<command_string>]\nvirsh [options]... <command> [args...]\n\n  options:\n")
	c.print("    -c | --connect=URI      hypervisor connection URI\n")
	c.print("    -h | --help             this help\n")
	c.print("    -q | --quiet            quiet mode\n")
	c.print("    -r | --readonly         connect readonly\n")
	c.print("    -v                      short version\n")
	c.print("    -V                      long version\n")
	c.print("         --version[=TYPE]   version, TYPE is short or long (default short)\n\n")
	c.print("  commands (non interactive mode):\n\n")
	for _, g := range groups {
		c.print(" %s (help keyword '%s')\n", g.name, g.keyword)
		for _, cmd := range commands {
			if cmd.group == g.keyword {
				c.print("    %-20s %s\n", cmd.name, cmd.help)
			}
		}
		c.print("\n")
	}
}
