package cmdrun

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govirt/govirt/virt/virterr"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestQuoteShell(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "''",
		"plain":             "plain",
		"a b":               "'a b'",
		"!":                 "'!'",
		"it's":              `'it'\''s'`,
		"key=val,x=y":       "key=val,x=y",
		`{"a":1}`:           `'{"a":1}'`,
		"/var/lib/x.img":    "/var/lib/x.img",
		"tab\there":         "'tab\there'",
		"192.168.122.0/24":  "192.168.122.0/24",
		"~home":             "'~home'",
		"percent%and@at:+-": "percent%and@at:+-",
	} {
		if got := quoteShell(in); got != want {
			t.Errorf("quoteShell(%q) = %s, want %s", in, got, want)
		}
	}
}

// goldenCommands exercise env quoting, path stripping and every branch of
// the line-break rule.
func goldenCommands() *Recorder {
	r := NewRecorder()
	ctx := context.Background()
	run := func(c *Cmd) { _, _ = r.Run(ctx, c) }
	run(New("/usr/sbin/iptables", "-w", "--table", "nat", "--insert", "LIBVIRT_PRT",
		"--source", "192.168.122.0/24", "!", "--destination", "192.168.122.0/24", "--jump", "MASQUERADE"))
	run(New("/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "raw", "/a b/in.img", "/out.img"))
	run(New("nft", "-ae", "insert", "rule", "ip", "libvirt_network", "guest_output", "iif", "virbr0", "counter", "reject"))
	run(New("nft", "add", "chain", "ip", "libvirt_network", "forward", "{ type filter hook forward priority 0; policy accept; }"))
	run(New("/usr/bin/qemu-system-x86_64", "-name", "guest=it's,debug-threads=on", "-S").
		AddEnv("LC_ALL", "C").AddEnv("HOME", "/tmp/my home"))
	run(New("true"))
	return r
}

func TestRecorderStringGolden(t *testing.T) {
	got := goldenCommands().String()
	path := filepath.Join("testdata", "commands.args")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("recorded commands differ from %s:\n%s", path, got)
	}
	// Every rendered command reads back to the words it came from.
	for i, c := range goldenCommands().Commands() {
		back := parseCommand(ToString(c, true, false))
		if strings.Join(back.Argv, "\x00") != strings.Join(c.Argv, "\x00") ||
			strings.Join(back.Env, "\x00") != strings.Join(c.Env, "\x00") {
			t.Errorf("command %d does not survive a round trip: %q → %q", i, c.Argv, back.Argv)
		}
	}
}

func TestToStringWithoutLinebreaks(t *testing.T) {
	c := New("/sbin/ip", "link", "set", "dev", "vnet 0", "up").AddEnv("A", "b c")
	if got, want := ToString(c, false, false), "A='b c' /sbin/ip link set dev 'vnet 0' up"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if got, want := ToString(c, false, true), "A='b c' ip link set dev 'vnet 0' up"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestRecorderResponses(t *testing.T) {
	ctx := context.Background()
	r := NewRecorder()
	r.Respond(
		Response{Match: []string{"nft", "-ae", "insert"}, Stdout: "# handle 5\n", Once: true},
		Response{Match: []string{"nft", "-ae", "insert"}, Stdout: "# handle 6\n"},
		Response{Match: []string{"iptables", "-L"}, ExitCode: 1, Stderr: "no chain"},
		Response{Match: []string{"iptables", "-N"}, ExitCode: 1, Stderr: "exists"},
		Response{Match: []string{"dnsmasq"}, Err: errors.New("no such file")},
		Response{Match: []string{"echo"}, Handler: func(c *Cmd) (Result, error) {
			return Result{Stdout: []byte(strings.Join(c.Argv[1:], " ") + "\n" + string(c.Stdin))}, nil
		}},
	)
	res, err := r.Run(ctx, New("/usr/sbin/nft", "-ae", "insert", "rule"))
	if err != nil || string(res.Stdout) != "# handle 5\n" {
		t.Fatalf("first insert: %q %v", res.Stdout, err)
	}
	res, _ = r.Run(ctx, New("nft", "-ae", "insert", "rule"))
	if string(res.Stdout) != "# handle 6\n" {
		t.Fatalf("second insert: %q", res.Stdout)
	}
	res, _ = r.Run(ctx, New("nft", "-ae", "insert", "rule"))
	if string(res.Stdout) != "# handle 6\n" {
		t.Fatalf("third insert: %q", res.Stdout)
	}
	_, err = r.Run(ctx, New("iptables", "-L", "FOO"))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Status.Code != 1 || !strings.Contains(err.Error(), "no chain") {
		t.Fatalf("iptables -L: %v", err)
	}
	if _, err := r.Run(ctx, &Cmd{Argv: []string{"iptables", "-N", "X"}, OKExitCodes: []int{0, 1}}); err != nil {
		t.Fatalf("accepted exit code 1 rejected: %v", err)
	}
	if _, err := r.Start(ctx, New("dnsmasq", "--conf-file=x")); err == nil {
		t.Fatal("scripted start error not returned")
	}
	res, _ = r.Run(ctx, &Cmd{Argv: []string{"echo", "hi"}, Stdin: []byte("in")})
	if string(res.Stdout) != "hi\nin" {
		t.Fatalf("handler: %q", res.Stdout)
	}
	res, err = r.Run(ctx, New("ip", "link"))
	if err != nil || res.Status.Code != 0 || len(res.Stdout) != 0 {
		t.Fatalf("default response: %+v %v", res, err)
	}
	cmds := r.Commands()
	if len(cmds) != 8 || cmds[7].Argv[0] != "ip" || string(cmds[6].Stdin) != "in" {
		t.Fatalf("recorded %d commands: %v", len(cmds), cmds)
	}
	r.Reset()
	if r.String() != "" {
		t.Fatal("Reset kept commands")
	}
}

func TestRecorderStart(t *testing.T) {
	ctx := context.Background()
	r := NewRecorder()
	p, err := r.Start(ctx, New("/usr/bin/qemu-system-x86_64", "-S"))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := r.Start(ctx, New("dnsmasq"))
	if p.Pid() == q.Pid() {
		t.Fatal("pids repeat")
	}
	if err := p.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
		t.Fatal("SIGHUP ended the fake process")
	default:
	}
	_ = p.Signal(syscall.SIGTERM)
	st, _ := p.Wait()
	if st.Exited() || st.Signal != syscall.SIGTERM {
		t.Fatalf("status %v", st)
	}
	r.Processes()[1].Exit(0)
	if st, _ := q.Wait(); !st.Exited() || st.Code != 0 {
		t.Fatalf("status %v", st)
	}
	if err := q.Signal(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("signal after exit: %v", err)
	}
	if got := len(r.Processes()[0].Signals()); got != 2 {
		t.Fatalf("%d signals recorded", got)
	}
}

func needSh(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
}

func TestExecRun(t *testing.T) {
	needSh(t)
	ctx := context.Background()
	e := &Exec{}
	res, err := e.Run(ctx, &Cmd{
		Argv:  []string{"sh", "-c", `cat; echo "$GOVIRT_X"; pwd; echo err >&2`},
		Env:   []string{"GOVIRT_X=a b"},
		Stdin: []byte("input\n"),
		Dir:   "/",
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "input\na b\n/\n" || string(res.Stderr) != "err\n" {
		t.Fatalf("stdout %q stderr %q", res.Stdout, res.Stderr)
	}
	res, err = e.Run(ctx, &Cmd{Argv: []string{"sh", "-c", "echo bad >&2; exit 3"}})
	var ee *ExitError
	if !errors.As(err, &ee) || res.Status.Code != 3 || ee.Stderr != "bad\n" {
		t.Fatalf("exit 3: %v %+v", err, res)
	}
	if !errors.Is(err, virterr.InternalError) {
		t.Errorf("exit error is not an internal error: %v", err)
	}
	if want := "internal error: Child process (sh -c 'echo bad >&2; exit 3') unexpected exit status 3: bad"; err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
	if _, err := e.Run(ctx, &Cmd{Argv: []string{"sh", "-c", "exit 2"}, OKExitCodes: []int{0, 2}}); err != nil {
		t.Fatalf("accepted code: %v", err)
	}
	res, err = e.Run(ctx, &Cmd{Argv: []string{"sh", "-c", "env"}, ClearEnv: true, Env: []string{"ONLY=1"}})
	if err != nil || !strings.Contains(string(res.Stdout), "ONLY=1") || strings.Contains(string(res.Stdout), "HOME=") {
		t.Fatalf("ClearEnv: %q %v", res.Stdout, err)
	}
	if _, err := e.Run(ctx, New("/nonexistent/program")); err == nil {
		t.Fatal("missing program ran")
	}
	if _, err := e.Run(ctx, &Cmd{}); err == nil {
		t.Fatal("empty argv ran")
	}
}

func TestExecOutputCap(t *testing.T) {
	needSh(t)
	res, err := (&Exec{}).Run(context.Background(), &Cmd{
		Argv:        []string{"sh", "-c", "i=0; while [ $i -lt 1000 ]; do echo 0123456789; i=$((i+1)); done"},
		OutputLimit: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stdout) != 100 || !res.StdoutTruncated || res.StderrTruncated {
		t.Fatalf("captured %d bytes, truncated %v", len(res.Stdout), res.StdoutTruncated)
	}
}

func TestExecCancelKillsGroup(t *testing.T) {
	needSh(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	// The grandchild sleep holds stdout open; only killing the whole
	// process group lets Run return.
	_, err := (&Exec{}).Run(ctx, New("sh", "-c", "sleep 30 & sleep 30; wait"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancel took %v", d)
	}
}

func TestExecStart(t *testing.T) {
	needSh(t)
	var out bytes.Buffer
	p, err := (&Exec{}).Start(context.Background(), &Cmd{Argv: []string{"sh", "-c", "echo started; exec sleep 30"}, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if p.Pid() <= 0 {
		t.Fatal("no pid")
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	st, err := p.Wait()
	if err != nil || st.Exited() || st.Signal != syscall.SIGTERM {
		t.Fatalf("status %v err %v", st, err)
	}
	if st2, _ := p.Wait(); st2 != st {
		t.Fatal("second Wait differs")
	}
	p, _ = (&Exec{}).Start(context.Background(), New("sh", "-c", "exit 4"))
	<-p.Done()
	if st, _ := p.Wait(); !st.Exited() || st.Code != 4 || st.String() != "status 4" {
		t.Fatalf("status %v", st)
	}
}

// FuzzToString checks that any argv and environment rendered with line
// breaks reads back, word for word, through a POSIX shell's quoting.
func FuzzToString(f *testing.F) {
	f.Add("iptables\x00--source\x00192.168.122.0/24\x00!\x00--destination\x00x", "LC_ALL=C")
	f.Add("qemu-img\x00convert\x00it's\x00\x00-O\x00{a b}", "HOME=/tmp/a b")
	f.Fuzz(func(t *testing.T, argv, env string) {
		c := &Cmd{Argv: strings.Split(argv, "\x00")}
		if env != "" {
			c.Env = strings.Split(env, "\x00")
		}
		for _, e := range c.Env {
			if !envWord.MatchString(e) || strings.ContainsAny(e, "\x00") {
				return
			}
		}
		if c.Argv[0] == "" || strings.HasPrefix(c.Argv[0], "-") || envWord.MatchString(c.Argv[0]) {
			return
		}
		back := parseCommand(ToString(c, true, false))
		if strings.Join(back.Argv, "\x00") != strings.Join(c.Argv, "\x00") || strings.Join(back.Env, "\x00") != strings.Join(c.Env, "\x00") {
			t.Fatalf("%q %q read back as %q %q", c.Env, c.Argv, back.Env, back.Argv)
		}
	})
}

func TestExecDaemonizingChild(t *testing.T) {
	needSh(t)
	start := time.Now()
	// The backgrounded sleep escapes into its own session holding
	// stdout; Run still returns once the shell has exited. The daemon
	// outlives the bound by far, so a loaded machine's slow start cannot
	// be mistaken for Run waiting on its pipes.
	res, err := (&Exec{DrainDelay: 200 * time.Millisecond}).Run(context.Background(), New("sh", "-c", "echo parent; setsid sleep 60 & exit 0"))
	if err != nil || !strings.HasPrefix(string(res.Stdout), "parent") {
		t.Fatalf("%q %v", res.Stdout, err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("Run waited %v for a daemon's pipes", d)
	}
}
