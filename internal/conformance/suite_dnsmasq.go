package conformance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/dnsmasq"
)

// libvirt's tests/networkxml2conftest.c: the dnsmasq config file (and the
// DHCP hosts file, when the network has static hosts) for each network,
// with dnsmasq 2.67's capabilities, no pid file and state under
// /var/lib/libvirt/dnsmasq.
func init() {
	register(Suite{Name: "networkxml2confdata", Run: runDnsmasqConf})
}

func runDnsmasqConf(corpus string) ([]Result, error) {
	const dir = "networkxml2confdata"
	names, err := Inputs(corpus, dir, ".xml")
	if err != nil {
		return nil, err
	}
	var res []Result
	for _, n := range names {
		n := n
		base := filepath.Join(corpus, dir, strings.TrimSuffix(n, ".xml"))
		want, err := os.ReadFile(base + ".conf")
		if err != nil {
			continue // held back
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
			paths := dnsmasq.Paths{StateDir: "/var/lib/libvirt/dnsmasq", Name: def.Name}
			files, err := dnsmasq.Contents(def, "", paths, dnsmasq.DefaultCaps())
			if err != nil {
				return err
			}
			if err := Diff(string(want), files.Conf); err != nil {
				return err
			}
			wantHosts, hostsErr := os.ReadFile(base + ".hostsfile")
			gotHosts, ok := files.HostsfileText()
			switch {
			case ok && hostsErr != nil:
				return errors.New("a hosts file was generated, but libvirt writes none")
			case !ok && hostsErr == nil:
				return errors.New("no hosts file was generated, but libvirt writes one")
			case ok:
				if err := Diff(string(wantHosts), gotHosts); err != nil {
					return errors.New("hostsfile: " + err.Error())
				}
			}
			return nil
		}))
	}
	return res, nil
}
