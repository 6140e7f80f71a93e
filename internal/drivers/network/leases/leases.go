// Package leases keeps a network's DHCP leases as libvirt's lease helper
// does: dnsmasq runs with --leasefile-ro and calls the helper for every
// lease change; the helper keeps the live leases in <bridge>.status (a
// JSON array) in the dnsmasq state directory, where the driver reads them
// for virNetworkGetDHCPLeases.
package leases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Lease is one entry of the status file, with libvirt's field names.
type Lease struct {
	IPAddress  string `json:"ip-address"`
	MACAddress string `json:"mac-address,omitempty"`
	Hostname   string `json:"hostname,omitempty"`
	ClientID   string `json:"client-id,omitempty"`
	IAID       string `json:"iaid,omitempty"`
	ServerDUID string `json:"server-duid,omitempty"`
	ExpiryTime int64  `json:"expiry-time"`
}

// IsIPv6 reports whether the lease is for an IPv6 address.
func (l Lease) IsIPv6() bool { return strings.Contains(l.IPAddress, ":") }

// File is the status file of the network whose bridge is bridge.
func File(dir, bridge string) string { return filepath.Join(dir, bridge+".status") }

// Read returns the leases of a status file; a missing or empty file has
// none.
func Read(path string) ([]Lease, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) || (err == nil && len(bytes.TrimSpace(data)) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ls []Lease
	if err := json.Unmarshal(data, &ls); err != nil {
		return nil, fmt.Errorf("invalid lease status file %s: %w", path, err)
	}
	return ls, nil
}

// Write replaces the status file atomically.
func Write(path string, ls []Lease) error {
	if ls == nil {
		ls = []Lease{}
	}
	data, err := json.MarshalIndent(ls, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Event is one call of the helper by dnsmasq.
type Event struct {
	Action   string // add, old, del, init
	MAC      string
	IP       string
	Hostname string
	// From dnsmasq's environment.
	Expires    int64 // DNSMASQ_LEASE_EXPIRES; 0 for an infinite lease
	ClientID   string
	IAID       string
	ServerDUID string
	// Remaining is DNSMASQ_TIME_REMAINING, used when Expires is absent.
	Remaining int64
}

// EventFromArgs reads the helper's arguments (action mac ip [hostname])
// and dnsmasq's environment as getenv returns it.
func EventFromArgs(args []string, getenv func(string) string) (Event, error) {
	if len(args) < 1 {
		return Event{}, fmt.Errorf("missing action")
	}
	ev := Event{Action: args[0]}
	if ev.Action == "init" {
		return ev, nil
	}
	if len(args) < 3 {
		return Event{}, fmt.Errorf("%s needs a MAC and an IP address", ev.Action)
	}
	ev.MAC, ev.IP = args[1], args[2]
	if len(args) > 3 {
		ev.Hostname = args[3]
	}
	if h := getenv("DNSMASQ_SUPPLIED_HOSTNAME"); ev.Hostname == "" && h != "" {
		ev.Hostname = h
	}
	ev.ClientID = getenv("DNSMASQ_CLIENT_ID")
	ev.IAID = getenv("DNSMASQ_IAID")
	ev.ServerDUID = getenv("DNSMASQ_SERVER_DUID")
	if ev.IAID != "" {
		// For DHCPv6 dnsmasq passes the DUID where the MAC goes and the
		// MAC, when it knows it, in DNSMASQ_MAC.
		ev.ClientID = ev.MAC
		ev.MAC = getenv("DNSMASQ_MAC")
	}
	if v := getenv("DNSMASQ_LEASE_EXPIRES"); v != "" {
		ev.Expires, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := getenv("DNSMASQ_TIME_REMAINING"); v != "" {
		ev.Remaining, _ = strconv.ParseInt(v, 10, 64)
	}
	return ev, nil
}

// Apply updates ls with ev as the helper does: add and old replace any
// lease of the same address, del removes it, and expired leases go.
func Apply(ls []Lease, ev Event, now time.Time) []Lease {
	out := ls[:0:0]
	for _, l := range ls {
		if l.IPAddress == ev.IP {
			continue
		}
		if l.ExpiryTime != 0 && l.ExpiryTime < now.Unix() {
			continue
		}
		out = append(out, l)
	}
	if ev.Action == "add" || ev.Action == "old" {
		exp := ev.Expires
		if exp == 0 && ev.Remaining > 0 {
			exp = now.Unix() + ev.Remaining
		}
		out = append(out, Lease{IPAddress: ev.IP, MACAddress: ev.MAC, Hostname: ev.Hostname,
			ClientID: ev.ClientID, IAID: ev.IAID, ServerDUID: ev.ServerDUID, ExpiryTime: exp})
	}
	return out
}

// InitText is what the helper prints for "init": the leases in dnsmasq's
// lease-file format, so a restarted dnsmasq remembers them.
func InitText(ls []Lease, now time.Time) string {
	var b strings.Builder
	var duid string
	for _, l := range ls {
		if l.ExpiryTime != 0 && l.ExpiryTime < now.Unix() {
			continue
		}
		if l.IsIPv6() {
			if l.ServerDUID != "" {
				duid = l.ServerDUID
			}
			continue
		}
		fmt.Fprintf(&b, "%d %s %s %s %s\n", l.ExpiryTime, l.MACAddress, l.IPAddress, orStar(l.Hostname), orStar(l.ClientID))
	}
	if duid != "" {
		fmt.Fprintf(&b, "duid %s\n", duid)
		for _, l := range ls {
			if !l.IsIPv6() || (l.ExpiryTime != 0 && l.ExpiryTime < now.Unix()) {
				continue
			}
			fmt.Fprintf(&b, "%d %s %s %s %s\n", l.ExpiryTime, orStar(l.IAID), l.IPAddress, orStar(l.Hostname), orStar(l.ClientID))
		}
	}
	return b.String()
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// Update applies ev to the status file under an exclusive lock, since
// dnsmasq may run several helpers at once.
func Update(path string, ev Event, now time.Time) error {
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	ls, err := Read(path)
	if err != nil {
		return err
	}
	return Write(path, Apply(ls, ev, now))
}

// Remove deletes a status file and its lock.
func Remove(path string) {
	os.Remove(path)
	os.Remove(path + ".lock")
}
