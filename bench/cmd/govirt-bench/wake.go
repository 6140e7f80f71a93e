package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// eventWake is how the events suite's client threads are woken, as a
// comma-separated list (-event-wake; bench/README.md has the figures):
//
//   - "rt" (the default): the two threads that wait in read(2), one for
//     the caller's reply and one for the subscriber's event, run
//     SCHED_FIFO (priority 1) while the suite runs, so each takes a CPU
//     the moment its packet arrives instead of queueing behind whatever
//     else the two vCPUs run (the other client thread, the daemon, other
//     work on the machine). Its timestamp is then the packet's arrival,
//     which is what the figure is about, for either daemon.
//   - "pmqos": /dev/cpu_dma_latency is held at 0 while the suite runs,
//     as latency benchmarks such as cyclictest do, so an idle vCPU polls
//     instead of halting (waking a halted vCPU costs tens of µs on this
//     VM). Off by default: it changes the whole machine, and other work
//     on it, while it is held.
//   - "plain": neither, as before.
//
// They apply to the client only, the same way to every daemon, and need
// root; what was in force is recorded (Params.EventWake).
var eventWake = "rt"

func parseEventWake(s string) error {
	for _, w := range strings.Split(s, ",") {
		switch w {
		case "", "rt", "pmqos", "plain":
		default:
			return fmt.Errorf("-event-wake: rt, pmqos or plain, not %q", w)
		}
	}
	return nil
}

// wakeHas reports whether w is asked for and possible here.
func wakeHas(w string) bool {
	if clientMode != "blocking" {
		return false
	}
	for _, x := range strings.Split(eventWake, ",") {
		if x == w {
			return w != "rt" || rtAllowed()
		}
	}
	return false
}

// rtAllowed: this process may make a thread SCHED_FIFO (root, or
// CAP_SYS_NICE, and an RT budget in its cgroup).
var rtAllowed = sync.OnceValue(func() bool {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if setScheduler(schedFIFO, 1) != nil {
		return false
	}
	return setScheduler(schedOther, 0) == nil
})

const (
	schedOther = 0
	schedFIFO  = 1
)

func setScheduler(policy, prio int) error {
	param := struct{ priority int32 }{int32(prio)}
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, 0, uintptr(policy), uintptr(unsafe.Pointer(&param)))
	if e != 0 {
		return e
	}
	return nil
}

// realtimeThread wires the calling goroutine to its thread and makes the
// thread SCHED_FIFO when -event-wake has "rt"; restore undoes both. A
// goroutine that ends without restore takes its thread with it (the
// runtime does not reuse a locked thread).
func realtimeThread() (restore func()) {
	if !wakeHas("rt") {
		return func() {}
	}
	runtime.LockOSThread()
	if err := setScheduler(schedFIFO, 1); err != nil {
		runtime.UnlockOSThread()
		return func() {}
	}
	return func() {
		_ = setScheduler(schedOther, 0)
		runtime.UnlockOSThread()
	}
}

// holdPMQoS asks for zero CPU wake-up latency while the returned release
// is not called, when -event-wake has "pmqos".
func holdPMQoS() (release func()) {
	if !wakeHas("pmqos") {
		return func() {}
	}
	f, err := os.OpenFile("/dev/cpu_dma_latency", os.O_WRONLY, 0)
	if err != nil {
		return func() {}
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], 0)
	if _, err := f.Write(b[:]); err != nil {
		f.Close()
		return func() {}
	}
	return func() { f.Close() }
}

// wakeNote says how the events suite's client threads actually run.
func wakeNote() string {
	var got []string
	if wakeHas("rt") {
		got = append(got, "rt")
	}
	if wakeHas("pmqos") {
		if f, err := os.OpenFile("/dev/cpu_dma_latency", os.O_WRONLY, 0); err == nil {
			f.Close()
			got = append(got, "pmqos")
		}
	}
	if len(got) == 0 {
		return "plain"
	}
	return strings.Join(got, ",")
}
