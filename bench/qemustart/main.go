// Command qemustart measures how fast a minimal KVM domain (q35, 128 MiB,
// no disks) starts and stops: raw QEMU launched by hand up to `cont`,
// govirtd, and — when installed — a real libvirtd 9.0, side by side in one
// run. Each daemon runs under a private root; libvirtd runs in a private
// mount namespace with its own /etc/libvirt, /run/libvirt, /var/lib,
// /var/log and /var/cache/libvirt, so the host is left as it was.
//
//	go run ./bench/qemustart [-n 20] [-concurrent 10] [-rounds 7] [-libvirtd=auto|yes|no]
//
// Targets are measured interleaved (every sequential iteration and every
// concurrent round runs each target once, in an order that rotates), and
// before each measurement the machine is left to settle: no QEMU of this
// run may still exist and no daemon may still be using CPU. It needs root,
// /dev/kvm and qemu-system-x86_64; it prints medians with their spread,
// and the ratios the QEMU issue asks for, paired round by round.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt"
)

const qemuBin = "/usr/bin/qemu-system-x86_64"

func domainXML(name string) string {
	return `<domain type='kvm'>
  <name>` + name + `</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <memballoon model='none'/>
  </devices>
</domain>`
}

var runner = &cmdrun.Exec{}

// logFile maps a target to its daemon log, shown when it fails.
var logFile = map[string]string{}

// prefix starts every guest name of this run, so the settle step can
// find this run's QEMU processes (and only them) in /proc.
var prefix = fmt.Sprintf("qs%d-", os.Getpid())

// target is one way of starting the minimal domain.
type target struct {
	name string
	// once starts one domain and returns the start time, QEMU's CPU
	// time by then, and a stop that returns the destroy time (zero when
	// not measured).
	once func(name string) (time.Duration, time.Duration, func() time.Duration, error)
	// conc starts k domains at once and returns the wall time until
	// all run, and a stop for all of them.
	conc func(k int, names []string) (time.Duration, func(), error)
	// daemonPid is the daemon whose CPU use must have settled.
	daemonPid int

	start, destroy, concurrent []time.Duration
	// qemuCPU is each sequential start's QEMU CPU time once running:
	// QEMU's own work for its command line, whatever the load.
	qemuCPU []time.Duration
	// cpuTicks is the daemon's CPU time over the concurrent rounds, in
	// clock ticks (1/100 s), for its cost per start whatever the load.
	cpuTicks int64
	err      error
}

func main() {
	n := flag.Int("n", 20, "sequential starts per target")
	conc := flag.Int("concurrent", 10, "domains started at once")
	rounds := flag.Int("rounds", 7, "concurrent rounds per target")
	useLibvirtd := flag.String("libvirtd", "auto", "also measure libvirtd: auto, yes or no")
	daemonArgv := flag.Bool("daemon-argv", true, "also launch raw QEMU with the command line govirtd built (like for like)")
	stepwise := flag.Bool("stepwise-raw", true, "also launch raw QEMU negotiating QMP one command at a time (greeting, qmp_capabilities, cont), as the issue's reference figures were measured")
	compare := flag.String("compare", "", "also measure the govirtd `BINARY` (say, built from another commit), interleaved with this tree's")
	nice := flag.Int("nice", 0, "run the benchmark, the daemons and every QEMU at this niceness (-20…19), to shield them alike from other load on a shared machine")
	flag.Parse()
	if os.Geteuid() != 0 {
		fatal("needs root")
	}
	if *nice != 0 {
		if os.Getenv("QEMUSTART_SESSION") == "" {
			os.Exit(inOwnSession())
		}
		if err := setNice(*nice); err != nil {
			fatal(err)
		}
	}
	if _, err := os.Stat("/dev/kvm"); err != nil {
		fatal("needs /dev/kvm")
	}
	work, err := os.MkdirTemp("", "qemustart-")
	if err != nil {
		fatal(err)
	}
	cleanups = append(cleanups, func() { os.RemoveAll(work) })
	defer cleanup()
	load0 := loadavg()

	targets := []*target{rawTarget("raw QEMU (spawn → cont)", work, minimalArgv, false)}
	if *stepwise {
		targets = append(targets, rawTarget(stepwiseRawName, work, minimalArgv, true))
	}
	gv, err := startGovirtd(work, "govirtd", "")
	if err != nil {
		fatal(err)
	}
	cleanups = append(cleanups, gv.stop)
	gt, err := daemonTarget("govirtd", gv, *conc)
	if err != nil {
		fatal(err)
	}
	targets = append(targets, gt)
	if *compare != "" {
		cv, err := startGovirtd(work, "govirtd "+filepath.Base(*compare), *compare)
		if err != nil {
			fatal(err)
		}
		cleanups = append(cleanups, cv.stop)
		ct, err := daemonTarget("govirtd "+filepath.Base(*compare), cv, *conc)
		if err != nil {
			fatal(err)
		}
		targets = append(targets, ct)
	}
	if *daemonArgv {
		// The warm-up start left govirtd's command line in the guest's log.
		argv, env, err := loggedArgv(filepath.Join(gv.root, "var", "log", "libvirt", "qemu", prefix+"warm.log"))
		if err != nil {
			fatal(err)
		}
		targets = append(targets, rawTarget("raw QEMU, govirtd's argv", work, daemonArgvBuilder(argv, env), false))
	}
	if *useLibvirtd != "no" {
		lv, err := startLibvirtd(work)
		if err != nil {
			if *useLibvirtd == "yes" {
				fatal(err)
			}
			fmt.Fprintln(os.Stderr, "libvirtd skipped:", err)
		} else {
			cleanups = append(cleanups, lv.stop)
			lt, err := daemonTarget("libvirtd 9.0", lv, *conc)
			if err != nil {
				fatal(err)
			}
			targets = append(targets, lt)
		}
	}

	// Sequential starts, interleaved: iteration i runs every target once,
	// the first one rotating, so slow spells of background load fall on
	// all targets alike.
	for i := 0; i < *n; i++ {
		for j := range targets {
			t := targets[(i+j)%len(targets)]
			if t.err != nil {
				continue
			}
			settle(t.daemonPid)
			d, cpu, stop, err := t.once(fmt.Sprintf("%ss%d", prefix, i))
			if err != nil {
				t.err = err
				continue
			}
			t.start = append(t.start, d)
			t.qemuCPU = append(t.qemuCPU, cpu)
			if dd := stop(); dd > 0 {
				t.destroy = append(t.destroy, dd)
			}
		}
	}
	for r := 0; r < *rounds; r++ {
		for j := range targets {
			t := targets[(r+j)%len(targets)]
			if t.err != nil {
				continue
			}
			names := make([]string, *conc)
			for i := range names {
				names[i] = fmt.Sprintf("%sr%dc%d", prefix, r, i)
			}
			settle(t.daemonPid)
			ticks := cpuTicks(t.daemonPid)
			d, stop, err := t.conc(*conc, names)
			if err != nil {
				t.err = err
				continue
			}
			t.cpuTicks += cpuTicks(t.daemonPid) - ticks
			t.concurrent = append(t.concurrent, d)
			stop()
		}
	}
	report(targets, *n, *conc, load0, loadavg())
}

// settle waits until no QEMU of this run exists any more and the daemon
// (when there is one) has stopped using CPU, so a measurement never
// shares the machine with the end of the previous one (libvirtd, for
// one, keeps working after a destroy has returned).
func settle(daemonPid int) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && len(ourQEMUs()) > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	if daemonPid > 0 {
		last := cpuTicks(daemonPid)
		for time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			now := cpuTicks(daemonPid)
			if now == last {
				break
			}
			last = now
		}
	}
	time.Sleep(50 * time.Millisecond)
}

// inOwnSession runs this command again as the leader of a new session
// and returns its exit code. With the scheduler's autogroups (Linux's
// default), a thread's niceness only weighs against threads of its own
// session: a session of its own, whose autogroup gets the niceness too,
// is what lets -nice count against other sessions' load.
func inOwnSession() int {
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Env = append(os.Environ(), "QEMUSTART_SESSION=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "qemustart:", err)
		return 1
	}
	return 0
}

// setNice sets the niceness of the session's autogroup (when the kernel
// has autogroups) and of every thread of the process: Linux keeps it per
// thread, and threads and children inherit it from the thread that
// creates them.
func setNice(n int) error {
	if _, err := os.Stat("/proc/self/autogroup"); err == nil {
		if err := os.WriteFile("/proc/self/autogroup", []byte(strconv.Itoa(n)), 0); err != nil {
			return fmt.Errorf("autogroup nice %d: %w", n, err)
		}
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil {
			return fmt.Errorf("setpriority %d: %w", n, err)
		}
	}
	return nil
}

// ourQEMUs lists the pids of QEMU processes whose guest name carries
// this run's prefix.
func ourQEMUs() []int { return qemusNamed(prefix) }

// qemusNamed lists the pids of QEMU processes whose guest name starts
// with name (whole names end at the comma of ",debug-threads" or the NUL).
func qemusNamed(name string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		cmdline := string(data)
		if name != prefix {
			if strings.Contains(cmdline, "guest="+name+",") || strings.Contains(cmdline, "guest="+name+"\x00") {
				pids = append(pids, pid)
			}
		} else if strings.Contains(cmdline, "guest="+name) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cpuTicks is utime+stime of pid and its reaped children, in clock ticks.
func cpuTicks(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	// Fields after the name: state is f[0], utime f[11], stime f[12].
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

// qemuCPU is the CPU time of all of pid's threads (schedstat, in ns).
func qemuCPU(pid int) time.Duration {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0
	}
	var total int64
	for _, t := range tasks {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue
		}
		if f := strings.Fields(string(data)); len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			total += n
		}
	}
	return time.Duration(total)
}

func loadavg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cleanups stop what the run started (daemons, the work directory),
// last first, on a fatal error too.
var cleanups []func()

func cleanup() {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

func fatal(v any) {
	fmt.Fprintln(os.Stderr, "qemustart:", v)
	cleanup()
	os.Exit(1)
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s)-1) + 0.5)
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// argvBuilder gives the command line and environment of a raw launch in
// dir for guest name; the monitor's listening socket is fd 3.
type argvBuilder func(dir, name string) (argv, env []string, err error)

// minimalArgv has the essentials a daemon would use: -S, the monitor on a
// passed listening socket, KVM, q35, 128 MiB, no devices.
func minimalArgv(dir, name string) ([]string, []string, error) {
	return []string{qemuBin, "-name", "guest=" + name, "-S",
		"-machine", "pc-q35-7.2,usb=off,dump-guest-core=off", "-accel", "kvm", "-cpu", "qemu64", "-m", "128",
		"-smp", "1", "-no-user-config", "-nodefaults", "-display", "none",
		"-chardev", "socket,id=charmonitor,fd=3,server=on,wait=off",
		"-mon", "chardev=charmonitor,id=monitor,mode=control"}, nil, nil
}

// daemonArgvBuilder replays the command line govirtd built for its
// warm-up guest, with that guest's private directory and name replaced
// by the raw launch's: the same QEMU work (devices, sandbox, master
// key), without the daemon.
func daemonArgvBuilder(argv, env []string) argvBuilder {
	var oldDir, oldName string
	for i, a := range argv {
		if a == "-name" && i+1 < len(argv) {
			oldName = strings.TrimPrefix(strings.Split(argv[i+1], ",")[0], "guest=")
		}
	}
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "HOME="); ok {
			oldDir = v
		}
	}
	return func(dir, name string) ([]string, []string, error) {
		if oldDir == "" || oldName == "" {
			return nil, nil, errors.New("govirtd's logged command line has no HOME or -name")
		}
		key := make([]byte, 32)
		if err := os.WriteFile(filepath.Join(dir, "master-key.aes"), key, 0o600); err != nil {
			return nil, nil, err
		}
		fix := func(s string) string {
			s = strings.ReplaceAll(s, oldDir, dir)
			return strings.ReplaceAll(s, "guest="+oldName, "guest="+name)
		}
		var a, e []string
		for i := 0; i < len(argv); i++ {
			if argv[i] == "-uuid" { // each launch its own: drop it
				i++
				continue
			}
			a = append(a, fix(argv[i]))
		}
		for _, s := range env {
			e = append(e, fix(s))
		}
		return a, e, nil
	}
}

// loggedArgv reads the last command line a domain log records: the
// environment assignments, then the binary and its arguments, one a line,
// each line but the last ending in " \", quoted as virCommandToString
// quotes.
func loggedArgv(path string) (argv, env []string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	s := string(data)
	i := strings.LastIndex(s, "starting up libvirt version")
	if i < 0 {
		return nil, nil, fmt.Errorf("%s: no start recorded", path)
	}
	lines := strings.Split(s[i:], "\n")[1:]
	for _, l := range lines {
		text, more := strings.CutSuffix(l, " \\")
		for _, word := range shellWords(text) {
			if argv == nil && strings.Contains(word, "=") && !strings.HasPrefix(word, "/") {
				env = append(env, word)
			} else {
				argv = append(argv, word)
			}
		}
		if !more {
			break
		}
	}
	if len(argv) == 0 {
		return nil, nil, fmt.Errorf("%s: no command line", path)
	}
	return argv, env, nil
}

// shellWords splits a line into words at spaces outside single quotes,
// the only quoting virCommandToString uses (a quote inside a quoted
// word closes the quotes, is escaped with a backslash, and reopens them).
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'':
			quoted, inWord = !quoted, true
		case c == '\\' && !quoted && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// stepwiseRawName is the raw target that negotiates QMP one command at a
// time.
const stepwiseRawName = "raw QEMU, QMP step by step"

// rawOnce launches QEMU with argv and returns the time from before the
// monitor socket is created until `cont` has answered. stepwise waits for
// the greeting, then for qmp_capabilities, then sends cont (as libvirt
// does, and as ../shared/tools/vbench measured the raw figures);
// otherwise qmp_capabilities rides with the connection and cont follows
// the greeting at once, the fewest round trips QMP allows.
func rawOnce(work, name string, build argvBuilder, stepwise bool) (time.Duration, func(), error) {
	d, _, stop, err := rawOnceCPU(work, name, build, stepwise)
	return d, stop, err
}

// rawOnceCPU is rawOnce that also returns QEMU's CPU time once running.
func rawOnceCPU(work, name string, build argvBuilder, stepwise bool) (time.Duration, time.Duration, func(), error) {
	dir := filepath.Join(work, "raw-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, nil, err
	}
	argv, env, err := build(dir, name)
	if err != nil {
		return 0, 0, nil, err
	}
	sock := filepath.Join(dir, "monitor.sock")
	t0 := time.Now()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return 0, 0, nil, err
	}
	l.SetUnlinkOnClose(false)
	f, _ := l.File()
	cmd := &cmdrun.Cmd{Argv: argv, Env: env, ClearEnv: env != nil, ExtraFiles: []*os.File{f}}
	p, err := runner.Start(context.Background(), cmd)
	f.Close()
	l.Close()
	if err != nil {
		return 0, 0, nil, err
	}
	kill := func() {
		p.Signal(syscall.SIGKILL)
		p.Wait()
		os.RemoveAll(dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mon, err := qmp.Dial(ctx, sock, qmp.Options{EagerNegotiation: !stepwise})
	if err != nil {
		kill()
		return 0, 0, nil, err
	}
	if _, err := mon.Execute(ctx, "cont", nil); err != nil {
		mon.Close()
		kill()
		return 0, 0, nil, err
	}
	d := time.Since(t0)
	return d, qemuCPU(p.Pid()), func() { mon.Close(); kill() }, nil
}

func rawTarget(name, work string, build argvBuilder, stepwise bool) *target {
	t := &target{name: name}
	t.once = func(guest string) (time.Duration, time.Duration, func() time.Duration, error) {
		d, cpu, stop, err := rawOnceCPU(work, guest, build, stepwise)
		if err != nil {
			return 0, 0, nil, err
		}
		return d, cpu, func() time.Duration { stop(); return 0 }, nil
	}
	t.conc = func(k int, names []string) (time.Duration, func(), error) {
		var wg sync.WaitGroup
		stops := make([]func(), k)
		errs := make([]error, k)
		t0 := time.Now()
		for i := 0; i < k; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, stops[i], errs[i] = rawOnce(work, names[i], build, stepwise)
			}(i)
		}
		wg.Wait()
		d := time.Since(t0)
		stop := func() {
			for _, s := range stops {
				if s != nil {
					s()
				}
			}
		}
		if err := errors.Join(errs...); err != nil {
			stop()
			return 0, nil, err
		}
		return d, stop, nil
	}
	// The first launch maps QEMU's binary and libraries into the page
	// cache: not counted.
	if _, stop, err := rawOnce(work, prefix+"rawwarm", build, stepwise); err == nil {
		stop()
	}
	return t
}

// daemonTarget measures a daemon through the RPC protocol: one
// connection for sequential starts, and one per concurrent starter, as
// independent clients would be (a daemon serves at most
// max_client_requests = 5 calls of one client at a time).
func daemonTarget(name string, dp *daemonProc, k int) (*target, error) {
	ctx := context.Background()
	t := &target{name: name, daemonPid: dp.proc.Pid()}
	conns := make([]*virt.Conn, k)
	for i := range conns {
		c, err := virt.Open(ctx, dp.uri)
		if err != nil {
			return nil, err
		}
		conns[i] = c
	}
	t.once = func(guest string) (time.Duration, time.Duration, func() time.Duration, error) {
		t0 := time.Now()
		dom, err := conns[0].CreateDomainXML(ctx, domainXML(guest), 0)
		if err != nil {
			return 0, 0, nil, err
		}
		d := time.Since(t0)
		// QEMU's CPU time is not taken here: by the time the call has
		// returned the guest has run for a while, so it would not compare
		// with the raw launches' (read as `cont` answers).
		return d, 0, func() time.Duration {
			t1 := time.Now()
			if err := dom.Destroy(ctx, 0); err != nil && t.err == nil {
				t.err = err
			}
			return time.Since(t1)
		}, nil
	}
	t.conc = func(k int, names []string) (time.Duration, func(), error) {
		var wg sync.WaitGroup
		doms := make([]*virt.Domain, k)
		errs := make([]error, k)
		t0 := time.Now()
		for i := 0; i < k; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				doms[i], errs[i] = conns[i].CreateDomainXML(ctx, domainXML(names[i]), 0)
			}(i)
		}
		wg.Wait()
		d := time.Since(t0)
		// Tearing down is not measured: destroy in parallel so that a
		// slow destroy (libvirtd's 1.6 s) does not stretch the run.
		stop := func() {
			var wg sync.WaitGroup
			for i, dom := range doms {
				if dom == nil {
					continue
				}
				wg.Add(1)
				go func(i int, dom *virt.Domain) {
					defer wg.Done()
					dom.Destroy(ctx, 0)
				}(i, dom)
			}
			wg.Wait()
		}
		if err := errors.Join(errs...); err != nil {
			stop()
			return 0, nil, err
		}
		return d, stop, nil
	}
	// The first start probes the QEMU binary: not counted.
	_, _, stop, err := t.once(prefix + "warm")
	if err != nil {
		return nil, err
	}
	stop()
	return t, nil
}

type daemonProc struct {
	uri  string
	root string
	proc cmdrun.Process
}

func (d *daemonProc) stop() {
	d.proc.Signal(syscall.SIGTERM)
	select {
	case <-d.proc.Done():
	case <-time.After(10 * time.Second):
		d.proc.Signal(syscall.SIGKILL)
		d.proc.Wait()
	}
}

func waitSocket(path string, p cmdrun.Process, what string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.Done():
			return fmt.Errorf("%s exited before listening", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not listen on %s", what, path)
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// startGovirtd runs bin, or one built from this tree when bin is empty,
// under its own root.
func startGovirtd(work, name, bin string) (*daemonProc, error) {
	// Short: the monitor socket path under the root must fit sun_path.
	tag := "gv"
	if name != "govirtd" {
		tag = "gvc"
	}
	if bin == "" {
		bin = filepath.Join(work, "govirtd")
		res, err := runner.Run(context.Background(), &cmdrun.Cmd{Argv: []string{"go", "build", "-o", bin, "./cmd/govirtd"}, Dir: repoRoot()})
		if err != nil {
			return nil, fmt.Errorf("building govirtd: %v\n%s", err, res.Stderr)
		}
	}
	root := filepath.Join(work, tag+"-root")
	log, _ := os.Create(filepath.Join(work, tag+".log"))
	logFile[name] = log.Name()
	argv := []string{bin, "--root", root}
	if prof := os.Getenv("QEMUSTART_GOVIRTD_CPUPROFILE"); prof != "" && name == "govirtd" {
		argv = append(argv, "--cpuprofile", prof)
	}
	p, err := runner.Start(context.Background(), &cmdrun.Cmd{Argv: argv,
		Env: []string{"GOVIRT_ROOT=" + root}, Stdout: log, Stderr: log})
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(root, "run", "libvirt", "libvirt-sock")
	if err := waitSocket(sock, p, "govirtd"); err != nil {
		(&daemonProc{proc: p}).stop()
		return nil, err
	}
	return &daemonProc{uri: "qemu+unix:///system?socket=" + sock, root: root, proc: p}, nil
}

// startLibvirtd runs the installed libvirtd in a private mount namespace
// whose libvirt directories are fresh ones under work.
func startLibvirtd(work string) (*daemonProc, error) {
	bin, err := exec.LookPath("libvirtd")
	if err != nil {
		return nil, errors.New("libvirtd not installed (Debian libvirt-daemon + libvirt-daemon-driver-qemu)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		return nil, errors.New("unshare not installed")
	}
	base := filepath.Join(work, "libvirtd")
	dirs := map[string]string{
		"etc": "/etc/libvirt", "run": "/run/libvirt", "lib": "/var/lib/libvirt",
		"log": "/var/log/libvirt", "cache": "/var/cache/libvirt",
	}
	var mounts []string
	for local, target := range dirs {
		p := filepath.Join(base, local)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return nil, err
		}
		// libvirt's package ships these directories; an empty one is
		// all the bind mount needs.
		if err := os.MkdirAll(target, 0o755); err != nil {
			return nil, err
		}
		mounts = append(mounts, fmt.Sprintf("mount --bind %s %s", p, target))
	}
	// qemu.conf: run QEMU as root (Debian's libvirt-qemu user may be
	// absent) and log to files instead of through virtlogd.
	conf := "user = \"root\"\ngroup = \"root\"\nstdio_handler = \"file\"\n"
	if err := os.WriteFile(filepath.Join(base, "etc", "qemu.conf"), []byte(conf), 0o644); err != nil {
		return nil, err
	}
	os.WriteFile(filepath.Join(base, "etc", "libvirtd.conf"), []byte("log_level = 3\n"), 0o644)
	// Debian's libvirtd resolves its compiled-in QEMU user before reading
	// qemu.conf, so the namespace gets passwd/group copies that have it.
	for _, f := range []struct{ name, line string }{
		{"passwd", "libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin\n"},
		{"group", "libvirt-qemu:x:64055:\n"},
	} {
		data, err := os.ReadFile("/etc/" + f.name)
		if err != nil {
			return nil, err
		}
		if !strings.Contains(string(data), "\nlibvirt-qemu:") {
			data = append(data, f.line...)
		}
		p := filepath.Join(base, f.name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
		mounts = append([]string{fmt.Sprintf("mount --bind %s /etc/%s", p, f.name)}, mounts...)
	}
	script := strings.Join(mounts, " && ") + " && exec " + bin
	log, _ := os.Create(filepath.Join(work, "libvirtd.log"))
	logFile["libvirtd 9.0"] = log.Name()
	// unshare execs sh, which execs libvirtd: the pid is libvirtd's.
	p, err := runner.Start(context.Background(), &cmdrun.Cmd{Argv: []string{"unshare", "-m", "--propagation", "private", "sh", "-c", script},
		Stdout: log, Stderr: log})
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(base, "run", "libvirt-sock")
	if err := waitSocket(sock, p, "libvirtd"); err != nil {
		(&daemonProc{proc: p}).stop()
		data, _ := os.ReadFile(filepath.Join(work, "libvirtd.log"))
		return nil, fmt.Errorf("%v\n%s", err, data)
	}
	return &daemonProc{uri: "qemu+unix:///system?socket=" + sock, root: base, proc: p}, nil
}

// spread is "median (min–max)".
func spread(d []time.Duration) string {
	if len(d) == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (%.0f–%.0f)", ms(pct(d, 0.5)), float64(pct(d, 0).Microseconds())/1000, float64(pct(d, 1).Microseconds())/1000)
}

func ratioSpread(r []float64) string {
	if len(r) == 0 {
		return "-"
	}
	s := append([]float64(nil), r...)
	sort.Float64s(s)
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", s[len(s)/2], s[0], s[len(s)-1])
}

func report(targets []*target, n, k int, load0, load1 string) {
	fmt.Printf("minimal KVM domain (q35, 128 MiB, no disks); %d interleaved sequential starts after one warm-up each, %d concurrent × %d rounds\n",
		n, k, len(targets[0].concurrent))
	fmt.Printf("load average before %s, after %s; medians with (min–max) in ms;\n", load0, load1)
	fmt.Printf("QEMU CPU: median CPU time of a raw-launched QEMU (all its threads) when `cont` has answered\n\n")
	fmt.Printf("%-26s %12s %12s %12s %12s %12s %24s\n", "target", "start p50", "start p90", "destroy p50", "destroy p90", "QEMU CPU", fmt.Sprintf("%d concurrent", k))
	for _, t := range targets {
		if t.err != nil {
			fmt.Printf("%-26s error: %v\n", t.name, t.err)
			if log, err := os.ReadFile(logFile[t.name]); err == nil {
				fmt.Printf("%s\n", log)
			}
			continue
		}
		dp50, dp90 := "-", "-"
		if len(t.destroy) > 0 {
			dp50, dp90 = ms(pct(t.destroy, 0.5)), ms(pct(t.destroy, 0.9))
		}
		cpu := "-"
		if pct(t.qemuCPU, 0.5) > 0 {
			cpu = ms(pct(t.qemuCPU, 0.5))
		}
		fmt.Printf("%-26s %12s %12s %12s %12s %12s %24s\n", t.name, ms(pct(t.start, 0.5)), ms(pct(t.start, 0.9)), dp50, dp90, cpu, spread(t.concurrent))
	}
	fmt.Println()
	raw := targets[0]
	var stepwiseRaw *target
	for _, t := range targets {
		if t.name == stepwiseRawName {
			stepwiseRaw = t
		}
	}
	for _, t := range targets[1:] {
		if t.err != nil || raw.err != nil {
			continue
		}
		// Paired by round: round r of both ran back to back.
		ratios := pairedRatios(t.concurrent, raw.concurrent)
		over := pct(t.start, 0.5) - pct(raw.start, 0.5)
		line := fmt.Sprintf("%s: start p50 = raw + %s", t.name, ms(over))
		if len(t.destroy) > 0 {
			line += fmt.Sprintf("; destroy p50 %s", ms(pct(t.destroy, 0.5)))
		}
		if t.daemonPid > 0 && len(t.concurrent) > 0 {
			line += fmt.Sprintf("; CPU %.1f ms per concurrent start", float64(t.cpuTicks)*10/float64(len(t.concurrent)*k))
		}
		fmt.Printf("%s; %d concurrent = %s raw (per-round ratio, median (min–max))\n", line, k, ratioSpread(ratios))
		// Every round's ratio, for pooling several runs.
		printRounds(ratios)
		if t.daemonPid > 0 && stepwiseRaw != nil && stepwiseRaw.err == nil {
			ratios := pairedRatios(t.concurrent, stepwiseRaw.concurrent)
			fmt.Printf("%s: %d concurrent = %s %s (per-round ratio, median (min–max))\n", t.name, k, ratioSpread(ratios), stepwiseRaw.name)
			printRounds(ratios)
		}
	}
}

// pairedRatios divides each round's time by the other target's in the
// same round (they ran back to back).
func pairedRatios(d, base []time.Duration) []float64 {
	var r []float64
	for i := 0; i < len(d) && i < len(base); i++ {
		r = append(r, float64(d[i])/float64(base[i]))
	}
	return r
}

func printRounds(ratios []float64) {
	fmt.Printf("  rounds:")
	for _, r := range ratios {
		fmt.Printf(" %.2f", r)
	}
	fmt.Println()
}
