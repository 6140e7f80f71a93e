// Package difftest runs virsh command scripts through two virsh-compatible
// clients (normally the stock virsh and govirsh) and compares what they
// print, byte for byte after a small, explicit set of normalisations.
//
// A script is a txtar archive: the comment section holds the command lines,
// the files hold the inputs those commands read (domain, network, pool, …
// XML, good and deliberately bad). See cmd/govirsh/testdata/script/README.md.
package difftest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Script is one parsed txtar script.
type Script struct {
	Name  string // file name, e.g. "network.txtar"
	About string // the leading comment block: what the script covers
	Lines []Line
	Files []File
}

// File is an input file the commands may name; it is written into the
// working directory of every invocation.
type File struct {
	Name string
	Data []byte
}

// Line is one command line: one fresh virsh process.
type Line struct {
	Num        int    // 1-based line number in the script file
	Text       string // as written, without markers
	Args       []string
	ExpectFail bool // marked with "!": virsh must exit non-zero
	DirectOnly bool // marked with "[direct]": skipped against a daemon
}

// Key names the line in the baseline: stable under edits elsewhere in the
// script, distinct for repeated lines.
func (l Line) key(script string, seen map[string]int) string {
	k := script + ": " + l.Text
	seen[k]++
	if n := seen[k]; n > 1 {
		k += fmt.Sprintf(" #%d", n)
	}
	return k
}

// Commands lists the virsh command names the line runs, in order. Global
// options are skipped; a command string argument is split on ';' the way
// virsh's own parser does.
func (l Line) Commands() []string {
	var out []string
	args := l.Args
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if takesValue(args[0]) {
			args = args[1:]
		}
		if len(args) > 0 {
			args = args[1:]
		}
	}
	if len(args) == 0 {
		return out
	}
	if len(args) > 1 {
		// argv form: the first word is the command, the rest its options.
		return append(out, args[0])
	}
	for _, part := range splitCommandString(args[0]) {
		if f := strings.Fields(part); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			out = append(out, f[0])
		}
	}
	return out
}

// takesValue reports whether a virsh global option consumes the next word.
func takesValue(opt string) bool {
	switch opt {
	case "-c", "--connect", "-d", "--debug", "-e", "--escape", "-k", "--keepalive-interval",
		"-K", "--keepalive-count", "-l", "--log":
		return true
	}
	return false
}

// splitCommandString splits a virsh command string on ';' outside quotes.
func splitCommandString(s string) []string {
	var parts []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' && i+1 < len(s) {
				cur.WriteByte(c)
				i++
				c = s[i]
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			i++
			c = s[i]
		case c == ';':
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(parts, cur.String())
}

// ParseScript parses a txtar script.
func ParseScript(name string, data []byte) (*Script, error) {
	s := &Script{Name: name}
	comment, files := splitTxtar(data)
	s.Files = files
	lines := strings.Split(string(comment), "\n")
	var about []string
	inHeader := true
	for i := 0; i < len(lines); i++ {
		num := i + 1
		text := strings.TrimSpace(lines[i])
		// A trailing backslash continues the line, as in a shell.
		for strings.HasSuffix(text, "\\") && i+1 < len(lines) {
			i++
			text = strings.TrimSuffix(text, "\\") + " " + strings.TrimSpace(lines[i])
		}
		if text == "" {
			if inHeader && len(about) > 0 {
				inHeader = false
			}
			continue
		}
		if strings.HasPrefix(text, "#") {
			if inHeader {
				about = append(about, strings.TrimSpace(strings.TrimPrefix(text, "#")))
			}
			continue
		}
		inHeader = false
		l := Line{Num: num}
		for {
			if rest, ok := strings.CutPrefix(text, "!"); ok {
				l.ExpectFail = true
				text = strings.TrimSpace(rest)
			} else if rest, ok := strings.CutPrefix(text, "[direct]"); ok {
				l.DirectOnly = true
				text = strings.TrimSpace(rest)
			} else {
				break
			}
		}
		args, err := shellSplit(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, num, err)
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("%s:%d: empty command line", name, num)
		}
		l.Text, l.Args = text, args
		s.Lines = append(s.Lines, l)
	}
	s.About = strings.Join(about, " ")
	return s, nil
}

// LoadDir parses every *.txtar script in dir, sorted by name.
func LoadDir(dir string) ([]*Script, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Script
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		s, err := ParseScript(filepath.Base(n), data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// splitTxtar splits a txtar archive into its comment and files: a file
// starts at a line "-- NAME --" and runs to the next such line.
func splitTxtar(data []byte) ([]byte, []File) {
	var comment []byte
	var files []File
	var cur *File
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i+1], data[i+1:]
		} else {
			data = nil
		}
		if name, ok := fileMarker(line); ok {
			files = append(files, File{Name: name})
			cur = &files[len(files)-1]
			continue
		}
		if cur == nil {
			comment = append(comment, line...)
		} else {
			cur.Data = append(cur.Data, line...)
		}
	}
	return comment, files
}

func fileMarker(line []byte) (string, bool) {
	s := strings.TrimRight(string(line), "\r\n")
	if !strings.HasPrefix(s, "-- ") || !strings.HasSuffix(s, " --") || len(s) < 7 {
		return "", false
	}
	name := strings.TrimSpace(s[3 : len(s)-3])
	return name, name != ""
}

// shellSplit splits a line into words as a POSIX shell would for a simple
// command: blanks separate words, '…' is literal, "…" allows \" \\ \$ \`,
// and a backslash outside quotes escapes the next character.
func shellSplit(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated \" in %q", s)
			}
		case c == '\\' && i+1 < len(s):
			inWord = true
			i++
			cur.WriteByte(s[i])
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
