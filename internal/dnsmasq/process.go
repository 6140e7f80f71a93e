package dnsmasq

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/virt/virterr"
)

// Caps is what the installed dnsmasq can do (dnsmasqCaps), judged from
// its version as libvirt does.
type Caps struct {
	Binary       string
	Major, Minor int
	BindDynamic  bool // --bind-dynamic (2.63)
	BindToDevice bool // SO_BINDTODEVICE on listening sockets (2.63)
	RAParam      bool // --ra-param (2.64)
	DHCPv6       bool // usable DHCPv6 ranges and hosts (2.64)
	RA           bool // router advertisement instead of radvd (2.64)
}

// DefaultCaps are those of dnsmasq 2.67, the oldest libvirt 9.0 accepts
// and the one libvirt's networkxml2conftest pretends to have.
func DefaultCaps() *Caps {
	c, _ := CapsFromVersion("Dnsmasq version 2.67")
	return c
}

var versionRe = regexp.MustCompile(`Dnsmasq version ([0-9]+)\.([0-9]+)`)

// CapsFromVersion reads `dnsmasq --version` output.
func CapsFromVersion(out string) (*Caps, error) {
	m := versionRe.FindStringSubmatch(out)
	if m == nil {
		return nil, virterr.New(virterr.InternalError, "cannot parse %s version number in '%s'", "dnsmasq", firstLine(out))
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	at := func(maj, min int) bool { return major > maj || (major == maj && minor >= min) }
	return &Caps{
		Binary: "dnsmasq", Major: major, Minor: minor,
		BindDynamic: at(2, 63), BindToDevice: at(2, 63),
		RAParam: at(2, 64), DHCPv6: at(2, 64), RA: at(2, 64),
	}, nil
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// ProbeCaps runs `binary --version` through r.
func ProbeCaps(ctx context.Context, r cmdrun.Runner, binary string) (*Caps, error) {
	if binary == "" {
		binary = "dnsmasq"
	}
	res, err := r.Run(ctx, cmdrun.New(binary, "--version"))
	if err != nil {
		return nil, err
	}
	c, err := CapsFromVersion(string(res.Stdout))
	if err != nil {
		return nil, err
	}
	c.Binary = binary
	return c, nil
}

// Save writes the config file (mode 0600, as libvirt) and both hosts
// files (dnsmasqSave); the hosts files exist even when empty so hosts
// added at run time only need a SIGHUP.
func Save(paths Paths, f *Files) error {
	if err := os.MkdirAll(paths.StateDir, 0o755); err != nil {
		return virterr.New(virterr.SystemError, "cannot create directory %s: %v", paths.StateDir, err)
	}
	hosts, _ := f.HostsfileText()
	for _, w := range []struct {
		path, text string
		mode       os.FileMode
	}{
		{paths.Conf(), f.Conf, 0o600},
		{paths.Hostsfile(), hosts, 0o600},
		{paths.Addnhosts(), f.AddnhostsText(), 0o600},
	} {
		if err := os.WriteFile(w.path, []byte(w.text), w.mode); err != nil {
			return virterr.New(virterr.SystemError, "couldn't write dnsmasq file '%s': %v", w.path, err)
		}
	}
	return nil
}

// Remove deletes the files Save wrote; missing ones are fine.
func Remove(paths Paths) error {
	for _, p := range []string{paths.Conf(), paths.Hostsfile(), paths.Addnhosts()} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return virterr.New(virterr.SystemError, "cannot remove %s: %v", p, err)
		}
	}
	return nil
}

// Command is the dnsmasq invocation for a network
// (networkBuildDhcpDaemonCommandLine): everything is in the config file;
// the lease helper, when given, keeps the lease database and learns the
// bridge from VIR_BRIDGE_NAME.
func Command(caps *Caps, paths Paths, leaseHelper, bridge string) *cmdrun.Cmd {
	binary := "dnsmasq"
	if caps != nil && caps.Binary != "" {
		binary = caps.Binary
	}
	c := cmdrun.New(binary, fmt.Sprintf("--conf-file=%s", paths.Conf()))
	if leaseHelper != "" {
		c.AddArgs("--leasefile-ro", fmt.Sprintf("--dhcp-script=%s", leaseHelper))
	}
	c.AddEnv("VIR_BRIDGE_NAME", bridge)
	return c
}
