package main

import (
	"errors"
	"fmt"
	"strings"
)

// optKind is how a command option takes its value (virsh's vshCmdOptType).
type optKind int

const (
	optBool   optKind = iota // --flag
	optString                // --name value
	optData                  // like optString, also taken positionally
)

type optDef struct {
	name     string
	kind     optKind
	required bool
	help     string
}

// cmdDef is one command of the table (vshCmdDef).
type cmdDef struct {
	name      string
	group     string // help keyword of its group
	help      string
	opts      []optDef
	needsConn bool
	run       func(c *ctl, cmd *parsedCmd) bool
}

type cmdGroup struct{ name, keyword string }

// groups lists command groups in virsh's order; each group's commands
// live in their own file and add themselves to commands.
var groups = []cmdGroup{
	{"Domain Management", "domain"},
	{"Domain Monitoring", "monitor"},
}

// commands is the command table, filled by each group's file.
var commands []*cmdDef

func register(cmds ...*cmdDef) { commands = append(commands, cmds...) }

func lookupCommand(name string) *cmdDef {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// parsedCmd is a command with its options (vshCmd).
type parsedCmd struct {
	def  *cmdDef
	opts map[string]string
	set  map[string]bool
}

func (p *parsedCmd) bool(name string) bool { return p.set[name] }

func (p *parsedCmd) str(name string) (string, bool) {
	v, ok := p.opts[name]
	return v, ok
}

// parseArgv reads one command from separate words (vshCommandArgvParse).
func parseArgv(words []string) (*parsedCmd, error) {
	return parseCommand(words)
}

// parseCommandString splits a command string into commands at ';' and
// words at blanks, with '…' and "…" quoting and backslash escapes
// (vshCommandStringParse).
func parseCommandString(s string) ([]*parsedCmd, error) {
	var cmds []*parsedCmd
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	endCmd := func() error {
		flush()
		if len(words) > 0 {
			pc, err := parseCommand(words)
			if err != nil {
				return err
			}
			cmds = append(cmds, pc)
		}
		words = nil
		return nil
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n':
			flush()
		case ch == ';':
			if err := endCmd(); err != nil {
				return nil, err
			}
		case ch == '#' && !inWord:
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case ch == '\'' || ch == '"':
			end := strings.IndexByte(s[i+1:], ch)
			if end < 0 {
				return nil, errors.New("missing \"")
			}
			cur.WriteString(s[i+1 : i+1+end])
			inWord = true
			i += end + 1
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if err := endCmd(); err != nil {
		return nil, err
	}
	return cmds, nil
}

// parseCommand matches words against the command's options as virsh does:
// --name[=value] options in any order, other words filling the data
// options in order.
func parseCommand(words []string) (*parsedCmd, error) {
	def := lookupCommand(words[0])
	if def == nil {
		return nil, fmt.Errorf("unknown command: '%s'", words[0])
	}
	pc := &parsedCmd{def: def, opts: map[string]string{}, set: map[string]bool{}}
	find := func(name string) *optDef {
		for i := range def.opts {
			if def.opts[i].name == name {
				return &def.opts[i]
			}
		}
		return nil
	}
	args := words[1:]
	onlyData := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !onlyData && a == "--" {
			onlyData = true
			continue
		}
		if !onlyData && strings.HasPrefix(a, "--") && len(a) > 2 {
			name, val, hasVal := strings.Cut(a[2:], "=")
			o := find(name)
			if o == nil {
				return nil, fmt.Errorf("command '%s' doesn't support option --%s", def.name, name)
			}
			if pc.set[name] {
				return nil, fmt.Errorf("option --%s already seen", name)
			}
			if o.kind == optBool {
				if hasVal {
					return nil, fmt.Errorf("invalid '=' after option --%s", name)
				}
			} else if !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("expected syntax: --%s <%s>", name, dataName(o))
				}
				i++
				val = args[i]
			}
			pc.set[name] = true
			pc.opts[name] = val
			continue
		}
		var target *optDef
		for j := range def.opts {
			if def.opts[j].kind == optData && !pc.set[def.opts[j].name] {
				target = &def.opts[j]
				break
			}
		}
		if target == nil {
			return nil, fmt.Errorf("unexpected data '%s'", a)
		}
		pc.set[target.name] = true
		pc.opts[target.name] = a
	}
	for _, o := range def.opts {
		if o.required && !pc.set[o.name] {
			if o.kind == optData {
				return nil, fmt.Errorf("command '%s' requires <%s> option", def.name, o.name)
			}
			return nil, fmt.Errorf("command '%s' requires --%s option", def.name, o.name)
		}
	}
	return pc, nil
}

func dataName(o *optDef) string {
	switch o.kind {
	case optBool:
		return ""
	}
	return o.name
}
