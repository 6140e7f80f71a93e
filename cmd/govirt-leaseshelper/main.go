// Command govirt-leaseshelper is the lease helper dnsmasq runs for a
// govirt network (--dhcp-script), like libvirt's libvirt_leaseshelper:
// it records every lease change in <bridge>.status in the dnsmasq state
// directory, where net-dhcp-leases reads them.
//
//	govirt-leaseshelper add|old|del MAC IP [HOSTNAME]
//	govirt-leaseshelper init
//
// The bridge comes from VIR_BRIDGE_NAME and the directory from
// GOVIRT_DNSMASQ_DIR (default /var/lib/libvirt/dnsmasq), both set by the
// network driver in dnsmasq's environment, which dnsmasq passes on.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/govirt/govirt/internal/drivers/network/leases"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "govirt-leaseshelper:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	bridge := os.Getenv("VIR_BRIDGE_NAME")
	if bridge == "" {
		return fmt.Errorf("VIR_BRIDGE_NAME is not set")
	}
	dir := os.Getenv("GOVIRT_DNSMASQ_DIR")
	if dir == "" {
		dir = "/var/lib/libvirt/dnsmasq"
	}
	ev, err := leases.EventFromArgs(args, os.Getenv)
	if err != nil {
		return err
	}
	path := leases.File(dir, bridge)
	now := time.Now()
	switch ev.Action {
	case "init":
		ls, err := leases.Read(path)
		if err != nil {
			return err
		}
		fmt.Print(leases.InitText(ls, now))
		return nil
	case "add", "old", "del":
		return leases.Update(path, ev, now)
	default:
		// dnsmasq also reports tftp transfers and ARP events; they
		// change no lease.
		return nil
	}
}
