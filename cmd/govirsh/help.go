package main

import (
	"fmt"
	"strings"
)

// usage is virshUsage: the -h text with every group's commands.
func (c *ctl) usage() {
	buildTable()
	var b strings.Builder
	b.WriteString("\nvirsh [options]... [<command_string>]\nvirsh [options]... <command> [args...]\n\n" +
		"  options:\n" +
		"    -c | --connect=URI      hypervisor connection URI\n" +
		"    -d | --debug=NUM        debug level [0-4]\n" +
		"    -e | --escape <char>    set escape sequence for console\n" +
		"    -h | --help             this help\n" +
		"    -k | --keepalive-interval=NUM\n" +
		"                            keepalive interval in seconds, 0 for disable\n" +
		"    -K | --keepalive-count=NUM\n" +
		"                            number of possible missed keepalive messages\n" +
		"    -l | --log=FILE         output logging to file\n" +
		"    -q | --quiet            quiet mode\n" +
		"    -r | --readonly         connect readonly\n" +
		"    -t | --timing           print timing information\n" +
		"    -v                      short version\n" +
		"    -V                      long version\n" +
		"         --version[=TYPE]   version, TYPE is short or long (default short)\n" +
		"  commands (non interactive mode):\n\n")
	for _, g := range groups {
		fmt.Fprintf(&b, " %s (help keyword '%s')\n", g.name, g.keyword)
		for _, cmd := range ordered {
			if cmd.group == g.keyword {
				fmt.Fprintf(&b, "    %-30s %s\n", cmd.name, cmd.help)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n  (specify help <group> for details about the commands in the group)\n")
	b.WriteString("\n  (specify help <command> for details about the command)\n\n")
	c.print("%s", b.String())
}

// groupHelp is vshCmdGrpHelp.
func (c *ctl) groupHelp(g cmdGroup) {
	c.print(" %s (help keyword '%s'):\n", g.name, g.keyword)
	for _, cmd := range ordered {
		if cmd.group == g.keyword {
			c.print("    %-30s %s\n", cmd.name, cmd.help)
		}
	}
}

// cmdHelp is virsh's help: every group, one group, or one command.
func cmdHelp(c *ctl, cmd *parsedCmd) bool {
	buildTable()
	name, _ := cmd.str("command")
	if name == "" {
		c.print("Grouped commands:\n\n")
		for _, g := range groups {
			c.groupHelp(g)
			c.print("\n")
		}
		return true
	}
	if def := lookupCommand(name); def != nil {
		c.print("%s", commandUsage(def))
		return true
	}
	for _, g := range groups {
		if g.keyword == name {
			c.groupHelp(g)
			return true
		}
	}
	c.errorf("command or command group '%s' doesn't exist", name)
	return false
}

// commandUsage is vshCmddefHelp's text: virsh's own where the command
// is virsh's, else built from the definition the same way.
func commandUsage(def *cmdDef) string {
	if def.usage != "" {
		return strings.TrimSuffix(def.usage, "\n")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  NAME\n    %s - %s\n\n  SYNOPSIS\n    %s", def.name, def.help, def.name)
	shortopt := false
	for _, o := range def.opts {
		switch o.kind {
		case optBool:
			fmt.Fprintf(&b, " [--%s]", o.name)
		case optInt:
			if o.required {
				fmt.Fprintf(&b, " <%s>", o.name)
			} else {
				fmt.Fprintf(&b, " [--%s <number>]", o.name)
			}
			shortopt = shortopt || o.positional
		case optString:
			fmt.Fprintf(&b, " [--%s <string>]", o.name)
			shortopt = shortopt || o.positional
		case optData:
			if o.required {
				fmt.Fprintf(&b, " <%s>", o.name)
			} else {
				fmt.Fprintf(&b, " [<%s>]", o.name)
			}
			shortopt = shortopt || o.positional
		case optArgv:
			switch {
			case shortopt && o.required:
				fmt.Fprintf(&b, " {[--%s] <string>}...", o.name)
			case shortopt:
				fmt.Fprintf(&b, " [[--%s] <string>]...", o.name)
			case o.required:
				fmt.Fprintf(&b, " <%s>...", o.name)
			default:
				fmt.Fprintf(&b, " [<%s>]...", o.name)
			}
		}
	}
	b.WriteString("\n")
	hasOpts := false
	for _, o := range def.opts {
		if o.kind != optAlias {
			hasOpts = true
		}
	}
	if hasOpts {
		b.WriteString("\n  OPTIONS\n")
		for _, o := range def.opts {
			var s string
			switch o.kind {
			case optAlias:
				continue
			case optBool:
				s = "--" + o.name
			case optInt:
				if o.required {
					s = "[--" + o.name + "] <number>"
				} else {
					s = "--" + o.name + " <number>"
				}
			case optString:
				s = "--" + o.name + " <string>"
			case optData:
				s = "[--" + o.name + "] <string>"
			case optArgv:
				if shortopt {
					s = "[--" + o.name + "] <string>"
				} else {
					s = "<" + o.name + ">"
				}
			}
			fmt.Fprintf(&b, "    %-15s  %s\n", s, o.help)
		}
	}
	b.WriteString("\n")
	return b.String()
}
