package cmdrun

import (
	"path"
	"strings"
)

// ToString renders c as libvirt's virCommandToStringFull does: the
// environment first, then argv, each word quoted for a POSIX shell. With
// linebreaks every env entry and most arguments end with " \" and a
// newline, the layout libvirt's tests compare against (*.args, *.argv);
// stripPath reduces argv[0] to its base name as those tests do for
// firewall and storage helpers. The result has no trailing newline.
func ToString(c *Cmd, linebreaks, stripPath bool) string {
	var b strings.Builder
	for _, env := range c.Env {
		name, value, ok := strings.Cut(env, "=")
		if !ok {
			// libvirt refuses such an entry; show it unquoted rather than
			// inventing a value.
			b.WriteString(quoteShell(env))
		} else {
			b.WriteString(name)
			b.WriteByte('=')
			b.WriteString(quoteShell(value))
		}
		b.WriteByte(' ')
		if linebreaks {
			b.WriteString("\\\n")
		}
	}
	if len(c.Argv) == 0 {
		return b.String()
	}
	prog := c.Argv[0]
	if stripPath {
		prog = path.Base(prog)
	}
	b.WriteString(quoteShell(prog))
	args := c.Argv
	hadOption := false
	for i := 1; i < len(args); i++ {
		b.WriteByte(' ')
		if linebreaks && breakBefore(args, i, hadOption) {
			b.WriteString("\\\n")
		}
		b.WriteString(quoteShell(args[i]))
		if isOption(args[i]) {
			hadOption = true
		}
	}
	return b.String()
}

func isOption(arg string) bool { return strings.HasPrefix(arg, "-") }

// breakBefore decides whether args[i] starts a new line. An option always
// does; a value stays with the option before it; a second value stays on
// the line when an option was seen earlier and another option follows it
// (iptables' "--source NET ! --destination NET" keeps the "!" with
// "--source NET"), and otherwise starts its own line (positional words
// such as qemu-img's file names each get one).
func breakBefore(args []string, i int, hadOption bool) bool {
	if isOption(args[i]) {
		return true
	}
	if i > 1 && isOption(args[i-1]) {
		return false
	}
	if hadOption && i+1 < len(args) && isOption(args[i+1]) {
		return false
	}
	return true
}

// shellSpecial are the characters after which libvirt's
// virBufferEscapeShell quotes a word.
const shellSpecial = "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~"

// quoteShell quotes s like virBufferEscapeShell: words without shell
// metacharacters are left alone, others go in single quotes with each
// embedded quote written as '\”.
func quoteShell(s string) string {
	if s != "" && !strings.ContainsAny(s, shellSpecial) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b.WriteString("'\\''")
			continue
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
	return b.String()
}
