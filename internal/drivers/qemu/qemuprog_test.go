package qemu

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govirt/govirt/internal/conf/domain"
	"github.com/govirt/govirt/internal/driver"
	"github.com/govirt/govirt/internal/drivers/qemu/caps"
	"github.com/govirt/govirt/internal/qmp"
	"github.com/govirt/govirt/virt/virterr"

	"github.com/govirt/govirt/internal/qga/qgatest"
)

func TestLibvirtJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"return": {"status": "running", "singlestep": false, "running": true}, "id": "libvirt-7"}`: `{"return":{"status":"running","singlestep":false,"running":true},"id":"libvirt-7"}`,
		`[1.50, -0, 1e3, null, "a/b\u00e9\u0001\r\n\t\"\\"]`:                                         "[1.50,-0,1e3,null,\"a/b\u00e9\\u0001\\r\\n\\t\\\"\\\\\"]",
		`{}`:                       `{}`,
		`"VM status: running\r\n"`: `"VM status: running\r\n"`,
	} {
		got, err := libvirtJSON([]byte(in))
		if err != nil || got != want {
			t.Errorf("libvirtJSON(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
}

func TestArbitraryCommandRefusals(t *testing.T) {
	p := &qemuProcess{exited: make(chan struct{})}
	for cmd, want := range map[string]string{
		`{"arguments":{}}`:          `{"error":{"class":"GenericError","desc":"QMP input lacks member 'execute'"}}`,
		`{"execute":"x","bogus":1}`: `{"id":"libvirt-1","error":{"class":"GenericError","desc":"QMP input member 'bogus' is unexpected"}}`,
	} {
		got, err := arbitraryCommand(context.Background(), p, cmd)
		if err != nil || got != want {
			t.Errorf("%s: got %s, %v; want %s", cmd, got, err, want)
		}
	}
	for cmd, want := range map[string]virterr.Code{
		`{"execute":"x","id":"mine"}`: virterr.InternalError,
		`not json`:                    virterr.InternalError,
		`[1]`:                         virterr.InternalError,
	} {
		if _, err := arbitraryCommand(context.Background(), p, cmd); virterr.CodeOf(err) != want {
			t.Errorf("%s: got %v", cmd, err)
		}
	}
}

// testDomain is a running guest without QEMU: enough for the calls that
// only need the definition and the agent.
func testDomain(t *testing.T, devices string) (*conn, *domainObj) {
	t.Helper()
	xml := `<domain type='qemu'><name>ga</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
<memory>131072</memory><os><type arch='x86_64'>hvm</type></os><devices>` + devices + `</devices></domain>`
	def, err := domain.Parse([]byte(xml), 0)
	if err != nil {
		t.Fatal(err)
	}
	d := &Driver{log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), closeHooks: map[any][]func(){},
		paths: NewPaths(t.TempDir(), true)}
	if err := d.paths.mkdirs(); err != nil {
		t.Fatal(err)
	}
	o := &domainObj{def: def, live: def, id: 3, state: stateRunning, reason: runningBooted}
	p := &qemuProcess{d: d, o: o, exited: make(chan struct{}), logPath: filepath.Join(t.TempDir(), "ga.log")}
	o.proc = p
	d.domains = []*domainObj{o}
	t.Cleanup(func() { close(p.exited) })
	return &conn{d: d}, o
}

// scriptedAgent is qemu-ga on the guest end of a channel: it answers the
// handshake and then each command from answers.
func scriptedAgent(t *testing.T, answers map[string]string) (path string, seen func() []string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "org.qemu.guest_agent.0")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var mu sync.Mutex
	var got []string
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					line = strings.TrimLeft(line, "\xff")
					var cmd struct {
						Execute   string          `json:"execute"`
						Arguments json.RawMessage `json:"arguments"`
					}
					if json.Unmarshal([]byte(line), &cmd) != nil {
						continue
					}
					if cmd.Execute == "guest-sync-delimited" {
						var a struct{ ID json.Number }
						json.Unmarshal(cmd.Arguments, &a)
						c.Write([]byte("\xff{\"return\": " + a.ID.String() + "}\n"))
						continue
					}
					mu.Lock()
					got = append(got, strings.TrimSpace(line))
					mu.Unlock()
					ans, ok := answers[cmd.Execute]
					if !ok {
						ans = `{"error": {"class": "CommandNotFound", "desc": "The command ` + cmd.Execute + ` has not been found"}}`
					}
					c.Write([]byte(strings.ReplaceAll(ans, "\n", "") + "\n"))
				}
			}()
		}
	}()
	return path, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

func agentDevice(path string) string {
	return `<channel type='unix'><source mode='bind' path='` + path + `'/><target type='virtio' name='org.qemu.guest_agent.0'/><alias name='channel0'/></channel>`
}

func wantCode(t *testing.T, err error, code virterr.Code, msg string) {
	t.Helper()
	e := virterr.As(err)
	if e == nil || e.Code != code || (msg != "" && e.Message != msg) {
		t.Fatalf("got %v, want %v %q", err, code, msg)
	}
}

func TestAgentNotConfigured(t *testing.T) {
	c, o := testDomain(t, "")
	ctx := context.Background()
	_, err := c.DomainQemuAgentCommand(ctx, o.ref(), `{"execute":"guest-ping"}`, -1, 0)
	wantCode(t, err, virterr.ArgumentUnsupported, "argument unsupported: QEMU guest agent is not configured")
	_, err = c.DomainGetTime(ctx, o.ref(), 0)
	wantCode(t, err, virterr.ArgumentUnsupported, "")
	o.state = statePaused
	_, err = c.DomainGetTime(ctx, o.ref(), 0)
	wantCode(t, err, virterr.OperationInvalid, "Requested operation is not valid: domain is not running")
	_, err = c.DomainQemuAgentCommand(ctx, o.ref(), `{}`, -1, 1)
	wantCode(t, err, virterr.InvalidArg, "unsupported flags (0x1) in function qemuDomainQemuAgentCommand")
}

func TestAgentCommands(t *testing.T) {
	path, seen := scriptedAgent(t, map[string]string{
		"guest-info":                   `{"return": {"version": "7.2.0", "supported_commands": []}}`,
		"guest-get-time":               `{"return": 1700000000123456789}`,
		"guest-set-time":               `{"return": {}}`,
		"guest-fsfreeze-freeze":        `{"return": 2}`,
		"guest-fsfreeze-freeze-list":   `{"return": 1}`,
		"guest-fsfreeze-thaw":          `{"return": 2}`,
		"guest-fstrim":                 `{"return": {"paths": []}}`,
		"guest-set-user-password":      `{"return": {}}`,
		"guest-get-host-name":          `{"return": {"host-name": "guest.example"}}`,
		"guest-network-get-interfaces": `{"return": [{"name": "lo", "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "127.0.0.1", "prefix": 8}], "hardware-address": "00:00:00:00:00:00"}, {"name": "eth0", "hardware-address": "52:54:00:aa:bb:cc", "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "192.168.122.5", "prefix": 24}]}, {"name": "eth0:1", "ip-addresses": [{"ip-address-type": "ipv6", "ip-address": "fe80::1", "prefix": 64}]}]}`,
	})
	c, o := testDomain(t, agentDevice(path))
	ctx := context.Background()
	dom := o.ref()

	out, err := c.DomainQemuAgentCommand(ctx, dom, `{"execute": "guest-info"}`, -1, 0)
	if err != nil || out != `{"return":{"version":"7.2.0","supported_commands":[]}}` {
		t.Fatalf("agent command: %q %v", out, err)
	}
	_, err = c.DomainQemuAgentCommand(ctx, dom, `{"execute":"guest-nope"}`, -1, 0)
	wantCode(t, err, virterr.InternalError, "internal error: unable to execute QEMU agent command 'guest-nope': The command guest-nope has not been found")
	_, err = c.DomainQemuAgentCommand(ctx, dom, `{"execute":"guest-info"}`, -3, 0)
	wantCode(t, err, virterr.InvalidArg, "invalid argument: guest agent timeout '-3' is less than the minimum '-2'")
	if got := o.proc.taintFlags(); len(got) != 1 || got[0] != taintCustomGACommand {
		t.Errorf("taints %v", got)
	}

	tm, err := c.DomainGetTime(ctx, dom, 0)
	if err != nil || tm.Seconds != 1700000000 || tm.Nseconds != 123456789 {
		t.Fatalf("get time: %+v %v", tm, err)
	}
	if n, err := c.DomainFSFreeze(ctx, dom, nil, 0); err != nil || n != 2 {
		t.Fatalf("freeze: %d %v", n, err)
	}
	if n, err := c.DomainFSFreeze(ctx, dom, []string{"/"}, 0); err != nil || n != 1 {
		t.Fatalf("freeze list: %d %v", n, err)
	}
	if n, err := c.DomainFSThaw(ctx, dom, nil, 0); err != nil || n != 2 {
		t.Fatalf("thaw: %d %v", n, err)
	}
	_, err = c.DomainFSThaw(ctx, dom, []string{"/"}, 0)
	wantCode(t, err, virterr.ArgumentUnsupported, "")
	if err := c.DomainFSTrim(ctx, dom, nil, 4096, 0); err != nil {
		t.Fatal(err)
	}
	user, pw := "root", "secret"
	if err := c.DomainSetUserPassword(ctx, dom, &user, &pw, 0); err != nil {
		t.Fatal(err)
	}
	if h, err := c.DomainGetHostname(ctx, dom, 0); err != nil || h != "guest.example" {
		t.Fatalf("hostname: %q %v", h, err)
	}
	_, err = c.DomainGetHostname(ctx, dom, hostnameAgent|hostnameLease)
	wantCode(t, err, virterr.InvalidArg, "Flags 'VIR_DOMAIN_GET_HOSTNAME_LEASE' and 'VIR_DOMAIN_GET_HOSTNAME_AGENT' are mutually exclusive")

	ifaces, err := c.DomainInterfaceAddresses(ctx, dom, ifaddrSourceAgent, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ifaces)
	const wantIfaces = `[{"Name":"lo","Hwaddr":"00:00:00:00:00:00","Addrs":[{"Type":0,"Addr":"127.0.0.1","Prefix":8}]},{"Name":"eth0","Hwaddr":"52:54:00:aa:bb:cc","Addrs":[{"Type":0,"Addr":"192.168.122.5","Prefix":24},{"Type":1,"Addr":"fe80::1","Prefix":64}]}]`
	if string(b) != wantIfaces {
		t.Errorf("agent interfaces\n got %s\nwant %s", b, wantIfaces)
	}

	want := []string{
		`{"execute": "guest-info"}`,
		`{"execute":"guest-nope"}`,
		`{"execute":"guest-get-time"}`,
		`{"execute":"guest-fsfreeze-freeze"}`,
		`{"arguments":{"mountpoints":["/"]},"execute":"guest-fsfreeze-freeze-list"}`,
		`{"execute":"guest-fsfreeze-thaw"}`,
		`{"arguments":{"minimum":4096},"execute":"guest-fstrim"}`,
		`{"arguments":{"crypted":false,"username":"root","password":"c2VjcmV0"},"execute":"guest-set-user-password"}`,
		`{"execute":"guest-get-host-name"}`,
		`{"execute":"guest-network-get-interfaces"}`,
	}
	if got := seen(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("agent saw\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestARPInterfaces(t *testing.T) {
	table := filepath.Join(t.TempDir(), "arp")
	os.WriteFile(table, []byte(`IP address       HW type     Flags       HW address            Mask     Device
192.168.122.5    0x1         0x2         52:54:00:aa:bb:cc     *        virbr0
192.168.122.9    0x1         0x0         00:00:00:00:00:00     *        virbr0
10.0.0.7         0x1         0x2         52:54:00:AA:BB:CC     *        br1
`), 0o644)
	old := arpTable
	arpTable = table
	defer func() { arpTable = old }()
	c, o := testDomain(t, `<interface type='bridge'><mac address='52:54:00:AA:BB:CC'/><source bridge='virbr0'/><target dev='vnet3'/></interface>
<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='virbr0'/></interface>`)
	ifaces, err := c.DomainInterfaceAddresses(context.Background(), o.ref(), ifaddrSourceARP, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ifaces)
	const want = `[{"Name":"vnet3","Hwaddr":"52:54:00:aa:bb:cc","Addrs":[{"Type":0,"Addr":"192.168.122.5","Prefix":0}]},{"Name":"vnet3","Hwaddr":"52:54:00:aa:bb:cc","Addrs":[{"Type":0,"Addr":"10.0.0.7","Prefix":0}]}]`
	if string(b) != want {
		t.Errorf("arp interfaces\n got %s\nwant %s", b, want)
	}
	_, err = c.DomainInterfaceAddresses(context.Background(), o.ref(), 7, 0)
	wantCode(t, err, virterr.ArgumentUnsupported, "argument unsupported: Unknown IP address data source 7")
	o.proc, o.state = nil, stateShutoff
	_, err = c.DomainInterfaceAddresses(context.Background(), o.ref(), ifaddrSourceARP, 0)
	wantCode(t, err, virterr.OperationInvalid, "")
}

func TestMonitorEventFilters(t *testing.T) {
	c, o := testDomain(t, "")
	ctx := context.Background()
	var mu sync.Mutex
	got := map[string][]string{}
	sub := func(tag string) func(driver.QemuMonitorEvent) {
		return func(ev driver.QemuMonitorEvent) {
			mu.Lock()
			defer mu.Unlock()
			d := ""
			if ev.Details != nil {
				d = *ev.Details
			}
			got[tag] = append(got[tag], ev.Event+d)
		}
	}
	str := func(s string) *string { return &s }
	ref := o.ref()
	other := driver.DomainRef{Name: "other"}
	for _, r := range []struct {
		tag   string
		dom   *driver.DomainRef
		event *string
		flags uint32
	}{
		{"all", nil, nil, 0},
		{"exact", &ref, str("STOP"), 0},
		{"nocase", nil, str("stop"), driver.QemuMonitorEventNoCase},
		{"regex", nil, str("^RE"), driver.QemuMonitorEventRegex},
		{"regexnocase", nil, str("^re"), driver.QemuMonitorEventRegex | driver.QemuMonitorEventNoCase},
	} {
		if _, err := c.QemuMonitorEventRegister(ctx, r.dom, r.event, r.flags, sub(r.tag)); err != nil {
			t.Fatal(err)
		}
	}
	// A domain that does not exist only filters (it gets nothing here).
	if _, err := c.QemuMonitorEventRegister(ctx, &other, nil, 0, sub("other")); err != nil {
		t.Fatalf("unknown domain: %v", err)
	}
	_, err := c.QemuMonitorEventRegister(ctx, nil, str("("), driver.QemuMonitorEventRegex, sub("x"))
	wantCode(t, err, virterr.InvalidArg, `invalid argument: failed to compile regex '(': Unmatched ( or \(`)
	p := o.proc
	for _, ev := range []string{`{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}`,
		`{"event": "RESUME", "data": {"a": [1, "x"]}, "timestamp": {"seconds": 1, "microseconds": 3}}`} {
		var e qmp.Event
		json.Unmarshal([]byte(ev), &e)
		p.relayMonitorEvent(e)
	}
	want := map[string][]string{
		"all":         {"STOP", `RESUME{"a":[1,"x"]}`},
		"exact":       {"STOP"},
		"nocase":      {"STOP"},
		"regex":       {`RESUME{"a":[1,"x"]}`},
		"regexnocase": {`RESUME{"a":[1,"x"]}`},
	}
	b1, _ := json.Marshal(got)
	b2, _ := json.Marshal(want)
	if string(b1) != string(b2) {
		t.Errorf("delivered %s\nwant %s", b1, b2)
	}
	if err := c.QemuMonitorEventDeregister(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.QemuMonitorEventDeregister(ctx, 0); virterr.CodeOf(err) != virterr.InvalidArg {
		t.Fatalf("second deregister: %v", err)
	}
}

// leaseNetwork is a network driver whose network "default" has leases.
type leaseNetwork struct {
	driver.UnsupportedNetwork
	asked []string
}

func (n *leaseNetwork) NetworkLookupByName(ctx context.Context, name string) (driver.NetworkRef, error) {
	if name != "default" {
		return driver.NetworkRef{}, virterr.NewFrom(virterr.FromNetwork, virterr.NoNetwork, "network not found: no network with matching name '%s'", name)
	}
	return driver.NetworkRef{Name: name}, nil
}

func (n *leaseNetwork) NetworkGetDHCPLeases(ctx context.Context, net driver.NetworkRef, mac *string, need int32, flags uint32) (driver.NetworkGetDHCPLeasesRet, error) {
	n.asked = append(n.asked, *mac)
	host := "guest1"
	all := []driver.NetworkDHCPLease{
		{Iface: "virbr0", Type: 0, MAC: str("52:54:00:aa:bb:cc"), Ipaddr: "192.168.122.5", Prefix: 24},
		{Iface: "virbr0", Type: 1, MAC: str("52:54:00:aa:bb:cc"), Ipaddr: "fd00::5", Prefix: 64, Hostname: &host},
		{Iface: "virbr0", Type: 0, MAC: str("52:54:00:00:00:09"), Ipaddr: "192.168.122.9", Prefix: 24},
	}
	var ret driver.NetworkGetDHCPLeasesRet
	for _, l := range all {
		if *l.MAC == *mac {
			ret.Leases = append(ret.Leases, l)
		}
	}
	ret.Ret = uint32(len(ret.Leases))
	return ret, nil
}

func str(s string) *string { return &s }

func TestLeaseSources(t *testing.T) {
	c, o := testDomain(t, `<interface type='network'><mac address='52:54:00:AA:BB:CC'/><source network='default'/><target dev='vnet0'/></interface>
<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><target dev='vnet1'/></interface>
<interface type='network'><mac address='52:54:00:00:00:02'/><source network='gone'/><target dev='vnet2'/></interface>
<interface type='bridge'><mac address='52:54:00:00:00:09'/><source bridge='br0'/><target dev='vnet3'/></interface>`)
	netDrv := &leaseNetwork{}
	c.d.opener = func(ctx context.Context, uri string) (*driver.Connection, error) {
		if uri != "network:///system" {
			t.Errorf("opened %s", uri)
		}
		return &driver.Connection{Network: netDrv}, nil
	}
	ctx := context.Background()
	ifaces, err := c.DomainInterfaceAddresses(ctx, o.ref(), ifaddrSourceLease, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ifaces)
	const want = `[{"Name":"vnet0","Hwaddr":"52:54:00:aa:bb:cc","Addrs":[{"Type":0,"Addr":"192.168.122.5","Prefix":24},{"Type":1,"Addr":"fd00::5","Prefix":64}]}]`
	if string(b) != want {
		t.Errorf("lease interfaces\n got %s\nwant %s", b, want)
	}
	if got := strings.Join(netDrv.asked, " "); got != "52:54:00:aa:bb:cc 52:54:00:00:00:01" {
		t.Errorf("leases asked for %s", got)
	}
	if h, err := c.DomainGetHostname(ctx, o.ref(), hostnameLease); err != nil || h != "guest1" {
		t.Errorf("lease hostname: %q %v", h, err)
	}
	c2, o2 := testDomain(t, `<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface>`)
	c2.d.opener = c.d.opener
	_, err = c2.DomainGetHostname(ctx, o2.ref(), hostnameLease)
	wantCode(t, err, virterr.NoHostname, "no hostname found: no hostname found for domain ga")
}

func TestFSInfo(t *testing.T) {
	path, _ := scriptedAgent(t, map[string]string{
		"guest-get-fsinfo": `{"return": [
 {"name": "sdb1", "mountpoint": "/data", "type": "xfs", "disk": [{"bus-type": "scsi", "bus": 0, "target": 0, "unit": 1, "pci-controller": {"domain": 0, "bus": 1, "slot": 0, "function": 0}, "dev": "/dev/sdb1"}]},
 {"name": "vda1", "mountpoint": "/", "type": "ext4", "used-bytes": 1, "total-bytes": 2, "disk": [{"bus-type": "virtio", "bus": 0, "target": 0, "unit": 0, "pci-controller": {"domain": 0, "bus": 4, "slot": 0, "function": 0}}]},
 {"name": "tmpfs", "mountpoint": "/tmp", "type": "tmpfs", "disk": []}]}`,
	})
	c, o := testDomain(t, agentDevice(path)+`
<disk type='file' device='disk'><source file='/x.img'/><target dev='vda' bus='virtio'/><address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>
<disk type='file' device='disk'><source file='/y.img'/><target dev='sdb' bus='scsi'/><address type='drive' controller='0' bus='0' target='0' unit='1'/></disk>
<controller type='scsi' index='0' model='virtio-scsi'><address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></controller>`)
	ret, err := c.DomainGetFSInfo(context.Background(), o.ref(), 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ret)
	const want = `{"Info":[{"Mountpoint":"/tmp","Name":"tmpfs","Fstype":"tmpfs","DevAliases":[]},{"Mountpoint":"/","Name":"vda1","Fstype":"ext4","DevAliases":["vda"]},{"Mountpoint":"/data","Name":"sdb1","Fstype":"xfs","DevAliases":["sdb"]}],"Ret":3}`
	if string(b) != want {
		t.Errorf("fsinfo\n got %s\nwant %s", b, want)
	}
}

func paramText(params []driver.TypedParam) string {
	var b strings.Builder
	for _, p := range params {
		v := p.Value
		switch v.Type {
		case driver.ParamString:
			fmt.Fprintf(&b, "%s=%s\n", p.Field, v.S)
		case driver.ParamUInt:
			fmt.Fprintf(&b, "%s=%d\n", p.Field, v.UI)
		case driver.ParamInt:
			fmt.Fprintf(&b, "%s=%d\n", p.Field, v.I)
		case driver.ParamULLong:
			fmt.Fprintf(&b, "%s=%d\n", p.Field, v.UL)
		case driver.ParamBoolean:
			fmt.Fprintf(&b, "%s=%v\n", p.Field, v.B != 0)
		default:
			fmt.Fprintf(&b, "%s=?%d\n", p.Field, v.Type)
		}
	}
	return b.String()
}

func TestGuestInfo(t *testing.T) {
	path, _ := scriptedAgent(t, map[string]string{
		"guest-get-users":     `{"return": [{"user": "root", "login-time": 1700000000.25}]}`,
		"guest-get-osinfo":    `{"return": {"name": "Debian GNU/Linux", "kernel-release": "6.1.0", "id": "debian", "machine": "x86_64"}}`,
		"guest-get-timezone":  `{"return": {"zone": "UTC", "offset": 0}}`,
		"guest-get-host-name": `{"return": {"host-name": "g1"}}`,
		"guest-get-fsinfo":    `{"return": [{"name": "vda1", "mountpoint": "/", "type": "ext4", "used-bytes": 10, "total-bytes": 20, "disk": [{"serial": "S1", "dev": "/dev/vda1", "bus-type": "virtio", "bus": 0, "target": 0, "unit": 0, "pci-controller": {"domain": 0, "bus": 4, "slot": 0, "function": 0}}]}]}`,
		"guest-get-disks":     `{"return": [{"name": "/dev/vda", "partition": false, "address": {"serial": "S1", "bus-type": "virtio", "bus": 0, "target": 0, "unit": 0, "pci-controller": {"domain": 0, "bus": 4, "slot": 0, "function": 0}}}, {"name": "/dev/vda1", "partition": true, "dependencies": ["/dev/vda"], "alias": "root"}]}`,
	})
	c, o := testDomain(t, agentDevice(path)+`
<disk type='file' device='disk'><source file='/x.img'/><target dev='vda' bus='virtio'/><address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>`)
	ctx := context.Background()
	// Every type: the agent lacks guest-network-get-interfaces, which is
	// passed over.
	params, err := c.DomainGetGuestInfo(ctx, o.ref(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	const want = `user.count=1
user.0.name=root
user.0.login-time=1700000000250
os.id=debian
os.name=Debian GNU/Linux
os.machine=x86_64
os.kernel-release=6.1.0
timezone.name=UTC
timezone.offset=0
hostname=g1
fs.count=1
fs.0.name=vda1
fs.0.mountpoint=/
fs.0.fstype=ext4
fs.0.total-bytes=20
fs.0.used-bytes=10
fs.0.disk.count=1
fs.0.disk.0.alias=vda
fs.0.disk.0.serial=S1
fs.0.disk.0.device=/dev/vda1
disk.count=2
disk.0.name=/dev/vda
disk.0.partition=false
disk.0.serial=S1
disk.0.alias=vda
disk.1.name=/dev/vda1
disk.1.partition=true
disk.1.dependency.count=1
disk.1.dependency.0.name=/dev/vda
disk.1.guest_alias=root
`
	if got := paramText(params); got != want {
		t.Errorf("guest info\n got:\n%s\nwant:\n%s", got, want)
	}
	// Asked for by name, a command the agent lacks is an error.
	_, err = c.DomainGetGuestInfo(ctx, o.ref(), guestInfoInterfaces, 0)
	wantCode(t, err, virterr.InternalError, "internal error: unable to execute QEMU agent command 'guest-network-get-interfaces': The command guest-network-get-interfaces has not been found")
	_, err = c.DomainGetGuestInfo(ctx, o.ref(), 1<<9, 0)
	wantCode(t, err, virterr.InvalidArg, "invalid argument: Unsupported guest information types '0x200'")
	params, err = c.DomainGetGuestInfo(ctx, o.ref(), guestInfoHostname|guestInfoTimezone, 0)
	if err != nil || paramText(params) != "timezone.name=UTC\ntimezone.offset=0\nhostname=g1\n" {
		t.Errorf("hostname+timezone: %v\n%s", err, paramText(params))
	}
}

// TestAgentAPIsWithRealAgent runs the agent APIs against the host's
// qemu-ga listening where the guest's channel would be.
func TestAgentAPIsWithRealAgent(t *testing.T) {
	sock := qgatest.HostAgent(t, "org.qemu.guest_agent.0")
	c, o := testDomain(t, agentDevice(sock))
	ctx := context.Background()
	dom := o.ref()
	if out, err := c.DomainQemuAgentCommand(ctx, dom, `{"execute":"guest-ping"}`, -1, 0); err != nil || out != `{"return":{}}` {
		t.Fatalf("guest-ping: %q %v", out, err)
	}
	if tm, err := c.DomainGetTime(ctx, dom, 0); err != nil || tm.Seconds < time.Now().Add(-time.Hour).Unix() {
		t.Fatalf("domtime: %+v %v", tm, err)
	}
	host, _ := os.Hostname()
	if h, err := c.DomainGetHostname(ctx, dom, 0); err != nil || h != host {
		t.Fatalf("hostname %q, want %q: %v", h, host, err)
	}
	ifaces, err := c.DomainInterfaceAddresses(ctx, dom, ifaddrSourceAgent, 0)
	if err != nil || len(ifaces) == 0 || ifaces[0].Name != "lo" {
		t.Fatalf("interfaces: %+v %v", ifaces, err)
	}
	params, err := c.DomainGetGuestInfo(ctx, dom, 0, 0)
	if err != nil || !strings.Contains(paramText(params), "hostname="+host+"\n") || !strings.Contains(paramText(params), "if.0.name=lo\n") {
		t.Fatalf("guestinfo: %v\n%s", err, paramText(params))
	}
	if _, err := c.DomainGetFSInfo(ctx, dom, 0); err != nil {
		t.Fatalf("fsinfo: %v", err)
	}
}

// A domain's agent response timeout bounds the agent's answer.
func TestAgentResponseTimeout(t *testing.T) {
	path, _ := scriptedAgent(t, map[string]string{"guest-get-time": " "})
	c, o := testDomain(t, agentDevice(path))
	ctx := context.Background()
	_, err := c.DomainAgentSetResponseTimeout(ctx, o.ref(), -3, 0)
	wantCode(t, err, virterr.InvalidArg, "invalid argument: guest agent timeout '-3' is less than the minimum '-2'")
	if r, err := c.DomainAgentSetResponseTimeout(ctx, o.ref(), 1, 0); err != nil || r != 0 {
		t.Fatal(r, err)
	}
	_, err = c.DomainGetTime(ctx, o.ref(), 0)
	wantCode(t, err, virterr.AgentUnresponsive, "Guest agent is not responding: Guest agent not available for now")
}

// The guest opening and closing the agent's port shows in the live
// definition and as agent lifecycle events.
func TestSerialPortChanged(t *testing.T) {
	c, o := testDomain(t, `<channel type='unix'><source mode='bind' path='/nonexistent/agent'/><target type='virtio' name='org.qemu.guest_agent.0'/><alias name='channel0'/></channel>`)
	o.proc.caps = caps.New("/usr/bin/qemu-system-x86_64")
	events := make(chan *driver.DomainEventCallbackAgentLifecycleMsg, 4)
	if _, err := c.EventRegister(context.Background(), driver.EventDomain, eventIDAgentLifecycle, nil, func(ev driver.Event) {
		events <- ev.Payload.(*driver.DomainEventCallbackAgentLifecycleMsg)
	}); err != nil {
		t.Fatal(err)
	}
	for _, open := range []bool{true, false} {
		data, _ := json.Marshal(map[string]any{"id": "channel0", "open": open})
		o.proc.observeEvent(qmp.Event{Name: "VSERPORT_CHANGE", Data: data})
		var ev *driver.DomainEventCallbackAgentLifecycleMsg
		select {
		case ev = <-events:
		case <-time.After(10 * time.Second):
			t.Fatal("no agent lifecycle event")
		}
		want, state := agentConnected, "connected"
		if !open {
			want, state = agentDisconnected, "disconnected"
		}
		if ev.State != want || ev.Reason != agentReasonChannel || ev.Dom.Name != "ga" {
			t.Errorf("event %+v", ev)
		}
		o.mu.Lock()
		xml := o.live.Format(0)
		o.mu.Unlock()
		if !strings.Contains(xml, "<target type='virtio' name='org.qemu.guest_agent.0' state='"+state+"'/>") {
			t.Errorf("live XML after open=%v:\n%s", open, xml)
		}
	}
}

// FuzzAgentReplies: whatever a guest's agent answers, the parsers fail
// with an error, never a panic, and the passthrough JSON writer keeps
// its output a fixed point.
func FuzzAgentReplies(f *testing.F) {
	for _, s := range []string{
		`[{"name": "eth0:1", "hardware-address": "52:54:00:aa:bb:cc", "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "10.0.0.1", "prefix": 8}]}]`,
		`[{"name": "vda1", "mountpoint": "/", "type": "ext4", "used-bytes": 1, "disk": [{"bus-type": "virtio", "bus": 0, "target": 0, "unit": 0, "pci-controller": {"domain": 0, "bus": 4, "slot": 0, "function": 0}}]}]`,
		`{"return": 1}`, `[]`, `[{}]`, `[{"name": 1}]`, `null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseAgentInterfaces(json.RawMessage(s))
		parseAgentFSInfo(json.RawMessage(s))
		if out, err := libvirtJSON([]byte(s)); err == nil {
			if again, err := libvirtJSON([]byte(out)); err != nil || again != out {
				t.Fatalf("%q -> %q -> %q %v", s, out, again, err)
			}
		}
	})
}

// A guest closing the agent's port releases a call blocked on the agent.
func TestAgentCloseReleasesBlockedCall(t *testing.T) {
	path, seen := scriptedAgent(t, map[string]string{"guest-slow": " "})
	c, o := testDomain(t, agentDevice(path))
	done := make(chan error, 1)
	go func() {
		_, err := c.DomainQemuAgentCommand(context.Background(), o.ref(), `{"execute":"guest-slow"}`, -2, 0)
		done <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); len(seen()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the agent never saw the call")
		}
	}
	o.proc.closeAgent()
	select {
	case err := <-done:
		wantCode(t, err, virterr.AgentUnresponsive, "Guest agent is not responding: Guest agent disappeared while executing command")
	case <-time.After(10 * time.Second):
		t.Fatal("the blocked agent call was not released")
	}
}

// A shutdown through the agent is over when QEMU reports the guest's
// SHUTDOWN (RESET for a reboot): the agent never answers it.
func TestAgentShutdown(t *testing.T) {
	path, seen := scriptedAgent(t, map[string]string{"guest-shutdown": " "})
	c, o := testDomain(t, agentDevice(path))
	if !c.agentAvailable(context.Background(), o.ref()) {
		t.Fatal("agent not available")
	}
	for _, reboot := range []bool{false, true} {
		// Counted before the call starts: the agent may see it at once.
		n := len(seen())
		done := make(chan error, 1)
		go func() { done <- c.agentShutdown(context.Background(), o.ref(), reboot) }()
		for deadline := time.Now().Add(10 * time.Second); len(seen()) == n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the agent never saw guest-shutdown")
			}
		}
		event := "SHUTDOWN"
		if reboot {
			event = "RESET"
		}
		time.Sleep(20 * time.Millisecond)
		o.proc.observeEvent(qmp.Event{Name: event})
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s did not end the agent shutdown", event)
		}
	}
	want := `{"arguments":{"mode":"reboot"},"execute":"guest-shutdown"}`
	if got := seen(); len(got) != 2 || got[1] != want {
		t.Errorf("agent saw %q", got)
	}
	c2, o2 := testDomain(t, "")
	if c2.agentAvailable(context.Background(), o2.ref()) {
		t.Error("agent available without a channel")
	}
}

func TestStatusTaints(t *testing.T) {
	p := &qemuProcess{exited: make(chan struct{})}
	defer close(p.exited)
	if got := strings.Join(p.statusTaints(true), ","); got != "high-privileges" {
		t.Errorf("taints %s", got)
	}
	p.restoreTaints([]string{taintCustomGACommand, "high-privileges", taintCustomMonitor})
	if got := strings.Join(p.statusTaints(true), ","); got != "custom-monitor,high-privileges,custom-ga-command" {
		t.Errorf("taints %s", got)
	}
	if got := strings.Join(p.statusTaints(false), ","); got != "custom-monitor,custom-ga-command" {
		t.Errorf("unprivileged taints %s", got)
	}
}

// libvirt's qemuagenttest fsinfo case: the corpus's domain, the agent
// answer the test feeds, and the targets libvirt expects in mount order.
func TestFSInfoCorpusDomain(t *testing.T) {
	data, err := os.ReadFile("../../../../shared/libvirt-tests/qemuagentdata/fsinfo.xml")
	if err != nil {
		t.Skip("corpus not present")
	}
	def, err := domain.Parse(data, 0)
	if err != nil {
		t.Fatal(err)
	}
	reply := `[
  {"name": "sda1", "mountpoint": "/", "total-bytes":952840192, "used-bytes":229019648,
   "disk": [{"serial": "ARBITRARYSTRING", "bus-type": "ide", "bus": 1, "unit": 0,
             "pci-controller": {"bus": 0, "slot": 1, "domain": 0, "function": 1}, "dev": "/dev/sda1", "target": 0}],
   "type": "ext4"},
  {"name": "dm-1", "mountpoint": "/opt",
   "disk": [{"bus-type": "virtio", "bus": 0, "unit": 0, "pci-controller": {"bus": 0, "slot": 6, "domain": 0, "function": 0}, "target": 0},
            {"bus-type": "virtio", "bus": 0, "unit": 0, "pci-controller": {"bus": 0, "slot": 7, "domain": 0, "function": 0}, "target": 0}],
   "type": "vfat"},
  {"name": "sdb1", "mountpoint": "/mnt/disk", "disk": [], "type": "xfs"}]`
	fss, err := parseAgentFSInfo(json.RawMessage(reply))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fs := range fss {
		var targets []string
		for _, da := range fs.disks {
			if d := diskByAddress(def, da); d != nil {
				targets = append(targets, d.Dst())
			}
		}
		got = append(got, fs.name+" "+fs.mountpoint+" "+fs.fstype+" "+strings.Join(targets, ","))
	}
	want := "sdb1 /mnt/disk xfs |dm-1 /opt vfat vda,vdb|sda1 / ext4 hdc"
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
}

// At start the agent's channel takes its state and announces it.
func TestRefreshChannelStates(t *testing.T) {
	c, o := testDomain(t, `<channel type='unix'><source mode='bind' path='/x'/><target type='virtio' name='org.qemu.guest_agent.0'/><alias name='channel0'/></channel>
<channel type='unix'><source mode='bind' path='/y'/><target type='virtio' name='org.example.other'/><alias name='channel1'/></channel>`)
	var got []*driver.DomainEventCallbackAgentLifecycleMsg
	if _, err := c.EventRegister(context.Background(), driver.EventDomain, eventIDAgentLifecycle, nil, func(ev driver.Event) {
		got = append(got, ev.Payload.(*driver.DomainEventCallbackAgentLifecycleMsg))
	}); err != nil {
		t.Fatal(err)
	}
	o.proc.refreshChannelStates(o.ref(), o.live, map[string]bool{"charchannel0": false, "charchannel1": true}, true)
	xml := o.live.Format(0)
	if !strings.Contains(xml, "name='org.qemu.guest_agent.0' state='disconnected'/>") || !strings.Contains(xml, "name='org.example.other' state='connected'/>") {
		t.Errorf("live XML:\n%s", xml)
	}
	if len(got) != 1 || got[0].State != agentDisconnected || got[0].Reason != agentReasonDomainStarted {
		t.Errorf("events %+v", got)
	}
}

// Only the agent's own port closing drops the agent's connection
// (processSerialChangedEvent); another virtio port is no concern of it.
func TestOtherPortClosingKeepsAgent(t *testing.T) {
	path, seen := scriptedAgent(t, map[string]string{"guest-ping": `{"return": {}}`})
	c, o := testDomain(t, agentDevice(path)+
		`<channel type='unix'><source mode='bind' path='/nonexistent/spice'/><target type='virtio' name='com.redhat.spice.0'/><alias name='channel9'/></channel>`)
	if !c.agentAvailable(context.Background(), o.ref()) {
		t.Fatal("agent not available")
	}
	if !o.proc.isAgentPort(agentAliasOf(t, o)) || o.proc.isAgentPort("channel9") {
		t.Fatalf("isAgentPort: agent %q is not, or channel9 is", agentAliasOf(t, o))
	}
	link := o.proc.agentLink()
	link.mu.Lock()
	before := link.conn
	link.mu.Unlock()
	o.proc.serialPortChanged("channel9", false)
	link.mu.Lock()
	after := link.conn
	link.mu.Unlock()
	if before == nil || after != before {
		t.Fatalf("the agent's connection was dropped (%p → %p)", before, after)
	}
	n := len(seen())
	if _, err := c.DomainQemuAgentCommand(context.Background(), o.ref(), `{"execute":"guest-ping"}`, -2, 0); err != nil {
		t.Fatalf("agent command after another port closed: %v", err)
	}
	if len(seen()) <= n {
		t.Fatal("the agent did not see the command")
	}
}

func agentAliasOf(t *testing.T, o *domainObj) string {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, ch := range o.live.Devices.Channels() {
		if tg := ch.Child("target"); tg != nil && tg.Prop("name") == agentChannelName {
			return ch.Info.Alias
		}
	}
	t.Fatal("no agent channel")
	return ""
}

// VSERPORT_CHANGE events are handled one at a time in QEMU's order, as
// libvirt's single event worker does: while a job holds the domain they
// queue, and the port ends in the state QEMU reported last.
func TestPortChangesKeepQEMUsOrder(t *testing.T) {
	_, o := testDomain(t, `<channel type='unix'><source mode='bind' path='/y'/><target type='virtio' name='org.example.other'/><alias name='channel1'/></channel>`)
	if err := o.job.acquire(context.Background(), "modify", "test"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		o.proc.queuePortChange(portChange{alias: "channel1", open: i%2 == 0})
	}
	o.job.end()
	deadline := time.Now().Add(30 * time.Second)
	for {
		o.proc.mu.Lock()
		busy := o.proc.portWorker
		o.proc.mu.Unlock()
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("port changes still queued after 30 s")
		}
		time.Sleep(time.Millisecond)
	}
	o.mu.Lock()
	xml := o.live.Format(0)
	o.mu.Unlock()
	if !strings.Contains(xml, "name='org.example.other' state='disconnected'/>") {
		t.Errorf("last change was a close; live XML:\n%s", xml)
	}
}
