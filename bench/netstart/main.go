// Command netstart measures how long a virtual network takes to start and
// to stop — a NAT network with DHCP (bridge, addresses, firewall rules,
// dnsmasq) and an isolated one (bridge and firewall alone) — for govirtd
// and, when installed, a real libvirtd 9.0, side by side in one run, both
// driven over libvirt's RPC protocol by govirt's client.
//
//	go run ./bench/netstart [-n 10] [-libvirtd=auto|yes|no] [-json out.json]
//
// It needs root. It re-runs itself under `unshare --net --mount`: both
// daemons live in a network namespace of the benchmark's own, and libvirtd
// sees fresh copies of /etc/libvirt, /run/libvirt, /var/lib/libvirt,
// /var/log/libvirt and /var/cache/libvirt bind-mounted in a private mount
// namespace, so the host's interfaces, firewall and libvirt state are
// untouched.
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
	"syscall"
	"time"

	"github.com/govirt/govirt/virt"
)

const (
	childEnv      = "GOVIRT_NETSTART_CHILD"
	networkModule = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_network.so"
)

var (
	runs        = flag.Int("n", 10, "measured start/stop cycles per network and daemon (after one warm-up)")
	useLibvirtd = flag.String("libvirtd", "auto", "also measure libvirtd 9.0: auto, yes or no")
	govirtdBin  = flag.String("govirtd", "", "prebuilt govirtd (default: build ./cmd/govirtd)")
	jsonOut     = flag.String("json", "", "also write the figures as JSON to this file")
	backends    = flag.String("fw", "iptables,nftables", "govirtd's firewall_backend, one govirtd per entry (libvirt 9.0 has iptables only)")
)

func main() {
	flag.Parse()
	if os.Getenv(childEnv) == "" {
		os.Exit(parent())
	}
	if err := child(); err != nil {
		fmt.Fprintln(os.Stderr, "netstart:", err)
		os.Exit(1)
	}
}

// parent builds govirtd and runs the measurement in new network and mount
// namespaces; the namespaces go away with the child.
func parent() int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "netstart: needs root (network namespace, bridges, firewall)")
		return 1
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		fmt.Fprintln(os.Stderr, "netstart: needs unshare (util-linux)")
		return 1
	}
	work, err := os.MkdirTemp("", "netstart-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "netstart:", err)
		return 1
	}
	defer os.RemoveAll(work)
	bin := *govirtdBin
	if bin == "" {
		bin = filepath.Join(work, "govirtd")
		build := exec.Command("go", "build", "-o", bin, "./cmd/govirtd")
		build.Dir = repoRoot()
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "netstart: building govirtd: %v\n%s", err, out)
			return 1
		}
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "netstart:", err)
		return 1
	}
	args := []string{"--net", "--mount", "--propagation", "private", self,
		"-n", fmt.Sprint(*runs), "-libvirtd", *useLibvirtd, "-govirtd", bin, "-json", *jsonOut, "-fw", *backends}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), childEnv+"="+work)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "netstart:", err)
		return 1
	}
	return 0
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// network is one benchmarked network; each daemon gets its own bridge and
// subnet so nothing one leaves behind can collide with the other's.
type network struct {
	kind string // "nat" or "isolated"
	xml  func(daemonIndex int) string
}

var networks = []network{
	{"nat", func(i int) string {
		return fmt.Sprintf(`<network><name>bnat%d</name><forward mode='nat'/><bridge name='nsbnat%d'/>
<ip address='192.168.%d.1' prefix='24'><dhcp><range start='192.168.%[3]d.10' end='192.168.%[3]d.20'/></dhcp></ip></network>`, i, i, 170+2*i)
	}},
	{"isolated", func(i int) string {
		return fmt.Sprintf(`<network><name>biso%d</name><bridge name='nsbiso%d'/><dns enable='no'/>
<ip address='192.168.%d.1' prefix='24'/></network>`, i, i, 171+2*i)
	}},
}

type daemonProc struct {
	name   string
	uri    string
	cmd    *exec.Cmd
	log    string
	conn   *virt.Conn
	nets   map[string]*virt.Network
	start  map[string][]time.Duration
	stop   map[string][]time.Duration
	failed error
}

func (d *daemonProc) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if d.conn != nil {
		for _, n := range d.nets {
			n.Destroy(ctx)
			n.Undefine(ctx)
		}
		d.conn.Close(ctx)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-done
	}
}

func child() error {
	work := os.Getenv(childEnv)
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return fmt.Errorf("ip link set lo up: %v: %s", err, out)
	}
	// /sys still shows the host's interfaces until sysfs is mounted
	// afresh from inside the namespace (as `ip netns exec` does).
	if err := syscall.Unmount("/sys", syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("unmounting /sys: %v", err)
	}
	if err := syscall.Mount("sysfs", "/sys", "sysfs", 0, ""); err != nil {
		return fmt.Errorf("mounting sysfs: %v", err)
	}
	var daemons []*daemonProc
	defer func() {
		for _, d := range daemons {
			d.shutdown()
		}
	}()
	for _, fw := range strings.Split(*backends, ",") {
		gv, err := startGovirtd(work, *govirtdBin, strings.TrimSpace(fw))
		if err != nil {
			return err
		}
		daemons = append(daemons, gv)
	}
	var libvirtdNote string
	if *useLibvirtd != "no" {
		lv, err := startLibvirtd(work)
		switch {
		case err == nil:
			daemons = append(daemons, lv)
		case *useLibvirtd == "yes":
			return err
		default:
			libvirtdNote = fmt.Sprintf("libvirtd not measured: %v", err)
		}
	}
	ctx := context.Background()
	for i, d := range daemons {
		if err := d.prepare(ctx, i); err != nil {
			return fmt.Errorf("%s: %v\n%s", d.name, err, readLog(d.log))
		}
	}
	// Round 0 is the warm-up (first firewall setup, modules, caches). The
	// daemons alternate which goes first each round.
	for round := 0; round <= *runs; round++ {
		for j := range daemons {
			d := daemons[(j+round)%len(daemons)]
			if d.failed != nil {
				continue
			}
			for _, nw := range networks {
				st, sp, err := d.cycle(ctx, nw.kind)
				if err != nil {
					d.failed = fmt.Errorf("%s %s: %v", d.name, nw.kind, err)
					break
				}
				if round > 0 {
					d.start[nw.kind] = append(d.start[nw.kind], st)
					d.stop[nw.kind] = append(d.stop[nw.kind], sp)
				}
			}
		}
	}
	report(daemons, libvirtdNote)
	for _, d := range daemons {
		if d.failed != nil {
			fmt.Printf("\n%s log:\n%s\n", d.name, readLog(d.log))
			return d.failed
		}
	}
	return nil
}

func (d *daemonProc) prepare(ctx context.Context, index int) error {
	c, err := virt.Open(ctx, d.uri)
	if err != nil {
		return err
	}
	d.conn = c
	d.nets = map[string]*virt.Network{}
	d.start = map[string][]time.Duration{}
	d.stop = map[string][]time.Duration{}
	for _, nw := range networks {
		n, err := c.NetworkDefineXML(ctx, nw.xml(index))
		if err != nil {
			return fmt.Errorf("defining the %s network: %v", nw.kind, err)
		}
		d.nets[nw.kind] = n
	}
	return nil
}

// cycle starts and stops one network; each time is the call's round trip
// as the client sees it (the network is active, or gone, when it returns).
func (d *daemonProc) cycle(ctx context.Context, kind string) (start, stop time.Duration, err error) {
	n := d.nets[kind]
	t0 := time.Now()
	if err := n.Create(ctx); err != nil {
		return 0, 0, fmt.Errorf("start: %v", err)
	}
	start = time.Since(t0)
	t1 := time.Now()
	if err := n.Destroy(ctx); err != nil {
		return 0, 0, fmt.Errorf("stop: %v", err)
	}
	return start, time.Since(t1), nil
}

// startGovirtd runs govirtd --root DIR with the settings libvirtd gets:
// no authentication on the socket, errors only in the log; fw is its
// network.conf firewall_backend ("" or "auto": govirtd chooses).
func startGovirtd(work, bin, fw string) (*daemonProc, error) {
	if fw == "" {
		fw = "auto"
	}
	name := "govirtd/" + fw
	root := filepath.Join(work, "govirt-root-"+fw)
	if err := os.MkdirAll(filepath.Join(root, "etc", "libvirt"), 0o755); err != nil {
		return nil, err
	}
	conf := `auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "4:file:/var/log/libvirt/libvirtd.log"
`
	if err := os.WriteFile(filepath.Join(root, "etc", "libvirt", "libvirtd.conf"), []byte(conf), 0o644); err != nil {
		return nil, err
	}
	if fw != "auto" {
		if err := os.WriteFile(filepath.Join(root, "etc", "libvirt", "network.conf"), []byte("firewall_backend = \""+fw+"\"\n"), 0o644); err != nil {
			return nil, err
		}
	}
	logPath := filepath.Join(work, name[len("govirtd/"):]+"-govirtd.out")
	cmd := exec.Command(bin, "--root", root)
	cmd.Env = append(os.Environ(), "GOVIRT_ROOT="+root)
	sock := filepath.Join(root, "run", "libvirt", "libvirt-sock")
	return launch(name, cmd, logPath, sock, "network+unix:///system?socket="+sock)
}

// startLibvirtd runs Debian's libvirtd with only the network driver
// module, on fresh state directories bind-mounted over the system ones
// (this process is already in a private mount namespace).
func startLibvirtd(work string) (*daemonProc, error) {
	bin, err := exec.LookPath("libvirtd")
	if err != nil {
		return nil, errors.New("libvirtd is not installed (Debian package libvirt-daemon)")
	}
	if _, err := os.Stat(networkModule); err != nil {
		return nil, fmt.Errorf("libvirt's network driver is not installed: %v", err)
	}
	base := filepath.Join(work, "libvirtd")
	for local, target := range map[string]string{
		"etc": "/etc/libvirt", "run": "/run/libvirt", "lib": "/var/lib/libvirt",
		"log": "/var/log/libvirt", "cache": "/var/cache/libvirt",
	} {
		p := filepath.Join(base, local)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(target, 0o755); err != nil {
			return nil, err
		}
		if err := syscall.Mount(p, target, "", syscall.MS_BIND, ""); err != nil {
			return nil, fmt.Errorf("bind mount over %s: %v", target, err)
		}
	}
	// Without a system bus libvirtd uses iptables directly, as govirtd
	// does; a host firewalld must not get this namespace's rules.
	if _, err := os.Stat("/run/dbus"); err == nil {
		if err := syscall.Mount("tmpfs", "/run/dbus", "tmpfs", 0, "size=64k"); err != nil {
			return nil, fmt.Errorf("hiding /run/dbus: %v", err)
		}
	}
	drivers := filepath.Join(base, "drivers")
	if err := os.MkdirAll(drivers, 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink(networkModule, filepath.Join(drivers, filepath.Base(networkModule))); err != nil {
		return nil, err
	}
	logPath := filepath.Join(base, "libvirtd.log")
	conf := filepath.Join(base, "etc", "libvirtd.conf")
	err = os.WriteFile(conf, []byte(`auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "4:file:`+logPath+`"
`), 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-f", conf, "-p", filepath.Join(base, "libvirtd.pid"))
	cmd.Env = append(os.Environ(), "LIBVIRT_DRIVER_DIR="+drivers)
	sock := "/run/libvirt/libvirt-sock"
	return launch("libvirtd 9.0", cmd, logPath, sock, "network+unix:///system?socket="+sock)
}

func launch(name string, cmd *exec.Cmd, logPath, sock, uri string) (*daemonProc, error) {
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %v", name, err)
	}
	d := &daemonProc{name: name, uri: uri, cmd: cmd, log: logPath}
	exited := make(chan struct{})
	go func() { cmd.Process.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return d, nil
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited before listening:\n%s", name, readLog(logPath))
		case <-time.After(20 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("%s did not listen on %s:\n%s", name, sock, readLog(logPath))
}

func readLog(path string) string {
	data, _ := os.ReadFile(path)
	return strings.TrimSpace(string(data))
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

type figures struct {
	StartP50, StartP90, StopP50, StopP90 float64 // milliseconds
	StartMs, StopMs                      []float64
}

func figuresOf(start, stop []time.Duration) figures {
	toMs := func(ds []time.Duration) []float64 {
		out := make([]float64, len(ds))
		for i, d := range ds {
			out[i] = float64(d) / float64(time.Millisecond)
		}
		return out
	}
	f := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return figures{f(pct(start, 0.5)), f(pct(start, 0.9)), f(pct(stop, 0.5)), f(pct(stop, 0.9)), toMs(start), toMs(stop)}
}

func report(daemons []*daemonProc, note string) {
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("network start/stop over the RPC protocol, in a private network namespace; %d cycles after one warm-up; load %s\n\n",
		*runs, strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("%-9s %-18s %11s %11s %11s %11s\n", "network", "daemon", "start p50", "start p90", "stop p50", "stop p90")
	results := map[string]map[string]figures{}
	for _, nw := range networks {
		for _, d := range daemons {
			if len(d.start[nw.kind]) == 0 {
				fmt.Printf("%-9s %-18s %s\n", nw.kind, d.name, "no figures")
				continue
			}
			f := figuresOf(d.start[nw.kind], d.stop[nw.kind])
			if results[d.name] == nil {
				results[d.name] = map[string]figures{}
			}
			results[d.name][nw.kind] = f
			fmt.Printf("%-9s %-18s %11s %11s %11s %11s\n", nw.kind, d.name,
				ms(pct(d.start[nw.kind], 0.5)), ms(pct(d.start[nw.kind], 0.9)),
				ms(pct(d.stop[nw.kind], 0.5)), ms(pct(d.stop[nw.kind], 0.9)))
		}
	}
	ratios := map[string]map[string]float64{}
	for _, d := range daemons {
		gv, lv := results[d.name], results["libvirtd 9.0"]
		if !strings.HasPrefix(d.name, "govirtd") || gv == nil || lv == nil {
			continue
		}
		fmt.Printf("\nratio %s / libvirtd 9.0 (below 1: govirtd faster)\n", d.name)
		for _, nw := range networks {
			g, l := gv[nw.kind], lv[nw.kind]
			if l.StartP50 == 0 || l.StopP50 == 0 || g.StartP50 == 0 {
				continue
			}
			r := map[string]float64{
				"start_p50": g.StartP50 / l.StartP50, "start_p90": g.StartP90 / l.StartP90,
				"stop_p50": g.StopP50 / l.StopP50, "stop_p90": g.StopP90 / l.StopP90,
			}
			ratios[d.name+" "+nw.kind] = r
			fmt.Printf("%-9s start p50 %.2f×, p90 %.2f×; stop p50 %.2f×, p90 %.2f×\n", nw.kind,
				r["start_p50"], r["start_p90"], r["stop_p50"], r["stop_p90"])
		}
	}
	if note != "" {
		fmt.Printf("\n%s\n", note)
	}
	if *jsonOut != "" {
		data, _ := json.MarshalIndent(map[string]any{
			"runs": *runs, "loadavg": strings.TrimSpace(string(load)), "results_ms": results, "ratios": ratios, "note": note,
		}, "", "  ")
		if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "netstart:", err)
		}
	}
}
