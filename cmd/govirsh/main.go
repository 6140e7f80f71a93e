// Command govirsh is govirt's virsh: the same commands, options, output
// and errors as libvirt 9.0's virsh, over govirt's public API.
//
//	govirsh [options]... [<command_string>]
//	govirsh [options]... <command> [args...]
//
// Beyond virsh, `-o json` (`--output json`) makes listing and info
// commands print JSON (docs/govirsh-json.md).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

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
	timing   bool
	debug    int
	escape   string
	logFile  string
	// keepalive settings are accepted for compatibility; in-process
	// drivers have no keepalive.
	keepaliveInterval, keepaliveCount int
	conn                              *virt.Conn
	stdin                             io.Reader
	stdout                            io.Writer
	stderr                            io.Writer
	// interactive is virsh's imode: commands come from the shell.
	interactive bool
	// json asks listing and info commands for JSON (-o json).
	json bool
	// lastErr is the libvirt error the failing command left unreported
	// (virsh's last_error); commands reset it when they report their own.
	lastErr error
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWithInput(ctx, args, os.Stdin, stdout, stderr)
}

func runWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &ctl{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, keepaliveInterval: 5, keepaliveCount: 6, escape: "^]"}
	if uri := os.Getenv("VIRSH_DEFAULT_CONNECT_URI"); uri != "" {
		c.connName = uri
	}
	rest, code, done := c.parseGlobal(args)
	if done {
		return code
	}
	defer func() {
		if c.conn != nil {
			_ = c.conn.Close(ctx)
		}
	}()
	var cmds []*parsedCmd
	var err error
	if len(rest) > 0 {
		if len(rest) == 1 {
			cmds, err = parseCommandString(rest[0])
		} else {
			cmds, err = parseArgv(rest)
		}
		if err != nil {
			c.reportSyntax(err)
			return 1
		}
	}
	// A named connection must open before anything runs; the default one
	// waits for the first command that needs it.
	if c.connName != "" {
		if !c.reconnect() {
			c.reportError()
			return 1
		}
	}
	if len(rest) == 0 {
		c.interactive = true
		c.shell()
		return 0
	}
	if !c.runCommands(cmds) {
		return 1
	}
	return 0
}

// reportSyntax prints a parse error's lines.
func (c *ctl) reportSyntax(err error) {
	if se, ok := err.(*syntaxError); ok {
		for _, m := range se.msgs {
			c.errorf("%s", m)
		}
		return
	}
	c.errorf("%s", err)
}

// runCommands is vshCommandRun: each command runs (connecting first if
// it needs the hypervisor), a failure reports the pending libvirt error,
// and a blank line follows each command's output. The result is the
// last command's.
func (c *ctl) runCommands(cmds []*parsedCmd) bool {
	ok := true
	for _, pc := range cmds {
		start := time.Now()
		c.lastErr = nil
		if !pc.def.needsConn || c.ensureConn() {
			ok = pc.def.run(c, pc)
		} else {
			ok = false
		}
		elapsed := time.Since(start)
		if !ok {
			c.reportError()
		}
		if pc.def.name == "quit" || pc.def.name == "exit" {
			return ok
		}
		if c.timing {
			c.print("\n(Time: %.3f ms)\n\n", float64(elapsed.Microseconds())/1000)
		} else {
			c.printExtra("\n")
		}
	}
	return ok
}

// ensureConn is virshConnectionHandler: reuse the connection or open it.
func (c *ctl) ensureConn() bool {
	if c.conn != nil {
		return true
	}
	return c.reconnect()
}

// reconnect opens the connection (virshReconnect); its error stays for
// reportError.
func (c *ctl) reconnect() bool {
	if c.conn != nil {
		_ = c.conn.Close(c.ctx)
		c.conn = nil
	}
	var err error
	if c.readOnly {
		c.conn, err = virt.OpenReadOnly(c.ctx, c.connName)
	} else {
		c.conn, err = virt.Open(c.ctx, c.connName)
	}
	if err != nil {
		c.conn = nil
		c.errorf("failed to connect to the hypervisor")
		c.lastErr = err
		return false
	}
	return true
}

// connect is kept for callers that want the connection opened now.
func (c *ctl) connect() bool {
	if !c.reconnect() {
		c.reportError()
		return false
	}
	return true
}

// globalOption is one of virsh's getopt_long options.
type globalOption struct {
	long  string
	short byte
	arg   int // 0 none, 1 required, 2 optional
}

var globalOptions = []globalOption{
	{"connect", 'c', 1}, {"debug", 'd', 1}, {"escape", 'e', 1}, {"help", 'h', 0},
	{"keepalive-interval", 'k', 1}, {"keepalive-count", 'K', 1}, {"log", 'l', 1},
	{"quiet", 'q', 0}, {"readonly", 'r', 0}, {"timing", 't', 0}, {"version", 'v', 2},
	{"output", 'o', 1},
}

// parseGlobal reads virsh's options up to the first command word, as
// getopt_long("+:c:d:e:hk:K:l:qrtvV") does.
func (c *ctl) parseGlobal(args []string) (rest []string, code int, done bool) {
	i := 0
	for i < len(args) {
		a := args[i]
		if a == "--" {
			return args[i+1:], 0, false
		}
		if len(a) < 2 || a[0] != '-' {
			return args[i:], 0, false
		}
		i++
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			var match *globalOption
			matches := 0
			for k := range globalOptions {
				g := &globalOptions[k]
				if g.long == name {
					match, matches = g, 1
					break
				}
				if strings.HasPrefix(g.long, name) {
					match = g
					matches++
				}
			}
			if matches != 1 {
				c.errorf("unsupported option '%s'. See --help.", a)
				return nil, 1, true
			}
			var optarg *string
			switch match.arg {
			case 0:
				if hasVal {
					c.errorf("unsupported option '-%c'. See --help.", match.short)
					return nil, 1, true
				}
			case 1:
				if !hasVal {
					if i >= len(args) {
						c.errorf("option '-%c'/'--%s' requires an argument", match.short, match.long)
						return nil, 1, true
					}
					val = args[i]
					i++
				}
				optarg = &val
			case 2:
				if hasVal {
					optarg = &val
				}
			}
			if code, done := c.globalOption(match.short, optarg, "--"+match.long); done {
				return nil, code, true
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			ch := a[j]
			var g *globalOption
			for k := range globalOptions {
				if globalOptions[k].short == ch {
					g = &globalOptions[k]
				}
			}
			if ch == 'V' {
				g = &globalOption{short: 'V'}
			}
			if g == nil {
				c.errorf("unsupported option '-%c'. See --help.", ch)
				return nil, 1, true
			}
			var optarg *string
			if g.arg == 1 {
				val := a[j+1:]
				if val == "" {
					if i >= len(args) {
						c.errorf("option '-%c'/'--%s' requires an argument", g.short, g.long)
						return nil, 1, true
					}
					val = args[i]
					i++
				}
				optarg = &val
				j = len(a)
			}
			if code, done := c.globalOption(ch, optarg, "-"+string(ch)); done {
				return nil, code, true
			}
		}
	}
	return nil, 0, false
}

// globalOption applies one option (virshParseArgv's switch).
func (c *ctl) globalOption(short byte, optarg *string, spelled string) (int, bool) {
	arg := ""
	if optarg != nil {
		arg = *optarg
	}
	switch short {
	case 'c':
		c.connName = arg
	case 'd':
		n, err := strconv.ParseInt(arg, 10, 32)
		if err != nil {
			c.errorf("option %s takes a numeric argument", longOrShort(spelled, "-d", "--debug"))
			return 1, true
		}
		if n < 0 || n > 4 {
			c.errorf("ignoring debug level %d out of range [0-4]", n)
		} else {
			c.debug = int(n)
		}
	case 'e':
		if len(arg) == 2 && arg[0] == '^' && allowedEscapeChar(arg[1]) || len(arg) == 1 && arg[0] != '^' {
			c.escape = arg
		} else {
			c.errorf("Invalid string '%s' for escape sequence", arg)
			return 1, true
		}
	case 'h':
		c.usage()
		return 0, true
	case 'k', 'K':
		long := "--keepalive-interval"
		if short == 'K' {
			long = "--keepalive-count"
		}
		name := longOrShort(spelled, "-"+string(short), long)
		n, err := strconv.ParseInt(arg, 0, 32)
		if err != nil {
			c.errorf("Invalid value for option %s", name)
			return 1, true
		}
		if n < 0 {
			c.errorf("option %s requires a positive integer argument", name)
			return 1, true
		}
		if short == 'k' {
			c.keepaliveInterval = int(n)
		} else {
			c.keepaliveCount = int(n)
		}
	case 'l':
		f, err := os.OpenFile(arg, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			c.errorf("failed to open the log file. check the log file path")
			return 1, true
		}
		f.Close()
		c.logFile = arg
	case 'q':
		c.quiet = true
	case 'r':
		c.readOnly = true
	case 't':
		c.timing = true
	case 'v':
		if optarg == nil || arg != "long" {
			fmt.Fprintln(c.stdout, version)
			return 0, true
		}
		c.showVersion()
		return 0, true
	case 'V':
		c.showVersion()
		return 0, true
	case 'o':
		switch arg {
		case "json":
			c.json = true
		case "text":
			c.json = false
		default:
			c.errorf("unsupported output format '%s' (use text or json)", arg)
			return 1, true
		}
	}
	return 0, false
}

func longOrShort(spelled, short, long string) string {
	if strings.HasPrefix(spelled, "--") {
		return long
	}
	return short
}

// allowedEscapeChar is virshAllowedEscapeChar: ^ followed by a letter or
// one of @[\]^_.
func allowedEscapeChar(ch byte) bool {
	return ch >= 'a' && ch <= 'z' || ch >= '@' && ch <= '_'
}

func (c *ctl) showVersion() {
	c.print("Virsh command line tool of libvirt %s\n", version)
	c.print("See web site at https://libvirt.org/\n\n")
	c.print("Compiled with support for:\n")
	c.print(" Hypervisors: QEMU/KVM LXC LibXL OpenVZ VMware VirtualBox ESX Test\n")
	c.print(" Networking: Remote Network Bridging Interface udev Nwfilter\n")
	c.print(" Storage: Dir Disk Filesystem SCSI Multipath iSCSI iSCSI-direct LVM RBD Gluster ZFS\n")
	c.print(" Miscellaneous: Daemon Nodedev AppArmor SELinux Secrets Debug DTrace Readline\n")
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
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(c.stderr, "error: %s\n", msg)
	c.log("ERROR", msg)
}

// warnf is vshWarn.
func (c *ctl) warnf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "warning: "+format+"\n", args...)
}

// log appends to the -l log file in vshOutputLogFile's layout.
func (c *ctl) log(level, msg string) {
	if c.logFile == "" {
		return
	}
	f, err := os.OpenFile(c.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return
	}
	defer f.Close()
	now := time.Now()
	fmt.Fprintf(f, "[%d.%02d.%02d %02d:%02d:%02d virsh %d] %s %s\n", now.Year(), int(now.Month()), now.Day(),
		now.Hour(), now.Minute(), now.Second(), os.Getpid(), level, msg)
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
