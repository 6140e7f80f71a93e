// Command qemustart measures how fast a minimal KVM domain (q35, 128 MiB,
// no disks) starts and stops: raw QEMU launched by hand up to `cont`,
// govirtd, and — when installed — a real libvirtd 9.0, side by side in one
// run. Each daemon runs under a private root; libvirtd runs in a private
// mount namespace with its own /etc/libvirt, /run/libvirt, /var/lib,
// /var/log and /var/cache/libvirt, so the host is left as it was.
//
//	go run ./bench/qemustart [-n 20] [-concurrent 10] [-libvirtd=auto|yes|no]
//
// It needs root, /dev/kvm and qemu-system-x86_64; it prints a table of
// p50/p90 figures and the ratios the QEMU issue asks for.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
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

func main() {
	n := flag.Int("n", 20, "sequential starts per target")
	conc := flag.Int("concurrent", 10, "domains started at once")
	useLibvirtd := flag.String("libvirtd", "auto", "also measure libvirtd: auto, yes or no")
	flag.Parse()
	if os.Geteuid() != 0 {
		fatal("needs root")
	}
	if _, err := os.Stat("/dev/kvm"); err != nil {
		fatal("needs /dev/kvm")
	}
	work, err := os.MkdirTemp("", "qemustart-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(work)

	var results []result
	raw := measureRaw(work, *n)
	rawConc := measureRawConcurrent(work, *conc)
	results = append(results, result{name: "raw QEMU (spawn → cont)", start: raw, concurrent: rawConc})

	gv, err := startGovirtd(work)
	if err != nil {
		fatal(err)
	}
	results = append(results, measureDaemon("govirtd", gv.uri, *n, *conc))
	gv.stop()

	if *useLibvirtd != "no" {
		lv, err := startLibvirtd(work)
		if err != nil {
			if *useLibvirtd == "yes" {
				fatal(err)
			}
			fmt.Fprintln(os.Stderr, "libvirtd skipped:", err)
		} else {
			results = append(results, measureDaemon("libvirtd 9.0", lv.uri, *n, *conc))
			lv.stop()
		}
	}
	report(results, *n, *conc)
}

type result struct {
	name       string
	start      []time.Duration
	destroy    []time.Duration
	concurrent time.Duration
	err        error
}

func fatal(v any) {
	fmt.Fprintln(os.Stderr, "qemustart:", v)
	os.Exit(1)
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p * float64(len(s)-1))
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// rawOnce launches QEMU with the same essentials a daemon would use (-S,
// monitor on a passed listening socket, KVM, q35, 128 MiB, no devices)
// and returns the time until `cont` has answered.
func rawOnce(work, name string) (time.Duration, func(), error) {
	dir := filepath.Join(work, "raw-"+name)
	os.MkdirAll(dir, 0o755)
	sock := filepath.Join(dir, "monitor.sock")
	t0 := time.Now()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return 0, nil, err
	}
	l.SetUnlinkOnClose(false)
	f, _ := l.File()
	cmd := &cmdrun.Cmd{Argv: []string{qemuBin, "-name", "guest=" + name, "-S",
		"-machine", "pc-q35-7.2,usb=off,dump-guest-core=off", "-accel", "kvm", "-cpu", "qemu64", "-m", "128",
		"-smp", "1", "-no-user-config", "-nodefaults", "-display", "none",
		"-chardev", "socket,id=charmonitor,fd=3,server=on,wait=off",
		"-mon", "chardev=charmonitor,id=monitor,mode=control"},
		ExtraFiles: []*os.File{f}}
	p, err := runner.Start(context.Background(), cmd)
	f.Close()
	l.Close()
	if err != nil {
		return 0, nil, err
	}
	kill := func() {
		p.Signal(syscall.SIGKILL)
		p.Wait()
		os.RemoveAll(dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mon, err := qmp.Dial(ctx, sock, qmp.Options{})
	if err != nil {
		kill()
		return 0, nil, err
	}
	if _, err := mon.Execute(ctx, "cont", nil); err != nil {
		mon.Close()
		kill()
		return 0, nil, err
	}
	d := time.Since(t0)
	return d, func() { mon.Close(); kill() }, nil
}

func measureRaw(work string, n int) []time.Duration {
	var out []time.Duration
	for i := 0; i <= n; i++ {
		d, stop, err := rawOnce(work, fmt.Sprintf("raw%d", i))
		if err != nil {
			fatal(err)
		}
		stop()
		if i > 0 { // the first run warms caches
			out = append(out, d)
		}
	}
	return out
}

func measureRawConcurrent(work string, k int) time.Duration {
	var wg sync.WaitGroup
	stops := make([]func(), k)
	t0 := time.Now()
	for i := 0; i < k; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, stop, err := rawOnce(work, fmt.Sprintf("rawc%d", i))
			if err != nil {
				fatal(err)
			}
			stops[i] = stop
		}(i)
	}
	wg.Wait()
	d := time.Since(t0)
	for _, s := range stops {
		s()
	}
	return d
}

func measureDaemon(name, uri string, n, k int) result {
	ctx := context.Background()
	r := result{name: name}
	c, err := virt.Open(ctx, uri)
	if err != nil {
		r.err = err
		return r
	}
	defer c.Close(ctx)
	for i := 0; i <= n; i++ {
		t0 := time.Now()
		dom, err := c.CreateDomainXML(ctx, domainXML(fmt.Sprintf("bench%d", i)), 0)
		if err != nil {
			r.err = err
			return r
		}
		d := time.Since(t0)
		t1 := time.Now()
		if err := dom.Destroy(ctx, 0); err != nil {
			r.err = err
			return r
		}
		dd := time.Since(t1)
		if i > 0 { // the first start probes the QEMU binary
			r.start = append(r.start, d)
			r.destroy = append(r.destroy, dd)
		}
	}
	// One connection per starter, as independent clients would be: a
	// daemon serves at most max_client_requests (5) calls of one client
	// at a time.
	conns := make([]*virt.Conn, k)
	for i := range conns {
		if conns[i], err = virt.Open(ctx, uri); err != nil {
			r.err = err
			return r
		}
		defer conns[i].Close(ctx)
	}
	var wg sync.WaitGroup
	doms := make([]*virt.Domain, k)
	errs := make([]error, k)
	t0 := time.Now()
	for i := 0; i < k; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			doms[i], errs[i] = conns[i].CreateDomainXML(ctx, domainXML(fmt.Sprintf("conc%d", i)), 0)
		}(i)
	}
	wg.Wait()
	r.concurrent = time.Since(t0)
	for i, dom := range doms {
		if dom != nil {
			dom.Destroy(ctx, 0)
		}
		if errs[i] != nil && r.err == nil {
			r.err = errs[i]
		}
	}
	return r
}

type daemonProc struct {
	uri  string
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

func startGovirtd(work string) (*daemonProc, error) {
	bin := filepath.Join(work, "govirtd")
	res, err := runner.Run(context.Background(), &cmdrun.Cmd{Argv: []string{"go", "build", "-o", bin, "./cmd/govirtd"}, Dir: repoRoot()})
	if err != nil {
		return nil, fmt.Errorf("building govirtd: %v\n%s", err, res.Stderr)
	}
	root := filepath.Join(work, "govirt-root")
	log, _ := os.Create(filepath.Join(work, "govirtd.log"))
	logFile["govirtd"] = log.Name()
	p, err := runner.Start(context.Background(), &cmdrun.Cmd{Argv: []string{bin, "--root", root},
		Env: []string{"GOVIRT_ROOT=" + root}, Stdout: log, Stderr: log})
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(root, "run", "libvirt", "libvirt-sock")
	if err := waitSocket(sock, p, "govirtd"); err != nil {
		return nil, err
	}
	return &daemonProc{uri: "qemu+unix:///system?socket=" + sock, proc: p}, nil
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
	p, err := runner.Start(context.Background(), &cmdrun.Cmd{Argv: []string{"unshare", "-m", "--propagation", "private", "sh", "-c", script},
		Stdout: log, Stderr: log})
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(base, "run", "libvirt-sock")
	if err := waitSocket(sock, p, "libvirtd"); err != nil {
		data, _ := os.ReadFile(filepath.Join(work, "libvirtd.log"))
		return nil, fmt.Errorf("%v\n%s", err, data)
	}
	return &daemonProc{uri: "qemu+unix:///system?socket=" + sock, proc: p}, nil
}

func report(results []result, n, k int) {
	fmt.Printf("minimal KVM domain (q35, 128 MiB, no disks); %d sequential starts after one warm-up, %d concurrent\n\n", n, k)
	fmt.Printf("%-26s %12s %12s %12s %12s %16s\n", "target", "start p50", "start p90", "destroy p50", "destroy p90", fmt.Sprintf("%d concurrent", k))
	raw := results[0]
	for _, r := range results {
		if r.err != nil {
			fmt.Printf("%-26s error: %v\n", r.name, r.err)
			if log, err := os.ReadFile(logFile[r.name]); err == nil {
				fmt.Printf("%s\n", log)
			}
			continue
		}
		dp50, dp90 := "-", "-"
		if len(r.destroy) > 0 {
			dp50, dp90 = ms(pct(r.destroy, 0.5)), ms(pct(r.destroy, 0.9))
		}
		fmt.Printf("%-26s %12s %12s %12s %12s %16s\n", r.name, ms(pct(r.start, 0.5)), ms(pct(r.start, 0.9)), dp50, dp90, ms(r.concurrent))
	}
	fmt.Println()
	for _, r := range results[1:] {
		if r.err != nil {
			continue
		}
		over := pct(r.start, 0.5) - pct(raw.start, 0.5)
		fmt.Printf("%s: start p50 = raw + %s; destroy p50 %s; %d concurrent = %.2f× raw\n",
			r.name, ms(over), ms(pct(r.destroy, 0.5)), k, float64(r.concurrent)/float64(raw.concurrent))
	}
	out, _ := json.Marshal(map[string]any{"n": n, "concurrent": k})
	_ = out
}
