package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// shell is virsh's interactive mode: a banner, then one command line
// per prompt until quit or end of input. On a terminal lines are edited
// with history (kept in $XDG_CACHE_HOME/virsh/history, as virsh keeps
// it); otherwise each line read is echoed after the prompt, as readline
// does when its input is not a terminal.
func (c *ctl) shell() {
	if !c.quiet {
		c.print("Welcome to virsh, the virtualization interactive terminal.\n\n")
		c.print("Type:  'help' for help with commands\n       'quit' to quit\n\n")
	}
	var read func(prompt string) (string, bool)
	if f, ok := c.stdin.(*os.File); ok && isTerminal(int(f.Fd())) {
		ed := newLineEditor(f, c.stdout)
		ed.loadHistory()
		defer ed.saveHistory()
		read = ed.readLine
	} else {
		r := bufio.NewReader(c.stdin)
		read = func(prompt string) (string, bool) {
			c.print("%s", prompt)
			line, err := r.ReadString('\n')
			if err != nil && line == "" {
				return "", false
			}
			line = strings.TrimSuffix(line, "\n")
			c.print("%s\n", line)
			return line, true
		}
	}
	// virsh ends the session with a line break, after EOF or quit alike.
	defer c.print("\n")
	for c.interactive {
		prompt := "virsh # "
		if c.readOnly {
			prompt = "virsh > "
		}
		line, ok := read(prompt)
		if !ok {
			return
		}
		if line == "" {
			continue
		}
		cmds, err := parseCommandString(line)
		if err != nil {
			c.reportSyntax(err)
			continue
		}
		c.runCommands(cmds)
	}
}

// termios is Linux's struct termios.
type termios struct {
	Iflag, Oflag, Cflag, Lflag uint32
	Line                       uint8
	Cc                         [32]uint8
	Ispeed, Ospeed             uint32
}

func getTermios(fd int) (*termios, error) {
	t := &termios{}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TCGETS, uintptr(unsafe.Pointer(t))); e != 0 {
		return nil, e
	}
	return t, nil
}

func setTermios(fd int, t *termios) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TCSETS, uintptr(unsafe.Pointer(t))); e != 0 {
		return e
	}
	return nil
}

func isTerminal(fd int) bool {
	_, err := getTermios(fd)
	return err == nil
}

// lineEditor is a small readline: cursor movement, kill, and history.
type lineEditor struct {
	in      *os.File
	out     io.Writer
	r       *bufio.Reader
	history []string
	file    string
	max     int
}

func newLineEditor(in *os.File, out io.Writer) *lineEditor {
	e := &lineEditor{in: in, out: out, r: bufio.NewReader(in), max: 500}
	if n, err := strconv.Atoi(os.Getenv("VIRSH_HISTSIZE")); err == nil && n >= 0 && n <= 1000000 {
		e.max = n
	}
	if dir, err := os.UserCacheDir(); err == nil {
		e.file = filepath.Join(dir, "virsh", "history")
	}
	return e
}

func (e *lineEditor) loadHistory() {
	if e.file == "" {
		return
	}
	data, err := os.ReadFile(e.file)
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" {
			e.history = append(e.history, l)
		}
	}
}

func (e *lineEditor) saveHistory() {
	if e.file == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(e.file), 0o755); err != nil {
		return
	}
	h := e.history
	if len(h) > e.max {
		h = h[len(h)-e.max:]
	}
	_ = os.WriteFile(e.file, []byte(strings.Join(h, "\n")+"\n"), 0o600)
}

func (e *lineEditor) readLine(prompt string) (string, bool) {
	fd := int(e.in.Fd())
	saved, err := getTermios(fd)
	if err != nil {
		return "", false
	}
	raw := *saved
	raw.Lflag &^= syscall.ICANON | syscall.ECHO
	raw.Iflag &^= syscall.ICRNL
	raw.Cc[syscall.VMIN], raw.Cc[syscall.VTIME] = 1, 0
	_ = setTermios(fd, &raw)
	defer setTermios(fd, saved)

	var line []rune
	pos := 0
	hist := len(e.history)
	pending := ""
	redraw := func() {
		s := "\r" + prompt + string(line) + "\x1b[K"
		if back := len(line) - pos; back > 0 {
			s += "\x1b[" + strconv.Itoa(back) + "D"
		}
		io.WriteString(e.out, s)
	}
	io.WriteString(e.out, prompt)
	for {
		r, _, err := e.r.ReadRune()
		if err != nil {
			return "", false
		}
		switch r {
		case '\r', '\n':
			io.WriteString(e.out, "\r\n")
			s := string(line)
			if strings.TrimSpace(s) != "" && (len(e.history) == 0 || e.history[len(e.history)-1] != s) {
				e.history = append(e.history, s)
			}
			return s, true
		case 4: // ^D
			if len(line) == 0 {
				return "", false
			}
			if pos < len(line) {
				line = append(line[:pos], line[pos+1:]...)
			}
		case 3: // ^C abandons the line
			io.WriteString(e.out, "^C\r\n")
			line, pos = nil, 0
			io.WriteString(e.out, prompt)
			continue
		case 0x7f, 8:
			if pos > 0 {
				line = append(line[:pos-1], line[pos:]...)
				pos--
			}
		case 1: // ^A
			pos = 0
		case 5: // ^E
			pos = len(line)
		case 2: // ^B
			if pos > 0 {
				pos--
			}
		case 6: // ^F
			if pos < len(line) {
				pos++
			}
		case 11: // ^K
			line = line[:pos]
		case 21: // ^U
			line, pos = append([]rune{}, line[pos:]...), 0
		case 23: // ^W
			k := pos
			for k > 0 && line[k-1] == ' ' {
				k--
			}
			for k > 0 && line[k-1] != ' ' {
				k--
			}
			line, pos = append(line[:k], line[pos:]...), k
		case 0x1b:
			seq := e.escape()
			switch seq {
			case "[A", "OA":
				if hist > 0 {
					if hist == len(e.history) {
						pending = string(line)
					}
					hist--
					line = []rune(e.history[hist])
					pos = len(line)
				}
			case "[B", "OB":
				if hist < len(e.history) {
					hist++
					if hist == len(e.history) {
						line = []rune(pending)
					} else {
						line = []rune(e.history[hist])
					}
					pos = len(line)
				}
			case "[C", "OC":
				if pos < len(line) {
					pos++
				}
			case "[D", "OD":
				if pos > 0 {
					pos--
				}
			case "[H", "OH", "[1~":
				pos = 0
			case "[F", "OF", "[4~":
				pos = len(line)
			case "[3~":
				if pos < len(line) {
					line = append(line[:pos], line[pos+1:]...)
				}
			}
		default:
			if r < 0x20 {
				continue
			}
			line = append(line[:pos], append([]rune{r}, line[pos:]...)...)
			pos++
		}
		redraw()
	}
}

// escape reads the rest of an escape sequence.
func (e *lineEditor) escape() string {
	b, err := e.r.ReadByte()
	if err != nil {
		return ""
	}
	seq := string(b)
	if b != '[' && b != 'O' {
		return seq
	}
	for {
		b, err = e.r.ReadByte()
		if err != nil {
			return seq
		}
		seq += string(b)
		if b >= 0x40 && b <= 0x7e {
			return seq
		}
	}
}
