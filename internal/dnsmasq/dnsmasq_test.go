package dnsmasq

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govirt/govirt/internal/cmdrun"
	"github.com/govirt/govirt/internal/conf/network"
	"github.com/govirt/govirt/internal/golden"
	"github.com/govirt/govirt/virt/virterr"
)

func parse(t *testing.T, path string) *network.Def {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	def, err := network.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// TestGolden generates each testdata network's files, with a pid file.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/*.xml")
	if len(inputs) == 0 {
		t.Fatal("no testdata")
	}
	for _, in := range inputs {
		base := strings.TrimSuffix(in, ".xml")
		t.Run(filepath.Base(base), func(t *testing.T) {
			def := parse(t, in)
			paths := Paths{StateDir: "/run/govirt/dnsmasq", Name: def.Name}
			f, err := Contents(def, "/run/govirt/network/"+def.Name+".pid", paths, DefaultCaps())
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, base+".conf", f.Conf)
			hosts, _ := f.HostsfileText()
			golden.Check(t, base+".hostsfile", hosts)
			golden.Check(t, base+".addnhosts", f.AddnhostsText())
		})
	}
}

func TestOldDnsmasqListensOnAddresses(t *testing.T) {
	def := parse(t, "testdata/no-dns.xml")
	caps, err := CapsFromVersion("Dnsmasq version 2.60  Copyright (c) 2000-2012 Simon Kelley\n")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Contents(def, "", Paths{StateDir: "/x", Name: def.Name}, caps)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Conf, "bind-interfaces\nlisten-address=10.60.0.1\n") || strings.Contains(f.Conf, "ra-param") {
		t.Errorf("conf for dnsmasq 2.60:\n%s", f.Conf)
	}
	// A public address is refused without bind-dynamic or SO_BINDTODEVICE.
	def.IPs[0].Address = mustAddr(t, "8.8.8.1")
	def.IPs[0].Ranges = nil
	if _, err := Contents(def, "", Paths{}, caps); !errors.Is(err, virterr.ConfigUnsupported) {
		t.Errorf("public address with old dnsmasq: %v", err)
	}
}

func TestErrors(t *testing.T) {
	def := parse(t, "testdata/full.xml")
	two := *def.IPs[0]
	def.IPs = append(def.IPs, &two)
	if _, err := Contents(def, "", Paths{}, nil); !errors.Is(err, virterr.ConfigUnsupported) {
		t.Errorf("two IPv4 DHCP definitions: %v", err)
	}
	def = parse(t, "testdata/full.xml")
	def.IPs[0].Netmask = mustAddr(t, "255.255.240.0")
	if _, err := Contents(def, "", Paths{}, nil); !errors.Is(err, virterr.ConfigUnsupported) {
		t.Errorf("PTR for a /20: %v", err)
	}
}

func TestPTRDomain(t *testing.T) {
	for _, c := range []struct {
		addr   string
		prefix int
		want   string
	}{
		{"10.1.2.3", 8, "10.in-addr.arpa"},
		{"10.1.2.3", 16, "1.10.in-addr.arpa"},
		{"2001:db8::1", 32, "8.b.d.0.1.0.0.2.ip6.arpa"},
		{"2001:db8::1", 36, "0.8.b.d.0.1.0.0.2.ip6.arpa"},
	} {
		got, err := ptrDomain(mustAddr(t, c.addr), c.prefix)
		if err != nil || got != c.want {
			t.Errorf("%s/%d: %q %v, want %q", c.addr, c.prefix, got, err, c.want)
		}
	}
}

func TestCaps(t *testing.T) {
	if _, err := CapsFromVersion("not dnsmasq"); err == nil {
		t.Error("garbage version accepted")
	}
	c, err := CapsFromVersion("Dnsmasq version 2.89  Copyright (c) 2000-2022 Simon Kelley")
	if err != nil || !c.BindDynamic || !c.RA || !c.DHCPv6 || c.Major != 2 || c.Minor != 89 {
		t.Errorf("2.89: %+v %v", c, err)
	}
	rec := cmdrun.NewRecorder()
	rec.Respond(cmdrun.Response{Match: []string{"dnsmasq", "--version"}, Stdout: "Dnsmasq version 2.90\n"})
	if c, err := ProbeCaps(t.Context(), rec, ""); err != nil || c.Minor != 90 {
		t.Errorf("probe: %+v %v", c, err)
	}
}

func TestCommandSaveRemove(t *testing.T) {
	dir := t.TempDir()
	paths := Paths{StateDir: filepath.Join(dir, "dnsmasq"), Name: "full"}
	def := parse(t, "testdata/full.xml")
	f, err := Contents(def, "", paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(paths, f); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{paths.Conf(), paths.Hostsfile(), paths.Addnhosts()} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, st, err)
		}
	}
	got := cmdrun.ToString(Command(DefaultCaps(), paths, "/usr/libexec/govirt_leaseshelper", "virbr5"), false, false)
	want := "VIR_BRIDGE_NAME=virbr5 dnsmasq --conf-file=" + paths.Conf() + " --leasefile-ro --dhcp-script=/usr/libexec/govirt_leaseshelper"
	if got != want {
		t.Errorf("command %q, want %q", got, want)
	}
	if err := Remove(paths); err != nil {
		t.Fatal(err)
	}
	if err := Remove(paths); err != nil {
		t.Errorf("second remove: %v", err)
	}
	if _, err := os.Stat(paths.Conf()); !os.IsNotExist(err) {
		t.Errorf("config left behind: %v", err)
	}
}

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
