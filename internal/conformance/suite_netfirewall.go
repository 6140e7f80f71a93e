package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/drivers/network/netfw"
	"github.com/govirt/govirt/internal/firewall"
)

// libvirt's tests/networkxml2firewalltest.c: the commands a network's
// firewall issues when it starts, captured rather than run. The one-time
// set-up of the private chains (base.*) is checked as a case of its own
// and left out of the others, as libvirt's test strips it.
func init() {
	register(Suite{Name: "networkxml2firewalldata", Run: func(corpus string) ([]Result, error) {
		return runNetFirewall(corpus, "networkxml2firewalldata", firewall.Iptables, "-linux.args", "")
	}})
	register(Suite{Name: "networkxml2firewalldata-nftables", Run: func(corpus string) ([]Result, error) {
		return runNetFirewall(corpus, "networkxml2firewalldata-nftables", firewall.Nftables, "-linux.nftables", "base.nftables")
	}})
	register(Suite{Name: "networkxml2firewalldata-nftables-iptables", Run: func(corpus string) ([]Result, error) {
		return runNetFirewall(corpus, "networkxml2firewalldata-nftables", firewall.Iptables, "-linux.iptables", "base.iptables")
	}})
}

// fakeNftRecorder answers every "nft -ae" rule addition with a handle,
// as libvirt's test does, so removals can be recorded.
func fakeNftRecorder() *cmdrun.Recorder {
	rec := cmdrun.NewRecorder()
	var handle atomic.Int64
	rec.Respond(cmdrun.Response{Match: []string{"nft", "-ae"}, Handler: func(c *cmdrun.Cmd) (cmdrun.Result, error) {
		out := strings.Join(c.Argv[2:], " ") + fmt.Sprintf(" # handle %d\n", handle.Add(1))
		return cmdrun.Result{Stdout: []byte(out), Stderr: []byte{}}, nil
	}})
	return rec
}

func runNetFirewall(corpus, dir string, backend firewall.Backend, suffix, base string) ([]Result, error) {
	names, err := Inputs(corpus, dir, ".xml")
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	var res []Result
	if base != "" {
		if want, err := os.ReadFile(filepath.Join(corpus, dir, base)); err == nil {
			res = append(res, Check(base, func() error {
				rec := fakeNftRecorder()
				var changed bool
				for _, l := range []firewall.Layer{firewall.IPv4, firewall.IPv6} {
					if _, err := netfw.Setup(backend, l, &changed).Apply(ctx, rec); err != nil {
						return err
					}
				}
				return Diff(string(want), rec.String())
			}))
		}
	}
	for _, n := range names {
		n := n
		outPath := filepath.Join(corpus, dir, strings.TrimSuffix(n, ".xml")+suffix)
		want, err := os.ReadFile(outPath)
		if err != nil {
			// Held-back cases have an input without its expectation.
			continue
		}
		res = append(res, Check(n, func() error {
			in, err := os.ReadFile(filepath.Join(corpus, dir, n))
			if err != nil {
				return err
			}
			def, err := network.Parse(in)
			if err != nil {
				return err
			}
			fw, err := netfw.Build(backend, def)
			if err != nil {
				return err
			}
			rec := fakeNftRecorder()
			rm, err := fw.Apply(ctx, rec)
			if err != nil {
				return err
			}
			if err := Diff(string(want), rec.String()); err != nil {
				return err
			}
			if rm.Empty() {
				return fmt.Errorf("no removal was recorded")
			}
			return nil
		}))
	}
	return res, nil
}
