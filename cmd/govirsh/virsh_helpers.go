package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// timeoutOpt is vshCommandOptTimeoutToMs: seconds, >0, in milliseconds.
func (c *ctl) timeoutOpt(cmd *parsedCmd) (int, bool) {
	v, present, ok := c.uintOpt(cmd, "timeout")
	if !ok {
		return 0, false
	}
	if !present {
		return 0, true
	}
	if v == 0 || v > math.MaxInt32/1000 {
		c.errorf("Numeric value '%d' for <timeout> option is malformed or out of range", v)
		return 0, false
	}
	return int(v) * 1000, true
}

// eventWait is vshEventStart/Wait/Done for the *-event commands.
type eventWait struct {
	c         *ctl
	loop      bool
	timestamp bool
	mu        sync.Mutex
	count     int
	done      chan struct{}
	closed    bool
}

func (c *ctl) newEventWait(loop, timestamp bool) *eventWait {
	return &eventWait{c: c, loop: loop, timestamp: timestamp, done: make(chan struct{})}
}

// emit prints one event (with virTimeStringNowRaw's stamp when asked)
// and ends the wait unless --loop.
func (w *eventWait) emit(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if w.timestamp {
		msg = time.Now().Format("2006-01-02 15:04:05.000-0700") + ": " + msg
	}
	w.c.print("%s", msg)
	w.count++
	if !w.loop {
		w.closed = true
		close(w.done)
	}
}

// wait blocks until an event (without --loop), the timeout or ^C, then
// reports the count; the command succeeds when events arrived.
func (w *eventWait) wait(timeoutMs int) bool {
	var timer <-chan time.Time
	if timeoutMs > 0 {
		timer = time.After(time.Duration(timeoutMs) * time.Millisecond)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	select {
	case <-w.done:
	case <-timer:
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		w.c.print("event loop timed out\n")
	case <-sig:
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		w.c.print("event loop interrupted\n")
	case <-w.c.ctx.Done():
		return false
	}
	w.mu.Lock()
	n := w.count
	w.mu.Unlock()
	w.c.print("events received: %d\n", n)
	return n > 0
}

// isErrorCode tells whether a libvirt error carries the code.
func isErrorCode(err error, code error) bool { return errors.Is(err, code) }
