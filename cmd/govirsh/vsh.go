package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// optKind is how a command option takes its value (virsh's vshCmdOptType).
type optKind int

const (
	optBool   optKind = iota // --flag
	optString                // --name value
	optData                  // like optString, shown as [--name] <string>
	optInt                   // --name number
	optArgv                  // every remaining word
	optAlias                 // another name for an option (alias holds it, maybe "name=value")
)

type optDef struct {
	name     string
	kind     optKind
	required bool
	help     string
	// positional options take bare words in table order (virsh: every
	// non-boolean option without VSH_OFLAG_REQ_OPT).
	positional bool
	alias      string
	// emptyOK accepts an empty string value (VSH_OFLAG_EMPTY_OK).
	emptyOK bool
}

// cmdDef is one command of the table (vshCmdDef).
type cmdDef struct {
	name  string
	group string // help keyword of its group
	help  string // one-line summary
	opts  []optDef
	// needsConn: the command runs only with a usable connection (virsh's
	// commands without VSH_CMD_FLAG_NOCONNECT).
	needsConn bool
	run       func(c *ctl, cmd *parsedCmd) bool
	// usage is virsh's verbatim `help COMMAND` text, when known.
	usage string
}

type cmdGroup struct{ name, keyword string }

// impls holds the commands each group's file registers; the table the
// parser uses combines them with virsh's own command specifications.
var impls = map[string]*cmdDef{}

func register(cmds ...*cmdDef) {
	for _, c := range cmds {
		impls[c.name] = c
	}
}

// cmdSpec is a command as virsh 9.0 defines it (spec_gen.go).
type cmdSpec struct {
	group, name, info, help string
	opts                    []optSpec
}

type optSpec struct {
	name       string
	kind       optKind
	required   bool
	positional bool
}

// commandAliases are virsh's hidden command names (VSH_CMD_FLAG_ALIAS).
var commandAliases = map[string]string{
	"nodedev-dettach": "nodedev-detach",
}

// optionAliases are virsh's hidden option names (VSH_OT_ALIAS): the
// target option, or "option=value" for a boolean standing for a value.
var optionAliases = map[string][]optDef{
	"echo":             {{name: "str", kind: optAlias, alias: "string"}, {name: "hi", kind: optAlias, alias: "string=hello"}},
	"nodedev-destroy":  {{name: "name", kind: optAlias, alias: "device"}},
	"nodedev-detach":   {{name: "name", kind: optAlias, alias: "device"}},
	"nodedev-reattach": {{name: "name", kind: optAlias, alias: "device"}},
	"nodedev-reset":    {{name: "name", kind: optAlias, alias: "device"}},
	"nodedev-dumpxml":  {{name: "name", kind: optAlias, alias: "device"}},
	"domif-getlink":    {{name: "persistent", kind: optAlias, alias: "config"}},
	"domif-setlink":    {{name: "persistent", kind: optAlias, alias: "config"}},
	"attach-disk":      {{name: "shareable", kind: optAlias, alias: "mode=shareable"}, {name: "sourcetype", kind: optAlias, alias: "source-type"}},
	"attach-interface": {{name: "persistent", kind: optAlias, alias: "config"}},
	"detach-interface": {{name: "persistent", kind: optAlias, alias: "config"}},
	"detach-disk":      {{name: "persistent", kind: optAlias, alias: "config"}},
	"attach-device":    {{name: "persistent", kind: optAlias, alias: "config"}},
	"detach-device":    {{name: "persistent", kind: optAlias, alias: "config"}},
	"update-device":    {{name: "persistent", kind: optAlias, alias: "config"}},
}

// emptyOKOptions lists options that accept an empty value.
var emptyOKOptions = map[string]bool{
	"echo/string": true, "secret-set-value/base64": true, "net-update/xml": false,
	"desc/new-desc": true, "metadata/set": true,
}

// helpOpt is the --help every command accepts.
var helpOpt = optDef{name: "help", kind: optBool}

var (
	tableOnce sync.Once
	cmdTable  map[string]*cmdDef
	ordered   []*cmdDef
	groups    []cmdGroup
)

// commands builds the command table once: virsh's specifications with
// the implementations registered for them, then registered commands
// virsh does not have.
func buildTable() {
	tableOnce.Do(func() {
		cmdTable = map[string]*cmdDef{}
		groups = specGroups
		for i := range specs {
			s := &specs[i]
			def := impls[s.name]
			if def == nil {
				def = &cmdDef{name: s.name, run: notImplemented}
			}
			def.group, def.help, def.usage = s.group, s.info, s.help
			opts := make([]optDef, 0, len(s.opts))
			for _, o := range s.opts {
				d := optDef{name: o.name, kind: o.kind, required: o.required, positional: o.positional}
				d.emptyOK = emptyOKOptions[s.name+"/"+o.name]
				opts = append(opts, d)
			}
			for _, a := range optionAliases[s.name] {
				if a.kind == optAlias {
					opts = append([]optDef{a}, opts...)
				}
			}
			def.opts = opts
			cmdTable[s.name] = def
			ordered = append(ordered, def)
		}
		for name, def := range impls {
			if _, ok := cmdTable[name]; ok {
				continue
			}
			for i := range def.opts {
				o := &def.opts[i]
				if o.kind != optBool && o.kind != optAlias {
					o.positional = o.positional || o.kind == optData || o.kind == optArgv
				}
			}
			cmdTable[name] = def
			ordered = append(ordered, def)
		}
	})
}

func notImplemented(c *ctl, cmd *parsedCmd) bool {
	c.errorf("command '%s' is not implemented by govirsh", cmd.def.name)
	return false
}

func lookupCommand(name string) *cmdDef {
	buildTable()
	if target, ok := commandAliases[name]; ok {
		name = target
	}
	return cmdTable[name]
}

// parsedCmd is a command with its options (vshCmd).
type parsedCmd struct {
	def  *cmdDef
	opts map[string]string
	set  map[string]bool
	argv map[string][]string
}

func (p *parsedCmd) bool(name string) bool { return p.set[name] }

// has tells whether the option was given (vshCommandOptBool for any kind).
func (p *parsedCmd) has(name string) bool { return p.set[name] }

func (p *parsedCmd) str(name string) (string, bool) {
	v, ok := p.opts[name]
	return v, ok
}

// args returns every word an argv option collected.
func (p *parsedCmd) args(name string) []string { return p.argv[name] }

func (p *parsedCmd) optDef(name string) *optDef {
	for i := range p.def.opts {
		if p.def.opts[i].name == name {
			return &p.def.opts[i]
		}
	}
	return nil
}

// errOptionFailed marks an option error vsh has already reported.
var errOptionFailed = errors.New("option error reported")

// strReq is vshCommandOptStringReq: an absent option is ("", false, nil);
// an empty value is an error unless the option accepts it.
func (c *ctl) strReq(cmd *parsedCmd, name string) (string, bool, bool) {
	v, ok := cmd.opts[name]
	if !ok {
		return "", false, true
	}
	if v == "" {
		if o := cmd.optDef(name); o == nil || !o.emptyOK {
			c.errorf("Failed to get option '%s': Option argument is empty", name)
			return "", false, false
		}
	}
	return v, true, true
}

// numberErr reports a malformed or out-of-range number as vsh does.
func (c *ctl) numberErr(cmd *parsedCmd, name string) {
	c.errorf("Numeric value '%s' for <%s> option is malformed or out of range", cmd.opts[name], name)
}

// intOpt is vshCommandOptInt: (value, present, ok).
func (c *ctl) intOpt(cmd *parsedCmd, name string) (int, bool, bool) {
	v, ok := cmd.opts[name]
	if !ok {
		return 0, false, true
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		c.numberErr(cmd, name)
		return 0, true, false
	}
	return int(n), true, true
}

// uintOpt is vshCommandOptUInt (negative values rejected).
func (c *ctl) uintOpt(cmd *parsedCmd, name string) (uint, bool, bool) {
	v, ok := cmd.opts[name]
	if !ok {
		return 0, false, true
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		c.numberErr(cmd, name)
		return 0, true, false
	}
	return uint(n), true, true
}

// ullOpt is vshCommandOptULongLong.
func (c *ctl) ullOpt(cmd *parsedCmd, name string) (uint64, bool, bool) {
	v, ok := cmd.opts[name]
	if !ok {
		return 0, false, true
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		c.numberErr(cmd, name)
		return 0, true, false
	}
	return n, true, true
}

// scaledOpt is vshCommandOptScaledInt: a number with an optional unit
// suffix, scaled from the default unit scale.
func (c *ctl) scaledOpt(cmd *parsedCmd, name string, scale, max uint64) (uint64, bool, bool) {
	v, ok := cmd.opts[name]
	if !ok {
		return 0, false, true
	}
	n, err := parseScaled(v, scale, max)
	if err != nil {
		c.errorf("Scaled numeric value '%s' for <%s> option is malformed or out of range", v, name)
		return 0, true, false
	}
	return n, true, true
}

// parseScaled is virStrToLong_ullp followed by virScaleInteger.
func parseScaled(s string, scale, max uint64) (uint64, error) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return 0, errors.New("malformed")
	}
	n, err := strconv.ParseUint(s[i:j], 10, 64)
	if err != nil {
		return 0, err
	}
	suffix := s[j:]
	if suffix != "" {
		base := uint64(1024)
		unit := strings.ToLower(suffix[:1])
		rest := strings.ToLower(suffix[1:])
		switch rest {
		case "", "ib":
		case "b":
			base = 1000
		default:
			return 0, &scaleError{"invalid argument: unknown suffix '" + suffix + "'"}
		}
		pow := 0
		switch unit {
		case "b":
			if rest != "" {
				return 0, &scaleError{"invalid argument: unknown suffix '" + suffix + "'"}
			}
		case "k":
			pow = 1
		case "m":
			pow = 2
		case "g":
			pow = 3
		case "t":
			pow = 4
		case "p":
			pow = 5
		case "e":
			pow = 6
		default:
			return 0, &scaleError{"invalid argument: unknown suffix '" + suffix + "'"}
		}
		scale = 1
		for k := 0; k < pow; k++ {
			scale *= base
		}
	}
	if scale != 0 && n > max/scale {
		return 0, &scaleError{fmt.Sprintf("numerical overflow: value too large: %d%s", n, suffix)}
	}
	return n * scale, nil
}

// scaleError is virScaleInteger's own error, which virsh reports after
// its message.
type scaleError struct{ msg string }

func (e *scaleError) Error() string { return e.msg }

// syntaxError is a parse error vsh reports as "error: …".
type syntaxError struct{ msgs []string }

func (e *syntaxError) Error() string { return strings.Join(e.msgs, "\n") }

func synErr(format string, args ...any) error {
	return &syntaxError{msgs: []string{fmt.Sprintf(format, args...)}}
}

// tokenizer yields words and command ends from a command string
// (vshCommandStringGetArg) or from argv.
type tokenizer interface {
	next() (tok int, word string, err error)
}

const (
	tkEnd = iota
	tkArg
	tkSubEnd
)

type stringTokens struct {
	s   string
	pos int
}

func (t *stringTokens) next() (int, string, error) {
	s := t.s
	p := t.pos
	for p < len(s) && (s[p] == ' ' || s[p] == '\t' || s[p] == '\\' && p+1 < len(s) && s[p+1] == '\n') {
		if s[p] == '\\' {
			p++
		}
		p++
	}
	if p >= len(s) {
		t.pos = p
		return tkEnd, "", nil
	}
	if s[p] == ';' || s[p] == '\n' {
		t.pos = p + 1
		return tkSubEnd, "", nil
	}
	if s[p] == '#' {
		for p < len(s) && s[p] != '\n' {
			p++
		}
		if p < len(s) {
			p++
		}
		t.pos = p
		return tkSubEnd, "", nil
	}
	var b strings.Builder
	single, double := false, false
	for p < len(s) {
		ch := s[p]
		if !double && !single && (ch == ' ' || ch == '\t' || ch == ';' || ch == '\n') {
			break
		}
		if !double && ch == '\'' {
			single = !single
			p++
			continue
		} else if !single && ch == '\\' {
			p++
			if p >= len(s) {
				return 0, "", synErr("dangling \\")
			}
			if s[p] == '\n' {
				p++
				continue
			}
		} else if !single && ch == '"' {
			double = !double
			p++
			continue
		}
		b.WriteByte(s[p])
		p++
	}
	if double {
		return 0, "", synErr("missing \"")
	}
	t.pos = p
	return tkArg, b.String(), nil
}

type argvTokens struct {
	words []string
	pos   int
}

func (t *argvTokens) next() (int, string, error) {
	if t.pos >= len(t.words) {
		return tkEnd, "", nil
	}
	t.pos++
	return tkArg, t.words[t.pos-1], nil
}

// parseArgv reads one command from separate words (vshCommandArgvParse).
func parseArgv(words []string) ([]*parsedCmd, error) {
	return parseCommands(&argvTokens{words: words})
}

// parseCommandString splits a command string into commands
// (vshCommandStringParse).
func parseCommandString(s string) ([]*parsedCmd, error) {
	return parseCommands(&stringTokens{s: s})
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// parseCommands is vshCommandParse: every command of the line is parsed
// before any runs; the first syntax error drops the whole line.
func parseCommands(tz tokenizer) ([]*parsedCmd, error) {
	var cmds []*parsedCmd
	for {
		var pc *parsedCmd
		var def *cmdDef
		var opts []optDef
		dataOnly := false
		needArg := []int{}
		tok := tkEnd
		for {
			var word string
			var err error
			tok, word, err = tz.next()
			if err != nil {
				return nil, err
			}
			if tok != tkArg {
				break
			}
			if def == nil {
				if strings.HasPrefix(word, "#") {
					for tok == tkArg {
						if tok, _, err = tz.next(); err != nil {
							tok = tkEnd
						}
					}
					break
				}
				if def = lookupCommand(word); def == nil {
					return nil, synErr("unknown command: '%s'", word)
				}
				opts = def.opts
				pc = &parsedCmd{def: def, opts: map[string]string{}, set: map[string]bool{}, argv: map[string][]string{}}
				for i, o := range opts {
					if o.positional {
						needArg = append(needArg, i)
					}
				}
				continue
			}
			var opt *optDef
			var val string
			hasVal := false
			switch {
			case !dataOnly && len(word) > 2 && word[0] == '-' && word[1] == '-' && isAlnum(word[2]):
				name := word[2:]
				if k := strings.IndexByte(name, '='); k >= 0 {
					name, val, hasVal = name[:k], name[k+1:], true
				}
				o, v, hv, err := findOption(def, pc, name, val, hasVal)
				if err != nil {
					return nil, err
				}
				if o == nil { // help ignores unknown options
					continue
				}
				opt, val, hasVal = o, v, hv
				if opt.kind != optBool {
					if !hasVal {
						var t int
						t, val, err = tz.next()
						if err != nil {
							return nil, err
						}
						if t != tkArg {
							kind := "string"
							if opt.kind == optInt {
								kind = "number"
							}
							return nil, synErr("expected syntax: --%s <%s>", opt.name, kind)
						}
					}
					if opt.kind != optArgv {
						needArg = removeIndex(needArg, opts, opt.name)
					}
				} else if hasVal {
					return nil, synErr("invalid '=' after option --%s", opt.name)
				}
			case !dataOnly && word == "--":
				dataOnly = true
				continue
			default:
				if len(needArg) == 0 {
					if def.name == "help" {
						continue
					}
					return nil, synErr("unexpected data '%s'", word)
				}
				opt = &opts[needArg[0]]
				if opt.kind != optArgv {
					needArg = needArg[1:]
				}
				val = word
			}
			pc.set[opt.name] = true
			if opt.kind == optArgv {
				pc.argv[opt.name] = append(pc.argv[opt.name], val)
			}
			if opt.kind != optBool {
				if _, dup := pc.opts[opt.name]; !dup || opt.kind != optArgv {
					pc.opts[opt.name] = val
				}
			}
		}
		if def != nil {
			if pc.set["help"] {
				h := lookupCommand("help")
				pc = &parsedCmd{def: h, opts: map[string]string{"command": def.name}, set: map[string]bool{"command": true}, argv: map[string][]string{}}
			} else {
				var msgs []string
				for _, o := range opts {
					if o.required && !pc.set[o.name] {
						if o.kind == optData || o.kind == optArgv {
							msgs = append(msgs, fmt.Sprintf("command '%s' requires <%s> option", def.name, o.name))
						} else {
							msgs = append(msgs, fmt.Sprintf("command '%s' requires --%s option", def.name, o.name))
						}
					}
				}
				if msgs != nil {
					return nil, &syntaxError{msgs: msgs}
				}
			}
			cmds = append(cmds, pc)
		}
		if tok == tkEnd {
			return cmds, nil
		}
	}
}

func removeIndex(need []int, opts []optDef, name string) []int {
	for k, i := range need {
		if opts[i].name == name {
			return append(append([]int{}, need[:k]...), need[k+1:]...)
		}
	}
	return need
}

// findOption is vshCmddefGetOption: aliases resolve to their target
// (possibly with a value), an option may be given once (argv ones
// repeat), and help quietly ignores what it does not know.
func findOption(def *cmdDef, pc *parsedCmd, name, val string, hasVal bool) (*optDef, string, bool, error) {
	if name == "help" {
		return &helpOpt, val, hasVal, nil
	}
	for i := range def.opts {
		o := &def.opts[i]
		if o.name != name {
			continue
		}
		if o.kind == optAlias {
			target, value, withValue := strings.Cut(o.alias, "=")
			if withValue {
				if hasVal {
					return nil, "", false, synErr("invalid '=' after option --%s", o.name)
				}
				val, hasVal = value, true
			}
			name = target
			continue
		}
		if pc.set[o.name] && o.kind != optArgv {
			return nil, "", false, synErr("option --%s already seen", name)
		}
		return o, val, hasVal, nil
	}
	if def.name == "help" {
		return nil, "", false, nil
	}
	return nil, "", false, synErr("command '%s' doesn't support option --%s", def.name, name)
}
