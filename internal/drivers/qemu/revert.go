package qemu

import "fmt"

// reverter runs a start in named steps, each with its undo; when a step
// fails, the undos of the steps done so far run in reverse order, so a
// failed start leaves nothing behind.
type reverter struct {
	done []revertStep
	// Trace, when set, hears each step name as it starts (tests).
	trace func(name string)
}

type revertStep struct {
	name string
	undo func()
}

// step runs do; when it succeeds, undo (may be nil) is remembered.
func (r *reverter) step(name string, do func() error, undo func()) error {
	if r.trace != nil {
		r.trace(name)
	}
	if err := do(); err != nil {
		return err
	}
	r.done = append(r.done, revertStep{name: name, undo: undo})
	return nil
}

// rollback undoes every completed step, last first.
func (r *reverter) rollback() {
	for i := len(r.done) - 1; i >= 0; i-- {
		if u := r.done[i].undo; u != nil {
			u()
		}
	}
	r.done = nil
}

// commit forgets the undos: the start succeeded.
func (r *reverter) commit() { r.done = nil }

// names lists the completed steps (for tests and diagnostics).
func (r *reverter) names() []string {
	out := make([]string, len(r.done))
	for i, s := range r.done {
		out[i] = s.name
	}
	return out
}

func (r *reverter) String() string { return fmt.Sprint(r.names()) }
