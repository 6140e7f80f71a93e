package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// The *-edit commands, as virsh-edit.c and vshEdit* run them: the text
// goes to $TMPDIR/virshXXXXXX.xml, $VISUAL or $EDITOR (default vi) edits
// it, and an unchanged file means nothing to do.

// editAccepted are the characters vshEditFile lets through without a
// shell.
const editAccepted = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./"

func onlyAccepted(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(editAccepted, r) {
			return false
		}
	}
	return true
}

// shellQuote words an argument as virCommandToString does.
func shellQuote(s string) string {
	if onlyAccepted(s) && s != "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runEditor runs the user's editor on file (vshEditFile).
func (c *ctl) runEditor(file string) bool {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	var args []string
	if !onlyAccepted(editor) {
		if !onlyAccepted(file) {
			c.errorf("%s: temporary filename contains shell meta or other unacceptable characters (is $TMPDIR wrong?)", file)
			return false
		}
		args = []string{"sh", "-c", editor + " " + file}
	} else {
		args = []string{editor, file}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	desc := strings.Join(quoted, " ")
	err := cmd.Run()
	if err == nil {
		return true
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			c.errorf("internal error: Child process (%s) unexpected fatal signal %d", desc, int(ws.Signal()))
		} else {
			c.errorf("internal error: Child process (%s) unexpected exit status %d", desc, ee.ExitCode())
		}
	case errors.Is(err, exec.ErrNotFound):
		c.errorf("Cannot find '%s' in path: No such file or directory", args[0])
	default:
		c.errorf("%s", err)
	}
	return false
}

// editText lets the user edit text in a temporary file
// (vshEditWriteToTempFile, vshEditFile, vshEditReadBackFile).
func (c *ctl) editText(text, _ string) (edited string, changed, ok bool) {
	dir := os.Getenv("TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	f, err := os.CreateTemp(dir, "virsh*.xml")
	if err != nil {
		c.errorf("failed to create temporary file: %s", errnoText(err))
		return "", false, false
	}
	name := f.Name()
	defer os.Remove(name)
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		c.errorf("failed to write to temporary file: %s", errnoText(err))
		return "", false, false
	}
	f.Close()
	if !c.runEditor(name) {
		return "", false, false
	}
	data, err := os.ReadFile(filepath.Clean(name))
	if err != nil {
		c.errorf("%s: failed to read temporary file: %s", name, errnoText(err))
		return "", false, false
	}
	return string(data), string(data) != text, true
}

// editSpec is what one *-edit command plugs into the loop (EDIT_GET_XML,
// EDIT_NOT_CHANGED, EDIT_DEFINE).
type editSpec struct {
	get        func() (string, error)
	notChanged func()
	define     func(doc string) error
	edited     func()
}

// editLoop is virsh-edit.c, for every *-edit command, without a terminal
// to ask on: a failed define or a concurrent change is reported ("error:
// Failed.") and the command still says it edited, naming the object it
// failed to define "(null)", as virsh does when it cannot ask to re-edit.
func (c *ctl) editLoop(s editSpec) bool {
	doc, err := s.get()
	if err != nil {
		return c.fail(err)
	}
	edited, changed, ok := c.editText(doc, ".xml")
	if !ok {
		return false
	}
	if !changed {
		s.notChanged()
		return true
	}
	reread, err := s.get()
	if err != nil {
		return c.fail(err)
	}
	msg := ""
	if reread != doc {
		msg = "The XML configuration was changed by another user."
	} else if err := s.define(edited); err != nil {
		msg = "Failed."
	}
	if msg != "" {
		c.errorf("%s", msg)
	}
	s.edited()
	return true
}

// nullName is how virsh prints a name it could not get ("%s" of NULL).
func nullName(name string, ok bool) string {
	if !ok {
		return "(null)"
	}
	return name
}

var _ = fmt.Sprint
