// Package bench holds benchmarks that need a real host: network start
// and stop through the network driver, inside a network namespace.
package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/daemon"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/network"
)

const benchEnv = "GOVIRT_BENCH_NETNS"

// inNetns re-runs the benchmark inside a network namespace of its own and
// prints its result; it returns true in the child.
func inNetns(b *testing.B) bool {
	if os.Getenv(benchEnv) != "" {
		return true
	}
	if os.Geteuid() != 0 {
		b.Skip("needs root for a network namespace")
	}
	ns := fmt.Sprintf("govirt-bench-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		b.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run", "^$", "-test.bench", "^"+b.Name()+"$", "-test.benchtime", "20x")
	cmd.Env = append(os.Environ(), benchEnv+"=1")
	out, err := cmd.CombinedOutput()
	b.Logf("in namespace %s:\n%s", ns, out)
	if err != nil {
		b.Fatal(err)
	}
	return false
}

func benchStartStop(b *testing.B, xml string) {
	if !inNetns(b) {
		b.SkipNow()
	}
	exec.Command("ip", "link", "set", "lo", "up").Run()
	root := b.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/libvirt"), 0o755)
	d := network.New(network.Config{Layout: daemon.Layout{Root: root}})
	ctx := context.Background()
	if err := d.Load(ctx); err != nil {
		b.Fatal(err)
	}
	c := d.Connection(driver.OpenFlags(0)).Network
	ref, err := c.NetworkDefineXML(ctx, xml)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.NetworkCreate(ctx, ref); err != nil {
			b.Fatal(err)
		}
		if err := c.NetworkDestroy(ctx, ref); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetworkStartStopNAT starts and stops a NAT network with DHCP:
// bridge, addresses, firewall rules and dnsmasq each time.
func BenchmarkNetworkStartStopNAT(b *testing.B) {
	benchStartStop(b, `<network><name>bnat</name><forward mode='nat'/><bridge name='gvbench0'/>
<ip address='192.168.160.1' prefix='24'><dhcp><range start='192.168.160.10' end='192.168.160.20'/></dhcp></ip></network>`)
}

// BenchmarkNetworkStartStopIsolated is the bridge and firewall alone.
func BenchmarkNetworkStartStopIsolated(b *testing.B) {
	benchStartStop(b, strings.Replace(`<network><name>biso</name><bridge name='gvbench1'/><dns enable='no'/>
<ip address='192.168.161.1' prefix='24'/></network>`, "\n", "", -1))
}
