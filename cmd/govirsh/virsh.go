package main

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// The "Virsh itself" group.
func init() {
	register(
		&cmdDef{name: "cd", run: cmdCd},
		&cmdDef{name: "echo", run: cmdEcho},
		&cmdDef{name: "exit", run: cmdQuit},
		&cmdDef{name: "quit", run: cmdQuit},
		&cmdDef{name: "help", run: cmdHelp},
		&cmdDef{name: "pwd", run: cmdPwd},
		&cmdDef{name: "connect", run: cmdConnect},
	)
}

func cmdCd(c *ctl, cmd *parsedCmd) bool {
	if !c.interactive {
		c.errorf("cd: command valid only in interactive mode")
		return false
	}
	dir, present, ok := c.strReq(cmd, "dir")
	if !ok {
		return false
	}
	if !present {
		dir = os.Getenv("HOME")
		if dir == "" {
			dir = "/"
		}
	}
	if err := os.Chdir(dir); err != nil {
		c.errorf("cd: %s: %s", errnoText(err), dir)
		return false
	}
	return true
}

// errnoText is strerror for an OS error.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errnoString(errno)
	}
	return err.Error()
}

func cmdPwd(c *ctl, cmd *parsedCmd) bool {
	dir, err := os.Getwd()
	if err != nil {
		c.errorf("pwd: cannot get current directory: %s", errnoText(err))
		return false
	}
	c.print("%s\n", dir)
	return true
}

func cmdQuit(c *ctl, cmd *parsedCmd) bool {
	c.interactive = false
	return true
}

// exclusive is VSH_EXCLUSIVE_OPTIONS: false (with virsh's error) when
// both options are given.
func (c *ctl) exclusive(cmd *parsedCmd, a, b string) bool {
	if cmd.has(a) && cmd.has(b) {
		c.errorf("Options --%s and --%s are mutually exclusive", a, b)
		return false
	}
	return true
}

// requireOpt is VSH_REQUIRE_OPTION: b must come with a.
func (c *ctl) requireOpt(cmd *parsedCmd, a, b string) bool {
	if cmd.has(a) && !cmd.has(b) {
		c.errorf("Option --%s is required by option --%s", b, a)
		return false
	}
	return true
}

func cmdEcho(c *ctl, cmd *parsedCmd) bool {
	shell, xml, split, toErr := cmd.bool("shell"), cmd.bool("xml"), cmd.bool("split"), cmd.bool("err")
	if !c.exclusive(cmd, "shell", "xml") || !c.exclusive(cmd, "shell", "split") || !c.exclusive(cmd, "xml", "split") {
		return false
	}
	var b strings.Builder
	for _, arg := range cmd.args("string") {
		switch {
		case xml:
			b.WriteString(xmlEscape(arg))
		case shell:
			b.WriteString(shellEscape(arg))
		case split:
			for _, piece := range splitCommas(arg) {
				b.WriteString(piece + "\n")
			}
		default:
			b.WriteString(arg)
		}
		b.WriteByte(' ')
	}
	out := strings.TrimRight(b.String(), " ")
	if len(cmd.args("string")) > 0 {
		if toErr {
			c.errorf("%s", out)
		} else {
			c.print("%s", out)
		}
	}
	return true
}

// shellEscape is virBufferEscapeShell.
func shellEscape(s string) string {
	if s != "" && !strings.ContainsAny(s, "|&;<>()$`\\\"' \t\n*?[#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// xmlEscape is virBufferEscapeString's escaping.
func xmlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			if ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' {
				continue
			}
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// splitCommas splits at ',' where ',,' stands for a comma
// (vshStringToArray).
func splitCommas(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			if i+1 < len(s) && s[i+1] == ',' {
				cur.WriteByte(',')
				i++
				continue
			}
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(s[i])
	}
	return append(out, cur.String())
}

func cmdConnect(c *ctl, cmd *parsedCmd) bool {
	ro := cmd.bool("readonly")
	name, present, ok := c.strReq(cmd, "name")
	if !ok {
		return false
	}
	if !ro && !present {
		ro = c.readOnly
	}
	if c.conn != nil {
		_ = c.conn.Close(c.ctx)
		c.conn = nil
	}
	uri := c.connName
	if present {
		uri = name
	}
	saved := c.readOnly
	c.readOnly = ro
	c.connName, uri = uri, c.connName
	if !c.reconnect() {
		c.connName, c.readOnly = uri, saved
		return false
	}
	return true
}
