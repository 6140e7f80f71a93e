package difftest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DefaultURI is the connection every script runs against.
const DefaultURI = "test:///default"

// Client is one side of a comparison: a virsh-compatible binary and the
// URI it connects to.
type Client struct {
	Label  string // "virsh", "govirsh", "virsh→govirtd"
	Binary string
	URI    string
	// Timeout bounds one process; zero means InvocationTimeout.
	Timeout time.Duration
	// NoRetry keeps a hung process from being run again: against a daemon
	// the first attempt may already have changed the shared state.
	NoRetry bool
}

// Outcome is what one invocation printed.
type Outcome struct {
	Stdout, Stderr string
	Exit           int
}

func (o Outcome) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", o.Exit, o.Stdout, o.Stderr)
}

// InvocationTimeout bounds one virsh process; a line that hangs is a
// difference, not a stuck test.
var InvocationTimeout = 6 * time.Second

// hungExit is the exit code recorded for a process killed by the timeout.
const hungExit = -1

// hangRetries is how often a process killed by the timeout is run again.
// The stock virsh 9.0 sometimes never returns from commands that watch a
// job (managedsave, save, dump): virshWatchJob's worker thread can call
// g_main_loop_quit before the main thread enters g_main_loop_run, and the
// quit is lost. A loaded machine makes that likelier (about one run in ten
// with four busy loops on two cores).
const hangRetries = 2

// Run runs one line in dir and returns what it printed.
func (c Client) Run(ctx context.Context, dir string, args []string) Outcome {
	o := c.runOnce(ctx, dir, args)
	for i := 0; i < hangRetries && !c.NoRetry && o.Exit == hungExit && ctx.Err() == nil; i++ {
		o = c.runOnce(ctx, dir, args)
	}
	return o
}

func (c Client) runOnce(ctx context.Context, dir string, args []string) Outcome {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = InvocationTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	full := append([]string{"-c", c.URI}, args...)
	cmd := exec.CommandContext(ctx, c.Binary, full...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(dir)
	cmd.Stdin = nil
	cmd.WaitDelay = 2 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	o := Outcome{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		o.Exit = hungExit
		o.Stderr += fmt.Sprintf("[difftest: killed after %v]\n", timeout)
	case errors.As(err, &ee):
		o.Exit = ee.ExitCode()
	case err != nil:
		o.Exit = -1
		o.Stderr += "[difftest: " + err.Error() + "]\n"
	}
	return o
}

// cleanEnv gives every process the same environment: no user URI, the C
// locale, UTC, and a private HOME so virsh's history and config stay out.
func cleanEnv(dir string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, ".cache"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, ".run"),
		"LC_ALL=C",
		"LANG=C",
		"TZ=UTC",
		"TERM=dumb",
	}
	return env
}

// LineResult is the comparison of one line.
type LineResult struct {
	Script    string
	Line      Line
	Key       string
	Oracle    Outcome // normalised
	Subject   Outcome // normalised
	Identical bool
	Skipped   string // why the line did not run in this mode
	// Inconclusive says why the comparison does not count either way:
	// the stock virsh hung, in-process as the oracle or as the client of
	// the daemon under test (see hangRetries).
	Inconclusive string
	// ScriptError is set when the oracle contradicts the line's marker
	// (a "!" line that succeeds or an unmarked line that fails).
	ScriptError string
}

// Env prepares the per-script state of the side under test: nothing for a
// plain client, a private daemon for daemon mode.
type Env interface {
	// Start returns the client to use for one script and a function that
	// tears it down.
	Start(ctx context.Context, script *Script, work string) (Client, func(), error)
	// Mode names the comparison ("govirsh", "govirtd").
	Mode() string
	// Daemon reports whether state persists across lines.
	Daemon() bool
}

// Direct compares a client binary run per line, with state reset per line.
type Direct struct {
	Subject Client
}

func (d Direct) Start(context.Context, *Script, string) (Client, func(), error) {
	return d.Subject, func() {}, nil
}
func (d Direct) Mode() string { return d.Subject.Label }
func (d Direct) Daemon() bool { return false }

// RunScript runs every line of s through the oracle and through env's
// client, each in its own copy of the script's files, and compares.
func RunScript(ctx context.Context, s *Script, oracle Client, env Env, work string) ([]LineResult, error) {
	oracleDir := filepath.Join(work, "oracle")
	subjectDir := filepath.Join(work, "subject")
	for _, d := range []string{oracleDir, subjectDir} {
		if err := writeFiles(d, s.Files); err != nil {
			return nil, err
		}
	}
	subject, stop, err := env.Start(ctx, s, filepath.Join(work, "daemon"))
	if err != nil {
		return nil, err
	}
	defer stop()
	from := time.Now()
	seen := map[string]int{}
	var results []LineResult
	for _, l := range s.Lines {
		r := LineResult{Script: s.Name, Line: l, Key: l.key(s.Name, seen)}
		if l.DirectOnly && env.Daemon() {
			r.Skipped = "[direct] line"
			results = append(results, r)
			continue
		}
		ch := make(chan Outcome, 1)
		go func() { ch <- subject.Run(ctx, subjectDir, l.Args) }()
		a := oracle.Run(ctx, oracleDir, l.Args)
		b := <-ch
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
		n := NewNormaliser(scriptText(s), from, time.Now())
		if subject.URI != oracle.URI {
			n.Aliases = append(n.Aliases, subject.URI)
		}
		r.Oracle, r.Subject = normalise(n, a, oracleDir), normalise(n, b, subjectDir)
		r.Identical = r.Oracle == r.Subject
		switch {
		case a.Exit == hungExit:
			// The oracle itself hung on every attempt: there is no answer
			// to compare with, and the line says nothing about govirt.
			r.Inconclusive = "the stock virsh hung on every attempt (its job-watch race)"
		case !r.Identical && b.Exit == hungExit && subject.NoRetry && subject.Binary == oracle.Binary:
			r.Inconclusive = "virsh hung talking to the daemon"
		}
		switch {
		case r.Inconclusive != "":
			// A hang is not the line's marker being wrong.
		case l.ExpectFail && a.Exit == 0:
			r.ScriptError = "marked '!' but virsh succeeded"
		case !l.ExpectFail && a.Exit != 0:
			r.ScriptError = fmt.Sprintf("virsh failed (exit %d) on a line not marked '!'", a.Exit)
		}
		results = append(results, r)
	}
	return results, nil
}

// normalise masks both streams together so that a generated value's
// number is shared between stdout and stderr. Each side runs in its own
// copy of the files, so its working directory reads as $WORK.
func normalise(n *Normaliser, o Outcome, dir string) Outcome {
	const sep = "\x00difftest-stream-separator\x00"
	joined := strings.ReplaceAll(o.Stdout+sep+o.Stderr, dir, "$WORK")
	joined = n.Apply(joined)
	out, errs, _ := strings.Cut(joined, sep)
	return Outcome{Stdout: out, Stderr: errs, Exit: o.Exit}
}

func scriptText(s *Script) string {
	var b strings.Builder
	for _, l := range s.Lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	for _, f := range s.Files {
		b.Write(f.Data)
	}
	return b.String()
}

func writeFiles(dir string, files []File) error {
	for _, d := range []string{".config", ".cache", ".run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
